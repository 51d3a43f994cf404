#include "cli/serve.hpp"

#include "cli/args.hpp"
#include "cli/commands.hpp"
#include "cli/connection.hpp"
#include "cli/otlp_protobuf.hpp"
#include "cli/serve_input.hpp"

#include <httplib.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <cstdio>
#include <deque>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <pthread.h>
#include <sstream>
#include <sys/stat.h>
#include <thread>

namespace cb::cli {

namespace {

using Clock = std::chrono::steady_clock;
using json = nlohmann::json;

// ---------------------------------------------------------------------------------------
// Counters for /metrics (Prometheus text format).
struct Metrics {
    std::mutex m;
    std::map<std::pair<std::string, int>, uint64_t> requests;  // (route, status)
    std::atomic<uint64_t> spans_received{0}, usage_spans{0}, payloads{0}, rows_committed{0}, rows_failed{0},
        batches{0}, batch_errors{0}, refused_full{0}, queue_rows{0}, queue_spans{0}, queue_bytes{0},
        flush_micros{0}, authorize_allowed{0}, authorize_denied{0};
    std::atomic<uint64_t> flush_hist[8] = {};  // le 0.01 0.025 0.05 0.1 0.25 0.5 1 +Inf seconds
    static constexpr double kBuckets[7] = {0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0};
    Clock::time_point started = Clock::now();

    void request(const std::string& route, int status) {
        std::lock_guard<std::mutex> g(m);
        ++requests[{route, status}];
    }
    void flushed(uint64_t micros) {
        flush_micros += micros;
        const double s = micros / 1e6;
        int i = 0;
        while (i < 7 && s > kBuckets[i]) ++i;
        ++flush_hist[i];
    }
    std::string render() {
        std::ostringstream o;
        auto counter = [&](const char* name, const char* help, uint64_t v, const char* type = "counter") {
            o << "# HELP " << name << ' ' << help << "\n# TYPE " << name << ' ' << type << '\n' << name << ' ' << v << '\n';
        };
        o << "# HELP chargeback_serve_requests_total HTTP requests by route and status\n"
             "# TYPE chargeback_serve_requests_total counter\n";
        {
            std::lock_guard<std::mutex> g(m);
            for (const auto& [k, v] : requests)
                o << "chargeback_serve_requests_total{route=\"" << k.first << "\",status=\"" << k.second << "\"} " << v << '\n';
        }
        counter("chargeback_serve_spans_received_total", "spans in OTLP exports received", spans_received);
        counter("chargeback_serve_usage_spans_total", "spans with gen_ai.usage attributes queued for the database", usage_spans);
        counter("chargeback_serve_webhook_payloads_total", "usage payloads received by webhook", payloads);
        counter("chargeback_serve_rows_committed_total", "usage_inbox rows committed", rows_committed);
        counter("chargeback_serve_rows_failed_total", "usage_inbox rows whose batch failed (the client was told to retry)", rows_failed);
        counter("chargeback_serve_batches_total", "COPY batches committed", batches);
        counter("chargeback_serve_batch_errors_total", "COPY batches that failed", batch_errors);
        counter("chargeback_serve_refused_queue_full_total", "requests answered 429 because the queue was full", refused_full);
        counter("chargeback_serve_authorize_allowed_total", "authorize calls that allowed the request", authorize_allowed);
        counter("chargeback_serve_authorize_denied_total", "authorize calls that denied the request", authorize_denied);
        counter("chargeback_serve_queue_rows", "rows waiting for a flush", queue_rows, "gauge");
        counter("chargeback_serve_queue_spans", "usage spans and payloads waiting for a flush", queue_spans, "gauge");
        counter("chargeback_serve_queue_bytes", "COPY bytes waiting for a flush", queue_bytes, "gauge");
        o << "# HELP chargeback_serve_flush_seconds time from BEGIN to COMMIT of a batch\n"
             "# TYPE chargeback_serve_flush_seconds histogram\n";
        uint64_t cum = 0;
        for (int i = 0; i < 8; ++i) {
            cum += flush_hist[i];
            o << "chargeback_serve_flush_seconds_bucket{le=\"";
            if (i < 7) o << kBuckets[i];
            else o << "+Inf";
            o << "\"} " << cum << '\n';
        }
        o << "chargeback_serve_flush_seconds_sum " << flush_micros / 1e6 << '\n'
          << "chargeback_serve_flush_seconds_count " << cum << '\n';
        const double up = std::chrono::duration<double>(Clock::now() - started).count();
        o << "# HELP chargeback_serve_uptime_seconds seconds since start\n# TYPE chargeback_serve_uptime_seconds gauge\n"
          << "chargeback_serve_uptime_seconds " << up << '\n';
        return o.str();
    }
};

// ---------------------------------------------------------------------------------------
// At most this many request bodies are decoded and converted at once: a 16 MB JSON body is a
// parsed tree several times its size, so memory stays bounded however many connections wait.
class Slots {
public:
    explicit Slots(int n) : free_(n) {}
    class Hold {
    public:
        explicit Hold(Slots& s) : s_(s) {
            std::unique_lock<std::mutex> g(s_.mu_);
            s_.cv_.wait(g, [&] { return s_.free_ > 0; });
            --s_.free_;
        }
        ~Hold() {
            std::lock_guard<std::mutex> g(s_.mu_);
            ++s_.free_;
            s_.cv_.notify_one();
        }
        Hold(const Hold&) = delete;
        Hold& operator=(const Hold&) = delete;

