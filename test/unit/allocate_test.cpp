// allocate() and allocate_agg() on exact decimal text (src/core/allocate.hpp): worked
// examples, errors with their SQLSTATEs, and fixed-seed property tests (exact sums, shares
// within one minor unit of the exact proportion, fast path == BigInt path, and allocate_agg
// giving one answer however its rows are split among parallel workers).
#include "core/allocate.hpp"

#include "core/error.hpp"
#include "core/rational.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <ostream>
#include <random>
#include <string>
#include <vector>

#include "errors.hpp"
#include "rational_print.hpp"  // readable failure messages for exact amounts

using cb::core::allocate_shares;
using cb::core::BigInt;
using cb::core::Error;
using cb::core::KeyedAllocation;
using cb::core::Rational;

using cb_test::sqlstate_of;

namespace {

using Shares = std::vector<std::optional<std::string>>;

// Owns the weight strings; nullopt is SQL NULL.
Shares shares(const std::string& total, const std::string& minor, const std::vector<std::optional<std::string>>& w) {
    std::vector<const char*> p;
    p.reserve(w.size());
    for (const auto& s : w) p.push_back(s ? s->c_str() : nullptr);
    return allocate_shares(total, minor, p);
}

std::string join(const Shares& v) {
    std::string s;
    for (size_t i = 0; i < v.size(); ++i) s += (i ? "," : "") + (v[i] ? *v[i] : std::string("NULL"));
    return s;
}

Rational abs(const Rational& r) { return r.sign() < 0 ? -r : r; }

// A random non-negative decimal with 0..6 fractional digits (often zero, sometimes "0.000").
std::string random_weight(std::mt19937_64& rng) {
    int kind = static_cast<int>(rng() % 10);
    int frac = static_cast<int>(rng() % 7);
    uint64_t int_part = kind == 0 ? 0 : rng() % (kind < 5 ? 10 : 1000000);
    std::string s = std::to_string(int_part);
    if (frac > 0) {
        s += '.';
        for (int i = 0; i < frac; ++i) s += static_cast<char>('0' + (kind == 0 ? 0 : rng() % 10));
    }
    return s;
}

// The same decimal times 10^shift (shift may be negative), as plain digits.
std::string shifted(const std::string& w, int shift) {
    std::string digits;
    int scale = 0;
    size_t dot = w.find('.');
    if (dot == std::string::npos) {
        digits = w;
    } else {
        digits = w.substr(0, dot) + w.substr(dot + 1);
        scale = static_cast<int>(w.size() - dot - 1);
    }
    scale -= shift;
    if (scale <= 0) return digits + std::string(static_cast<size_t>(-scale), '0');
    if (digits.size() <= static_cast<size_t>(scale)) digits.insert(0, static_cast<size_t>(scale) + 1 - digits.size(), '0');
    digits.insert(digits.size() - static_cast<size_t>(scale), 1, '.');
    return digits;
}

std::string cents_text(int64_t cents) {
    bool neg = cents < 0;
    uint64_t a = neg ? static_cast<uint64_t>(-cents) : static_cast<uint64_t>(cents);
    std::string frac = std::to_string(a % 100);
    if (frac.size() < 2) frac.insert(0, "0");
    return (neg ? "-" : "") + std::to_string(a / 100) + "." + frac;
}

}  // namespace

// ---------------------------------------------------------------------------------------
// allocate_shares: examples

TEST(AllocateShares, ThirdsGoFirstRemainderToTheEarliestRow) {
    EXPECT_EQ(join(shares("100", "0.01", {"1", "1", "1"})), "33.34,33.33,33.33");
    EXPECT_EQ(join(shares("100.00", "0.01", {"1.0", "1", "1.000"})), "33.34,33.33,33.33");
}

TEST(AllocateShares, AllZeroWeightsSplitEvenly) {
    EXPECT_EQ(join(shares("0.02", "0.01", {"0", "0", "0"})), "0.01,0.01,0.00");
    EXPECT_EQ(join(shares("0.02", "0.01", {"0.00", "-0", "0"})), "0.01,0.01,0.00");
}

