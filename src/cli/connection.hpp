// The database connection (libpq): connecting with errors a person can act on, running
// queries with parameters, and checking that pg_chargeback is there.
#pragma once

#include "cli/errors.hpp"

#include <libpq-fe.h>

#include <optional>
#include <string>
#include <vector>

namespace cb::cli {

// A query result; owns the PGresult.
class Result {
public:
    explicit Result(PGresult* r = nullptr) : r_(r) {}
    Result(Result&& o) noexcept : r_(o.r_) { o.r_ = nullptr; }
    Result& operator=(Result&& o) noexcept;
    Result(const Result&) = delete;
    Result& operator=(const Result&) = delete;
    ~Result() { PQclear(r_); }

    int rows() const { return PQntuples(r_); }
    int columns() const { return PQnfields(r_); }
    bool is_null(int row, int col) const { return PQgetisnull(r_, row, col) != 0; }
    // The value as PostgreSQL's text (empty for NULL).
    std::string text(int row, int col) const { return PQgetvalue(r_, row, col); }
    std::string column_name(int col) const { return PQfname(r_, col); }
    PGresult* get() const { return r_; }

private:
    PGresult* r_;
};

using Param = std::optional<std::string>;  // nullopt = SQL NULL

class Connection {
public:
    // conninfo: a database name, a key=value string or a URI; empty = the libpq environment
    // (PGHOST, PGPORT, PGDATABASE, ...). Throws CliError(Exit::connection) naming the server.
    explicit Connection(const std::string& conninfo);
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;
    ~Connection() { PQfinish(conn_); }

    // One statement with $1... parameters (text). Throws CliError(Exit::failure) with the
    // server's message, detail and hint.
    Result query(const std::string& sql, const std::vector<Param>& params = {});
    // Several statements in one string (a script), no parameters.
    void run_script(const std::string& sql);

    // Throws CliError(Exit::no_extension) when pg_chargeback is not installed here.
    void require_extension();
    // Whether pg_chargeback is installed; whether the server could install it.
    bool has_extension();
    bool extension_available();

    std::string database() const { return PQdb(conn_); }
    // "host "db.example" port 5432" or "socket "/tmp/.s.PGSQL.5432"", for messages.
    std::string where() const;
    PGconn* get() { return conn_; }

    // Raises the error of a failed result (any status but the expected ones).
    [[noreturn]] void fail(PGresult* r, const std::string& context = {});

private:
    PGconn* conn_ = nullptr;
};

// host/port as a person would name them, from a (possibly failed) connection.
std::string describe_server(const char* host, const char* port);

}  // namespace cb::cli