    private:
        Slots& s_;
    };

private:
    std::mutex mu_;
    std::condition_variable cv_;
    int free_;
};

// ---------------------------------------------------------------------------------------
// A request's rows waiting for their commit.
struct Job {
    std::string copy;
    uint64_t rows = 0, weight = 0;
    std::string role;
    Clock::time_point enqueued = Clock::now();

    std::mutex m;
    std::condition_variable cv;
    bool done = false;
    int status = 0;
    std::string error, sqlstate;

    void finish(int st, const std::string& err = {}, const std::string& state = {}) {
        std::lock_guard<std::mutex> g(m);
        done = true;
        status = st;
        error = err;
        sqlstate = state;
        cv.notify_all();
    }
    bool wait(std::chrono::milliseconds timeout) {
        std::unique_lock<std::mutex> g(m);
        return cv.wait_for(g, timeout, [&] { return done; });
    }
};
using JobPtr = std::shared_ptr<Job>;

// The bounded queue between the HTTP threads and the flushers.
class Queue {
public:
    Queue(const ServeSettings& s, Metrics& m) : s_(s), m_(m) {}
    // False when full (or closing): the caller answers 429.
    bool push(const JobPtr& j) {
        std::lock_guard<std::mutex> g(mu_);
        if (closed_) return false;
        if (!jobs_.empty() && (spans_ + j->weight > s_.queue_spans || bytes_ + j->copy.size() > s_.queue_bytes)) return false;
        jobs_.push_back(j);
        last_push_ = j->enqueued;
        spans_ += j->weight;
        bytes_ += j->copy.size();
        publish();
        cv_.notify_one();
        return true;
    }
    // The next batch: jobs of one role, once they reach the batch limits, or the oldest has
    // waited flush_ms, or no request has arrived for kQuiet (every client is waiting for an
    // answer: waiting longer only adds latency). When other flushers are idle too, the queued
    // rows are shared among them, so that their connections work in parallel. Empty only when
    // closed and drained.
    std::vector<JobPtr> take() {
        std::unique_lock<std::mutex> g(mu_);
        ++idle_;
        uint64_t share = s_.batch_spans;
        for (;;) {
            if (jobs_.empty()) {
                if (closed_) {
                    --idle_;
                    return {};
                }
                cv_.wait(g);
                continue;
            }
            uint64_t spans = 0, bytes = 0;
            const std::string& role = jobs_.front()->role;
            for (const JobPtr& j : jobs_) {
                if (j->role != role) continue;
                spans += j->weight;
                bytes += j->copy.size();
            }
            const auto now = Clock::now();
            const auto due = std::min(jobs_.front()->enqueued + std::chrono::milliseconds(s_.flush_ms), last_push_ + kQuiet);
            if (closed_ || spans >= s_.batch_spans || bytes >= s_.batch_bytes || now >= due) {
                share = std::min<uint64_t>(s_.batch_spans, (spans + idle_ - 1) / std::max(idle_, 1));
                break;
            }
            cv_.wait_until(g, due);
        }
        --idle_;
        std::vector<JobPtr> batch;
        uint64_t spans = 0, bytes = 0;
        const std::string role = jobs_.front()->role;
        for (auto it = jobs_.begin(); it != jobs_.end();) {
            JobPtr& j = *it;
            if (j->role != role || (!batch.empty() && (spans + j->weight > share || bytes + j->copy.size() > s_.batch_bytes))) {
                ++it;
                continue;
            }
            spans += j->weight;
            bytes += j->copy.size();
            spans_ -= j->weight;
            bytes_ -= j->copy.size();
            batch.push_back(std::move(j));
            it = jobs_.erase(it);
        }
        publish();
        if (!jobs_.empty()) cv_.notify_one();  // another flusher can take the rest
        return batch;
    }
    void close() {
        std::lock_guard<std::mutex> g(mu_);
        closed_ = true;
        cv_.notify_all();
    }

private:
    void publish() {
        m_.queue_rows = jobs_.size();
        m_.queue_spans = spans_;
        m_.queue_bytes = bytes_;
    }
    const ServeSettings& s_;
    Metrics& m_;
    std::mutex mu_;
    std::condition_variable cv_;
    std::deque<JobPtr> jobs_;
    uint64_t spans_ = 0, bytes_ = 0;
    bool closed_ = false;
    int idle_ = 0;  // flushers waiting in take()
    Clock::time_point last_push_ = Clock::now();
    static constexpr std::chrono::milliseconds kQuiet{2};
};

// ---------------------------------------------------------------------------------------
// libpq, with the SQLSTATE kept for the HTTP answer.
struct DbError {
    std::string message, sqlstate;
};

std::string field(const PGresult* r, int code) {
    const char* v = r ? PQresultErrorField(r, code) : nullptr;
    return v ? v : "";
}

DbError error_of(PGconn* c, PGresult* r) {
    DbError e;
    e.message = field(r, PG_DIAG_MESSAGE_PRIMARY);
    e.sqlstate = field(r, PG_DIAG_SQLSTATE);
    if (e.message.empty()) {
        e.message = PQerrorMessage(c);
        while (!e.message.empty() && (e.message.back() == '\n' || e.message.back() == ' ')) e.message.pop_back();
    }
    if (e.sqlstate.empty() && PQstatus(c) == CONNECTION_BAD) e.sqlstate = "08006";
    const std::string detail = field(r, PG_DIAG_MESSAGE_DETAIL);
    if (!detail.empty()) e.message += " (" + detail + ")";
    return e;
}

// Runs a command; fills err and returns false on failure.
bool exec(PGconn* c, const char* sql, DbError& err) {
    PGresult* r = PQexec(c, sql);
    const ExecStatusType st = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
    const bool ok = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;
    if (!ok) err = error_of(c, r);
    PQclear(r);
    return ok;
}

// "SET LOCAL ROLE <role>" with the name quoted by libpq.
bool set_local_role(PGconn* c, const std::string& role, DbError& err) {
    if (role.empty()) return true;
    char* q = PQescapeIdentifier(c, role.data(), role.size());
    if (!q) {
        err = error_of(c, nullptr);
        return false;
    }
    std::string sql = std::string("SET LOCAL ROLE ") + q;
    PQfreemem(q);
    return exec(c, sql.c_str(), err);
}

// ---------------------------------------------------------------------------------------
class Server {
public:
    Server(const Options& o, const ServeSettings& s, std::optional<TokenTable> tokens)
        : o_(o), s_(s), tokens_(std::move(tokens)), queue_(s, metrics_) {}