TEST(AllocateShares, NegativeTotalIsTheMirror) {
    EXPECT_EQ(join(shares("-10", "0.01", {"3", "1"})), "-7.50,-2.50");
    EXPECT_EQ(join(shares("-100", "0.01", {"1", "1", "1"})), "-33.34,-33.33,-33.33");
}

TEST(AllocateShares, NullWeightsTakeNoPart) {
    Shares s = shares("10", "0.01", {std::nullopt, "1", std::nullopt, "3"});
    ASSERT_EQ(s.size(), 4u);
    EXPECT_FALSE(s[0]);
    EXPECT_FALSE(s[2]);
    EXPECT_EQ(join(s), "NULL,2.50,NULL,7.50");
    // Only NULLs: every row NULL, no error even with a non-zero total.
    EXPECT_EQ(join(shares("10", "0.01", {std::nullopt, std::nullopt})), "NULL,NULL");
    EXPECT_TRUE(shares("10", "0.01", {}).empty());
}

TEST(AllocateShares, MinorUnits) {
    EXPECT_EQ(join(shares("100", "1", {"1", "1", "1"})), "34,33,33");
    EXPECT_EQ(join(shares("1.00", "0.05", {"1", "1", "1"})), "0.35,0.35,0.30");
    EXPECT_EQ(join(shares("0.10", "0.05", {"1", "2"})), "0.05,0.05");
    EXPECT_EQ(join(shares("1000", "100", {"1", "1", "1"})), "400,300,300");
    EXPECT_EQ(join(shares("-1000", "100", {"2", "1"})), "-700,-300");
    EXPECT_EQ(join(shares("1", "0.001", {"1", "2"})), "0.333,0.667");
}

TEST(AllocateShares, ZeroTotalAndTinyShares) {
    EXPECT_EQ(join(shares("0", "0.01", {"5", "0", "1"})), "0.00,0.00,0.00");
    EXPECT_EQ(join(shares("-0.01", "0.01", {"1", "1"})), "-0.01,0.00");
    EXPECT_EQ(join(shares("0.01", "0.01", {"1", "1000000"})), "0.00,0.01");
}

// ---------------------------------------------------------------------------------------
// allocate_shares: errors

TEST(AllocateShares, Errors) {
    // The total is not a whole number of minor units.
    EXPECT_EQ(sqlstate_of([] { shares("10.005", "0.01", {"1"}); }), "22023");
    EXPECT_EQ(sqlstate_of([] { shares("1.02", "0.05", {"1"}); }), "22023");
    EXPECT_EQ(sqlstate_of([] { shares("150", "100", {"1"}); }), "22023");
    // The minor unit is zero or negative.
    EXPECT_EQ(sqlstate_of([] { shares("10", "0", {"1"}); }), "22023");
    EXPECT_EQ(sqlstate_of([] { shares("10", "0.00", {"1"}); }), "22023");
    EXPECT_EQ(sqlstate_of([] { shares("10", "-0.01", {"1"}); }), "22023");
    // A negative weight (even beside NULLs and zeros).
    EXPECT_EQ(sqlstate_of([] { shares("10", "0.01", {"1", "-1"}); }), "22023");
    EXPECT_EQ(sqlstate_of([] { shares("10", "0.01", {std::nullopt, "0", "-0.000001"}); }), "22023");
    // Bad text anywhere.
    EXPECT_EQ(sqlstate_of([] { shares("ten", "0.01", {"1"}); }), "22P02");
    EXPECT_EQ(sqlstate_of([] { shares("10", "cent", {"1"}); }), "22P02");
    EXPECT_EQ(sqlstate_of([] { shares("10", "0.01", {"1", "1x"}); }), "22P02");
    EXPECT_EQ(sqlstate_of([] { shares("10", "0.01", {""}); }), "22P02");
    // More than 38 significant digits.
    EXPECT_EQ(sqlstate_of([] { shares("10", "0.01", {"123456789012345678901234567890123456789"}); }), "22003");
}

// ---------------------------------------------------------------------------------------
// allocate_shares: properties

