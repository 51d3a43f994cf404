#include "cli/progress.hpp"

#include "cli/table.hpp"

#include <cstdio>
#include <unistd.h>

namespace cb::cli {

std::string per_second(uint64_t count, uint64_t scale, uint64_t micros) {
    if (micros == 0) micros = 1;
    if (scale == 0) scale = 1;
    // count / scale per second, in tenths: count * 10 * 1e6 / (scale * micros), in 128 bits
    // (it cannot overflow there), printed digit by digit.
    unsigned __int128 tenths =
        static_cast<unsigned __int128>(count) * 10000000u / (static_cast<unsigned __int128>(scale) * micros);
    const char tenth = static_cast<char>('0' + static_cast<int>(tenths % 10));
    tenths /= 10;
    std::string whole;
    do {
        whole.insert(whole.begin(), static_cast<char>('0' + static_cast<int>(tenths % 10)));
        tenths /= 10;
    } while (tenths > 0);
    return group_digits(whole) + "." + tenth;
}

std::string elapsed_text(uint64_t micros) {
    if (micros < 1000000) return std::to_string(micros / 1000) + " ms";
    const uint64_t tenths = micros / 100000;
    return std::to_string(tenths / 10) + "." + std::to_string(tenths % 10) + " s";
}

Progress::Progress(bool enabled, std::string label)
    : enabled_(enabled), tty_(isatty(STDERR_FILENO) != 0), label_(std::move(label)),
      start_(std::chrono::steady_clock::now()), last_(start_) {}

uint64_t Progress::elapsed_micros() const {
    return static_cast<uint64_t>(
        std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - start_).count());
}

void Progress::update(uint64_t rows, uint64_t bytes, uint64_t rejected, bool force) {
    if (!enabled_) return;
    const auto now = std::chrono::steady_clock::now();
    if (!force && now - last_ < std::chrono::seconds(1)) return;
    last_ = now;
    const uint64_t us = elapsed_micros();
    std::string line = label_ + ": " + group_digits(std::to_string(rows)) + " rows, " + per_second(bytes, 1000000, us) +
                       " MB/s, " + group_digits(std::to_string(rejected)) + " rejected so far, " + elapsed_text(us);
    if (tty_) {
        std::fprintf(stderr, "\r%s\033[K", line.c_str());  // redraw in place, clear the rest
        drawn_ = true;
    } else {
        std::fprintf(stderr, "%s\n", line.c_str());
    }
    std::fflush(stderr);
}

void Progress::done(uint64_t rows, uint64_t bytes, uint64_t rejected) {
    if (enabled_ && !tty_) update(rows, bytes, rejected, true);
    if (enabled_ && tty_ && drawn_) {
        std::fprintf(stderr, "\r\033[K");
        std::fflush(stderr);
    }
    drawn_ = false;
}

}  // namespace cb::cli
