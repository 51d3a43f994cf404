// Exact cost of a token_usage at token_rates (src/core/cost.hpp).
#include "core/cost.hpp"

#include "core/error.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>

using cb::core::cost_pico;
using cb::core::cost_text;
using cb::core::Error;
using cb::core::format_scaled;
using cb::core::int128;
using cb::core::kInt128Max;
using cb::core::kMaxRateMicro;
using cb::core::kTokenClassCount;
using cb::core::parse_token_rates;
using cb::core::parse_token_usage;
using cb::core::TokenClass;
using cb::core::TokenRates;
using cb::core::TokenUsage;

namespace {

std::string cost(const char* usage, const char* rates) {
    return cost_text(parse_token_usage(usage), parse_token_rates(rates));
}

std::string i128(int128 v) { return format_scaled(v, 0); }

// The contract's fallback table, written out independently of rate_fallback().
int fallback_of(int cls) {
    switch (cls) {
        case 1: case 2: case 3:  // cache_read, cache_write, cache_write_1h
        case 6: case 8:          // audio_input, image_input
            return 0;            // -> input
        case 5: case 7: case 9:  // reasoning, audio_output, image_output
            return 4;            // -> output
        default:
            return -1;
    }
}

// Independent reference: per class count * rate (* 1e6 for requests and web_searches),
// summed in unsigned 128-bit arithmetic with explicit overflow tracking. Returns false when
// the exact cost exceeds the 128-bit limit the core promises to detect.
bool reference_cost(const TokenUsage& u, const TokenRates& r, int128* out) {
    using u128 = unsigned __int128;
    u128 total = 0;
    for (int i = 0; i < kTokenClassCount; ++i) {
        int64_t rate = 0;
        if (r.set_mask & (1u << i)) rate = r.micro[i];
        else if (int f = fallback_of(i); f >= 0 && (r.set_mask & (1u << f))) rate = r.micro[f];
        u128 term;
        if (__builtin_mul_overflow(static_cast<u128>(u.count[i]), static_cast<u128>(rate), &term))
            return false;
        if (i >= 10 && __builtin_mul_overflow(term, static_cast<u128>(1000000), &term)) return false;
        if (__builtin_add_overflow(total, term, &total)) return false;
    }
    if (total > static_cast<u128>(kInt128Max)) return false;
    *out = static_cast<int128>(total);
    return true;
}

TokenUsage all_usage(int64_t v) {
    TokenUsage u;
    for (int i = 0; i < kTokenClassCount; ++i) u.count[i] = v;
    return u;
}

TokenRates all_rates(int64_t micro) {
    TokenRates r = parse_token_rates("");
    for (int i = 0; i < kTokenClassCount; ++i) r.set(static_cast<TokenClass>(i), micro);
    return r;
}

}  // namespace

TEST(Cost, ExactByHand) {
    // 700*3 + 300*0.3 + 46*15 = 2100 + 90 + 690 = 2880 per 1M tokens = 0.00288.
    EXPECT_EQ(cost("input=700 cache_read=300 output=46", "input=3 cache_read=0.3 output=15"),
              "0.00288");
    EXPECT_EQ(cost_pico(parse_token_usage("input=700 cache_read=300 output=46"),
                        parse_token_rates("input=3 cache_read=0.3 output=15")),
              static_cast<int128>(2880000000));
    // The smallest non-zero cost: 1 token at 0.000001 per 1M tokens = 1e-12.
    EXPECT_EQ(cost("input=1", "input=0.000001"), "0.000000000001");
    EXPECT_EQ(cost("input=1", "input=1"), "0.000001");
    EXPECT_EQ(cost("input=1000000", "input=2.5"), "2.5");
    EXPECT_EQ(cost("input=123456 output=7890", "input=1.25 output=10"), "0.23322");
    EXPECT_EQ(cost("input=1 output=1", "input=3.333333 output=0.000007"), "0.00000333334");
}

