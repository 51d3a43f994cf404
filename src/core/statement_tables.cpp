// The statement's tables: money rounded to cents with separators (the exact amount in the
// cell's title), counts with separators, every name HTML-escaped.
#include "statement_parts.hpp"

namespace cb::core::statement {

void spend_table(Page& p, const std::vector<SpendRow>& rows, bool model) {
    std::string table = "<table><thead><tr>";
    table += model ? "<th>Provider</th><th>Model</th>" : "<th>Project</th>";
    table +=
        "<th class=\"num\">Cost</th><th class=\"num\">Share</th><th class=\"num\">Requests</th>"
        "<th class=\"num\">Tokens</th></tr></thead><tbody>\n";
    for (const SpendRow& r : rows) {
        std::string first_cells;
        if (model)
            first_cells = r.others > 0 ? "<td colspan=\"2\">" + html_escape(r.label) + "</td>"
                                       : "<td>" + html_escape(r.provider) + "</td><td>" +
                                             html_escape(r.model) + "</td>";
        else first_cells = "<td>" + html_escape(r.label) + "</td>";
        table += "<tr>" + first_cells + num_cell(r.cost) + "<td class=\"num\">" +
                 html_escape(r.share.null ? r.share.text : r.share.text + "%") +
                 "</td><td class=\"num\">" + group_digits(r.requests) + "</td><td class=\"num\">" +
                 group_digits(r.tokens) + "</td></tr>\n";
    }
    p.raw(table + "</tbody></table>\n");
}

void budget_table(Page& p, const std::vector<BudgetRow>& budgets) {
    p.raw(
        "<table><thead><tr><th>Budget</th><th>Unit</th><th>Period</th><th class=\"num\">Amount</th>"
        "<th class=\"num\">Spent</th><th class=\"num\">Used</th><th "
        "class=\"num\">Forecast</th><th>State</th>"
        "</tr></thead><tbody>\n");
    for (const BudgetRow& b : budgets) {
        p.raw("<tr><td>" + html_escape(b.name) + "</td><td>" + html_escape(b.scope) + "</td><td>" +
              html_escape(b.period + " " + b.start + " to " + b.end) + "</td><td class=\"num\">" +
              html_escape(b.currency + " " + money(b.amount)) + "</td>" + num_cell(b.spend) + "<td class=\"num\">" +
              html_escape(b.pct.null ? b.pct.text : b.pct.text + "%") + "</td>" + num_cell(b.forecast) +
              "<td><span class=\"swatch\" "
              "style=\"background:" +
              state_colour(b.state) + "\"></span>" + html_escape(b.state) + "</td></tr>\n");
    }
    p.raw("</tbody></table>\n");
}

void unit_cost_table(Page& p, const std::vector<UnitCostRow>& rows) {
    p.raw(
        "<table><thead><tr><th>Unit</th><th>Activity</th><th class=\"num\">Cost</th><th "
        "class=\"num\">Outcomes</th>"
        "<th class=\"num\">Cost per outcome</th></tr></thead><tbody>\n");
    for (const UnitCostRow& u : rows) {
        p.raw("<tr><td>" + html_escape(u.org_unit) + "</td><td>" + html_escape(u.activity_type) +
              "</td>" + num_cell(u.cost) + "<td class=\"num\">" +
              html_escape(u.units.text) + "</td><td class=\"num\">" +
              html_escape(u.cost_per_unit.text) + "</td></tr>\n");
    }
    p.raw("</tbody></table>\n");
}

void anomaly_table(Page& p, const std::vector<AnomalyRow>& rows) {
    p.raw(
        "<table><thead><tr><th>Day</th><th>Series</th><th>Unit</th><th class=\"num\">Expected</th>"
        "<th class=\"num\">Actual</th><th>What moved</th></tr></thead><tbody>\n");
    for (const AnomalyRow& a : rows) {
        std::string moved;
        for (const std::string& m : a.movers) moved += (moved.empty() ? "" : "; ") + m;
        p.raw("<tr class=\"anomaly-" + html_escape(a.direction) + "\"><td>" + html_escape(a.day) + "</td><td>" +
              html_escape(a.scope) + " " + html_escape(a.scope_value) + " (" + html_escape(a.direction) + ")</td><td>" +
              html_escape(a.org_unit) + "</td>" + num_cell(a.expected) + num_cell(a.actual) + "<td>" +
              html_escape(moved) + "</td></tr>\n");
    }
    p.raw("</tbody></table>\n");
}

void allocation_table(Page& p, const std::vector<AllocationLine>& lines) {
    p.raw(
        "<table><thead><tr><th>Unit</th><th>Component</th><th>Source</th><th "
        "class=\"num\">Amount</th>"
        "<th>Currency</th></tr></thead><tbody>\n");
    for (const AllocationLine& l : lines) {
        p.raw("<tr><td>" + html_escape(l.org_unit) + "</td><td>" + html_escape(l.component) +
              "</td><td>" + html_escape(l.source) + "</td><td class=\"num\">" +
              html_escape(l.amount.text) + "</td><td>" + html_escape(l.currency) + "</td></tr>\n");
    }
    p.raw("</tbody></table>\n");
}

}  // namespace cb::core::statement
