// `chargeback demo`: the whole story on a new database, in about a minute. The SQL that sets
// up the organisation and closes the month is in demo_seed.sql and demo_month_end.sql
// (embedded at build time); the usage comes from the generator (generator.cpp), streamed
// straight through COPY like a file would be.
#include "cli/args.hpp"
#include "cli/commands.hpp"
#include "cli/load.hpp"
#include "cli/progress.hpp"
#include "cli/table.hpp"
#include "core/timestamp.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <unistd.h>

namespace cb::cli {

namespace {

#include "demo_sql.inc"  // kDemoSeedSql, kDemoMonthEndSql (generated from the .sql files)

constexpr uint64_t kBadLines = 7;

// psql's :'period' in the SQL files becomes the quoted date (checked to be YYYY-MM-01).
std::string with_period(std::string sql, const std::string& period) {
    const std::string var = ":'period'", literal = "'" + period + "'";
    for (size_t at = sql.find(var); at != std::string::npos; at = sql.find(var, at + literal.size()))
        sql.replace(at, var.size(), literal);
    return sql;
}

void heading(const std::string& text) { std::printf("\n== %s\n", text.c_str()); }

void indent_print(const std::string& block) {
    size_t pos = 0;
    while (pos < block.size()) {
        size_t nl = block.find('\n', pos);
        if (nl == std::string::npos) nl = block.size();
        std::printf("  %s\n", block.substr(pos, nl - pos).c_str());
        pos = nl + 1;
    }
    std::fflush(stdout);
}

// "March 2026" for a period given as YYYY-MM-DD (checked when the options were read).
std::string month_name(const std::string& period) {
    std::optional<cb::core::CivilDate> d = cb::core::parse_iso_date(period);
    return d ? cb::core::month_title(d->year, d->month) : period;
}

// A fresh database only: the demo adds a thousand people and two months of usage.
void check_fresh(Connection& db) {
    if (!db.has_extension()) {
        if (!db.extension_available()) db.require_extension();  // throws with the install hint
        db.query("CREATE EXTENSION pg_chargeback");
        return;
    }
    Result r = db.query("SELECT (SELECT count(*) FROM chargeback.org_unit WHERE code <> 'unattributed'),"
                        "       EXISTS (SELECT 1 FROM chargeback.usage)");
    if (r.text(0, 0) != "0" || r.text(0, 1) == "t")
        throw CliError(Exit::failure,
                       "database \"" + db.database() + "\" already has pg_chargeback data (" + r.text(0, 0) +
                           " org units); the demo only runs on a new database",
                       "createdb chargeback_demo && chargeback -d chargeback_demo demo "
                       "(or run bash scripts/demo.sh for a throwaway cluster)");
}

std::vector<DemoUser> demo_users(Connection& db) {
    // Each person's current unit, named by its top-level department (the demo's teams are one
    // level deep), in principal order so the generator sees the same list every time.
    Result r = db.query(R"sql(
        SELECT DISTINCT ON (m.principal) m.principal, coalesce(p.code, u.code)
        FROM chargeback.membership m
        JOIN chargeback.org_unit u USING (org_unit_id)
        LEFT JOIN chargeback.org_unit p ON p.org_unit_id = u.parent_id
        ORDER BY m.principal, m.valid_from DESC)sql");
    std::vector<DemoUser> users;
    for (int i = 0; i < r.rows(); ++i) users.push_back({r.text(i, 0), r.text(i, 1)});
    return users;
}

LoadResult load_month(Connection& db, const Options& o, const std::vector<DemoUser>& users, const std::string& period,
                      int64_t start, int64_t end, uint64_t requests, uint64_t bad, uint64_t seed) {
    GeneratorConfig g;
    g.seed = seed;
    g.start = start;
    g.end = end;
    g.requests = requests;
    g.bad_lines = bad;
    g.id_prefix = "d" + period.substr(2, 2) + period.substr(5, 2);
    g.users = users;
    GeneratorSource source(std::move(g), "generated usage, " + month_name(period));
    LoadSettings s;
    s.progress = o.progress || isatty(STDERR_FILENO);
    LoadResult r = load_source(db, source, s);
    indent_print(load_summary(r));
    return r;
}

}  // namespace

int run_demo(const Options& o) {
    const auto started = std::chrono::steady_clock::now();
    Connection db(o.conninfo);
    check_fresh(db);

    // The demo month is the last complete accounting month, so that its statement, runs and
    // report read the same on any day; the month before it gives the report something to
    // compare with, and the current month runs up to now at the same daily rate (on the 1st
    // of a month it holds a few hours, and budgets say their forecast has too little data).
    Result p = db.query(R"sql(
        WITH tz AS (SELECT chargeback.accounting_timezone() AS name),
        m AS (SELECT chargeback.period_of(now()) AS cur, (chargeback.period_of(now()) - interval '1 month')::date AS demo,
                     (chargeback.period_of(now()) - interval '2 months')::date AS prev)
        SELECT m.demo::text, m.prev::text, m.cur::text,
               extract(epoch FROM m.demo::timestamp AT TIME ZONE tz.name)::bigint,
               extract(epoch FROM m.prev::timestamp AT TIME ZONE tz.name)::bigint,
               extract(epoch FROM m.cur::timestamp AT TIME ZONE tz.name)::bigint,
               extract(epoch FROM now())::bigint,
               to_char(now() AT TIME ZONE tz.name, 'YYYY-MM-DD HH24:MI ') || tz.name
        FROM m, tz)sql");
    const std::string period = p.text(0, 0), prev = p.text(0, 1), cur = p.text(0, 2);
    const int64_t demo_start = std::stoll(p.text(0, 3)), prev_start = std::stoll(p.text(0, 4));
    const int64_t cur_start = std::stoll(p.text(0, 5)), now = std::stoll(p.text(0, 6));
    // The current month so far, at the demo month's rate per second.
    const uint64_t cur_requests =
        now > cur_start ? static_cast<uint64_t>(static_cast<__int128>(o.requests) * (now - cur_start) / (cur_start - demo_start))
                        : 0;

    std::printf("pg_chargeback demo: database \"%s\" at %s\n", db.database().c_str(), db.where().c_str());
    std::printf("The month is %s, the last complete one (it is %s); seed %llu (the same seed makes the same requests).\n",
                month_name(period).c_str(), p.text(0, 7).c_str(), static_cast<unsigned long long>(o.seed));

    heading("1. The organisation, ownership rules, budgets and allocation rules (src/cli/demo_seed.sql)");
    db.run_script(with_period(kDemoSeedSql, period));
    Result org = db.query(R"sql(
        SELECT (SELECT count(*) FROM chargeback.org_unit WHERE code <> 'unattributed') AS org_units,
               (SELECT count(DISTINCT principal) FROM chargeback.membership) AS people,
               (SELECT count(*) FROM chargeback.ownership_rule) AS ownership_rules,
               (SELECT count(*) FROM chargeback.budget) AS budgets,
               (SELECT count(*) FROM chargeback.allocation_rule) AS allocation_rules)sql");
    indent_print(result_table(org));
    Result rules = db.query(R"sql(
        SELECT r.priority, r.match::text AS match, o.code AS owner, r.project
        FROM chargeback.ownership_rule r JOIN chargeback.org_unit o USING (org_unit_id)
        ORDER BY r.priority DESC, r.rule_id)sql");
    indent_print(result_table(rules));

    const std::vector<DemoUser> users = demo_users(db);
    const uint64_t prev_requests = std::max<uint64_t>(1, o.requests / 4);
    heading("2. " + month_name(prev) + ": " + group_digits(std::to_string(prev_requests)) +
            " generated requests through COPY (chargeback load streams files the same way)");
    load_month(db, o, users, prev, prev_start, demo_start, prev_requests, 0, o.seed + 1);

    heading("3. " + month_name(period) + ": " + group_digits(std::to_string(o.requests)) +
            " requests from OpenAI, Anthropic, Google and Bedrock, and " + std::to_string(kBadLines) + " bad lines");
    load_month(db, o, users, period, demo_start, cur_start, o.requests, kBadLines, o.seed);
    std::printf("  Rejected lines keep their payload and reason (chargeback.usage_rejected):\n");
    indent_print(result_table(db.query(R"sql(
        SELECT sqlstate, left(error, 90) AS reason, count(*) AS lines
        FROM chargeback.usage_rejected GROUP BY sqlstate, error ORDER BY sqlstate, reason)sql")));
    std::printf("  Where the cost went, by provider (chargeback.showback):\n");
    indent_print(result_table(db.query(R"sql(
        SELECT provider, sum(requests) AS requests, sum(total_tokens) AS tokens, round(sum(cost), 2) AS cost
        FROM chargeback.showback WHERE period = $1::date GROUP BY provider ORDER BY cost DESC)sql", {period})));
    if (cur_requests > 0) {
        std::printf("  %s so far, the month in progress: %s requests at the same rate\n", month_name(cur).c_str(),
                    group_digits(std::to_string(cur_requests)).c_str());
        load_month(db, o, users, cur, cur_start, now, cur_requests, 0, o.seed + 2);
    }

    heading("4. Budget alerts: each threshold crossing is recorded once (chargeback.budget_event)");
    indent_print(result_table(db.query(R"sql(
        SELECT b.name AS budget, e.period_start AS period, e.kind, e.threshold, round(e.spend, 2) AS spend_then,
               b.amount, to_char(e.created_at, 'YYYY-MM-DD HH24:MI') AS noticed
        FROM chargeback.budget_event e JOIN chargeback.budget b USING (budget_id)
        ORDER BY e.period_start, b.name, e.kind, e.threshold)sql")));

    heading("5. Month end: outcomes, seats, invoices and runs in three models (src/cli/demo_month_end.sql)");
    db.run_script(with_period(kDemoMonthEndSql, period));
    std::printf("  Invoices against metered cost: the difference is trued up to the owners:\n");
    indent_print(result_table(db.query(R"sql(
        SELECT i.provider, i.amount AS invoiced, round(m.metered, 2) AS metered, coalesce(f.fixed, 0) AS fixed,
               i.amount - round(m.metered, 2) - coalesce(f.fixed, 0) AS true_up
        FROM chargeback.invoice i
        JOIN (SELECT provider, sum(cost) AS metered FROM chargeback.showback WHERE period = $1::date GROUP BY provider) m
            USING (provider)
        LEFT JOIN (SELECT provider, sum(amount) AS fixed FROM chargeback.fixed_charge WHERE period = $1::date
                   GROUP BY provider) f USING (provider)
        WHERE i.period = $1::date ORDER BY i.provider)sql", {period})));
    std::printf("  The runs (chargeback.allocation_run): each sums exactly to the invoices:\n");
    indent_print(result_table(db.query(R"sql(
        SELECT r.run_id, r.model, r.lines, r.total,
               (SELECT sum(amount) FROM chargeback.allocation_line l WHERE l.run_id = r.run_id) AS lines_sum,
               (SELECT sum(amount) FROM chargeback.invoice i WHERE i.period = r.period) AS invoiced
        FROM chargeback.allocation_run r WHERE r.period = $1::date ORDER BY r.run_id)sql", {period})));
    std::printf("  The department model per org unit (chargeback.allocation_line):\n");
    indent_print(result_table(db.query(R"sql(
        SELECT o.code AS org_unit,
               coalesce(sum(l.amount) FILTER (WHERE l.component = 'direct'), 0) AS direct,
               coalesce(sum(l.amount) FILTER (WHERE l.component = 'shared'), 0) AS shared,
               coalesce(sum(l.amount) FILTER (WHERE l.component = 'fixed'), 0) AS fixed,
               coalesce(sum(l.amount) FILTER (WHERE l.component = 'true_up'), 0) AS true_up,
               sum(l.amount) AS charged
        FROM chargeback.allocation_line l JOIN chargeback.org_unit o USING (org_unit_id)
        WHERE l.run_id = (SELECT max(run_id) FROM chargeback.allocation_run WHERE period = $1::date AND model = 'department')
        GROUP BY o.code ORDER BY charged DESC, o.code)sql", {period})));
    std::printf("  The journal balances (chargeback.journal, department run):\n");
    indent_print(result_table(db.query(R"sql(
        SELECT count(*) AS entries, sum(debit) AS debit, sum(credit) AS credit, sum(debit) = sum(credit) AS balanced
        FROM chargeback.journal
        WHERE run_id = (SELECT max(run_id) FROM chargeback.allocation_run WHERE period = $1::date AND model = 'department'))sql",
                                             {period})));

    heading("6. Cost per business outcome (chargeback.unit_costs)");
    indent_print(result_table(db.query(R"sql(
        SELECT org_unit, activity_type, round(cost, 2) AS cost, units, round(cost_per_unit, 4) AS cost_per_unit
        FROM chargeback.unit_costs WHERE period = $1::date AND units > 0 ORDER BY org_unit, activity_type)sql",
                                             {period})));

    heading("7. The report (chargeback report --period " + period + ")");
    indent_print(report_text(db, period));

    heading("8. Statements (chargeback statements --period " + period + " --out " + o.out_dir + ")");
    if (has_statement_html(db)) {
        for (const std::string& path : write_statements(db, period, o.out_dir)) std::printf("  %s\n", path.c_str());
    } else {
        std::printf("  skipped: this pg_chargeback has no chargeback.statement_html(date, text) yet\n");
    }

    const uint64_t us = static_cast<uint64_t>(
        std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - started).count());
    std::printf("\n== Done in %s.", elapsed_text(us).c_str());
    if (has_statement_html(db)) std::printf(" Open the HTML statements in %s/", o.out_dir.c_str());
    std::printf("\n");
    return 0;
}

}  // namespace cb::cli
