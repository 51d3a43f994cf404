#include "anomaly.hpp"

#include "error.hpp"

#include <algorithm>
#include <string>

namespace cb::core {

namespace {

constexpr int128 kPpm = 1000000;

[[noreturn]] void out_of_range(const char* what) {
    throw Error(sqlstate::numeric_value_out_of_range, std::string("anomaly: ") + what + " out of range",
                "a day's total must lie within +-1e12 currency units");
}
int128 abs128(int128 a) { return a < 0 ? -a : a; }
int128 mul(int128 a, int128 b) {
    int128 r;
    if (!checked_mul(a, b, &r)) out_of_range("arithmetic");
    return r;
}
int128 add(int128 a, int128 b) {
    int128 r;
    if (!checked_add(a, b, &r)) out_of_range("arithmetic");
    return r;
}

}  // namespace

const char* anomaly_rule_name(AnomalyRule r) { return r == AnomalyRule::run ? "run" : "day"; }

const char* anomaly_verdict_name(AnomalyVerdict v) {
    switch (v) {
        case AnomalyVerdict::normal: return "normal";
        case AnomalyVerdict::high: return "high";
        case AnomalyVerdict::low: return "low";
        case AnomalyVerdict::insufficient_history: return "insufficient_history";
    }
    return "unknown";
}

AnomalyResult detect_anomaly(const std::vector<DailyAmount>& history, int32_t day, int128 actual,
                             int128 min_change) {
    if (min_change < 0)
        throw Error(sqlstate::invalid_parameter_value, "anomaly: min_change must not be negative",
                    "min_change is the smallest departure from the expected day that counts");
    if (abs128(actual) > kForecastMaxDailyAmount) out_of_range("the day's total");
    if (min_change > kForecastMaxDailyAmount) out_of_range("min_change");
    AnomalyResult r;
    r.actual = actual;

    const int64_t from = static_cast<int64_t>(day) - kAnomalyHistoryDays;
    int64_t first = day;
    for (const DailyAmount& d : history) {
        if (d.day >= day)
            throw Error(sqlstate::invalid_parameter_value,
                        "anomaly: a history day is not before the day checked",
                        "history day " + std::to_string(d.day) + ", day " + std::to_string(day) +
                            " (days since 2000-01-01)");
        if (d.day >= from) first = std::min<int64_t>(first, d.day);
    }
    const size_t n = static_cast<size_t>(static_cast<int64_t>(day) - first);
    r.history_days = static_cast<int>(n);
    if (n == 0) return r;  // no history: expected 0, insufficient
    std::vector<int128> y(n, 0);
    for (const DailyAmount& d : history) {
        if (d.day < first) continue;
        int128& slot = y[static_cast<size_t>(static_cast<int64_t>(d.day) - first)];
        if (!checked_add(slot, d.amount, &slot)) out_of_range("a daily total");
    }
    for (int128 v : y)
        if (abs128(v) > kForecastMaxDailyAmount) out_of_range("a daily total");

    // The whole window is history (no period days): the model's level at the day before.
    HistoryModel m = fit_history_model(y, first, n);
    const int64_t last = static_cast<int64_t>(day) - 1;
    r.expected = history_model_expected(m, last, day);
    if (n < static_cast<size_t>(kAnomalyMinHistoryDays)) {
        r.low = r.high = r.expected;
        return r;
    }

    // Noise: the spread of week-over-week differences of the same weekday (the last 7 weeks),
    // deseasonalised by that weekday's factor: sigma = 1.4826 * MAD(d) / sqrt(2). Unlike the
    // level's own MAD (14 days around their median, after a profile fitted on the same days,
    // which understated the noise by half in the backtest), these differences owe nothing to
    // the fitted profile, and a growth trend only shifts their median, which the MAD removes.
    std::vector<int128> diffs;
    for (size_t t = n >= 56 ? n - 49 : 7; t < n; ++t) {
        const int128 f = m.factor[static_cast<size_t>(((first + static_cast<int64_t>(t)) % 7 + 7) % 7)];
        if (f <= 0) continue;
        diffs.push_back(div_round_half_up(mul(add(y[t], -y[t - 7]), kPpm), f));
    }
    int128 sigma = 0;
    if (!diffs.empty()) {
        size_t mid = diffs.size() / 2;
        std::nth_element(diffs.begin(), diffs.begin() + static_cast<std::ptrdiff_t>(mid), diffs.end());
        const int128 med = diffs[mid];
        for (int128& d : diffs) d = abs128(add(d, -med));
        std::nth_element(diffs.begin(), diffs.begin() + static_cast<std::ptrdiff_t>(mid), diffs.end());
        // 1.4826 / sqrt(2) = 1.048358...
        sigma = div_round_half_up(mul(diffs[mid], 1048358), kPpm);
    }
    // The last week's level. The model's level is the median of 14 days (or of the last 5 when
    // they sit 4 of its sigmas away); a week after a level shift those 14 days straddle both
    // levels, their spread hides the step, and the median lands in between: every later day
    // would look high (or low). When the median of the last 7 deseasonalised days sits 4
    // sigmas (of a 7-day median, from the week-over-week noise) away, it is the level.
    {
        // Median of the last k deseasonalised days, and whether it sits 4 sigmas (of a k-day
        // median) from the model's level: gap^2 * k > 16 sigma^2, in 1e-9 units (< 1e38).
        auto recent_level = [&](size_t k, int128* level_k) {
            std::vector<int128> v;
            for (size_t t = n - k; t < n; ++t) {
                const int128 f = m.factor[static_cast<size_t>(((first + static_cast<int64_t>(t)) % 7 + 7) % 7)];
                if (f > 0) v.push_back(div_round_half_up(mul(y[t], kPpm), f));
            }
            if (v.size() < 3) return 0;
            size_t mid = v.size() / 2;
            std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(mid), v.end());
            *level_k = v[mid];
            const int128 gd = abs128(add(v[mid], -m.level)) / 1000000000, sd = sigma / 1000000000;
            if (mul(mul(gd, gd), static_cast<int128>(v.size())) <= mul(mul(sd, sd), 16)) return 0;
            return v[mid] > m.level ? 1 : -1;
        };
        int128 level7 = 0, level5 = 0;
        const int side7 = recent_level(7, &level7);
        // The last 5 days agree (on the same side): not a model that already took the step.
        if (side7 != 0 && recent_level(5, &level5) == side7) {
            m.level = level7;
            m.slope = 0;
            r.expected = history_model_expected(m, last, day);
        }
    }
    // The day's sigma = sigma * factor(day), widened by sqrt(1 + (11/7)/m) for the error of a
    // level that is a median of m days. |sigma| <= ~4e24, factor <= 7e6: products < 1e38.
    const int128 factor = m.factor[static_cast<size_t>(((static_cast<int64_t>(day) % 7) + 7) % 7)];
    const int128 sigma_day = div_round_half_up(mul(sigma, factor), kPpm);
    const int128 mm = std::max<int128>(1, static_cast<int128>(m.sample));
    // sqrt((1 + 11/(7m)) * 1e12) = the multiplier in ppm, exact floor.
    const int128 mult_ppm = static_cast<int128>(
        isqrt(static_cast<unsigned __int128>(add(kPpm * kPpm, div_round_half_up(11 * kPpm * kPpm, 7 * mm)))));
    // Half-width of a band around `expected` for a departure of noise `sig` (sigma_day, or
    // the root of the summed squares over a run): the sigma rule, the relative floor and
    // min_change, whichever is widest.
    auto half_width = [&](int128 sig, int128 expected, int sigmas100) {
        int128 half = div_round_half_up(mul(mul(sig, mult_ppm), sigmas100), kPpm * 100);
        half = std::max(half, div_round_half_up(mul(abs128(expected), kAnomalyMinRelativePct), 100));
        return std::max(half, min_change);
    };
    const int128 half = half_width(sigma_day, r.expected, kAnomalySigmas100);
    r.high = add(r.expected, half);
    r.low = add(r.expected, -half);
    if (r.expected >= 0 && r.low < 0) r.low = 0;
    r.verdict = actual > r.high ? AnomalyVerdict::high
              : actual < r.low  ? AnomalyVerdict::low
                                : AnomalyVerdict::normal;
    r.rule = AnomalyRule::day;

