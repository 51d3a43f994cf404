// Exact fixed-point decimals (src/core/decimal.hpp).
#include "core/decimal.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <utility>

using cb::core::append_scaled;
using cb::core::checked_add;
using cb::core::checked_mul;
using cb::core::div_round_half_up;
using cb::core::format_scaled;
using cb::core::int128;
using cb::core::kInt128Max;
using cb::core::parse_decimal;
using cb::core::ParsedDecimal;
using cb::core::pow10_128;
using cb::core::rescale;
using cb::core::Rounding;

namespace {

constexpr int128 kInt128Min = -kInt128Max - 1;

// The value a ParsedDecimal denotes, as canonical decimal text (independent of how the
// parser splits it into mantissa and scale).
std::string value_text(const ParsedDecimal& d) {
    std::string s = d.negative ? "-" : "";
    if (d.scale >= 0) return s + format_scaled(d.mantissa, d.scale);
    return s + format_scaled(d.mantissa, 0) + std::string(static_cast<size_t>(-d.scale), '0');
}

// "<value>" for a good parse, "overflow" or "nullopt" otherwise.
std::string parsed(std::string_view text) {
    bool overflow = true;  // must be reset by parse_decimal
    auto d = parse_decimal(text, &overflow);
    if (!d) return overflow ? "nullopt+overflow?" : "nullopt";
    if (overflow) return "overflow";
    return value_text(*d);
}

struct Rescaled {
    std::optional<int128> value;
    bool overflow;
};

Rescaled rescaled(std::string_view text, int scale, Rounding rounding,
                  int128 limit = kInt128Max) {
    bool overflow = false;
    auto d = parse_decimal(text, &overflow);
    EXPECT_TRUE(d.has_value()) << text;
    EXPECT_FALSE(overflow) << text;
    if (!d) return {std::nullopt, false};
    overflow = true;  // must be reset by rescale
    auto r = rescale(*d, scale, rounding, limit, &overflow);
    return {r, overflow};
}

std::string i128(int128 v) { return format_scaled(v, 0); }

}  // namespace

TEST(Decimal, Pow10) {
    EXPECT_EQ(i128(pow10_128(0)), "1");
    EXPECT_EQ(i128(pow10_128(1)), "10");
    EXPECT_EQ(i128(pow10_128(18)), "1000000000000000000");
    EXPECT_EQ(i128(pow10_128(38)), "100000000000000000000000000000000000000");
}

TEST(Decimal, ParsePlain) {
    bool overflow = true;
    auto d = parse_decimal("3.75", &overflow);
    ASSERT_TRUE(d);
    EXPECT_FALSE(overflow);
    EXPECT_FALSE(d->negative);
    EXPECT_EQ(i128(d->mantissa), "375");
    EXPECT_EQ(d->scale, 2);

    EXPECT_EQ(parsed("0"), "0");
    EXPECT_EQ(parsed("15"), "15");
    EXPECT_EQ(parsed("-2.5"), "-2.5");
    EXPECT_EQ(parsed("+7"), "7");
    EXPECT_EQ(parsed(".5"), "0.5");
    EXPECT_EQ(parsed("5."), "5");
    EXPECT_EQ(parsed("999999999999.999999"), "999999999999.999999");
}

TEST(Decimal, ParseExponents) {
    bool overflow = true;
    auto d = parse_decimal("3e-06", &overflow);
    ASSERT_TRUE(d);
    EXPECT_FALSE(overflow);
    EXPECT_EQ(i128(d->mantissa), "3");
    EXPECT_EQ(d->scale, 6);

    d = parse_decimal("1.25E-7", &overflow);
    ASSERT_TRUE(d);
    EXPECT_EQ(i128(d->mantissa), "125");
    EXPECT_EQ(d->scale, 9);

    EXPECT_EQ(parsed("3e-06"), "0.000003");
    EXPECT_EQ(parsed("1.25E-7"), "0.000000125");
    EXPECT_EQ(parsed("1.5e-05"), "0.000015");
    EXPECT_EQ(parsed("2.1875e-06"), "0.0000021875");
    EXPECT_EQ(parsed("1e3"), "1000");
    EXPECT_EQ(parsed("1E+3"), "1000");
    EXPECT_EQ(parsed("1.5e1"), "15");
    EXPECT_EQ(parsed("-4.2e-2"), "-0.042");
    EXPECT_EQ(parsed("0e5"), "0");
    EXPECT_EQ(parsed("0.e-5"), "0");
    EXPECT_EQ(parsed("12e0"), "12");
    EXPECT_EQ(parsed("1e-0"), "1");
}

