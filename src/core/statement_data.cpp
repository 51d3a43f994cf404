// Reading the statement document (its shape is in statement_html.hpp) into a Statement.
// Fields are checked in a fixed order, and the first bad one is the error: keep the order
// when adding a field.
#include "statement_parts.hpp"

#include "error.hpp"
#include "utf8.hpp"

#include <utility>

namespace cb::core::statement {

namespace {

using json = nlohmann::json;

// Amounts are limited to 1e15 currency units, so value * pixels stays far inside 128 bits.
const int128 kMaxAmount = pow10_128(27);

[[noreturn]] void bad(const std::string& what) {
    throw Error(sqlstate::invalid_parameter_value, "statement input: " + what);
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

// An integer as text ("0" when null).
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
    if (!d) bad(where + "." + key + " is not a decimal: \"" + utf8_shorten(t, 40) + "\"");
    std::optional<int128> u;
    if (!overflow) u = rescale(*d, kScale, Rounding::half_up, kMaxAmount, &overflow);
    if (overflow || !u)
        throw Error(
            sqlstate::numeric_value_out_of_range,
            "statement input: " + where + "." + key + " is out of range: " + utf8_shorten(t, 40));
    a.null = false;
    a.units = *u;
    a.text = plain_decimal(t) ? t : format_scaled(*u, kScale);
    return a;
}

}  // namespace

std::string money(const Amount& a) {
    if (a.null) return a.text;
    constexpr int128 kPerCent = 10000000000;  // units are 1e-12
    int128 v = a.units < 0 ? -a.units : a.units;
    int128 cents = v / kPerCent + (v % kPerCent >= kPerCent / 2 ? 1 : 0);
    std::string whole = group_digits(format_scaled(cents / 100, 0));
    int frac = static_cast<int>(cents % 100);
    std::string out = whole + "." + (frac < 10 ? "0" : "") + std::to_string(frac);
    return a.units < 0 && cents != 0 ? "-" + out : out;
}

bool rounded_for_display(const Amount& a) { return !a.null && a.units % 10000000000 != 0; }

std::string num_cell(const Amount& a) {
    const std::string shown = money(a);
    std::string cell = "<td class=\"num\"";
    if (rounded_for_display(a)) cell += " title=\"" + html_escape(a.text) + "\"";
    return cell + ">" + html_escape(shown) + "</td>";
}

namespace {

Day parse_day(const std::string& s, const std::string& what) {
    std::optional<Day> d = parse_iso_date(s);
    if (!d) bad(what + " is not a date (YYYY-MM-DD): \"" + utf8_shorten(s, 40) + "\"");
    return *d;
}

std::vector<SpendRow> spend_rows(const json& doc, const char* key, bool model) {
    std::vector<SpendRow> rows;
    const std::string where = std::string(key) + "[]";
    for (const json& r : array_member(doc, key, "document")) {
        SpendRow row;
        const json& others = member(r, "others", where);
        if (!others.is_number_integer()) bad(where + ".others is not an integer");
        row.others = others.get<int64_t>();
        if (model) {
            row.provider = text(r, "provider", where);
            row.model = text(r, "model", where);
            row.label = row.others > 0 ? std::to_string(row.others) + " other models"
                                       : row.provider + " " + row.model;
        } else {
            bool none = false;
            std::string project = optional_text(r, "project", where, &none);
            row.label = row.others > 0 ? std::to_string(row.others) + " other projects"
                        : none         ? "(no project)"
                                       : project;
        }
        row.cost = amount(r, "cost", where);
        row.share = amount(r, "share_pct", where, true);
        row.tokens = count(r, "total_tokens", where);
        row.requests = count(r, "requests", where);
        rows.push_back(std::move(row));
    }
    return rows;
}

std::vector<BudgetRow> budget_rows(const json& doc) {
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
    return budgets;
}

void read_daily(const json& doc, Statement& s) {
    const json& daily = array_member(doc, "daily", "document");
    if (daily.empty() || daily.size() > 400) bad("daily must list the days of the period");
    int as_of_index = -1;
    for (const json& d : daily) {
        std::string day = text(d, "day", "daily[]");
        s.days.push_back(parse_day(day, "daily[].day"));
        s.daily_cost.push_back(amount(d, "cost", "daily[]").units);
        if (day == s.as_of) as_of_index = static_cast<int>(s.days.size()) - 1;
    }
    s.as_of_index = as_of_index < 0 ? static_cast<int>(s.days.size()) - 1 : as_of_index;
    const json& fc = member(doc, "forecast", "document");
    if (!fc.is_null()) {
        s.forecast = Forecast{amount(fc, "projected", "forecast"), amount(fc, "low", "forecast"),
                              amount(fc, "high", "forecast"), {}};
        if (fc.is_object() && fc.contains("state") && fc["state"].is_string())
            s.forecast->state = fc["state"].get<std::string>();
    }
}

std::vector<UnitCostRow> unit_cost_rows(const json& doc) {
    std::vector<UnitCostRow> rows;
    for (const json& u : array_member(doc, "unit_costs", "document")) {
        UnitCostRow r;
        r.cost_per_unit = amount(u, "cost_per_unit", "unit_costs[]", true);
        r.units = amount(u, "units", "unit_costs[]", true);
        r.cost = amount(u, "cost", "unit_costs[]");
        r.activity_type = text(u, "activity_type", "unit_costs[]");
        r.org_unit = text(u, "org_unit", "unit_costs[]");
        rows.push_back(std::move(r));
    }
    return rows;
}

// Optional: documents made before anomalies existed have none.
std::vector<AnomalyRow> anomaly_rows(const json& doc) {
    std::vector<AnomalyRow> rows;
    if (!doc.is_object() || !doc.contains("anomalies")) return rows;
    for (const json& a : array_member(doc, "anomalies", "document")) {
        AnomalyRow r;
        r.day = text(a, "day", "anomalies[]");
        r.scope = text(a, "scope", "anomalies[]");
        r.scope_value = text(a, "scope_value", "anomalies[]");
        r.org_unit = text(a, "org_unit", "anomalies[]");
        r.direction = text(a, "direction", "anomalies[]");
        r.expected = amount(a, "expected", "anomalies[]");
        r.actual = amount(a, "actual", "anomalies[]");
        for (const json& m : array_member(a, "movers", "anomalies[]")) {
            bool null_value = false;
            std::string value = optional_text(m, "value", "anomalies[].movers[]", &null_value);
            Amount change = amount(m, "change", "anomalies[].movers[]");
            std::string sign = change.units < 0 ? "" : "+";
            r.movers.push_back(text(m, "dimension", "anomalies[].movers[]") + " " + value + " " + sign + money(change));
        }
        rows.push_back(std::move(r));
    }
    return rows;
}

std::optional<Allocation> allocation(const json& doc) {
    const json& alloc = member(doc, "allocation", "document");
    if (alloc.is_null()) return std::nullopt;
    Allocation a;
    const json& run_id = member(alloc, "run_id", "allocation");
    if (!run_id.is_number_integer()) bad("allocation.run_id is not an integer");
    a.run_id = run_id.dump();
    a.status = text(alloc, "status", "allocation");
    a.total = amount(alloc, "total", "allocation");
    a.model = text(alloc, "model", "allocation");
    for (const json& c : array_member(alloc, "components", "allocation"))
        a.parts.push_back({text(c, "component", "components[]"),
                           text(c, "currency", "components[]"),
                           amount(c, "amount", "components[]")});
    const json& lines = array_member(alloc, "lines", "allocation");
    a.line_count = lines.size();
    for (const json& l : lines) {
        if (a.lines.size() == kShownLines)
            break;  // a readable page; the rest is in chargeback.allocation_line
        AllocationLine line;
        line.currency = text(l, "currency", "lines[]");
        line.amount = amount(l, "amount", "lines[]");
        line.source = text(l, "source", "lines[]");
        line.component = text(l, "component", "lines[]");
        line.org_unit = text(l, "org_unit", "lines[]");
        a.lines.push_back(std::move(line));
    }
    return a;
}

}  // namespace

Statement read_statement(const json& doc) {
    if (!doc.is_object()) bad("the document is not an object");
    Statement s;
    const json& unit = member(doc, "org_unit", "document");
    s.code = text(unit, "code", "org_unit");
    s.name = text(unit, "name", "org_unit");
    s.period = text(doc, "period", "document");
    s.period_end = text(doc, "period_end", "document");
    s.as_of = text(doc, "as_of", "document");
    s.month = parse_day(s.period, "period");
    parse_day(s.period_end, "period_end");
    parse_day(s.as_of, "as_of");
    s.title = month_title(s.month.year, s.month.month);
    s.who = s.name + " (" + s.code + ")";

    s.total = amount(doc, "total", "document");
    s.prev_total = amount(doc, "prev_total", "document");
    s.change = amount(doc, "change", "document");
    s.change_pct = amount(doc, "change_pct", "document", true);
    s.requests = count(doc, "requests", "document");
    s.tokens = count(doc, "total_tokens", "document");
    s.no_usage = s.requests == "0";

    for (const json& u : array_member(doc, "units", "document")) {
        std::string c = text(u, "code", "units[]");
        if (c == s.code) continue;
        s.sub_units.push_back(text(u, "name", "units[]") + " (" + c + ")");
    }
    s.by_project = spend_rows(doc, "by_project", false);
    s.by_model = spend_rows(doc, "by_model", true);
    s.budgets = budget_rows(doc);
    read_daily(doc, s);
    s.unit_costs = unit_cost_rows(doc);
    s.anomalies = anomaly_rows(doc);
    // Optional (documents made before it had none): the one currency of the month's costs.
    if (doc.contains("currency") && doc["currency"].is_string()) s.currency = doc["currency"].get<std::string>();
    if (doc.contains("reporting") && doc["reporting"].is_object()) {
        const json& r = doc["reporting"];
        s.reporting_currency = text(r, "currency", "reporting");
        if (r.contains("total")) s.reporting_total = amount(r, "total", "reporting");
        else s.reporting_missing = text(r, "missing", "reporting");
    }
    s.allocation = allocation(doc);
    return s;
}

}  // namespace cb::core::statement
