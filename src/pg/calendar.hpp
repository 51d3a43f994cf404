// The accounting calendar, one home for every caller: the month a usage time is booked in
// and the day it counts on, in chargeback.timezone. The usage writer, the budget trigger and
// SQL (chargeback.period_of(), chargeback.day_of(), chargeback.accounting_timezone()) all
// use these.
#pragma once
#include "pg_includes.hpp"

extern "C" {
#include "utils/date.h"
#include "utils/timestamp.h"
}

namespace cb::pg {

// The time zone of accounting periods (chargeback.timezone), as a text Datum for
// PostgreSQL's time zone functions; only needed when !chargeback_timezone_is_utc().
Datum accounting_zone();

// Plain PostgreSQL code (may raise): the first day of the month of at, and the day of at,
// in chargeback.timezone; an infinite time gives the infinite date, as SQL's casts do. zone
// is accounting_zone() (ignored in UTC, which is computed without PostgreSQL's zone code).
DateADT accounting_month(TimestampTz at, Datum zone);
DateADT accounting_day(TimestampTz at, Datum zone);

}  // namespace cb::pg