TEST(Decimal, ParseLeadingAndTrailingZeros) {
    EXPECT_EQ(parsed("000123"), "123");
    EXPECT_EQ(parsed("0012.3400"), "12.34");
    EXPECT_EQ(parsed("0.000100"), "0.0001");
    EXPECT_EQ(parsed("100"), "100");
    EXPECT_EQ(parsed("100.000"), "100");
    EXPECT_EQ(parsed("-0"), "0");
    EXPECT_EQ(parsed("-0.000"), "0");
    EXPECT_EQ(parsed("0000.0000"), "0");
    // Zero is never negative and has scale 0.
    bool overflow = false;
    auto d = parse_decimal("-0.00", &overflow);
    ASSERT_TRUE(d);
    EXPECT_FALSE(d->negative);
    EXPECT_EQ(d->scale, 0);
    EXPECT_EQ(i128(d->mantissa), "0");
    // Long zero tails carry no digits: they never overflow.
    std::string tail = "1" + std::string(200, '0');
    EXPECT_EQ(parsed(tail), tail);
    EXPECT_EQ(parsed("1." + std::string(500, '0')), "1");
    EXPECT_EQ(parsed("0." + std::string(60, '0') + "1"), "0." + std::string(60, '0') + "1");
    EXPECT_EQ(parsed(std::string(300, '0') + "42"), "42");
}

TEST(Decimal, ParseTooManyDigitsSetsOverflow) {
    // 38 significant digits fit in 128 bits; 39 do not count as representable.
    std::string d38(38, '9');
    EXPECT_EQ(parsed(d38), d38);
    EXPECT_EQ(parsed("0." + d38), "0." + d38);
    EXPECT_EQ(parsed("-" + d38), "-" + d38);
    EXPECT_EQ(parsed(std::string(39, '9')), "overflow");
    EXPECT_EQ(parsed("123456789012345678901234567890123456789"), "overflow");
    EXPECT_EQ(parsed("1.23456789012345678901234567890123456789"), "overflow");
    EXPECT_EQ(parsed("1" + std::string(60, '0') + "1"), "overflow");
    EXPECT_EQ(parsed("0.1" + std::string(60, '0') + "1"), "overflow");
    // 38 significant digits followed by zeros: still exact.
    EXPECT_EQ(parsed(d38 + "00"), d38 + "00");
    EXPECT_EQ(parsed(d38 + "00.000"), d38 + "00");
}

TEST(Decimal, ParseBadSyntax) {
    for (const char* bad : {"", "-", "+", ".", "-.", "e5", ".e5", "1e", "1e+", "1e-", "abc",
                            "1.2.3", " 1", "1 ", "--1", "+-1", "1x", "0x10", "1,5", "1e5.5",
                            "1ee5", "Infinity", "NaN", "1_000", "\xe2\x88\x9e"}) {
        bool overflow = true;
        EXPECT_FALSE(parse_decimal(bad, &overflow).has_value()) << '"' << bad << '"';
        EXPECT_FALSE(overflow) << '"' << bad << '"';
    }
    // An embedded NUL is just another bad character.
    bool overflow = false;
    EXPECT_FALSE(parse_decimal(std::string_view("1\0" "2", 3), &overflow).has_value());
}

