// Command-line arguments: what the user asked for, checked before anything is opened or
// connected. Pure (no libpq), so it is unit-tested (test/unit/cli_args_test.cpp).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace cb::cli {

enum class Command { help, load, statements, report, demo, serve, export_focus, prices_import, prices_diff };

struct Options {
    Command command = Command::help;
    std::string conninfo;             // -d: a connection string or database name; empty = libpq defaults
    std::vector<std::string> files;   // load: files, "-" for stdin; prices: the one catalog file
    std::string price_format;         // prices: litellm or csv (empty: by the file's name)
    std::string valid_from;           // prices: when the imported prices take effect (empty: now)
    std::string format = "auto";      // load: usage format of every line
    bool progress = false;            // load, demo: progress on stderr even when it is not a tty
    bool quiet = false;               // load: no progress at all
    std::string period;               // statements, report: YYYY-MM-01
    std::string out_dir;              // statements, demo: where the HTML statements go
    uint64_t requests = 200000;       // demo: requests in the demo month
    uint64_t seed = 2026;             // demo: generator seed (same seed, same usage)
    std::string listen_host = "127.0.0.1";  // serve: --listen HOST:PORT
    int listen_port = 4318;
    std::string tokens_file;          // serve: "token role" lines; empty = loopback clients only
    std::string tls_cert, tls_key;    // serve: PEM files; both or neither
    uint64_t workers = 0;             // serve: flusher connections (0 = default)
    uint64_t flush_ms = 0;            // serve: longest wait of a batch for more rows (0 = default)
    std::string focus_version = "1.4";  // export focus: 1.2 (chargeback.focus_1_2) or 1.4 (chargeback.focus)
    std::string out_file;             // export focus: the CSV file written
};

// Parses argv (argv[0] is the program name). Throws CliError(Exit::usage) naming the problem.
Options parse_args(int argc, const char* const* argv);

// The full --help text; command_usage() the short form printed after a usage error.
std::string usage_text();
std::string command_usage();

// True for a first-of-month date written YYYY-MM-01 with a real month.
bool valid_period(const std::string& s);

// HOST:PORT ([v6]:PORT for IPv6); false when it is not one.
bool parse_listen(const std::string& s, std::string& host, int& port);

}  // namespace cb::cli
