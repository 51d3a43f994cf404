// Arbitrary-precision integers (src/core/bigint.hpp).
#include "core/bigint.hpp"

#include "core/error.hpp"
#include "errors.hpp"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

using cb::core::BigInt;
using cb::core::Error;
using cb::core::format_scaled;
using cb::core::int128;

using cb_test::sqlstate_of;

namespace {

constexpr int128 kMax = (static_cast<int128>(INT64_MAX) << 64) | UINT64_MAX;
constexpr int128 kMin = -kMax - 1;

std::string i128(int128 v) { return format_scaled(v, 0); }

// A random value of at most `bits` magnitude bits (0..127), either sign.
int128 random_int128(std::mt19937_64& rng, int bits) {
    unsigned __int128 u = (static_cast<unsigned __int128>(rng()) << 64) | rng();
    if (bits < 128) u &= (static_cast<unsigned __int128>(1) << bits) - 1;
    int128 v = static_cast<int128>(u);
    return (rng() & 1) ? -v : v;
}

// A random decimal integer of exactly `digits` digits, either sign.
std::string random_digits(std::mt19937_64& rng, int digits) {
    std::string s = (rng() & 1) ? "-" : "";
    s += static_cast<char>('1' + rng() % 9);
    for (int i = 1; i < digits; ++i) s += static_cast<char>('0' + rng() % 10);
    return s;
}

// Schoolbook decimal multiplication of magnitudes: an independent reference for BigInt's
// base-2^32 multiply.
std::string multiply_decimal(const std::string& a, const std::string& b) {
    std::vector<int> acc(a.size() + b.size(), 0);
    for (size_t i = a.size(); i-- > 0;) {
        for (size_t j = b.size(); j-- > 0;) acc[i + j + 1] += (a[i] - '0') * (b[j] - '0');
    }
    for (size_t k = acc.size(); k-- > 1;) {
        acc[k - 1] += acc[k] / 10;
        acc[k] %= 10;
    }
    std::string s;
    for (int d : acc) {
        if (s.empty() && d == 0) continue;
        s += static_cast<char>('0' + d);
    }
    return s.empty() ? "0" : s;
}

void floor_ref(int128 a, int128 b, int128* q, int128* r) {
    *q = a / b;
    *r = a % b;
    if (*r != 0 && ((*r < 0) != (b < 0))) {
        *q -= 1;
        *r += b;
    }
}

}  // namespace

TEST(BigInt, ConstructAndPrint) {
    EXPECT_EQ(BigInt().to_string(), "0");
    EXPECT_EQ(BigInt(0).to_string(), "0");
    EXPECT_EQ(BigInt(-1).to_string(), "-1");
    EXPECT_EQ(BigInt(INT64_MIN).to_string(), "-9223372036854775808");
    EXPECT_EQ(BigInt(INT64_MAX).to_string(), "9223372036854775807");
    EXPECT_EQ(BigInt(kMax).to_string(), i128(kMax));
    EXPECT_EQ(BigInt(kMin).to_string(), i128(kMin));
    EXPECT_EQ(BigInt(int128{1000000000}).to_string(), "1000000000");
    EXPECT_EQ(BigInt(uint64_t{UINT64_MAX}).to_string(), "18446744073709551615");
}

TEST(BigInt, FromDecimalDigits) {
    EXPECT_EQ(BigInt::from_decimal_digits("0").to_string(), "0");
    EXPECT_EQ(BigInt::from_decimal_digits("-0").to_string(), "0");
    EXPECT_EQ(BigInt::from_decimal_digits("-0").sign(), 0);
    EXPECT_EQ(BigInt::from_decimal_digits("000123").to_string(), "123");
    EXPECT_EQ(BigInt::from_decimal_digits("-1000000000").to_string(), "-1000000000");
    const std::string big = "123456789012345678901234567890123456789012345678901234567890";
    EXPECT_EQ(BigInt::from_decimal_digits(big).to_string(), big);
    EXPECT_EQ(BigInt::from_decimal_digits("-" + big).to_string(), "-" + big);
    for (const char* bad : {"", "-", "+1", " 1", "1 ", "12a", "1.0", "--1", "1e3"}) {
        try {
            BigInt::from_decimal_digits(bad);
            ADD_FAILURE() << "accepted \"" << bad << "\"";
        } catch (const Error& e) {
            EXPECT_STREQ(e.sqlstate(), "22P02") << bad;
        }
    }
}

