// The demo's usage generator: a month of gateway log lines from OpenAI, Anthropic, Google
// and Bedrock, in the providers' real response shapes wrapped in gateway envelopes (the
// shapes of test/fixtures/<format>/), plus a few bad lines for the rejection table.
//
// Deterministic: the same config gives the same lines, byte for byte, on any platform (its
// own splitmix64 generator and integer arithmetic; no <random> distributions, whose output
// differs between standard libraries). Lines come out in time order, as a gateway writes them.
// Request i is the same request (provider, model, tokens, owner) whatever the window; the
// window only decides its time.
//
// Who sends what follows the demo organisation (src/cli/demo_seed.sql): each member gets
// the workload of their department (the top-level unit code: sales, marketing, engineering,
// customer-success, finance, executives, platform); apps are owned by ownership rules
// (support-bot, coding-assistant, internal-tools, the shared gateway key); a few contractors
// are nobody's member and stay unattributed.
// Pure, unit-tested (test/unit/cli_generator_test.cpp parses every line with the core's parsers).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace cb::cli {

struct DemoUser {
    std::string principal;
    std::string department;  // top-level org unit code
};

struct GeneratorConfig {
    uint64_t seed = 2026;
    int64_t start = 0;        // first second (Unix time, UTC) of the window
    int64_t end = 0;          // end of the window, exclusive
    uint64_t requests = 0;    // good lines
    uint64_t bad_lines = 0;   // bad lines mixed in (evenly spread)
    std::string id_prefix;    // makes request ids unique per generated month
    std::vector<DemoUser> users;
};

class UsageGenerator {
public:
    explicit UsageGenerator(GeneratorConfig config);
    // Replaces line with the next JSON line (no newline); false when all lines are out.
    bool next(std::string& line);
    uint64_t total_lines() const { return config_.requests + config_.bad_lines; }

private:
    void good_line(int64_t at, uint64_t index, std::string& line);
    void bad_line(uint64_t index, std::string& line);
    int64_t next_time();

    GeneratorConfig config_;
    uint64_t rng_;                       // the times; each request has its own dice
    std::vector<uint64_t> hour_counts_;  // requests per hour of the window
    size_t hour_ = 0;
    std::vector<int64_t> pending_;       // times of the current hour, sorted, consumed from the back
    uint64_t emitted_good_ = 0;
    uint64_t emitted_bad_ = 0;
    std::vector<size_t> by_department_[8];
    uint64_t ticket_ = 0, pull_request_ = 0, opportunity_ = 0, campaign_ = 0;
};

// Unix seconds -> "2026-11-03T09:12:44Z".
std::string iso_utc(int64_t unix_seconds);

}  // namespace cb::cli
