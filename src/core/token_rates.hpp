// token_rates: a price per usage class in currency units per 1M tokens (per single unit for
// requests and web_searches), with at most 6 fractional digits, plus an ISO 4217 currency.
// Rates are held as integers of 1e-6 units ("micro"), so one token costs a whole number of
// 1e-12 currency units and every cost is exact. The struct is the on-disk form (104 bytes).
#pragma once
#include "pure.hpp"
#include "decimal.hpp"
#include "token_class.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace cb::core {

inline constexpr int kRateScale = 6;                       // fractional digits of a rate
inline constexpr int64_t kMaxRateMicro = 999999999999999999;  // 999999999999.999999

struct TokenRates {
    int64_t micro[kTokenClassCount];  // 0 for classes not set
    uint16_t set_mask;                // bit i: class i was given explicitly
    char currency[3];                 // ISO 4217, upper case
    char pad[3];                      // always zero (so bytes compare equal)

    bool is_set(TokenClass c) const { return set_mask & (1u << static_cast<int>(c)); }
    void set(TokenClass c, int64_t m) {
        micro[static_cast<int>(c)] = m;
        set_mask = static_cast<uint16_t>(set_mask | (1u << static_cast<int>(c)));
    }
    // The rate that applies to class c after the fallback rules, in micro units.
    int64_t effective(TokenClass c) const {
        if (is_set(c)) return micro[static_cast<int>(c)];
        TokenClass f = rate_fallback(c);
        if (f != c && is_set(f)) return micro[static_cast<int>(f)];
        return 0;
    }
    std::string_view currency_code() const { return std::string_view(currency, 3); }
};
static_assert(sizeof(TokenRates) == 104, "token_rates is a 104-byte fixed-length type");

TokenRates empty_rates();  // nothing set, USD

// 'input=3 cache_read=0.30 output=15 USD' (currency optional, USD by default).
// Throws 22P02 (syntax, unknown/duplicate class, negative, > 6 decimals, bad currency)
// or 22003 (a rate above 999999999999.999999).
TokenRates parse_token_rates(std::string_view text);
// Set classes in class order, then the currency: 'input=3 cache_read=0.3 output=15 USD'.
std::string format_token_rates(const TokenRates& r);

// Parses one rate value (decimal text) for class cls; `whole` names the literal in errors.
int64_t parse_rate_value(std::string_view value, std::string_view cls, std::string_view whole,
                         bool allow_exponent);
// Sets the currency from a code (case-insensitive); throws 22P02 for anything not ISO 4217.
void set_currency(TokenRates& r, std::string_view code, std::string_view whole);

bool rates_equal(const TokenRates& a, const TokenRates& b);
// A catalog update over the rates in force: every class `update` sets, and the classes only
// `base` sets kept as they are (a source that does not price web searches must not make
// them free). In another currency than base, `update` alone (base's rates cannot be mixed in).
TokenRates merge_rates(const TokenRates& base, const TokenRates& update);
// Every set rate multiplied by factor (decimal text, e.g. a negotiated 0.85), rounded half
// away from zero to 6 decimals. Throws 22023 for a negative factor, 22003 on overflow.
TokenRates scale_rates(const TokenRates& r, std::string_view factor);
// Rate of one class after fallback, as decimal text.
std::string rate_text(const TokenRates& r, TokenClass c);

}  // namespace cb::core
