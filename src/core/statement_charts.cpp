// The statement's charts: inline SVG, sized in integer pixels from the exact amounts.
#include "statement_parts.hpp"

#include "utf8.hpp"

#include <algorithm>

namespace cb::core::statement {

namespace {

// Chart colours. test/t/003_statement_render.pl counts pixels of exactly these in a
// screenshot, so each chart has a colour no other part of the page uses.
constexpr const char* kProjectColour = "#1f77b4";
constexpr const char* kModelColour = "#ff7f0e";
constexpr const char* kDailyColour = "#17becf";
constexpr const char* kCumulativeColour = "#2ca02c";
constexpr const char* kForecastColour = "#9467bd";
constexpr const char* kBandColour = "#e3d7f0";
constexpr const char* kBudgetLineColour = "#d62728";
constexpr const char* kTrackColour = "#e6e6e6";
constexpr const char* kAxisColour = "#999999";

struct Component {
    const char* name;
    const char* colour;
    const char* meaning;
};
constexpr Component kComponents[] = {
    {"direct", "#4e79a7", "usage metered to the unit"},
    {"shared", "#e15759", "shared costs allocated by rule"},
    {"fixed", "#76b7b2", "fixed charges (subscriptions, platform fees)"},
    {"true_up", "#edc948", "difference between metered cost and the provider invoice"},
    {"adjustment", "#b07aa1", "late usage of a closed month"},
};
const Component* component_of(const std::string& name) {
    for (const Component& c : kComponents)
        if (name == c.name) return &c;
    return nullptr;
}

// Pixels for v on a scale where `max` spans `width`: integer arithmetic, floor, at least 1
// for any positive amount so that a small cost is still visible.
int px(int128 v, int128 max, int width) {
    if (v <= 0 || max <= 0) return 0;
    int128 p = v * width / max;
    if (p < 1) p = 1;
    if (p > width) p = width;
    return static_cast<int>(p);
}

// The smallest 1, 2 or 5 times a power of ten that is >= m (the top of a chart's axis).
int128 nice_ceiling(int128 m) {
    if (m <= 0) return pow10_128(kScale);
    int128 p = 1;
    while (p <= m / 10) p *= 10;
    for (int128 c : {p, 2 * p, 5 * p, 10 * p})
        if (c >= m) return c;
    return 10 * p;
}

// Geometry of the two daily charts: one slot per day of the period.
struct DayAxis {
    static constexpr int x0 = 90, plot_w = 920, base = 220, plot_h = 200, width = 1040,
                         height = 250;
    int days;
    int slot() const { return plot_w / days; }
    int centre(int i) const { return x0 + i * slot() + slot() / 2; }
    int y(int128 v, int128 top) const { return base - px(v, top, plot_h); }
};

void day_axis(Page& p, const DayAxis& a, int128 top, const std::vector<Day>& days) {
    for (int k = 0; k <= 4; ++k) {
        int128 v = top * k / 4;
        int y = a.y(v, top);
        p.line(a.x0, y, a.x0 + a.plot_w, y, k == 0 ? kAxisColour : "#eeeeee", 1);
        p.svg_text(a.x0 - 8, y + 4, format_scaled(v, kScale), "end", "tick");
    }
    for (int i = 0; i < a.days; ++i)
        if (days[i].day == 1 || days[i].day % 5 == 0)
            p.svg_text(a.centre(i), a.base + 18, n(days[i].day), "middle", "tick");
}

// Spend per day: a bar a day.
void daily_chart(Page& p, const Statement& s, const DayAxis& axis) {
    int128 day_max = 0;
    for (int128 c : s.daily_cost) day_max = std::max(day_max, c);
    const int128 day_top = nice_ceiling(day_max);
    p.el("h3", "", "Spend per day");
    p.svg_open(DayAxis::width, DayAxis::height, "Spend per day, " + s.title);
    day_axis(p, axis, day_top, s.days);
    for (int i = 0; i < axis.days; ++i) {
        int h = px(s.daily_cost[i], day_top, DayAxis::plot_h);
        if (h > 0)
            p.rect(DayAxis::x0 + i * axis.slot() + 1, DayAxis::base - h,
                   std::max(1, axis.slot() - 2), h, kDailyColour);
    }
    p.raw("</svg>\n");
}

// Cumulative spend to as_of, then the forecast (dashed) to period end with its band, and the
// unit's own monthly budget as a line.
void cumulative_chart(Page& p, const Statement& s, const DayAxis& axis) {
    const std::optional<Forecast>& fc = s.forecast;
    const BudgetRow* own_budget = s.own_budget();
    const int as_of_index = s.as_of_index;
    std::vector<int128> cum(s.days.size(), 0);
    int128 running = 0;
    for (int i = 0; i <= as_of_index; ++i) {
        running += s.daily_cost[i];  // <= 400 days of at most 1e15 currency units each
        cum[i] = running;
    }
    // Scaled to the spend, the projection and the budget: a wide band (a forecast from little
    // data) may not flatten the spend line, so its upper edge is cut at 1.5x the larger of
    // them and the chart says so.
    int128 top = std::max<int128>(running, 0);
    if (fc) top = std::max(top, fc->projected.units);
    if (own_budget) top = std::max(top, own_budget->amount.units);
    bool band_cut = false;
    if (fc && fc->high.units > top) {
        const int128 cap = top + top / 2;
        band_cut = fc->high.units > cap;
        top = std::min(fc->high.units, cap);
    }
    top = nice_ceiling(top);
    p.el("h3", "", "Cumulative spend and forecast");
    p.svg_open(DayAxis::width, DayAxis::height,
               "Cumulative spend and month-end forecast, " + s.title);
    day_axis(p, axis, top, s.days);
    const int last = axis.days - 1;
    if (fc && as_of_index < last) {
        p.raw("<polygon points=\"" + n(axis.centre(as_of_index)) + "," + n(axis.y(running, top)) +
              " " + n(axis.centre(last)) + "," + n(axis.y(std::min(fc->high.units, top), top)) + " " +
              n(axis.centre(last)) + "," + n(axis.y(fc->low.units, top)) + "\" fill=\"" +
              kBandColour + "\"/>");
        p.line(axis.centre(as_of_index), axis.y(running, top), axis.centre(last),
               axis.y(fc->projected.units, top), kForecastColour, 3, "8 5");
        p.raw("<circle cx=\"" + n(axis.centre(last)) + "\" cy=\"" +
              n(axis.y(fc->projected.units, top)) + "\" r=\"5\" fill=\"" + kForecastColour +
              "\"/>");
        p.svg_text(axis.centre(last) - 10, axis.y(fc->projected.units, top) - 10,
                   "forecast " + money(fc->projected), "end");
        if (band_cut)
            p.svg_text(axis.centre(last) - 10, DayAxis::base - DayAxis::plot_h + 14,
                       "band continues above the chart, to " + money(fc->high), "end");
    }
    if (own_budget) {
        int y = axis.y(own_budget->amount.units, top);
        p.line(DayAxis::x0, y, DayAxis::x0 + DayAxis::plot_w, y, kBudgetLineColour, 2, "4 4");
        p.svg_text(DayAxis::x0 + 6, y - 6,
                   "budget " + own_budget->name + ": " + money(own_budget->amount));
    }
    std::string points;
    for (int i = 0; i <= as_of_index; ++i)
        points += (i ? " " : "") + n(axis.centre(i)) + "," + n(axis.y(cum[i], top));
    p.raw("<polyline points=\"" + points + "\" fill=\"none\" stroke=\"" + kCumulativeColour +
          "\" stroke-width=\"3\" stroke-linejoin=\"round\"/>");
    p.raw("</svg>\n");
}

}  // namespace

void Page::svg_open(int width, int height, const std::string& label) {
    raw("<svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" width=\"" + n(width) +
        "\" height=\"" + n(height) + "\" viewBox=\"0 0 " + n(width) + " " + n(height) +
        "\" role=\"img\" aria-label=\"");
    esc(label);
    raw("\"><title>");
    esc(label);
    raw("</title>");
}

void Page::rect(int x, int y, int w, int h, const char* fill) {
    raw("<rect x=\"" + n(x) + "\" y=\"" + n(y) + "\" width=\"" + n(w) + "\" height=\"" + n(h) +
        "\" fill=\"" + fill + "\"/>");
}

void Page::line(int x1, int y1, int x2, int y2, const char* stroke, int width, const char* dash) {
    raw("<line x1=\"" + n(x1) + "\" y1=\"" + n(y1) + "\" x2=\"" + n(x2) + "\" y2=\"" + n(y2) +
        "\" stroke=\"" + stroke + "\" stroke-width=\"" + n(width) + "\"" +
        (dash ? std::string(" stroke-dasharray=\"") + dash + "\"" : std::string()) + "/>");
}

void Page::svg_text(int x, int y, const std::string& s, const char* anchor, const char* cls) {
    raw("<text x=\"" + n(x) + "\" y=\"" + n(y) + "\" text-anchor=\"" + anchor + "\"" +
        (cls ? std::string(" class=\"") + cls + "\"" : std::string()) + ">");
    esc(s);
    raw("</text>");
}

const char* state_colour(const std::string& budget_state) {
    if (budget_state == "over") return "#d62728";
    if (budget_state == "forecast_over") return "#f28e2b";
    if (budget_state == "warning") return "#e6a700";
    if (budget_state == "insufficient_history") return "#8c8c8c";  // grey: too little data to say
    return "#3a9d5d";
}

// Horizontal bars, one row each: label, bar, exact amount.
void spend_chart(Page& p, const std::string& label, const std::vector<SpendRow>& rows, bool model) {
    const int row = 30, top = 6, bar_x = 320, bar_w = 560, width = 1040;
    const char* colour = model ? kModelColour : kProjectColour;
    int128 max = 0;
    for (const SpendRow& r : rows) max = std::max(max, r.cost.units);
    p.svg_open(width, top * 2 + row * static_cast<int>(rows.size()), label);
    for (size_t i = 0; i < rows.size(); ++i) {
        int y = top + row * static_cast<int>(i);
        int w = px(rows[i].cost.units, max, bar_w);
        p.svg_text(bar_x - 10, y + 20, utf8_shorten(rows[i].label, 40), "end");
        p.rect(bar_x, y + 4, w, 22, colour);
        p.svg_text(bar_x + w + 8, y + 20, money(rows[i].cost));
    }
    p.raw("</svg>\n");
}

void trend_charts(Page& p, const Statement& s) {
    const DayAxis axis{static_cast<int>(s.days.size())};
    daily_chart(p, s, axis);
    cumulative_chart(p, s, axis);
    const bool forecast_drawn = s.forecast && s.as_of_index < axis.days - 1;
    p.raw("<p class=\"legend\"><span class=\"swatch\" style=\"background:" +
          std::string(kCumulativeColour) + "\"></span>");
    p.esc("spent to " + s.as_of);
    if (forecast_drawn) {
        const Forecast& fc = *s.forecast;
        p.raw(" &nbsp; <span class=\"swatch\" style=\"background:" + std::string(kForecastColour) +
              "\"></span>");
        if (fc.state == "insufficient_history")
            p.esc("forecast for " + s.period_end + ": " + money(fc.projected) +
                  " (a run rate: too few days and too little history for a range)");
        else
            p.esc("forecast for " + s.period_end + ": " + money(fc.projected) + " (likely between " + money(fc.low) +
                  " and " + money(fc.high) + ")");
    } else {
        p.esc(" (the month is complete: no forecast)");
    }
    p.raw("</p>\n");
}

// One bar per budget, coloured by its state, with the amount and the forecast marked.
void budget_chart(Page& p, const Statement& s) {
    const int row = 52, bar_x = 320, bar_w = 560;
    p.svg_open(1040, 8 + row * static_cast<int>(s.budgets.size()), "Budget status, " + s.title);
    for (size_t i = 0; i < s.budgets.size(); ++i) {
        const BudgetRow& b = s.budgets[i];
        int y = 8 + row * static_cast<int>(i);
        int128 scale = std::max({b.amount.units, b.spend.units, b.forecast.units});
        p.svg_text(bar_x - 10, y + 15, utf8_shorten(b.name, 40), "end");
        p.rect(bar_x, y + 2, bar_w, 18, kTrackColour);
        p.rect(bar_x, y + 2, px(b.spend.units, scale, bar_w), 18, state_colour(b.state));
        p.rect(bar_x + std::max(0, px(b.amount.units, scale, bar_w) - 2), y - 2, 2, 26, "#222222");
        p.rect(bar_x + std::max(0, px(b.forecast.units, scale, bar_w) - 3), y - 2, 3, 26,
               kForecastColour);
        p.svg_text(bar_x, y + 38,
                   "spent " + money(b.spend) + " of " + money(b.amount) + " " + b.currency +
                       (b.pct.null ? "" : " (" + b.pct.text + "%)") + ", forecast " +
                       money(b.forecast) + ": " + b.state,
                   "start", "tick");
    }
    p.raw("</svg>\n");
}

// The run's components as one stacked bar, with a legend saying what each means.
void allocation_chart(Page& p, const Allocation& a, const std::string& title) {
    int128 positive = 0;
    for (const AllocationPart& part : a.parts)
        if (part.amount.units > 0) positive += part.amount.units;
    p.svg_open(1040, 40 + 24 * static_cast<int>(a.parts.size()),
               "Allocation by component, " + title);
    int x = 20;
    for (const AllocationPart& part : a.parts) {
        const Component* c = component_of(part.name);
        int w = px(part.amount.units, positive, 1000);
        if (w > 0) p.rect(x, 4, w, 28, c ? c->colour : kAxisColour);
        x += w;
    }
    for (size_t i = 0; i < a.parts.size(); ++i) {
        const AllocationPart& part = a.parts[i];
        const Component* c = component_of(part.name);
        int y = 44 + 24 * static_cast<int>(i);
        p.rect(20, y, 14, 14, c ? c->colour : kAxisColour);
        p.svg_text(42, y + 12,
                   part.name + ": " + money(part.amount) + " " + part.currency +
                       (c ? std::string(" \u2014 ") + c->meaning : std::string()));
    }
    p.raw("</svg>\n");
}

}  // namespace cb::core::statement
