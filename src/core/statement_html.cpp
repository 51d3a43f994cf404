// The statement page: the CSS and the page around the charts and tables, section by
// section. The parts are in statement_parts.hpp.
#include "statement_html.hpp"

#include "statement_parts.hpp"

#include <algorithm>
#include <string>

namespace cb::core {

namespace statement {

namespace {

const char* const kStyle =
    "body{font-family:'DejaVu Sans',Arial,sans-serif;margin:24px "
    "auto;max-width:1060px;color:#222;}\n"
    "h1{margin-bottom:4px;} h2{margin-top:32px;border-bottom:2px solid #ddd;padding-bottom:4px;}\n"
    ".lead{font-size:18px;margin:0;} .muted{color:#666;font-size:13px;}\n"
    ".kpis{display:flex;gap:36px;margin:16px 0;} .kpi "
    "span{display:block;color:#666;font-size:13px;}\n"
    ".kpi b{font-size:26px;}\n"
    "table{border-collapse:collapse;margin-top:8px;} th,td{padding:4px 10px;border-bottom:1px "
    "solid #ddd;"
    "text-align:left;font-size:14px;} .num{text-align:right;font-variant-numeric:tabular-nums;}\n"
    "svg.chart{display:block;margin:8px 0;font-size:13px;} svg .tick{fill:#666;font-size:11px;}\n"
    ".swatch{display:inline-block;width:12px;height:12px;margin-right:6px;vertical-align:middle;}\n"
    ".empty{padding:16px;background:#f5f5f5;border-radius:4px;}\n"
    // Printing, or saving as PDF from a browser: A4 margins, no section or row split across
    // pages, charts within the page width, exact amounts left to the screen's tooltips.
    "@media print{@page{size:A4;margin:14mm;} body{margin:0;max-width:none;font-size:10.5pt;}"
    " section{break-inside:avoid;page-break-inside:avoid;} h2{break-after:avoid;} tr{break-inside:avoid;}"
    " svg.chart{max-width:100%;height:auto;} .kpi{border:1px solid #999;}"
    " *{-webkit-print-color-adjust:exact;print-color-adjust:exact;}}\n";

// The head and the header: title, the period, and which units the figures cover (the unit
// and everything below it).
void header(Page& p, const Statement& s) {
    p.raw("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>");
    p.esc("AI spend statement: " + s.who + ", " + s.title);
    p.raw("</title>\n<style>\n");
    p.raw(kStyle);
    p.raw("</style>\n</head>\n<body>\n<header>\n");
    p.el("h1", "", "AI spend statement");
    p.el("p", "class=\"lead\"",
         s.who + " \u00b7 " + s.title + " (" + s.period + " to " + s.period_end + ")");
    std::string scope = "This statement covers " + s.who;
    const std::vector<std::string>& subs = s.sub_units;
    if (subs.empty()) {
        scope += ", which has no sub-units.";
    } else {
        scope += " and its " + std::to_string(subs.size()) +
                 (subs.size() == 1 ? " sub-unit: " : " sub-units: ");
        const size_t shown = std::min<size_t>(subs.size(), 25);
        for (size_t i = 0; i < shown; ++i) scope += (i ? ", " : "") + subs[i];
        if (shown < subs.size()) scope += " and " + std::to_string(subs.size() - shown) + " more";
        scope += ".";
    }
    p.el("p", "class=\"scope\"", scope);
    p.raw("</header>\n");
}

// The key figures.
void summary(Page& p, const Statement& s) {
    p.raw("<section id=\"summary\">\n");
    if (s.no_usage)
        p.el("p", "class=\"empty\"", "No usage was recorded for " + s.who + " in " + s.title + ".");
    p.raw("<div class=\"kpis\">\n");
    auto kpi = [&](const std::string& label, const std::string& value, const std::string& id,
                   const std::string& exact = {}) {
        p.raw("<div class=\"kpi\" id=\"" + id + "\"><span>");
        p.esc(label);
        p.raw(exact.empty() ? "</span><b>" : "</span><b title=\"" + html_escape(exact) + "\">");
        p.esc(value);
        p.raw("</b></div>\n");
    };
    const std::string cur = s.currency.empty() ? "" : s.currency + " ";
    auto exact = [](const Amount& a) { return rounded_for_display(a) ? a.text : std::string(); };
    kpi("Total spend, " + s.title, cur + money(s.total), "total", exact(s.total));
    kpi("Previous month", cur + money(s.prev_total), "prev-total", exact(s.prev_total));
    kpi("Change",
        cur + (s.change.units > 0 ? "+" : "") + money(s.change) +
            (s.change_pct.null ? ""
                               : " (" + std::string(s.change_pct.units > 0 ? "+" : "") +
                                     s.change_pct.text + "%)"),
        "change", exact(s.change));
    if (!s.reporting_total.null)
        kpi("In " + s.reporting_currency + " (reporting currency)", s.reporting_currency + " " + money(s.reporting_total),
            "reporting-total", exact(s.reporting_total));
    kpi("Requests", group_digits(s.requests), "requests");
    kpi("Tokens", group_digits(s.tokens), "tokens");
    p.raw("</div>\n");
    if (!s.reporting_missing.empty())
        p.el("p", "class=\"muted\" id=\"reporting-missing\"",
             "No total in " + s.reporting_currency + " (the reporting currency): " + s.reporting_missing + ".");
    p.el("p", "class=\"muted\"",
         "Amounts are in the currency of the usage, rounded to cents for reading; where digits were "
         "rounded away the exact amount is in the figure's tooltip. Unpriced usage counts in "
         "requests and tokens but adds nothing to cost.");
    p.raw("</section>\n");
}

// <section id><h2>heading</h2>, then body(), or the text `empty_text` when there is nothing
// to show.
template <typename F>
void section(Page& p, const char* id, const char* heading, bool empty,
             const std::string& empty_text, F&& body) {
    p.raw(std::string("<section id=\"") + id + "\">\n");
    p.el("h2", "", heading);
    if (empty) p.el("p", "class=\"empty\"", empty_text);
    else body();
    p.raw("</section>\n");
}

// Spend by project or by model: a chart and a table.
void spend_section(Page& p, const Statement& s, const std::vector<SpendRow>& rows, const char* id,
                   const char* heading, bool model) {
    section(p, id, heading, rows.empty(), "No usage in " + s.title + ".", [&] {
        spend_chart(p, heading, rows, model);
        spend_table(p, rows, model);
    });
}

// Daily trend: spend per day, and the cumulative spend with the forecast to period end.
void trend_section(Page& p, const Statement& s) {
    section(p, "trend", "Daily trend and forecast", s.no_usage,
            "No usage in " + s.title + ", so there is no trend to show.", [&] {
                trend_charts(p, s);
                p.el("p", "class=\"muted\"",
                     "Days are the days the usage occurred (in chargeback.timezone); usage of a "
                     "closed month booked "
                     "into this one counts in the total but not in these charts.");
            });
}

// Budget status: a chart and a table.
void budget_section(Page& p, const Statement& s) {
    section(p, "budgets", "Budgets", s.budgets.empty(),
            "No monthly, quarterly or yearly budget is set on " + s.who + " or its sub-units.",
            [&] {
                budget_chart(p, s);
                budget_table(p, s.budgets);
            });
}

// Days whose spend left its expected band (chargeback.detect_anomalies), with what moved.
void anomaly_section(Page& p, const Statement& s) {
    section(p, "anomalies", "Spend anomalies", s.anomalies.empty(),
            "No day of " + s.title + " departed from its expected spend.", [&] {
                anomaly_table(p, s.anomalies);
                p.el("p", "class=\"muted\"",
                     "Expected from the 56 days before (level, trend, weekly profile); what moved: the "
                     "projects, models and people whose spend departed most from their usual share.");
            });
}

// Cost per business outcome.
void unit_cost_section(Page& p, const Statement& s) {
    section(p, "unit-costs", "Cost per outcome", s.unit_costs.empty(),
            "No usage tagged with an activity type in " + s.title + ".", [&] {
                unit_cost_table(p, s.unit_costs);
                p.el("p", "class=\"muted\"",
                     "Outcomes are recorded in chargeback.activity_outcome; cost per outcome is "
                     "rounded to 6 decimals.");
            });
}

// How the chargeback run allocated costs to these units.
void allocation_section(Page& p, const Statement& s) {
    section(
        p, "allocation", "How costs were allocated", !s.allocation,
        "No allocation run exists for " + s.title + " yet.", [&] {
            const Allocation& a = *s.allocation;
            p.el("p", "",
                 "Run " + a.run_id + " (" + a.model + " model, " + a.status +
                     (a.status == "final" ? ", the period is closed"
                                          : ", the period is still open") +
                     ") charges " + s.who + " and its sub-units " + money(a.total) + " in total.");
            if (!a.parts.empty()) allocation_chart(p, a, s.title);
            allocation_table(p, a.lines);
            if (a.lines.size() < a.line_count)
                p.el("p", "class=\"muted\"",
                     std::to_string(a.line_count - a.lines.size()) +
                         " more lines are in chargeback.allocation_line (run " + a.run_id + ").");
            p.el("p", "class=\"muted\"",
                 "Direct: usage metered to the unit. Shared: shared pools allocated by rule. "
                 "Fixed: fixed charges. "
                 "True-up: the difference to the provider invoice. Adjustment: late usage of a "
                 "closed month.");
        });
}

void footer(Page& p, const Statement& s) {
    p.raw("<footer>\n");
    p.el("p", "class=\"muted\"",
         "Produced by pg_chargeback from chargeback.showback, daily_spend, budget, unit_costs and "
         "allocation_line. "
         "Figures cover " +
             s.who + " and every unit below it.");
    p.raw("</footer>\n</body>\n</html>\n");
}

}  // namespace

}  // namespace statement

std::string html_escape(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (char c : s) {
        switch (c) {
            case '&':
                out += "&amp;";
                break;
            case '<':
                out += "&lt;";
                break;
            case '>':
                out += "&gt;";
                break;
            case '"':
                out += "&quot;";
                break;
            case '\'':
                out += "&#39;";
                break;
            default:
                out += c;
        }
    }
    return out;
}

std::string statement_html(const nlohmann::json& doc) {
    using namespace statement;
    const Statement s = read_statement(doc);
    Page p;
    header(p, s);
    summary(p, s);
    spend_section(p, s, s.by_project, "projects", "Spend by project", false);
    spend_section(p, s, s.by_model, "models", "Spend by model", true);
    trend_section(p, s);
    budget_section(p, s);
    anomaly_section(p, s);
    unit_cost_section(p, s);
    allocation_section(p, s);
    footer(p, s);
    return p.out;
}

}  // namespace cb::core
