#include "cli/connection.hpp"

#include <cstdlib>
#include <cstring>

namespace cb::cli {

namespace {

std::string first_line(const char* s) {
    std::string m = s ? s : "";
    // libpq messages are "connection to server ... failed: <reason>\n\t<advice>\n".
    size_t nl = m.find('\n');
    if (nl != std::string::npos) m.resize(nl);
    return m;
}

// The reason alone, without libpq's "connection to server ... failed: " (we name the server).
std::string connect_reason(const char* s) {
    std::string m = first_line(s);
    const std::string marker = " failed: ";
    size_t at = m.find(marker);
    return at == std::string::npos ? m : m.substr(at + marker.size());
}

std::string field(const PGresult* r, int code) {
    const char* v = PQresultErrorField(r, code);
    return v ? v : "";
}

}  // namespace

Result& Result::operator=(Result&& o) noexcept {
    if (this != &o) {
        PQclear(r_);
        r_ = o.r_;
        o.r_ = nullptr;
    }
    return *this;
}

std::string describe_server(const char* host, const char* port) {
    std::string h = host && *host ? host : "";
    std::string p = port && *port ? port : "5432";
    if (h.empty() || h[0] == '/') {
        // A Unix-domain socket: name the socket file libpq tried.
        std::string dir = h.empty() ? "/var/run/postgresql" : h;
        return "socket \"" + dir + "/.s.PGSQL." + p + "\"";
    }
    return "host \"" + h + "\" port " + p;
}

Connection::Connection(const std::string& conninfo) {
    // expand_dbname: -d takes a plain database name as well as a connection string or URI,
    // as psql's -d does. Everything not given comes from the PG* environment variables.
    const char* keywords[] = {"dbname", "fallback_application_name", nullptr};
    const char* values[] = {conninfo.empty() ? nullptr : conninfo.c_str(), "chargeback", nullptr};
    conn_ = PQconnectdbParams(keywords, values, 1);
    if (!conn_) throw CliError(Exit::connection, "out of memory while connecting");
    if (PQstatus(conn_) == CONNECTION_OK) {
        PQsetClientEncoding(conn_, "UTF8");
        // Server notices such as "extension exists, skipping" are not the user's business.
        PQclear(PQexec(conn_, "SET client_min_messages = warning"));
        return;
    }
    const std::string server = describe_server(PQhost(conn_), PQport(conn_));
    const std::string reason = connect_reason(PQerrorMessage(conn_));
    const std::string full = first_line(PQerrorMessage(conn_));
    // Tell "nothing is listening" apart from "it answered and said no" (password, database).
    const PGPing ping = PQpingParams(keywords, values, 1);
    PQfinish(conn_);
    conn_ = nullptr;
    if (ping == PQPING_NO_ATTEMPT)  // libpq did not even try: the parameters are wrong
        throw CliError(Exit::connection, "cannot connect: " + full,
                       "check the connection string given with -d and the PG* environment variables");
    if (ping == PQPING_NO_RESPONSE)
        throw CliError(Exit::connection, "cannot reach the PostgreSQL server at " + server + ": " + reason,
                       "check that the server is running and accepts connections there "
                       "(pg_isready; pg_ctl status), or name another server with -d or PGHOST/PGPORT");
    throw CliError(Exit::connection, "the PostgreSQL server at " + server + " refused the connection: " + reason,
                   "check the user, password and database name (-d \"host=... dbname=... user=...\" or "
                   "PGUSER, PGDATABASE, PGPASSWORD)");
}

std::string Connection::where() const { return describe_server(PQhost(conn_), PQport(conn_)); }

void Connection::fail(PGresult* r, const std::string& context) {
    std::string message, hint;
    if (r && PQresultStatus(r) == PGRES_FATAL_ERROR) {
        message = field(r, PG_DIAG_MESSAGE_PRIMARY);
        const std::string state = field(r, PG_DIAG_SQLSTATE);
        const std::string detail = field(r, PG_DIAG_MESSAGE_DETAIL);
        if (!state.empty()) message += " (SQLSTATE " + state + ")";
        if (!detail.empty()) message += "\nDETAIL: " + detail;
        hint = field(r, PG_DIAG_MESSAGE_HINT);
    } else {
        message = first_line(PQerrorMessage(conn_));
    }
    PQclear(r);
    if (PQstatus(conn_) == CONNECTION_BAD)
        throw CliError(Exit::connection, "lost the connection to the server at " + where() +
                                             (context.empty() ? "" : " while " + context) + ": " + message,
                       "check the server log; loads can be re-run safely (a request already recorded is "
                       "never charged again)");
    throw CliError(Exit::failure, (context.empty() ? "" : context + ": ") + message, hint);
}

Result Connection::query(const std::string& sql, const std::vector<Param>& params) {
    std::vector<const char*> values;
    values.reserve(params.size());
    for (const Param& p : params) values.push_back(p ? p->c_str() : nullptr);
    PGresult* r = PQexecParams(conn_, sql.c_str(), static_cast<int>(values.size()), nullptr,
                               values.empty() ? nullptr : values.data(), nullptr, nullptr, 0);
    const ExecStatusType st = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
    if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) fail(r);
    return Result(r);
}

void Connection::run_script(const std::string& sql) {
    // PQexec runs every statement of the string; it returns the last result, and stops at the
    // first error, which it returns.
    PGresult* r = PQexec(conn_, sql.c_str());
    const ExecStatusType st = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
    if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK && st != PGRES_EMPTY_QUERY) fail(r);
    PQclear(r);
}

bool Connection::has_extension() {
    return query("SELECT 1 FROM pg_catalog.pg_extension WHERE extname = 'pg_chargeback'").rows() > 0;
}

bool Connection::extension_available() {
    return query("SELECT 1 FROM pg_catalog.pg_available_extensions WHERE name = 'pg_chargeback'").rows() > 0;
}

void Connection::require_extension() {
    if (has_extension()) return;
    const std::string msg = "the pg_chargeback extension is not installed in database \"" + database() + "\" at " + where();
    if (extension_available())
        throw CliError(Exit::no_extension, msg,
                       "run CREATE EXTENSION pg_chargeback; in that database (as its owner or a superuser), "
                       "or connect to another database with -d");
    throw CliError(Exit::no_extension, msg + ", and this server does not have it available",
                   "build and install it on the server (make && make install, see README.md), then run "
                   "CREATE EXTENSION pg_chargeback;");
}

}  // namespace cb::cli