TEST(Decimal, RescaleReject) {
    auto r = rescaled("3e-06", 6, Rounding::reject);
    ASSERT_TRUE(r.value);
    EXPECT_FALSE(r.overflow);
    EXPECT_EQ(i128(*r.value), "3");

    EXPECT_EQ(i128(*rescaled("1.50", 1, Rounding::reject).value), "15");
    EXPECT_EQ(i128(*rescaled("0.3", 6, Rounding::reject).value), "300000");
    EXPECT_EQ(i128(*rescaled("-0.3", 6, Rounding::reject).value), "-300000");
    EXPECT_EQ(i128(*rescaled("100", 0, Rounding::reject).value), "100");
    EXPECT_EQ(i128(*rescaled("1e3", 2, Rounding::reject).value), "100000");
    EXPECT_EQ(i128(*rescaled("0", 6, Rounding::reject).value), "0");

    // Non-zero digits beyond the target scale: nullopt, but not an overflow.
    const std::pair<const char*, int> cases[] = {
        {"1.5", 0}, {"0.0000001", 6}, {"3e-07", 6}, {"-2.25", 1}, {"1e-45", 6}, {"1e-45", 0}};
    for (const auto& [text, scale] : cases) {
        auto x = rescaled(text, scale, Rounding::reject);
        EXPECT_FALSE(x.value) << text;
        EXPECT_FALSE(x.overflow) << text;
    }
}

TEST(Decimal, RescaleHalfUp) {
    auto v = [](const char* text, int scale) {
        auto r = rescaled(text, scale, Rounding::half_up);
        EXPECT_FALSE(r.overflow) << text;
        return r.value ? i128(*r.value) : std::string("nullopt");
    };
    EXPECT_EQ(v("0.0000005", 6), "1");
    EXPECT_EQ(v("0.00000049", 6), "0");
    EXPECT_EQ(v("0.0000004999999", 6), "0");
    EXPECT_EQ(v("0.0000015", 6), "2");
    EXPECT_EQ(v("0.0000025", 6), "3");  // half away from zero, not to even
    EXPECT_EQ(v("2.5", 0), "3");
    EXPECT_EQ(v("2.4", 0), "2");
    EXPECT_EQ(v("2.6", 0), "3");
    EXPECT_EQ(v("-0.0000005", 6), "-1");
    EXPECT_EQ(v("-0.0000015", 6), "-2");
    EXPECT_EQ(v("-0.00000049", 6), "0");
    EXPECT_EQ(v("-2.5", 0), "-3");
    EXPECT_EQ(v("-2.4", 0), "-2");
    EXPECT_EQ(v("1.59263611e-07", 12), "159264");
    EXPECT_EQ(v("1.0000005e-12", 12), "1");
    EXPECT_EQ(v("5e-13", 12), "1");
    EXPECT_EQ(v("4.9999e-13", 12), "0");
    // Far below the target scale rounds to zero.
    EXPECT_EQ(v("1e-45", 0), "0");
    EXPECT_EQ(v("-9e-50", 6), "0");
    EXPECT_EQ(v("0.5", 0), "1");
    EXPECT_EQ(v("0.05", 0), "0");
}

TEST(Decimal, RescaleOverflow) {
    constexpr int128 kLimit = 999999999999999999;
    auto ok = rescaled("999999999999.999999", 6, Rounding::reject, kLimit);
    ASSERT_TRUE(ok.value);
    EXPECT_EQ(i128(*ok.value), "999999999999999999");

    for (const char* text : {"1000000000000", "-1000000000000", "999999999999.9999995", "1e13",
                             "1e40", "1e100000"}) {
        auto r = rescaled(text, 6, Rounding::half_up, kLimit);
        EXPECT_FALSE(r.value) << text;
        EXPECT_TRUE(r.overflow) << text;
    }
    // Rounding down keeps it in range.
    auto down = rescaled("999999999999.9999994", 6, Rounding::half_up, kLimit);
    ASSERT_TRUE(down.value);
    EXPECT_EQ(i128(*down.value), "999999999999999999");
    // The limit is on the magnitude.
    auto neg = rescaled("-999999999999.999999", 6, Rounding::reject, kLimit);
    ASSERT_TRUE(neg.value);
    EXPECT_EQ(i128(*neg.value), "-999999999999999999");
    // A shift beyond 38 digits overflows even for the full 128-bit limit.
    auto big = rescaled("1e30", 12, Rounding::reject);
    EXPECT_FALSE(big.value);
    EXPECT_TRUE(big.overflow);
}

