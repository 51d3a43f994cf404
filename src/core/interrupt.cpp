#include "interrupt.hpp"

namespace cb::core {

namespace detail {
InterruptHook g_interrupt_hook = nullptr;
}

void set_interrupt_hook(InterruptHook hook) noexcept { detail::g_interrupt_hook = hook; }

InterruptHook interrupt_hook() noexcept { return detail::g_interrupt_hook; }

}  // namespace cb::core
