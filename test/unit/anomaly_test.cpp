// Spend anomalies (src/core/anomaly.hpp): spikes, drops, level shifts, weekly cycles, the
// floors for tiny and steady units, every documented threshold, determinism and bounds. Series
// are built with integer arithmetic only.
#include "core/anomaly.hpp"

#include "core/error.hpp"
#include "errors.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <random>
#include <vector>

using cb::core::AnomalyResult;
using cb::core::AnomalyRule;
using cb::core::AnomalyVerdict;
using cb::core::DailyAmount;
using cb::core::detect_anomaly;
using cb::core::int128;

namespace {

constexpr int128 kUnit = 1000000000000LL;  // one currency unit at scale 12
constexpr int32_t kDay = 8001;              // the day checked (days since 2000-01-01)

// history[i] is the spend of day kDay - history.size() + i.
std::vector<DailyAmount> days_before(const std::vector<int128>& amounts, int32_t day = kDay) {
    std::vector<DailyAmount> out;
    for (size_t i = 0; i < amounts.size(); ++i)
        out.push_back({day - static_cast<int32_t>(amounts.size() - i), amounts[i]});
    return out;
}

// n days around `level` units with +-noise% uniform integer noise (deterministic).
std::vector<int128> noisy(int n, int64_t level, int noise_pct, uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::vector<int128> v;
    for (int i = 0; i < n; ++i) {
        int64_t jitter = static_cast<int64_t>(rng() % static_cast<uint64_t>(2 * noise_pct + 1)) - noise_pct;
        v.push_back(static_cast<int128>(level) * (100 + jitter) * kUnit / 100);
    }
    return v;
}

// Week-over-week differences cycling through `step` * (-3..3), so that every weekday walks
// but stays bounded: the 49 differences of 56 days hold each value 7 times (median 0, MAD
// 2 * step).
std::vector<int128> walk(int64_t level, int64_t step) {
    std::vector<int128> y(56);
    for (int t = 0; t < 56; ++t) {
        if (t < 7) {
            y[t] = static_cast<int128>(level) * kUnit;
        } else {
            int k = (t + t / 7) % 7;
            y[t] = y[t - 7] + static_cast<int128>((k - 3) * step) * kUnit;
        }
    }
    return y;
}

AnomalyResult check(const std::vector<int128>& history, int128 actual, int128 min_change = kUnit) {
    return detect_anomaly(days_before(history), kDay, actual, min_change);
}

}  // namespace

TEST(Anomaly, SpikeIsHigh) {
    auto h = noisy(56, 100, 10, 1);
    AnomalyResult r = check(h, 500 * kUnit);
    EXPECT_EQ(r.verdict, AnomalyVerdict::high);
    EXPECT_EQ(r.rule, AnomalyRule::day);
    EXPECT_GT(r.expected, 85 * kUnit);
    EXPECT_LT(r.expected, 115 * kUnit);
    EXPECT_LT(r.high, 500 * kUnit);
    EXPECT_EQ(r.actual, 500 * kUnit);
    EXPECT_EQ(check(h, 105 * kUnit).verdict, AnomalyVerdict::normal);
}

TEST(Anomaly, DropIsLow) {
    auto h = noisy(56, 100, 10, 2);
    EXPECT_EQ(check(h, 10 * kUnit).verdict, AnomalyVerdict::low);
    // Nothing expected and nothing spent is not a drop.
    EXPECT_EQ(check(std::vector<int128>(56, 0), 0).verdict, AnomalyVerdict::normal);
}

TEST(Anomaly, OneSpikeInHistoryMovesNothing) {
    auto h = noisy(56, 100, 10, 3);
    AnomalyResult before = check(h, 100 * kUnit);
    h[50] = 2000 * kUnit;
    AnomalyResult after = check(h, 100 * kUnit);
    EXPECT_EQ(after.verdict, AnomalyVerdict::normal);
    // Medians: the spike moves the expected day by less than 5%.
    EXPECT_LT(after.expected - before.expected, 5 * kUnit);
    EXPECT_GT(after.expected - before.expected, -5 * kUnit);
}

