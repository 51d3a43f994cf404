#include "statement_html.hpp"

#include "decimal.hpp"
#include "error.hpp"
#include "timestamp.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace cb::core {

namespace {

using json = nlohmann::json;

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

const char* state_colour(const std::string& state) {
    if (state == "over") return "#d62728";
    if (state == "forecast_over") return "#f28e2b";
    if (state == "warning") return "#e6a700";
    return "#3a9d5d";
}

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

// Amounts are sized at 1e-12 currency units (a token's cost is a whole number of them) and
// limited to 1e15 currency units, so value * pixels stays far inside 128 bits.
constexpr int kScale = 12;
const int128 kMaxAmount = pow10_128(27);

[[noreturn]] void bad(const std::string& what) {
    throw Error(sqlstate::invalid_parameter_value, "statement input: " + what);
}

// At most max_chars code points (never cuts a UTF-8 sequence), with an ellipsis if cut.
std::string shorten(const std::string& s, size_t max_chars) {
    size_t chars = 0;
    for (size_t i = 0; i < s.size(); ++i) {
        if ((static_cast<unsigned char>(s[i]) & 0xC0) == 0x80) continue;
        if (chars == max_chars) return s.substr(0, i) + "\u2026";
        ++chars;
    }
    return s;
}

const json& member(const json& o, const char* key, const std::string& where) {
    if (!o.is_object()) bad(where + " is not an object");
    auto it = o.find(key);
    if (it == o.end()) bad(where + " has no \"" + key + "\"");
    return *it;
}

const json& array_member(const json& o, const char* key, const std::string& where) {
    const json& a = member(o, key, where);
    if (!a.is_array()) bad(where + "." + key + " is not an array");
    return a;
}

std::string text(const json& o, const char* key, const std::string& where) {
    const json& v = member(o, key, where);
    if (!v.is_string()) bad(where + "." + key + " is not a string");
    return v.get<std::string>();
}

// A text that may be null (null -> empty, *is_null set).
std::string optional_text(const json& o, const char* key, const std::string& where, bool* is_null) {
    const json& v = member(o, key, where);
    *is_null = v.is_null();
    if (v.is_null()) return {};
    if (!v.is_string()) bad(where + "." + key + " is not a string");
    return v.get<std::string>();
}

std::string count(const json& o, const char* key, const std::string& where) {
    const json& v = member(o, key, where);
    if (v.is_null()) return "0";
    if (!v.is_number_integer()) bad(where + "." + key + " is not an integer");
    return v.dump();
}

bool plain_decimal(const std::string& s) {
    size_t i = s.size() > 0 && s[0] == '-' ? 1 : 0;
    bool digit = false, dot = false;
    for (; i < s.size(); ++i) {
        if (s[i] >= '0' && s[i] <= '9') digit = true;
        else if (s[i] == '.' && !dot) dot = true;
        else return false;
    }
    return digit;
}

struct Amount {
    bool null = true;
    int128 units = 0;  // at kScale, for geometry only
    std::string text;  // as given (exact), for display
};

Amount amount(const json& o, const char* key, const std::string& where, bool nullable = false) {
    const json& v = member(o, key, where);
    Amount a;
    if (v.is_null()) {
        if (!nullable) bad(where + "." + key + " is null");
        a.text = "\u2013";
        return a;
    }
    std::string t;
    if (v.is_string()) t = v.get<std::string>();
    else if (v.is_number_integer()) t = v.dump();
    else bad(where + "." + key + " is not a decimal string");
    bool overflow = false;
    std::optional<ParsedDecimal> d = parse_decimal(t, &overflow);
    if (!d) bad(where + "." + key + " is not a decimal: \"" + shorten(t, 40) + "\"");
    std::optional<int128> u;
    if (!overflow) u = rescale(*d, kScale, Rounding::half_up, kMaxAmount, &overflow);
    if (overflow || !u)
        throw Error(sqlstate::numeric_value_out_of_range,
                    "statement input: " + where + "." + key + " is out of range: " + shorten(t, 40));
    a.null = false;
    a.units = *u;
    a.text = plain_decimal(t) ? t : format_scaled(*u, kScale);
    return a;
}

using Day = CivilDate;

Day parse_day(const std::string& s, const std::string& what) {
    std::optional<Day> d = parse_iso_date(s);
    if (!d) bad(what + " is not a date (YYYY-MM-DD): \"" + shorten(s, 40) + "\"");
    return *d;
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

std::string n(int v) { return std::to_string(v); }

class Page {
public:
    std::string out;

    void raw(const std::string& s) { out += s; }
    void esc(const std::string& s) { out += html_escape(s); }
    // <tag attrs>escaped text</tag>
    void el(const char* tag, const std::string& attrs, const std::string& content) {
        out += '<';
        out += tag;
        if (!attrs.empty()) out += ' ' + attrs;
        out += '>';
        esc(content);
        out += "</";
        out += tag;
        out += '>';
    }
    void svg_open(int width, int height, const std::string& label) {
        raw("<svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" width=\"" + n(width) + "\" height=\"" +
            n(height) + "\" viewBox=\"0 0 " + n(width) + " " + n(height) + "\" role=\"img\" aria-label=\"");
        esc(label);
        raw("\"><title>");
        esc(label);
        raw("</title>");
    }
    void rect(int x, int y, int w, int h, const char* fill) {
        raw("<rect x=\"" + n(x) + "\" y=\"" + n(y) + "\" width=\"" + n(w) + "\" height=\"" + n(h) + "\" fill=\"" +
            fill + "\"/>");
    }
    void line(int x1, int y1, int x2, int y2, const char* stroke, int width, const char* dash = nullptr) {
        raw("<line x1=\"" + n(x1) + "\" y1=\"" + n(y1) + "\" x2=\"" + n(x2) + "\" y2=\"" + n(y2) + "\" stroke=\"" +
            stroke + "\" stroke-width=\"" + n(width) + "\"" +
            (dash ? std::string(" stroke-dasharray=\"") + dash + "\"" : std::string()) + "/>");
    }
    void svg_text(int x, int y, const std::string& s, const char* anchor = "start", const char* cls = nullptr) {
        raw("<text x=\"" + n(x) + "\" y=\"" + n(y) + "\" text-anchor=\"" + anchor + "\"" +
            (cls ? std::string(" class=\"") + cls + "\"" : std::string()) + ">");
        esc(s);
        raw("</text>");
    }
};

struct Bar {
    std::string label;
    Amount value;
};

// Horizontal bars, one row each: label, bar, exact amount.
void bar_chart(Page& p, const std::string& label, const std::vector<Bar>& bars, const char* colour) {
    const int row = 30, top = 6, bar_x = 320, bar_w = 560, width = 1040;
    int128 max = 0;
    for (const Bar& b : bars) max = std::max(max, b.value.units);
    p.svg_open(width, top * 2 + row * static_cast<int>(bars.size()), label);
    for (size_t i = 0; i < bars.size(); ++i) {
        int y = top + row * static_cast<int>(i);
        int w = px(bars[i].value.units, max, bar_w);
        p.svg_text(bar_x - 10, y + 20, shorten(bars[i].label, 40), "end");
        p.rect(bar_x, y + 4, w, 22, colour);
        p.svg_text(bar_x + w + 8, y + 20, bars[i].value.text);
    }
    p.raw("</svg>\n");
}

// Geometry of the two daily charts: one slot per day of the period.
struct DayAxis {
    static constexpr int x0 = 90, plot_w = 920, base = 220, plot_h = 200, width = 1040, height = 250;
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
        if (days[i].day == 1 || days[i].day % 5 == 0) p.svg_text(a.centre(i), a.base + 18, n(days[i].day), "middle", "tick");
}

}  // namespace

std::string html_escape(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (char c : s) {
        switch (c) {
            case '&': out += "&amp;"; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '"': out += "&quot;"; break;
            case '\'': out += "&#39;"; break;
            default: out += c;
        }
    }
    return out;
}

std::string statement_html(const json& doc) {
    if (!doc.is_object()) bad("the document is not an object");
    const json& unit = member(doc, "org_unit", "document");
    const std::string code = text(unit, "code", "org_unit");
    const std::string name = text(unit, "name", "org_unit");
    const std::string period = text(doc, "period", "document");
    const std::string period_end = text(doc, "period_end", "document");
    const std::string as_of = text(doc, "as_of", "document");
    const Day month = parse_day(period, "period");
    parse_day(period_end, "period_end");
    parse_day(as_of, "as_of");
    const std::string title = month_title(month.year, month.month);
    const std::string who = name + " (" + code + ")";

    const Amount total = amount(doc, "total", "document");
    const Amount prev_total = amount(doc, "prev_total", "document");
    const Amount change = amount(doc, "change", "document");
    const Amount change_pct = amount(doc, "change_pct", "document", true);
    const std::string requests = count(doc, "requests", "document");
    const std::string tokens = count(doc, "total_tokens", "document");
    const bool no_usage = requests == "0";

    Page p;
    p.raw("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>");
    p.esc("AI spend statement: " + who + ", " + title);
    p.raw("</title>\n<style>\n"
          "body{font-family:'DejaVu Sans',Arial,sans-serif;margin:24px auto;max-width:1060px;color:#222;}\n"
          "h1{margin-bottom:4px;} h2{margin-top:32px;border-bottom:2px solid #ddd;padding-bottom:4px;}\n"
          ".lead{font-size:18px;margin:0;} .muted{color:#666;font-size:13px;}\n"
          ".kpis{display:flex;gap:36px;margin:16px 0;} .kpi span{display:block;color:#666;font-size:13px;}\n"
          ".kpi b{font-size:26px;}\n"
          "table{border-collapse:collapse;margin-top:8px;} th,td{padding:4px 10px;border-bottom:1px solid #ddd;"
          "text-align:left;font-size:14px;} .num{text-align:right;font-variant-numeric:tabular-nums;}\n"
          "svg.chart{display:block;margin:8px 0;font-size:13px;} svg .tick{fill:#666;font-size:11px;}\n"
          ".swatch{display:inline-block;width:12px;height:12px;margin-right:6px;vertical-align:middle;}\n"
          ".empty{padding:16px;background:#f5f5f5;border-radius:4px;}\n"
          "</style>\n</head>\n<body>\n<header>\n");
    p.el("h1", "", "AI spend statement");
    p.el("p", "class=\"lead\"", who + " \u00b7 " + title + " (" + period + " to " + period_end + ")");

    // Which units the figures cover: the unit and everything below it.
    {
        const json& units = array_member(doc, "units", "document");
        std::vector<std::string> subs;
        for (const json& u : units) {
            std::string c = text(u, "code", "units[]");
            if (c == code) continue;
            subs.push_back(text(u, "name", "units[]") + " (" + c + ")");
        }
        std::string scope = "This statement covers " + who;
        if (subs.empty()) {
            scope += ", which has no sub-units.";
        } else {
            scope += " and its " + std::to_string(subs.size()) + (subs.size() == 1 ? " sub-unit: " : " sub-units: ");
            const size_t shown = std::min<size_t>(subs.size(), 25);
            for (size_t i = 0; i < shown; ++i) scope += (i ? ", " : "") + subs[i];
            if (shown < subs.size()) scope += " and " + std::to_string(subs.size() - shown) + " more";
            scope += ".";
        }
        p.el("p", "class=\"scope\"", scope);
    }
    p.raw("</header>\n<section id=\"summary\">\n");
    if (no_usage) p.el("p", "class=\"empty\"", "No usage was recorded for " + who + " in " + title + ".");
    p.raw("<div class=\"kpis\">\n");
    auto kpi = [&](const std::string& label, const std::string& value, const std::string& id) {
        p.raw("<div class=\"kpi\" id=\"" + id + "\"><span>");
        p.esc(label);
        p.raw("</span><b>");
        p.esc(value);
        p.raw("</b></div>\n");
    };
    kpi("Total spend, " + title, total.text, "total");
    kpi("Previous month", prev_total.text, "prev-total");
    kpi("Change", (change.units > 0 ? "+" : "") + change.text +
                      (change_pct.null ? "" : " (" + std::string(change_pct.units > 0 ? "+" : "") + change_pct.text + "%)"),
        "change");
    kpi("Requests", requests, "requests");
    kpi("Tokens", tokens, "tokens");
    p.raw("</div>\n");
    p.el("p", "class=\"muted\"",
         "Amounts are exact, in the currency of the usage, and not rounded. Unpriced usage counts in requests and "
         "tokens but adds nothing to cost.");
    p.raw("</section>\n");

    // Spend by project and by model: a chart and a table each.
    auto breakdown = [&](const char* key, const char* id, const char* heading, const char* colour, bool model) {
        const json& rows = array_member(doc, key, "document");
        p.raw(std::string("<section id=\"") + id + "\">\n");
        p.el("h2", "", heading);
        if (rows.empty()) {
            p.el("p", "class=\"empty\"", "No usage in " + title + ".");
            p.raw("</section>\n");
            return;
        }
        std::vector<Bar> bars;
        std::string table = "<table><thead><tr>";
        table += model ? "<th>Provider</th><th>Model</th>" : "<th>Project</th>";
        table += "<th class=\"num\">Cost</th><th class=\"num\">Share</th><th class=\"num\">Requests</th>"
                 "<th class=\"num\">Tokens</th></tr></thead><tbody>\n";
        const std::string where = std::string(key) + "[]";
        for (const json& r : rows) {
            const json& others = member(r, "others", where);
            if (!others.is_number_integer()) bad(where + ".others is not an integer");
            const int64_t folded = others.get<int64_t>();
            std::string label, first_cells;
            if (model) {
                std::string provider = text(r, "provider", where), m = text(r, "model", where);
                label = folded > 0 ? std::to_string(folded) + " other models" : provider + " " + m;
                first_cells = folded > 0 ? "<td colspan=\"2\">" + html_escape(label) + "</td>"
                                         : "<td>" + html_escape(provider) + "</td><td>" + html_escape(m) + "</td>";
            } else {
                bool none = false;
                std::string project = optional_text(r, "project", where, &none);
                label = folded > 0 ? std::to_string(folded) + " other projects" : none ? "(no project)" : project;
                first_cells = "<td>" + html_escape(label) + "</td>";
            }
            Amount cost = amount(r, "cost", where);
            Amount share = amount(r, "share_pct", where, true);
            table += "<tr>" + first_cells + "<td class=\"num\">" + html_escape(cost.text) + "</td><td class=\"num\">" +
                     html_escape(share.null ? share.text : share.text + "%") + "</td><td class=\"num\">" +
                     count(r, "requests", where) + "</td><td class=\"num\">" + count(r, "total_tokens", where) +
                     "</td></tr>\n";
            bars.push_back({label, cost});
        }
        bar_chart(p, heading, bars, colour);
        p.raw(table + "</tbody></table>\n</section>\n");
    };
    breakdown("by_project", "projects", "Spend by project", kProjectColour, false);
    breakdown("by_model", "models", "Spend by model", kModelColour, true);

    // Budgets first: the trend chart draws the unit's own monthly budget as a line.
    struct BudgetRow {
        std::string name, scope, period, start, end, currency, state;
        Amount amount, spend, pct, forecast;
    };
    std::vector<BudgetRow> budgets;
    for (const json& b : array_member(doc, "budgets", "document")) {
        BudgetRow r;
        r.name = text(b, "name", "budgets[]");
        r.scope = text(b, "scope_value", "budgets[]");
        r.period = text(b, "period", "budgets[]");
        r.start = text(b, "period_start", "budgets[]");
        r.end = text(b, "period_end", "budgets[]");
        r.currency = text(b, "currency", "budgets[]");
        r.state = text(b, "state", "budgets[]");
        r.amount = amount(b, "amount", "budgets[]");
        r.spend = amount(b, "spend", "budgets[]");
        r.pct = amount(b, "pct_used", "budgets[]", true);
        r.forecast = amount(b, "forecast", "budgets[]");
        budgets.push_back(std::move(r));
    }
    const BudgetRow* own_budget = nullptr;
    for (const BudgetRow& b : budgets)
        if (b.period == "month" && b.scope == code) {
            own_budget = &b;
            break;
        }

    // Daily trend: spend per day, and the cumulative spend with the forecast to period end.
    {
        p.raw("<section id=\"trend\">\n");
        p.el("h2", "", "Daily trend and forecast");
        const json& daily = array_member(doc, "daily", "document");
        if (daily.empty() || daily.size() > 400) bad("daily must list the days of the period");
        std::vector<Day> days;
        std::vector<int128> cost;
        int as_of_index = -1;
        for (const json& d : daily) {
            std::string day = text(d, "day", "daily[]");
            days.push_back(parse_day(day, "daily[].day"));
            cost.push_back(amount(d, "cost", "daily[]").units);
            if (day == as_of) as_of_index = static_cast<int>(days.size()) - 1;
        }
        if (as_of_index < 0) as_of_index = static_cast<int>(days.size()) - 1;
        const json& fc = member(doc, "forecast", "document");
        Amount projected, low, high;
        if (!fc.is_null()) {
            projected = amount(fc, "projected", "forecast");
            low = amount(fc, "low", "forecast");
            high = amount(fc, "high", "forecast");
        }
        if (no_usage) {
            p.el("p", "class=\"empty\"", "No usage in " + title + ", so there is no trend to show.");
        } else {
            DayAxis axis{static_cast<int>(days.size())};
            // Spend per day.
            int128 day_max = 0;
            for (int128 c : cost) day_max = std::max(day_max, c);
            const int128 day_top = nice_ceiling(day_max);
            p.el("h3", "", "Spend per day");
            p.svg_open(DayAxis::width, DayAxis::height, "Spend per day, " + title);
            day_axis(p, axis, day_top, days);
            for (int i = 0; i < axis.days; ++i) {
                int h = px(cost[i], day_top, DayAxis::plot_h);
                if (h > 0) p.rect(DayAxis::x0 + i * axis.slot() + 1, DayAxis::base - h, std::max(1, axis.slot() - 2), h, kDailyColour);
            }
            p.raw("</svg>\n");

            // Cumulative spend to as_of, then the forecast (dashed) to period end with its band.
            std::vector<int128> cum(days.size(), 0);
            int128 running = 0;
            for (int i = 0; i <= as_of_index; ++i) {
                running += cost[i];  // <= 400 days of at most kMaxAmount each
                cum[i] = running;
            }
            int128 top = std::max<int128>(running, 0);
            if (!fc.is_null()) top = std::max({top, high.units, projected.units});
            if (own_budget) top = std::max(top, own_budget->amount.units);
            top = nice_ceiling(top);
            p.el("h3", "", "Cumulative spend and forecast");
            p.svg_open(DayAxis::width, DayAxis::height, "Cumulative spend and month-end forecast, " + title);
            day_axis(p, axis, top, days);
            const int last = axis.days - 1;
            if (!fc.is_null() && as_of_index < last) {
                p.raw("<polygon points=\"" + n(axis.centre(as_of_index)) + "," + n(axis.y(running, top)) + " " +
                      n(axis.centre(last)) + "," + n(axis.y(high.units, top)) + " " + n(axis.centre(last)) + "," +
                      n(axis.y(low.units, top)) + "\" fill=\"" + kBandColour + "\"/>");
                p.line(axis.centre(as_of_index), axis.y(running, top), axis.centre(last), axis.y(projected.units, top),
                       kForecastColour, 3, "8 5");
                p.raw("<circle cx=\"" + n(axis.centre(last)) + "\" cy=\"" + n(axis.y(projected.units, top)) +
                      "\" r=\"5\" fill=\"" + kForecastColour + "\"/>");
                p.svg_text(axis.centre(last) - 10, axis.y(projected.units, top) - 10, "forecast " + projected.text, "end");
            }
            if (own_budget) {
                int y = axis.y(own_budget->amount.units, top);
                p.line(DayAxis::x0, y, DayAxis::x0 + DayAxis::plot_w, y, kBudgetLineColour, 2, "4 4");
                p.svg_text(DayAxis::x0 + 6, y - 6, "budget " + own_budget->name + ": " + own_budget->amount.text);
            }
            std::string points;
            for (int i = 0; i <= as_of_index; ++i)
                points += (i ? " " : "") + n(axis.centre(i)) + "," + n(axis.y(cum[i], top));
            p.raw("<polyline points=\"" + points + "\" fill=\"none\" stroke=\"" + kCumulativeColour +
                  "\" stroke-width=\"3\" stroke-linejoin=\"round\"/>");
            p.raw("</svg>\n");
            p.raw("<p class=\"legend\"><span class=\"swatch\" style=\"background:" + std::string(kCumulativeColour) +
                  "\"></span>");
            p.esc("spent to " + as_of);
            if (!fc.is_null() && as_of_index < last) {
                p.raw(" &nbsp; <span class=\"swatch\" style=\"background:" + std::string(kForecastColour) + "\"></span>");
                p.esc("forecast for " + period_end + ": " + projected.text + " (likely between " + low.text + " and " +
                      high.text + ")");
            } else {
                p.esc(" (the month is complete: no forecast)");
            }
            p.raw("</p>\n");
            p.el("p", "class=\"muted\"",
                 "Days are the days the usage occurred (in chargeback.timezone); usage of a closed month booked into "
                 "this one counts in the total but not in these charts.");
        }
        p.raw("</section>\n");
    }

    // Budget status: one bar per budget, coloured by its state, with the amount and forecast marked.
    p.raw("<section id=\"budgets\">\n");
    p.el("h2", "", "Budgets");
    if (budgets.empty()) {
        p.el("p", "class=\"empty\"", "No monthly, quarterly or yearly budget is set on " + who + " or its sub-units.");
    } else {
        const int row = 52, bar_x = 320, bar_w = 560;
        p.svg_open(1040, 8 + row * static_cast<int>(budgets.size()), "Budget status, " + title);
        for (size_t i = 0; i < budgets.size(); ++i) {
            const BudgetRow& b = budgets[i];
            int y = 8 + row * static_cast<int>(i);
            int128 scale = std::max({b.amount.units, b.spend.units, b.forecast.units});
            p.svg_text(bar_x - 10, y + 15, shorten(b.name, 40), "end");
            p.rect(bar_x, y + 2, bar_w, 18, kTrackColour);
            p.rect(bar_x, y + 2, px(b.spend.units, scale, bar_w), 18, state_colour(b.state));
            p.rect(bar_x + std::max(0, px(b.amount.units, scale, bar_w) - 2), y - 2, 2, 26, "#222222");
            p.rect(bar_x + std::max(0, px(b.forecast.units, scale, bar_w) - 3), y - 2, 3, 26, kForecastColour);
            p.svg_text(bar_x, y + 38,
                       "spent " + b.spend.text + " of " + b.amount.text + " " + b.currency +
                           (b.pct.null ? "" : " (" + b.pct.text + "%)") + ", forecast " + b.forecast.text + ": " + b.state,
                       "start", "tick");
        }
        p.raw("</svg>\n<table><thead><tr><th>Budget</th><th>Unit</th><th>Period</th><th class=\"num\">Amount</th>"
              "<th class=\"num\">Spent</th><th class=\"num\">Used</th><th class=\"num\">Forecast</th><th>State</th>"
              "</tr></thead><tbody>\n");
        for (const BudgetRow& b : budgets) {
            p.raw("<tr><td>" + html_escape(b.name) + "</td><td>" + html_escape(b.scope) + "</td><td>" +
                  html_escape(b.period + " " + b.start + " to " + b.end) + "</td><td class=\"num\">" +
                  html_escape(b.amount.text + " " + b.currency) + "</td><td class=\"num\">" + html_escape(b.spend.text) +
                  "</td><td class=\"num\">" + html_escape(b.pct.null ? b.pct.text : b.pct.text + "%") +
                  "</td><td class=\"num\">" + html_escape(b.forecast.text) + "</td><td><span class=\"swatch\" "
                  "style=\"background:" + state_colour(b.state) + "\"></span>" + html_escape(b.state) + "</td></tr>\n");
        }
        p.raw("</tbody></table>\n");
    }
    p.raw("</section>\n");

    // Cost per business outcome.
    p.raw("<section id=\"unit-costs\">\n");
    p.el("h2", "", "Cost per outcome");
    const json& unit_costs = array_member(doc, "unit_costs", "document");
    if (unit_costs.empty()) {
        p.el("p", "class=\"empty\"", "No usage tagged with an activity type in " + title + ".");
    } else {
        p.raw("<table><thead><tr><th>Unit</th><th>Activity</th><th class=\"num\">Cost</th><th class=\"num\">Outcomes</th>"
              "<th class=\"num\">Cost per outcome</th></tr></thead><tbody>\n");
        for (const json& u : unit_costs) {
            p.raw("<tr><td>" + html_escape(text(u, "org_unit", "unit_costs[]")) + "</td><td>" +
                  html_escape(text(u, "activity_type", "unit_costs[]")) + "</td><td class=\"num\">" +
                  html_escape(amount(u, "cost", "unit_costs[]").text) + "</td><td class=\"num\">" +
                  html_escape(amount(u, "units", "unit_costs[]", true).text) + "</td><td class=\"num\">" +
                  html_escape(amount(u, "cost_per_unit", "unit_costs[]", true).text) + "</td></tr>\n");
        }
        p.raw("</tbody></table>\n");
        p.el("p", "class=\"muted\"", "Outcomes are recorded in chargeback.activity_outcome; cost per outcome is rounded to 6 decimals.");
    }
    p.raw("</section>\n");

    // How the chargeback run allocated costs to these units.
    p.raw("<section id=\"allocation\">\n");
    p.el("h2", "", "How costs were allocated");
    const json& alloc = member(doc, "allocation", "document");
    if (alloc.is_null()) {
        p.el("p", "class=\"empty\"", "No allocation run exists for " + title + " yet.");
    } else {
        const json& run_id = member(alloc, "run_id", "allocation");
        if (!run_id.is_number_integer()) bad("allocation.run_id is not an integer");
        const std::string status = text(alloc, "status", "allocation");
        p.el("p", "",
             "Run " + run_id.dump() + " (" + text(alloc, "model", "allocation") + " model, " + status +
                 (status == "final" ? ", the period is closed" : ", the period is still open") + ") charges " + who +
                 " and its sub-units " + amount(alloc, "total", "allocation").text + " in total.");
        const json& comps = array_member(alloc, "components", "allocation");
        struct Part {
            std::string name, currency;
            Amount amount;
            const Component* c;
        };
        std::vector<Part> parts;
        int128 positive = 0;
        for (const json& c : comps) {
            Part part{text(c, "component", "components[]"), text(c, "currency", "components[]"),
                      amount(c, "amount", "components[]"), nullptr};
            part.c = component_of(part.name);
            if (part.amount.units > 0) positive += part.amount.units;
            parts.push_back(std::move(part));
        }
        if (!parts.empty()) {
            p.svg_open(1040, 40 + 24 * static_cast<int>(parts.size()), "Allocation by component, " + title);
            int x = 20;
            for (const Part& part : parts) {
                int w = px(part.amount.units, positive, 1000);
                if (w > 0) p.rect(x, 4, w, 28, part.c ? part.c->colour : kAxisColour);
                x += w;
            }
            for (size_t i = 0; i < parts.size(); ++i) {
                int y = 44 + 24 * static_cast<int>(i);
                p.rect(20, y, 14, 14, parts[i].c ? parts[i].c->colour : kAxisColour);
                p.svg_text(42, y + 12,
                           parts[i].name + ": " + parts[i].amount.text + " " + parts[i].currency +
                               (parts[i].c ? std::string(" \u2014 ") + parts[i].c->meaning : std::string()));
            }
            p.raw("</svg>\n");
        }
        const json& lines = array_member(alloc, "lines", "allocation");
        p.raw("<table><thead><tr><th>Unit</th><th>Component</th><th>Source</th><th class=\"num\">Amount</th>"
              "<th>Currency</th></tr></thead><tbody>\n");
        size_t shown = 0;
        for (const json& l : lines) {
            if (shown == 200) break;  // a readable page; the rest is in chargeback.allocation_line
            ++shown;
            p.raw("<tr><td>" + html_escape(text(l, "org_unit", "lines[]")) + "</td><td>" +
                  html_escape(text(l, "component", "lines[]")) + "</td><td>" + html_escape(text(l, "source", "lines[]")) +
                  "</td><td class=\"num\">" + html_escape(amount(l, "amount", "lines[]").text) + "</td><td>" +
                  html_escape(text(l, "currency", "lines[]")) + "</td></tr>\n");
        }
        p.raw("</tbody></table>\n");
        if (shown < lines.size())
            p.el("p", "class=\"muted\"",
                 std::to_string(lines.size() - shown) + " more lines are in chargeback.allocation_line (run " +
                     run_id.dump() + ").");
        p.el("p", "class=\"muted\"",
             "Direct: usage metered to the unit. Shared: shared pools allocated by rule. Fixed: fixed charges. "
             "True-up: the difference to the provider invoice. Adjustment: late usage of a closed month.");
    }
    p.raw("</section>\n<footer>\n");
    p.el("p", "class=\"muted\"",
         "Produced by pg_chargeback from chargeback.showback, daily_spend, budget, unit_costs and allocation_line. "
         "Figures cover " + who + " and every unit below it.");
    p.raw("</footer>\n</body>\n</html>\n");
    return p.out;
}

}  // namespace cb::core
