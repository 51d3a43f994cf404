// parse_anthropic_usage: the Admin API usage report, GET /v1/organizations/usage_report/messages:
//   {"data":[{"starting_at","ending_at","results":[{...}]}],"has_more","next_page"}
// or a single bucket {"starting_at","ending_at","results":[...]} as the document.
//
// One record per result (results whose counts are all zero are skipped):
//   input          <- uncached_input_tokens
//   cache_read     <- cache_read_input_tokens
//   cache_write    <- cache_creation.ephemeral_5m_input_tokens
//   cache_write_1h <- cache_creation.ephemeral_1h_input_tokens
//   output         <- output_tokens
//   web_searches   <- server_tool_use.web_search_requests
//   requests       =  0: the report has no request count, so none is invented (a per-request
//                     price cannot be applied to report imports).
// occurred_at is the bucket's starting_at; service_tier as reported; attrs: api_key
// (api_key_id), workspace_id, context_window and the other grouping dimensions when present.
// request_id is deterministic and readable, so importing the same report twice changes nothing:
//   anthropic_usage:<starting_at>:<workspace_id>:<api_key_id>:<model>:<service_tier>:<context_window>
// (empty text for nulls), followed by ":<name>=<value>" for each newer grouping dimension
// (inference_geo, speed, account_id, service_account_id) the result carries, so that results
// grouped by those never share an id.
#include "core/error.hpp"
#include "core/usage_json.hpp"
#include "core/usage_record.hpp"

#include <string>

namespace cb::core {

namespace {

namespace uj = usage_json;
using json = nlohmann::json;
constexpr std::string_view kFormat = "anthropic_usage";

// Grouping dimensions beyond the original five: each is only in the id (and attrs) when present.
constexpr const char* kExtraDimensions[] = {"inference_geo", "speed", "account_id", "service_account_id"};

void parse_result(const json& result, const std::string& what, const std::string& bucket_start,
                  const std::optional<Timestamp>& occurred_at, std::vector<UsageRecord>& out) {
    if (!result.is_object())
        throw Error(sqlstate::invalid_text_representation,
                    what + " must be a JSON object, not " + result.type_name());
    UsageRecord r;
    r.provider = "anthropic";
    r.occurred_at = occurred_at;
    r.model = uj::text(result, "model", what);
    r.service_tier = uj::text(result, "service_tier", what);
    const std::string api_key = uj::text(result, "api_key_id", what);
    const std::string workspace = uj::text(result, "workspace_id", what);
    const std::string context_window = uj::text(result, "context_window", what);

    r.tokens.set(TokenClass::input, uj::count(result, "uncached_input_tokens", what));
    r.tokens.set(TokenClass::cache_read, uj::count(result, "cache_read_input_tokens", what));
    if (const json* cc = uj::object_member(result, "cache_creation", what)) {
        r.tokens.set(TokenClass::cache_write, uj::count(*cc, "ephemeral_5m_input_tokens", what + ".cache_creation"));
        r.tokens.set(TokenClass::cache_write_1h, uj::count(*cc, "ephemeral_1h_input_tokens", what + ".cache_creation"));
    }
    r.tokens.set(TokenClass::output, uj::count(result, "output_tokens", what));
    if (const json* tools = uj::object_member(result, "server_tool_use", what))
        r.tokens.set(TokenClass::web_searches, uj::count(*tools, "web_search_requests", what + ".server_tool_use"));
    // requests stays 0: the report does not count requests.

    bool any = false;
    for (int i = 0; i < kTokenClassCount; ++i)
        if (r.tokens.count[i] != 0) any = true;
    if (!any) return;

    r.request_id = "anthropic_usage:" + bucket_start + ":" + workspace + ":" + api_key + ":" + r.model + ":" +
                   r.service_tier + ":" + context_window;
    if (!api_key.empty()) r.attrs["api_key"] = api_key;
    if (!workspace.empty()) r.attrs["workspace_id"] = workspace;
    if (!context_window.empty()) r.attrs["context_window"] = context_window;
    for (const char* dim : kExtraDimensions) {
        std::string v = uj::text(result, dim, what);
        if (v.empty()) continue;
        r.request_id += std::string(":") + dim + "=" + v;
        r.attrs[dim] = v;
    }
    out.push_back(std::move(r));
}

void parse_bucket(const json& bucket, const std::string& what, std::vector<UsageRecord>& out) {
    if (!bucket.is_object())
        throw Error(sqlstate::invalid_text_representation,
                    (what.empty() ? std::string("payload") : what) + " must be a JSON object, not " +
                        bucket.type_name());
    const std::string prefix = what.empty() ? "" : what;
    if (!uj::member(bucket, "starting_at", what))
        uj::not_this_format(kFormat, (what.empty() ? std::string("the bucket") : what) + " has no starting_at");
    const json* results = uj::array_member(bucket, "results", what);
    if (!results)
        uj::not_this_format(kFormat, (what.empty() ? std::string("the bucket") : what) + " has no results array");
    const std::optional<Timestamp> start = uj::time(bucket, "starting_at", what);
    // The id uses the normalized time, so the same bucket written another way maps to one id.
    const std::string start_text = format_iso_timestamp(*start);
    for (size_t i = 0; i < results->size(); ++i) {
        std::string w = prefix.empty() ? "results" : prefix + ".results";
        w += "[" + std::to_string(i) + "]";
        parse_result((*results)[i], w, start_text, start, out);
    }
}

}  // namespace

void parse_anthropic_usage(const nlohmann::json& doc, std::vector<UsageRecord>& out) {
    if (!doc.is_object()) uj::not_this_format(kFormat, std::string("expected a JSON object, not ") + doc.type_name());
    if (const json* data = uj::array_member(doc, "data", "")) {
        for (size_t i = 0; i < data->size(); ++i) parse_bucket((*data)[i], "data[" + std::to_string(i) + "]", out);
        return;
    }
    if (uj::member(doc, "results", "") && uj::member(doc, "starting_at", "")) {
        parse_bucket(doc, "", out);
        return;
    }
    uj::not_this_format(kFormat, "no data array of usage buckets (and no single bucket with starting_at and results)");
}

}  // namespace cb::core
