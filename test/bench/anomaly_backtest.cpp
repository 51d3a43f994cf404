// Backtest of the spend anomaly detector (src/core/anomaly.hpp) on synthetic daily spend with
// known structure, against the simple baseline: the trailing 28-day mean +- 3 standard
// deviations (a day outside it is an anomaly).
//
// Each series has 56 days of history and then 182 scored days (two quarters): a level (20 to
// 5000 a day, log-uniform), growth (-0.2% to +0.6% a day, compounding), a weekly profile
// (weekends at 15-100% of weekdays, in 70% of series), multiplicative Gaussian noise (5-25%).
//   clean      nothing injected: every recorded anomaly is a false alarm;
//   new unit   clean, but with no history at all (spend starts on the first scored day);
//   injected   clean plus events 20-40 days apart: a one-day spike of x2, x3 or x5, a one-day
//              drop to 10% (an outage), or a level shift (x2 or x0.4 from that day on).
// A spike or drop counts as found when its own day is flagged in its direction; a level shift
// when one of its first three days is. Recorded alarms follow the SQL side: nothing is recorded
// again while the last recorded anomaly of the series in the same direction is 3 days old or
// less. False alarms are recorded alarms outside an event's day and the day after (7 days after
// a level shift); clean series use the same rule. min_change is 1 currency unit. Spikes of x1.5 are scored on their own line
// (with 5-25% noise most of them are inside a 4.5-sigma band, by design).
// Fixed seeds: the output is the same on every run. Doubles generate and score the data and
// compute the baseline; the detector itself is the exact integer core.
//   bash test/bench/anomaly.sh [series]   (default 600 of each kind)
#include "core/anomaly.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <vector>

using cb::core::AnomalyVerdict;
using cb::core::DailyAmount;
using cb::core::int128;

