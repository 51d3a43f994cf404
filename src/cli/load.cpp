#include "cli/load.hpp"

#include "cli/args.hpp"
#include "cli/commands.hpp"
#include "cli/copy_encoder.hpp"
#include "cli/progress.hpp"
#include "cli/table.hpp"
#include "core/error.hpp"
#include "core/usage_record.hpp"

#include <cstdio>
#include <cstdlib>
#include <unistd.h>

namespace cb::cli {

namespace {

constexpr size_t kReadChunk = 1u << 20;  // bytes read from the input at a time
constexpr size_t kSendChunk = 256u << 10;  // bytes handed to PQputCopyData at a time

std::string count(uint64_t n) { return group_digits(std::to_string(n)); }

// One load: a sequence of batches, each its own transaction and COPY.
class Batcher {
public:
    Batcher(Connection& db, const LoadSettings& s, LoadResult& r) : db_(db), s_(s), r_(r) {
        copy_sql_ = s.format == "auto" ? "COPY chargeback.usage_inbox_text (payload) FROM STDIN"
                                        : "COPY chargeback.usage_inbox_text (payload, format) FROM STDIN";
    }

    // Sends complete rows; starts a batch when none is open.
    void send(std::string& rows) {
        if (rows.empty()) return;
        if (!in_copy_) begin();
        if (PQputCopyData(db_.get(), rows.data(), static_cast<int>(rows.size())) != 1) db_.fail(nullptr, "sending rows");
        batch_bytes_ += rows.size();
        rows.clear();
    }
    bool batch_full(uint64_t rows_so_far) const {
        return in_copy_ && (rows_so_far - batch_first_row_ >= s_.batch_rows || batch_bytes_ >= s_.batch_bytes);
    }
    // Ends the COPY, commits, and reads back what the batch recorded and rejected.
    void end(uint64_t rows_so_far) {
        if (!in_copy_) return;
        in_copy_ = false;
        if (PQputCopyEnd(db_.get(), nullptr) != 1) db_.fail(nullptr, "ending COPY");
        PGresult* res = PQgetResult(db_.get());
        if (!res || PQresultStatus(res) != PGRES_COMMAND_OK) {
            drain();
            abandon();
            db_.fail(res, "loading " + r_.name);
        }
        r_.lines += std::strtoull(PQcmdTuples(res), nullptr, 10);
        PQclear(res);
        drain();
        db_.query("COMMIT");
        xids_.push_back(xid_);
        batch_first_row_ = rows_so_far;
        batch_bytes_ = 0;
        if (!r_.counted) return;
        try {
            // Rows this transaction wrote (xmin), found through the primary keys from the
            // values they had before it started.
            Result c = db_.query(
                "SELECT (SELECT count(*) FROM chargeback.usage WHERE usage_id > $2::bigint AND xmin::text::bigint = $1::bigint),"
                "       (SELECT count(*) FROM chargeback.usage_rejected WHERE rejected_id > $3::bigint"
                "                                                        AND xmin::text::bigint = $1::bigint)",
                {xid_, last_usage_id_, last_rejected_id_});
            r_.recorded += std::strtoull(c.text(0, 0).c_str(), nullptr, 10);
            r_.rejected += std::strtoull(c.text(0, 1).c_str(), nullptr, 10);
        } catch (const CliError& e) {
            r_.counted = false;
            std::fprintf(stderr, "chargeback: warning: cannot count what the load recorded: %s\n", e.what());
        }
    }
    // Abandons an open batch after an error on our side (its rows are rolled back).
    void abandon() {
        if (in_copy_) {
            PQputCopyEnd(db_.get(), "load abandoned by the client");
            in_copy_ = false;
            drain();
        }
        if (PQtransactionStatus(db_.get()) != PQTRANS_IDLE) PQclear(PQexec(db_.get(), "ROLLBACK"));
    }
    // Requests that were already recorded (one scan of usage_duplicate for the whole load).
    void count_duplicates() {
        if (!r_.counted || xids_.empty()) return;
        std::string list = "{";
        for (size_t i = 0; i < xids_.size(); ++i) list += (i ? "," : "") + xids_[i];
        list += "}";
        try {
            Result c = db_.query("SELECT count(*) FROM chargeback.usage_duplicate WHERE xmin::text::bigint = ANY ($1::bigint[])",
                                 {list});
            r_.duplicates = std::strtoull(c.text(0, 0).c_str(), nullptr, 10);
        } catch (const CliError& e) {
            r_.counted = false;
            std::fprintf(stderr, "chargeback: warning: cannot count repeated requests: %s\n", e.what());
        }
    }

private:
    void begin() {
        db_.query("BEGIN");
        // The transaction id (32 bits, as xmin shows it) and where the keys stand: the rows
        // of this batch are the ones above them with this xmin. The usage id comes from
        // nextval() in this session, not the sequence's last_value: the sequence hands ids
        // out to each session in cached blocks, so this session's next ids can lie below
        // last_value, but never below a value it has already taken.
        Result b = db_.query(
            "SELECT txid_current() % 4294967296, nextval('chargeback.usage_usage_id_seq'),"
            "       (SELECT coalesce(max(rejected_id), 0) FROM chargeback.usage_rejected)");
        xid_ = b.text(0, 0);
        last_usage_id_ = b.text(0, 1);
        last_rejected_id_ = b.text(0, 2);
        PGresult* res = PQexec(db_.get(), copy_sql_.c_str());
        if (!res || PQresultStatus(res) != PGRES_COPY_IN) {
            PQclear(PQexec(db_.get(), "ROLLBACK"));
            db_.fail(res, "starting COPY into chargeback.usage_inbox_text");
        }
        PQclear(res);
        in_copy_ = true;
    }
    void drain() {
        while (PGresult* extra = PQgetResult(db_.get())) PQclear(extra);
    }

