// chargeback: the command-line tool of pg_chargeback (README.md, "Command-line tool").
// main() only dispatches and turns errors into messages and exit codes.
#include "cli/args.hpp"
#include "cli/commands.hpp"
#include "cli/errors.hpp"

#include <cstdio>
#include <exception>
#include <new>

int main(int argc, char** argv) {
    using namespace cb::cli;
    try {
        const Options o = parse_args(argc, argv);
        switch (o.command) {
        case Command::help: std::fputs(usage_text().c_str(), stdout); return 0;
        case Command::load: return run_load(o);
        case Command::statements: return run_statements(o);
        case Command::report: return run_report(o);
        case Command::demo: return run_demo(o);
        case Command::serve: return run_serve(o);
        case Command::export_focus: return run_export_focus(o);
        case Command::prices_import:
        case Command::prices_diff: return run_prices(o);
        }
    } catch (const CliError& e) {
        std::fflush(stdout);
        std::fprintf(stderr, "chargeback: %s\n", e.what());
        if (!e.hint().empty()) std::fprintf(stderr, "hint: %s\n", e.hint().c_str());
        if (e.code() == Exit::usage) std::fprintf(stderr, "%sTry \"chargeback --help\".\n", command_usage().c_str());
        return static_cast<int>(e.code());
    } catch (const std::bad_alloc&) {
        std::fprintf(stderr, "chargeback: out of memory\n");
    } catch (const std::exception& e) {
        std::fprintf(stderr, "chargeback: internal error: %s\n", e.what());
    }
    return static_cast<int>(Exit::failure);
}
