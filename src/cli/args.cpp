#include "cli/args.hpp"

#include "cli/errors.hpp"

#include <cctype>
#include <cstring>

namespace cb::cli {

namespace {

[[noreturn]] void bad(const std::string& message, std::string hint = {}) {
    throw CliError(Exit::usage, message, std::move(hint));
}

bool ends_with(const std::string& s, const std::string& tail) {
    return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

bool is_prices(Command c) { return c == Command::prices_import || c == Command::prices_diff; }

bool all_digits(const std::string& s) {
    if (s.empty()) return false;
    for (char c : s)
        if (!std::isdigit(static_cast<unsigned char>(c))) return false;
    return true;
}

uint64_t positive_number(const std::string& option, const std::string& value) {
    // 20 digits can exceed 2^64; 18 are plenty for a request count or a seed.
    if (!all_digits(value) || value.size() > 18) bad(option + " needs a whole number, not \"" + value + "\"");
    return std::stoull(value);
}

bool valid_format_name(const std::string& s) {
    if (s.empty()) return false;
    for (char c : s)
        if (!(std::islower(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)) || c == '_'))
            return false;
    return true;
}

// Walks argv, splitting "--name=value" and taking the next argument for "--name value".
class ArgReader {
public:
    ArgReader(int argc, const char* const* argv) : argc_(argc), argv_(argv) {}
    bool done() const { return i_ >= argc_; }
    std::string next() { return argv_[i_++]; }
    std::string value_of(const std::string& option, std::string& inline_value, bool has_inline) {
        if (has_inline) return inline_value;
        if (done()) bad(option + " needs a value");
        return next();
    }

private:
    int argc_;
    const char* const* argv_;
    int i_ = 1;
};

}  // namespace

bool parse_listen(const std::string& s, std::string& host, int& port) {
    size_t colon;
    std::string h;
    if (!s.empty() && s[0] == '[') {
        const size_t close = s.find(']');
        if (close == std::string::npos || close + 1 >= s.size() || s[close + 1] != ':') return false;
        h = s.substr(1, close - 1);
        colon = close + 1;
    } else {
        colon = s.rfind(':');
        if (colon == std::string::npos) return false;
        h = s.substr(0, colon);
        if (h.find(':') != std::string::npos) return false;  // IPv6 needs brackets
    }
    const std::string p = s.substr(colon + 1);
    if (h.empty() || !all_digits(p) || p.size() > 5) return false;
    const int n = std::stoi(p);
    if (n < 1 || n > 65535) return false;
    host = h;
    port = n;
    return true;
}

bool valid_period(const std::string& s) {
    // YYYY-MM-01: a month, written as its first day (as chargeback.period is).
    if (s.size() != 10 || s[4] != '-' || s[7] != '-') return false;
    if (!all_digits(s.substr(0, 4)) || !all_digits(s.substr(5, 2)) || s.substr(8, 2) != "01") return false;
    int year = std::stoi(s.substr(0, 4));
    int month = std::stoi(s.substr(5, 2));
    return year >= 2000 && year <= 2099 && month >= 1 && month <= 12;
}

Options parse_args(int argc, const char* const* argv) {
    Options o;
    ArgReader r(argc, argv);
    bool have_command = false;
    bool help = false;
    bool only_files = false;  // after "--" everything is a file
    while (!r.done()) {
        std::string arg = r.next();
        if (!have_command && !only_files && !arg.empty() && arg[0] != '-') {
            if (arg == "load") o.command = Command::load;
            else if (arg == "statements") o.command = Command::statements;
            else if (arg == "report") o.command = Command::report;
            else if (arg == "demo") o.command = Command::demo;
            else if (arg == "serve") o.command = Command::serve;
            else if (arg == "export") {
                // export has one subject for now: focus.
                if (r.done()) bad("export needs what to export: export focus");
                std::string what = r.next();
                if (what != "focus") bad("cannot export \"" + what + "\": export focus is the one export");
                o.command = Command::export_focus;
            }
            else if (arg == "prices") {
                if (r.done()) bad("prices needs what to do: prices import FILE or prices diff FILE");
                std::string what = r.next();
                if (what == "import") o.command = Command::prices_import;
                else if (what == "diff") o.command = Command::prices_diff;
                else bad("unknown prices command \"" + what + "\": prices import FILE or prices diff FILE");
            }
            else if (arg == "help") o.command = Command::help;
            else bad("unknown command \"" + arg + "\"");
            have_command = true;
            continue;
        }
        if (only_files || arg == "-" || arg.empty() || arg[0] != '-') {
            if (o.command != Command::load && !(is_prices(o.command) && o.files.empty()))
                bad("unexpected argument \"" + arg + "\"");
            o.files.push_back(arg);
            continue;
        }
        if (arg == "--") {
            only_files = true;
            continue;
        }
        std::string name = arg, inline_value;
        bool has_inline = false;
        if (arg.rfind("--", 0) == 0) {
            size_t eq = arg.find('=');
            if (eq != std::string::npos) {
                name = arg.substr(0, eq);
                inline_value = arg.substr(eq + 1);
                has_inline = true;
            }
        } else if (arg.size() > 2) {
            // -dCONNSTRING, as psql accepts it.
            name = arg.substr(0, 2);
            inline_value = arg.substr(2);
            has_inline = true;
        }
        auto for_commands = [&](std::initializer_list<Command> allowed) {
            for (Command c : allowed)
                if (o.command == c) return;
            bad(name + " is not an option of this command");
        };
        if (name == "-h" || name == "--help") {
            help = true;
        } else if (name == "-d" || name == "--dbname") {
            o.conninfo = r.value_of(name, inline_value, has_inline);
        } else if (name == "--format" && is_prices(o.command)) {
            o.price_format = r.value_of(name, inline_value, has_inline);
            if (o.price_format != "litellm" && o.price_format != "csv")
                bad("--format of a price catalog is litellm or csv, not \"" + o.price_format + "\"");
        } else if (name == "--valid-from") {
            for_commands({Command::prices_import, Command::prices_diff});
            o.valid_from = r.value_of(name, inline_value, has_inline);
            if (o.valid_from.empty()) bad("--valid-from needs a time such as 2026-12-01 or 2026-12-01T00:00:00Z");
        } else if (name == "--format") {
            for_commands({Command::load});
            o.format = r.value_of(name, inline_value, has_inline);
            if (!valid_format_name(o.format)) bad("--format needs a format name such as openai_chat or auto, not \"" + o.format + "\"");
        } else if (name == "--progress") {
            for_commands({Command::load, Command::demo, Command::export_focus});
            o.progress = true;
        } else if (name == "--quiet" || name == "-q") {
            for_commands({Command::load, Command::export_focus});
            o.quiet = true;
        } else if (name == "--period") {
            for_commands({Command::statements, Command::report, Command::export_focus});
            o.period = r.value_of(name, inline_value, has_inline);
            if (!valid_period(o.period)) bad("--period needs the first day of a month, YYYY-MM-01, not \"" + o.period + "\"");
        } else if (name == "--out" && o.command == Command::export_focus) {
            o.out_file = r.value_of(name, inline_value, has_inline);
            if (o.out_file.empty()) bad("--out needs a file name");
        } else if (name == "--out") {
            for_commands({Command::statements, Command::demo});
            o.out_dir = r.value_of(name, inline_value, has_inline);
            if (o.out_dir.empty()) bad("--out needs a directory");
        } else if (name == "--version") {
            for_commands({Command::export_focus});
            o.focus_version = r.value_of(name, inline_value, has_inline);
            if (o.focus_version != "1.2" && o.focus_version != "1.4")
                bad("--version needs a FOCUS version this export supports, 1.2 or 1.4, not \"" + o.focus_version + "\"");
        } else if (name == "--requests") {
            for_commands({Command::demo});
            o.requests = positive_number(name, r.value_of(name, inline_value, has_inline));
            if (o.requests == 0) bad("--requests needs at least 1");
        } else if (name == "--seed") {
            for_commands({Command::demo});
            o.seed = positive_number(name, r.value_of(name, inline_value, has_inline));
        } else if (name == "--listen") {
            for_commands({Command::serve});
            const std::string v = r.value_of(name, inline_value, has_inline);
            if (!parse_listen(v, o.listen_host, o.listen_port))
                bad("--listen needs HOST:PORT such as 127.0.0.1:4318 or [::1]:4318, not \"" + v + "\"");
        } else if (name == "--tokens") {
            for_commands({Command::serve});
            o.tokens_file = r.value_of(name, inline_value, has_inline);
            if (o.tokens_file.empty()) bad("--tokens needs a file");
        } else if (name == "--tls-cert" || name == "--tls-key") {
            for_commands({Command::serve});
            (name == "--tls-cert" ? o.tls_cert : o.tls_key) = r.value_of(name, inline_value, has_inline);
        } else if (name == "--workers") {
            for_commands({Command::serve});
            o.workers = positive_number(name, r.value_of(name, inline_value, has_inline));
            if (o.workers < 1 || o.workers > 64) bad("--workers needs 1 to 64");
        } else if (name == "--flush-ms") {
            for_commands({Command::serve});
            o.flush_ms = positive_number(name, r.value_of(name, inline_value, has_inline));
            if (o.flush_ms < 1 || o.flush_ms > 10000) bad("--flush-ms needs 1 to 10000");
        } else {
            bad("unknown option \"" + name + "\"");
        }
    }
    if (help) {
        o.command = Command::help;
        return o;
    }
    if (!have_command) bad("no command given");
    switch (o.command) {
    case Command::load:
        if (o.files.empty()) bad("load needs at least one FILE (or - for standard input)");
        {
            int stdin_count = 0;
            for (const std::string& f : o.files) stdin_count += f == "-";
            if (stdin_count > 1) bad("standard input (-) can be read only once");
        }
        if (o.progress && o.quiet) bad("--progress and --quiet contradict each other");
        break;
    case Command::statements:
        if (o.period.empty()) bad("statements needs --period YYYY-MM-01");
        if (o.out_dir.empty()) bad("statements needs --out DIR");
        break;
    case Command::report:
        if (o.period.empty()) bad("report needs --period YYYY-MM-01");
        break;
    case Command::demo:
        if (o.out_dir.empty()) o.out_dir = "chargeback-statements";
        break;
    case Command::serve:
        if (o.tls_cert.empty() != o.tls_key.empty()) bad("--tls-cert and --tls-key go together");
        break;
    case Command::export_focus:
        if (o.period.empty()) bad("export focus needs --period YYYY-MM-01");
        if (o.out_file.empty()) bad("export focus needs --out FILE.csv");
        if (ends_with(o.out_file, ".parquet"))
            bad("Parquet output is not supported: write CSV (--out FILE.csv)",
                "no Parquet writer is built in; convert the CSV with a tool of your choice");
        if (!ends_with(o.out_file, ".csv") && o.out_file != "-")
            bad("--out needs a .csv file (or - for standard output), not \"" + o.out_file + "\"");
        if (o.progress && o.quiet) bad("--progress and --quiet contradict each other");
        break;
    case Command::prices_import:
    case Command::prices_diff:
        if (o.files.size() != 1) bad("prices import and prices diff need one catalog FILE (LiteLLM JSON or CSV)");
        break;
    case Command::help:
        break;
    }
    return o;
}

std::string command_usage() {
    return "usage: chargeback [-d CONNSTRING] load [--format NAME] [--progress|--quiet] FILE...\n"
           "       chargeback [-d CONNSTRING] statements --period YYYY-MM-01 --out DIR\n"
           "       chargeback [-d CONNSTRING] report --period YYYY-MM-01\n"
           "       chargeback [-d CONNSTRING] demo [--requests N] [--seed N] [--out DIR] [--progress]\n"
           "       chargeback [-d CONNSTRING] serve [--listen HOST:PORT] [--tokens FILE]\n"
           "                  [--tls-cert FILE --tls-key FILE] [--workers N] [--flush-ms N]\n"
           "       chargeback [-d CONNSTRING] export focus --period YYYY-MM-01 [--version 1.2|1.4] --out FILE.csv\n"
           "       chargeback [-d CONNSTRING] prices import|diff [--format litellm|csv] [--valid-from TIME] FILE\n"
           "       chargeback --help\n";
}

std::string usage_text() {
    return "chargeback: LLM usage chargeback with the pg_chargeback PostgreSQL extension\n"
           "\n" +
           command_usage() +
           "\n"
           "Commands:\n"
           "  load FILE...     stream JSON-lines usage files (- = standard input) into\n"
           "                   chargeback.usage_inbox_text with COPY; every line is parsed, priced\n"
           "                   and owned by the server, a bad line lands in chargeback.usage_rejected.\n"
           "                   --format NAME   the usage format of every line (default auto:\n"
           "                                   detected per line; see the README's format table)\n"
           "                   --progress      rows, MB/s and rejections on stderr once a second\n"
           "                                   (the default when stderr is a terminal)\n"
           "                   --quiet         no progress display\n"
           "  statements       write each org unit's HTML statement of a month to DIR/<code>.html\n"
           "                   (every unit with usage or a budget that month); prints the paths\n"
           "  report           showback per org unit for a month (requests, tokens, cost, share,\n"
           "                   change from the month before) and the budgets' current status\n"
           "  demo             on a NEW database: creates pg_chargeback, an organisation with\n"
           "                   about 1000 people, rules, budgets, a month of generated usage from\n"
           "                   four providers, invoices and allocation runs, then prints the\n"
           "                   report and writes the statements (--out, default\n"
           "                   ./chargeback-statements). --requests N (default 200000), --seed N.\n"
           "  serve            an HTTP endpoint for gateways and OpenTelemetry exporters (default\n"
           "                   127.0.0.1:4318): POST /v1/traces (OTLP/HTTP protobuf or JSON),\n"
           "                   POST /v1/usage (usage webhooks; ?format=NAME), POST /v1/authorize\n"
           "                   and /v1/settle (budgets before a request), GET /healthz, /metrics.\n"
           "                   --tokens FILE   \"TOKEN ROLE\" lines: a bearer token picks the database\n"
           "                                   role a request acts as; without it only loopback\n"
           "                                   clients are served\n"
           "                   --tls-cert FILE --tls-key FILE   serve HTTPS\n"
           "                   --workers N     COPY connections (default 2)\n"
           "                   --flush-ms N    longest wait of a batch for more rows (default 50)\n"
           "  export focus     the month's FinOps FOCUS CostAndUsage rows as CSV with a header\n"
           "                   (datetimes YYYY-MM-DDTHH:MM:SSZ, UTC): --version 1.4 (default,\n"
           "                   chargeback.focus) or 1.2 (chargeback.focus_1_2); --out FILE.csv\n"
           "                   (- = standard output); rows and MB/s on stderr (--progress/--quiet)\n"
           "  prices diff FILE what importing a price catalog would do, writing nothing: each price\n"
           "                   row that would open (new, or replacing the one in force) with the\n"
           "                   rates in force and the new ones, the count unchanged, and what the\n"
           "                   file has that is not imported (with the reasons). FILE: LiteLLM's\n"
           "                   model_prices_and_context_window.json, or a CSV price list with a\n"
           "                   header provider,model,tier,threshold,rates,valid_from (--format\n"
           "                   litellm|csv, default by the file name); --valid-from TIME (default now)\n"
           "  prices import FILE  the same, then imports it in one transaction (import_prices)\n"
           "\n"
           "Connection: -d CONNSTRING (a database name, \"host=... dbname=...\" or a postgresql://\n"
           "URI); otherwise the usual libpq variables PGHOST, PGPORT, PGDATABASE, PGUSER, ...\n"
           "\n"
           "Exit codes: 0 ok, 1 database or run-time error, 2 bad arguments, 3 server not\n"
           "reachable, 4 pg_chargeback not installed in the database, 5 unreadable input or\n"
           "unwritable output.\n";
}

}  // namespace cb::cli
