// `chargeback load`: streams JSON lines into chargeback.usage_inbox_text with COPY.
//
// Why usage_inbox_text rather than usage_inbox: both ingest every row in the same statement
// and put rows that cannot be ingested into chargeback.usage_rejected, but usage_inbox's json
// column makes COPY itself fail on a line that is not JSON at all (a line cut off by a crash),
// and with it the whole batch. A file loader must survive such a line.
//
// The file is sent in batches (50,000 lines or 32 MB, one transaction each): memory stays
// flat, the progress line can show the rejections committed so far, and after an error the
// batches before it are kept; loading the file again is safe because a request already
// recorded is never charged twice.
#pragma once

#include "cli/connection.hpp"
#include "cli/input.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace cb::cli {

struct LoadSettings {
    std::string format = "auto";  // sent as the format column unless auto
    bool progress = false;        // draw progress on stderr
    uint64_t batch_rows = 50000;
    uint64_t batch_bytes = 32u << 20;
};

struct LoadResult {
    std::string name;
    uint64_t lines = 0;       // rows sent to the server
    uint64_t skipped = 0;     // lines not sendable (not UTF-8, NUL bytes)
    uint64_t recorded = 0;    // new chargeback.usage rows
    uint64_t duplicates = 0;  // requests already recorded, logged in usage_duplicate
    uint64_t rejected = 0;    // rows in usage_rejected from this load
    uint64_t bytes = 0;
    uint64_t micros = 0;
    bool counted = true;      // false when the counts could not be read back (privileges)
};

LoadResult load_source(Connection& db, ByteSource& source, const LoadSettings& settings);
// The summary block of one load, for stdout.
std::string load_summary(const LoadResult& r);

}  // namespace cb::cli
