// The backend-local attribution state: org units, memberships and ownership rules, loaded
// on first use and reloaded when any of those tables changes.
#pragma once
#include "guard.hpp"

#include "core/attribution.hpp"

namespace cb::pg {

// The current attribution, (re)loaded through SPI if stale. Call inside guarded().
const cb::core::Attribution& attribution();

}  // namespace cb::pg