TEST(Anomaly, WeeklyCycleIsNotAnAnomaly) {
    // Weekdays 1000, weekends 100 (day 0, 2000-01-01, was a Saturday: weekday index 0 and 1).
    std::vector<int128> h;
    int32_t first = kDay - 56;
    for (int32_t d = first; d < kDay; ++d) h.push_back(((d % 7) <= 1 ? 100 : 1000) * kUnit);
    bool weekend = (kDay % 7) <= 1;
    AnomalyResult r = check(h, (weekend ? 100 : 1000) * kUnit);
    EXPECT_EQ(r.verdict, AnomalyVerdict::normal);
    // Factors are parts per million: within a thousandth of a unit.
    EXPECT_LT(r.expected - (weekend ? 100 : 1000) * kUnit, kUnit / 1000);
    EXPECT_GT(r.expected - (weekend ? 100 : 1000) * kUnit, -kUnit / 1000);
    // The weekday level on a weekend day is an anomaly (and the weekend level on a weekday).
    int32_t saturday = kDay + (7 - kDay % 7) % 7;
    std::vector<DailyAmount> hs;
    for (int32_t d = saturday - 56; d < saturday; ++d) hs.push_back({d, ((d % 7) <= 1 ? 100 : 1000) * kUnit});
    EXPECT_EQ(detect_anomaly(hs, saturday, 100 * kUnit, kUnit).verdict, AnomalyVerdict::normal);
    EXPECT_EQ(detect_anomaly(hs, saturday, 1000 * kUnit, kUnit).verdict, AnomalyVerdict::high);
    EXPECT_EQ(detect_anomaly(hs, saturday + 2, 100 * kUnit, kUnit).verdict, AnomalyVerdict::low);
}

TEST(Anomaly, LevelShiftAlarmsThenAdapts) {
    // 56 days at 100 (+-10%), then the unit doubles for good.
    std::vector<int128> series = noisy(56, 100, 10, 4);
    auto shifted = noisy(10, 200, 10, 5);
    std::vector<AnomalyVerdict> verdicts;
    for (int k = 0; k < 10; ++k) {
        std::vector<int128> hist(series.end() - 56, series.end());
        verdicts.push_back(check(hist, shifted[static_cast<size_t>(k)]).verdict);
        series.push_back(shifted[static_cast<size_t>(k)]);
    }
    EXPECT_EQ(verdicts[0], AnomalyVerdict::high);
    EXPECT_EQ(verdicts[1], AnomalyVerdict::high);
    // From the step rule on (3 of the last 5 days at the new level), the new level is normal.
    for (int k = 4; k < 10; ++k) EXPECT_EQ(verdicts[static_cast<size_t>(k)], AnomalyVerdict::normal) << k;
}

TEST(Anomaly, RunOfThreeDaysIsHigh) {
    // A noisy series (+-30% a day on 1000): +50% a day is inside the day's band, but three
    // such days in a row are not.
    auto h = noisy(56, 1000, 30, 11);
    h[54] = h[55] = 700 * kUnit;
    AnomalyResult one = check(h, 1500 * kUnit);
    EXPECT_EQ(one.verdict, AnomalyVerdict::normal);
    EXPECT_GT(one.high, 1500 * kUnit);
    h[54] = h[55] = 1500 * kUnit;
    AnomalyResult three = check(h, 1500 * kUnit);
    EXPECT_EQ(three.verdict, AnomalyVerdict::high);
    EXPECT_EQ(three.rule, AnomalyRule::run);
    EXPECT_LE(three.actual, three.high);  // the day alone is inside its band
    // Not all three on the same side: no run.
    h[54] = 700 * kUnit;
    EXPECT_EQ(check(h, 1500 * kUnit).verdict, AnomalyVerdict::normal);
}

