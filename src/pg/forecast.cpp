// Aggregates chargeback.forecast(day date, amount numeric, period_end date) -> jsonb and
// chargeback.forecast(day, amount, period_end, period_start date) -> jsonb: period-end
// projection of spend from daily amounts (the second with the days before period_start as
// history), {"projected", "low", "high", "method", "state"}.
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
    int32 period_start;  // cb::core::kPeriodStartFromData for the 3-argument aggregate
    int32* days;
    char* amounts;  // n * 16 bytes of __int128 (memcpy'd: palloc gives 8-byte alignment only)
};

}  // namespace

// Adds one row to the state. period_start: kPeriodStartFromData (3 arguments), or the
// period's first day (4 arguments; history rows older than kForecastHistoryDays before it are
// not kept, so the state stays bounded whatever the caller passes).
static Datum forecast_accum(FunctionCallInfo fcinfo, bool with_start) {
    MemoryContext aggcxt;
    if (!AggCheckCallContext(fcinfo, &aggcxt))
        ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
                        errmsg("cb_forecast_accum called in non-aggregate context")));
    ForecastState* st = PG_ARGISNULL(0) ? nullptr : reinterpret_cast<ForecastState*>(PG_GETARG_POINTER(0));
    if (PG_ARGISNULL(1) || PG_ARGISNULL(2) || PG_ARGISNULL(3) || (with_start && PG_ARGISNULL(4))) {
        if (!st) PG_RETURN_NULL();
        PG_RETURN_POINTER(st);
    }
    DateADT day = PG_GETARG_DATEADT(1);
    DateADT end = PG_GETARG_DATEADT(3);
    DateADT start = with_start ? PG_GETARG_DATEADT(4) : cb::core::kPeriodStartFromData;
    if (DATE_NOT_FINITE(day) || DATE_NOT_FINITE(end) || (with_start && DATE_NOT_FINITE(start)))
        ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                        errmsg("forecast needs finite dates")));
    if (st && st->period_end != end)
        ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                        errmsg("forecast: period_end must be the same for every row of a group")));
    if (st && st->period_start != start)
        ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                        errmsg("forecast: period_start must be the same for every row of a group")));
    if (with_start && static_cast<int64>(day) < static_cast<int64>(start) - cb::core::kForecastHistoryDays) {
        if (!st) PG_RETURN_NULL();  // history too old to matter: not kept
        PG_RETURN_POINTER(st);
    }
    char* amount = numeric_cstring(PG_GETARG_DATUM(2));
    if (!st) {
        st = static_cast<ForecastState*>(MemoryContextAllocZero(aggcxt, sizeof(ForecastState)));
        st->cap = 32;
        st->days = static_cast<int32*>(MemoryContextAlloc(aggcxt, sizeof(int32) * st->cap));
        st->amounts = static_cast<char*>(MemoryContextAlloc(aggcxt, 16 * st->cap));
        st->period_end = end;
        st->period_start = start;
    }
    const int max_rows = (cb::core::kForecastMaxDays + cb::core::kForecastHistoryDays) * 4;
    if (st->n >= max_rows)
        ereport(ERROR, (errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
                        errmsg("forecast takes at most %d rows per group", max_rows),
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

static Datum forecast_final(FunctionCallInfo fcinfo, bool with_start) {
    if (PG_ARGISNULL(0)) PG_RETURN_NULL();
    ForecastState* st = reinterpret_cast<ForecastState*>(PG_GETARG_POINTER(0));
    return guarded([&] {
        std::vector<cb::core::DailyAmount> days(static_cast<size_t>(st->n));
        for (int32 i = 0; i < st->n; ++i) {
            days[i].day = st->days[i];
            std::memcpy(&days[i].amount, st->amounts + 16 * i, 16);
        }
        cb::core::ForecastResult f =
            with_start ? cb::core::forecast_with_history(std::move(days), st->period_start, st->period_end)
                       : cb::core::forecast_period_detail(std::move(days), st->period_start, st->period_end);
        return jsonb_datum("{\"projected\": " + cb::core::forecast_amount_text(f.projected) +
                           ", \"low\": " + cb::core::forecast_amount_text(f.low) +
                           ", \"high\": " + cb::core::forecast_amount_text(f.high) +
                           ", \"method\": \"" + cb::core::forecast_method_name(f.method) +
                           "\", \"state\": \"" + cb::core::forecast_state_name(f.state) + "\"}");
    });
}

CB_FUNCTION(cb_forecast_accum) { return forecast_accum(fcinfo, false); }
CB_FUNCTION(cb_forecast_final) { return forecast_final(fcinfo, false); }
CB_FUNCTION(cb_forecast_history_accum) { return forecast_accum(fcinfo, true); }
// FINALFUNC_EXTRA: called with the state and the aggregate's four arguments (all NULL).
CB_FUNCTION(cb_forecast_history_final) { return forecast_final(fcinfo, true); }
