// Shared helpers for the libFuzzer targets. A target catches cb::core::Error only (the one
// exception the core may throw for bad input); anything else escapes and aborts, which
// libFuzzer reports as a crash. Broken invariants call fuzz_fail(), which aborts too.
#pragma once

#include "core/error.hpp"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <initializer_list>
#include <string>

namespace cb::fuzz {

[[noreturn]] inline void fuzz_fail(const char* what, const std::string& detail = {}) {
    std::fprintf(stderr, "fuzz invariant broken: %s\n%s\n", what, detail.c_str());
    std::abort();
}

// An Error's SQLSTATE must be one the entry point documents.
inline void expect_state(const cb::core::Error& e, std::initializer_list<const char*> allowed) {
    for (const char* s : allowed)
        if (std::strcmp(e.sqlstate(), s) == 0) return;
    fuzz_fail("unexpected SQLSTATE", std::string(e.sqlstate()) + ": " + e.what());
}

}  // namespace cb::fuzz
