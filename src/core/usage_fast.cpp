// The fast path of parse_usage_text(): one pass of simdjson On-Demand over the line, reading
// only the members the envelope, format detection and the format's parser need (every other
// value is still lexed, so a line accepted here is a line read_json accepts), and building the
// same UsageRecord as the tree parser without building the tree. That is what bulk ingest of
// gateway lines needs: the tree costs several microseconds a line, most of it allocation.
//
// Covered: an envelope (provider, model, occurred_at, request_id, service_tier, format,
// attrs, response) around an openai_chat or anthropic_messages response, or a bare one, with
// the format named or detected ("auto"). Everything else declines to the tree parser: other
// formats, arrays of payloads, numbers or types the fast accessors do not mirror, any error.
// The tree parser remains the reference: test/unit/fast_parser_test.cpp and the
// fuzz_fast_parser target compare the two on every fixture, corpus file and generated line.
#include "usage_fast.hpp"

#include "error.hpp"
#include "fast_json.hpp"
#include "json_reader.hpp"
#include "parsers/anthropic_messages_fast.hpp"
#include "parsers/openai_chat_fast.hpp"
#include "provider.hpp"

namespace cb::core {

namespace fj = fast_json;
using fj::Kind;
using fj::Scalar;

namespace {

template <class T, class R>
T must(R&& r) {
    T x;
    if (std::forward<R>(r).get(x) != simdjson::SUCCESS) fj::decline();
    return x;
}

// One payload object's members, as the envelope, detection and the parsers read them.
struct DocFields {
    parsers::ChatFields chat;  // model, service_tier and provider serve the envelope too
    parsers::AnthropicFields anthropic;
    Scalar occurred_at, request_id, format;
    Kind response = Kind::absent;
    size_t response_members = 0;
    Kind attrs = Kind::absent;
    nlohmann::json attrs_value;
    // A member by which detection could pick another format (or a LiteLLM row): such a line
    // goes to the tree parser.
    bool other_format = false;
};

bool other_format_key(std::string_view k) {
    return fj::is(k, "resourceSpans") || fj::is(k, "schemaType") || fj::is(k, "usageMetadata") ||
           fj::is(k, "data") || fj::is(k, "starting_at") || fj::is(k, "results") ||
           fj::is(k, "tokens") || fj::is(k, "metadata") || fj::is(k, "call_type") ||
           fj::is(k, "spend") || fj::is(k, "startTime") ||
           fj::is(k, "reported_cost");  // an envelope's provider-reported cost: the tree parser reads it
}

// Reads an object's members into d; the top level's "response" object goes into *response
// and its "attrs" object is built (the envelope's), a response's are only validated.
size_t capture(fj::od::object o, int open, const char* end, DocFields& d, DocFields* response) {
    std::string scratch;
    size_t members = 0;
    for (auto fr : o) {
        fj::od::field f = must<fj::od::field>(std::move(fr));
        ++members;
        std::string_view k = fj::key(f, end, scratch);
        fj::od::value& v = f.value();
        if (parsers::capture_chat_member(k, v, open, end, d.chat)) continue;
        if (parsers::capture_anthropic_member(k, v, open, end, d.anthropic)) continue;
        if (fj::is(k, "usage")) {
            // Read once for every format: each member goes to the reader that wants it.
            parsers::reset_chat_usage(d.chat);
            parsers::reset_anthropic_usage(d.anthropic);
            d.chat.usage =
                fj::read_members(v, open, end, [&](std::string_view u, fj::od::value& uv) {
                    return parsers::chat_usage_member(u, uv, open + 1, end, d.chat) ||
                           parsers::anthropic_usage_member(u, uv, open + 1, end, d.anthropic);
                });
            continue;
        }
        Scalar* slot = fj::is(k, "occurred_at")  ? &d.occurred_at
                       : fj::is(k, "request_id") ? &d.request_id
                       : fj::is(k, "format")     ? &d.format
                                                 : nullptr;
        if (slot) {
            slot->reset();
            fj::read_value(v, open, end, slot);
        } else if (response && fj::is(k, "response")) {
            *response = DocFields{};
            if (must<fj::od::json_type>(v.type()) == fj::od::json_type::object) {
                if (open >= fj::kMaxDepth) fj::decline();
                d.response = Kind::object;
                d.response_members = capture(must<fj::od::object>(v.get_object()), open + 1, end,
                                             *response, nullptr);
            } else {
                Scalar kind;
                fj::read_value(v, open, end, &kind);
                d.response = kind.kind;
                d.response_members = 0;
            }
        } else if (response && fj::is(k, "attrs")) {
            if (must<fj::od::json_type>(v.type()) == fj::od::json_type::object) {
                d.attrs = Kind::object;
                d.attrs_value = fj::to_json(v, open, end);
            } else {
                Scalar kind;
                fj::read_value(v, open, end, &kind);
                d.attrs = kind.kind;
                d.attrs_value = nullptr;
            }
        } else {
            if (other_format_key(k)) d.other_format = true;
            fj::read_value(v, open, end, nullptr);
        }
    }
    return members;
}

// As usage_parser.cpp's merge_attrs: `from`'s keys win.
void merge_attrs(nlohmann::json& into, nlohmann::json&& from) {
    if (!from.is_object()) return;
    if (into.is_object() && into.empty()) {
        into = std::move(from);
        return;
    }
    for (auto it = from.begin(); it != from.end(); ++it) into[it.key()] = std::move(it.value());
}

// normalize_provider() of the gateway's provider name, remembered for the last name seen: a
// bulk load names the same provider line after line, and the alias table costs a string
// compare per alias.
std::string normalized_provider(std::string_view name) {
    thread_local std::string last_name, last_normalized;
    if (!last_name.empty() && name == last_name) return last_normalized;
    std::string n = normalize_provider(name);  // may throw: nothing is remembered then
    last_name.assign(name.data(), name.size());
    last_normalized = n;
    return n;
}

// The format detect_usage_format() gives a document with these members, when it is one the
// fast path reads (openai_chat, anthropic_messages); declines otherwise. Its order: the
// members other_format_key() names come first (declined), then "object" (bucket, response,
// chat.completion*), then type "message".
UsageFormat detect(const DocFields& d) {
    if (d.other_format) fj::decline();
    const Scalar& object = d.chat.object;
    if (object.kind == Kind::string) {
        if (object.text.compare(0, 15, "chat.completion") == 0) {
            const Scalar& id = d.chat.id;
            if (d.chat.provider.present() ||
                (id.kind == Kind::string && id.text.compare(0, 4, "gen-") == 0))
                fj::decline();  // openrouter
            return UsageFormat::openai_chat;
        }
        if (object.text == "bucket" || object.text == "response") fj::decline();
    }
    if (d.anthropic.type.kind == Kind::string && d.anthropic.type.text == "message")
        return UsageFormat::anthropic_messages;
    fj::decline();
}

// The one record of a document in format f.
UsageRecord read_record(const DocFields& d, UsageFormat f) {
    switch (f) {
        case UsageFormat::openai_chat:
            return parsers::chat_record(d.chat, "openai");
        case UsageFormat::anthropic_messages:
            return parsers::anthropic_record(d.anthropic, d.chat);
        default:
            fj::decline();
    }
}

std::vector<UsageRecord> parse(std::string_view payload, UsageFormat format,
                               std::string_view extra_attrs_json) {
    // read_json refuses what simdjson might skip (a byte order mark): only an object that
    // starts the line, after whitespace, is read here.
    size_t first = payload.find_first_not_of(" \t\n\r");
    if (first == std::string_view::npos || payload[first] != '{') fj::decline();
    fj::Input& in = fj::thread_input();
    fj::od::document doc = in.iterate(payload);
    DocFields top, response;
    capture(must<fj::od::object>(doc.get_object()), 1, in.end(), top, &response);
    fj::expect_document_end(doc);

    // is_litellm_row() and is_envelope() as usage_parser.cpp has them (LiteLLM keys decline).
    if (top.other_format && format == UsageFormat::auto_detect) fj::decline();
    bool envelope = top.response == Kind::object && top.response_members > 0;
    if (envelope && top.other_format) fj::decline();
    const DocFields& d = envelope ? response : top;
    UsageFormat f = format;
    if (envelope && top.format.non_null()) {
        if (top.format.kind != Kind::string) fj::decline();
        f = usage_format_from_name(top.format.text);
    }
    if (f == UsageFormat::auto_detect) f = detect(d);

    std::vector<UsageRecord> out;
    out.push_back(read_record(d, f));
    UsageRecord& r = out.back();
    r.format = usage_format_name(f);
    if (envelope) {
        std::string_view provider = fj::text(top.chat.provider), model = fj::text(top.chat.model),
                         request_id = fj::text(top.request_id),
                         tier = fj::text(top.chat.service_tier);
        std::optional<Timestamp> occurred = fj::time(top.occurred_at);
        fj::expect_object_or_null(top.attrs);
        if (!provider.empty()) r.provider = normalized_provider(provider);
        if (!model.empty()) r.model = std::string(model);
        if (!tier.empty()) r.service_tier = std::string(tier);
        if (occurred) r.occurred_at = occurred;
        if (!request_id.empty()) r.request_id = std::string(request_id);
        if (top.attrs == Kind::object) merge_attrs(r.attrs, std::move(top.attrs_value));
    }
    if (!extra_attrs_json.empty()) {
        nlohmann::json extra = read_json(extra_attrs_json);
        if (!extra.is_null() && !extra.is_object()) fj::decline();
        if (extra.is_object())
            for (auto it = extra.begin(); it != extra.end(); ++it) r.attrs[it.key()] = it.value();
    }
    return out;
}

}  // namespace

std::optional<std::vector<UsageRecord>> parse_usage_text_fast(std::string_view payload,
                                                              UsageFormat format,
                                                              std::string_view extra_attrs_json) {
    if (format != UsageFormat::auto_detect && format != UsageFormat::openai_chat &&
        format != UsageFormat::anthropic_messages)
        return std::nullopt;
    try {
        return parse(payload, format, extra_attrs_json);
    } catch (const fj::Decline&) {
    } catch (const Error&) {
    } catch (const simdjson::simdjson_error&) {
    }
    // Anything else (std::bad_alloc) propagates as from the tree parser.
    return std::nullopt;
}

}  // namespace cb::core