    int run();

private:
    // -- flushing -------------------------------------------------------------------------
    void flusher(int id) {
        std::unique_ptr<Connection> db;
        for (;;) {
            std::vector<JobPtr> batch = queue_.take();
            if (batch.empty()) break;
            try {
                flush(db, batch);
            } catch (const std::exception& e) {  // nothing escapes a thread
                for (const JobPtr& j : batch)
                    if (!j->done) j->finish(500, std::string("internal error: ") + e.what());
                db.reset();
            } catch (...) {
                for (const JobPtr& j : batch)
                    if (!j->done) j->finish(500, "internal error");
                db.reset();
            }
            (void)id;
        }
    }

    void flush(std::unique_ptr<Connection>& db, std::vector<JobPtr>& batch) {
        uint64_t rows = 0;
        for (const JobPtr& j : batch) rows += j->rows;
        auto fail_all = [&](int status, const DbError& e) {
            metrics_.batch_errors++;
            metrics_.rows_failed += rows;
            for (const JobPtr& j : batch) j->finish(status, e.message, e.sqlstate);
        };
        if (!db || PQstatus(db->get()) != CONNECTION_OK) {
            db.reset();
            try {
                db = std::make_unique<Connection>(o_.conninfo);
            } catch (const CliError& e) {
                fail_all(503, DbError{std::string("the database is not reachable: ") + e.what(), "08006"});
                std::this_thread::sleep_for(std::chrono::milliseconds(500));
                return;
            }
        }
        PGconn* c = db->get();
        const auto t0 = Clock::now();
        DbError err;
        if (!exec(c, "BEGIN", err) || !set_local_role(c, batch.front()->role, err)) {
            PQclear(PQexec(c, "ROLLBACK"));
            fail_all(http_status_for_sqlstate(err.sqlstate), err);
            return;
        }
        PGresult* r = PQexec(c, "COPY chargeback.usage_inbox_text (payload, attrs, format) FROM STDIN");
        if (!r || PQresultStatus(r) != PGRES_COPY_IN) {
            err = error_of(c, r);
            PQclear(r);
            PQclear(PQexec(c, "ROLLBACK"));
            fail_all(http_status_for_sqlstate(err.sqlstate), err);
            return;
        }
        PQclear(r);
        bool sent = true;
        for (const JobPtr& j : batch)
            if (PQputCopyData(c, j->copy.data(), static_cast<int>(j->copy.size())) != 1) {
                sent = false;
                break;
            }
        if (PQputCopyEnd(c, sent ? nullptr : "abandoned") != 1) sent = false;
        r = PQgetResult(c);
        const bool copied = sent && r && PQresultStatus(r) == PGRES_COMMAND_OK;
        if (!copied) err = error_of(c, r);
        PQclear(r);
        while (PGresult* extra = PQgetResult(c)) PQclear(extra);
        if (!copied) {
            PQclear(PQexec(c, "ROLLBACK"));
            fail_all(http_status_for_sqlstate(err.sqlstate), err);
            return;
        }
        // Acknowledged only once COMMIT has returned: a lost connection here leaves the
        // outcome unknown, and the client's retry is safe (a recorded request is not charged
        // again).
        if (!exec(c, "COMMIT", err)) {
            fail_all(503, err);
            return;
        }
        metrics_.batches++;
        metrics_.rows_committed += rows;
        metrics_.flushed(static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - t0).count()));
        for (const JobPtr& j : batch) j->finish(200);
    }

