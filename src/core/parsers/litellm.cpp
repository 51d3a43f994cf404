// LiteLLM proxy spend logs: one row of LiteLLM_SpendLogs (as the table, GET /spend/logs or a
// SpendLogsPayload holds it), a JSON array of rows, or a GET /spend/logs/v2 page
// {"data": [rows], "total": .., "page": ..}. Each row becomes a record.
//
// LiteLLM normalises every provider to OpenAI semantics: prompt_tokens INCLUDES cache reads
// and cache writes (its Anthropic transformation adds cache_creation_input_tokens and
// cache_read_input_tokens into prompt_tokens), completion_tokens includes reasoning. The
// breakdown lives in metadata.usage_object (the whole Usage, recent LiteLLM) or
// metadata.additional_usage_values (the Usage fields other than the three totals, older LiteLLM);
// the first that has a field wins.
//
//   request_id; model as reported; startTime -> occurred_at
//   provider = normalize_provider(custom_llm_provider), else from a "provider/model" prefix of
//              model, else ""
//   cache_read     = cache_read_input_tokens, or prompt_tokens_details.cached_tokens (the same
//                    count; the larger is taken when both are present)
//   cache_write    = cache_creation_input_tokens (or prompt_tokens_details.cache_creation_tokens)
//                    less the 1-hour share, which is cache_write_1h =
//                    prompt_tokens_details.cache_creation_token_details.ephemeral_1h_input_tokens
//   audio_input    = prompt_tokens_details.audio_tokens
//   input          = prompt_tokens - cache_read - all cache writes - audio_input
//   reasoning      = completion_tokens_details.reasoning_tokens
//   audio_output   = completion_tokens_details.audio_tokens
//   output         = completion_tokens - reasoning - audio_output
//   web_searches   = server_tool_use.web_search_requests
//   requests = 1
//   reported_cost  = spend (USD, what LiteLLM computed and booked), else response_cost (the
//                    StandardLoggingPayload's name for it): kept beside our exact cost
//                    (chargeback.cost_drift), never used to price.
//   attrs: api_key (the hashed key), user, end_user, team_id, model_group (when non-empty),
//          tags (request_tags), team (metadata.user_api_key_team_alias),
//          api_key_alias (metadata.user_api_key_alias), litellm_cache_hit (true when LiteLLM
//          answered from its own response cache: the provider was not called).
// `metadata` and `request_tags` may be JSON values or JSON text (SpendLogsPayload keeps them
// as text); both are read.
#include "openai_common.hpp"

#include "core/json_reader.hpp"
#include "core/provider.hpp"

#include <algorithm>
#include <optional>

