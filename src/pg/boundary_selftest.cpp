// chargeback.selftest_boundary(mode): exercises the C++/PostgreSQL boundary from SQL, so a
// regression test can prove that errors raised deep in C++ (or by PostgreSQL inside C++)
// come out as ordinary SQL errors with every C++ destructor run.
#include "datum.hpp"

#include "core/interrupt.hpp"

#include <chrono>
#include <stdexcept>
#include <string>

using namespace cb::pg;

namespace {

int g_live_trackers = 0;

// An object with a destructor, alive on every frame of the recursion below.
struct Tracker {
    std::string payload;
    Tracker() : payload(64, 'x') { ++g_live_trackers; }
    ~Tracker() { --g_live_trackers; }
};

void fail(const std::string& mode) {
    if (mode == "depth") return;  // no error: the call returns how deep it went
    if (mode == "core_error")
        throw cb::core::Error(cb::core::sqlstate::invalid_parameter_value,
                              "selftest: error thrown 50 frames deep in C++", "detail survives",
                              "hint survives");
    if (mode == "pg_error") {
        // PostgreSQL raises division_by_zero inside C++; pg_call turns it into PgError.
        pg_call([] { DirectFunctionCall2(int4div, Int32GetDatum(1), Int32GetDatum(0)); });
    }
    if (mode == "bad_alloc") throw std::bad_alloc();
    if (mode == "spin") {
        // Busy C++ work that only a cancel ends (statement_timeout, pg_cancel_backend): the
        // interrupt hook throws cb::core::Interrupted, the 51 trackers unwind, and guarded()
        // lets PostgreSQL raise its own error. Bounded, so that a broken hook fails the test
        // instead of hanging it.
        auto until = std::chrono::steady_clock::now() + std::chrono::seconds(30);
        for (size_t i = 0;; ++i) {
            cb::core::check_interrupts_every(i);
            if ((i & 0xffff) == 0 && std::chrono::steady_clock::now() > until)
                throw cb::core::Error(cb::core::sqlstate::internal_error,
                                      "selftest: spin was not cancelled within 30 s");
        }
    }
    if (mode == "std_exception") throw std::runtime_error("selftest: unexpected std::exception");
    throw cb::core::Error(cb::core::sqlstate::invalid_parameter_value,
                          "unknown selftest mode \"" + mode + "\"", {},
                          "modes: core_error, pg_error, bad_alloc, std_exception, spin, depth, live");
}

// Recursion of a fixed, small depth (50): its only purpose is many live frames.
int descend(int depth, const std::string& mode) {
    Tracker t;
    if (depth == 0) {
        fail(mode);
        return 0;
    }
    return 1 + descend(depth - 1, mode);
}

}  // namespace

// Returns the number of C++ objects still alive from earlier calls (0 unless a destructor
// was skipped); raises the requested error otherwise.
CB_FUNCTION(cb_selftest_boundary) {
    std::string_view mode = text_view(PG_GETARG_TEXT_PP(0));
    return guarded([&] {
        if (mode == "live") return Int32GetDatum(g_live_trackers);
        return Int32GetDatum(descend(50, std::string(mode)));
    });
}