    // -- the connection pool for authorize and settle ------------------------------------
    std::unique_ptr<Connection> acquire() {
        {
            std::lock_guard<std::mutex> g(pool_mu_);
            if (!pool_.empty()) {
                auto c = std::move(pool_.back());
                pool_.pop_back();
                return c;
            }
        }
        return std::make_unique<Connection>(o_.conninfo);  // throws CliError
    }
    void release(std::unique_ptr<Connection> c) {
        if (!c || PQstatus(c->get()) != CONNECTION_OK || PQtransactionStatus(c->get()) != PQTRANS_IDLE) return;
        std::lock_guard<std::mutex> g(pool_mu_);
        if (pool_.size() < static_cast<size_t>(s_.pool_size)) pool_.push_back(std::move(c));
    }
    // One parameterized query in its own transaction as the role; the result, or err.
    Result query_as(const std::string& role, const char* sql, const std::vector<std::string>& params, DbError& err) {
        std::unique_ptr<Connection> db;
        try {
            db = acquire();
        } catch (const CliError& e) {
            err = {std::string("the database is not reachable: ") + e.what(), "08006"};
            return Result();
        }
        PGconn* c = db->get();
        Result out;
        if (exec(c, "BEGIN", err) && set_local_role(c, role, err)) {
            std::vector<const char*> v;
            for (const std::string& p : params) v.push_back(p.c_str());
            PGresult* r = PQexecParams(c, sql, static_cast<int>(v.size()), nullptr, v.data(), nullptr, nullptr, 0);
            if (r && PQresultStatus(r) == PGRES_TUPLES_OK) {
                out = Result(r);
                if (!exec(c, "COMMIT", err)) out = Result();
            } else {
                err = error_of(c, r);
                PQclear(r);
            }
        }
        if (PQstatus(c) == CONNECTION_OK && PQtransactionStatus(c) != PQTRANS_IDLE) PQclear(PQexec(c, "ROLLBACK"));
        release(std::move(db));
        return out;
    }

