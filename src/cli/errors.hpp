// What the command-line tool reports when it stops: a message, an optional hint, and the exit
// code that tells a script what kind of failure it was (README, "Command-line tool").
#pragma once

#include <stdexcept>
#include <string>

namespace cb::cli {

// Exit codes, stable for scripts.
enum class Exit : int {
    ok = 0,
    failure = 1,       // a database error or anything else that went wrong at run time
    usage = 2,         // bad arguments (the usage text is printed)
    connection = 3,    // the server could not be reached or refused the connection
    no_extension = 4,  // the database does not have pg_chargeback
    input = 5,         // an input file is missing or unreadable, or an output cannot be written
};

class CliError : public std::runtime_error {
public:
    CliError(Exit code, const std::string& message, std::string hint = {})
        : std::runtime_error(message), code_(code), hint_(std::move(hint)) {}
    Exit code() const noexcept { return code_; }
    const std::string& hint() const noexcept { return hint_; }

private:
    Exit code_;
    std::string hint_;
};

// "<what>: <strerror(errno_value)>", for file errors.
std::string errno_message(const std::string& what, int errno_value);

}  // namespace cb::cli
