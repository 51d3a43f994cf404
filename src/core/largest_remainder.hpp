// The rounding heart of chargeback allocation: split an amount of minor units over weights
// so that the shares add up to the amount exactly (the largest remainder method).
#pragma once
#include "pure.hpp"

#include "bigint.hpp"
#include "decimal.hpp"
#include "rational.hpp"

#include <vector>

namespace cb::core {

// Splits total_units (an integer number of currency minor units; any sign) over weights
// (exact, each >= 0) in proportion; the shares sum exactly to total_units, each share is
// within one unit of its exact proportion (floor or ceil of it), and equal remainders go to
// the lower index (callers order inputs so that this is deterministic). A negative total is
// split as the mirror of the positive one: share(-T) = -share(T). When every weight is zero
// (or there are none but total is 0), the split is even (same rule, all weights 1).
// Throws Error 22023 for a negative weight (message names the value and index), and
// 22023 when weights is empty but total_units != 0 ("nothing to allocate to").
std::vector<BigInt> largest_remainder(const BigInt& total_units,
                                      const std::vector<Rational>& weights);

// Fast path for the window function: weights already integers at a common scale.
// Uses native int128 arithmetic when total*weight and the weight sum fit, and falls back to
// the BigInt version otherwise; identical results either way.
std::vector<int128> largest_remainder_int(int128 total_units, const std::vector<int128>& weights);

// Rounds exact amounts (in minor units, any sign) to integers that sum exactly to
// target_units: floor each, then hand the missing units to the largest fractional parts
// (ties to the lower index), so every result is the floor or the ceiling of its amount.
// That is possible exactly when 0 <= target - sum(floors) <= (number of non-integral
// amounts); otherwise Error 22003. Used to round a whole allocation run once, at the end.
std::vector<BigInt> round_to_total(const std::vector<Rational>& exact_units,
                                   const BigInt& target_units);

}  // namespace cb::core
