// Aggregate chargeback.forecast(day date, amount numeric, period_end date) -> jsonb:
// month-end (period-end) projection of spend from daily amounts, with a low/high band.
// The state is plain palloc'd memory in the aggregate context (no C++ object lives in it,
// so nothing needs a destructor when PostgreSQL frees it).
#include "datum.hpp"

#include "core/forecast.hpp"

#include <cstring>

using namespace cb::pg;

namespace {

struct ForecastState {
    int32 n;
    int32 cap;
    int32 period_end;
    int32* days;
    char* amounts;  // n * 16 bytes of __int128 (memcpy'd: palloc gives 8-byte alignment only)
};

}  // namespace

CB_FUNCTION(cb_forecast_accum) {
    MemoryContext aggcxt;
    if (!AggCheckCallContext(fcinfo, &aggcxt))
        ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
                        errmsg("cb_forecast_accum called in non-aggregate context")));
    ForecastState* st = PG_ARGISNULL(0) ? nullptr : reinterpret_cast<ForecastState*>(PG_GETARG_POINTER(0));
    if (PG_ARGISNULL(1) || PG_ARGISNULL(2) || PG_ARGISNULL(3)) {
        if (!st) PG_RETURN_NULL();
        PG_RETURN_POINTER(st);
    }
    DateADT day = PG_GETARG_DATEADT(1);
    DateADT end = PG_GETARG_DATEADT(3);
    if (DATE_NOT_FINITE(day) || DATE_NOT_FINITE(end))
        ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                        errmsg("forecast needs finite dates")));
    char* amount = numeric_cstring(PG_GETARG_DATUM(2));
    if (!st) {
        st = static_cast<ForecastState*>(MemoryContextAllocZero(aggcxt, sizeof(ForecastState)));
        st->cap = 32;
        st->days = static_cast<int32*>(MemoryContextAlloc(aggcxt, sizeof(int32) * st->cap));
        st->amounts = static_cast<char*>(MemoryContextAlloc(aggcxt, 16 * st->cap));
        st->period_end = end;
    } else if (st->period_end != end) {
        ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                        errmsg("forecast: period_end must be the same for every row of a group")));
    }
    if (st->n >= cb::core::kForecastMaxDays * 4)
        ereport(ERROR, (errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
                        errmsg("forecast takes at most %d rows per group", cb::core::kForecastMaxDays * 4),
                        errhint("sum the amounts per day first")));
    if (st->n == st->cap) {
        st->cap *= 2;
        st->days = static_cast<int32*>(repalloc(st->days, sizeof(int32) * st->cap));
        st->amounts = static_cast<char*>(repalloc(st->amounts, 16 * st->cap));
    }
    int32 slot = st->n;
    guarded([&] {
        cb::core::int128 v = cb::core::forecast_amount_from_text(amount);
        std::memcpy(st->amounts + 16 * slot, &v, 16);
        return Datum(0);
    });
    st->days[slot] = day;
    st->n++;
    PG_RETURN_POINTER(st);
}

CB_FUNCTION(cb_forecast_final) {
    if (PG_ARGISNULL(0)) PG_RETURN_NULL();
    ForecastState* st = reinterpret_cast<ForecastState*>(PG_GETARG_POINTER(0));
    return guarded([&] {
        std::vector<cb::core::DailyAmount> days(static_cast<size_t>(st->n));
        for (int32 i = 0; i < st->n; ++i) {
            days[i].day = st->days[i];
            std::memcpy(&days[i].amount, st->amounts + 16 * i, 16);
        }
        cb::core::Forecast f = cb::core::forecast_period(std::move(days), st->period_end);
        return jsonb_datum("{\"projected\": " + cb::core::forecast_amount_text(f.projected) +
                           ", \"low\": " + cb::core::forecast_amount_text(f.low) +
                           ", \"high\": " + cb::core::forecast_amount_text(f.high) + "}");
    });
}
