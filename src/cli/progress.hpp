// Progress of a long load on stderr: rows, MB/s and rejections so far, refreshed about once
// a second. On a terminal it redraws one line; elsewhere (--progress into a log) it prints
// a line per refresh.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace cb::cli {

// "12.3": tenths of a unit per second from a count and microseconds, in integers.
std::string per_second(uint64_t count, uint64_t scale, uint64_t micros);
// "1.8 s" / "950 ms".
std::string elapsed_text(uint64_t micros);

class Progress {
public:
    Progress(bool enabled, std::string label);
    // Redraws when a second has passed since the last time (or force).
    void update(uint64_t rows, uint64_t bytes, uint64_t rejected, bool force = false);
    // Before the summary: clears the terminal line; into a log (--progress without a
    // terminal) prints the final figures, so even a short load leaves one progress line.
    void done(uint64_t rows, uint64_t bytes, uint64_t rejected);
    uint64_t elapsed_micros() const;

private:
    bool enabled_;
    bool tty_;
    bool drawn_ = false;
    std::string label_;
    std::chrono::steady_clock::time_point start_, last_;
};

}  // namespace cb::cli
