#include "forecast.hpp"

#include "error.hpp"

#include <algorithm>
#include <array>
#include <cstddef>
#include <optional>
#include <string>

namespace cb::core {

namespace {

using u128 = unsigned __int128;

constexpr int kWeek = 7;
constexpr int kMinPerWeekday = 2;  // 2 samples + the plain fit's vote shed one spike
constexpr int128 kE18 = static_cast<int128>(1000000000000000000LL);
constexpr int128 kE13 = static_cast<int128>(10000000000000LL);

// Internal bound checks: with |daily| <= kForecastMaxDailyAmount and n <= 400 the worst case
// stays near 1e37, so these never fire; they turn a broken invariant into an error, not a wrap.
[[noreturn]] void arithmetic_overflow() {
    throw Error(sqlstate::numeric_value_out_of_range, "forecast arithmetic out of range",
                "daily totals are limited to 1e12 currency units");
}
int128 mul(int128 a, int128 b) {
    int128 r;
    if (!checked_mul(a, b, &r)) arithmetic_overflow();
    return r;
}
int128 add(int128 a, int128 b) {
    int128 r;
    if (!checked_add(a, b, &r)) arithmetic_overflow();
    return r;
}
int128 sub(int128 a, int128 b) { return add(a, -b); }
int128 abs128(int128 a) { return a < 0 ? -a : a; }

int128 gcd128(int128 a, int128 b) {
    a = abs128(a);
    b = abs128(b);
    while (b != 0) {
        int128 r = a % b;
        a = b;
        b = r;
    }
    return a;
}

// floor(sqrt(n)), digit by digit (no floating point).
u128 isqrt(u128 n) {
    u128 result = 0;
    u128 bit = static_cast<u128>(1) << 126;
    while (bit > n) bit >>= 2;
    while (bit != 0) {
        if (n >= result + bit) {
            n -= result + bit;
            result = (result >> 1) + bit;
        } else {
            result >>= 1;
        }
        bit >>= 2;
    }
    return result;
}

// Twice the median of v (an integer even when the median is the mean of two middles).
// Reorders v; v must not be empty.
int128 twice_median(std::vector<int128>& v) {
    size_t n = v.size(), mid = n / 2;
    std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(mid), v.end());
    int128 upper = v[mid];
    if (n % 2 == 1) return mul(upper, 2);
    int128 lower = *std::max_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(mid));
    return add(lower, upper);
}

struct Fraction {
    int128 num, den;  // den > 0
};

// Theil-Sen slope of y over t = 0..n-1: the median of the n(n-1)/2 pairwise slopes
// (mean of the two middle ones for an even count), exact. The slope is kept only when the
// Mann-Kendall test (the rank test that goes with Theil-Sen; S = sum of the signs of the
// pairwise differences, tie-corrected variance) finds a trend at the two-sided 5% level:
// extrapolating a slope that is mostly noise is the largest error source on flat spend.
// Zero for fewer than 3 points (no test can find a trend there).
Fraction trend_slope(const std::vector<int128>& y) {
    size_t n = y.size();
    if (n < 3) return {0, 1};
    struct PairSlope {
        int128 dy;
        int128 dx;  // > 0
    };
    std::vector<PairSlope> slopes;
    slopes.reserve(n * (n - 1) / 2);
    int128 mk_s = 0;
    for (size_t i = 0; i < n; ++i)
        for (size_t j = i + 1; j < n; ++j) {
            int128 dy = sub(y[j], y[i]);
            mk_s += (dy > 0) - (dy < 0);
            slopes.push_back({dy, static_cast<int128>(j - i)});
        }
    // 18 * Var(S) = n(n-1)(2n+5) - sum over groups of equal values of g(g-1)(2g+5).
    int128 nn = static_cast<int128>(n);
    int128 var18 = nn * (nn - 1) * (2 * nn + 5);
    std::vector<int128> sorted = y;
    std::sort(sorted.begin(), sorted.end());
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j < n && sorted[j] == sorted[i]) ++j;
        int128 g = static_cast<int128>(j - i);
        var18 -= g * (g - 1) * (2 * g + 5);
        i = j;
    }
    // Significant when (|S| - 1)^2 > 1.96^2 Var(S), i.e. 2500 * 18 (|S|-1)^2 > 9604 * var18.
    int128 excess = abs128(mk_s) - 1;
    if (excess <= 0 || 2500 * 18 * excess * excess <= 9604 * var18) return {0, 1};

    auto less = [](const PairSlope& a, const PairSlope& b) {
        return mul(a.dy, b.dx) < mul(b.dy, a.dx);
    };
    size_t count = slopes.size(), mid = count / 2;
    std::nth_element(slopes.begin(), slopes.begin() + static_cast<std::ptrdiff_t>(mid),
                     slopes.end(), less);
    PairSlope upper = slopes[mid];
    Fraction f;
    if (count % 2 == 1) {
        f = {upper.dy, upper.dx};
    } else {
        PairSlope lower = *std::max_element(
            slopes.begin(), slopes.begin() + static_cast<std::ptrdiff_t>(mid), less);
        f = {add(mul(lower.dy, upper.dx), mul(upper.dy, lower.dx)),
             mul(2, mul(lower.dx, upper.dx))};
    }
    int128 g = gcd128(f.num, f.den);
    if (g > 1) {
        f.num /= g;
        f.den /= g;
    }
    return f;
}