namespace {

constexpr int128 kUnit = 1000000000000LL;
constexpr int kHistory = 56;
constexpr int kScored = 182;
constexpr int kQuarterDays = 91;
constexpr int kBaselineDays = 28;
constexpr int kRecordGap = 3;

enum class Ev { none, spike2, spike3, spike5, spike15, drop, shift_up, shift_down };
constexpr int kEvKinds = 8;
const char* ev_name(Ev e) {
    switch (e) {
        case Ev::none: return "none";
        case Ev::spike2: return "spike x2";
        case Ev::spike3: return "spike x3";
        case Ev::spike5: return "spike x5";
        case Ev::spike15: return "spike x1.5";
        case Ev::drop: return "drop to 10%";
        case Ev::shift_up: return "level shift x2";
        case Ev::shift_down: return "level shift x0.4";
    }
    return "?";
}
bool ev_up(Ev e) { return e == Ev::spike2 || e == Ev::spike3 || e == Ev::spike5 || e == Ev::spike15 || e == Ev::shift_up; }
bool ev_shift(Ev e) { return e == Ev::shift_up || e == Ev::shift_down; }

enum class Kind { clean, new_unit, injected };

struct Series {
    std::vector<double> y;     // kHistory + kScored days (new unit: zeros before kHistory)
    std::vector<Ev> event;     // per day
    bool starts_late = false;  // new unit: no day before kHistory exists
};

Series make_series(Kind kind, uint64_t seed) {
    std::mt19937_64 rng(seed * 104729 + static_cast<uint64_t>(kind) * 7 + 3);
    std::uniform_real_distribution<double> u(0.0, 1.0);
    std::normal_distribution<double> gauss(0.0, 1.0);
    Series s;
    const int total = kHistory + kScored;
    s.y.assign(total, 0.0);
    s.event.assign(total, Ev::none);
    s.starts_late = kind == Kind::new_unit;
    double level = std::exp(std::log(20.0) + u(rng) * (std::log(5000.0) - std::log(20.0)));
    double growth = -0.002 + u(rng) * 0.008;
    double weekend = u(rng) < 0.7 ? 0.15 + u(rng) * 0.85 : 1.0;
    double noise = 0.05 + u(rng) * 0.20;
    // Events, 20-40 days apart, in the scored days only.
    if (kind == Kind::injected) {
        int d = kHistory + 5 + static_cast<int>(u(rng) * 20);
        while (d < total) {
            double pick = u(rng);
            Ev e = pick < 0.16 ? Ev::spike2 : pick < 0.32 ? Ev::spike3 : pick < 0.48 ? Ev::spike5
                 : pick < 0.60 ? Ev::spike15 : pick < 0.72 ? Ev::drop : pick < 0.86 ? Ev::shift_up
                 : Ev::shift_down;
            s.event[d] = e;
            d += 20 + static_cast<int>(u(rng) * 21);
        }
    }
    double shift = 1.0;
    for (int t = 0; t < total; ++t) {
        if (ev_shift(s.event[t])) shift *= s.event[t] == Ev::shift_up ? 2.0 : 0.4;
        int weekday = t % 7;  // the first day is a Saturday (day 0 of the series)
        double w = weekday <= 1 ? weekend : 1.0;
        double v = level * std::pow(1.0 + growth, t) * shift * w * std::max(0.0, 1.0 + noise * gauss(rng));
        switch (s.event[t]) {
            case Ev::spike2: v *= 2.0; break;
            case Ev::spike3: v *= 3.0; break;
            case Ev::spike5: v *= 5.0; break;
            case Ev::spike15: v *= 1.5; break;
            case Ev::drop: v *= 0.1; break;
            default: break;
        }
        if (s.starts_late && t < kHistory) v = 0.0;
        s.y[t] = v;
    }
    return s;
}

int128 to_units(double v) { return static_cast<int128>(std::llround(v * 1e6)) * 1000000; }

// Verdicts of the detector and of the baseline for every scored day of a series.
struct Verdicts {
    std::vector<int> core, base;  // +1 high, -1 low, 0 none (per scored day)
};

Verdicts run(const Series& s) {
    Verdicts v;
    // Day t of the series is base_day + t; base_day % 7 == 0 is a Saturday, as day 0
    // (2000-01-01) was, so the generator's weekend (t % 7 in {0, 1}) is a real weekend.
    const int32_t base_day = 7 * 1143;
    const int first_t = s.starts_late ? kHistory : 0;
    for (int t = kHistory; t < kHistory + kScored; ++t) {
        std::vector<DailyAmount> hist;
        for (int k = std::max(first_t, t - kHistory); k < t; ++k)
            hist.push_back({base_day + k, to_units(s.y[k])});
        cb::core::AnomalyResult r = cb::core::detect_anomaly(hist, base_day + t, to_units(s.y[t]), kUnit);
        v.core.push_back(r.verdict == AnomalyVerdict::high ? 1 : r.verdict == AnomalyVerdict::low ? -1 : 0);
        // Baseline: trailing 28-day mean +- 3 sd (needs 14 days, as the core does).
        int from = std::max(first_t, t - kBaselineDays);
        int count = t - from;
        int b = 0;
        if (count >= 14) {
            double sum = 0, sq = 0;
            for (int k = from; k < t; ++k) sum += s.y[k];
            double mean = sum / count;
            for (int k = from; k < t; ++k) sq += (s.y[k] - mean) * (s.y[k] - mean);
            double sd = std::sqrt(sq / (count - 1));
            if (s.y[t] > mean + 3 * sd) b = 1;
            else if (s.y[t] < mean - 3 * sd) b = -1;
        }
        v.base.push_back(b);
    }
    return v;
}

// Recorded alarms, as chargeback.detect_anomalies() records them: a same-direction alarm within
// kRecordGap days after the last recorded one is not recorded again.
std::vector<int> recorded(const std::vector<int>& alarms) {
    std::vector<int> out(alarms.size(), 0);
    int last_day[3] = {-1000, -1000, -1000};
    for (size_t t = 0; t < alarms.size(); ++t) {
        int a = alarms[t];
        if (a == 0) continue;
        int& last = last_day[a + 1];
        if (static_cast<int>(t) - last > kRecordGap) {
            out[t] = a;
            last = static_cast<int>(t);
        }
    }
    return out;
}

struct Score {
    long found[kEvKinds] = {}, events[kEvKinds] = {};
    long false_alarms = 0, series = 0;
};

void score(const Series& s, const std::vector<int>& alarms, Score* sc) {
    std::vector<int> rec = recorded(alarms);
    sc->series++;
    std::vector<bool> explained(rec.size(), false);
    for (int i = 0; i < kScored; ++i) {
        Ev e = s.event[kHistory + i];
        if (e == Ev::none) continue;
        int dir = ev_up(e) ? 1 : -1;
        int span = ev_shift(e) ? 3 : 1;
        bool hit = false;
        for (int k = i; k < std::min(kScored, i + span); ++k)
            if (alarms[k] == dir) hit = true;
        sc->events[static_cast<int>(e)]++;
        if (hit) sc->found[static_cast<int>(e)]++;
        // A shift's (or a spike's) own alarms, and the days right after, are not false alarms.
        for (int k = i; k < std::min(kScored, i + (ev_shift(e) ? 7 : 2)); ++k) explained[k] = true;
    }
    for (int i = 0; i < kScored; ++i)
        if (rec[i] != 0 && !explained[i]) sc->false_alarms++;
}

void print_recall(const char* who, const Score& sc) {
    long f = 0, n = 0;
    for (int e = 1; e < kEvKinds; ++e) {
        if (static_cast<Ev>(e) == Ev::spike15) continue;
        f += sc.found[e];
        n += sc.events[e];
    }
    std::printf("%-9s recall on injected anomalies (spikes x2-x5, drops, level shifts): %5.1f%% (%ld of %ld)\n",
                who, n ? 100.0 * f / n : 0.0, f, n);
    for (int e = 1; e < kEvKinds; ++e)
        std::printf("%-9s   recall %-17s %5.1f%% (%ld of %ld)\n", who, ev_name(static_cast<Ev>(e)),
                    sc.events[e] ? 100.0 * sc.found[e] / sc.events[e] : 0.0, sc.found[e], sc.events[e]);
}

}  // namespace

