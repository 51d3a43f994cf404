// Spend anomalies: is a day's spend of one series (an org unit, or a project, model, principal
// or API key within it) out of line with its history? Exact integer arithmetic at the
// forecast's scale (1e-12 currency units as __int128); deterministic.
//
// Method (constants chosen by the backtest, test/bench/anomaly_backtest.cpp):
//  * History: the kAnomalyHistoryDays (56) days before the day, from the first day given
//    (missing days inside that window count as 0 spend: a day without usage spent nothing;
//    days before the series' first day are not zeros, so a new series is not compared with
//    weeks of nothing). Fewer than kAnomalyMinHistoryDays (21) days: insufficient_history,
//    never an anomaly.
//  * Expected: the forecast's history model, one home for its rules (fit_history_model in
//    forecast.hpp): a weekly profile from 3+ weeks (medians per weekday), a Theil-Sen trend
//    kept only when Mann-Kendall finds one, a level that is the median of the last 14
//    deseasonalised days, replaced by the median of the last 5 when that sits 4 sigmas away
//    (a step change); and when the median of the last 7 days and that of the last 5 both sit 4
//    sigmas from that level on one side, the 7-day median (a week after a shift, 14 days
//    straddle both levels and their median lands in between).
//  * Band: half-width = max(kAnomalySigmas * sigma_day * sqrt(1 + (pi/2)/m),
//                           kAnomalyMinRelative * expected, min_change)
//    where sigma = 1.4826 / sqrt(2) * MAD of the same weekday's week-over-week differences of
//    the last 7 weeks, deseasonalised (they owe nothing to the fitted profile, whose own MAD
//    understated the noise by half in the backtest); sigma_day = sigma * the day's weekday
//    factor; a median level of m days adds (pi/2)/m of a day's variance. kAnomalySigmas100 is
//    3.5 sigmas, kAnomalyMinRelativePct 25%.
//    The relative floor keeps a unit whose spend is nearly constant (MAD ~ 0) from alarming
//    on a few percent; min_change (an absolute amount, the caller's) keeps tiny units from
//    alarming on cents. low = max(0, expected - half) when expected >= 0, high = expected + half.
//  * Verdict: high when actual > high, low when actual < low, else normal. Both directions
//    are reported (a unit whose spend stops is news too); low needs low > 0.
//  * Run rule: the day and the 2 before it all on one side of their expected values, their sum
//    outside the band of a sum (3.5 sigma * sqrt(sum of squared factors), same floors): rule
//    "run". It catches a level shift of 2-3 sigmas a day on its third day.
//  * Level shifts: a shift is out of the band on its first days; from the third day on, the
//    median of the last 5 days carries the new level (the step rule) and the days are normal
//    again. The SQL side records a run of same-direction anomalies of one series once, on its
//    first day (chargeback.detect_anomalies: not again in the same direction for 3 days).
// Errors (cb::core::Error): a history day on or after the day -> 22023; a daily total or the
// actual beyond kForecastMaxDailyAmount -> 22003; min_change negative -> 22023.
#pragma once
#include "pure.hpp"
#include "forecast.hpp"

#include <cstdint>
#include <vector>

namespace cb::core {

inline constexpr int kAnomalyHistoryDays = 56;
inline constexpr int kAnomalyMinHistoryDays = 21;
inline constexpr int kAnomalySigmas100 = 350;      // 4.5 robust sigmas
inline constexpr int kAnomalyMinRelativePct = 25;  // and at least 25% of the expected day

inline constexpr int kAnomalyRunDays = 3;          // the run rule: 3 days on one side...
inline constexpr int kAnomalyRunSigmas100 = 350;   // ...whose sum is 3 sigmas (of a sum) out

enum class AnomalyVerdict { normal, high, low, insufficient_history };
const char* anomaly_verdict_name(AnomalyVerdict v);
enum class AnomalyRule { day, run };  // which rule found it: the day alone, or a run of days
const char* anomaly_rule_name(AnomalyRule r);

struct AnomalyResult {
    int128 expected = 0, low = 0, high = 0, actual = 0;  // kForecastScale units
    AnomalyVerdict verdict = AnomalyVerdict::insufficient_history;
    AnomalyRule rule = AnomalyRule::day;
    int history_days = 0;  // days of the window (from the first day given to the day before)
};

// history: daily amounts before `day` (any order; duplicates of a day are summed; days older
// than kAnomalyHistoryDays before `day` are ignored); actual: the day's total; min_change: the
// smallest absolute departure that counts (>= 0). With insufficient history expected is the
// model's value when there is any history, and low = high = expected.
AnomalyResult detect_anomaly(const std::vector<DailyAmount>& history, int32_t day, int128 actual,
                             int128 min_change);

}  // namespace cb::core