    // -- HTTP -----------------------------------------------------------------------------
    static std::string route_of(const std::string& path) {
        for (const char* r : {"/v1/traces", "/v1/usage", "/v1/authorize", "/v1/settle", "/healthz", "/metrics"})
            if (path == r) return r;
        return "other";
    }
    static bool protobuf_request(const httplib::Request& req) {
        const std::string ct = req.get_header_value("Content-Type");
        return ct.rfind("application/x-protobuf", 0) == 0 || ct.rfind("application/protobuf", 0) == 0;
    }
    // Error answers: JSON, or a google.rpc.Status message for OTLP protobuf clients.
    static void answer_error(const httplib::Request& req, httplib::Response& res, int status, const std::string& message,
                             const std::string& sqlstate = {}) {
        res.status = status;
        if (req.path == "/v1/traces" && protobuf_request(req)) {
            std::string msg = message.substr(0, 4000);
            std::string body;
            body += '\x12';  // field 2 (message), length-delimited
            uint64_t n = msg.size();
            while (n >= 0x80) {
                body += static_cast<char>((n & 0x7F) | 0x80);
                n >>= 7;
            }
            body += static_cast<char>(n);
            body += msg;
            res.set_content(body, "application/x-protobuf");
        } else {
            res.set_content(error_json(message, sqlstate), "application/json");
        }
        if (status == 429 || status == 503) res.set_header("Retry-After", "1");
    }

    // The role a request acts as, or an error answered (false).
    bool authenticate(const httplib::Request& req, httplib::Response& res, std::string& role) {
        if (!tokens_) {
            if (is_loopback(req.remote_addr)) return true;
            answer_error(req, res, 403, "only loopback clients are served without --tokens");
            return false;
        }
        std::optional<std::string> t = bearer_token(req.get_header_value("Authorization"));
        if (!t) {
            res.set_header("WWW-Authenticate", "Bearer realm=\"chargeback\"");
            answer_error(req, res, 401, "a bearer token is required (Authorization: Bearer <token>)");
            return false;
        }
        std::optional<std::string> r = tokens_->role_for(*t);
        if (!r) {
            res.set_header("WWW-Authenticate", "Bearer realm=\"chargeback\", error=\"invalid_token\"");
            answer_error(req, res, 401, "unknown bearer token");
            return false;
        }
        role = *r;
        return true;
    }

    // Reads the body within max_body (after any decompression); false after answering.
    bool read_body(const httplib::Request& req, httplib::Response& res, const httplib::ContentReader& reader,
                   std::string& body) {
        bool too_big = false;
        const bool ok = reader([&](const char* d, size_t n) {
            if (body.size() + n > s_.max_body) {
                too_big = true;
                return false;
            }
            body.append(d, n);
            return true;
        });
        if (too_big || (!ok && res.status == 413)) {
            res.set_header("Connection", "close");
            answer_error(req, res, 413, "the body is larger than " + std::to_string(s_.max_body) + " bytes");
            return false;
        }
        if (!ok) {
            res.set_header("Connection", "close");
            answer_error(req, res, 400, "could not read the request body");
            return false;
        }
        return true;
    }

    // Queues rows and waits for their commit; answers the error itself (false) otherwise.
    bool submit(const httplib::Request& req, httplib::Response& res, InboxRows& rows, const std::string& role,
                uint64_t weight) {
        if (rows.rows == 0) return true;
        auto job = std::make_shared<Job>();
        job->copy = std::move(rows.copy);
        job->rows = rows.rows;
        job->weight = weight;
        job->role = role;
        if (stopping_ || !queue_.push(job)) {
            metrics_.refused_full++;
            answer_error(req, res, stopping_ ? 503 : 429,
                         stopping_ ? "the server is shutting down; retry" : "the ingest queue is full; retry later");
            return false;
        }
        if (!job->wait(std::chrono::milliseconds(s_.ack_timeout_ms))) {
            answer_error(req, res, 503, "the batch holding this request has not committed in time; retry (a request "
                                        "already recorded is not charged again)");
            return false;
        }
        if (job->status != 200) {
            answer_error(req, res, job->status, job->error, job->sqlstate);
            return false;
        }
        return true;
    }