TEST(BigInt, Pow10) {
    EXPECT_EQ(BigInt::pow10(0).to_string(), "1");
    EXPECT_EQ(BigInt::pow10(9).to_string(), "1000000000");
    EXPECT_EQ(BigInt::pow10(40).to_string(), "1" + std::string(40, '0'));
    EXPECT_EQ(sqlstate_of([] { BigInt::pow10(-1); }), "22003");
}

TEST(BigInt, SignAbsNegate) {
    BigInt a(-5);
    EXPECT_EQ(a.sign(), -1);
    EXPECT_EQ(a.abs().to_string(), "5");
    EXPECT_EQ((-a).to_string(), "5");
    EXPECT_EQ(BigInt(7).sign(), 1);
    EXPECT_TRUE(BigInt(0).is_zero());
    EXPECT_EQ((-BigInt(0)).sign(), 0);
    EXPECT_EQ((BigInt(3) - BigInt(3)).sign(), 0);
    BigInt self(42);
    const BigInt& alias = self;  // aliasing on purpose
    self -= alias;
    EXPECT_TRUE(self.is_zero());
    BigInt twice(21);
    const BigInt& twice_alias = twice;
    twice += twice_alias;
    EXPECT_EQ(twice.to_string(), "42");
    twice *= twice_alias;
    EXPECT_EQ(twice.to_string(), "1764");
}

TEST(BigInt, Int128Boundaries) {
    BigInt max(kMax), min(kMin);
    EXPECT_TRUE(max.fits_int128());
    EXPECT_TRUE(min.fits_int128());
    EXPECT_TRUE(max.to_int128() == kMax);
    EXPECT_TRUE(min.to_int128() == kMin);
    EXPECT_FALSE((max + 1).fits_int128());
    EXPECT_FALSE((min - 1).fits_int128());
    EXPECT_TRUE((-max).to_int128() == -kMax);
    EXPECT_TRUE(BigInt(0).to_int128() == 0);
    try {
        (max + 1).to_int128();
        ADD_FAILURE() << "2^127 converted";
    } catch (const Error& e) {
        EXPECT_STREQ(e.sqlstate(), "22003");
        EXPECT_NE(std::string(e.what()).find("170141183460469231731687303715884105728"),
                  std::string::npos);
    }
}

TEST(BigInt, FloorDivmodSigns) {
    struct Case {
        int a, b, q, r;
    } cases[] = {{7, 2, 3, 1},   {-7, 2, -4, 1}, {7, -2, -4, -1}, {-7, -2, 3, -1},
                 {6, 3, 2, 0},   {-6, 3, -2, 0}, {0, 5, 0, 0},    {1, 5, 0, 1},
                 {-1, 5, -1, 4}, {5, 5, 1, 0}};
    for (const Case& c : cases) {
        BigInt q, r;
        BigInt::floor_divmod(BigInt(c.a), BigInt(c.b), q, r);
        EXPECT_EQ(q, BigInt(c.q)) << c.a << " / " << c.b;
        EXPECT_EQ(r, BigInt(c.r)) << c.a << " % " << c.b;
    }
    // Outputs may alias inputs.
    BigInt a(-7), b(2), r;
    BigInt::floor_divmod(a, b, a, r);
    EXPECT_EQ(a, BigInt(-4));
    EXPECT_EQ(r, BigInt(1));
    EXPECT_EQ(sqlstate_of([] {
                  BigInt q, r;
                  BigInt::floor_divmod(BigInt(1), BigInt(0), q, r);
              }),
              "22012");
}

TEST(BigInt, Comparisons) {
    BigInt a(-3), b(2), c(2);
    EXPECT_TRUE(a < b);
    EXPECT_TRUE(a <= b);
    EXPECT_TRUE(b > a);
    EXPECT_TRUE(b >= c);
    EXPECT_TRUE(b == c);
    EXPECT_TRUE(a != b);
    EXPECT_TRUE(BigInt(-10) < BigInt(-9));
    EXPECT_TRUE(BigInt::pow10(30) > BigInt::pow10(29));
    EXPECT_TRUE(-BigInt::pow10(30) < -BigInt::pow10(29));
}

