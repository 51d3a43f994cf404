// Exact rationals (src/core/rational.hpp).
#include "core/rational.hpp"

#include "core/error.hpp"

#include <gtest/gtest.h>

#include <random>
#include <string>

using cb::core::BigInt;
using cb::core::div_round_half_up;
using cb::core::Error;
using cb::core::format_scaled;
using cb::core::int128;
using cb::core::pow10_128;
using cb::core::Rational;

namespace {

std::string text(const Rational& r) { return r.num().to_string() + "/" + r.den().to_string(); }

Rational q(int64_t n, int64_t d) { return Rational(BigInt(n), BigInt(d)); }

// The SQLSTATE parse() raises for text, or "ok".
std::string parse_state(const std::string& s, std::string* message = nullptr) {
    try {
        Rational::parse(s);
    } catch (const Error& e) {
        if (message) *message = e.what();
        return e.sqlstate();
    }
    return "ok";
}

Rational random_rational(std::mt19937_64& rng) {
    int64_t n = static_cast<int64_t>(rng() % 2000001) - 1000000;
    int64_t d = static_cast<int64_t>(rng() % 1000) + 1;
    return q(n, d);
}

}  // namespace

TEST(Rational, ReducesAndNormalisesSign) {
    EXPECT_EQ(text(q(6, -4)), "-3/2");
    EXPECT_EQ(text(q(-6, -4)), "3/2");
    EXPECT_EQ(text(q(0, -7)), "0/1");
    EXPECT_EQ(text(Rational(5)), "5/1");
    EXPECT_EQ(text(Rational()), "0/1");
    EXPECT_EQ(q(2, 4), q(1, 2));
    try {
        q(1, 0);
        ADD_FAILURE() << "zero denominator accepted";
    } catch (const Error& e) {
        EXPECT_STREQ(e.sqlstate(), "22012");
    }
}

TEST(Rational, Parse) {
    EXPECT_EQ(text(Rational::parse("-12.3400")), "-617/50");
    EXPECT_EQ(text(Rational::parse("1e-3")), "1/1000");
    EXPECT_EQ(text(Rational::parse("100")), "100/1");
    EXPECT_EQ(text(Rational::parse("2.5E2")), "250/1");
    EXPECT_EQ(text(Rational::parse("0.0")), "0/1");
    EXPECT_EQ(text(Rational::parse("-0")), "0/1");
    EXPECT_EQ(text(Rational::parse("99999999999999999999999999999999999999")),
              "99999999999999999999999999999999999999/1");
    EXPECT_EQ(Rational::parse("1e1000").num(), BigInt::pow10(1000));
    EXPECT_EQ(parse_state("abc"), "22P02");
    EXPECT_EQ(parse_state(""), "22P02");
    EXPECT_EQ(parse_state("1.2.3"), "22P02");
    std::string message;
    EXPECT_EQ(parse_state("123456789012345678901234567890123456789", &message), "22003");
    EXPECT_NE(message.find("123456789012345678901234567890123456789"), std::string::npos);
    EXPECT_EQ(parse_state("1e-1001", &message), "22003");
    EXPECT_NE(message.find("1e-1001"), std::string::npos);
    EXPECT_EQ(parse_state("1e999999"), "22003");
}

TEST(Rational, Arithmetic) {
    EXPECT_EQ(q(1, 3) + q(1, 6), q(1, 2));
    EXPECT_EQ(q(1, 3) - q(1, 2), q(-1, 6));
    EXPECT_EQ(q(2, 3) * q(9, 4), q(3, 2));
    EXPECT_EQ(q(2, 3) / q(-4, 9), q(-3, 2));
    EXPECT_EQ(-q(2, 3), q(-2, 3));
    Rational x = q(3, 4);
    const Rational& alias = x;  // aliasing on purpose
    x /= alias;
    EXPECT_EQ(x, Rational(1));
    x *= alias;
    EXPECT_EQ(x, Rational(1));
    x -= alias;
    EXPECT_TRUE(x.is_zero());
    try {
        Rational r = q(1, 2) / Rational(0);
        ADD_FAILURE() << text(r);
    } catch (const Error& e) {
        EXPECT_STREQ(e.sqlstate(), "22012");
    }
}

TEST(Rational, Comparisons) {
    EXPECT_TRUE(q(1, 3) < q(1, 2));
    EXPECT_TRUE(q(-1, 2) < q(-1, 3));
    EXPECT_TRUE(q(2, 4) == q(1, 2));
    EXPECT_TRUE(q(2, 3) >= q(4, 6));
    EXPECT_TRUE(q(5, 3) > Rational(1));
    EXPECT_TRUE(q(1, 7) != q(1, 8));
    EXPECT_TRUE(q(1, 7) <= q(1, 7));
    EXPECT_EQ(q(-3, 2).sign(), -1);
    EXPECT_EQ(Rational().sign(), 0);
}

