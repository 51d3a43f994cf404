// The C++/PostgreSQL boundary, the one thing that must be perfect.
//
// guarded(f): every SQL-callable function runs its C++ work inside it. It catches every
// exception, copies the error text into static buffers, lets the C++ frames unwind, and only
// then raises the PostgreSQL error with ereport(), so a longjmp never skips a live
// destructor and no exception ever crosses into PostgreSQL.
//
// pg_call(f): the reverse, for the few PostgreSQL calls made from inside C++ (SPI, regex,
// numeric input). f must be plain PostgreSQL code that creates no C++ object with a
// destructor; a PostgreSQL error raised inside it is caught with PG_TRY, copied, flushed and
// rethrown as cb::pg::PgError, which unwinds C++ normally until guarded() re-raises it. A
// PgError must always propagate to guarded(): after it the transaction is aborted.
//
// Cancellation: long core loops call cb::core::check_interrupts(); the hook installed by
// _PG_init (interrupt_hook below) throws cb::core::Interrupted when PostgreSQL has a cancel or
// terminate request pending, and guarded() lets PostgreSQL raise its own error with
// CHECK_FOR_INTERRUPTS() once the C++ frames are gone. No longjmp ever leaves a C++ frame.
#pragma once
#include "pg_includes.hpp"

#include "core/error.hpp"

#include <new>
#include <optional>
#include <string>
#include <utility>

// Declares an SQL-callable function with C linkage (fmgr looks it up by its plain name).
#define CB_FUNCTION(name)              \
    extern "C" {                       \
    PG_FUNCTION_INFO_V1(name);         \
    }                                  \
    extern "C" Datum name(PG_FUNCTION_ARGS)

namespace cb::pg {

// A PostgreSQL error turned into a C++ exception (raised again by guarded()).
class PgError : public cb::core::Error {
public:
    PgError(int sqlerrcode, std::string message, std::string detail, std::string hint);
    int sqlerrcode() const noexcept { return code_; }

private:
    char state_[6];
    int code_;
};

// The cb::core interrupt hook: throws cb::core::Interrupted when a query cancel or die
// request is pending and could be processed now (no holdoff, no critical section); leaves
// every other pending interrupt to the next CHECK_FOR_INTERRUPTS() outside C++.
void interrupt_hook();

// Records the in-flight exception into the static error slot (called from catch blocks).
void capture_current_exception() noexcept;
// Raises the captured error with ereport(ERROR). Never returns.
[[noreturn]] void raise_captured();

template <typename F>
Datum guarded(F&& f) {
    try {
        return f();
    } catch (...) {
        capture_current_exception();
    }
    // Every C++ frame of f is gone here; only trivially destructible locals remain.
    raise_captured();
}

// guarded() for functions that may return SQL NULL: f returns std::optional<Datum>, and
// an empty optional becomes NULL.
template <typename F>
Datum guarded_nullable(FunctionCallInfo fcinfo, F&& f) {
    bool isnull = false;
    Datum d = guarded([&] {
        std::optional<Datum> r = f();
        isnull = !r.has_value();
        return r.value_or(Datum(0));
    });
    fcinfo->isnull = isnull;
    return d;
}

// Copies the current PostgreSQL error into a C++ exception (after PG_CATCH).
[[noreturn]] void rethrow_pg_error(MemoryContext ctx);

template <typename F>
void pg_call(F&& f) {
    MemoryContext ctx = CurrentMemoryContext;
    bool failed = false;
    PG_TRY();
    {
        f();
    }
    PG_CATCH();
    {
        failed = true;
    }
    PG_END_TRY();
    if (failed) rethrow_pg_error(ctx);
}

// palloc that throws std::bad_alloc instead of raising a PostgreSQL error, for use in C++.
void* palloc_or_throw(Size size);
// A palloc'd NUL-terminated copy of s (palloc_or_throw), for text that must outlive guarded().
char* pstrdup_or_throw(const std::string& s);

}  // namespace cb::pg
