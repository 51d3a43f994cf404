// Largest-remainder splitting and rounding to a total (src/core/largest_remainder.hpp).
#include "core/largest_remainder.hpp"

#include "core/error.hpp"
#include "errors.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <numeric>
#include <random>
#include <string>
#include <vector>

using cb::core::BigInt;
using cb::core::Error;
using cb::core::int128;
using cb::core::largest_remainder;
using cb::core::largest_remainder_int;
using cb::core::Rational;
using cb::core::round_to_total;

using cb_test::failure_of;

namespace {

std::string join(const std::vector<BigInt>& v) {
    std::string s;
    for (const BigInt& x : v) s += (s.empty() ? "" : ",") + x.to_string();
    return s;
}

std::string join(const std::vector<int128>& v) {
    std::vector<BigInt> b(v.begin(), v.end());
    return join(b);
}

std::vector<BigInt> split(int64_t total, const std::vector<int64_t>& weights) {
    std::vector<Rational> w(weights.begin(), weights.end());
    return largest_remainder(BigInt(total), w);
}

// A random weight: zero sometimes, otherwise a small positive fraction or decimal.
Rational random_weight(std::mt19937_64& rng) {
    switch (rng() % 4) {
        case 0: return Rational(0);
        case 1: return Rational(BigInt(static_cast<int64_t>(rng() % 1000)));
        case 2:
            return Rational(BigInt(static_cast<int64_t>(rng() % 1000)),
                            BigInt(static_cast<int64_t>(rng() % 97 + 1)));
        default:
            return Rational::parse(std::to_string(rng() % 100000) + "e-" +
                                   std::to_string(rng() % 6));
    }
}

BigInt random_total(std::mt19937_64& rng) {
    BigInt t = rng() % 5 == 0 ? BigInt::pow10(static_cast<int>(rng() % 40)) * BigInt(rng() % 1000)
                              : BigInt(static_cast<int64_t>(rng() % 100000));
    return rng() % 2 == 0 ? -t : t;
}

// Checks the contract of largest_remainder() for one input, exactly.
void check_split(const BigInt& total, const std::vector<Rational>& weights,
                 const std::vector<BigInt>& shares) {
    ASSERT_EQ(shares.size(), weights.size());
    Rational sum;
    for (const Rational& w : weights) sum += w;
    std::vector<Rational> w = weights;
    if (sum.is_zero()) {
        std::fill(w.begin(), w.end(), Rational(1));
        sum = Rational(static_cast<int64_t>(w.size()));
    }
    BigInt given;
    std::vector<Rational> frac(w.size());
    std::vector<bool> rounded_up(w.size());
    for (size_t i = 0; i < w.size(); ++i) {
        Rational exact = Rational(total) * w[i] / sum;
        BigInt lo = exact.floor();
        BigInt hi = Rational(lo) == exact ? lo : lo + 1;
        ASSERT_TRUE(shares[i] == lo || shares[i] == hi)
            << "share " << i << " = " << shares[i].to_string() << " of exact "
            << exact.to_decimal(6);
        given += shares[i];
        // Distance in the direction of the total's sign, so that the mirror rule applies.
        Rational magnitude = total.sign() < 0 ? -exact : exact;
        frac[i] = magnitude - Rational(magnitude.floor());
        rounded_up[i] = Rational(total.sign() < 0 ? -shares[i] : shares[i]) > magnitude;
    }
    ASSERT_EQ(given, total);
    // Largest remainders first, ties to the lower index.
    for (size_t i = 0; i < w.size(); ++i) {
        for (size_t j = 0; j < w.size(); ++j) {
            if (rounded_up[i] && !rounded_up[j] && !frac[j].is_zero()) {
                ASSERT_TRUE(frac[i] > frac[j] || (frac[i] == frac[j] && i < j))
                    << i << " rounded up before " << j;
            }
        }
    }
}

}  // namespace

TEST(LargestRemainder, Examples) {
    EXPECT_EQ(join(split(100, {1, 1, 1})), "34,33,33");
    EXPECT_EQ(join(split(-100, {1, 1, 1})), "-34,-33,-33");
    EXPECT_EQ(join(split(10, {1, 2})), "3,7");
    EXPECT_EQ(join(split(1, {1, 1, 1, 1})), "1,0,0,0");
    EXPECT_EQ(join(split(2, {1, 1, 1, 1})), "1,1,0,0");
    EXPECT_EQ(join(split(7, {0, 3, 0, 4})), "0,3,0,4");
    EXPECT_EQ(join(split(0, {5, 6})), "0,0");
    EXPECT_EQ(join(split(5, {1})), "5");
    // Fractions: 1/3 vs 2/3 of 100 units.
    std::vector<Rational> w = {Rational::parse("0.5"), Rational(BigInt(1), BigInt(3))};
    EXPECT_EQ(join(largest_remainder(BigInt(100), w)), "60,40");
}

