// `chargeback report --period YYYY-MM-01`: the month's showback per org unit and the budgets.
#include "cli/args.hpp"
#include "cli/commands.hpp"
#include "cli/table.hpp"

#include <cstdio>

namespace cb::cli {

namespace {

// Per org unit from chargeback.showback (one row per unit, project, provider and model):
// this month against the month before, units of either month. Amounts are rounded to cents
// by PostgreSQL (exact numeric) and printed as its text.
const char* kShowbackSql = R"sql(
WITH cur AS (
    SELECT org_unit, max(org_unit_name) AS name, sum(requests) AS requests,
           sum(total_tokens) AS tokens, sum(cost) AS cost
    FROM chargeback.showback WHERE period = $1::date GROUP BY org_unit),
prev AS (
    SELECT org_unit, max(org_unit_name) AS name, sum(cost) AS cost
    FROM chargeback.showback WHERE period = ($1::date - interval '1 month')::date GROUP BY org_unit),
unit AS (
    SELECT coalesce(c.org_unit, p.org_unit) AS org_unit, coalesce(c.name, p.name) AS name,
           coalesce(c.requests, 0) AS requests, coalesce(c.tokens, 0) AS tokens,
           coalesce(c.cost, 0) AS cost, coalesce(c.cost, 0) - coalesce(p.cost, 0) AS change
    FROM cur c FULL JOIN prev p USING (org_unit)),
total AS (SELECT sum(cost) AS cost FROM unit)
SELECT u.org_unit, u.name, u.requests::text, u.tokens::text, round(u.cost, 2)::text,
       CASE WHEN t.cost > 0 THEN round(100 * u.cost / t.cost, 1)::text || '%' END,
       CASE WHEN u.change > 0 THEN '+' ELSE '' END || round(u.change, 2)::text,
       0 AS total_row, u.cost AS sort_cost
FROM unit u CROSS JOIN total t
UNION ALL
SELECT 'total', '', sum(requests)::text, sum(tokens)::text, round(sum(cost), 2)::text,
       CASE WHEN sum(cost) > 0 THEN '100.0%' END,
       CASE WHEN sum(change) > 0 THEN '+' ELSE '' END || round(sum(change), 2)::text, 1, NULL
FROM unit
ORDER BY total_row, sort_cost DESC, 1
)sql";

const char* kBudgetSql = R"sql(
SELECT name, period_start::text, period_end::text, amount::text, round(spend, 2)::text,
       round(reserved, 2)::text, round(remaining, 2)::text,
       round(100 * pct_used, 1)::text || '%', round(forecast, 2)::text, state
FROM chargeback.budget_status ORDER BY name
)sql";

bool numeric_column(const Result& r, int col) {
    // int2/int4/int8/numeric/float4/float8/oid: numbers align right.
    switch (PQftype(r.get(), col)) {
    case 20: case 21: case 23: case 26: case 700: case 701: case 1700: return true;
    default: return false;
    }
}

}  // namespace

std::string result_table(const Result& r) {
    Table t;
    for (int c = 0; c < r.columns(); ++c) {
        t.headers.push_back(r.column_name(c));
        t.right.push_back(numeric_column(r, c));
    }
    for (int i = 0; i < r.rows(); ++i) {
        std::vector<std::string> row;
        for (int c = 0; c < r.columns(); ++c) row.push_back(r.text(i, c));
        t.rows.push_back(std::move(row));
    }
    return format_table(t);
}

std::string report_text(Connection& db, const std::string& period) {
    std::string out;
    Result s = db.query(kShowbackSql, {period});
    Table t;
    t.headers = {"org unit", "name", "requests", "tokens", "cost", "share", "change"};
    t.right = {false, false, true, true, true, true, true};
    for (int i = 0; i < s.rows(); ++i) {
        std::vector<std::string> row = {s.text(i, 0), s.text(i, 1), group_digits(s.text(i, 2)), group_digits(s.text(i, 3)),
                                        s.text(i, 4), s.text(i, 5), s.text(i, 6)};
        if (s.text(i, 7) == "1") t.footer = std::move(row);
        else t.rows.push_back(std::move(row));
    }
    out += "Showback " + period + " per org unit (chargeback.showback; change from the month before):\n";
    if (t.rows.empty()) out += "  no usage recorded for " + period + " or the month before\n";
    else out += format_table(t);

    Result b = db.query(kBudgetSql);
    Table bt;
    bt.headers = {"budget", "from", "to", "amount", "spend", "reserved", "remaining", "used", "forecast", "state"};
    bt.right = {false, false, false, true, true, true, true, true, true, false};
    for (int i = 0; i < b.rows(); ++i) {
        std::vector<std::string> row;
        for (int c = 0; c < b.columns(); ++c) row.push_back(b.text(i, c));
        bt.rows.push_back(std::move(row));
    }
    out += "\nBudgets, current period (chargeback.budget_status):\n";
    if (bt.rows.empty()) out += "  no budgets in force\n";
    else out += format_table(bt);
    return out;
}

int run_report(const Options& o) {
    Connection db(o.conninfo);
    db.require_extension();
    std::fputs(report_text(db, o.period).c_str(), stdout);
    return 0;
}

}  // namespace cb::cli