// A fitted day value is (a + b*t + s[t % 7]) / d, all integers, d > 0.
struct Model {
    int128 a = 0, b = 0, d = 1;
    std::array<int128, kWeek> s{};
    bool weekly = false;
    int128 mad2 = 0;  // twice the median absolute residual, in units of 1/d (plain fit's used)
};

int128 fitted_times_d(const Model& m, int64_t t) {
    return add(add(m.a, mul(m.b, t)), m.s[static_cast<size_t>(t % kWeek)]);
}

// Intercept (median of z - slope*t, z in units of 1/z_den) and residual MAD, completing m.
// The median of the residuals is then exactly zero, so their MAD is the median of |residual|.
void finish_fit(Model& m, const std::vector<int128>& y, const std::vector<int128>& z,
                int128 z_den, Fraction slope) {
    size_t n = y.size();
    std::vector<int128> w(n);
    for (size_t t = 0; t < n; ++t)
        w[t] = sub(mul(slope.den, z[t]), mul(slope.num, static_cast<int128>(t)));  // 1/(z_den*q)
    m.a = twice_median(w);                      // units of 1/(2*z_den*q)
    m.d = mul(mul(2, z_den), slope.den);
    m.b = mul(2, slope.num);  // slope / (z_den*q) == 2*num / d
    // The weekday effects were in units of 1/z_den: rescale to 1/d.
    for (auto& e : m.s) e = mul(e, mul(2, slope.den));
    for (size_t t = 0; t < n; ++t)
        w[t] = abs128(sub(mul(m.d, y[t]), fitted_times_d(m, static_cast<int64_t>(t))));
    m.mad2 = twice_median(w);
}

Model fit_plain(const std::vector<int128>& y, Fraction slope) {
    Model m;
    finish_fit(m, y, y, 1, slope);
    return m;
}

// Weekly profile on top of the plain fit. Each weekday's effect is the median of its
// detrended samples (q*y - p*t, doubled: units 1/(2q)) plus one extra vote for the plain fit's
// intercept, so a weekday with 2 samples moves only when both agree, and one spike never
// moves it. Effects end up in units 1/(4q); then Theil-Sen again on z = y - effect.
Model fit_weekly(const std::vector<int128>& y, const Model& plain, Fraction plain_slope,
                 std::array<int128, kWeek>* effects) {
    size_t n = y.size();
    std::array<std::vector<int128>, kWeek> votes;
    for (size_t t = 0; t < n; ++t)
        votes[t % kWeek].push_back(mul(2, sub(mul(plain_slope.den, y[t]),
                                              mul(plain_slope.num, static_cast<int128>(t)))));
    for (size_t w = 0; w < kWeek; ++w) {
        votes[w].push_back(plain.a);
        (*effects)[w] = twice_median(votes[w]);
    }
    int128 z_den = mul(4, plain_slope.den);
    std::vector<int128> z(n);
    for (size_t t = 0; t < n; ++t) z[t] = sub(mul(z_den, y[t]), (*effects)[t % kWeek]);
    Model m;
    m.weekly = true;
    m.s = *effects;
    finish_fit(m, y, z, z_den, trend_slope(z));
    return m;
}

[[noreturn]] void bad_day(const char* what, int32_t day, int32_t bound) {
    throw Error(sqlstate::invalid_parameter_value,
                std::string("forecast: ") + what,
                "day " + std::to_string(day) + ", bound " + std::to_string(bound) +
                    " (days since 2000-01-01)");
}

}  // namespace