TEST(LargestRemainder, TiesGoToTheLowerIndex) {
    EXPECT_EQ(join(split(5, {1, 2, 1, 2})), "1,2,1,1");  // 5/6 each for 1 and 3, 10/6 for others
    EXPECT_EQ(join(split(3, {1, 1, 1, 1, 1})), "1,1,1,0,0");
    EXPECT_EQ(join(split(-3, {1, 1, 1, 1, 1})), "-1,-1,-1,0,0");
    EXPECT_EQ(join(largest_remainder_int(3, {7, 7, 7, 7, 7})), "1,1,1,0,0");
}

TEST(LargestRemainder, AllZeroWeightsSplitEvenly) {
    EXPECT_EQ(join(split(10, {0, 0, 0})), "4,3,3");
    EXPECT_EQ(join(split(-10, {0, 0, 0})), "-4,-3,-3");
    EXPECT_EQ(join(largest_remainder_int(10, {0, 0, 0})), "4,3,3");
    EXPECT_EQ(join(largest_remainder_int(-10, {0, 0, 0})), "-4,-3,-3");
}

TEST(LargestRemainder, EmptyWeights) {
    EXPECT_TRUE(largest_remainder(BigInt(0), {}).empty());
    EXPECT_TRUE(largest_remainder_int(0, {}).empty());
    std::string f = failure_of([] { largest_remainder(BigInt(5), {}); });
    EXPECT_EQ(f.substr(0, 5), "22023") << f;
    EXPECT_NE(f.find("nothing to allocate to"), std::string::npos) << f;
    f = failure_of([] { largest_remainder_int(-5, {}); });
    EXPECT_EQ(f.substr(0, 5), "22023") << f;
}

TEST(LargestRemainder, NegativeWeightIsRejected) {
    std::string f = failure_of([] {
        largest_remainder(BigInt(10), {Rational(1), Rational::parse("-2.5"), Rational(3)});
    });
    EXPECT_EQ(f.substr(0, 5), "22023") << f;
    EXPECT_NE(f.find("-2.5"), std::string::npos) << f;
    EXPECT_NE(f.find("index 1"), std::string::npos) << f;
    f = failure_of([] { largest_remainder_int(10, {1, 2, -3}); });
    EXPECT_EQ(f.substr(0, 5), "22023") << f;
    EXPECT_NE(f.find("-3"), std::string::npos) << f;
    EXPECT_NE(f.find("index 2"), std::string::npos) << f;
    f = failure_of([] { largest_remainder(BigInt(0), {Rational(BigInt(-1), BigInt(3))}); });
    EXPECT_NE(f.find("-1/3"), std::string::npos) << f;
}

TEST(LargestRemainder, RandomSplitsKeepTheContract) {
    std::mt19937_64 rng(8675309);
    for (int iter = 0; iter < 2000; ++iter) {
        size_t n = 1 + rng() % 8;
        std::vector<Rational> w(n);
        for (Rational& x : w) x = random_weight(rng);
        BigInt total = random_total(rng);
        std::vector<BigInt> shares = largest_remainder(total, w);
        check_split(total, w, shares);
        if (HasFatalFailure()) {
            FAIL() << "iteration " << iter << ": total " << total.to_string();
        }
        // Mirror: share(-T) == -share(T).
        std::vector<BigInt> mirrored = largest_remainder(-total, w);
        for (size_t i = 0; i < n; ++i) ASSERT_EQ(mirrored[i], -shares[i]) << "iteration " << iter;
    }
}

TEST(LargestRemainder, PermutingDistinctWeightsPermutesShares) {
    std::mt19937_64 rng(2718);
    for (int iter = 0; iter < 500; ++iter) {
        size_t n = 2 + rng() % 7;
        std::vector<Rational> w;
        while (w.size() < n) {
            Rational x = random_weight(rng);
            if (std::find(w.begin(), w.end(), x) == w.end()) w.push_back(x);
        }
        BigInt total = random_total(rng);
        std::vector<size_t> perm(n);
        std::iota(perm.begin(), perm.end(), size_t{0});
        std::shuffle(perm.begin(), perm.end(), rng);
        std::vector<Rational> pw(n);
        for (size_t i = 0; i < n; ++i) pw[i] = w[perm[i]];
        std::vector<BigInt> shares = largest_remainder(total, w);
        std::vector<BigInt> pshares = largest_remainder(total, pw);
        // Distinct weights can still tie on remainder only if their exact shares differ
        // by a whole number of units; skip those (the lower index then legitimately wins).
        Rational sum;
        for (const Rational& x : w) sum += x;
        bool tie = false;
        for (size_t i = 0; i < n && !sum.is_zero(); ++i) {
            for (size_t j = i + 1; j < n; ++j) {
                Rational d = Rational(total) * (w[i] - w[j]) / sum;
                if (!d.is_zero() && Rational(d.floor()) == d) tie = true;
            }
        }
        if (tie) continue;
        for (size_t i = 0; i < n; ++i) ASSERT_EQ(pshares[i], shares[perm[i]]) << "iteration " << iter;
    }
}

