// parse_otlp: OTLP/JSON traces carrying GenAI usage, as real instrumentations emit it:
//   {"resourceSpans":[{"resource":{"attributes":[..]},
//                      "scopeSpans":[{"scope":{"name",..},"spans":[{"traceId","spanId","parentSpanId",
//                        "name","startTimeUnixNano","attributes":[{"key","value":{..}}]}]}]}]}
// (also "instrumentationLibrarySpans", OTLP before 0.15). This comment is the one statement of
// what is read; docs/formats.md repeats it for users.
//
// WHICH SPANS. A span is a usage span when it carries any token count below. One record per usage
// span, in document order, except:
//   - An aggregate is skipped: a usage span with a usage descendant in the same export that is
//     charged (an agent span summing its calls, or the outer span of a nested pair: an
//     instrumentation's span around the SDK's own span of the same call). The innermost spans
//     are charged, each once.
//   - A usage span whose usage descendants all failed (see REJECTION) is charged in their place
//     (it counts the same call or calls), and they are not rejected: attrs.otlp_replaces names
//     the first failed span and its error. So a nested pair is charged once, never twice and
//     never zero times.
// Parent links are followed within the export only (traceId + parentSpanId); a span whose parent
// is not in the export is a root there. A parent cycle is cut where the walk meets it.
//
// TOKENS. Each class takes the first key present, in this order. Counts are intValue (a JSON
// number or a decimal string, both allowed by OTLP/JSON) or a digit string in stringValue; a
// doubleValue is not a count and is ignored; any other kind rejects the span.
//   input total   <- gen_ai.usage.input_tokens, gen_ai.usage.prompt_tokens (legacy),
//                    llm.token_count.prompt (OpenInference)
//   cache_read    <- gen_ai.usage.cache_read.input_tokens, gen_ai.usage.cache_read_input_tokens,
//                    llm.token_count.prompt_details.cache_read
//   cache writes  <- gen_ai.usage.cache_write.input_tokens (Anthropic SDK),
//                    gen_ai.usage.cache_creation.input_tokens, gen_ai.usage.cache_creation_input_tokens,
//                    llm.token_count.prompt_details.cache_write; when absent, the sum of the two below
//   cache_write_1h <- anthropic.usage.cache_creation.ephemeral_1h_input_tokens (a part of the cache
//                    writes); cache_write (5-minute) = cache writes - cache_write_1h
//                    (anthropic.usage.cache_creation.ephemeral_5m_input_tokens is read only when
//                    no total is given)
//   audio_input   <- llm.token_count.prompt_details.audio (a part of the input total)
//   output total  <- gen_ai.usage.output_tokens, gen_ai.usage.completion_tokens (legacy),
//                    llm.token_count.completion
//   reasoning     <- gen_ai.usage.reasoning.output_tokens, gen_ai.usage.reasoning_tokens
//                    (OpenLLMetry), llm.token_count.completion_details.reasoning
//   audio_output  <- llm.token_count.completion_details.audio (a part of the output total)
//   input  = input total - cache_read - cache writes - audio_input   (the conventions count
//            cached tokens inside the input), except where the input is evidently uncached:
//            = input total - audio_input, with attrs.otlp_input saying why, when
//              (a) the span's scope is @traceloop/instrumentation-anthropic, which reports
//                  Anthropic's own input_tokens (uncached), or
//              (b) the provider is anthropic or bedrock (whose APIs report uncached input) and
//                  the input total is smaller than cache_read + cache writes.
//   output = output total - reasoning - audio_output;  requests = 1
//
// OTHER FIELDS. provider <- gen_ai.provider.name, gen_ai.system, llm.provider, llm.system
// (normalize_provider); model <- gen_ai.response.model, gen_ai.request.model, llm.model_name;
// request_id <- gen_ai.response.id, else "<traceId>:<spanId>" (deterministic: OpenInference has no
// response id); occurred_at <- startTimeUnixNano (decimal string or number; 0 = none);
// service_tier <- openai.response.service_tier, gen_ai.openai.response.service_tier,
// anthropic.response.service_tier.
// attrs: user <- user.id, else enduser.id; conversation_id <- gen_ai.conversation.id;
// session_id <- session.id (OpenInference): each from the span itself, else from its nearest
// ancestor in the export that has it, else (user only) from the resource; app <- the resource's
// service.name.
//
// REJECTION. Everything inside one span is judged per span: a usage span with a bad count, an
// impossible one (cached or reasoning exceeding their total), a bad time or provider, and a span
// that is not an object or whose ids or attribute list are malformed, becomes a record with
// `rejection` set (the error the whole export used to raise) and `piece` = that span with its
// nearest ancestors (up to kPieceAncestors) as an export of its own. The other spans are read
// as usual. Only the document's own structure (no resourceSpans array, an element of it or of
// scopeSpans that is not an object, a malformed resource attribute list) refuses the whole export.
//
// Only the top-level value of a known key is read (no recursion into arrays or kvlists).
#include "core/error.hpp"
#include "core/provider.hpp"
#include "core/usage_json.hpp"
#include "core/usage_record.hpp"
#include "core/utf8.hpp"

