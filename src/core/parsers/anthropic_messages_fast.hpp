// The fast path's reading of an Anthropic Messages response (anthropic_messages): the same
// field map as anthropic_messages.cpp, read from simdjson On-Demand values in one pass. A
// field added to the tree parser must be added here too (AnthropicFields,
// anthropic_usage_member, anthropic_record); the differential test fails until it is.
//
//   type ("message", "message_delta" or absent), id -> request_id, model (not for a delta);
//   object: its presence (with no type, the document is not this format)
//   usage.service_tier, usage.input_tokens, usage.cache_read_input_tokens,
//   usage.cache_creation_input_tokens, usage.cache_creation.{ephemeral_5m_input_tokens,
//   ephemeral_1h_input_tokens}, usage.output_tokens, usage.server_tool_use.web_search_requests
// id, model, object and the usage object's kind are read by the chat reader (ChatFields):
// every member is read once.
#pragma once
#include "core/pure.hpp"
#include "core/fast_json.hpp"
#include "core/parsers/openai_chat_fast.hpp"
#include "core/usage_record.hpp"

namespace cb::core::parsers {

struct AnthropicFields {
    fast_json::Scalar type;
    fast_json::Scalar service_tier, input_tokens, cache_read_input_tokens,
        cache_creation_input_tokens, output_tokens;
    fast_json::Kind cache_creation = fast_json::Kind::absent;
    fast_json::Scalar ephemeral_5m_input_tokens, ephemeral_1h_input_tokens;
    fast_json::Kind server_tool_use = fast_json::Kind::absent;
    fast_json::Scalar web_search_requests;
};

// A document member (type); false (v untouched) for another key.
bool capture_anthropic_member(std::string_view key, fast_json::od::value& v, int open,
                              const char* end, AnthropicFields& f);
// A member of the usage object, after reset_anthropic_usage (see chat_usage_member).
void reset_anthropic_usage(AnthropicFields& f);
bool anthropic_usage_member(std::string_view key, fast_json::od::value& v, int open,
                            const char* end, AnthropicFields& f);

// The record parse_anthropic_messages makes of those fields; throws fast_json::Decline
// wherever it would throw.
UsageRecord anthropic_record(const AnthropicFields& f, const ChatFields& doc);

}  // namespace cb::core::parsers