    // The run rule: the day and the kAnomalyRunDays - 1 before it, every one of them on the
    // same side of its expected value, whose sum departs from the expected sum by more than
    // the band of a sum (sigma * sqrt(sum of squared factors)). It catches a level shift of
    // 2-3 sigmas a day on its third day, before the step rule adopts the new level.
    if (r.verdict == AnomalyVerdict::normal && n >= static_cast<size_t>(kAnomalyRunDays)) {
        int128 exp_sum = 0, act_sum = 0, f2 = 0;
        int above = 0, below = 0;
        for (int k = 0; k < kAnomalyRunDays; ++k) {
            const int64_t d = static_cast<int64_t>(day) - k;
            const int128 e = history_model_expected(m, last, d);
            const int128 a = k == 0 ? actual : y[n - static_cast<size_t>(k)];
            above += a > e;
            below += a < e;
            exp_sum = add(exp_sum, e);
            act_sum = add(act_sum, a);
            const int128 f = m.factor[static_cast<size_t>(((d % 7) + 7) % 7)];
            f2 = add(f2, mul(f, f));
        }
        const int128 sig = div_round_half_up(
            mul(sigma, static_cast<int128>(isqrt(static_cast<unsigned __int128>(f2)))), kPpm);
        const int128 h = half_width(sig, exp_sum, kAnomalyRunSigmas100);
        int128 run_low = add(exp_sum, -h);
        if (exp_sum >= 0 && run_low < 0) run_low = 0;
        if (above == kAnomalyRunDays && act_sum > add(exp_sum, h)) {
            r.verdict = AnomalyVerdict::high;
            r.rule = AnomalyRule::run;
        } else if (below == kAnomalyRunDays && act_sum < run_low) {
            r.verdict = AnomalyVerdict::low;
            r.rule = AnomalyRule::run;
        }
    }
    // A series that spent nothing and keeps spending nothing is normal even at low = 0.
    if (r.verdict == AnomalyVerdict::low && r.low == 0 && actual >= 0) r.verdict = AnomalyVerdict::normal;
    return r;
}

}  // namespace cb::core
