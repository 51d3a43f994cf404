// Cancellation of long C++ work. The core never sees PostgreSQL, so it cannot test
// InterruptPending itself: the glue installs a hook (src/pg/module.cpp) that long loops call
// through check_interrupts(). A hook that wants the work to stop throws Interrupted; guarded()
// catches it and, once every C++ frame is gone, lets PostgreSQL raise its own error
// (statement timeout, cancel request, terminate) with CHECK_FOR_INTERRUPTS().
//
// Interrupted is deliberately not a cb::core::Error (nor a std::exception): code that turns
// Errors into per-row rejections or tries an alternative on Error must never swallow a
// cancel. Only catch (...) blocks that rethrow may see it.
#pragma once
#include "pure.hpp"

#include <cstddef>

namespace cb::core {

// Thrown by an interrupt hook: stop now, the caller's statement is being cancelled.
struct Interrupted {};

// Called from long loops; returns normally to go on, throws Interrupted to stop. Must be
// cheap (it runs every few iterations) and must not touch anything else.
using InterruptHook = void (*)();

// Installs the hook (nullptr: none, the default; the unit tests and the CLI run without).
void set_interrupt_hook(InterruptHook hook) noexcept;
InterruptHook interrupt_hook() noexcept;

namespace detail {
extern InterruptHook g_interrupt_hook;
}

// Calls the hook, if any. Every loop whose length the input decides calls this (or
// check_interrupts_every) so that no input keeps a backend busy past a statement timeout.
inline void check_interrupts() {
    if (detail::g_interrupt_hook) detail::g_interrupt_hook();
}

// For tight loops: calls the hook on every 256th iteration i (and on the first).
inline void check_interrupts_every(std::size_t i) {
    if ((i & 255u) == 0) check_interrupts();
}

}  // namespace cb::core