int main(int argc, char** argv) {
    long series = argc > 1 ? std::atol(argv[1]) : 600;
    if (series <= 0) {
        std::fprintf(stderr, "usage: anomaly_backtest [series per kind]\n");
        return 2;
    }
    const double quarters = static_cast<double>(kScored) / kQuarterDays;
    Score core_clean, base_clean, core_new, base_new, core_inj, base_inj;
    for (long i = 0; i < series; ++i) {
        Series c = make_series(Kind::clean, static_cast<uint64_t>(i));
        Verdicts vc = run(c);
        score(c, vc.core, &core_clean);
        score(c, vc.base, &base_clean);
        Series nu = make_series(Kind::new_unit, static_cast<uint64_t>(i));
        Verdicts vn = run(nu);
        score(nu, vn.core, &core_new);
        score(nu, vn.base, &base_new);
        Series in = make_series(Kind::injected, static_cast<uint64_t>(i));
        Verdicts vi = run(in);
        score(in, vi.core, &core_inj);
        score(in, vi.base, &base_inj);
    }
    std::printf("anomaly backtest: %ld series of each kind, %d history + %d scored days each\n", series,
                kHistory, kScored);
    print_recall("detector", core_inj);
    print_recall("baseline", base_inj);
    auto fa = [&](const char* who, const char* kind, const Score& sc) {
        std::printf("%-9s false alarms per series per quarter, %-9s %.3f (%ld in %ld series)\n", who, kind,
                    sc.false_alarms / (sc.series * quarters), sc.false_alarms, sc.series);
    };
    fa("detector", "clean:", core_clean);
    fa("baseline", "clean:", base_clean);
    fa("detector", "new unit:", core_new);
    fa("baseline", "new unit:", base_new);
    fa("detector", "injected:", core_inj);
    fa("baseline", "injected:", base_inj);
    return 0;
}
