// The extension's settings (GUCs, defined in module.cpp) as the C++ side reads them.
#pragma once

#include <cstddef>
#include <cstdint>

namespace cb::pg {

// chargeback.timezone (days and months are counted in it), "UTC" when empty, and whether it
// is UTC, which the C++ side computes without PostgreSQL's time zone code.
const char* chargeback_timezone();
bool chargeback_timezone_is_utc();

// chargeback.max_payload_bytes: the longest usage payload (and attrs) ingest(), parse_usage()
// and the usage_inbox views accept, in bytes of JSON text.
size_t max_payload_bytes();
// chargeback.max_future_skew: how far ahead of the clock usage may be dated, in seconds.
int64_t max_future_skew_seconds();

}  // namespace cb::pg