TEST(AllocateShares, PropertyExactSumsAndWithinOneMinorUnit) {
    std::mt19937_64 rng(20250601);
    const Rational cent = Rational::parse("0.01");
    for (int iter = 0; iter < 400; ++iter) {
        size_t n = 1 + rng() % 50;
        std::vector<std::optional<std::string>> w(n);
        for (auto& x : w) x = random_weight(rng);
        if (rng() % 4 == 0) w[rng() % n] = std::nullopt;
        int64_t cents = static_cast<int64_t>(rng() % 2000001) - 1000000;
        if (iter % 10 == 0) cents = static_cast<int64_t>(rng() % 7) - 3;
        const std::string total = cents_text(cents);
        SCOPED_TRACE("iteration " + std::to_string(iter) + " total " + total);

        Rational t = Rational::parse(total), sum_w;
        size_t counted = 0;
        for (const auto& x : w)
            if (x) {
                sum_w += Rational::parse(*x);
                ++counted;
            }
        Shares got = shares(total, "0.01", w);
        ASSERT_EQ(got.size(), n);
        Rational sum;
        for (size_t i = 0; i < n; ++i) {
            ASSERT_EQ(got[i].has_value(), w[i].has_value());
            if (!got[i]) continue;
            // Exactly two fractional digits.
            ASSERT_EQ(got[i]->size() - got[i]->find('.'), 3u) << *got[i];
            Rational s = Rational::parse(*got[i]);
            sum += s;
            Rational exact = sum_w.is_zero() ? t / Rational(static_cast<int64_t>(counted))
                                             : t * Rational::parse(*w[i]) / sum_w;
            ASSERT_LT(abs(s - exact), cent) << "row " << i << " share " << *got[i];
        }
        if (counted > 0) {
            ASSERT_EQ(sum, t);
        }

        // The same proportions with huge weights (x 10^30: BigInt products) and tiny ones
        // (x 10^-30: no common int128 scale, the Rational path) give the same shares.
        std::vector<std::optional<std::string>> huge(w), tiny(w);
        for (auto& x : huge)
            if (x) x = shifted(*x, 30);
        for (auto& x : tiny)
            if (x) x = shifted(*x, -30);
        ASSERT_EQ(join(shares(total, "0.01", huge)), join(got));
        ASSERT_EQ(join(shares(total, "0.01", tiny)), join(got));
    }
}

TEST(AllocateShares, HugeTotalsAndWeights) {
    // A total beyond 64 bits of cents and 30-digit weights in the ratio 1:2.
    const std::string w1 = "100000000000000000000000000000", w2 = "200000000000000000000000000000";
    EXPECT_EQ(join(shares("300000000000000000000.00", "0.01", {w1, w2})), "100000000000000000000.00,200000000000000000000.00");
    EXPECT_EQ(join(shares("1.00", "0.01", {w1, w2})), join(shares("1.00", "0.01", {"1", "2"})));
    EXPECT_EQ(join(shares("-1.00", "0.01", {w1, "0.5", w2})), join(shares("-1.00", "0.01", {"1", "0", "2"})));
}

// ---------------------------------------------------------------------------------------
// KeyedAllocation (allocate_agg)

namespace {

struct Row {
    std::string key, weight;
};

KeyedAllocation build(const std::vector<Row>& rows, const std::string& total, const std::string& minor = "0.01") {
    KeyedAllocation a;
    for (const Row& r : rows) a.add(r.key, r.weight, total, minor);
    return a;
}

}  // namespace

TEST(KeyedAllocation, Basics) {
    KeyedAllocation a = build({{"b", "1"}, {"a", "1"}, {"c", "1"}}, "100");
    // Keys in byte order; the remainder goes to the smallest key.
    EXPECT_EQ(a.result_json().value(), R"({"a": 33.34, "b": 33.33, "c": 33.33})");
    EXPECT_EQ(build({{"x", "3"}, {"y", "1"}}, "-10").result_json().value(), R"({"x": -7.50, "y": -2.50})");
    EXPECT_EQ(build({{"x", "0"}, {"y", "0"}, {"z", "0"}}, "0.02").result_json().value(),
              R"({"x": 0.01, "y": 0.01, "z": 0.00})");
    EXPECT_EQ(build({{"x", "1"}, {"y", "2"}}, "1000", "100").result_json().value(), R"({"x": 300, "y": 700})");
    // No rows: no result; a zero total with no keys is the empty object.
    EXPECT_FALSE(KeyedAllocation().result_json());
}

