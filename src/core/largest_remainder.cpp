#include "largest_remainder.hpp"

#include "error.hpp"
#include "interrupt.hpp"

#include <algorithm>
#include <numeric>
#include <string>

namespace cb::core {

namespace {

// Adds one unit to the `missing` shares with the largest remainders, equal remainders to
// the lower index. The one tie rule shared by every entry point, so that the int128 fast
// path and the BigInt path cannot disagree.
template <typename Share, typename Remainder>
void hand_out(std::vector<Share>& shares, const std::vector<Remainder>& remainders,
              size_t missing) {
    std::vector<size_t> order(shares.size());
    std::iota(order.begin(), order.end(), size_t{0});
    auto first = [&remainders](size_t a, size_t b) {
        if (remainders[a] != remainders[b]) return remainders[b] < remainders[a];
        return a < b;
    };
    std::partial_sort(order.begin(), order.begin() + static_cast<ptrdiff_t>(missing),
                      order.end(), first);
    for (size_t k = 0; k < missing; ++k) shares[order[k]] += 1;
}

std::string describe(const Rational& w) {
    bool exact = false;
    std::string s = w.to_exact_decimal(38, &exact);
    if (exact) return s;
    return w.num().to_string() + "/" + w.den().to_string();
}

[[noreturn]] void negative_weight(const std::string& value, size_t index) {
    throw Error(sqlstate::invalid_parameter_value,
                "allocation weight " + value + " at index " + std::to_string(index) +
                    " is negative",
                {}, "Weights must be zero or positive.");
}

[[noreturn]] void nothing_to_allocate_to(const std::string& total) {
    throw Error(sqlstate::invalid_parameter_value, "nothing to allocate to",
                "An amount of " + total + " units has no recipients.");
}

// The BigInt split over integer weights (each >= 0).
std::vector<BigInt> split_big(const BigInt& total, std::vector<BigInt> weights) {
    BigInt sum;
    for (const BigInt& w : weights) sum += w;
    if (sum.is_zero()) {
        std::fill(weights.begin(), weights.end(), BigInt(1));
        sum = BigInt(static_cast<int64_t>(weights.size()));
    }
    const BigInt t = total.abs();  // split |T|, then mirror
    std::vector<BigInt> shares(weights.size()), remainders(weights.size());
    BigInt given;
    for (size_t i = 0; i < weights.size(); ++i) {
        check_interrupts_every(i);
        BigInt::floor_divmod(t * weights[i], sum, shares[i], remainders[i]);
        given += shares[i];
    }
    // The floors fall short by sum(remainders) / sum < count units.
    hand_out(shares, remainders, static_cast<size_t>((t - given).to_int128()));
    if (total.sign() < 0) {
        for (BigInt& s : shares) s = -s;
    }
    return shares;
}

// The native split; false when some intermediate would not fit (then nothing is written).
bool split_native(int128 total, const std::vector<int128>& weights, std::vector<int128>& out) {
    if (total < -kInt128Max) return false;  // |total| would not fit
    int128 sum = 0;
    for (int128 w : weights) {
        if (!checked_add(sum, w, &sum)) return false;
    }
    const bool even = sum == 0;
    if (even) sum = static_cast<int128>(weights.size());
    const int128 t = total < 0 ? -total : total;
    std::vector<int128> shares(weights.size()), remainders(weights.size());
    int128 given = 0;
    for (size_t i = 0; i < weights.size(); ++i) {
        check_interrupts_every(i);
        int128 product;
        if (!checked_mul(t, even ? 1 : weights[i], &product)) return false;
        shares[i] = product / sum;  // both >= 0: truncation is floor
        remainders[i] = product % sum;
        given += shares[i];  // sum of floors <= t: cannot overflow
    }
    hand_out(shares, remainders, static_cast<size_t>(t - given));
    if (total < 0) {
        for (int128& s : shares) s = -s;
    }
    out = std::move(shares);
    return true;
}

}  // namespace

std::vector<BigInt> largest_remainder(const BigInt& total_units,
                                      const std::vector<Rational>& weights) {
    for (size_t i = 0; i < weights.size(); ++i) {
        if (weights[i].sign() < 0) negative_weight(describe(weights[i]), i);
    }
    if (weights.empty()) {
        if (!total_units.is_zero()) nothing_to_allocate_to(total_units.to_string());
        return {};
    }
    // Scale every weight by the common denominator: proportions are unchanged and the
    // remainders become integers that compare cheaply.
    BigInt common(1), q, r;
    for (size_t i = 0; i < weights.size(); ++i) {
        check_interrupts_every(i);
        const Rational& w = weights[i];
        BigInt::floor_divmod(common, BigInt::gcd(common, w.den()), q, r);
        common = q * w.den();
    }
    std::vector<BigInt> scaled(weights.size());
    for (size_t i = 0; i < weights.size(); ++i) {
        check_interrupts_every(i);
        BigInt::floor_divmod(common, weights[i].den(), q, r);
        scaled[i] = weights[i].num() * q;
    }
    return split_big(total_units, std::move(scaled));
}

std::vector<int128> largest_remainder_int(int128 total_units, const std::vector<int128>& weights) {
    for (size_t i = 0; i < weights.size(); ++i) {
        if (weights[i] < 0) negative_weight(BigInt(weights[i]).to_string(), i);
    }
    if (weights.empty()) {
        if (total_units != 0) nothing_to_allocate_to(BigInt(total_units).to_string());
        return {};
    }
    std::vector<int128> out;
    if (split_native(total_units, weights, out)) return out;
    std::vector<BigInt> big(weights.begin(), weights.end());
    std::vector<BigInt> shares = split_big(BigInt(total_units), std::move(big));
    out.reserve(shares.size());
    // Every |share| <= |total|, so each fits.
    for (const BigInt& s : shares) out.push_back(s.to_int128());
    return out;
}

std::vector<BigInt> round_to_total(const std::vector<Rational>& exact_units,
                                   const BigInt& target_units) {
    std::vector<BigInt> floors(exact_units.size());
    std::vector<Rational> fractions(exact_units.size());
    BigInt floor_sum;
    int64_t fractional = 0;  // amounts that are not whole units
    for (size_t i = 0; i < exact_units.size(); ++i) {
        check_interrupts_every(i);
        floors[i] = exact_units[i].floor();
        fractions[i] = exact_units[i] - Rational(floors[i]);
        floor_sum += floors[i];
        if (!fractions[i].is_zero()) ++fractional;
    }
    BigInt missing = target_units - floor_sum;
    if (missing.sign() < 0 || missing > BigInt(fractional)) {
        throw Error(sqlstate::numeric_value_out_of_range,
                    "cannot round the allocated amounts to their total of " +
                        target_units.to_string() + " units",
                    "Rounding each amount down or up gives totals from " +
                        floor_sum.to_string() + " to " +
                        (floor_sum + BigInt(fractional)).to_string() + " units.");
    }
    hand_out(floors, fractions, static_cast<size_t>(missing.to_int128()));
    return floors;
}

}  // namespace cb::core