    Connection& db_;
    const LoadSettings& s_;
    LoadResult& r_;
    std::string copy_sql_;
    bool in_copy_ = false;
    uint64_t batch_first_row_ = 0;
    uint64_t batch_bytes_ = 0;
    std::string xid_, last_usage_id_, last_rejected_id_;
    std::vector<std::string> xids_;
};

}  // namespace

LoadResult load_source(Connection& db, ByteSource& source, const LoadSettings& settings) {
    LoadResult r;
    r.name = source.name();
    std::string suffix;
    if (settings.format != "auto") {
        suffix = "\t";
        append_copy_escaped(suffix, settings.format.data(), settings.format.size());
    }
    CopyEncoder encoder(suffix);
    Batcher batch(db, settings, r);
    Progress progress(settings.progress, source.name());
    std::vector<char> buf(kReadChunk);
    std::string rows;
    rows.reserve(kSendChunk + kReadChunk);
    try {
        while (size_t n = source.read(buf.data(), buf.size())) {
            r.bytes += n;
            encoder.feed(buf.data(), n, rows);
            if (rows.size() >= kSendChunk) batch.send(rows);
            if (batch.batch_full(encoder.rows())) {
                batch.send(rows);
                batch.end(encoder.rows());
            }
            progress.update(encoder.rows(), r.bytes, r.rejected);
        }
        encoder.finish(rows);
        batch.send(rows);
        batch.end(encoder.rows());
    } catch (const CliError& e) {
        batch.abandon();
        progress.done(encoder.rows(), r.bytes, r.rejected);
        std::string loaded = r.lines == 0 ? "nothing of " + r.name + " was loaded"
                                          : count(r.lines) + " lines of " + r.name +
                                                " were loaded before this; loading it again is safe "
                                                "(requests already recorded are not charged twice)";
        throw CliError(e.code(), std::string(e.what()) + "\n" + loaded, e.hint());
    }
    batch.count_duplicates();
    progress.done(encoder.rows(), r.bytes, r.rejected);
    r.skipped = encoder.skipped();
    r.micros = progress.elapsed_micros();
    if (encoder.skipped() > 0) {
        std::string at;
        for (uint64_t line : encoder.skipped_lines()) at += (at.empty() ? "" : ", ") + std::to_string(line);
        std::fprintf(stderr,
                     "chargeback: warning: %s: skipped %s line(s) that are not UTF-8 text or contain NUL bytes "
                     "(line %s%s)\n",
                     r.name.c_str(), count(encoder.skipped()).c_str(), at.c_str(),
                     encoder.skipped() > encoder.skipped_lines().size() ? ", ..." : "");
    }
    return r;
}

std::string load_summary(const LoadResult& r) {
    Table t;
    t.right = {false, true, false};
    t.rows.push_back({"lines sent", count(r.lines), ""});
    if (r.counted) {
        t.rows.push_back({"usage rows recorded", count(r.recorded), ""});
        t.rows.push_back({"already recorded", count(r.duplicates), "not charged again"});
        t.rows.push_back({"rejected", count(r.rejected), r.rejected ? "reasons in chargeback.usage_rejected" : ""});
    }
    if (r.skipped) t.rows.push_back({"skipped", count(r.skipped), "not UTF-8 text (see the warning above)"});
    std::string lines_per_second = per_second(r.lines, 1, r.micros);
    lines_per_second.erase(lines_per_second.find('.'));  // whole lines
    t.rows.push_back({"elapsed", elapsed_text(r.micros),
                      per_second(r.bytes, 1000000, r.micros) + " MB/s, " + lines_per_second + " lines/s"});
    const std::string body = format_table(t);  // no headers: label, number, note
    std::string out = r.name + ":\n";
    size_t pos = 0;
    while (pos < body.size()) {
        size_t nl = body.find('\n', pos);
        out += "  " + body.substr(pos, nl - pos) + "\n";
        pos = nl + 1;
    }
    return out;
}

// The command: opens every file first, then loads them in order.
int run_load(const Options& o) {
    // A format name the server would not know rejects every line: say so once, up front.
    try {
        cb::core::usage_format_from_name(o.format);
    } catch (const cb::core::Error& e) {
        throw CliError(Exit::usage, e.what(), e.hint());
    }
    std::vector<std::unique_ptr<ByteSource>> sources;
    for (const std::string& f : o.files) sources.push_back(open_file(f));

    Connection db(o.conninfo);
    db.require_extension();
    LoadSettings settings;
    settings.format = o.format;
    settings.progress = !o.quiet && (o.progress || isatty(STDERR_FILENO));
    LoadResult total;
    total.name = "total";
    for (auto& src : sources) {
        LoadResult r = load_source(db, *src, settings);
        std::fputs(load_summary(r).c_str(), stdout);
        std::fflush(stdout);
        if (r.counted && r.lines > 1 && r.rejected == r.lines)
            std::fprintf(stderr,
                         "chargeback: warning: every line of %s was rejected: the file must hold one JSON payload "
                         "per line (JSON lines; a pretty-printed JSON document spans many lines)%s\n",
                         r.name.c_str(), o.format == "auto" ? "" : ", in the format named by --format");
        total.lines += r.lines;
        total.skipped += r.skipped;
        total.recorded += r.recorded;
        total.duplicates += r.duplicates;
        total.rejected += r.rejected;
        total.bytes += r.bytes;
        total.micros += r.micros;
        total.counted = total.counted && r.counted;
    }
    if (sources.size() > 1) std::fputs(load_summary(total).c_str(), stdout);
    return 0;
}

}  // namespace cb::cli
