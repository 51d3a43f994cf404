// The extension's settings (GUCs, defined in module.cpp) as the C++ side reads them.
#pragma once

namespace cb::pg {

// chargeback.timezone (days and months are counted in it), "UTC" when empty, and whether it
// is UTC, which the C++ side computes without PostgreSQL's time zone code.
const char* chargeback_timezone();
bool chargeback_timezone_is_utc();

}  // namespace cb::pg
