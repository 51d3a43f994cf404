// Module entry: the magic block and backend start-up registration.
#include "invalidation.hpp"
#include "settings.hpp"
#include "usage_writer.hpp"

#include "core/currency.hpp"
#include "core/interrupt.hpp"

static char* cb_timezone = nullptr;
static bool cb_restoring = false;
static int max_hold_ttl_seconds = 3600;
static int cb_max_payload_bytes = 1024 * 1024;
static int cb_max_future_skew = 24 * 3600;
static char* reporting_currency_setting = nullptr;

// chargeback.reporting_currency must be an ISO 4217 code (upper case): a typo would otherwise
// surface as a missing exchange rate in every report.
static bool check_reporting_currency(char** newval, void**, GucSource) {
    if (*newval && cb::core::is_currency_code(*newval)) return true;
    GUC_check_errdetail("\"%s\" is not an ISO 4217 currency code in upper case, such as USD or EUR.",
                        *newval ? *newval : "");
    return false;
}

// reporting_currency() -> text: the setting, read through C so that its check is in place.
CB_FUNCTION(cb_reporting_currency) {
    (void)fcinfo;
    PG_RETURN_TEXT_P(cstring_to_text(reporting_currency_setting ? reporting_currency_setting : "USD"));
}

// max_hold_ttl() -> interval: chargeback.max_hold_ttl as an interval. Read through C so that
// the module, and with it the PGC_SUSET check of a value set before it loaded, is in place.
CB_FUNCTION(cb_max_hold_ttl) {
    Interval* ttl = static_cast<Interval*>(palloc0(sizeof(Interval)));
    (void)fcinfo;
    ttl->time = static_cast<TimeOffset>(max_hold_ttl_seconds) * USECS_PER_SEC;
    PG_RETURN_INTERVAL_P(ttl);
}

const char* cb::pg::chargeback_timezone() { return cb_timezone && cb_timezone[0] ? cb_timezone : "UTC"; }

size_t cb::pg::max_payload_bytes() { return static_cast<size_t>(cb_max_payload_bytes); }

int64_t cb::pg::max_future_skew_seconds() { return cb_max_future_skew; }

bool cb::pg::chargeback_timezone_is_utc() {
    const char* tz = chargeback_timezone();
    return pg_strcasecmp(tz, "UTC") == 0 || pg_strcasecmp(tz, "Etc/UTC") == 0;
}

extern "C" {
PG_MODULE_MAGIC;
void _PG_init(void);
}

void _PG_init(void) {
    // Long C++ loops (the allocation engine, the exact solver) honour statement_timeout and
    // cancel requests through this hook (guard.hpp).
    cb::core::set_interrupt_hook(&cb::pg::interrupt_hook);
    cb::pg::register_relcache_callback();
    cb::pg::register_usage_buffer_callbacks();
    // A superuser setting: the time zone decides which month and day every row is booked in,
    // so a session that could change it could book its usage into another (open) period.
    DefineCustomStringVariable("chargeback.timezone", "Time zone of accounting periods (months, budget days).",
                               "Usage is booked in the month it occurred in this time zone.", &cb_timezone, "UTC",
                               PGC_SUSET, 0, nullptr, nullptr, nullptr);
    // Read by chargeback.restoring() (restore.cpp), which also requires a superuser session:
    // a placeholder set before this module loads is not checked by PostgreSQL. pg_restore and
    // pg_dump scripts are recognised without it; it is for other restores.
    DefineCustomBoolVariable("chargeback.restoring", "This session restores a dump of the extension's tables.",
                             "Restored rows load as dumped: foreign keys and ordinary triggers are off for them.",
                             &cb_restoring, false, PGC_SUSET, 0, nullptr, nullptr, nullptr);
    // Holds tie up a block budget until they expire or settle: the ingest role may not
    // choose how long (a superuser setting).
    DefineCustomIntVariable("chargeback.max_hold_ttl", "Longest a hold made by authorize() may last.",
                            "authorize() and INSERTs into chargeback.reservation refuse a longer ttl.", &max_hold_ttl_seconds,
                            3600, 1, 30 * 24 * 3600, PGC_SUSET, GUC_UNIT_S, nullptr, nullptr, nullptr);
    // Bounds on what one usage payload may cost a backend (parsing memory is a small multiple
    // of the payload) and on how far ahead usage may be dated (each new month is a partition).
    DefineCustomIntVariable("chargeback.max_payload_bytes", "Largest usage payload accepted, in bytes of JSON text.",
                            "ingest(), parse_usage() and the usage_inbox views refuse a larger payload or attrs (54000); "
                            "a bulk row becomes a row of usage_rejected.",
                            &cb_max_payload_bytes, 1024 * 1024, 1024, 1024 * 1024 * 1024, PGC_SUSET, GUC_UNIT_BYTE,
                            nullptr, nullptr, nullptr);
    DefineCustomIntVariable("chargeback.max_future_skew", "How far ahead of the current time usage may be dated.",
                            "Usage whose occurred_at is later than now plus this is refused (22008).", &cb_max_future_skew,
                            24 * 3600, 0, INT_MAX, PGC_SUSET, GUC_UNIT_S, nullptr, nullptr, nullptr);
    // A reader's choice (which currency reports are read in), not a security boundary.
    DefineCustomStringVariable("chargeback.reporting_currency", "Currency that reports are converted into.",
                               "Exchange rates come from chargeback.fx_rate (set_fx_rate); a missing rate is an error "
                               "naming the pair and the date.",
                               &reporting_currency_setting, "USD", PGC_USERSET, 0, check_reporting_currency, nullptr, nullptr);
    MarkGUCPrefixReserved("chargeback");
}
