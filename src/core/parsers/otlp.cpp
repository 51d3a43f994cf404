// parse_otlp: OTLP/JSON traces carrying OpenTelemetry GenAI semantic-convention attributes:
//   {"resourceSpans":[{"resource":{"attributes":[..]},
//                      "scopeSpans":[{"scope":{..},"spans":[{"traceId","spanId","parentSpanId",
//                        "name","startTimeUnixNano","attributes":[{"key","value":{..}}]}]}]}]}
//
// One record per span that carries gen_ai usage attributes; other spans are skipped, and a
// document with no such span yields no record. A span whose descendants in the same document
// also carry usage is an aggregate (an agent or framework span summing its model calls): it is
// skipped so that the calls are not counted twice.
//
// OpenTelemetry counts input_tokens INCLUDING cached tokens (reads and writes) and output_tokens
// INCLUDING reasoning, so:
//   input       <- gen_ai.usage.input_tokens (legacy gen_ai.usage.prompt_tokens)
//                  - cache_read - cache_write
//   cache_read  <- gen_ai.usage.cache_read.input_tokens (also gen_ai.usage.cache_read_input_tokens)
//   cache_write <- gen_ai.usage.cache_creation.input_tokens (also gen_ai.usage.cache_creation_input_tokens)
//   output      <- gen_ai.usage.output_tokens (legacy gen_ai.usage.completion_tokens) - reasoning
//   reasoning   <- gen_ai.usage.reasoning.output_tokens (also OpenLLMetry's gen_ai.usage.reasoning_tokens)
//   requests    =  1
// provider <- gen_ai.provider.name, else legacy gen_ai.system (normalize_provider);
// model <- gen_ai.response.model, else gen_ai.request.model; request_id <- gen_ai.response.id,
// else "<traceId>:<spanId>"; occurred_at <- startTimeUnixNano; service_tier <-
// openai.response.service_tier (or the deprecated gen_ai.openai.response.service_tier);
// attrs: user (user.id or enduser.id, span first, then resource), app (resource service.name),
// conversation_id (gen_ai.conversation.id).
//
// Attribute values are AnyValue objects: stringValue, intValue (a JSON string or number),
// doubleValue (never read as a count), boolValue, arrayValue, kvlistValue. Only the top-level
// value of a known key is read (no recursion into arrays or kvlists).
#include "core/error.hpp"
#include "core/provider.hpp"
#include "core/usage_json.hpp"
#include "core/usage_record.hpp"
#include "core/utf8.hpp"

#include <string>
#include <unordered_map>

namespace cb::core {

namespace {

namespace uj = usage_json;
using json = nlohmann::json;
constexpr std::string_view kFormat = "otlp";

enum Key : int {
    k_provider,
    k_system,
    k_response_model,
    k_request_model,
    k_response_id,
    k_input,
    k_prompt,
    k_output,
    k_completion,
    k_cache_read,
    k_cache_read_alt,
    k_cache_write,
    k_cache_write_alt,
    k_reasoning,
    k_reasoning_alt,
    k_tier,
    k_tier_legacy,
    k_user,
    k_enduser,
    k_conversation,
    k_service_name,
    kKeyCount
};

constexpr const char* kKeys[kKeyCount] = {
    "gen_ai.provider.name",
    "gen_ai.system",
    "gen_ai.response.model",
    "gen_ai.request.model",
    "gen_ai.response.id",
    "gen_ai.usage.input_tokens",
    "gen_ai.usage.prompt_tokens",
    "gen_ai.usage.output_tokens",
    "gen_ai.usage.completion_tokens",
    "gen_ai.usage.cache_read.input_tokens",
    "gen_ai.usage.cache_read_input_tokens",
    "gen_ai.usage.cache_creation.input_tokens",
    "gen_ai.usage.cache_creation_input_tokens",
    "gen_ai.usage.reasoning.output_tokens",
    "gen_ai.usage.reasoning_tokens",
    "openai.response.service_tier",
    "gen_ai.openai.response.service_tier",
    "user.id",
    "enduser.id",
    "gen_ai.conversation.id",
    "service.name",
};

constexpr Key kCountKeys[] = {k_input,      k_prompt,       k_output,         k_completion,
                              k_cache_read, k_cache_read_alt, k_cache_write, k_cache_write_alt,
                              k_reasoning,  k_reasoning_alt};

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
                    "OTLP/JSON writes integer attributes as {\"intValue\": \"123\"}");
    return 0;
}

// The first of two alternative keys that is present.
Key either(const Attrs& a, Key first, Key second) { return has_count(a, first) ? first : second; }

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

struct SpanRef {
    const json* span;
    std::string what;
    size_t resource;  // index into the resource attribute sets
    std::string trace_id;
    std::string span_id;
    std::string parent_id;
    Attrs attrs;
    bool usage = false;
    bool aggregate = false;  // a descendant in this document carries usage
};

}  // namespace

