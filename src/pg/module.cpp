// Module entry: the magic block and backend start-up registration.
#include "invalidation.hpp"
#include "usage_writer.hpp"

static char* cb_timezone = nullptr;

extern "C" {
PG_MODULE_MAGIC;
void _PG_init(void);
}

void _PG_init(void) {
    cb::pg::register_relcache_callback();
    cb::pg::register_usage_buffer_callbacks();
    DefineCustomStringVariable("chargeback.timezone", "Time zone of accounting periods (months, budget days).",
                               "Usage is booked in the month it occurred in this time zone.", &cb_timezone, "UTC",
                               PGC_USERSET, 0, nullptr, nullptr, nullptr);
    MarkGUCPrefixReserved("chargeback");
}