namespace cb::core {

namespace {

using json = nlohmann::json;
namespace uj = usage_json;
using parsers::field_name;

constexpr const char* kFormat = "litellm";

// A member that may hold JSON or JSON text; nullopt when absent, null or empty text.
std::optional<json> embedded_json(const json& row, const char* key, const std::string& where) {
    const json* v = uj::member(row, key, where);
    if (!v) return std::nullopt;
    if (!v->is_string()) return *v;
    const std::string& s = v->get_ref<const std::string&>();
    if (s.empty()) return std::nullopt;
    try {
        return read_json(s);
    } catch (const Error& e) {
        if (std::string(e.sqlstate()) != sqlstate::invalid_json_text) throw;
        throw Error(sqlstate::invalid_text_representation,
                    field_name(where, key) + " is neither JSON nor JSON text: " + e.what());
    }
}

struct UsageSource {
    const json* obj;
    std::string name;
};

// The first source that has the count at `path` (all but the last key are objects).
std::optional<int64_t> usage_count(const std::vector<UsageSource>& sources,
                                   std::initializer_list<const char*> path) {
    for (const UsageSource& src : sources) {
        const json* cur = src.obj;
        std::string name = src.name;
        size_t i = 0;
        for (const char* key : path) {
            if (++i == path.size()) {
                if (uj::member(*cur, key, name)) return uj::count(*cur, key, name);
                break;
            }
            cur = uj::object_member(*cur, key, name);
            if (!cur) break;
            name = field_name(name, key);
        }
    }
    return std::nullopt;
}

std::string provider_of(const json& row, const std::string& where, const std::string& model) {
    std::string p = uj::text(row, "custom_llm_provider", where);
    if (!p.empty()) return normalize_provider(p);
    size_t slash = model.find('/');
    if (slash == std::string::npos || slash == 0) return {};
    try {
        return normalize_provider(std::string_view(model).substr(0, slash));
    } catch (const Error&) {
        return {};  // a prefix that is no provider name ("my org/model"): leave it unsaid
    }
}

void parse_row(const json& row, const std::string& where, std::vector<UsageRecord>& out) {
    if (!row.is_object())
        throw Error(sqlstate::invalid_text_representation,
                    (where.empty() ? std::string("payload") : where) + " must be a JSON object, not " +
                        row.type_name());
    if (!row.contains("request_id") ||
        !(row.contains("call_type") || row.contains("startTime") || row.contains("spend") ||
          row.contains("prompt_tokens")))
        uj::not_this_format(kFormat, (where.empty() ? std::string("the row") : where) +
                                         " has no request_id with call_type, startTime, spend or prompt_tokens");

    std::optional<json> metadata = embedded_json(row, "metadata", where);
    std::string md_name = field_name(where, "metadata");
    if (metadata && !metadata->is_object())
        throw Error(sqlstate::invalid_text_representation,
                    md_name + " must be a JSON object, not " + metadata->type_name());

    std::vector<UsageSource> sources;
    if (metadata) {
        for (const char* key : {"usage_object", "additional_usage_values"})
            if (const json* u = uj::object_member(*metadata, key, md_name))
                sources.push_back({u, field_name(md_name, key)});
    }

    int64_t prompt = uj::count(row, "prompt_tokens", where);
    int64_t completion = uj::count(row, "completion_tokens", where);
    int64_t cache_read = std::max(usage_count(sources, {"cache_read_input_tokens"}).value_or(0),
                                  usage_count(sources, {"prompt_tokens_details", "cached_tokens"}).value_or(0));
    int64_t cache_write_all =
        std::max(usage_count(sources, {"cache_creation_input_tokens"}).value_or(0),
                 usage_count(sources, {"prompt_tokens_details", "cache_creation_tokens"}).value_or(0));
    int64_t cache_write_1h =
        usage_count(sources, {"prompt_tokens_details", "cache_creation_token_details", "ephemeral_1h_input_tokens"})
            .value_or(0);
    int64_t audio_in = usage_count(sources, {"prompt_tokens_details", "audio_tokens"}).value_or(0);
    int64_t reasoning = usage_count(sources, {"completion_tokens_details", "reasoning_tokens"}).value_or(0);
    int64_t audio_out = usage_count(sources, {"completion_tokens_details", "audio_tokens"}).value_or(0);
    int64_t web_searches = usage_count(sources, {"server_tool_use", "web_search_requests"}).value_or(0);

    TokenUsage t = zero_usage();
    t.set(TokenClass::input, parsers::remainder_of(prompt, field_name(where, "prompt_tokens"),
                                                   {{cache_read, "cache_read_input_tokens"},
                                                    {cache_write_all, "cache_creation_input_tokens"},
                                                    {audio_in, "prompt_tokens_details.audio_tokens"}}));
    t.set(TokenClass::cache_read, cache_read);
    t.set(TokenClass::cache_write,
          uj::minus(cache_write_all, cache_write_1h, "cache_creation_input_tokens",
                    "cache_creation_token_details.ephemeral_1h_input_tokens"));
    t.set(TokenClass::cache_write_1h, cache_write_1h);
    t.set(TokenClass::audio_input, audio_in);
    t.set(TokenClass::output, parsers::remainder_of(completion, field_name(where, "completion_tokens"),
                                                    {{reasoning, "completion_tokens_details.reasoning_tokens"},
                                                     {audio_out, "completion_tokens_details.audio_tokens"}}));
    t.set(TokenClass::reasoning, reasoning);
    t.set(TokenClass::audio_output, audio_out);
    t.set(TokenClass::web_searches, web_searches);
    t.set(TokenClass::requests, 1);

    UsageRecord r;
    r.model = uj::text(row, "model", where);
    r.provider = provider_of(row, where, r.model);
    r.request_id = uj::text(row, "request_id", where);
    r.occurred_at = uj::time(row, "startTime", where);
    r.tokens = t;
    r.reported_cost = uj::decimal(row, "spend", where);
    if (r.reported_cost.empty()) r.reported_cost = uj::decimal(row, "response_cost", where);

    parsers::copy_text_attr(r.attrs, "api_key", row, "api_key", where);
    parsers::copy_text_attr(r.attrs, "user", row, "user", where);
    parsers::copy_text_attr(r.attrs, "end_user", row, "end_user", where);
    parsers::copy_text_attr(r.attrs, "team_id", row, "team_id", where);
    parsers::copy_text_attr(r.attrs, "model_group", row, "model_group", where);
    if (metadata) {
        parsers::copy_text_attr(r.attrs, "team", *metadata, "user_api_key_team_alias", md_name);
        parsers::copy_text_attr(r.attrs, "api_key_alias", *metadata, "user_api_key_alias", md_name);
    }
    if (std::optional<json> tags = embedded_json(row, "request_tags", where)) {
        std::string tags_name = field_name(where, "request_tags");
        if (!tags->is_array())
            throw Error(sqlstate::invalid_text_representation,
                        tags_name + " must be a JSON array of strings, not " + tags->type_name());
        json list = json::array();
        for (const json& tag : *tags) {
            if (!tag.is_string())
                throw Error(sqlstate::invalid_text_representation,
                            tags_name + " must hold strings, not " + std::string(tag.type_name()));
            list.push_back(tag);
        }
        if (!list.empty()) r.attrs["tags"] = std::move(list);
    }
    // cache_hit is text in the table ("True"/"False"), a boolean in some exports.
    if (const json* hit = uj::member(row, "cache_hit", where)) {
        bool yes = hit->is_boolean() ? hit->get<bool>()
                                     : hit->is_string() && (hit->get_ref<const std::string&>() == "True" ||
                                                            hit->get_ref<const std::string&>() == "true");
        if (yes) r.attrs["litellm_cache_hit"] = true;
    }
    out.push_back(std::move(r));
}

}  // namespace

void parse_litellm(const json& doc, std::vector<UsageRecord>& out) {
    if (doc.is_array()) {
        for (size_t i = 0; i < doc.size(); ++i) parse_row(doc[i], "[" + std::to_string(i) + "]", out);
        return;
    }
    if (doc.is_object() && !doc.contains("request_id")) {
        if (const json* data = uj::array_member(doc, "data", "")) {
            for (size_t i = 0; i < data->size(); ++i)
                parse_row((*data)[i], "data[" + std::to_string(i) + "]", out);
            return;
        }
    }
    if (!doc.is_object())
        uj::not_this_format(kFormat, std::string("expected a spend log row (an object) or an array of rows, not ") +
                                         doc.type_name());
    parse_row(doc, "", out);
}

}  // namespace cb::core
