// The accounting calendar (calendar.hpp) and its SQL functions: chargeback.period_of(),
// chargeback.day_of() and chargeback.accounting_timezone().
#include "calendar.hpp"

#include "guard.hpp"
#include "settings.hpp"

#include "core/timestamp.hpp"

namespace cb::pg {

Datum accounting_zone() { return CStringGetTextDatum(chargeback_timezone()); }

namespace {

// An infinite time gives the infinite date, as SQL's casts do.
bool infinite_date(TimestampTz at, DateADT* d) {
    if (TIMESTAMP_IS_NOBEGIN(at))
        DATE_NOBEGIN(*d);
    else if (TIMESTAMP_IS_NOEND(at))
        DATE_NOEND(*d);
    else
        return false;
    return true;
}

}  // namespace

DateADT accounting_month(TimestampTz at, Datum zone) {
    DateADT d;
    if (infinite_date(at, &d)) return d;
    if (chargeback_timezone_is_utc()) return cb::core::utc_month_start(at);
    Datum month = DirectFunctionCall3(timestamptz_trunc_zone, CStringGetTextDatum("month"), TimestampTzGetDatum(at), zone);
    return DatumGetDateADT(DirectFunctionCall1(timestamp_date, DirectFunctionCall2(timestamptz_zone, zone, month)));
}

DateADT accounting_day(TimestampTz at, Datum zone) {
    DateADT d;
    if (infinite_date(at, &d)) return d;
    if (chargeback_timezone_is_utc()) return cb::core::utc_day(at);
    return DatumGetDateADT(
        DirectFunctionCall1(timestamp_date, DirectFunctionCall2(timestamptz_zone, zone, TimestampTzGetDatum(at))));
}

}  // namespace cb::pg

// Plain PostgreSQL code: no C++ object is alive in these.
CB_FUNCTION(cb_accounting_timezone) {
    (void)fcinfo;
    PG_RETURN_TEXT_P(cstring_to_text(cb::pg::chargeback_timezone()));
}

CB_FUNCTION(cb_period_of) {
    TimestampTz at = PG_GETARG_TIMESTAMPTZ(0);
    PG_RETURN_DATEADT(cb::pg::accounting_month(at, cb::pg::chargeback_timezone_is_utc() ? Datum(0) : cb::pg::accounting_zone()));
}

CB_FUNCTION(cb_day_of) {
    TimestampTz at = PG_GETARG_TIMESTAMPTZ(0);
    PG_RETURN_DATEADT(cb::pg::accounting_day(at, cb::pg::chargeback_timezone_is_utc() ? Datum(0) : cb::pg::accounting_zone()));
}
