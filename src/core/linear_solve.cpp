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

void check_sizes(const std::vector<std::vector<Rational>>& a, const std::vector<Rational>& b) {
    if (b.size() != a.size()) {
        mismatched(std::to_string(a.size()) + " equations but " + std::to_string(b.size()) +
                   " right-hand sides.");
    }
    for (size_t i = 0; i < a.size(); ++i) {
        if (a[i].size() != a.size()) {
            mismatched("Equation " + std::to_string(i) + " has " +
                       std::to_string(a[i].size()) + " coefficients, expected " +
                       std::to_string(a.size()) + ".");
        }
    }
}

}  // namespace

std::vector<Rational> solve_exact(std::vector<std::vector<Rational>> a, std::vector<Rational> b) {
    check_sizes(a, b);
    const size_t n = a.size();
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
            check_interrupts();  // a row costs n exact operations: cancellable at each
            if (a[row][col].is_zero()) continue;
            const Rational factor = a[row][col] / a[col][col];
            a[row][col] = Rational();
            for (size_t k = col + 1; k < n; ++k) {
                if (!a[col][k].is_zero()) a[row][k] -= factor * a[col][k];
            }
            b[row] -= factor * b[col];
        }
    }
    // Back substitution.
    std::vector<Rational> x(n);
    for (size_t i = n; i-- > 0;) {
        check_interrupts();
        Rational s = b[i];
        for (size_t k = i + 1; k < n; ++k) {
            if (!a[i][k].is_zero()) s -= a[i][k] * x[k];
        }
        x[i] = s / a[i][i];
    }
    return x;
}

}  // namespace cb::core
