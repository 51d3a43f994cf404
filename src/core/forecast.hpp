// Month-end (period-end) spend forecast from the daily totals of the current period, in
// exact integer arithmetic: amounts are 1e-12 currency units held as __int128, statistics
// are exact fractions of them, and only the final totals are rounded (half away from zero).
//
// Method, and why:
//  * spent = the sum of all amounts given (every given day is <= the last observed day L).
//    Days of the window [period_start, L] that are missing count as 0 spend (a day without
//    usage rows spent nothing). R = period_end - L days remain.
//  * Trend: a Theil-Sen line (slope = median of all pairwise slopes, compared as fractions by
//    128-bit cross multiplication; intercept = median of y - slope*t). Medians ignore up to
//    half the points, so one spike, a refund or a dead day barely moves the run rate, where a
//    mean or least squares would be dragged by it. O(n^2) pairs, n <= 400. The slope is used
//    only when its rank companion, the Mann-Kendall test, finds a trend at the 5% level: on
//    flat spend an extrapolated noise slope was the largest error (backtest, +-10% noise at
//    mid-month: p95 error 6.3% -> 3.0% of the month), while real growth passes the test.
//  * Weekly profile (from 14 observed days): each weekday's effect is the median of its
//    detrended samples plus one vote for the plain line, so with 2 samples a weekday moves
//    only when both agree and a single spike never moves it. It is kept only when the range
//    of the effects exceeds 3 robust sigmas (a real weekday/weekend cycle, not noise); the
//    line is then refitted on the deseasonalised series. Without it a median fit of a 5+2
//    cycle projects the weekday level onto weekends.
//  * Each remaining day t is projected as max(0, intercept + slope*t + weekday effect) (future
//    credits are not predicted); projected = spent + the exact sum, rounded once.
//  * Band: sigma = 1.4826 * MAD of the plain fit's residuals (MAD scaled to a normal sigma,
//    exact as 14826/10000); half-width = 2 * sigma * sqrt(G), the classic ~95% prediction
//    interval of a SUM of R future days around a fitted line: G = R (independent daily noise:
//    grows like sqrt(R)) + (pi/2)*R^2/n (level error of a median; pi/2 ~ 11/7) + S^2/Sxx
//    (slope error, growing linearly with the horizon; S = sum over the future days of
//    t - mean(t); kept when the test drops the slope) [+ (pi/2) * sum over weekdays of f_w^2/k_w with a weekly profile]. sqrt is
//    an integer square root of G*1e18. low = max(spent, projected - band) (booked spend
//    cannot be undone), high = projected + band: always spent <= low <= projected <= high.
//  * Known limits: a straight line under-forecasts compounding growth (+2%/day: ~2% low at
//    mid-month) and the band then often misses high; a weekly cycle seen for less than 14
//    days is not modelled (the median fit projects the busy-day level onto quiet days).
//
// Errors (cb::core::Error): a day after period_end or before an explicit period_start, or
// period_end before the period start -> 22023; a period longer than 400 days -> 54000; a
// daily total beyond kForecastMaxDailyAmount -> 22003.
#pragma once
#include "pure.hpp"
#include "decimal.hpp"

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cb::core {

inline constexpr int kForecastScale = 12;  // amounts are value * 1e-12 currency units
inline constexpr int kForecastMaxDays = 400;  // a period is at most a year (and some slack)
// |daily total| <= 1e12 currency units: keeps every intermediate fraction inside 128 bits.
inline constexpr int128 kForecastMaxDailyAmount =
    static_cast<int128>(1000000000000LL) * static_cast<int128>(1000000000000LL);
// Pass as period_start to start the period at the earliest day given (the glue must reject
// infinite dates: -infinity is INT32_MIN too).
inline constexpr int32_t kPeriodStartFromData = INT32_MIN;

struct DailyAmount {
    int32_t day;    // days since 2000-01-01 (PostgreSQL date)
    int128 amount;  // at kForecastScale
};

struct Forecast {
    int128 projected, low, high;  // period_end cumulative total for the period, same scale
};

// How a forecast was made, and how far to trust it (the "method" and "state" keys of the
// SQL aggregates' jsonb).
enum class ForecastMethod {
    actual,    // the period is over: projected = low = high = spent
    run_rate,  // too little data: spent + the mean observed day for each remaining day
    trend,     // the period's own days only: Theil-Sen trend [+ weekly profile] (see above)
    level,     // with history: robust recent level of the trailing weeks
    weekly     // with history: that level times a weekly profile estimated from history
};
enum class ForecastState {
    ok,
    insufficient_history,  // fewer than 3 observed days (and < 7 history days): a run rate
                           // with a band of +-50% of the remaining days' projection
    complete               // no day of the period remains
};
const char* forecast_method_name(ForecastMethod m);
const char* forecast_state_name(ForecastState s);

struct ForecastResult {
    int128 projected = 0, low = 0, high = 0;  // always spent <= low <= projected <= high
    int128 spent = 0;                         // the period's observed total
    ForecastMethod method = ForecastMethod::run_rate;
    ForecastState state = ForecastState::insufficient_history;
};

// days: any order, duplicates of a day are summed; period_end: the LAST day of the period
// (inclusive). No days -> all zero; last observed day == period_end -> projected = low =
// high = spent. Fewer than 3 observed days (from the period start to the last day given):
// insufficient_history, a run rate with low/high = spent + (1 -+ 1/2) * the rest, never a
// band wider than the projection itself.
ForecastResult forecast_period_detail(std::vector<DailyAmount> days, int32_t period_start,
                                      int32_t period_end);
Forecast forecast_period(std::vector<DailyAmount> days, int32_t period_start, int32_t period_end);
inline Forecast forecast_period(std::vector<DailyAmount> days, int32_t period_end) {
    return forecast_period(std::move(days), kPeriodStartFromData, period_end);
}

// ---------------------------------------------------------------------------------------
// History-aware forecast (chargeback.forecast(day, amount, period_end, period_start)).
//
// Days before period_start are history; days from period_start to the last day given are the
// period so far (missing days of [first history day given, last day] count as 0). History
// older than kForecastHistoryDays before period_start is ignored (so a caller may pass more).
// Method (chosen by the backtest in test/bench/forecast_backtest.cpp):
//  * Weekly profile (from 21 observed days): each weekday's factor is the median of its days
//    in the last 8 weeks over the mean of the 7 medians, shrunk halfway to 1 when a weekday has
//    fewer than 4 samples; kept as parts per million (an exact statistic).
//  * Deseasonalised days z = y / factor over the last 8 weeks; a Theil-Sen slope of z, kept
//    when Mann-Kendall finds a trend at 5%; z detrended to the last observed day L.
//  * Level at L: the median of the last 14 days (history and period alike, so the period's
//    own days take over as they accumulate); replaced by the median of the last 5 days when
//    that is more than 4 sigmas (of a 5-day median) away: a step change.
//  * Remaining day t: max(0, level + slope * (t - L)) * factor(t); projected = spent + their
//    exact sum, rounded once.
//  * 80% band: sigma = 1.4826 * MAD of the 14 days around the level; half-width =
//    1.2816 * 1.3 * sqrt(sigma^2 * (sum f^2 + (11/7) (sum f)^2 / m) + (0.2 * level * sum f)^2)
//    (daily noise, level error of a median of m days, a 20% relative model error for drift,
//    steps and spikes: the backtest's coverage needs it). low = max(spent, projected - half),
//    high = projected + half.
//  * Fewer than 7 history days AND fewer than 3 period days: insufficient_history, the run
//    rate of every observed day, band +-50% of the remaining days' projection.
// Errors as forecast_period: a day after period_end or period_end before period_start ->
// 22023; a period longer than 400 days -> 54000; a daily total beyond the limit -> 22003.
inline constexpr int kForecastHistoryDays = 56;
ForecastResult forecast_with_history(std::vector<DailyAmount> days, int32_t period_start,
                                     int32_t period_end);

// The history model behind forecast_with_history, one home for its rules (the anomaly
// detector, src/core/anomaly.cpp, reads a day's expected value from it): daily totals y over
// consecutive days starting at day `first` (days since 2000-01-01; the last
// kForecastHistoryDays of them are used), the first `history_days` of which are history.
// level, slope and sigma are deseasonalised amounts (kForecastScale units) at the last day of
// y; factor[w] is weekday w's share of a mean day in parts per million (weekday of day d is
// ((d % 7) + 7) % 7: 0 = Saturday, as day 0, 2000-01-01, was one); sigma = 1.4826 * MAD of
// the `sample` days of the level's window around the level.
struct HistoryModel {
    std::array<int128, 7> factor = {1000000, 1000000, 1000000, 1000000, 1000000, 1000000, 1000000};
    bool weekly = false;
    int128 slope = 0, level = 0, sigma = 0;
    size_t sample = 0;
};
HistoryModel fit_history_model(const std::vector<int128>& y, int64_t first, size_t history_days);
// max(0, level + slope * (day - last_day)) * factor(day), rounded half away from zero.
int128 history_model_expected(const HistoryModel& m, int64_t last_day, int64_t day);

// floor(sqrt(n)), digit by digit (no floating point).
unsigned __int128 isqrt(unsigned __int128 n);

// Exact decimal text -> kForecastScale units, half away from zero beyond 12 decimals.
// Throws 22P02 on bad syntax and 22003 beyond kForecastMaxDailyAmount.
int128 forecast_amount_from_text(std::string_view decimal);
// kForecastScale units -> plain decimal text, trailing fractional zeros trimmed.
std::string forecast_amount_text(int128 v);

}  // namespace cb::core