    void traces(const httplib::Request& req, httplib::Response& res, const httplib::ContentReader& reader) {
        std::string role, body;
        if (!read_body(req, res, reader, body) || !authenticate(req, res, role)) return;
        const bool pb = protobuf_request(req);
        const std::string ct = req.get_header_value("Content-Type");
        if (!pb && ct.rfind("application/json", 0) != 0) {
            answer_error(req, res, 415, "Content-Type must be application/x-protobuf or application/json, not \"" +
                                            ct.substr(0, 100) + "\"");
            return;
        }
        InboxRows rows;
        try {
            Slots::Hold slot(convert_slots_);
            const json doc = pb ? decode_export_trace_request(body) : parse_json_body(body, limits_, "the OTLP/JSON body");
            otlp_rows(doc, rows);
            std::string().swap(body);
        } catch (const ProtobufError& e) {
            answer_error(req, res, 400, e.what());
            return;
        } catch (const InputError& e) {
            answer_error(req, res, e.status(), e.what());
            return;
        }
        metrics_.spans_received += rows.spans;
        metrics_.usage_spans += rows.usage_spans;
        if (!submit(req, res, rows, role, rows.usage_spans)) return;
        res.status = 200;
        if (pb) res.set_content(std::string(), "application/x-protobuf");  // ExportTraceServiceResponse{}
        else res.set_content("{}", "application/json");
    }

    void usage(const httplib::Request& req, httplib::Response& res, const httplib::ContentReader& reader) {
        std::string role, body;
        if (!read_body(req, res, reader, body) || !authenticate(req, res, role)) return;
        const std::string format = req.has_param("format") ? req.get_param_value("format") : "auto";
        InboxRows rows;
        try {
            Slots::Hold slot(convert_slots_);
            webhook_rows(body, format, limits_, rows);
            std::string().swap(body);
        } catch (const InputError& e) {
            answer_error(req, res, e.status(), e.what());
            return;
        }
        const uint64_t n = rows.rows;
        metrics_.payloads += n;
        if (!submit(req, res, rows, role, n)) return;
        res.status = 200;
        res.set_content(json{{"accepted", n}}.dump(), "application/json");
    }

    void authorize(const httplib::Request& req, httplib::Response& res, const httplib::ContentReader& reader) {
        std::string role, body;
        if (!read_body(req, res, reader, body) || !authenticate(req, res, role)) return;
        AuthorizeRequest a;
        std::optional<PortkeyEvent> hook;
        try {
            hook = parse_portkey_event(body, limits_);
            if (hook && !hook->before) return record_hook(req, res, role, *hook);
            a = hook ? hook->authorize : parse_authorize(body, limits_);
        } catch (const InputError& e) {
            answer_error(req, res, e.status(), e.what());
            return;
        }
        DbError err;
        Result r = query_as(role,
                            "SELECT reservation_id, allowed, reason, estimated_cost FROM chargeback.authorize("
                            "$1::jsonb, $2, $3, $4::jsonb::chargeback.token_usage, $5, $6::bigint * interval '1 second')",
                            {a.attrs, a.provider, a.model, a.estimate, a.service_tier, a.ttl_seconds}, err);
        if (!r.get() || r.rows() != 1) {
            if (err.message.empty()) err.message = "authorize() returned no row";
            answer_error(req, res, http_status_for_sqlstate(err.sqlstate), err.message, err.sqlstate);
            return;
        }
        const bool allowed = r.text(0, 1) == "t";
        (allowed ? metrics_.authorize_allowed : metrics_.authorize_denied)++;
        // Numbers as PostgreSQL writes them: the cost is exact decimal text, never a double.
        std::string out = std::string(hook ? "{\"verdict\":" : "") + (hook ? (allowed ? "true," : "false,") : "{") +
                          "\"reservation_id\":" + (r.is_null(0, 0) ? std::string("null") : r.text(0, 0)) +
                          ",\"allowed\":" + (allowed ? "true" : "false") +
                          ",\"reason\":" + json(r.text(0, 2)).dump(-1, ' ', false, json::error_handler_t::replace) +
                          ",\"estimated_cost\":" + (r.is_null(0, 3) ? std::string("null") : r.text(0, 3)) + "}";
        res.status = 200;
        res.set_content(out, "application/json");
    }

    // Portkey's afterRequestHook: the response is recorded as usage; the verdict is true.
    void record_hook(const httplib::Request& req, httplib::Response& res, const std::string& role, const PortkeyEvent& e) {
        DbError err;
        Result r = query_as(role, "SELECT chargeback.ingest($1::jsonb, '{}'::jsonb, 'auto')", {e.envelope}, err);
        if (!r.get() || r.rows() != 1) {
            if (err.message.empty()) err.message = "ingest() returned no row";
            answer_error(req, res, http_status_for_sqlstate(err.sqlstate), err.message, err.sqlstate);
            return;
        }
        res.status = 200;
        res.set_content("{\"verdict\":true,\"usage_id\":" + (r.is_null(0, 0) ? std::string("null") : r.text(0, 0)) + "}",
                        "application/json");
    }

