// `chargeback statements --period YYYY-MM-01 --out DIR`: every org unit's HTML statement.
#include "cli/args.hpp"
#include "cli/commands.hpp"

#include <cctype>
#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <system_error>

namespace cb::cli {

namespace {

// Org units with usage that month (the showback rollup) or a budget in force during it.
const char* kUnitsSql = R"sql(
SELECT o.code
FROM chargeback.org_unit o
WHERE o.code IN (SELECT org_unit FROM chargeback.showback WHERE period = $1::date)
   OR EXISTS (SELECT 1 FROM chargeback.budget b
              WHERE b.scope = 'org_unit' AND lower(b.scope_value) = lower(o.code)
                AND b.valid_from < ($1::date + interval '1 month')
                AND (b.valid_to IS NULL OR b.valid_to > $1::date))
ORDER BY o.code
)sql";

// An org unit code as a file name: codes are free text, so anything but letters, digits,
// '-', '_' and '.' becomes '_' (no path separators, no hidden files).
std::string file_name_for(const std::string& code) {
    std::string name;
    for (unsigned char c : code) name += (std::isalnum(c) || c == '-' || c == '_' || c == '.') ? static_cast<char>(c) : '_';
    if (name.empty() || name[0] == '.') name = "_" + name;
    return name + ".html";
}

void write_file(const std::string& path, const std::string& text) {
    // Write beside the target and rename: a reader never sees half a statement.
    const std::string tmp = path + ".tmp";
    FILE* f = std::fopen(tmp.c_str(), "wb");
    if (!f) throw CliError(Exit::input, errno_message("cannot write " + tmp, errno));
    const bool ok = std::fwrite(text.data(), 1, text.size(), f) == text.size();
    const int write_errno = errno;
    if (std::fclose(f) != 0 || !ok) {
        std::remove(tmp.c_str());
        throw CliError(Exit::input, errno_message("cannot write " + tmp, ok ? errno : write_errno));
    }
    if (std::rename(tmp.c_str(), path.c_str()) != 0) {
        const int e = errno;
        std::remove(tmp.c_str());
        throw CliError(Exit::input, errno_message("cannot rename " + tmp + " to " + path, e));
    }
}

}  // namespace

bool has_statement_html(Connection& db) {
    return !db.query("SELECT to_regprocedure('chargeback.statement_html(date,text)')").is_null(0, 0);
}

std::vector<std::string> write_statements(Connection& db, const std::string& period, const std::string& dir) {
    if (!has_statement_html(db))
        throw CliError(Exit::failure,
                       "this pg_chargeback has no chargeback.statement_html(date, text) to render statements",
                       "update the extension (ALTER EXTENSION pg_chargeback UPDATE) after installing a version with it");
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) throw CliError(Exit::input, "cannot create directory " + dir + ": " + ec.message());
    Result units = db.query(kUnitsSql, {period});
    std::vector<std::string> paths;
    for (int i = 0; i < units.rows(); ++i) {
        const std::string code = units.text(i, 0);
        Result html = db.query("SELECT chargeback.statement_html($1::date, $2)", {period, code});
        if (html.is_null(0, 0)) {
            std::fprintf(stderr, "chargeback: warning: no statement for %s (statement_html returned NULL)\n", code.c_str());
            continue;
        }
        const std::string path = (std::filesystem::path(dir) / file_name_for(code)).string();
        write_file(path, html.text(0, 0));
        paths.push_back(path);
    }
    return paths;
}

int run_statements(const Options& o) {
    Connection db(o.conninfo);
    db.require_extension();
    std::vector<std::string> paths = write_statements(db, o.period, o.out_dir);
    for (const std::string& p : paths) std::printf("%s\n", p.c_str());
    if (paths.empty()) std::fprintf(stderr, "chargeback: no org unit has usage or a budget in %s\n", o.period.c_str());
    return 0;
}

}  // namespace cb::cli
