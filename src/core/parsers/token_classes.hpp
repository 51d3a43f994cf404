// How a format's counts become token classes: one home per format, shared by its tree parser
// and its fast-path reader (which differ only in how they read and check the counts: the tree
// parser raises errors, the fast path declines).
#pragma once
#include "core/pure.hpp"

#include "core/token_usage.hpp"

#include <cstdint>

namespace cb::core::parsers {

// Chat Completions: input and output are what remains of prompt_tokens and completion_tokens
// once their details are taken out (computed and checked by the caller).
struct ChatCounts {
    int64_t input, cached, cache_write, audio_in;
    int64_t output, reasoning, audio_out, image_out;
};
inline TokenUsage chat_classes(const ChatCounts& c) {
    TokenUsage t = zero_usage();
    t.set(TokenClass::input, c.input);
    t.set(TokenClass::cache_read, c.cached);
    t.set(TokenClass::cache_write, c.cache_write);
    t.set(TokenClass::audio_input, c.audio_in);
    t.set(TokenClass::output, c.output);
    t.set(TokenClass::reasoning, c.reasoning);
    t.set(TokenClass::audio_output, c.audio_out);
    t.set(TokenClass::image_output, c.image_out);
    t.set(TokenClass::requests, 1);
    return t;
}

// Anthropic Messages: the 5-minute and 1-hour cache writes as split (or the total as 5m).
struct AnthropicCounts {
    int64_t input, cache_read, write_5m, write_1h, output, web_searches;
};
inline void set_anthropic_classes(TokenUsage& t, const AnthropicCounts& c) {
    t.set(TokenClass::input, c.input);
    t.set(TokenClass::cache_read, c.cache_read);
    t.set(TokenClass::cache_write, c.write_5m);
    t.set(TokenClass::cache_write_1h, c.write_1h);
    t.set(TokenClass::output, c.output);
    t.set(TokenClass::web_searches, c.web_searches);
    t.set(TokenClass::requests, 1);
}

}  // namespace cb::core::parsers
