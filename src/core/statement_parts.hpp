// The parts of the statement page (statement_html.hpp), one file each:
//   statement_data.cpp    reads and checks the document into a Statement (the only part that
//                         throws: every malformed field is an Error naming it);
//   statement_charts.cpp  the inline SVG charts;
//   statement_tables.cpp  the HTML tables;
//   statement_html.cpp    the page: CSS, header, summary, and each section around its chart
//                         and table.
// Internal to the core: callers use statement_html.hpp.
#pragma once
#include "decimal.hpp"
#include "pure.hpp"
#include "statement_html.hpp"
#include "timestamp.hpp"

#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace cb::core::statement {

using Day = CivilDate;

// Amounts are sized at 1e-12 currency units (a token's cost is a whole number of them).
constexpr int kScale = 12;

struct Amount {
    bool null = true;
    int128 units = 0;  // at kScale, for geometry only
    std::string text;  // as given (exact), for display; an en dash when null
};

// A row of by_project or by_model.
struct SpendRow {
    int64_t others = 0;  // > 0: the row folds this many projects or models
    std::string label;   // the project (or "(no project)"), "provider model", or "N other ..."
    std::string provider, model;  // by_model
    Amount cost, share;
    std::string requests, tokens;  // integers as text
};

struct BudgetRow {
    std::string name, scope, period, start, end, currency, state;
    Amount amount, spend, pct, forecast;
};

struct Forecast {
    Amount projected, low, high;
    // chargeback.forecast()'s state: "insufficient_history" when the projection is a run rate
    // from too few days (the page says so); empty in documents without one.
    std::string state;
};

struct UnitCostRow {
    std::string org_unit, activity_type;
    Amount cost, units, cost_per_unit;
};

// A spend anomaly of the month (chargeback.spend_anomaly_event) and what moved.
struct AnomalyRow {
    std::string day, scope, scope_value, org_unit, direction;
    Amount expected, actual;
    std::vector<std::string> movers;  // "principal bob +350", in the cause's order
};

struct AllocationPart {
    std::string name, currency;
    Amount amount;
};

struct AllocationLine {
    std::string org_unit, component, source, currency;
    Amount amount;
};

// The page shows (and the reader checks) the first kShownLines lines of an allocation run.
constexpr size_t kShownLines = 200;

struct Allocation {
    std::string run_id, model, status;
    Amount total;
    std::vector<AllocationPart> parts;
    std::vector<AllocationLine> lines;  // the first kShownLines
    size_t line_count = 0;              // all of them
};

struct Statement {
    std::string code, name, period, period_end, as_of;
    std::string currency;  // of every cost on the page when there is one, else empty
    // The month in the reporting currency, when some cost is in another (optional member):
    // its total, or why there is none (a missing exchange rate).
    std::string reporting_currency, reporting_missing;
    Amount reporting_total;
    Day month;
    std::string title;  // "June 2088"
    std::string who;    // "Engineering (ENG)"
    Amount total, prev_total, change, change_pct;
    std::string requests, tokens;
    bool no_usage = false;
    std::vector<std::string> sub_units;  // "name (code)" of each unit below this one
    std::vector<SpendRow> by_project, by_model;
    std::vector<BudgetRow> budgets;
    std::vector<Day> days;           // every day of the period
    std::vector<int128> daily_cost;  // per day
    int as_of_index = 0;             // the last day with figures
    std::optional<Forecast> forecast;
    std::vector<UnitCostRow> unit_costs;
    std::vector<AnomalyRow> anomalies;
    std::optional<Allocation> allocation;

    // The unit's own monthly budget (drawn on the trend chart), or nullptr.
    const BudgetRow* own_budget() const {
        for (const BudgetRow& b : budgets)
            if (b.period == "month" && b.scope == code) return &b;
        return nullptr;
    }
};

// Throws Error 22023 (22003 for an amount out of range) naming the first bad field.
Statement read_statement(const nlohmann::json& doc);

// Money as people read it: rounded to cents (half away from zero) with thousands separators,
// 2422.30584165 -> "2,422.31"; an en dash for NULL. The exact value stays in the data, in the
// cell's title (num_cell) and in the CSV exports.
std::string money(const Amount& a);
// Whether money() drops digits of a (more than cents).
bool rounded_for_display(const Amount& a);
// A table cell of money: <td class="num" title="exact">2,422.31</td> (title only when rounded).
std::string num_cell(const Amount& a);

inline std::string n(int v) { return std::to_string(v); }

// The page under construction.
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
    // SVG elements (statement_charts.cpp).
    void svg_open(int width, int height, const std::string& label);
    void rect(int x, int y, int w, int h, const char* fill);
    void line(int x1, int y1, int x2, int y2, const char* stroke, int width,
              const char* dash = nullptr);
    void svg_text(int x, int y, const std::string& s, const char* anchor = "start",
                  const char* cls = nullptr);
};

// Charts (statement_charts.cpp).
const char* state_colour(const std::string& budget_state);
void spend_chart(Page& p, const std::string& label, const std::vector<SpendRow>& rows, bool model);
void trend_charts(Page& p, const Statement& s);  // with their legend
void budget_chart(Page& p, const Statement& s);
void allocation_chart(Page& p, const Allocation& a, const std::string& title);

// Tables (statement_tables.cpp).
void spend_table(Page& p, const std::vector<SpendRow>& rows, bool model);
void budget_table(Page& p, const std::vector<BudgetRow>& budgets);
void unit_cost_table(Page& p, const std::vector<UnitCostRow>& rows);
void anomaly_table(Page& p, const std::vector<AnomalyRow>& rows);
void allocation_table(Page& p, const std::vector<AllocationLine>& lines);

}  // namespace cb::core::statement