TEST(Decimal, FormatScaledTrims) {
    EXPECT_EQ(format_scaled(0, 0), "0");
    EXPECT_EQ(format_scaled(0, 6), "0");
    EXPECT_EQ(format_scaled(0, 12), "0");
    EXPECT_EQ(format_scaled(1500000, 6), "1.5");
    EXPECT_EQ(format_scaled(3000000, 6), "3");
    EXPECT_EQ(format_scaled(300000, 6), "0.3");
    EXPECT_EQ(format_scaled(1, 6), "0.000001");
    EXPECT_EQ(format_scaled(1000001, 6), "1.000001");
    EXPECT_EQ(format_scaled(-1500000, 6), "-1.5");
    EXPECT_EQ(format_scaled(-1, 6), "-0.000001");
    EXPECT_EQ(format_scaled(-3000000, 6), "-3");
    EXPECT_EQ(format_scaled(1000, 0), "1000");
    EXPECT_EQ(format_scaled(-5, 0), "-5");
    EXPECT_EQ(format_scaled(999999999999999999, 6), "999999999999.999999");
    // The cost scale: 12 digits.
    EXPECT_EQ(format_scaled(1, 12), "0.000000000001");
    EXPECT_EQ(format_scaled(-1, 12), "-0.000000000001");
    EXPECT_EQ(format_scaled(2880000000, 12), "0.00288");
    EXPECT_EQ(format_scaled(123000000000000, 12), "123");
    EXPECT_EQ(format_scaled(123456789012345678, 12), "123456.789012345678");
    EXPECT_EQ(format_scaled(-1000000000000, 12), "-1");
    EXPECT_EQ(format_scaled(100000000000, 12), "0.1");
    // The extremes of the 128-bit range, including the most negative value.
    EXPECT_EQ(format_scaled(kInt128Max, 0), "170141183460469231731687303715884105727");
    EXPECT_EQ(format_scaled(kInt128Max, 12), "170141183460469231731687303.715884105727");
    EXPECT_EQ(format_scaled(-kInt128Max, 12), "-170141183460469231731687303.715884105727");
    EXPECT_EQ(format_scaled(kInt128Min, 0), "-170141183460469231731687303715884105728");
    EXPECT_EQ(format_scaled(kInt128Min, 38), "-1.70141183460469231731687303715884105728");
}

TEST(Decimal, AppendScaledAppends) {
    std::string s = "input=";
    append_scaled(s, 3750000, 6);
    s += ' ';
    append_scaled(s, 0, 6);
    s += ' ';
    append_scaled(s, -42, 1);
    EXPECT_EQ(s, "input=3.75 0 -4.2");
}

TEST(Decimal, FormatParsesBack) {
    // format_scaled's text reads back to the same scaled integer.
    for (int128 v : {int128{0}, int128{1}, int128{-1}, int128{10}, int128{123456789},
                     int128{-100000000000}, static_cast<int128>(INT64_MAX) * 1000, kInt128Max / 7}) {
        for (int scale : {0, 1, 6, 12, 20}) {
            std::string text = format_scaled(v, scale);
            bool overflow = false;
            auto d = parse_decimal(text, &overflow);
            ASSERT_TRUE(d) << text;
            auto back = rescale(*d, scale, Rounding::reject, kInt128Max, &overflow);
            ASSERT_TRUE(back) << text;
            EXPECT_TRUE(*back == v) << text;
        }
    }
}