    void settle(const httplib::Request& req, httplib::Response& res, const httplib::ContentReader& reader) {
        std::string role, body;
        if (!read_body(req, res, reader, body) || !authenticate(req, res, role)) return;
        SettleRequest s;
        try {
            s = parse_settle(body, limits_);
        } catch (const InputError& e) {
            answer_error(req, res, e.status(), e.what());
            return;
        }
        DbError err;
        Result r = query_as(role, "SELECT chargeback.ingest($1::jsonb, $2::jsonb, $3)", {s.payload, s.attrs, s.format}, err);
        if (!r.get() || r.rows() != 1) {
            if (err.message.empty()) err.message = "ingest() returned no row";
            answer_error(req, res, http_status_for_sqlstate(err.sqlstate), err.message, err.sqlstate);
            return;
        }
        std::string out = "{\"reservation_id\":" + s.reservation_id +
                          ",\"usage_id\":" + (r.is_null(0, 0) ? std::string("null") : r.text(0, 0)) + "}";
        res.status = 200;
        res.set_content(out, "application/json");
    }

    const Options& o_;
    const ServeSettings& s_;
    std::optional<TokenTable> tokens_;
    InputLimits limits_;
    Metrics metrics_;
    Queue queue_;
    Slots convert_slots_{4};
    std::atomic<bool> stopping_{false};
    std::mutex pool_mu_;
    std::vector<std::unique_ptr<Connection>> pool_;
};

