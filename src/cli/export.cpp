// `chargeback export focus --period YYYY-MM-01 [--version 1.2|1.4] --out FILE.csv`: the month's
// FOCUS CostAndUsage rows, streamed with COPY ... TO STDOUT (CSV, header) into FILE.csv. The
// views carry FOCUS's datetime format, so the bytes are the server's, unchanged. The file is
// written next to its name and renamed when complete: an interrupted export leaves no
// half-written FILE.csv.
#include "cli/args.hpp"
#include "cli/commands.hpp"
#include "cli/progress.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

namespace cb::cli {

namespace {

struct FileCloser {
    void operator()(std::FILE* f) const {
        if (f) std::fclose(f);
    }
};

}  // namespace

int run_export_focus(const Options& o) {
    Connection db(o.conninfo);
    db.require_extension();
    const std::string view = o.focus_version == "1.2" ? "chargeback.focus_1_2" : "chargeback.focus";
    Result has_view = db.query("SELECT to_regclass($1) IS NOT NULL", {view});
    if (has_view.text(0, 0) != "t")
        throw CliError(Exit::no_extension, view + " does not exist in this database",
                       "ALTER EXTENSION pg_chargeback UPDATE brings the FOCUS views (0.3.0)");
    // Usage without a price has no cost and no price row: it is not in FOCUS (say so).
    Result unpriced = db.query(
        "SELECT coalesce(sum(unpriced), 0)::text FROM chargeback.daily_rollup WHERE period = $1::date", {o.period});
    if (unpriced.text(0, 0) != "0")
        std::fprintf(stderr,
                     "chargeback: warning: %s unpriced usage rows of %s are not in the export (no catalog price); "
                     "see chargeback.unpriced_usage, then set_price() and reprice()\n",
                     unpriced.text(0, 0).c_str(), o.period.substr(0, 7).c_str());

    const bool to_stdout = o.out_file == "-";
    const std::string tmp = o.out_file + ".part";
    std::unique_ptr<std::FILE, FileCloser> out;
    if (!to_stdout) {
        out.reset(std::fopen(tmp.c_str(), "wb"));
        if (!out) throw CliError(Exit::input, "cannot write " + tmp + ": " + std::strerror(errno));
    }
    std::FILE* sink = to_stdout ? stdout : out.get();

    // The period is checked (YYYY-MM-01) before it reaches this text: COPY takes no parameters.
    const std::string copy = "COPY (SELECT * FROM " + view + " WHERE \"x_BillingPeriod\" = '" + o.period +
                             "'::date) TO STDOUT WITH (FORMAT csv, HEADER)";
    PGresult* r = PQexec(db.get(), copy.c_str());
    if (PQresultStatus(r) != PGRES_COPY_OUT) {
        if (!to_stdout) std::remove(tmp.c_str());
        db.fail(r, "export focus");
    }
    PQclear(r);

    Progress progress(o.progress || (!o.quiet && !to_stdout), "export focus");
    uint64_t lines = 0, bytes = 0;
    bool write_failed = false;
    for (;;) {
        char* buf = nullptr;
        int n = PQgetCopyData(db.get(), &buf, 0);
        if (n == -1) break;  // done
        if (n == -2) {
            if (!to_stdout) std::remove(tmp.c_str());
            throw CliError(Exit::failure, std::string("export focus: ") + PQerrorMessage(db.get()));
        }
        if (!write_failed && std::fwrite(buf, 1, static_cast<size_t>(n), sink) != static_cast<size_t>(n))
            write_failed = true;  // keep reading: the connection must see the end of the COPY
        PQfreemem(buf);
        ++lines;
        bytes += static_cast<uint64_t>(n);
        progress.update(lines > 0 ? lines - 1 : 0, bytes, 0);
    }
    r = PQgetResult(db.get());
    const bool copy_ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    if (!copy_ok) {
        if (!to_stdout) std::remove(tmp.c_str());
        db.fail(r, "export focus");
    }
    PQclear(r);
    while ((r = PQgetResult(db.get())) != nullptr) PQclear(r);

    const uint64_t rows = lines > 0 ? lines - 1 : 0;  // the header is a line
    progress.done(rows, bytes, 0);
    if (to_stdout) {
        if (write_failed || std::fflush(stdout) != 0) throw CliError(Exit::input, "cannot write standard output");
        return 0;
    }
    if (write_failed || std::fflush(sink) != 0 || std::fclose(out.release()) != 0) {
        std::remove(tmp.c_str());
        throw CliError(Exit::input, "cannot write " + tmp + ": " + std::strerror(errno));
    }
    if (std::rename(tmp.c_str(), o.out_file.c_str()) != 0) {
        std::remove(tmp.c_str());
        throw CliError(Exit::input, "cannot rename " + tmp + " to " + o.out_file + ": " + std::strerror(errno));
    }
    std::fprintf(stderr, "wrote %llu FOCUS %s rows of %s to %s\n", static_cast<unsigned long long>(rows),
                 o.focus_version.c_str(), o.period.substr(0, 7).c_str(), o.out_file.c_str());
    return 0;
}

}  // namespace cb::cli