TEST(Decimal, CheckedMul) {
    int128 out = 0;
    EXPECT_TRUE(checked_mul(6, 7, &out));
    EXPECT_EQ(i128(out), "42");
    EXPECT_TRUE(checked_mul(-6, 7, &out));
    EXPECT_EQ(i128(out), "-42");
    EXPECT_TRUE(checked_mul(kInt128Max, 1, &out));
    EXPECT_TRUE(out == kInt128Max);
    EXPECT_TRUE(checked_mul(kInt128Max, -1, &out));
    EXPECT_TRUE(out == -kInt128Max);
    EXPECT_TRUE(checked_mul(pow10_128(19), pow10_128(19), &out));
    EXPECT_TRUE(out == pow10_128(38));
    EXPECT_TRUE(checked_mul(INT64_MAX, INT64_MAX, &out));
    EXPECT_EQ(i128(out), "85070591730234615847396907784232501249");

    EXPECT_FALSE(checked_mul(kInt128Max, 2, &out));
    EXPECT_FALSE(checked_mul(kInt128Max, -2, &out));
    EXPECT_FALSE(checked_mul(pow10_128(19) * 2, pow10_128(19), &out));
    EXPECT_FALSE(checked_mul(static_cast<int128>(1) << 64, static_cast<int128>(1) << 64, &out));
    EXPECT_FALSE(checked_mul(kInt128Min, 1, &out));  // beyond -kInt128Max
    EXPECT_FALSE(checked_mul(kInt128Min, -1, &out));
    EXPECT_FALSE(checked_mul(static_cast<int128>(1) << 63, -(static_cast<int128>(1) << 64), &out));
}

TEST(Decimal, CheckedAdd) {
    int128 out = 0;
    EXPECT_TRUE(checked_add(40, 2, &out));
    EXPECT_EQ(i128(out), "42");
    EXPECT_TRUE(checked_add(kInt128Max, 0, &out));
    EXPECT_TRUE(out == kInt128Max);
    EXPECT_TRUE(checked_add(kInt128Max, -kInt128Max, &out));
    EXPECT_TRUE(out == 0);
    EXPECT_TRUE(checked_add(-kInt128Max + 1, -1, &out));
    EXPECT_TRUE(out == -kInt128Max);

    EXPECT_FALSE(checked_add(kInt128Max, 1, &out));
    EXPECT_FALSE(checked_add(kInt128Max, kInt128Max, &out));
    EXPECT_FALSE(checked_add(-kInt128Max, -1, &out));  // would be kInt128Min
    EXPECT_FALSE(checked_add(-kInt128Max, -kInt128Max, &out));
}

TEST(Decimal, DivRoundHalfUp) {
    auto d = [](int128 a, int128 b) { return i128(div_round_half_up(a, b)); };
    EXPECT_EQ(d(0, 7), "0");
    EXPECT_EQ(d(14, 10), "1");
    EXPECT_EQ(d(15, 10), "2");
    EXPECT_EQ(d(25, 10), "3");
    EXPECT_EQ(d(16, 10), "2");
    EXPECT_EQ(d(4, 10), "0");
    EXPECT_EQ(d(5, 10), "1");
    EXPECT_EQ(d(-14, 10), "-1");
    EXPECT_EQ(d(-15, 10), "-2");
    EXPECT_EQ(d(-25, 10), "-3");
    EXPECT_EQ(d(-4, 10), "0");
    EXPECT_EQ(d(7, 2), "4");
    EXPECT_EQ(d(-7, 2), "-4");
    EXPECT_EQ(d(10, 3), "3");
    EXPECT_EQ(d(11, 3), "4");  // 3.67
    EXPECT_EQ(d(42, 1), "42");
    // No intermediate overflow near the top of the range: (2^127 - 1) / 2 = 2^126 - 0.5.
    EXPECT_TRUE(div_round_half_up(kInt128Max, 2) == (static_cast<int128>(1) << 126));
    EXPECT_TRUE(div_round_half_up(-kInt128Max, 2) == -(static_cast<int128>(1) << 126));
    EXPECT_TRUE(div_round_half_up(kInt128Max, 1) == kInt128Max);
    EXPECT_TRUE(div_round_half_up(kInt128Max, kInt128Max) == 1);
    EXPECT_TRUE(div_round_half_up(kInt128Max / 2, kInt128Max) == 0);      // just under half
    EXPECT_TRUE(div_round_half_up(kInt128Max / 2 + 1, kInt128Max) == 1);  // just over half
}
