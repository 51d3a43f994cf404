// Backtest of the period-end spend forecast (src/core/forecast.hpp) on synthetic daily
// spend with known structure, against the two baselines it has to beat:
//   run rate       spent / k * days in the period;
//   trailing mean  spent + (mean of the last 28 days up to day k, history included) * days left.
// Each series is a calendar month with 56 days of history before it: a level (20 to 5000 a
// day), mild growth (-0.2% to +0.6% a day), a weekly profile (weekends at 15-100% of
// weekdays, in 70% of series), multiplicative noise (5-25%), spikes (2% of days, x3-x8);
// 20% of series also change level mid-month (x0.5 or x1.8 from a day between the 5th and
// the 20th) and 20% are new units with no history at all. Everything is generated from fixed
// seeds, so the output is the same on every run; doubles generate and score the data only,
// the forecast itself is the exact integer core.
//
// Output: one line per figure, per forecast day k in {1, 3, 7, 15, 22}: mean absolute % error
// of the period total (forecast, period-only trend, run rate, trailing mean), the forecast's
// error as a multiple of the better baseline, and how often the truth fell inside the 80% band.
//   cmake -S . -B build/bench -DCB_CLI=OFF -DCB_UNIT_TESTS=OFF && cmake --build build/bench --target forecast_backtest
//   build/bench/forecast_backtest [series]   (default 1200)
#include "core/forecast.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

using cb::core::DailyAmount;
using cb::core::ForecastResult;
using cb::core::int128;

