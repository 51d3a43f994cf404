// The subcommands, one file each (load.cpp, report.cpp, statements.cpp, demo.cpp). Each returns
// the process exit code or throws CliError.
#pragma once

#include "cli/connection.hpp"

#include <string>
#include <vector>

namespace cb::cli {

struct Options;

int run_load(const Options& o);
int run_report(const Options& o);
int run_statements(const Options& o);
int run_demo(const Options& o);
int run_serve(const Options& o);
int run_export_focus(const Options& o);
int run_prices(const Options& o);  // prices import and prices diff

// Pieces the demo reuses.
// The showback per org unit and the budget status, as text tables.
std::string report_text(Connection& db, const std::string& period);
// Writes <dir>/<code>.html for every org unit with usage or a budget in the period; returns
// the paths. Throws CliError when chargeback.statement_html is missing.
std::vector<std::string> write_statements(Connection& db, const std::string& period, const std::string& dir);
bool has_statement_html(Connection& db);
// Any query as an aligned table (right-aligned numeric columns).
std::string result_table(const Result& r);

}  // namespace cb::cli