TEST(Anomaly, RelativeFloorOfASteadyUnit) {
    // Constant spend: no noise at all, so the band is the 25% floor.
    std::vector<int128> h(56, 1000 * kUnit);
    AnomalyResult r = check(h, 1000 * kUnit);
    EXPECT_EQ(r.expected, 1000 * kUnit);
    EXPECT_EQ(r.high, 1250 * kUnit);
    EXPECT_EQ(r.low, 750 * kUnit);
    EXPECT_EQ(check(h, 1250 * kUnit).verdict, AnomalyVerdict::normal);
    EXPECT_EQ(check(h, 1250 * kUnit + 1).verdict, AnomalyVerdict::high);
    EXPECT_EQ(check(h, 750 * kUnit - 1).verdict, AnomalyVerdict::low);
}

TEST(Anomaly, TinyUnitFloor) {
    // 5 cents a day; 50 cents is ten times that, but less than min_change (1 unit).
    std::vector<int128> h(56, 5 * kUnit / 100);
    EXPECT_EQ(check(h, 50 * kUnit / 100, kUnit).verdict, AnomalyVerdict::normal);
    EXPECT_EQ(check(h, 50 * kUnit / 100, kUnit).high, 5 * kUnit / 100 + kUnit);
    EXPECT_EQ(check(h, 106 * kUnit / 100, kUnit).verdict, AnomalyVerdict::high);
    EXPECT_EQ(check(h, 50 * kUnit / 100, 0).verdict, AnomalyVerdict::high);
}

TEST(Anomaly, SigmaThresholdIsThreeAndAHalf) {
    // walk(): 49 week-over-week differences, median 0, MAD 2 * step; factors read from the
    // shared history model. half = 3.5 * 1.4826 / sqrt(2) * MAD' * factor * sqrt(1 + 11/(7m)).
    auto h = walk(1000, 100);
    h[55] = 500 * kUnit;  // the last days not all above the expected day: no run
    AnomalyResult r = check(h, 1000 * kUnit);
    cb::core::HistoryModel m = cb::core::fit_history_model(h, kDay - 56, 56);
    std::vector<int128> diffs;
    for (int t = 7; t < 56; ++t) {
        int128 f = m.factor[static_cast<size_t>(((kDay - 56 + t) % 7 + 7) % 7)];
        diffs.push_back(cb::core::div_round_half_up((h[t] - h[t - 7]) * 1000000, f));
    }
    std::sort(diffs.begin(), diffs.end());
    int128 med = diffs[24];
    for (auto& d : diffs) d = d < med ? med - d : d - med;
    std::sort(diffs.begin(), diffs.end());
    int128 sigma = cb::core::div_round_half_up(diffs[24] * 1048358, 1000000);
    int128 sigma_day = cb::core::div_round_half_up(sigma * m.factor[static_cast<size_t>(kDay % 7)], 1000000);
    int128 mult = static_cast<int128>(cb::core::isqrt(static_cast<unsigned __int128>(
        1000000000000LL + cb::core::div_round_half_up(static_cast<int128>(11) * 1000000000000LL,
                                                      7 * static_cast<int128>(m.sample)))));
    int128 half = cb::core::div_round_half_up(sigma_day * mult * 350, static_cast<int128>(100000000));
    ASSERT_GT(half, r.expected / 4);  // the sigma rule, not the 25% floor, sets this band
    EXPECT_EQ(r.high - r.expected, half);
    EXPECT_EQ(check(h, r.high).verdict, AnomalyVerdict::normal);
    EXPECT_EQ(check(h, r.high + 1).verdict, AnomalyVerdict::high);
}