TEST(Cost, ZeroCases) {
    EXPECT_EQ(cost("", "input=3 output=15"), "0");
    EXPECT_EQ(cost("input=700 output=46", ""), "0");
    EXPECT_EQ(cost("input=700 output=46", "input=0 output=0"), "0");
    EXPECT_EQ(cost("requests=5", "input=3 output=15"), "0");  // per-unit classes never borrow
}

TEST(Cost, TrillionTokensAt75) {
    EXPECT_EQ(cost("input=1000000000000", "input=75"), "75000000");
    EXPECT_EQ(cost("output=1000000000000", "output=75"), "75000000");
    EXPECT_EQ(cost_pico(parse_token_usage("input=1000000000000"), parse_token_rates("input=75")),
              static_cast<int128>(75000000) * 1000000000000);
}

TEST(Cost, PerUnitClasses) {
    EXPECT_EQ(cost("web_searches=3", "web_searches=0.01"), "0.03");
    EXPECT_EQ(cost("requests=2", "requests=0.002"), "0.004");
    EXPECT_EQ(cost("requests=1 web_searches=1", "requests=1 web_searches=10"), "11");
    EXPECT_EQ(cost("input=1000000 output=1000000 web_searches=3",
                   "input=3 output=15 web_searches=0.01"),
              "18.03");
    EXPECT_EQ(cost("web_searches=1", "web_searches=0.000001"), "0.000001");
}

TEST(Cost, FallbackRatesUsed) {
    const char* rates = "input=3 output=15";
    EXPECT_EQ(cost("reasoning=1000000", rates), "15");
    EXPECT_EQ(cost("audio_output=1000000", rates), "15");
    EXPECT_EQ(cost("image_output=1000000", rates), "15");
    EXPECT_EQ(cost("cache_read=1000000", rates), "3");
    EXPECT_EQ(cost("cache_write=1000000", rates), "3");
    EXPECT_EQ(cost("cache_write_1h=1000000", rates), "3");
    EXPECT_EQ(cost("audio_input=1000000", rates), "3");
    EXPECT_EQ(cost("image_input=1000000", rates), "3");
    EXPECT_EQ(cost("requests=1000000 web_searches=1000000", rates), "0");
    // Explicit rates win over fallback.
    EXPECT_EQ(cost("input=1000 cache_read=1000 output=1000 reasoning=1000",
                   "input=3 cache_read=0.3 output=15 reasoning=20"),
              "0.0383");
}

TEST(Cost, HugeValuesNeverWrap) {
    // INT64_MAX in the 10 token classes at the maximum rate fits in 128 bits: exact.
    TokenUsage tokens = all_usage(INT64_MAX);
    tokens.set(TokenClass::requests, 0);
    tokens.set(TokenClass::web_searches, 0);
    TokenRates max = all_rates(kMaxRateMicro);
    EXPECT_EQ(i128(cost_pico(tokens, max)), "92233720368547757977766279631452241930");
    EXPECT_EQ(cost_text(tokens, max), "92233720368547757977766279.63145224193");

    // INT64_MAX in all 12 classes: requests and web_searches are priced per unit, so each adds
    // 9.2e18 * 1e12 currency units = 9.2e42 pico, beyond 128 bits: 22003, never a wrap.
    TokenUsage all = all_usage(INT64_MAX);
    int128 ref = 0;
    ASSERT_FALSE(reference_cost(all, max, &ref));
    try {
        int128 got = cost_pico(all, max);
        FAIL() << "expected 22003, got " << i128(got);
    } catch (const Error& e) {
        EXPECT_STREQ(e.sqlstate(), "22003");
        EXPECT_NE(e.detail().find("requests"), std::string::npos) << e.detail();
    }
    // One per-unit class alone overflows too.
    try {
        cost_pico(parse_token_usage("web_searches=9223372036854775807"), max);
        FAIL();
    } catch (const Error& e) {
        EXPECT_STREQ(e.sqlstate(), "22003");
    }
    // The largest per-unit count that fits at the maximum rate: floor(kInt128Max / (R * 1e6)).
    TokenUsage fits = parse_token_usage("requests=170141183460469");
    int128 exact = 0;
    ASSERT_TRUE(reference_cost(fits, max, &exact));
    EXPECT_TRUE(cost_pico(fits, max) == exact);
    EXPECT_THROW(cost_pico(parse_token_usage("requests=170141183460470"), max), Error);
}