int Server::run() {
    // Signals go to one thread, which stops the server; everything else runs with them
    // blocked (set before any thread starts, so every thread inherits the mask).
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGTERM);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);
    std::signal(SIGPIPE, SIG_IGN);

    // Check the database, the extension and every role before listening.
    {
        Connection db(o_.conninfo);
        db.require_extension();
        if (tokens_)
            for (const std::string& role : tokens_->roles()) {
                DbError err;
                if (!exec(db.get(), "BEGIN", err) || !set_local_role(db.get(), role, err)) {
                    PQclear(PQexec(db.get(), "ROLLBACK"));
                    throw CliError(Exit::failure, "--tokens: cannot act as role \"" + role + "\": " + err.message,
                                   "the login of -d must be a member of every role of the token file "
                                   "(GRANT " + role + " TO <login>)");
                }
                PQclear(PQexec(db.get(), "ROLLBACK"));
            }
    }

    std::unique_ptr<httplib::Server> http;
    if (!s_.tls_cert.empty()) {
        http = std::make_unique<httplib::SSLServer>(s_.tls_cert.c_str(), s_.tls_key.c_str());
        if (!http->is_valid())
            throw CliError(Exit::input, "cannot load the TLS certificate " + s_.tls_cert + " and key " + s_.tls_key);
    } else {
        http = std::make_unique<httplib::Server>();
    }
    const int threads = s_.http_threads;
    http->new_task_queue = [threads] { return new httplib::ThreadPool(static_cast<size_t>(threads)); };
    http->set_payload_max_length(s_.max_body);
    http->set_keep_alive_max_count(10000);
    http->set_keep_alive_timeout(5);
    http->set_read_timeout(30, 0);
    http->set_write_timeout(30, 0);
    http->set_exception_handler([](const httplib::Request& req, httplib::Response& res, std::exception_ptr ep) {
        std::string what = "internal error";
        try {
            std::rethrow_exception(ep);
        } catch (const std::bad_alloc&) {
            what = "out of memory";
        } catch (const std::exception& e) {
            what = std::string("internal error: ") + e.what();
        } catch (...) {
        }
        answer_error(req, res, 500, what);
    });
    // Before the body is read: a body announced larger than the limit is refused at once (the
    // connection then closes). Everything else is refused after its body has been read (the
    // POST handlers authenticate then), so a keep-alive connection stays in step.
    http->set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
        if (req.path == "/metrics" && !is_loopback(req.remote_addr)) {
            std::string role;
            if (!authenticate(req, res, role)) return httplib::Server::HandlerResponse::Handled;
        }
        if (req.has_header("Content-Length")) {
            const std::string v = req.get_header_value("Content-Length");
            if (v.size() > 15 || std::strtoull(v.c_str(), nullptr, 10) > s_.max_body) {
                res.set_header("Connection", "close");
                answer_error(req, res, 413, "the body is larger than " + std::to_string(s_.max_body) + " bytes");
                return httplib::Server::HandlerResponse::Handled;
            }
        }
        return httplib::Server::HandlerResponse::Unhandled;
    });
    http->set_logger([this](const httplib::Request& req, const httplib::Response& res) {
        metrics_.request(route_of(req.path), res.status);
    });
    http->Post("/v1/traces", [this](const httplib::Request& q, httplib::Response& r, const httplib::ContentReader& c) { traces(q, r, c); });
    http->Post("/v1/usage", [this](const httplib::Request& q, httplib::Response& r, const httplib::ContentReader& c) { usage(q, r, c); });
    http->Post("/v1/authorize", [this](const httplib::Request& q, httplib::Response& r, const httplib::ContentReader& c) { authorize(q, r, c); });
    http->Post("/v1/settle", [this](const httplib::Request& q, httplib::Response& r, const httplib::ContentReader& c) { settle(q, r, c); });
    http->Get("/healthz", [this](const httplib::Request&, httplib::Response& res) {
        DbError err;
        bool db_ok = false;
        try {
            auto c = acquire();
            db_ok = exec(c->get(), "SELECT 1", err);
            release(std::move(c));
        } catch (const CliError& e) {
            err.message = e.what();
        }
        json h = {{"status", db_ok ? "ok" : "database unavailable"},
                  {"queue_rows", metrics_.queue_rows.load()},
                  {"queue_spans", metrics_.queue_spans.load()},
                  {"rows_committed", metrics_.rows_committed.load()}};
        if (!db_ok) h["error"] = err.message;
        res.status = db_ok ? 200 : 503;
        res.set_content(h.dump(-1, ' ', false, json::error_handler_t::replace), "application/json");
    });
    http->Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
        res.set_content(metrics_.render(), "text/plain; version=0.0.4");
    });

    if (!http->bind_to_port(s_.host, s_.port))
        throw CliError(Exit::failure, "cannot listen on " + s_.host + ":" + std::to_string(s_.port),
                       "is another process using the port? pick another with --listen HOST:PORT");

    std::vector<std::thread> flushers;
    for (int i = 0; i < s_.workers; ++i) flushers.emplace_back([this, i] { flusher(i); });
    httplib::Server* hp = http.get();
    std::thread waiter([&signals, hp, this] {
        int sig = 0;
        sigwait(&signals, &sig);
        stopping_ = true;
        hp->stop();
    });
    std::fprintf(stderr, "chargeback serve: listening on %s://%s:%d (%s)\n", s_.tls_cert.empty() ? "http" : "https",
                 s_.host.c_str(), s_.port,
                 tokens_ ? (std::to_string(tokens_->size()) + " token(s)").c_str() : "no tokens: loopback clients only");
    std::fflush(stderr);
    http->listen_after_bind();
    // Stopped (a signal, or the socket failed): the HTTP threads have finished; write what
    // is queued, then end.
    stopping_ = true;
    queue_.close();
    for (std::thread& t : flushers) t.join();
    if (waiter.joinable()) {
        pthread_kill(waiter.native_handle(), SIGTERM);
        waiter.join();
    }
    std::fprintf(stderr, "chargeback serve: stopped; %llu rows committed in %llu batches\n",
                 static_cast<unsigned long long>(metrics_.rows_committed.load()),
                 static_cast<unsigned long long>(metrics_.batches.load()));
    return 0;
}

}  // namespace

int run_serve(const Options& o) {
    ServeSettings s;
    s.host = o.listen_host;
    s.port = o.listen_port;
    s.tls_cert = o.tls_cert;
    s.tls_key = o.tls_key;
    if (o.workers) s.workers = static_cast<int>(o.workers);
    if (o.flush_ms) s.flush_ms = o.flush_ms;
    std::optional<TokenTable> tokens;
    if (!o.tokens_file.empty()) {
        std::ifstream in(o.tokens_file, std::ios::binary);
        if (!in) throw CliError(Exit::input, errno_message("cannot open " + o.tokens_file, errno));
        struct stat st;
        if (stat(o.tokens_file.c_str(), &st) == 0 && (st.st_mode & 077))
            std::fprintf(stderr, "chargeback: warning: %s is readable by other users; chmod 600 it\n",
                         o.tokens_file.c_str());
        std::stringstream text;
        text << in.rdbuf();
        try {
            tokens = TokenTable::parse(text.str());
        } catch (const std::invalid_argument& e) {
            throw CliError(Exit::input, o.tokens_file + ": " + e.what());
        }
    }
    Server server(o, s, std::move(tokens));
    return server.run();
}

}  // namespace cb::cli