TEST(Rational, Floor) {
    EXPECT_EQ(q(7, 2).floor(), BigInt(3));
    EXPECT_EQ(q(-7, 2).floor(), BigInt(-4));
    EXPECT_EQ(Rational(-4).floor(), BigInt(-4));
    EXPECT_EQ(q(-1, 1000).floor(), BigInt(-1));
    EXPECT_EQ(Rational().floor(), BigInt(0));
}

TEST(Rational, ToDecimal) {
    EXPECT_EQ(q(1, 3).to_decimal(2), "0.33");
    EXPECT_EQ(q(2, 3).to_decimal(2), "0.67");
    EXPECT_EQ(q(-1, 2).to_decimal(0), "-1");
    EXPECT_EQ(q(1, 2).to_decimal(0), "1");
    EXPECT_EQ(q(-1, 1000).to_decimal(2), "0.00");  // never "-0.00"
    EXPECT_EQ(Rational(5).to_decimal(3), "5.000");
    EXPECT_EQ(Rational::parse("-12.345").to_decimal(2), "-12.35");
    EXPECT_EQ(Rational::parse("0.005").to_decimal(2), "0.01");
    EXPECT_EQ(Rational::parse("-0.005").to_decimal(2), "-0.01");
    EXPECT_EQ(Rational::parse("0.0049").to_decimal(2), "0.00");
    EXPECT_EQ(Rational().to_decimal(0), "0");
    EXPECT_EQ(Rational(-123).to_decimal(1), "-123.0");
    EXPECT_EQ(q(1, 7).to_decimal(30), "0.142857142857142857142857142857");
    try {
        Rational().to_decimal(-1);
        ADD_FAILURE() << "negative scale accepted";
    } catch (const Error& e) {
        EXPECT_STREQ(e.sqlstate(), "22023");
    }
}

TEST(Rational, ToExactDecimal) {
    bool exact = false;
    EXPECT_EQ(q(1, 8).to_exact_decimal(10, &exact), "0.125");
    EXPECT_TRUE(exact);
    EXPECT_EQ(Rational(5).to_exact_decimal(10, &exact), "5");
    EXPECT_TRUE(exact);
    EXPECT_EQ(Rational::parse("-12.3400").to_exact_decimal(10, &exact), "-12.34");
    EXPECT_TRUE(exact);
    EXPECT_EQ(q(1, 3).to_exact_decimal(4, &exact), "0.3333");
    EXPECT_FALSE(exact);
    EXPECT_EQ(q(1, 1024).to_exact_decimal(5, &exact), "0.00098");
    EXPECT_FALSE(exact);
    EXPECT_EQ(q(1, 1024).to_exact_decimal(10, &exact), "0.0009765625");
    EXPECT_TRUE(exact);
    EXPECT_EQ(q(3, 20).to_exact_decimal(2, nullptr), "0.15");
}

// Field identities and rounding on random rationals; rounding checked against int128.
TEST(Rational, RandomProperties) {
    std::mt19937_64 rng(31337);
    for (int iter = 0; iter < 3000; ++iter) {
        Rational a = random_rational(rng), b = random_rational(rng);
        ASSERT_EQ(a - b + b, a);
        ASSERT_EQ(a + b, b + a);
        ASSERT_EQ(a * b, b * a);
        if (!b.is_zero()) {
            ASSERT_EQ(a / b * b, a);
        }
        ASSERT_EQ(Rational::compare(a, b), -Rational::compare(b, a));
        ASSERT_EQ(a < b, (a - b).sign() < 0);
        BigInt f = a.floor();
        ASSERT_TRUE(Rational(f) <= a && a < Rational(f + 1)) << text(a);

        int scale = static_cast<int>(rng() % 6);
        int128 n = static_cast<int128>(a.num().to_int128()) * pow10_128(scale);
        std::string expected = format_scaled(div_round_half_up(n, a.den().to_int128()), scale);
        // format_scaled trims trailing zeros; to_decimal keeps exactly `scale` digits.
        std::string got = a.to_decimal(scale);
        ASSERT_EQ(Rational::parse(got), Rational::parse(expected)) << text(a) << " @" << scale;
        size_t point = got.find('.');
        ASSERT_EQ(point == std::string::npos ? 0 : got.size() - point - 1,
                  static_cast<size_t>(scale));
    }
}
