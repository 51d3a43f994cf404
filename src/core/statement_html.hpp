// The showback statement: one self-contained HTML page (inline SVG charts, inline CSS, no
// script, no external resource) for a department leader, rendered from one JSON document
// that chargeback.statement_html() gathers in SQL (src/sql/statement.sql).
//
// Money stays exact: every amount arrives as decimal text and is printed as given (the sums,
// changes and percentages are computed in SQL numeric). Amounts are parsed with the core's
// Decimal only to size bars and lines, in integer arithmetic. Every text that comes from the
// database (unit, project, model, budget, source names) is HTML-escaped.
//
// The document (amounts are strings; counts are integers; optional parts may be null):
//   org_unit {code, name}; units [{code, name}] (the unit and its descendants);
//   period, period_end, as_of ("YYYY-MM-DD"; as_of is the last day the figures cover);
//   total, prev_total, change, change_pct (null when prev_total is 0); requests, total_tokens;
//   by_project [{project|null, others (0, or how many projects the row folds), cost,
//                requests, total_tokens}], by_model [{provider, model, others, cost, ...}];
//   daily [{day, cost}] (every day of the period, in order);
//   forecast {projected, low, high} | null (the period is complete or has no usage);
//   budgets [{name, scope_value, period, period_start, period_end, amount, currency, spend,
//             pct_used|null, forecast, state}];
//   unit_costs [{org_unit, activity_type, cost, units|null, cost_per_unit|null}];
//   allocation {run_id, model, status, total, components [{component, currency, amount}],
//               lines [{org_unit, component, source, currency, amount}]} | null.
// A document that does not have this shape is an Error 22023 naming the field.
#pragma once
#include "pure.hpp"

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>

namespace cb::core {

// &, <, >, " and ' as entities: safe in element content and in quoted attributes.
std::string html_escape(std::string_view s);

std::string statement_html(const nlohmann::json& doc);

}  // namespace cb::core
