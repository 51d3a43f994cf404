// Turns a byte stream of JSON lines into COPY text-format rows, one line at a time, so a file
// of any size streams through a small buffer.
//
// Why escaping: in COPY's text format a backslash starts an escape and a tab separates
// columns, so a JSON line with "\n" or "\"" in a string (or a tab between tokens) would
// reach the server changed. Each line is sent as one column value with \ and tab escaped;
// the server then sees exactly the bytes of the file.
//
// Lines that cannot be sent at all are skipped and counted (the server would fail the whole
// COPY on them): bytes that are not UTF-8, and NUL bytes, which PostgreSQL text cannot hold.
// Blank lines are skipped silently; a CR before the LF (Windows files) is dropped.
// Pure, unit-tested (test/unit/cli_copy_encoder_test.cpp).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace cb::cli {

class CopyEncoder {
public:
    // suffix is appended to every row as further columns, already in COPY text form
    // (e.g. "\topenai_chat" when the format column is sent too).
    explicit CopyEncoder(std::string suffix = {}) : suffix_(std::move(suffix)) {}

    // Appends the COPY rows of every line completed by these bytes to out.
    void feed(const char* data, size_t n, std::string& out);
    // The last line when the input does not end with a newline.
    void finish(std::string& out);

    uint64_t rows() const { return rows_; }                 // rows written to out
    uint64_t skipped() const { return skipped_; }           // lines not sendable (see above)
    uint64_t line_number() const { return line_number_; }   // physical lines seen so far
    // Line numbers (1-based) of the first skipped lines, for the message.
    const std::vector<uint64_t>& skipped_lines() const { return skipped_lines_; }

private:
    void end_line(std::string& out);

    std::string suffix_;
    std::string line_;
    uint64_t rows_ = 0;
    uint64_t skipped_ = 0;
    uint64_t line_number_ = 0;
    std::vector<uint64_t> skipped_lines_;
};

// True when s is well-formed UTF-8 (no overlongs, surrogates or code points above U+10FFFF)
// without NUL bytes.
bool sendable_text(const std::string& s);

// A value in COPY text form: backslash, tab, newline and carriage return escaped.
void append_copy_escaped(std::string& out, const char* data, size_t n);

}  // namespace cb::cli
