// Aggregate chargeback.anomaly(day date, amount numeric, checked date, min_change numeric) ->
// jsonb: is the spend of `checked` (the rows of that day, summed) out of line with the days
// before it (the last 56; older rows are not kept)? {"expected", "low", "high", "actual",
// "verdict", "rule", "history_days"}; see src/core/anomaly.hpp. A row after `checked` is an
// error. The state is plain palloc'd memory in the aggregate context, as forecast's.
#include "datum.hpp"

#include "core/anomaly.hpp"

#include <cstring>

using namespace cb::pg;

namespace {

struct AnomalyState {
    int32 n;
    int32 cap;
    int32 checked;
    int32* days;
    char* amounts;      // n * 16 bytes of __int128 (memcpy'd: palloc gives 8-byte alignment only)
    char actual[16];    // the checked day's total
    char min_change[16];
};

}  // namespace

CB_FUNCTION(cb_anomaly_accum) {
    MemoryContext aggcxt;
    if (!AggCheckCallContext(fcinfo, &aggcxt))
        ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
                        errmsg("cb_anomaly_accum called in non-aggregate context")));
    AnomalyState* st = PG_ARGISNULL(0) ? nullptr : reinterpret_cast<AnomalyState*>(PG_GETARG_POINTER(0));
    if (PG_ARGISNULL(1) || PG_ARGISNULL(2) || PG_ARGISNULL(3) || PG_ARGISNULL(4)) {
        if (!st) PG_RETURN_NULL();
        PG_RETURN_POINTER(st);
    }
    DateADT day = PG_GETARG_DATEADT(1);
    DateADT checked = PG_GETARG_DATEADT(3);
    if (DATE_NOT_FINITE(day) || DATE_NOT_FINITE(checked))
        ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("anomaly needs finite dates")));
    if (st && st->checked != checked)
        ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                        errmsg("anomaly: the checked day must be the same for every row of a group")));
    if (day > checked)
        ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                        errmsg("anomaly: a row's day lies after the day checked"),
                        errhint("give the days up to the checked one only")));
    char* min_change = nullptr;
    if (!st) {
        min_change = numeric_cstring(PG_GETARG_DATUM(4));
        st = static_cast<AnomalyState*>(MemoryContextAllocZero(aggcxt, sizeof(AnomalyState)));
        st->cap = 64;
        st->days = static_cast<int32*>(MemoryContextAlloc(aggcxt, sizeof(int32) * st->cap));
        st->amounts = static_cast<char*>(MemoryContextAlloc(aggcxt, 16 * st->cap));
        st->checked = checked;
    }
    if (static_cast<int64>(day) < static_cast<int64>(checked) - cb::core::kAnomalyHistoryDays &&
        min_change == nullptr)
        PG_RETURN_POINTER(st);  // history too old to matter: not kept
    char* amount = numeric_cstring(PG_GETARG_DATUM(2));
    const bool history = day < checked &&
                         static_cast<int64>(day) >= static_cast<int64>(checked) - cb::core::kAnomalyHistoryDays;
    if (history) {
        const int max_rows = cb::core::kAnomalyHistoryDays * 64;
        if (st->n >= max_rows)
            ereport(ERROR, (errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
                            errmsg("anomaly takes at most %d history rows per group", max_rows),
                            errhint("sum the amounts per day first")));
        if (st->n == st->cap) {
            st->cap *= 2;
            st->days = static_cast<int32*>(repalloc(st->days, sizeof(int32) * st->cap));
            st->amounts = static_cast<char*>(repalloc(st->amounts, 16 * st->cap));
        }
    }
    guarded([&] {
        if (min_change) {
            cb::core::int128 m = cb::core::forecast_amount_from_text(min_change);
            std::memcpy(st->min_change, &m, 16);
        }
        cb::core::int128 v = cb::core::forecast_amount_from_text(amount);
        if (history) {
            std::memcpy(st->amounts + 16 * st->n, &v, 16);
        } else if (day == checked) {
            cb::core::int128 sum;
            std::memcpy(&sum, st->actual, 16);
            if (!cb::core::checked_add(sum, v, &sum) || sum > cb::core::kForecastMaxDailyAmount ||
                sum < -cb::core::kForecastMaxDailyAmount)
                throw cb::core::Error(cb::core::sqlstate::numeric_value_out_of_range,
                                      "anomaly: the checked day's total is out of range",
                                      "a day's total must lie within +-1e12 currency units");
            std::memcpy(st->actual, &sum, 16);
        }
        return Datum(0);
    });
    if (history) {
        st->days[st->n] = day;
        st->n++;
    }
    PG_RETURN_POINTER(st);
}

// FINALFUNC_EXTRA: called with the state and the aggregate's four arguments (all NULL).
CB_FUNCTION(cb_anomaly_final) {
    if (PG_ARGISNULL(0)) PG_RETURN_NULL();
    AnomalyState* st = reinterpret_cast<AnomalyState*>(PG_GETARG_POINTER(0));
    return guarded([&] {
        std::vector<cb::core::DailyAmount> days(static_cast<size_t>(st->n));
        for (int32 i = 0; i < st->n; ++i) {
            days[i].day = st->days[i];
            std::memcpy(&days[i].amount, st->amounts + 16 * i, 16);
        }
        cb::core::int128 actual, min_change;
        std::memcpy(&actual, st->actual, 16);
        std::memcpy(&min_change, st->min_change, 16);
        cb::core::AnomalyResult r = cb::core::detect_anomaly(days, st->checked, actual, min_change);
        return jsonb_datum("{\"expected\": " + cb::core::forecast_amount_text(r.expected) +
                           ", \"low\": " + cb::core::forecast_amount_text(r.low) +
                           ", \"high\": " + cb::core::forecast_amount_text(r.high) +
                           ", \"actual\": " + cb::core::forecast_amount_text(r.actual) +
                           ", \"verdict\": \"" + cb::core::anomaly_verdict_name(r.verdict) +
                           "\", \"rule\": \"" + cb::core::anomaly_rule_name(r.rule) +
                           "\", \"history_days\": " + std::to_string(r.history_days) + "}");
    });
}