TEST(BigInt, Gcd) {
    EXPECT_EQ(BigInt::gcd(12, 18), BigInt(6));
    EXPECT_EQ(BigInt::gcd(-4, 6), BigInt(2));
    EXPECT_EQ(BigInt::gcd(0, -5), BigInt(5));
    EXPECT_EQ(BigInt::gcd(0, 0), BigInt(0));
    std::mt19937_64 rng(7);
    for (int iter = 0; iter < 200; ++iter) {
        BigInt common = BigInt::from_decimal_digits(random_digits(rng, 1 + rng() % 20));
        BigInt a = common * BigInt::from_decimal_digits(random_digits(rng, 1 + rng() % 30));
        BigInt b = common * BigInt::from_decimal_digits(random_digits(rng, 1 + rng() % 30));
        BigInt g = BigInt::gcd(a, b), q, r;
        ASSERT_TRUE(g.sign() > 0);
        BigInt::floor_divmod(a, g, q, r);
        ASSERT_TRUE(r.is_zero());
        BigInt a_over = q;
        BigInt::floor_divmod(b, g, q, r);
        ASSERT_TRUE(r.is_zero());
        ASSERT_EQ(BigInt::gcd(a_over, q), BigInt(1)) << "iteration " << iter;
        BigInt::floor_divmod(g, common, q, r);  // common divides the gcd
        ASSERT_TRUE(r.is_zero());
    }
}

// Every operation against native int128 on random operands small enough not to overflow.
TEST(BigInt, MatchesInt128Arithmetic) {
    std::mt19937_64 rng(20240611);
    for (int iter = 0; iter < 20000; ++iter) {
        int wa = static_cast<int>(rng() % 126), wb = static_cast<int>(rng() % (126 - wa));
        int128 a = random_int128(rng, wa + 1), b = random_int128(rng, wb + 1);
        if (rng() % 2 == 0) std::swap(a, b);
        BigInt ba(a), bb(b);
        ASSERT_EQ((ba + bb).to_string(), i128(a + b)) << i128(a) << " + " << i128(b);
        ASSERT_EQ((ba - bb).to_string(), i128(a - b)) << i128(a) << " - " << i128(b);
        ASSERT_EQ((ba * bb).to_string(), i128(a * b)) << i128(a) << " * " << i128(b);
        ASSERT_EQ((-ba).to_string(), i128(-a));
        ASSERT_EQ(BigInt::compare(ba, bb), (a > b) - (a < b));
        ASSERT_TRUE((ba * bb).to_int128() == a * b);
        if (b != 0) {
            int128 q, r;
            floor_ref(a, b, &q, &r);
            BigInt bq, br;
            BigInt::floor_divmod(ba, bb, bq, br);
            ASSERT_EQ(bq.to_string(), i128(q)) << i128(a) << " / " << i128(b);
            ASSERT_EQ(br.to_string(), i128(r)) << i128(a) << " % " << i128(b);
        }
    }
}

// Division on full-width int128 operands (multi-limb divisors exercise algorithm D).
TEST(BigInt, DivisionMatchesInt128) {
    std::mt19937_64 rng(99);
    for (int iter = 0; iter < 20000; ++iter) {
        int128 a = random_int128(rng, 1 + static_cast<int>(rng() % 127));
        int128 b = random_int128(rng, 1 + static_cast<int>(rng() % 127));
        if (b == 0) continue;
        int128 q, r;
        floor_ref(a, b, &q, &r);
        BigInt bq, br;
        BigInt::floor_divmod(BigInt(a), BigInt(b), bq, br);
        ASSERT_TRUE(bq.to_int128() == q) << i128(a) << " / " << i128(b);
        ASSERT_TRUE(br.to_int128() == r) << i128(a) << " % " << i128(b);
    }
}