TEST(Anomaly, NeedsThreeWeeksOfHistory) {
    auto h = noisy(20, 100, 10, 6);
    AnomalyResult r = check(h, 1000 * kUnit);
    EXPECT_EQ(r.verdict, AnomalyVerdict::insufficient_history);
    EXPECT_EQ(r.history_days, 20);
    EXPECT_EQ(r.low, r.expected);
    EXPECT_EQ(r.high, r.expected);
    h.push_back(100 * kUnit);
    EXPECT_EQ(check(h, 1000 * kUnit).verdict, AnomalyVerdict::high);
    // No history at all.
    EXPECT_EQ(detect_anomaly({}, kDay, 5 * kUnit, kUnit).verdict, AnomalyVerdict::insufficient_history);
    // Days older than 56 are ignored: a series that stopped long ago starts afresh.
    std::vector<DailyAmount> old;
    for (int32_t d = kDay - 200; d < kDay - 100; ++d) old.push_back({d, 100 * kUnit});
    EXPECT_EQ(detect_anomaly(old, kDay, 5 * kUnit, kUnit).verdict, AnomalyVerdict::insufficient_history);
}

TEST(Anomaly, MissingDaysCountAsZero) {
    // Spend on every other day only: days without rows are days without spend.
    std::vector<DailyAmount> h;
    for (int32_t d = kDay - 56; d < kDay; d += 2) h.push_back({d, 100 * kUnit});
    AnomalyResult r = detect_anomaly(h, kDay, 0, kUnit);
    EXPECT_NE(r.verdict, AnomalyVerdict::insufficient_history);
    EXPECT_EQ(r.history_days, 56);
}

TEST(Anomaly, Deterministic) {
    auto h = noisy(56, 777, 20, 7);
    std::vector<DailyAmount> days = days_before(h);
    AnomalyResult a = detect_anomaly(days, kDay, 900 * kUnit, kUnit);
    std::reverse(days.begin(), days.end());
    std::mt19937_64 rng(9);
    std::shuffle(days.begin(), days.end(), rng);
    AnomalyResult b = detect_anomaly(days, kDay, 900 * kUnit, kUnit);
    EXPECT_EQ(a.expected, b.expected);
    EXPECT_EQ(a.low, b.low);
    EXPECT_EQ(a.high, b.high);
    EXPECT_EQ(a.verdict, b.verdict);
    // A day split into two rows is the same day.
    days.push_back({kDay - 1, 0});
    days.push_back({kDay - 3, 5 * kUnit});
    days.push_back({kDay - 3, -5 * kUnit});
    AnomalyResult c = detect_anomaly(days, kDay, 900 * kUnit, kUnit);
    EXPECT_EQ(a.high, c.high);
}

TEST(Anomaly, Bounds) {
    const int128 max = cb::core::kForecastMaxDailyAmount;
    std::vector<int128> big(56, max);
    AnomalyResult r = check(big, max);
    EXPECT_EQ(r.verdict, AnomalyVerdict::normal);
    EXPECT_EQ(r.expected, max);
    std::vector<int128> swing;
    for (int i = 0; i < 56; ++i) swing.push_back(i % 3 == 0 ? -max : max);
    EXPECT_EQ(cb_test::sqlstate_of([&] { check(swing, -max); }), "no error");
    EXPECT_EQ(cb_test::sqlstate_of([&] { check(big, max + 1); }), "22003");
    EXPECT_EQ(cb_test::sqlstate_of([&] { check(big, 0, -1); }), "22023");
    EXPECT_EQ(cb_test::sqlstate_of([&] { check(big, 0, max + 1); }), "22003");
    // Two rows of one day that add up beyond the limit.
    std::vector<DailyAmount> two = {{kDay - 1, max}, {kDay - 1, max}};
    EXPECT_EQ(cb_test::sqlstate_of([&] { detect_anomaly(two, kDay, 0, 0); }), "22003");
    // A history day on or after the day checked.
    EXPECT_EQ(cb_test::sqlstate_of([&] { detect_anomaly({{kDay, kUnit}}, kDay, 0, 0); }), "22023");
}
