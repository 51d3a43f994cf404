// OpenAI Chat Completions: a `chat.completion` response, or the final `chat.completion.chunk`
// of a stream (the one that carries usage when stream_options.include_usage is set).
//
//   id -> request_id, model, created (unix seconds) -> occurred_at, service_tier as reported
//   usage.prompt_tokens (includes cached and audio input)
//     input       = prompt_tokens - prompt_tokens_details.cached_tokens - .audio_tokens
//     cache_read  = prompt_tokens_details.cached_tokens
//     audio_input = prompt_tokens_details.audio_tokens
//   usage.completion_tokens (includes reasoning and audio output)
//     output       = completion_tokens - completion_tokens_details.reasoning_tokens - .audio_tokens
//     reasoning    = completion_tokens_details.reasoning_tokens
//     audio_output = completion_tokens_details.audio_tokens
//   requests = 1; attrs.user from the request's `user` when the response echoes it.
//
// web_searches stays 0: the search-enabled chat models (gpt-4o-search-preview, ...) bill web
// search per request through the model's own price, not per search call, and a chat response
// has no count of calls (url_citation annotations are citations, not billable calls). The
// Responses API, where search is a billable tool call, counts them (openai_responses.cpp).
#include "openai_common.hpp"

namespace cb::core {

void parse_openai_chat(const nlohmann::json& doc, std::vector<UsageRecord>& out) {
    out.push_back(parsers::parse_chat_completion(doc, "openai_chat", "openai"));
}

}  // namespace cb::core