namespace {

constexpr int128 kUnit = 1000000000000LL;  // one currency unit at the forecast's scale
constexpr int kHistory = 56;
constexpr int kHorizons[] = {1, 3, 7, 15, 22};
constexpr int kTrailing = 28;

// Days since 2000-01-01 of a civil date (Howard Hinnant's days_from_civil).
int32_t day_number(int y, int m, int d) {
    y -= m <= 2;
    int era = (y >= 0 ? y : y - 399) / 400;
    int yoe = y - era * 400;
    int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468 - 10957;
}
int month_days(int y, int m) {
    static const int len[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : len[m - 1];
}

enum class Kind { steady, step, new_unit };
const char* kind_name(Kind k) {
    return k == Kind::steady ? "steady" : k == Kind::step ? "step change" : "new unit";
}

struct Series {
    Kind kind;
    int32_t start;   // first day of the period
    int days;        // days in the period
    std::vector<int128> history;  // kHistory days before start (empty for a new unit)
    std::vector<int128> period;   // every day of the period
};

Series make_series(uint64_t seed) {
    std::mt19937_64 rng(seed * 7919 + 17);
    std::uniform_real_distribution<double> u(0.0, 1.0);
    std::normal_distribution<double> gauss(0.0, 1.0);
    Series s;
    double pick = u(rng);
    s.kind = pick < 0.6 ? Kind::steady : pick < 0.8 ? Kind::step : Kind::new_unit;
    int month_index = static_cast<int>(seed % 36);
    int year = 2024 + month_index / 12, month = month_index % 12 + 1;
    s.start = day_number(year, month, 1);
    s.days = month_days(year, month);
    double level = std::exp(std::log(20.0) + u(rng) * (std::log(5000.0) - std::log(20.0)));
    double growth = -0.002 + u(rng) * 0.008;
    double weekend = u(rng) < 0.7 ? 0.15 + u(rng) * 0.85 : 1.0;
    double noise = 0.05 + u(rng) * 0.20;
    int step_day = 5 + static_cast<int>(u(rng) * 16);
    double step = u(rng) < 0.5 ? 0.5 : 1.8;
    int from = s.kind == Kind::new_unit ? 0 : -kHistory;
    for (int t = from; t < s.days; ++t) {
        int32_t day = s.start + t;
        bool is_weekend = day % 7 == 0 || day % 7 == 1;  // 2000-01-01 was a Saturday
        double v = level * std::pow(1.0 + growth, t) * (is_weekend ? weekend : 1.0);
        if (s.kind == Kind::step && t >= step_day - 1) v *= step;
        v *= std::max(0.0, 1.0 + noise * gauss(rng));
        if (u(rng) < 0.02) v *= 3.0 + 5.0 * u(rng);
        int128 cents = static_cast<int128>(std::llround(v * 100.0));
        (t < 0 ? s.history : s.period).push_back(cents * (kUnit / 100));
    }
    return s;
}

double to_double(int128 v) { return static_cast<double>(v) / static_cast<double>(kUnit); }

struct Score {
    double err = 0, err_steady = 0;
    int count = 0, covered = 0;
    double width = 0;
    void add(double projected, double truth) {
        err += std::fabs(projected - truth) / truth;
        ++count;
    }
    double mape() const { return count ? 100.0 * err / count : 0.0; }
};

}  // namespace

int main(int argc, char** argv) {
    int count = argc > 1 ? std::atoi(argv[1]) : 1200;
    const int horizons = sizeof kHorizons / sizeof kHorizons[0];
    // [horizon][kind + 1] (index 0 = every series)
    Score model[horizons][4], trend[horizons][4], run_rate[horizons][4], trailing[horizons][4];
    int insufficient[horizons] = {};
    for (int i = 0; i < count; ++i) {
        Series s = make_series(static_cast<uint64_t>(i + 1));
        double truth = 0;
        for (int128 v : s.period) truth += to_double(v);
        if (truth <= 0) continue;
        for (int hi = 0; hi < horizons; ++hi) {
            int k = kHorizons[hi];
            std::vector<DailyAmount> days, own;
            int hist = static_cast<int>(s.history.size());
            for (int t = 0; t < hist; ++t) days.push_back({s.start - hist + t, s.history[static_cast<size_t>(t)]});
            double spent = 0;
            for (int t = 0; t < k; ++t) {
                days.push_back({s.start + t, s.period[static_cast<size_t>(t)]});
                own.push_back({s.start + t, s.period[static_cast<size_t>(t)]});
                spent += to_double(s.period[static_cast<size_t>(t)]);
            }
            ForecastResult f = cb::core::forecast_with_history(days, s.start, s.start + s.days - 1);
            ForecastResult g = cb::core::forecast_period_detail(own, s.start, s.start + s.days - 1);
            if (f.state == cb::core::ForecastState::insufficient_history) ++insufficient[hi];
            // Baselines.
            double rr = spent / k * s.days;
            double tm_sum = 0;
            int tm_n = 0;
            for (int t = k - 1; t >= k - kTrailing && t >= -hist; --t, ++tm_n)
                tm_sum += to_double(t >= 0 ? s.period[static_cast<size_t>(t)]
                                           : s.history[static_cast<size_t>(hist + t)]);
            double tm = spent + tm_sum / tm_n * (s.days - k);
            for (int slot : {0, static_cast<int>(s.kind) + 1}) {
                Score& m = model[hi][slot];
                m.add(to_double(f.projected), truth);
                if (to_double(f.low) <= truth + 1e-9 && truth <= to_double(f.high) + 1e-9) ++m.covered;
                m.width += (to_double(f.high) - to_double(f.low)) / truth;
                Score& tr = trend[hi][slot];
                tr.add(to_double(g.projected), truth);
                if (to_double(g.low) <= truth + 1e-9 && truth <= to_double(g.high) + 1e-9) ++tr.covered;
                tr.width += (to_double(g.high) - to_double(g.low)) / truth;
                run_rate[hi][slot].add(rr, truth);
                trailing[hi][slot].add(tm, truth);
            }
        }
    }
    std::printf("forecast backtest: %d synthetic months, mean absolute %% error of the period total\n", count);
    for (int slot = 0; slot < 4; ++slot) {
        const char* label = slot == 0 ? "all" : kind_name(static_cast<Kind>(slot - 1));
        for (int hi = 0; hi < horizons; ++hi) {
            const Score& m = model[hi][slot];
            double best = std::min(run_rate[hi][slot].mape(), trailing[hi][slot].mape());
            std::printf("%-12s day %2d  forecast %6.2f%%  period-only %6.2f%%  run rate %6.2f%%  "
                        "trailing mean %6.2f%%  ratio %.2fx  80%% band covers %5.1f%% (width %5.1f%%; "
                        "period-only %5.1f%%, width %6.1f%%)",
                        label, kHorizons[hi], m.mape(), trend[hi][slot].mape(), run_rate[hi][slot].mape(),
                        trailing[hi][slot].mape(), best > 0 ? m.mape() / best : 0.0,
                        100.0 * m.covered / m.count, 100.0 * m.width / m.count,
                        100.0 * trend[hi][slot].covered / m.count, 100.0 * trend[hi][slot].width / m.count);
            if (slot == 0) std::printf("  insufficient %d", insufficient[hi]);
            std::printf("\n");
        }
    }
    return 0;
}
