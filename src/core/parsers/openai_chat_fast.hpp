// The fast path's reading of a Chat Completions response (openai_chat): the same field map
// as openai_common.hpp's parse_chat_completion and chat_usage_tokens, read from simdjson
// On-Demand values in one pass instead of from a tree. A field added to the tree parser must
// be added here too (ChatFields, capture_chat_member, chat_record); the differential test
// (test/unit/fast_parser_test.cpp) fails until it is.
//
//   id -> request_id, model, created -> occurred_at, service_tier, user -> attrs.user
//   object: absent, "chat.completion" or "chat.completion.chunk"
//   usage.prompt_tokens, usage.completion_tokens
//   usage.prompt_tokens_details.{cached_tokens, cache_write_tokens, audio_tokens}
//   usage.completion_tokens_details.{reasoning_tokens, audio_tokens, image_tokens}
//   provider: only whether the key is there (auto detection: OpenRouter's responses have it)
#pragma once
#include "core/pure.hpp"
#include "core/fast_json.hpp"
#include "core/usage_record.hpp"

namespace cb::core::parsers {

struct ChatFields {
    fast_json::Scalar id, object, created, model, service_tier, user, provider;
    fast_json::Kind usage = fast_json::Kind::absent;
    fast_json::Scalar prompt_tokens, completion_tokens;
    fast_json::Kind prompt_details = fast_json::Kind::absent,
                    completion_details = fast_json::Kind::absent;
    fast_json::Scalar cached_tokens, cache_write_tokens, audio_input_tokens;
    fast_json::Scalar reasoning_tokens, audio_output_tokens, image_tokens;
};

// Reads member `key` (value v) of a document object into f when the chat parser reads it
// (everything but usage); false (v untouched) when it does not. `open` = containers open
// around v.
bool capture_chat_member(std::string_view key, fast_json::od::value& v, int open, const char* end,
                         ChatFields& f);
// The usage object is read once for every format (usage_fast.cpp): its members go to
// chat_usage_member (false for one the chat parser does not read), after reset_chat_usage;
// the caller sets f.usage to the usage value's kind.
void reset_chat_usage(ChatFields& f);
bool chat_usage_member(std::string_view key, fast_json::od::value& v, int open, const char* end,
                       ChatFields& f);

// The record parse_chat_completion(doc, format, provider) makes from those fields; throws
// fast_json::Decline wherever it would throw.
UsageRecord chat_record(const ChatFields& f, const char* provider);

}  // namespace cb::core::parsers
