// Exact Gaussian elimination for reciprocal allocation (src/core/linear_solve.hpp).
#include "core/linear_solve.hpp"

#include "core/error.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <numeric>
#include <random>
#include <string>
#include <vector>

using cb::core::BigInt;
using cb::core::Error;
using cb::core::Rational;
using cb::core::solve_exact;

namespace {

using Matrix = std::vector<std::vector<Rational>>;

Matrix matrix(const std::vector<std::vector<int>>& rows) {
    Matrix m;
    for (const auto& r : rows) m.emplace_back(r.begin(), r.end());
    return m;
}

std::vector<Rational> vec(const std::vector<int>& v) { return {v.begin(), v.end()}; }

// An independent determinant (Leibniz formula over all permutations), to tell singular
// random systems from solvable ones without trusting the solver.
Rational determinant(const Matrix& a) {
    const size_t n = a.size();
    std::vector<size_t> p(n);
    std::iota(p.begin(), p.end(), size_t{0});
    Rational det;
    do {
        int inversions = 0;
        for (size_t i = 0; i < n; ++i) {
            for (size_t j = i + 1; j < n; ++j) inversions += p[i] > p[j];
        }
        Rational term(inversions % 2 == 0 ? 1 : -1);
        for (size_t i = 0; i < n && !term.is_zero(); ++i) term *= a[i][p[i]];
        det += term;
    } while (std::next_permutation(p.begin(), p.end()));
    return det;
}

void expect_solves(const Matrix& a, const std::vector<Rational>& b,
                   const std::vector<Rational>& x) {
    ASSERT_EQ(x.size(), b.size());
    for (size_t i = 0; i < a.size(); ++i) {
        Rational s;
        for (size_t k = 0; k < a.size(); ++k) s += a[i][k] * x[k];
        ASSERT_EQ(s, b[i]) << "row " << i;
    }
}

Error caught(const std::function<void()>& f) {
    try {
        f();
    } catch (const Error& e) {
        return e;
    }
    return Error("00000", "no error");
}

}  // namespace

TEST(LinearSolve, Small) {
    auto x = solve_exact(matrix({{1, 1}, {1, -1}}), vec({3, 1}));
    EXPECT_EQ(x, vec({2, 1}));
    // The first pivot is zero: rows must be swapped.
    x = solve_exact(matrix({{0, 1}, {1, 0}}), vec({2, 3}));
    EXPECT_EQ(x, vec({3, 2}));
    x = solve_exact(matrix({{3}}), vec({1}));
    EXPECT_EQ(x[0], Rational(BigInt(1), BigInt(3)));
    EXPECT_TRUE(solve_exact({}, {}).empty());
}

// Two service departments serving each other: S1 gives 20% of its cost to S2, S2 gives 10%
// to S1; direct costs 1000 and 500. Reciprocal costs: x1 = 1000 + 0.1 x2, x2 = 500 + 0.2 x1.
TEST(LinearSolve, ReciprocalServiceDepartments) {
    Matrix a = {{Rational(1), -Rational::parse("0.1")}, {-Rational::parse("0.2"), Rational(1)}};
    auto x = solve_exact(a, vec({1000, 500}));
    EXPECT_EQ(x[0].to_exact_decimal(10, nullptr), "1071.4285714286");
    EXPECT_EQ(x[0], Rational(BigInt(105000), BigInt(98)));
    EXPECT_EQ(x[1], Rational(BigInt(70000), BigInt(98)));
    expect_solves(a, vec({1000, 500}), x);
}

TEST(LinearSolve, SingularSystems) {
    // Two units allocating everything to each other: I - P = [[1, -1], [-1, 1]].
    Error e = caught([] { solve_exact(matrix({{1, -1}, {-1, 1}}), vec({10, 20})); });
    EXPECT_STREQ(e.sqlstate(), "22023");
    EXPECT_STREQ(e.what(), "the reciprocal allocation system is singular");
    EXPECT_NE(e.hint().find("give one of them a target outside the group"), std::string::npos);
    e = caught([] { solve_exact(matrix({{0, 0}, {0, 0}}), vec({0, 0})); });
    EXPECT_STREQ(e.sqlstate(), "22023");
    e = caught([] { solve_exact(matrix({{1, 2, 3}, {2, 4, 6}, {0, 1, 1}}), vec({1, 2, 3})); });
    EXPECT_STREQ(e.sqlstate(), "22023");
}

TEST(LinearSolve, MismatchedSizes) {
    Error e = caught([] { solve_exact(matrix({{1, 2}, {3, 4}}), vec({1})); });
    EXPECT_STREQ(e.sqlstate(), "22023");
    EXPECT_NE(std::string(e.what()).find("mismatched"), std::string::npos);
    e = caught([] { solve_exact(matrix({{1, 2}, {3}}), vec({1, 2})); });
    EXPECT_STREQ(e.sqlstate(), "22023");
    e = caught([] { solve_exact(matrix({{1, 2}}), vec({1})); });
    EXPECT_STREQ(e.sqlstate(), "22023");
}

// Random 2..6 systems with small integer coefficients (many zeros, so that pivots are
// often zero): solvable iff the determinant is non-zero, and then a*x == b exactly.
TEST(LinearSolve, RandomSystems) {
    std::mt19937_64 rng(600613);
    int solved = 0, singular = 0;
    for (int iter = 0; iter < 600; ++iter) {
        size_t n = 2 + rng() % 5;
        Matrix a(n, std::vector<Rational>(n));
        std::vector<Rational> b(n);
        for (auto& row : a) {
            for (Rational& c : row) {
                c = rng() % 3 == 0 ? Rational(0) : Rational(static_cast<int>(rng() % 11) - 5);
            }
        }
        for (Rational& c : b) c = Rational(static_cast<int>(rng() % 201) - 100);
        if (iter % 10 == 0) a[n - 1] = a[0];  // force some singular ones
        bool is_singular = determinant(a).is_zero();
        if (is_singular) {
            ASSERT_STREQ(caught([&] { solve_exact(a, b); }).sqlstate(), "22023")
                << "iteration " << iter;
            ++singular;
        } else {
            expect_solves(a, b, solve_exact(a, b));
            ASSERT_FALSE(HasFatalFailure()) << "iteration " << iter;
            ++solved;
        }
    }
    EXPECT_GT(solved, 300);
    EXPECT_GT(singular, 50);
}
