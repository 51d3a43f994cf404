// The usage classes a token (or a billable unit) can fall in. Classes are disjoint: a token
// is counted in exactly one of them. The order here is the order of text output.
#pragma once
#include "pure.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace cb::core {

enum class TokenClass : int {
    input = 0,       // uncached input
    cache_read,      // input served from the prompt cache
    cache_write,     // input written to the cache (default / 5-minute TTL)
    cache_write_1h,  // input written to the cache with a 1-hour TTL
    output,          // output, excluding reasoning
    reasoning,       // reasoning / thinking output
    audio_input,
    audio_output,
    image_input,
    image_output,
    requests,      // billable requests (priced per unit, not per 1M)
    web_searches,  // web search calls (priced per unit, not per 1M)
};

inline constexpr int kTokenClassCount = 12;

const char* token_class_name(TokenClass c);
std::optional<TokenClass> token_class_from_name(std::string_view name);
// "input, cache_read, ..." for hints.
const std::string& token_class_list();
// requests and web_searches count units, not tokens: they are priced per unit and left out
// of total_tokens().
inline bool is_token_class(TokenClass c) {
    return c != TokenClass::requests && c != TokenClass::web_searches;
}
// The class whose rate applies when this one has none (the contract's fallback rules);
// returns c itself when there is no fallback (the rate is then 0 for per-unit classes).
TokenClass rate_fallback(TokenClass c);

}  // namespace cb::core