#include <array>
#include <initializer_list>
#include <string>
#include <unordered_map>

namespace cb::core {

namespace {

namespace uj = usage_json;
using json = nlohmann::json;
constexpr std::string_view kFormat = "otlp";
// How many ancestors a rejected span's piece keeps (enough for a server span's attribution;
// bounded so that a hostile chain cannot make every piece as large as the export).
constexpr size_t kPieceAncestors = 16;

enum Key : int {
    k_provider,
    k_system,
    k_llm_provider,
    k_llm_system,
    k_response_model,
    k_request_model,
    k_llm_model,
    k_response_id,
    k_input,
    k_prompt,
    k_llm_prompt,
    k_output,
    k_completion,
    k_llm_completion,
    k_cache_read,
    k_cache_read_alt,
    k_llm_cache_read,
    k_cache_write,
    k_cache_creation,
    k_cache_creation_alt,
    k_llm_cache_write,
    k_write_5m,
    k_write_1h,
    k_llm_audio_in,
    k_reasoning,
    k_reasoning_alt,
    k_llm_reasoning,
    k_llm_audio_out,
    k_tier,
    k_tier_legacy,
    k_tier_anthropic,
    k_user,
    k_enduser,
    k_conversation,
    k_session,
    k_service_name,
    kKeyCount
};

constexpr const char* kKeys[kKeyCount] = {
    "gen_ai.provider.name",
    "gen_ai.system",
    "llm.provider",
    "llm.system",
    "gen_ai.response.model",
    "gen_ai.request.model",
    "llm.model_name",
    "gen_ai.response.id",
    "gen_ai.usage.input_tokens",
    "gen_ai.usage.prompt_tokens",
    "llm.token_count.prompt",
    "gen_ai.usage.output_tokens",
    "gen_ai.usage.completion_tokens",
    "llm.token_count.completion",
    "gen_ai.usage.cache_read.input_tokens",
    "gen_ai.usage.cache_read_input_tokens",
    "llm.token_count.prompt_details.cache_read",
    "gen_ai.usage.cache_write.input_tokens",
    "gen_ai.usage.cache_creation.input_tokens",
    "gen_ai.usage.cache_creation_input_tokens",
    "llm.token_count.prompt_details.cache_write",
    "anthropic.usage.cache_creation.ephemeral_5m_input_tokens",
    "anthropic.usage.cache_creation.ephemeral_1h_input_tokens",
    "llm.token_count.prompt_details.audio",
    "gen_ai.usage.reasoning.output_tokens",
    "gen_ai.usage.reasoning_tokens",
    "llm.token_count.completion_details.reasoning",
    "llm.token_count.completion_details.audio",
    "openai.response.service_tier",
    "gen_ai.openai.response.service_tier",
    "anthropic.response.service_tier",
    "user.id",
    "enduser.id",
    "gen_ai.conversation.id",
    "session.id",
    "service.name",
};

// Each token quantity: its keys in order of preference.
constexpr Key kInputKeys[] = {k_input, k_prompt, k_llm_prompt};
constexpr Key kOutputKeys[] = {k_output, k_completion, k_llm_completion};
constexpr Key kCacheReadKeys[] = {k_cache_read, k_cache_read_alt, k_llm_cache_read};
constexpr Key kCacheWriteKeys[] = {k_cache_write, k_cache_creation, k_cache_creation_alt, k_llm_cache_write};
constexpr Key kReasoningKeys[] = {k_reasoning, k_reasoning_alt, k_llm_reasoning};

constexpr Key kCountKeys[] = {k_input,          k_prompt,         k_llm_prompt,      k_output,        k_completion,
                              k_llm_completion, k_cache_read,     k_cache_read_alt,  k_llm_cache_read, k_cache_write,
                              k_cache_creation, k_cache_creation_alt, k_llm_cache_write, k_write_5m,  k_write_1h,
                              k_llm_audio_in,   k_reasoning,      k_reasoning_alt,   k_llm_reasoning, k_llm_audio_out};

// The scope whose spans report Anthropic's own (uncached) input_tokens as gen_ai.usage.input_tokens.
constexpr std::string_view kUncachedInputScope = "@traceloop/instrumentation-anthropic";

// The AnyValue objects of the known keys of one attributes array (first occurrence wins) and
// the path of each, for errors.
struct Attrs {
    const json* value[kKeyCount] = {};
    std::string where[kKeyCount];
};

void scan_attributes(const json& owner, const std::string& what, Attrs& a) {
    const json* list = uj::array_member(owner, "attributes", what);
    if (!list) return;
    const std::string base = what.empty() ? std::string("attributes") : what + ".attributes";
    for (size_t i = 0; i < list->size(); ++i) {
        const json& e = (*list)[i];
        const std::string w = base + "[" + std::to_string(i) + "]";
        if (!e.is_object())
            throw Error(sqlstate::invalid_text_representation, w + " must be a JSON object, not " + e.type_name());
        const std::string key = uj::text(e, "key", w);
        for (int k = 0; k < kKeyCount; ++k) {
            if (key != kKeys[k] || a.value[k]) continue;
            const json* v = uj::object_member(e, "value", w);
            if (v) {
                a.value[k] = v;
                a.where[k] = w + " (" + key + ")";
            }
            break;
        }
    }
}

// A string attribute: stringValue (or an intValue written as text); "" when absent or of
// another kind.
std::string attr_text(const Attrs& a, Key k) {
    const json* v = a.value[k];
    if (!v) return {};
    if (v->contains("stringValue")) return uj::text(*v, "stringValue", a.where[k]);
    if (v->contains("intValue")) return uj::text(*v, "intValue", a.where[k]);
    return {};
}

// The same for an ancestor's or the resource's attribution values: a value that is not text is
// treated as absent (it is not this span's to reject).
std::string attr_text_lenient(const Attrs& a, Key k) {
    const json* v = a.value[k];
    if (!v) return {};
    auto it = v->find("stringValue");
    if (it != v->end() && it->is_string()) return it->get<std::string>();
    return {};
}

// Whether a count attribute is present (intValue, or a digit string in stringValue; a
// doubleValue is not a token count and is ignored).
bool has_count(const Attrs& a, Key k) {
    const json* v = a.value[k];
    return v && (v->contains("intValue") || v->contains("stringValue") || v->contains("boolValue") ||
                 v->contains("arrayValue") || v->contains("kvlistValue") || v->contains("bytesValue"));
}

int64_t attr_count(const Attrs& a, Key k) {
    const json* v = a.value[k];
    if (!v) return 0;
    if (v->contains("intValue")) return uj::count(*v, "intValue", a.where[k]);
    if (v->contains("stringValue")) return uj::count(*v, "stringValue", a.where[k]);
    if (v->contains("doubleValue")) return 0;
    if (has_count(a, k))
        throw Error(sqlstate::invalid_text_representation,
                    a.where[k] + " must be an intValue token count", {},
                    "OTLP/JSON writes integer attributes as {\"intValue\": \"123\"} or {\"intValue\": 123}");
    return 0;
}

// The first key of `keys` that is present, or the first key (absent: reads as 0).
template <size_t N>
Key first_present(const Attrs& a, const Key (&keys)[N]) {
    for (Key k : keys)
        if (has_count(a, k)) return k;
    return keys[0];
}

std::string first_text(const Attrs& a, std::initializer_list<Key> keys) {
    for (Key k : keys) {
        std::string v = attr_text(a, k);
        if (!v.empty()) return v;
    }
    return {};
}

// startTimeUnixNano: a decimal string (OTLP/JSON's int64 form) or a number; 0 or absent = none.
std::optional<Timestamp> start_time(const json& span, const std::string& what) {
    const json* v = uj::member(span, "startTimeUnixNano", what);
    if (!v) return std::nullopt;
    const std::string field = what + ".startTimeUnixNano";
    bool ok = true;
    int64_t nanos = 0;
    if (v->is_number_unsigned()) {
        ok = v->get<uint64_t>() <= static_cast<uint64_t>(INT64_MAX);
        if (ok) nanos = static_cast<int64_t>(v->get<uint64_t>());
    } else if (v->is_number_integer()) {
        nanos = v->get<int64_t>();
        ok = nanos >= 0;
    } else if (v->is_string()) {
        const std::string& s = v->get_ref<const std::string&>();
        ok = !s.empty() && s.size() <= 19;
        for (char ch : s) {
            if (!ok) break;
            if (ch < '0' || ch > '9' || __builtin_mul_overflow(nanos, 10, &nanos) ||
                __builtin_add_overflow(nanos, ch - '0', &nanos))
                ok = false;
        }
    } else {
        ok = false;
    }
    if (!ok)
        throw Error(sqlstate::invalid_text_representation,
                    field + " is not a time: " + utf8_clip(v->dump(), 80), {},
                    "OTLP/JSON writes nanoseconds since 1970 as a decimal string");
    if (nanos == 0) return std::nullopt;
    std::optional<Timestamp> t = from_unix_nanos(nanos);
    if (!t) throw Error(sqlstate::invalid_text_representation, field + " is out of range: " + utf8_clip(v->dump(), 80));
    return t;
}

struct Resource {
    const json* resource = nullptr;  // the resource object, or null
    Attrs attrs;
};

struct Scope {
    const json* scope = nullptr;  // the scope object, or null
    std::string name;
};

constexpr long kNone = -1;

struct SpanRef {
    const json* span;
    std::string what;
    size_t resource = 0;  // index into resources
    size_t scope = 0;     // index into scopes
    std::string trace_id, span_id, parent_id;
    Attrs attrs;
    std::optional<Error> error;  // a malformed span (judged as a failed usage span)
    bool usage = false;
    long parent = kNone;  // the parent span's index in this export
};

// The attribution keys inherited from the nearest ancestor.
enum Inherited : int { i_user, i_conversation, i_session, kInheritedCount };

bool has_inherited(const Attrs& a, Inherited i) {
    switch (i) {
    case i_user:
        return !attr_text_lenient(a, k_user).empty() || !attr_text_lenient(a, k_enduser).empty();
    case i_conversation:
        return !attr_text_lenient(a, k_conversation).empty();
    default:
        return !attr_text_lenient(a, k_session).empty();
    }
}

// The record of one well-formed usage span; throws Error for anything wrong in it.
UsageRecord read_span(const SpanRef& s, const Scope& scope, const Resource& res,
                      const std::vector<SpanRef>& spans, const long (&from)[kInheritedCount]) {
    const Attrs& a = s.attrs;
    UsageRecord r;
    const std::string provider = first_text(a, {k_provider, k_system, k_llm_provider, k_llm_system});
    if (!provider.empty()) r.provider = normalize_provider(provider);
    r.model = first_text(a, {k_response_model, k_request_model, k_llm_model});
    r.request_id = attr_text(a, k_response_id);
    if (r.request_id.empty() && (!s.trace_id.empty() || !s.span_id.empty())) r.request_id = s.trace_id + ":" + s.span_id;
    r.occurred_at = start_time(*s.span, s.what);
    r.service_tier = first_text(a, {k_tier, k_tier_legacy, k_tier_anthropic});

    const Key in_key = first_present(a, kInputKeys);
    const Key out_key = first_present(a, kOutputKeys);
    const Key read_key = first_present(a, kCacheReadKeys);
    const Key write_key = first_present(a, kCacheWriteKeys);
    const Key reasoning_key = first_present(a, kReasoningKeys);
    const std::string at = s.what + " ";
    const int64_t in = attr_count(a, in_key);
    const int64_t cache_read = attr_count(a, read_key);
    const int64_t write_5m = attr_count(a, k_write_5m);
    const int64_t write_1h = attr_count(a, k_write_1h);
    std::string write_name = kKeys[write_key];
    int64_t writes = attr_count(a, write_key);
    if (!has_count(a, write_key) && (has_count(a, k_write_5m) || has_count(a, k_write_1h))) {
        writes = uj::plus(write_5m, write_1h, at + "cache writes");
        write_name = std::string(kKeys[k_write_5m]) + " + " + kKeys[k_write_1h];
    }
    const int64_t audio_in = attr_count(a, k_llm_audio_in);
    const int64_t output = attr_count(a, out_key);
    const int64_t reasoning = attr_count(a, reasoning_key);
    const int64_t audio_out = attr_count(a, k_llm_audio_out);
    const int64_t cached = uj::plus(cache_read, writes, at + "cache tokens");

    // Whether the input count leaves the cached tokens out (see the top of this file).
    std::string uncached_why;
    if (scope.name == kUncachedInputScope)
        uncached_why = "uncached: " + std::string(kUncachedInputScope) + " reports Anthropic's input_tokens";
    else if ((r.provider == "anthropic" || r.provider == "bedrock") && in < cached)
        uncached_why = "uncached: " + std::string(kKeys[in_key]) + " (" + std::to_string(in) +
                       ") is smaller than the cache tokens (" + std::to_string(cached) + ")";
    int64_t input = in;
    if (uncached_why.empty())
        input = uj::minus(in, cached, at + kKeys[in_key],
                          std::string("its cached tokens (") + kKeys[read_key] + " + " + write_name + ")");
    input = uj::minus(input, audio_in, at + kKeys[in_key], kKeys[k_llm_audio_in]);
    r.tokens.set(TokenClass::input, input);
    r.tokens.set(TokenClass::cache_read, cache_read);
    r.tokens.set(TokenClass::cache_write, uj::minus(writes, write_1h, at + write_name, kKeys[k_write_1h]));
    r.tokens.set(TokenClass::cache_write_1h, write_1h);
    r.tokens.set(TokenClass::audio_input, audio_in);
    const int64_t text_out = uj::minus(output, reasoning, at + kKeys[out_key], kKeys[reasoning_key]);
    r.tokens.set(TokenClass::output, uj::minus(text_out, audio_out, at + kKeys[out_key], kKeys[k_llm_audio_out]));
    r.tokens.set(TokenClass::reasoning, reasoning);
    r.tokens.set(TokenClass::audio_output, audio_out);
    r.tokens.set(TokenClass::requests, 1);

    std::string user = attr_text(a, k_user);
    if (user.empty()) user = attr_text(a, k_enduser);
    if (user.empty() && from[i_user] != kNone) {
        const Attrs& anc = spans[static_cast<size_t>(from[i_user])].attrs;
        user = attr_text_lenient(anc, k_user);
        if (user.empty()) user = attr_text_lenient(anc, k_enduser);
    }
    if (user.empty()) user = attr_text_lenient(res.attrs, k_user);
    if (user.empty()) user = attr_text_lenient(res.attrs, k_enduser);
    if (!user.empty()) r.attrs["user"] = user;
    const std::string app = attr_text_lenient(res.attrs, k_service_name);
    if (!app.empty()) r.attrs["app"] = app;
    std::string conversation = attr_text(a, k_conversation);
    if (conversation.empty() && from[i_conversation] != kNone)
        conversation = attr_text_lenient(spans[static_cast<size_t>(from[i_conversation])].attrs, k_conversation);
    if (!conversation.empty()) r.attrs["conversation_id"] = conversation;
    std::string session = attr_text(a, k_session);
    if (session.empty() && from[i_session] != kNone)
        session = attr_text_lenient(spans[static_cast<size_t>(from[i_session])].attrs, k_session);
    if (!session.empty()) r.attrs["session_id"] = session;
    if (!uncached_why.empty()) r.attrs["otlp_input"] = uncached_why;
    return r;
}

// A span and its nearest ancestors (root first) as an OTLP export of its own: consecutive
// spans of the same resource and scope share one resourceSpans/scopeSpans entry.
std::string piece_of(size_t i, const std::vector<SpanRef>& spans, const std::vector<Resource>& resources,
                     const std::vector<Scope>& scopes) {
    std::vector<size_t> chain{i};
    for (long p = spans[i].parent; p != kNone && chain.size() <= kPieceAncestors; p = spans[static_cast<size_t>(p)].parent)
        chain.push_back(static_cast<size_t>(p));
    json out_rs = json::array();
    size_t last_resource = SIZE_MAX, last_scope = SIZE_MAX;
    for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
        const SpanRef& s = spans[*it];
        if (s.resource != last_resource || s.scope != last_scope) {
            json rs = json::object();
            if (const json* r = resources[s.resource].resource) rs["resource"] = *r;
            json ss = json::object();
            if (const json* sc = scopes[s.scope].scope) ss["scope"] = *sc;
            ss["spans"] = json::array();
            rs["scopeSpans"] = json::array({std::move(ss)});
            out_rs.push_back(std::move(rs));
            last_resource = s.resource;
            last_scope = s.scope;
        }
        out_rs.back()["scopeSpans"][0]["spans"].push_back(*s.span);
    }
    json doc = json::object();
    doc["resourceSpans"] = std::move(out_rs);
    return doc.dump();
}

}  // namespace