TEST(KeyedAllocation, DuplicateKeysSum) {
    KeyedAllocation a = build({{"a", "1"}, {"b", "1.5"}, {"a", "0.5"}, {"a", "0"}}, "7");
    EXPECT_EQ(a.result_json().value(), R"({"a": 3.50, "b": 3.50})");
}

TEST(KeyedAllocation, SerializeRoundTrip) {
    KeyedAllocation a = build({{"a", "1.25"}, {"b", "0"}, {"c", "3.000001"}, {"", "2"}}, "99.99");
    KeyedAllocation b = KeyedAllocation::deserialize(a.serialize());
    EXPECT_EQ(b.serialize(), a.serialize());
    EXPECT_EQ(b.result_json(), a.result_json());
    // The empty state round-trips too.
    KeyedAllocation e = KeyedAllocation::deserialize(KeyedAllocation().serialize());
    EXPECT_FALSE(e.result_json());
    // Merging an empty state changes nothing, either way round.
    KeyedAllocation m = a;
    m.merge(KeyedAllocation());
    EXPECT_EQ(m.result_json(), a.result_json());
    KeyedAllocation n;
    n.merge(a);
    EXPECT_EQ(n.result_json(), a.result_json());
}

TEST(KeyedAllocation, EqualTotalsWrittenDifferentlyAreTheSame) {
    KeyedAllocation a;
    a.add("a", "1", "10", "0.01");
    a.add("b", "1", "10.00", "0.010");
    EXPECT_EQ(a.result_json().value(), R"({"a": 5.00, "b": 5.00})");
}

TEST(KeyedAllocation, Errors) {
    EXPECT_EQ(sqlstate_of([] { build({{"a", "1"}}, "10.001").result_json(); }), "22023");
    EXPECT_EQ(sqlstate_of([] { build({{"a", "1"}}, "10", "0"); }), "22023");
    EXPECT_EQ(sqlstate_of([] { build({{"a", "1"}, {"b", "-1"}}, "10"); }), "22023");
    EXPECT_EQ(sqlstate_of([] { build({{"a", "x"}}, "10"); }), "22P02");
    // Differing totals or minor units between rows, and between merged states.
    EXPECT_EQ(sqlstate_of([] {
                  KeyedAllocation a;
                  a.add("a", "1", "10", "0.01");
                  a.add("b", "1", "11", "0.01");
              }),
              "22023");
    EXPECT_EQ(sqlstate_of([] {
                  KeyedAllocation a;
                  a.add("a", "1", "10", "0.01");
                  a.add("b", "1", "10", "1");
              }),
              "22023");
    EXPECT_EQ(sqlstate_of([] {
                  KeyedAllocation a = build({{"a", "1"}}, "10"), b = build({{"b", "1"}}, "20");
                  a.merge(b);
              }),
              "22023");
}

TEST(KeyedAllocation, KeysAreEscapedAsValidJson) {
    const std::vector<std::string> keys = {"plain", "quote\"d", "back\\slash", "tab\there", "new\nline",
                                           std::string("nul\0byte", 8), "\x01\x1f", "caf\xc3\xa9", "\x7f", "/"};
    KeyedAllocation a;
    for (const std::string& k : keys) a.add(k, "1", "10.00", "0.01");
    std::string text = a.result_json().value();
    nlohmann::json j;
    ASSERT_NO_THROW(j = nlohmann::json::parse(text)) << text;
    ASSERT_TRUE(j.is_object());
    ASSERT_EQ(j.size(), keys.size());
    for (const std::string& k : keys) EXPECT_TRUE(j.contains(k)) << k;
    // The amounts add up to the total (cents as JSON numbers; compare their text).
    Rational sum;
    for (auto it = j.begin(); it != j.end(); ++it) sum += Rational::parse(it.value().dump());
    EXPECT_EQ(sum, Rational::parse("10"));
}

