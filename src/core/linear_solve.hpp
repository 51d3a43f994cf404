// Exact linear solver for the reciprocal allocation method: service units that serve each
// other form a square system (I - P) x = direct cost, solved in exact rationals so that the
// allocated amounts are rounded only once, at the end.
#pragma once
#include "pure.hpp"

#include "rational.hpp"

#include <vector>

namespace cb::core {

// Solves a * x = b for square a by Gaussian elimination (pivot: the first non-zero entry of
// each column, rows swapped as needed). Error 22023 when a is singular or the sizes
// disagree.
std::vector<Rational> solve_exact(std::vector<std::vector<Rational>> a, std::vector<Rational> b);

// The same for several right-hand sides at once, one elimination: b and the result have a
// row per equation and a column per right-hand side.
std::vector<std::vector<Rational>> solve_exact_rows(std::vector<std::vector<Rational>> a,
                                                    std::vector<std::vector<Rational>> b);

}  // namespace cb::core