void parse_otlp(const nlohmann::json& doc, std::vector<UsageRecord>& out) {
    if (!doc.is_object()) uj::not_this_format(kFormat, std::string("expected a JSON object, not ") + doc.type_name());
    const json* resource_spans = uj::array_member(doc, "resourceSpans", "");
    if (!resource_spans) uj::not_this_format(kFormat, "no resourceSpans array");

    // The document's structure: an error here refuses the whole export.
    std::vector<Resource> resources;
    std::vector<Scope> scopes;
    std::vector<SpanRef> spans;
    for (size_t r = 0; r < resource_spans->size(); ++r) {
        const json& rs = (*resource_spans)[r];
        const std::string rw = "resourceSpans[" + std::to_string(r) + "]";
        if (!rs.is_object())
            throw Error(sqlstate::invalid_text_representation, rw + " must be a JSON object, not " + rs.type_name());
        resources.emplace_back();
        if (const json* resource = uj::object_member(rs, "resource", rw)) {
            resources.back().resource = resource;
            scan_attributes(*resource, rw + ".resource", resources.back().attrs);
        }
        const char* scope_key = "scopeSpans";
        const json* scope_list = uj::array_member(rs, scope_key, rw);
        if (!scope_list) {
            scope_key = "instrumentationLibrarySpans";  // OTLP before 0.15
            scope_list = uj::array_member(rs, scope_key, rw);
        }
        if (!scope_list) continue;
        for (size_t s = 0; s < scope_list->size(); ++s) {
            const json& ss = (*scope_list)[s];
            const std::string sw = rw + "." + scope_key + "[" + std::to_string(s) + "]";
            if (!ss.is_object())
                throw Error(sqlstate::invalid_text_representation, sw + " must be a JSON object, not " + ss.type_name());
            scopes.emplace_back();
            for (const char* key : {"scope", "instrumentationLibrary"}) {
                auto it = ss.find(key);
                if (it == ss.end() || !it->is_object()) continue;
                scopes.back().scope = &*it;
                auto name = it->find("name");
                if (name != it->end() && name->is_string()) scopes.back().name = name->get<std::string>();
                break;
            }
            const json* list = uj::array_member(ss, "spans", sw);
            if (!list) continue;
            for (size_t i = 0; i < list->size(); ++i) {
                // Everything inside a span is the span's own: an error makes it a failed span.
                SpanRef ref;
                ref.span = &(*list)[i];
                ref.what = sw + ".spans[" + std::to_string(i) + "]";
                ref.resource = resources.size() - 1;
                ref.scope = scopes.size() - 1;
                try {
                    if (!ref.span->is_object())
                        throw Error(sqlstate::invalid_text_representation,
                                    ref.what + " must be a JSON object, not " + ref.span->type_name());
                    ref.trace_id = uj::text(*ref.span, "traceId", ref.what);
                    ref.span_id = uj::text(*ref.span, "spanId", ref.what);
                    ref.parent_id = uj::text(*ref.span, "parentSpanId", ref.what);
                    scan_attributes(*ref.span, ref.what, ref.attrs);
                    for (Key k : kCountKeys)
                        if (has_count(ref.attrs, k)) ref.usage = true;
                } catch (const Error& e) {
                    ref.error = e;
                    ref.usage = true;
                    ref.attrs = Attrs{};
                }
                spans.push_back(std::move(ref));
            }
        }
    }
    const size_t n = spans.size();

    // Parent links within the export (the first span of an id wins).
    std::unordered_map<std::string, size_t> by_id;
    for (size_t i = 0; i < n; ++i)
        if (!spans[i].span_id.empty()) by_id.emplace(spans[i].trace_id + ":" + spans[i].span_id, i);
    for (SpanRef& s : spans) {
        if (s.parent_id.empty()) continue;
        auto it = by_id.find(s.trace_id + ":" + s.parent_id);
        if (it != by_id.end()) s.parent = static_cast<long>(it->second);
    }
    // An order with every parent before its children, without recursion: walk up from each span
    // to a placed one (or a root), then place the walked spans top down. Meeting a span of the
    // current walk is a cycle: the link into it is cut.
    std::vector<size_t> order;
    order.reserve(n);
    std::vector<char> state(n, 0);  // 0 new, 1 on the current walk, 2 placed
    std::vector<size_t> walk;
    for (size_t i = 0; i < n; ++i) {
        if (state[i]) continue;
        walk.clear();
        size_t cur = i;
        for (;;) {
            state[cur] = 1;
            walk.push_back(cur);
            long p = spans[cur].parent;
            if (p == kNone || state[static_cast<size_t>(p)] == 2) break;
            if (state[static_cast<size_t>(p)] == 1) {
                spans[cur].parent = kNone;  // a cycle
                break;
            }
            cur = static_cast<size_t>(p);
        }
        for (auto it = walk.rbegin(); it != walk.rend(); ++it) {
            state[*it] = 2;
            order.push_back(*it);
        }
    }

    // Top down: the nearest usage ancestor, and where each inherited attribution value comes from.
    std::vector<long> usage_parent(n, kNone);
    std::vector<std::array<long, kInheritedCount>> from(n);
    for (size_t i : order) {
        const long p = spans[i].parent;
        for (int k = 0; k < kInheritedCount; ++k) {
            long f = kNone;
            if (p != kNone) {
                const size_t pi = static_cast<size_t>(p);
                f = has_inherited(spans[pi].attrs, static_cast<Inherited>(k)) ? p : from[pi][k];
            }
            from[i][k] = f;
        }
        if (p != kNone) {
            const size_t pi = static_cast<size_t>(p);
            usage_parent[i] = spans[pi].usage ? p : usage_parent[pi];
        }
    }

    // Each usage span read on its own.
    std::vector<std::optional<UsageRecord>> records(n);
    std::vector<std::optional<Error>> errors(n);
    for (size_t i = 0; i < n; ++i) {
        SpanRef& s = spans[i];
        if (!s.usage) continue;
        if (s.error) {
            errors[i] = s.error;
            continue;
        }
        long f[kInheritedCount];
        for (int k = 0; k < kInheritedCount; ++k) f[k] = from[i][k];
        try {
            records[i] = read_span(s, scopes[s.scope], resources[s.resource], spans, f);
        } catch (const Error& e) {
            errors[i] = e;
        }
    }

    // Bottom up: a usage span is charged when it reads well and nothing below it is charged.
    std::vector<char> charged(n, 0), charged_below(n, 0), usage_children(n, 0);
    std::vector<long> first_failed_below(n, kNone);
    for (auto it = order.rbegin(); it != order.rend(); ++it) {
        const size_t i = *it;
        if (!spans[i].usage) continue;
        charged[i] = records[i].has_value() && !charged_below[i];
        const long up = usage_parent[i];
        if (up == kNone) continue;
        const size_t u = static_cast<size_t>(up);
        usage_children[u] = 1;
        if (charged[i] || charged_below[i]) charged_below[u] = 1;
        const long failed = errors[i] ? static_cast<long>(i) : first_failed_below[i];
        if (failed != kNone && (first_failed_below[u] == kNone || failed < first_failed_below[u]))
            first_failed_below[u] = failed;
    }
    // Top down: whether a usage ancestor is charged (it then stands in for failed spans below).
    std::vector<char> charged_above(n, 0);
    for (size_t i : order) {
        const long up = usage_parent[i];
        if (up != kNone) charged_above[i] = charged[static_cast<size_t>(up)] || charged_above[static_cast<size_t>(up)];
    }

    for (size_t i = 0; i < n; ++i) {
        if (!spans[i].usage) continue;
        if (charged[i]) {
            UsageRecord& r = *records[i];
            if (usage_children[i] && first_failed_below[i] != kNone) {
                const size_t f = static_cast<size_t>(first_failed_below[i]);
                r.attrs["otlp_replaces"] = "span " + utf8_clip(spans[f].span_id, 64) + ": " + errors[f]->what();
            }
            r.piece = piece_of(i, spans, resources, scopes);
            out.push_back(std::move(r));
        } else if (errors[i] && !usage_children[i] && !charged_above[i]) {
            UsageRecord r;
            r.rejection = std::move(errors[i]);
            r.piece = piece_of(i, spans, resources, scopes);
            out.push_back(std::move(r));
        }
    }
}

}  // namespace cb::core
