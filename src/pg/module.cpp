// Module entry: the magic block and backend start-up registration.
#include "invalidation.hpp"
#include "usage_writer.hpp"

static char* cb_timezone = nullptr;
static bool cb_restoring = false;

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
    // Read by the audit triggers (src/sql/0.2.0/82_audit.sql), which also require a superuser
    // session: a placeholder set before this module loads is not checked by PostgreSQL.
    DefineCustomBoolVariable("chargeback.restoring", "A pg_restore is loading the extension's tables.",
                             "The audit log is restored as dumped; restored rows are not logged again.",
                             &cb_restoring, false, PGC_SUSET, 0, nullptr, nullptr, nullptr);
    MarkGUCPrefixReserved("chargeback");
}