Forecast forecast_period(std::vector<DailyAmount> days, int32_t period_start, int32_t period_end) {
    if (days.empty()) return {0, 0, 0};
    int32_t first = days[0].day, last = days[0].day;
    for (const auto& d : days) {
        first = std::min(first, d.day);
        last = std::max(last, d.day);
    }
    int32_t start = period_start == kPeriodStartFromData ? first : period_start;
    if (period_end < start) bad_day("period_end is before the period start", period_end, start);
    if (last > period_end) bad_day("a day lies after period_end", last, period_end);
    if (first < start) bad_day("a day lies before period_start", first, start);
    int64_t span = static_cast<int64_t>(period_end) - start + 1;
    if (span > kForecastMaxDays)
        throw Error(sqlstate::program_limit_exceeded,
                    "forecast period of " + std::to_string(span) + " days is too long",
                    "a period spans at most " + std::to_string(kForecastMaxDays) + " days");

    // Daily totals over the observed window t = 0..n-1 (missing days are 0).
    size_t n = static_cast<size_t>(static_cast<int64_t>(last) - start + 1);
    std::vector<int128> y(n, 0);
    for (const auto& d : days) {
        int128& slot = y[static_cast<size_t>(static_cast<int64_t>(d.day) - start)];
        if (!checked_add(slot, d.amount, &slot))
            throw Error(sqlstate::numeric_value_out_of_range, "forecast daily total out of range");
    }
    int128 spent = 0;
    for (size_t t = 0; t < n; ++t) {
        if (abs128(y[t]) > kForecastMaxDailyAmount)
            throw Error(sqlstate::numeric_value_out_of_range,
                        "forecast daily total out of range",
                        "a day's total must lie within +-1e12 currency units");
        spent = add(spent, y[t]);
    }
    int64_t remaining = static_cast<int64_t>(period_end) - last;
    if (remaining == 0) return {spent, spent, spent};

    Fraction plain_slope = trend_slope(y);
    const Model plain = fit_plain(y, plain_slope);
    Model model = plain;
    std::array<int128, kWeek> effects{};
    if (n >= static_cast<size_t>(kWeek * kMinPerWeekday)) {
        Model weekly = fit_weekly(y, plain, plain_slope, &effects);
        // Effects are in units 1/(4q), as is the plain fit's doubled MAD; keep the profile
        // when its range > 3 * 1.4826 * MAD: range * 10000 > 3 * 14826 * mad2.
        auto [lo, hi] = std::minmax_element(effects.begin(), effects.end());
        if (mul(sub(*hi, *lo), 10000) > mul(3 * 14826, plain.mad2)) model = weekly;
    }

    // Projection: sum of max(0, fitted) / d over the remaining days, kept as quotient and
    // remainder so that it is exact and cannot overflow, rounded once.
    int64_t last_t = static_cast<int64_t>(n) - 1, end_t = span - 1;
    int128 whole = 0, rem = 0;
    std::array<int128, kWeek> future_per_weekday{};
    int128 two_s = 0;  // 2 * sum over future days of (t - mean observed t)
    for (int64_t t = last_t + 1; t <= end_t; ++t) {
        int128 v = fitted_times_d(model, t);
        if (v > 0) {
            whole = add(whole, v / model.d);
            rem = add(rem, v % model.d);
        }
        future_per_weekday[static_cast<size_t>(t % kWeek)] += 1;
        two_s += 2 * t - last_t;
    }
    int128 extra = add(whole, div_round_half_up(rem, model.d));
    int128 projected = add(spent, extra);

    // Band (see the header): G * 1e18 = R + (11/7) R^2/n + S^2/Sxx [+ (11/7) sum f_w^2/k_w].
    int128 r = remaining, nn = static_cast<int128>(n);
    int128 g18 = mul(r, kE18);
    g18 = add(g18, mul(11, mul(mul(r, r), kE18)) / (7 * nn));
    if (n >= 2) {
        int128 four_sxx = nn * (nn * nn - 1) / 3;  // 4 * sum (t - mean)^2
        g18 = add(g18, mul(mul(two_s, two_s), kE18) / four_sxx);
    }
    if (model.weekly) {
        for (size_t w = 0; w < kWeek; ++w) {
            int128 f = future_per_weekday[w];
            int128 k = (nn - static_cast<int128>(w) + kWeek - 1) / kWeek;  // samples of weekday w
            g18 = add(g18, mul(11, mul(mul(f, f), kE18)) / (7 * k));
        }
    }
    int128 sqrt_g9 = static_cast<int128>(isqrt(static_cast<u128>(g18)));  // sqrt(G) * 1e9
    // band = 2 * 1.4826 * MAD * sqrt(G), MAD = mad2 / (2d) in amount units:
    // band = mad * 29652 * sqrt_g9 / 1e13, with mad split to stay inside 128 bits.
    // The residual scale comes from the plain fit even when the weekly profile is used: a
    // median of a weekday's 2-4 votes sits on one of them and would understate the noise; a
    // cycle on fewer than half the days leaves the plain MAD alone, a larger one widens it.
    int128 mad = div_round_half_up(plain.mad2, mul(2, plain.d));
    int128 factor = mul(29652, sqrt_g9);
    int128 band = add(mul(mad / kE13, factor), div_round_half_up(mul(mad % kE13, factor), kE13));

    Forecast out;
    out.projected = projected;
    out.low = std::max(spent, sub(projected, band));  // booked spend cannot be undone
    out.high = add(projected, band);
    return out;
}

int128 forecast_amount_from_text(std::string_view decimal) {
    bool overflow = false;
    auto parsed = parse_decimal(decimal, &overflow);
    if (!parsed)
        throw Error(sqlstate::invalid_text_representation,
                    "invalid amount \"" + std::string(decimal) + "\"",
                    "an amount is a decimal number such as 12.34");
    std::optional<int128> v;
    if (!overflow)
        v = rescale(*parsed, kForecastScale, Rounding::half_up, kForecastMaxDailyAmount, &overflow);
    if (overflow || !v)
        throw Error(sqlstate::numeric_value_out_of_range,
                    "amount \"" + std::string(decimal) + "\" is out of range",
                    "a forecast amount lies within +-1e12 currency units");
    return *v;
}

std::string forecast_amount_text(int128 v) { return format_scaled(v, kForecastScale); }

}  // namespace cb::core
