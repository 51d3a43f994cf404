// OpenRouter chat completions: the OpenAI Chat Completions shape (see openai_common.hpp) with
// OpenRouter's additions.
//
//   id ("gen-...") -> request_id; model kept exactly as reported, vendor prefix included
//   ("anthropic/claude-sonnet-4.5"): that is the name OpenRouter prices; created -> occurred_at
//   usage.prompt_tokens (includes cached reads and cache writes)
//     input       = prompt_tokens - prompt_tokens_details.cached_tokens - .cache_write_tokens
//                   - .audio_tokens
//     cache_read  = prompt_tokens_details.cached_tokens
//     cache_write = prompt_tokens_details.cache_write_tokens (only sent for models with explicit
//                   cache-write pricing, e.g. Anthropic's)
//     audio_input = prompt_tokens_details.audio_tokens
//   usage.completion_tokens (includes reasoning)
//     output      = completion_tokens - completion_tokens_details.reasoning_tokens
//                   - .audio_tokens - .image_tokens
//   web_searches = usage.server_tool_use_details.web_search_requests (billed per search)
//   reported_cost = usage.cost, the credits (USD) OpenRouter charged; for a BYOK request
//   (usage.is_byok true) OpenRouter's fee is usage.cost and the upstream provider bills
//   cost_details.upstream_inference_cost on the user's own key, so the reported cost is their
//   sum. Kept beside our exact cost (chargeback.cost_drift), never used to price.
//   provider = "openrouter"; the upstream that served it ("provider": "Anthropic") goes to
//   attrs.upstream_provider.
#include "openai_common.hpp"

namespace cb::core {

void parse_openrouter(const nlohmann::json& doc, std::vector<UsageRecord>& out) {
    UsageRecord r = parsers::parse_chat_completion(doc, "openrouter", "openrouter");
    const nlohmann::json& usage = doc["usage"];  // parse_chat_completion required the object
    if (const nlohmann::json* st = usage_json::object_member(usage, "server_tool_use_details", "usage"))
        r.tokens.set(TokenClass::web_searches,
                     usage_json::count(*st, "web_search_requests", "usage.server_tool_use_details"));
    parsers::copy_text_attr(r.attrs, "upstream_provider", doc, "provider", "");
    r.reported_cost = usage_json::decimal(usage, "cost", "usage");
    const nlohmann::json* byok = usage_json::member(usage, "is_byok", "usage");
    if (byok && byok->is_boolean() && byok->get<bool>() && !r.reported_cost.empty())
        if (const nlohmann::json* cd = usage_json::object_member(usage, "cost_details", "usage"))
            r.reported_cost = usage_json::decimal_sum(
                r.reported_cost, usage_json::decimal(*cd, "upstream_inference_cost", "usage.cost_details"),
                "usage.cost + usage.cost_details.upstream_inference_cost");
    out.push_back(std::move(r));
}

}  // namespace cb::core