// The int128 fast path and its BigInt fallback agree with the Rational version.
TEST(LargestRemainder, IntPathMatchesBigIntPath) {
    std::mt19937_64 rng(161803);
    const int128 e15 = 1000000000000000, e30 = static_cast<int128>(e15) * e15;
    for (int iter = 0; iter < 3000; ++iter) {
        size_t n = 1 + rng() % 8;
        int128 total;
        std::vector<int128> w(n);
        switch (iter % 4) {
            case 0:  // small: native
                total = static_cast<int128>(rng() % 2000001) - 1000000;
                for (int128& x : w) x = rng() % 3 == 0 ? 0 : static_cast<int128>(rng() % 1000000);
                break;
            case 1:  // products near 1e45: forces the fallback
                total = e15 + static_cast<int128>(rng() % 1000000);
                for (int128& x : w) x = e30 + static_cast<int128>(rng());
                break;
            case 2:  // weight sum beyond int128: forces the fallback
                total = static_cast<int128>(rng() % 1000);
                for (int128& x : w) x = cb::core::kInt128Max / 3 + static_cast<int128>(rng());
                break;
            default:  // mixed magnitudes around the boundary
                total = static_cast<int128>(rng()) * static_cast<int128>(rng() % 1000000);
                for (int128& x : w) x = static_cast<int128>(rng()) * static_cast<int128>(rng() % 100000);
                break;
        }
        if (rng() % 2 == 0) total = -total;
        std::vector<Rational> rw(w.begin(), w.end());
        std::vector<BigInt> expected = largest_remainder(BigInt(total), rw);
        std::vector<int128> got = largest_remainder_int(total, w);
        ASSERT_EQ(join(got), join(expected)) << "iteration " << iter;
    }
}

TEST(LargestRemainder, IntPathExtremeTotals) {
    const int128 max = cb::core::kInt128Max, min = -max - 1;
    EXPECT_EQ(join(largest_remainder_int(max, {1, 1})),
              join(largest_remainder(BigInt(max), {Rational(1), Rational(1)})));
    EXPECT_EQ(join(largest_remainder_int(min, {1, 1})),
              "-85070591730234615865843651857942052864,-85070591730234615865843651857942052864");
    EXPECT_EQ(join(largest_remainder_int(min, {0})), join(std::vector<BigInt>{BigInt(min)}));
    EXPECT_EQ(join(largest_remainder_int(min, {3, 5, 7})),
              join(largest_remainder(BigInt(min), {Rational(3), Rational(5), Rational(7)})));
}

TEST(RoundToTotal, Examples) {
    Rational third(BigInt(1), BigInt(3));
    EXPECT_EQ(join(round_to_total({third, third, third}, BigInt(1))), "1,0,0");
    EXPECT_EQ(join(round_to_total({Rational::parse("2.5"), Rational::parse("-1.25")}, BigInt(1))),
              "2,-1");
    EXPECT_EQ(join(round_to_total({Rational::parse("2.5"), Rational::parse("-1.25")}, BigInt(0))),
              "2,-2");
    EXPECT_EQ(join(round_to_total({Rational(3), Rational(-4)}, BigInt(-1))), "3,-4");
    EXPECT_TRUE(round_to_total({}, BigInt(0)).empty());
}

TEST(RoundToTotal, ImpossibleTargetsAreRejected) {
    Rational half = Rational::parse("0.5");
    for (int target : {-1, 3}) {
        std::string f = failure_of([&] { round_to_total({half, half}, BigInt(target)); });
        EXPECT_EQ(f.substr(0, 5), "22003") << f;
        EXPECT_NE(f.find(std::to_string(target)), std::string::npos) << f;
    }
    // Whole amounts cannot absorb a unit without leaving floor-or-ceil.
    std::string f = failure_of([] { round_to_total({Rational(1), Rational(2)}, BigInt(4)); });
    EXPECT_EQ(f.substr(0, 5), "22003") << f;
    f = failure_of([] { round_to_total({}, BigInt(1)); });
    EXPECT_EQ(f.substr(0, 5), "22003") << f;
}

TEST(RoundToTotal, RandomAmounts) {
    std::mt19937_64 rng(4242);
    for (int iter = 0; iter < 2000; ++iter) {
        size_t n = rng() % 9;
        std::vector<Rational> exact(n);
        BigInt floors;
        int64_t fractional = 0;
        for (Rational& x : exact) {
            x = Rational(BigInt(static_cast<int64_t>(rng() % 200001) - 100000),
                         BigInt(static_cast<int64_t>(rng() % 12 + 1)));
            floors += x.floor();
            if (Rational(x.floor()) != x) ++fractional;
        }
        BigInt target = floors + BigInt(static_cast<int64_t>(rng() % (fractional + 1)));
        std::vector<BigInt> got = round_to_total(exact, target);
        ASSERT_EQ(got.size(), n);
        BigInt sum;
        for (size_t i = 0; i < n; ++i) {
            BigInt lo = exact[i].floor();
            BigInt hi = Rational(lo) == exact[i] ? lo : lo + 1;
            ASSERT_TRUE(got[i] == lo || got[i] == hi) << "iteration " << iter << " item " << i;
            sum += got[i];
        }
        ASSERT_EQ(sum, target) << "iteration " << iter;
    }
}
