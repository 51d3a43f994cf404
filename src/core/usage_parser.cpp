// Format names, detection by shape, the envelope, and the canonical row: everything about
// parsing usage that is not one provider's format (those live in parsers/).
#include "usage_record.hpp"

#include "error.hpp"
#include "json_reader.hpp"
#include "provider.hpp"
#include "token_json.hpp"
#include "usage_fast.hpp"
#include "usage_json.hpp"

namespace cb::core {

using json = nlohmann::json;
namespace uj = usage_json;

namespace {

struct FormatEntry {
    UsageFormat format;
    const char* name;
    UsageParser parser;
};

constexpr FormatEntry kFormats[] = {
    {UsageFormat::openai_chat, "openai_chat", parse_openai_chat},
    {UsageFormat::openai_responses, "openai_responses", parse_openai_responses},
    {UsageFormat::openai_usage, "openai_usage", parse_openai_usage},
    {UsageFormat::anthropic_messages, "anthropic_messages", parse_anthropic_messages},
    {UsageFormat::anthropic_usage, "anthropic_usage", parse_anthropic_usage},
    {UsageFormat::gemini, "gemini", parse_gemini},
    {UsageFormat::bedrock_converse, "bedrock_converse", parse_bedrock_converse},
    {UsageFormat::bedrock_log, "bedrock_log", parse_bedrock_log},
    {UsageFormat::otlp, "otlp", parse_otlp},
    {UsageFormat::litellm, "litellm", parse_litellm},
    {UsageFormat::openrouter, "openrouter", parse_openrouter},
    {UsageFormat::canonical, "canonical", parse_canonical},
    {UsageFormat::auto_detect, "auto", nullptr},
};

const FormatEntry& entry(UsageFormat f) {
    for (const FormatEntry& e : kFormats)
        if (e.format == f) return e;
    return kFormats[sizeof kFormats / sizeof kFormats[0] - 1];
}

bool has(const json& o, const char* key) { return o.is_object() && o.contains(key) && !o[key].is_null(); }

bool string_is(const json& o, const char* key, std::string_view value) {
    if (!o.is_object()) return false;
    auto it = o.find(key);
    return it != o.end() && it->is_string() && it->get_ref<const std::string&>() == value;
}

bool string_starts(const json& o, const char* key, std::string_view prefix) {
    if (!o.is_object()) return false;
    auto it = o.find(key);
    return it != o.end() && it->is_string() && it->get_ref<const std::string&>().compare(0, prefix.size(), prefix) == 0;
}

// The first bucket of a usage-report page ({"data": [bucket, ...]}), if any.
const json* first_bucket(const json& doc) {
    if (!doc.is_object()) return nullptr;
    auto it = doc.find("data");
    if (it == doc.end() || !it->is_array() || it->empty()) return nullptr;
    return &(*it)[0];
}

void merge_attrs(json& into, const json& from) {
    if (!from.is_object()) return;
    for (auto it = from.begin(); it != from.end(); ++it) into[it.key()] = it.value();
}

void merge_attrs(json& into, json&& from) {
    if (!from.is_object()) return;
    if (into.is_object() && into.empty()) {
        into = std::move(from);
        return;
    }
    for (auto it = from.begin(); it != from.end(); ++it) into[it.key()] = std::move(it.value());
}

// Moves the attrs object out of a document the caller owns (leaving {}), so that the records
// take it over instead of copying it while the document is alive: attrs are often most of a
// large payload, and parsed JSON costs many times its text. Anything but an object stays
// for the parser to judge.
json take_attrs(json* owned) {
    if (!owned || !owned->is_object()) return json();
    auto it = owned->find("attrs");
    if (it == owned->end() || !it->is_object()) return json();
    json taken = std::move(*it);
    *it = json::object();
    return taken;
}

// LiteLLM spend-log rows carry a "response" column (usually {}): they are rows, not envelopes.
bool is_litellm_row(const json& doc) {
    return has(doc, "call_type") || (has(doc, "spend") && has(doc, "startTime"));
}

bool is_envelope(const json& doc) {
    return doc.is_object() && doc.contains("response") && doc["response"].is_object() && !doc["response"].empty() &&
           !is_litellm_row(doc);
}

// owned: the same document as payload when the caller owns it (parse_usage_text), else null.
void parse_one(const json& payload, UsageFormat format, const json* extra_attrs, std::vector<UsageRecord>& out,
               json* owned) {
    if (!payload.is_object())
        throw Error(sqlstate::invalid_parameter_value,
                    std::string("usage payload must be a JSON object, not ") + payload.type_name(),
                    {}, "send one provider response, canonical row or envelope per payload");
    const json* envelope = is_envelope(payload) ? &payload : nullptr;
    const json& doc = envelope ? payload["response"] : payload;
    UsageFormat f = format;
    if (envelope && uj::member(*envelope, "format", "envelope"))
        f = usage_format_from_name(uj::text(*envelope, "format", "envelope"));
    if (f == UsageFormat::auto_detect) f = detect_usage_format(doc);
    size_t first = out.size();
    // A canonical row's attrs become its record's attrs: taken over, not copied.
    json row_attrs;
    if (f == UsageFormat::canonical && owned) row_attrs = take_attrs(envelope ? &(*owned)["response"] : owned);
    json envelope_attrs = envelope ? take_attrs(owned) : json();
    entry(f).parser(doc, out);
    for (size_t i = first; i < out.size(); ++i) out[i].format = entry(f).name;
    if (row_attrs.is_object() && out.size() == first + 1) merge_attrs(out[first].attrs, std::move(row_attrs));

    if (envelope) {
        const json& e = *envelope;
        std::string provider = uj::text(e, "provider", "envelope");
        std::string model = uj::text(e, "model", "envelope");
        std::string request_id = uj::text(e, "request_id", "envelope");
        std::string tier = uj::text(e, "service_tier", "envelope");
        auto occurred = uj::time(e, "occurred_at", "envelope");
        std::string reported_cost = uj::decimal(e, "reported_cost", "envelope");
        if (!reported_cost.empty() && out.size() - first != 1)
            throw Error(sqlstate::invalid_parameter_value,
                        "envelope.reported_cost is the cost of one record, but the response holds " +
                            std::to_string(out.size() - first),
                        {}, "send the reported cost in each row (canonical rows, spend log rows), or leave it out");
        const json* attrs = uj::object_member(e, "attrs", "envelope");
        size_t n = out.size() - first;
        for (size_t i = first; i < out.size(); ++i) {
            UsageRecord& r = out[i];
            if (!provider.empty()) r.provider = normalize_provider(provider);
            if (!model.empty()) r.model = model;
            if (!tier.empty()) r.service_tier = tier;
            if (occurred) r.occurred_at = occurred;
            if (!reported_cost.empty()) r.reported_cost = reported_cost;
            // One record takes the gateway's id; a bucket export keeps its deterministic ids
            // under the gateway's id so every row stays unique.
            if (!request_id.empty()) r.request_id = n == 1 ? request_id : request_id + ":" + r.request_id;
            if (envelope_attrs.is_object()) {
                if (i + 1 == out.size()) merge_attrs(r.attrs, std::move(envelope_attrs));  // the last one takes it
                else merge_attrs(r.attrs, envelope_attrs);
            } else if (attrs) {
                merge_attrs(r.attrs, *attrs);
            }
        }
    }
    if (extra_attrs)
        for (size_t i = first; i < out.size(); ++i) merge_attrs(out[i].attrs, *extra_attrs);
}

}  // namespace

void raise_if_all_rejected(const std::vector<UsageRecord>& records) {
    if (records.empty()) return;
    for (const UsageRecord& r : records)
        if (!r.rejection) return;
    throw *records.front().rejection;
}

UsageFormat usage_format_from_name(std::string_view name) {
    for (const FormatEntry& e : kFormats)
        if (name == e.name) return e.format;
    throw Error(sqlstate::invalid_parameter_value, "unknown usage format \"" + std::string(name) + "\"", {},
                "valid formats: " + usage_format_list());
}

const char* usage_format_name(UsageFormat f) { return entry(f).name; }

const std::string& usage_format_list() {
    static const std::string list = [] {
        std::string s;
        for (const FormatEntry& e : kFormats) {
            if (!s.empty()) s += ", ";
            s += e.name;
        }
        return s;
    }();
    return list;
}

UsageFormat detect_usage_format(const json& doc) {
    if (doc.is_array() && !doc.empty()) {
        // Arrays of log rows: the element says what they are.
        const json& el = doc[0];
        if (string_is(el, "schemaType", "ModelInvocationLog")) return UsageFormat::bedrock_log;
        if (is_litellm_row(el)) return UsageFormat::litellm;
    }
    if (!doc.is_object())
        throw Error(sqlstate::invalid_parameter_value,
                    std::string("cannot detect the usage format of a JSON ") + doc.type_name(), {},
                    "pass a provider response, a canonical row or an envelope, or name the format");
    if (has(doc, "resourceSpans")) return UsageFormat::otlp;
    if (string_is(doc, "schemaType", "ModelInvocationLog")) return UsageFormat::bedrock_log;
    if (has(doc, "usageMetadata")) return UsageFormat::gemini;
    if (const json* b = first_bucket(doc)) {
        if (is_litellm_row(*b)) return UsageFormat::litellm;  // /spend/logs/v2 page
        if (has(*b, "starting_at")) return UsageFormat::anthropic_usage;
        if (has(*b, "start_time")) return UsageFormat::openai_usage;
    }
    if (string_is(doc, "object", "bucket")) return UsageFormat::openai_usage;
    if (has(doc, "starting_at") && has(doc, "results")) return UsageFormat::anthropic_usage;
    if (string_is(doc, "object", "response")) return UsageFormat::openai_responses;
    if (string_starts(doc, "object", "chat.completion")) {
        if (doc.contains("provider") || string_starts(doc, "id", "gen-")) return UsageFormat::openrouter;
        return UsageFormat::openai_chat;
    }
    if (string_is(doc, "type", "message")) return UsageFormat::anthropic_messages;
    if (is_litellm_row(doc)) return UsageFormat::litellm;
    if (has(doc, "tokens") && doc["tokens"].is_object()) return UsageFormat::canonical;
    const json* usage = doc.contains("usage") && doc["usage"].is_object() ? &doc["usage"] : nullptr;
    if (!usage && doc.contains("metadata") && doc["metadata"].is_object() && has(doc["metadata"], "usage") &&
        doc["metadata"]["usage"].is_object() && has(doc["metadata"]["usage"], "inputTokens"))
        return UsageFormat::bedrock_converse;
    if (usage) {
        if (has(*usage, "inputTokens")) return UsageFormat::bedrock_converse;
        if (has(*usage, "prompt_tokens")) return UsageFormat::openai_chat;
        if (has(*usage, "input_tokens_details")) return UsageFormat::openai_responses;
        if (has(*usage, "input_tokens")) return UsageFormat::anthropic_messages;
    }
    throw Error(sqlstate::invalid_parameter_value, "cannot detect the usage format of this payload", {},
                "name the format (" + usage_format_list() + ") or wrap the response in an envelope");
}

void parse_canonical(const json& doc, std::vector<UsageRecord>& out) {
    const json* tokens = uj::object_member(doc, "tokens", "canonical row");
    if (!tokens) uj::not_this_format("canonical", "no \"tokens\" object");
    UsageRecord r;
    std::string provider = uj::text(doc, "provider", "canonical row");
    if (!provider.empty()) r.provider = normalize_provider(provider);
    r.model = uj::text(doc, "model", "canonical row");
    r.occurred_at = uj::time(doc, "occurred_at", "canonical row");
    r.request_id = uj::text(doc, "request_id", "canonical row");
    r.service_tier = uj::text(doc, "service_tier", "canonical row");
    r.reported_cost = uj::decimal(doc, "reported_cost", "canonical row");
    for (auto it = tokens->begin(); it != tokens->end(); ++it) {
        auto cls = token_class_from_name(it.key());
        if (!cls)
            throw Error(sqlstate::invalid_text_representation,
                        "unknown token class \"" + it.key() + "\" in canonical row tokens", {},
                        "valid classes: " + token_class_list());
        r.tokens.set(*cls, json_count(it.value(), "tokens." + it.key()));
    }
    if (const json* attrs = uj::object_member(doc, "attrs", "canonical row")) r.attrs = *attrs;
    out.push_back(std::move(r));
}

namespace {

std::vector<UsageRecord> parse_document(const json& payload, UsageFormat format, const json* extra_attrs,
                                        json* owned) {
    if (extra_attrs && !extra_attrs->is_null() && !extra_attrs->is_object())
        throw Error(sqlstate::invalid_parameter_value,
                    std::string("attrs must be a JSON object, not ") + extra_attrs->type_name());
    std::vector<UsageRecord> out;
    bool log_format = format == UsageFormat::litellm || format == UsageFormat::bedrock_log;
    if (payload.is_array() && !log_format) {
        const json& el = payload.empty() ? payload : payload[0];
        bool log_rows = string_is(el, "schemaType", "ModelInvocationLog") || is_litellm_row(el);
        if (format == UsageFormat::auto_detect && log_rows) {
            UsageFormat f = detect_usage_format(payload);  // arrays of log rows
            entry(f).parser(payload, out);
            for (UsageRecord& r : out) r.format = entry(f).name;
            if (extra_attrs)
                for (UsageRecord& r : out) merge_attrs(r.attrs, *extra_attrs);
            return out;
        }
        for (size_t i = 0; i < payload.size(); ++i) parse_one(payload[i], format, extra_attrs, out, owned ? &(*owned)[i] : nullptr);
        return out;
    }
    if (payload.is_array()) {
        entry(format).parser(payload, out);
        for (UsageRecord& r : out) r.format = entry(format).name;
        if (extra_attrs)
            for (UsageRecord& r : out) merge_attrs(r.attrs, *extra_attrs);
        return out;
    }
    parse_one(payload, format, extra_attrs, out, owned);
    return out;
}

}  // namespace

std::vector<UsageRecord> parse_usage_document(const json& payload, UsageFormat format, const json* extra_attrs) {
    return parse_document(payload, format, extra_attrs, nullptr);
}

std::vector<UsageRecord> parse_usage_text(std::string_view payload, UsageFormat format,
                                          std::string_view extra_attrs_json) {
    // Most bulk lines are read without a tree (usage_fast.cpp); the rest, errors included,
    // by the tree parser below.
    if (auto fast = parse_usage_text_fast(payload, format, extra_attrs_json)) return std::move(*fast);
    return parse_usage_text_tree(payload, format, extra_attrs_json);
}

std::vector<UsageRecord> parse_usage_text_tree(std::string_view payload, UsageFormat format,
                                               std::string_view extra_attrs_json) {
    // The document is ours: records take over its attrs instead of copying them.
    json doc = read_json(payload);
    if (extra_attrs_json.empty()) return parse_document(doc, format, nullptr, &doc);
    json extra = read_json(extra_attrs_json);
    return parse_document(doc, format, &extra, &doc);
}

}  // namespace cb::core
