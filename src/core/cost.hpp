// The exact cost of a token_usage at token_rates, in 1e-12 currency units ("pico").
#pragma once
#include "pure.hpp"
#include "decimal.hpp"
#include "token_rates.hpp"
#include "token_usage.hpp"

#include <string>

namespace cb::core {

inline constexpr int kCostScale = 12;  // a cost is pico units: value * 1e-12

// Sum over classes of count * effective rate. Token classes: count * micro (rate per 1M
// tokens at 1e-6, so the product is in 1e-12); per-unit classes: count * micro * 1e6.
// A year of tokens at any rate fits easily (1e12 tokens at 75 = 7.5e19 pico); the 128-bit
// sum is still checked and throws 22003 rather than wrap.
int128 cost_pico(const TokenUsage& u, const TokenRates& r);
// Cost as decimal text (trailing zeros trimmed), ready for numeric input.
std::string cost_text(const TokenUsage& u, const TokenRates& r);

}  // namespace cb::core