TEST(KeyedAllocation, TruncatedOrCorruptStateIsAnErrorNotACrash) {
    KeyedAllocation a = build({{"alpha", "1.5"}, {"beta", "2"}, {"gamma", "0.333"}}, "12.34");
    const std::string bytes = a.serialize();
    int errors = 0;
    for (size_t len = 0; len < bytes.size(); ++len) {
        try {
            KeyedAllocation b = KeyedAllocation::deserialize(std::string_view(bytes.data(), len));
            (void)b.result_json();  // a cut at a record boundary is a smaller, valid state
        } catch (const Error& e) {
            ++errors;
            EXPECT_TRUE(std::string(e.sqlstate()) == "22023" || std::string(e.sqlstate()) == "22P02") << e.sqlstate();
        }
    }
    EXPECT_GT(errors, static_cast<int>(bytes.size()) / 2);
    // Flipped bytes: errors, never a crash.
    std::mt19937_64 rng(7);
    for (int i = 0; i < 300; ++i) {
        std::string b = bytes;
        b[rng() % b.size()] = static_cast<char>(rng() % 256);
        try {
            (void)KeyedAllocation::deserialize(b).result_json();
        } catch (const Error&) {
        }
    }
}

TEST(KeyedAllocation, PropertyIndependentOfOrderAndOfWorkers) {
    std::mt19937_64 rng(42);
    for (int iter = 0; iter < 150; ++iter) {
        size_t n = 1 + rng() % 40;
        size_t nkeys = 1 + rng() % 12;
        std::vector<Row> rows(n);
        for (Row& r : rows) {
            r.key = "k" + std::to_string(rng() % nkeys);
            if (rng() % 8 == 0) r.key += "\"\\";
            r.weight = random_weight(rng);
        }
        int64_t cents = static_cast<int64_t>(rng() % 200001) - 100000;
        const std::string total = cents_text(cents);
        SCOPED_TRACE("iteration " + std::to_string(iter));

        const std::string expected = build(rows, total).result_json().value();
        // Sum and bounds, computed independently from the rows.
        nlohmann::json j = nlohmann::json::parse(expected);
        std::map<std::string, Rational> w;
        Rational sum_w;
        for (const Row& r : rows) {
            w[r.key] += Rational::parse(r.weight);
            sum_w += Rational::parse(r.weight);
        }
        ASSERT_EQ(j.size(), w.size());
        Rational t = Rational::parse(total), sum;
        for (const auto& [key, weight] : w) {
            Rational s = Rational::parse(j.at(key).dump());
            sum += s;
            Rational exact = sum_w.is_zero() ? t / Rational(static_cast<int64_t>(w.size())) : t * weight / sum_w;
            ASSERT_LT(abs(s - exact), Rational::parse("0.01"));
        }
        ASSERT_EQ(sum, t);

        // Shuffled insertion order.
        std::vector<Row> shuffled = rows;
        std::shuffle(shuffled.begin(), shuffled.end(), rng);
        ASSERT_EQ(build(shuffled, total).result_json().value(), expected);

        // Rows split among 1..4 workers, each state serialized, then deserialized and
        // merged in a random order (an empty worker included now and then).
        size_t workers = 1 + rng() % 4;
        std::vector<KeyedAllocation> states(workers);
        for (const Row& r : shuffled) states[rng() % workers].add(r.key, r.weight, total, "0.01");
        std::vector<std::string> wire;
        for (const KeyedAllocation& s : states) wire.push_back(s.serialize());
        std::shuffle(wire.begin(), wire.end(), rng);
        KeyedAllocation combined = KeyedAllocation::deserialize(wire[0]);
        for (size_t k = 1; k < wire.size(); ++k) combined.merge(KeyedAllocation::deserialize(wire[k]));
        ASSERT_EQ(combined.result_json().value(), expected);
        // And through one more serialize/deserialize (a combined state sent on again).
        ASSERT_EQ(KeyedAllocation::deserialize(combined.serialize()).result_json().value(), expected);
    }
}

// ---------------------------------------------------------------------------------------
// convert_shares: currency conversion that keeps a run's lines summing to its converted total.