TEST(BigInt, MultiplyMatchesDecimalSchoolbook) {
    std::mt19937_64 rng(5);
    for (int iter = 0; iter < 300; ++iter) {
        std::string a = random_digits(rng, 1 + rng() % 80), b = random_digits(rng, 1 + rng() % 80);
        BigInt p = BigInt::from_decimal_digits(a) * BigInt::from_decimal_digits(b);
        bool neg = (a[0] == '-') != (b[0] == '-');
        std::string ma = a[0] == '-' ? a.substr(1) : a, mb = b[0] == '-' ? b.substr(1) : b;
        ASSERT_EQ(p.to_string(), (neg ? "-" : "") + multiply_decimal(ma, mb)) << a << " * " << b;
    }
}

// (a / b) * b + a % b == a with 0 <= r < b (or b < r <= 0) on ~60-digit numbers, including
// limb patterns (all ones, top bit only) that stress the quotient-digit correction.
TEST(BigInt, DivmodIdentityOnLargeNumbers) {
    std::mt19937_64 rng(1234567);
    const uint32_t patterns[] = {0, 1, 0x7FFFFFFFu, 0x80000000u, 0xFFFFFFFFu, 0xFFFFFFFEu};
    auto limb_number = [&](int limbs) {
        BigInt v;
        for (int i = 0; i < limbs; ++i) {
            uint32_t limb = rng() % 3 == 0 ? static_cast<uint32_t>(rng()) : patterns[rng() % 6];
            v = v * BigInt(int64_t{1} << 32) + BigInt(limb);
        }
        return (rng() & 1) ? -v : v;
    };
    for (int iter = 0; iter < 5000; ++iter) {
        BigInt a, b;
        if (iter % 2 == 0) {
            a = BigInt::from_decimal_digits(random_digits(rng, 55 + rng() % 10));
            b = BigInt::from_decimal_digits(random_digits(rng, 1 + rng() % 64));
        } else {
            a = limb_number(1 + rng() % 8);
            b = limb_number(1 + rng() % 5);
        }
        if (b.is_zero()) continue;
        BigInt q, r;
        BigInt::floor_divmod(a, b, q, r);
        ASSERT_EQ(q * b + r, a) << a.to_string() << " / " << b.to_string();
        if (b.sign() > 0) {
            ASSERT_TRUE(r.sign() >= 0 && r < b) << a.to_string() << " % " << b.to_string();
        } else {
            ASSERT_TRUE(r.sign() <= 0 && r > b) << a.to_string() << " % " << b.to_string();
        }
    }
}

TEST(BigInt, DecimalRoundTrip) {
    std::mt19937_64 rng(42);
    for (int iter = 0; iter < 1000; ++iter) {
        std::string s = random_digits(rng, 1 + rng() % 120);
        ASSERT_EQ(BigInt::from_decimal_digits(s).to_string(), s);
    }
}

// Divisions from Hacker's Delight (divmnu test set) whose quotient estimate is one too large
// even after the rhat test, so that algorithm D must add the divisor back.
TEST(BigInt, DivisionAddBackCases) {
    auto limbs = [](std::vector<uint32_t> l) {  // least significant limb first
        BigInt v;
        for (size_t i = l.size(); i-- > 0;) v = v * BigInt(int64_t{1} << 32) + BigInt(l[i]);
        return v;
    };
    struct Case {
        BigInt u, v;
        const char* q;
    } cases[] = {
        {limbs({0, 0, 0x80000000u, 0x7fffffffu}), limbs({1, 0, 0x80000000u}), "4294967294"},
        {limbs({3, 0, 0x80000000u, 0}), limbs({1, 0, 0x20000000u}), "3"},
        {limbs({3, 0, 0x8000u, 0}), limbs({1, 0, 0x2000u}), "3"},
        {limbs({0, 0, 0x8000u, 0x7fffu}), limbs({1, 0, 0x8000u}), "4294836224"},
    };
    for (const Case& c : cases) {
        BigInt q, r;
        BigInt::floor_divmod(c.u, c.v, q, r);
        EXPECT_EQ(q.to_string(), c.q);
        EXPECT_EQ(q * c.v + r, c.u);
        EXPECT_TRUE(r.sign() >= 0 && r < c.v);
    }
}