TEST(Cost, SumOverflowDetected) {
    // Each token class term fits, the per-unit term fits, but the sum does not.
    TokenRates max = all_rates(kMaxRateMicro);
    TokenUsage u = all_usage(INT64_MAX);
    u.set(TokenClass::web_searches, 0);
    u.set(TokenClass::requests, 78000000000000);  // 7.8e37 pico; tokens give 9.2e37
    int128 ref = 0;
    ASSERT_FALSE(reference_cost(u, max, &ref));
    EXPECT_THROW(cost_pico(u, max), Error);
    u.set(TokenClass::requests, 77000000000000);  // 7.7e37 + 9.22e37 = 1.69e38: fits
    ASSERT_TRUE(reference_cost(u, max, &ref));
    EXPECT_TRUE(cost_pico(u, max) == ref);
}

TEST(Cost, PropertyMatchesInt128Reference) {
    std::mt19937_64 rng(20250929);
    auto magnitude = [&rng](int64_t max) -> int64_t {
        // Spread over orders of magnitude, with plenty of zeros.
        switch (rng() % 8) {
            case 0: return 0;
            case 1: return static_cast<int64_t>(rng() % 1000);
            case 2: return static_cast<int64_t>(rng() % 1000000);
            case 3: return max;
            default: {
                int bits = static_cast<int>(rng() % 64);
                uint64_t v = bits == 0 ? 0 : rng() >> (64 - bits);
                return static_cast<int64_t>(v % (static_cast<uint64_t>(max) + 1));
            }
        }
    };
    int exact = 0, overflowed = 0;
    for (int iter = 0; iter < 5000; ++iter) {
        TokenUsage u;
        for (int i = 0; i < kTokenClassCount; ++i) u.count[i] = magnitude(INT64_MAX);
        TokenRates r = parse_token_rates("");
        for (int i = 0; i < kTokenClassCount; ++i)
            if (rng() % 3 != 0) r.set(static_cast<TokenClass>(i), magnitude(kMaxRateMicro));
        int128 want = 0;
        bool fits = reference_cost(u, r, &want);
        if (fits) {
            ++exact;
            int128 got = cost_pico(u, r);
            ASSERT_TRUE(got == want) << "iteration " << iter << ": got " << i128(got) << ", want "
                                     << i128(want);
            ASSERT_EQ(cost_text(u, r), format_scaled(want, 12)) << "iteration " << iter;
        } else {
            ++overflowed;
            try {
                int128 got = cost_pico(u, r);
                FAIL() << "iteration " << iter << ": expected 22003, got " << i128(got);
            } catch (const Error& e) {
                ASSERT_STREQ(e.sqlstate(), "22003") << "iteration " << iter;
            }
        }
    }
    // The generator exercises both outcomes.
    EXPECT_GT(exact, 1000);
    EXPECT_GT(overflowed, 100);
}

TEST(Cost, PropertyRealisticUsageIsExact) {
    // Realistic sizes (up to 1e12 tokens, rates up to 1000 per 1M) never overflow, and the
    // cost equals the hand-computable sum.
    std::mt19937_64 rng(42);
    for (int iter = 0; iter < 3000; ++iter) {
        TokenUsage u;
        for (int i = 0; i < kTokenClassCount; ++i)
            u.count[i] = static_cast<int64_t>(rng() % 1000000000001ULL);
        TokenRates r = parse_token_rates("");
        for (int i = 0; i < kTokenClassCount; ++i)
            if (rng() % 4 != 0) r.set(static_cast<TokenClass>(i), static_cast<int64_t>(rng() % 1000000001));
        int128 want = 0;
        ASSERT_TRUE(reference_cost(u, r, &want));
        ASSERT_TRUE(cost_pico(u, r) == want) << iter;
    }
}
