#include "linear_solve.hpp"

#include "error.hpp"
#include "interrupt.hpp"

#include <string>
#include <utility>

namespace cb::core {

namespace {

[[noreturn]] void mismatched(const std::string& detail) {
    throw Error(sqlstate::invalid_parameter_value,
                "the reciprocal allocation system has mismatched sizes", detail);
}

}  // namespace

std::vector<std::vector<Rational>> solve_exact_rows(std::vector<std::vector<Rational>> a,
                                                    std::vector<std::vector<Rational>> b) {
    if (b.size() != a.size()) {
        mismatched(std::to_string(a.size()) + " equations but " + std::to_string(b.size()) +
                   " right-hand sides.");
    }
    const size_t n = a.size();
    const size_t m = n ? b[0].size() : 0;
    for (size_t i = 0; i < n; ++i) {
        if (a[i].size() != n) {
            mismatched("Equation " + std::to_string(i) + " has " + std::to_string(a[i].size()) +
                       " coefficients, expected " + std::to_string(n) + ".");
        }
        if (b[i].size() != m) {
            mismatched("Right-hand side " + std::to_string(i) + " has " + std::to_string(b[i].size()) +
                       " columns, expected " + std::to_string(m) + ".");
        }
    }
    // Forward elimination to upper triangular form. Exact arithmetic needs no pivot by
    // magnitude for stability: any non-zero pivot is exact.
    for (size_t col = 0; col < n; ++col) {
        size_t pivot = col;
        while (pivot < n && a[pivot][col].is_zero()) ++pivot;
        if (pivot == n) {
            throw Error(sqlstate::invalid_parameter_value,
                        "the reciprocal allocation system is singular", {},
                        "two service units allocate all of their cost to each other; give one "
                        "of them a target outside the group");
        }
        if (pivot != col) {
            std::swap(a[pivot], a[col]);
            std::swap(b[pivot], b[col]);
        }
        for (size_t row = col + 1; row < n; ++row) {
            check_interrupts();  // a row costs n + m exact operations: cancellable at each
            if (a[row][col].is_zero()) continue;
            const Rational factor = a[row][col] / a[col][col];
            a[row][col] = Rational();
            for (size_t k = col + 1; k < n; ++k) {
                if (!a[col][k].is_zero()) a[row][k] -= factor * a[col][k];
            }
            for (size_t j = 0; j < m; ++j) {
                if (!b[col][j].is_zero()) b[row][j] -= factor * b[col][j];
            }
        }
    }
    // Back substitution, every column at once.
    std::vector<std::vector<Rational>> x(n, std::vector<Rational>(m));
    for (size_t i = n; i-- > 0;) {
        check_interrupts();
        for (size_t j = 0; j < m; ++j) {
            Rational s = b[i][j];
            for (size_t k = i + 1; k < n; ++k) {
                if (!a[i][k].is_zero() && !x[k][j].is_zero()) s -= a[i][k] * x[k][j];
            }
            x[i][j] = s / a[i][i];
        }
    }
    return x;
}

std::vector<Rational> solve_exact(std::vector<std::vector<Rational>> a, std::vector<Rational> b) {
    std::vector<std::vector<Rational>> rows;
    rows.reserve(b.size());
    for (Rational& v : b) rows.push_back({std::move(v)});
    std::vector<std::vector<Rational>> x = solve_exact_rows(std::move(a), std::move(rows));
    std::vector<Rational> out;
    out.reserve(x.size());
    for (auto& r : x) out.push_back(std::move(r[0]));
    return out;
}

}  // namespace cb::core
