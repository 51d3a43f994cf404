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

constexpr size_t kMinTrendDays = 3;

ForecastResult complete_result(int128 spent) {
    ForecastResult r;
    r.projected = r.low = r.high = r.spent = spent;
    r.method = ForecastMethod::actual;
    r.state = ForecastState::complete;
    return r;
}

// spent + remaining * max(0, total / n), band +-half of the remaining days' projection.
ForecastResult run_rate_result(int128 spent, int128 total, int64_t n, int64_t remaining) {
    ForecastResult r;
    r.spent = spent;
    int128 rest = 0;
    if (n > 0 && total > 0) {
        // total <= 400 * 1e24 and remaining <= 400: total * remaining stays near 1.6e29.
        rest = div_round_half_up(mul(total, remaining), n);
    }
    r.projected = add(spent, rest);
    r.low = add(spent, rest / 2);
    r.high = add(r.projected, rest / 2);
    r.method = ForecastMethod::run_rate;
    r.state = ForecastState::insufficient_history;
    return r;
}

}  // namespace

unsigned __int128 isqrt(unsigned __int128 n) {
    using u128 = unsigned __int128;
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

const char* forecast_method_name(ForecastMethod m) {
    switch (m) {
        case ForecastMethod::actual: return "actual";
        case ForecastMethod::run_rate: return "run_rate";
        case ForecastMethod::trend: return "trend";
        case ForecastMethod::level: return "level";
        case ForecastMethod::weekly: return "weekly";
    }
    return "unknown";
}

const char* forecast_state_name(ForecastState s) {
    switch (s) {
        case ForecastState::ok: return "ok";
        case ForecastState::insufficient_history: return "insufficient_history";
        case ForecastState::complete: return "complete";
    }
    return "unknown";
}

Forecast forecast_period(std::vector<DailyAmount> days, int32_t period_start, int32_t period_end) {
    ForecastResult r = forecast_period_detail(std::move(days), period_start, period_end);
    return {r.projected, r.low, r.high};
}

ForecastResult forecast_period_detail(std::vector<DailyAmount> days, int32_t period_start,
                                      int32_t period_end) {
    if (days.empty()) return {};
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
    if (remaining == 0) return complete_result(spent);
    // One or two days say nothing about the noise (one day gave a zero-width band, two a
    // band of many times the month): a run rate, honestly labelled, with a bounded band.
    if (n < kMinTrendDays) return run_rate_result(spent, spent, static_cast<int64_t>(n), remaining);

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

    ForecastResult out;
    out.spent = spent;
    out.projected = projected;
    out.low = std::max(spent, sub(projected, band));  // booked spend cannot be undone
    out.high = add(projected, band);
    out.method = ForecastMethod::trend;
    out.state = ForecastState::ok;
    return out;
}

// ---------------------------------------------------------------------------------------
// History-aware forecast (see the header).

namespace {

constexpr int128 kPpm = 1000000;
constexpr int kHistoryMinDays = 7;   // with fewer history days, the period's own 3 are needed
constexpr int kProfileMinDays = 21;  // 3 samples a weekday before a weekly profile
constexpr int kProfileFullSamples = 4;

// The method's constants, chosen by the backtest (test/bench/forecast_backtest.cpp).
struct HistoryTuning {
    int level_days = 14;  // level: median of the last 14 deseasonalised, detrended days
    int blend = 0;        // the level's window spans history and period alike (no blend weight)
    int profile = 1;      // weekly profile from 21 days
    int k100 = 130;       // band multiplier (percent) on 1.2816 sigma
    int q1000 = 200;      // relative model error of the level (per mille): drift, steps, spikes
    int trend = 1;        // Mann-Kendall significant Theil-Sen slope
    int damp = 100;       // percent of the slope projected
    int recent = 5;       // step detection: the median of the last 5 days...
    int shift100 = 400;   // ...replaces the level when it is 4 sigmas (of such a median) away
    int skew = 0;         // adding the mean's excess over the median (recurring spikes) was worse
};
constexpr HistoryTuning kTuning{};

int128 median_of(std::vector<int128> v) { return div_round_half_up(twice_median(v), 2); }

// Theil-Sen slope per day (rounded to a unit) of values z at days t, kept only when the
// Mann-Kendall test finds a trend at the two-sided 5% level (with always, kept anyway).
int128 slope_per_day(const std::vector<int64_t>& t, const std::vector<int128>& z, bool always) {
    size_t n = z.size();
    if (n < 3) return 0;
    std::vector<Fraction> slopes;
    slopes.reserve(n * (n - 1) / 2);
    int128 mk_s = 0;
    for (size_t i = 0; i < n; ++i)
        for (size_t j = i + 1; j < n; ++j) {
            int128 dy = sub(z[j], z[i]);
            mk_s += (dy > 0) - (dy < 0);
            slopes.push_back({dy, static_cast<int128>(t[j] - t[i])});
        }
    if (!always) {
        int128 nn = static_cast<int128>(n);
        int128 var18 = nn * (nn - 1) * (2 * nn + 5);
        std::vector<int128> sorted = z;
        std::sort(sorted.begin(), sorted.end());
        for (size_t i = 0; i < n;) {
            size_t j = i;
            while (j < n && sorted[j] == sorted[i]) ++j;
            int128 g = static_cast<int128>(j - i);
            var18 -= g * (g - 1) * (2 * g + 5);
            i = j;
        }
        int128 excess = abs128(mk_s) - 1;
        if (excess <= 0 || 2500 * 18 * excess * excess <= 9604 * var18) return 0;
    }
    auto less = [](const Fraction& a, const Fraction& b) { return mul(a.num, b.den) < mul(b.num, a.den); };
    size_t mid = slopes.size() / 2;
    std::nth_element(slopes.begin(), slopes.begin() + static_cast<std::ptrdiff_t>(mid), slopes.end(), less);
    return div_round_half_up(slopes[mid].num, slopes[mid].den);
}

size_t weekday_of(int64_t day) { return static_cast<size_t>(((day % kWeek) + kWeek) % kWeek); }

}  // namespace

HistoryModel fit_history_model(const std::vector<int128>& y, int64_t first, size_t h) {
    const HistoryTuning& tune = kTuning;
    const size_t n = y.size(), p = n - h;
    HistoryModel model;
    // Weekly profile over the last 8 weeks, parts per million of the mean day.
    const size_t window = std::min<size_t>(n, kForecastHistoryDays);
    const size_t ws = n - window;
    std::array<int128, kWeek>& factor = model.factor;
    factor.fill(kPpm);
    if (tune.profile && window >= static_cast<size_t>(kProfileMinDays)) {
        std::array<std::vector<int128>, kWeek> samples;
        for (size_t t = ws; t < n; ++t) samples[weekday_of(first + static_cast<int64_t>(t))].push_back(y[t]);
        std::array<int128, kWeek> med{};
        int128 sum_med = 0;
        bool usable = true;
        for (size_t w = 0; w < kWeek; ++w) {
            med[w] = median_of(samples[w]);
            if (med[w] < 0) usable = false;
            sum_med = add(sum_med, med[w]);
        }
        if (usable && sum_med > 0) {
            for (size_t w = 0; w < kWeek; ++w) {
                int128 raw = div_round_half_up(mul(mul(med[w], kWeek), kPpm), sum_med);
                // Few samples: halfway to flat (one odd week must not set a weekday's level).
                factor[w] = samples[w].size() < static_cast<size_t>(kProfileFullSamples)
                                ? div_round_half_up(add(raw, kPpm), 2)
                                : raw;
            }
            model.weekly = true;
        }
    }

    // Deseasonalised days z = y / factor (days of a weekday with factor 0 carry no level).
    struct Point {
        size_t t;
        int128 z;
    };
    std::vector<Point> z;
    for (size_t t = ws; t < n; ++t) {
        int128 f = factor[weekday_of(first + static_cast<int64_t>(t))];
        if (f > 0) z.push_back({t, div_round_half_up(mul(y[t], kPpm), f)});
    }

    // Trend of the deseasonalised days over the window.
    int128 slope = 0;
    if (tune.trend > 0) {
        std::vector<int64_t> ts;
        std::vector<int128> zs;
        for (const Point& pt : z) {
            ts.push_back(static_cast<int64_t>(pt.t));
            zs.push_back(pt.z);
        }
        slope = div_round_half_up(mul(slope_per_day(ts, zs, tune.trend == 2), tune.damp), 100);
        // Detrend to the last observed day: z + slope * (L - t).
        for (Point& pt : z) pt.z = add(pt.z, mul(slope, static_cast<int128>(n - 1 - pt.t)));
    }

    // Level at the last observed day.
    auto median_since = [&](size_t from, size_t to, std::vector<int128>* out_values) {
        std::vector<int128> v;
        for (const Point& pt : z)
            if (pt.t >= from && pt.t < to) v.push_back(pt.z);
        if (out_values) *out_values = v;
        return v;
    };
    const size_t level_days = static_cast<size_t>(std::max(1, tune.level_days));
    int128 level = 0;
    std::vector<int128> level_sample;
    if (tune.blend <= 0 || h == 0 || p == 0) {
        std::vector<int128> v = median_since(n > level_days ? n - level_days : 0, n, &level_sample);
        if (!v.empty()) level = median_of(v);
    } else {
        std::vector<int128> hv = median_since(h > level_days ? h - level_days : 0, h, nullptr);
        std::vector<int128> pv = median_since(h, n, nullptr);
        level_sample = hv;
        level_sample.insert(level_sample.end(), pv.begin(), pv.end());
        int128 k = tune.blend, pp = static_cast<int128>(pv.size());
        if (hv.empty()) {
            level = pv.empty() ? 0 : median_of(pv);
        } else if (pv.empty()) {
            level = median_of(hv);
        } else {
            level = div_round_half_up(add(mul(median_of(hv), k), mul(median_of(pv), pp)), add(k, pp));
        }
    }

    // Band scale: sigma = 1.4826 * MAD of the level sample around the level.
    int128 sigma = 0;
    if (!level_sample.empty()) {
        std::vector<int128> dev;
        for (int128 v : level_sample) dev.push_back(abs128(sub(v, level)));
        sigma = div_round_half_up(mul(median_of(dev), 14826), 10000);
    }
    // A step change: the median of the last few days far from the level (in sigmas of a
    // median of that many days) replaces it.
    if (tune.recent > 0 && z.size() > static_cast<size_t>(tune.recent)) {
        std::vector<int128> v = median_since(n - static_cast<size_t>(tune.recent), n, nullptr);
        if (v.size() >= 3) {
            int128 r = median_of(v);
            int128 gap = abs128(sub(r, level));
            // gap > shift * sigma / sqrt(k), compared squared: gap^2 * k * 1e4 > shift^2 sigma^2
            int128 gd = gap / 1000000000, sd = sigma / 1000000000;  // keep the squares in range
            if (mul(mul(mul(gd, gd), static_cast<int128>(v.size())), 10000) >
                mul(mul(sd, sd), static_cast<int128>(tune.shift100) * tune.shift100))
                level = r;
        }
    }

    // Spikes recur: a median level leaves them out, so add the window's mean excess over its
    // median (an exact mean, rounded to a unit).
    if (tune.skew && !z.empty()) {
        std::vector<int128> all;
        int128 sum = 0;
        for (const Point& pt : z) {
            all.push_back(pt.z);
            sum = add(sum, pt.z);
        }
        int128 excess = sub(div_round_half_up(sum, static_cast<int128>(z.size())), median_of(all));
        if (excess > 0) level = add(level, excess);
    }

    model.slope = slope;
    model.level = level;
    model.sigma = sigma;
    model.sample = level_sample.size();
    return model;
}

int128 history_model_expected(const HistoryModel& m, int64_t last_day, int64_t day) {
    int128 lv = add(m.level, mul(m.slope, static_cast<int128>(day - last_day)));
    if (lv <= 0) return 0;
    return div_round_half_up(mul(lv, m.factor[weekday_of(day)]), kPpm);
}

ForecastResult forecast_with_history(std::vector<DailyAmount> days, int32_t period_start,
                                     int32_t period_end) {
    if (period_end < period_start)
        bad_day("period_end is before the period start", period_end, period_start);
    int64_t span = static_cast<int64_t>(period_end) - period_start + 1;
    if (span > kForecastMaxDays)
        throw Error(sqlstate::program_limit_exceeded,
                    "forecast period of " + std::to_string(span) + " days is too long",
                    "a period spans at most " + std::to_string(kForecastMaxDays) + " days");
    const HistoryTuning& tune = kTuning;
    const int64_t history_from = static_cast<int64_t>(period_start) - kForecastHistoryDays;
    int64_t first = period_start, last = static_cast<int64_t>(period_start) - 1;
    for (const auto& d : days) {
        if (d.day > period_end) bad_day("a day lies after period_end", d.day, period_end);
        if (d.day < history_from) continue;  // older history is ignored
        first = std::min<int64_t>(first, d.day);
        last = std::max<int64_t>(last, d.day);
    }
    // Daily totals over [first, last] (missing days are 0): h history days, then p period days.
    size_t n = static_cast<size_t>(last - first + 1);
    std::vector<int128> y(n, 0);
    for (const auto& d : days) {
        if (d.day < history_from) continue;
        int128& slot = y[static_cast<size_t>(static_cast<int64_t>(d.day) - first)];
        if (!checked_add(slot, d.amount, &slot))
            throw Error(sqlstate::numeric_value_out_of_range, "forecast daily total out of range");
    }
    const size_t h = static_cast<size_t>(static_cast<int64_t>(period_start) - first);
    const size_t p = n - h;
    int128 spent = 0, total = 0;
    for (size_t t = 0; t < n; ++t) {
        if (abs128(y[t]) > kForecastMaxDailyAmount)
            throw Error(sqlstate::numeric_value_out_of_range,
                        "forecast daily total out of range",
                        "a day's total must lie within +-1e12 currency units");
        total = add(total, y[t]);
        if (t >= h) spent = add(spent, y[t]);
    }
    const int64_t remaining = static_cast<int64_t>(period_end) - last;
    if (remaining == 0) return complete_result(spent);
    if (n == 0 || (h < static_cast<size_t>(kHistoryMinDays) && p < kMinTrendDays))
        return run_rate_result(spent, total, static_cast<int64_t>(n), remaining);

    ForecastResult out;
    out.spent = spent;
    out.state = ForecastState::ok;
    const HistoryModel model = fit_history_model(y, first, h);
    out.method = model.weekly ? ForecastMethod::weekly : ForecastMethod::level;
    const std::array<int128, kWeek>& factor = model.factor;
    const int128 slope = model.slope, level = model.level, sigma = model.sigma;

    // Projection: sum over the remaining days of max(0, level) * factor / 1e6, rounded once.
    int128 f1 = 0, f2 = 0, scaled = 0;
    for (int64_t day = last + 1; day <= period_end; ++day) {
        int128 f = factor[weekday_of(day)];
        f1 = add(f1, f);
        f2 = add(f2, mul(f, f));
        int128 lv = add(level, mul(slope, static_cast<int128>(day - last)));
        if (lv > 0) scaled = add(scaled, mul(lv, f));
    }
    int128 rest = div_round_half_up(scaled, kPpm);
    out.projected = add(spent, rest);

    int128 m = std::max<int128>(1, static_cast<int128>(model.sample));
    int128 abs_level = abs128(level);
    // Scale sigma and level to <= 1e11 so that the squares below stay inside 128 bits.
    const int128 kCap = static_cast<int128>(100000000000LL);
    int128 big = std::max(sigma, abs_level);
    int128 scale = big > kCap ? (big + kCap - 1) / kCap : 1;
    int128 s_d = sigma / scale, l_d = abs_level / scale;
    int128 f1k = div_round_half_up(f1, 1000);          // remaining days * 1e3 (weighted)
    int128 f2k = div_round_half_up(f2, kPpm);          // sum of squared factors * 1e6
    int128 a = mul(s_d, f1k);
    int128 b = div_round_half_up(mul(mul(l_d, f1k), tune.q1000), 1000);
    int128 var = add(add(mul(mul(s_d, s_d), f2k), mul(mul(a, a), 11) / mul(7, m)), mul(b, b));
    int128 root = static_cast<int128>(isqrt(static_cast<u128>(var)));  // amount/scale * 1e3
    // half = 1.2816 * k * root / 1e3 * scale
    int128 half = div_round_half_up(mul(mul(mul(root, scale), 12816), tune.k100),
                                    static_cast<int128>(10000) * 100 * 1000);
    out.low = std::max(spent, sub(out.projected, half));
    out.high = add(out.projected, half);
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
