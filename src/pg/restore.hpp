// Restores load the extension's tables as dumped (see restore.cpp).
#pragma once

namespace cb::pg {

// Whether this session restores a dump. Plain PostgreSQL calls: call it on the PostgreSQL
// side, outside guarded().
bool restoring();

}  // namespace cb::pg