namespace {

std::vector<std::string> convert(const std::vector<const char*>& amounts, const char* rate, const char* minor = "0.01") {
    std::vector<std::string> out;
    for (const auto& s : cb::core::convert_shares(amounts, rate, minor)) out.push_back(s ? *s : "NULL");
    return out;
}

}  // namespace

TEST(ConvertShares, LinesSumToTheConvertedTotal) {
    // 3 x 33.33 + 0.01 = 100.00 USD at 0.92: 92.00 EUR in total. In cents the lines are
    // 3066.36 (x3) and 0.92; their floors sum to 9198, so two cents are handed out, to the
    // largest fractional parts: the small line (.92), then the first of the equal ones (.36,
    // ties to the earlier row). Rounding each line alone would give 91.99.
    EXPECT_EQ(convert({"33.33", "33.33", "33.33", "0.01"}, "0.92"),
              (std::vector<std::string>{"30.67", "30.66", "30.66", "0.01"}));
    // Signed amounts (a credit line): the total is converted, the lines follow it.
    EXPECT_EQ(convert({"10.00", "-3.33", "0.005"}, "1.5"), (std::vector<std::string>{"15.00", "-5.00", "0.01"}));
    // NULL takes no part; a zero-decimal currency (JPY) rounds to whole units.
    EXPECT_EQ(convert({"1.23", nullptr, "4.56"}, "151.37", "1"), (std::vector<std::string>{"186", "NULL", "690"}));
    // Half away from zero for the total: 0.005 USD at rate 1 is 0.01; -0.005 is -0.01.
    EXPECT_EQ(convert({"0.005"}, "1"), (std::vector<std::string>{"0.01"}));
    EXPECT_EQ(convert({"-0.005"}, "1"), (std::vector<std::string>{"-0.01"}));
    EXPECT_EQ(convert({}, "1"), (std::vector<std::string>{}));
}

TEST(ConvertShares, RandomRunsAlwaysTieOut) {
    std::mt19937_64 rng(7);
    for (int round = 0; round < 300; ++round) {
        int n = 1 + static_cast<int>(rng() % 40);
        std::vector<std::string> texts;
        for (int i = 0; i < n; ++i) {
            int64_t cents = static_cast<int64_t>(rng() % 2000001) - 500000;
            texts.push_back(cb::core::Rational(BigInt(cents), BigInt(100)).to_decimal(2));
        }
        std::vector<const char*> ptrs;
        for (const auto& t : texts) ptrs.push_back(t.c_str());
        const std::string rate = "0." + std::to_string(100000 + rng() % 900000);
        auto out = cb::core::convert_shares(ptrs, rate, "0.01");
        cb::core::Rational sum_in, sum_out;
        for (size_t i = 0; i < texts.size(); ++i) {
            sum_in += cb::core::Rational::parse(texts[i]);
            sum_out += cb::core::Rational::parse(*out[i]);
            // Each line is within one cent of its exact conversion.
            cb::core::Rational diff = cb::core::Rational::parse(*out[i]) - cb::core::Rational::parse(texts[i]) * cb::core::Rational::parse(rate);
            if (diff.sign() < 0) diff = -diff;
            ASSERT_LT(cb::core::Rational::compare(diff, cb::core::Rational::parse("0.01")), 0) << texts[i] << " at " << rate;
        }
        // The lines sum to the converted total, rounded once, half away from zero.
        cb::core::Rational total = sum_in * cb::core::Rational::parse(rate);
        std::string want = total.to_decimal(2);
        EXPECT_EQ(sum_out, cb::core::Rational::parse(want)) << "round " << round;
    }
}

TEST(ConvertShares, BadRate) {
    EXPECT_EQ(cb_test::sqlstate_of([] { cb::core::convert_shares({"1"}, "0", "0.01"); }), "22023");
    EXPECT_EQ(cb_test::sqlstate_of([] { cb::core::convert_shares({"1"}, "-1.1", "0.01"); }), "22023");
    EXPECT_EQ(cb_test::sqlstate_of([] { cb::core::convert_shares({"1"}, "x", "0.01"); }), "22P02");
}