void parse_otlp(const nlohmann::json& doc, std::vector<UsageRecord>& out) {
    if (!doc.is_object()) uj::not_this_format(kFormat, std::string("expected a JSON object, not ") + doc.type_name());
    const json* resource_spans = uj::array_member(doc, "resourceSpans", "");
    if (!resource_spans) uj::not_this_format(kFormat, "no resourceSpans array");

    std::vector<Attrs> resources;
    std::vector<SpanRef> spans;
    for (size_t r = 0; r < resource_spans->size(); ++r) {
        const json& rs = (*resource_spans)[r];
        const std::string rw = "resourceSpans[" + std::to_string(r) + "]";
        if (!rs.is_object())
            throw Error(sqlstate::invalid_text_representation, rw + " must be a JSON object, not " + rs.type_name());
        resources.emplace_back();
        if (const json* resource = uj::object_member(rs, "resource", rw))
            scan_attributes(*resource, rw + ".resource", resources.back());
        const char* scope_key = "scopeSpans";
        const json* scopes = uj::array_member(rs, scope_key, rw);
        if (!scopes) {
            scope_key = "instrumentationLibrarySpans";  // OTLP before 0.15
            scopes = uj::array_member(rs, scope_key, rw);
        }
        if (!scopes) continue;
        for (size_t s = 0; s < scopes->size(); ++s) {
            const json& ss = (*scopes)[s];
            const std::string sw = rw + "." + scope_key + "[" + std::to_string(s) + "]";
            if (!ss.is_object())
                throw Error(sqlstate::invalid_text_representation, sw + " must be a JSON object, not " + ss.type_name());
            const json* list = uj::array_member(ss, "spans", sw);
            if (!list) continue;
            for (size_t i = 0; i < list->size(); ++i) {
                const json& span = (*list)[i];
                SpanRef ref;
                ref.what = sw + ".spans[" + std::to_string(i) + "]";
                if (!span.is_object())
                    throw Error(sqlstate::invalid_text_representation,
                                ref.what + " must be a JSON object, not " + span.type_name());
                ref.span = &span;
                ref.resource = resources.size() - 1;
                ref.trace_id = uj::text(span, "traceId", ref.what);
                ref.span_id = uj::text(span, "spanId", ref.what);
                ref.parent_id = uj::text(span, "parentSpanId", ref.what);
                scan_attributes(span, ref.what, ref.attrs);
                for (Key k : kCountKeys)
                    if (has_count(ref.attrs, k)) ref.usage = true;
                spans.push_back(std::move(ref));
            }
        }
    }

    // Marks every ancestor of a usage span as an aggregate. Each span is visited at most once
    // (a visited span's ancestors are already marked), so this is linear and ends on cycles.
    std::unordered_map<std::string, size_t> by_id;
    for (size_t i = 0; i < spans.size(); ++i)
        if (!spans[i].span_id.empty()) by_id.emplace(spans[i].trace_id + ":" + spans[i].span_id, i);
    std::vector<bool> visited(spans.size(), false);
    for (const SpanRef& s : spans) {
        if (!s.usage || s.parent_id.empty()) continue;
        auto it = by_id.find(s.trace_id + ":" + s.parent_id);
        while (it != by_id.end() && !visited[it->second]) {
            SpanRef& parent = spans[it->second];
            visited[it->second] = true;
            parent.aggregate = true;
            if (parent.parent_id.empty()) break;
            it = by_id.find(parent.trace_id + ":" + parent.parent_id);
        }
    }

    for (const SpanRef& s : spans) {
        if (!s.usage || s.aggregate) continue;
        const Attrs& a = s.attrs;
        const Attrs& res = resources[s.resource];
        UsageRecord r;

        std::string provider = attr_text(a, k_provider);
        if (provider.empty()) provider = attr_text(a, k_system);
        if (!provider.empty()) r.provider = normalize_provider(provider);
        r.model = attr_text(a, k_response_model);
        if (r.model.empty()) r.model = attr_text(a, k_request_model);
        r.request_id = attr_text(a, k_response_id);
        if (r.request_id.empty() && (!s.trace_id.empty() || !s.span_id.empty()))
            r.request_id = s.trace_id + ":" + s.span_id;
        r.occurred_at = start_time(*s.span, s.what);
        r.service_tier = attr_text(a, k_tier);
        if (r.service_tier.empty()) r.service_tier = attr_text(a, k_tier_legacy);

        const Key in_key = either(a, k_input, k_prompt);
        const Key out_key = either(a, k_output, k_completion);
        const Key read_key = either(a, k_cache_read, k_cache_read_alt);
        const Key write_key = either(a, k_cache_write, k_cache_write_alt);
        const Key reasoning_key = either(a, k_reasoning, k_reasoning_alt);
        const int64_t in = attr_count(a, in_key);
        const int64_t cache_read = attr_count(a, read_key);
        const int64_t cache_write = attr_count(a, write_key);
        const int64_t output = attr_count(a, out_key);
        const int64_t reasoning = attr_count(a, reasoning_key);
        const int64_t cached = uj::plus(cache_read, cache_write, s.what + " cache tokens");
        r.tokens.set(TokenClass::input,
                     uj::minus(in, cached, s.what + " " + kKeys[in_key],
                               std::string("its cached tokens (") + kKeys[read_key] + " + " + kKeys[write_key] + ")"));
        r.tokens.set(TokenClass::cache_read, cache_read);
        r.tokens.set(TokenClass::cache_write, cache_write);
        r.tokens.set(TokenClass::output,
                     uj::minus(output, reasoning, s.what + " " + kKeys[out_key], kKeys[reasoning_key]));
        r.tokens.set(TokenClass::reasoning, reasoning);
        r.tokens.set(TokenClass::requests, 1);

        std::string user = attr_text(a, k_user);
        if (user.empty()) user = attr_text(a, k_enduser);
        if (user.empty()) user = attr_text(res, k_user);
        if (user.empty()) user = attr_text(res, k_enduser);
        if (!user.empty()) r.attrs["user"] = user;
        const std::string app = attr_text(res, k_service_name);
        if (!app.empty()) r.attrs["app"] = app;
        const std::string conversation = attr_text(a, k_conversation);
        if (!conversation.empty()) r.attrs["conversation_id"] = conversation;
        out.push_back(std::move(r));
    }
}

}  // namespace cb::core
