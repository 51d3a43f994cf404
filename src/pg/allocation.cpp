// Allocation glue: the allocate() and convert_share() window functions, the allocate_agg()
// aggregate, the allocation engine behind run_allocation() (allocation_compute) and the final
// shares of pools that pass cost on (allocation_flow, for FOCUS split allocation).
#include "datum.hpp"

#include "core/allocate.hpp"
#include "core/allocation_engine.hpp"
#include "core/allocation_flow.hpp"
#include "core/json_reader.hpp"

#include <cstring>
#include <new>

using namespace cb::pg;

namespace {

// What allocate() computed for the current window partition (partition-local memory).
struct AllocatePartition {
    bool computed;
    Datum* shares;
    bool* nulls;
};

// A window function's per-partition working memory: a context of the call site, reset at each
// new partition (made on the first), switched to; returns the partition's row count after
// checking that an array of Datums of that many rows can be allocated.
int64 begin_partition(FunctionCallInfo fcinfo, WindowObject win, const char* fn, MemoryContext* old) {
    MemoryContext cxt = static_cast<MemoryContext>(fcinfo->flinfo->fn_extra);
    if (!cxt) {
        cxt = AllocSetContextCreate(fcinfo->flinfo->fn_mcxt, "pg_chargeback window partition", ALLOCSET_DEFAULT_SIZES);
        fcinfo->flinfo->fn_extra = cxt;
    } else {
        MemoryContextReset(cxt);
    }
    *old = MemoryContextSwitchTo(cxt);
    int64 n = WinGetPartitionRowCount(win);
    if (n > static_cast<int64>(MaxAllocSize / sizeof(Datum)))
        ereport(ERROR, (errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
                        errmsg("%s partition of " INT64_FORMAT " rows is too large", fn, n)));
    return n;
}

// An argument that is the partition's, not the row's (allocate's total, convert_share's rate):
// its value on the first row, copied (a fetched Datum points into a slot the next fetch
// overwrites); same_on_row() refuses a row with another value, naming both.
struct PartitionArg {
    int argno;
    const char* what;  // "allocate() total"
    const char* hint;
    Datum value = Datum(0);
    bool null = true;

    PartitionArg(WindowObject win, int arg, const char* name, const char* why) : argno(arg), what(name), hint(why) {
        bool isout;
        value = WinGetFuncArgInPartition(win, argno, 0, WINDOW_SEEK_HEAD, false, &null, &isout);
        if (!null) value = datumCopy(value, false, -1);
    }

    void same_on_row(WindowObject win, int64 row) const {
        bool isnull, isout;
        Datum v = WinGetFuncArgInPartition(win, argno, row, WINDOW_SEEK_HEAD, false, &isnull, &isout);
        if (isnull != null || (!isnull && !datumIsEqual(v, value, false, -1) &&
                               !DatumGetBool(DirectFunctionCall2(numeric_eq, v, value))))
            ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                            errmsg("%s differs within a window partition: %s and %s", what,
                                   null ? "NULL" : numeric_cstring(value), isnull ? "NULL" : numeric_cstring(v)),
                            errhint("%s", hint)));
    }
};

}  // namespace

// allocate(total, weight, minor_unit): on the first row of a partition, read every row's
// weight, split the total once, and keep the shares; each row then returns its own. The
// shares live in a context of this call site that is reset at each new partition.
CB_FUNCTION(cb_allocate) {
    WindowObject win = PG_WINDOW_OBJECT();
    AllocatePartition* part =
        static_cast<AllocatePartition*>(WinGetPartitionLocalMemory(win, sizeof(AllocatePartition)));
    int64 pos = WinGetCurrentPosition(win);
    if (!part->computed) {
        MemoryContext old;
        int64 n = begin_partition(fcinfo, win, "allocate()", &old);
        const char** weights = static_cast<const char**>(palloc(sizeof(char*) * (n + 1)));
        bool isnull, isout, minor_null;
        // The total is the partition's: a row with another one is a mistake, not a split.
        const PartitionArg total(win, 0, "allocate() total",
                                 "the total is the amount to split, the same on every row of the partition");
        const bool total_null = total.null;
        Datum minor = WinGetFuncArgInPartition(win, 2, 0, WINDOW_SEEK_HEAD, false, &minor_null, &isout);
        if (!minor_null) minor = datumCopy(minor, false, -1);
        for (int64 i = 0; i < n; ++i) {
            Datum w = WinGetFuncArgInPartition(win, 1, i, WINDOW_SEEK_HEAD, false, &isnull, &isout);
            weights[i] = isnull ? nullptr : numeric_cstring(w);
            if (i > 0) total.same_on_row(win, i);
        }
        part->shares = static_cast<Datum*>(palloc0(sizeof(Datum) * (n + 1)));
        part->nulls = static_cast<bool*>(palloc(sizeof(bool) * (n + 1)));
        for (int64 i = 0; i < n; ++i) part->nulls[i] = true;
        if (!total_null && !minor_null) {
            const char* total_text = numeric_cstring(total.value);
            const char* minor_text = numeric_cstring(minor);
            int64* scaled = nullptr;
            unsigned char* states = nullptr;
            char** texts = nullptr;
            int scale = 0;
            guarded([&] {
                cb::core::ScaledShares shares =
                    cb::core::allocate_scaled(total_text, minor_text, std::vector<const char*>(weights, weights + n));
                scaled = static_cast<int64*>(palloc_or_throw(sizeof(int64) * (n + 1)));
                states = static_cast<unsigned char*>(palloc_or_throw(n + 1));
                texts = static_cast<char**>(palloc_or_throw(sizeof(char*) * (n + 1)));
                for (int64 i = 0; i < n; ++i) {
                    scaled[i] = shares.value[i];
                    states[i] = shares.state[i];
                    texts[i] = shares.state[i] == 2 ? pstrdup_or_throw(shares.text[i]) : nullptr;
                }
                scale = shares.scale;
                return Datum(0);
            });
            // Shares that fit 64 bits become numerics directly (no text parsing per row).
            for (int64 i = 0; i < n; ++i) {
                if (states[i] == 1) {
                    part->shares[i] = NumericGetDatum(int64_div_fast_to_numeric(scaled[i], scale));
                } else if (states[i] == 2) {
                    part->shares[i] = DirectFunctionCall3(numeric_in, CStringGetDatum(texts[i]),
                                                          ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1));
                } else {
                    continue;
                }
                part->nulls[i] = false;
            }
        }
        part->computed = true;
        MemoryContextSwitchTo(old);
    }
    if (part->nulls[pos]) PG_RETURN_NULL();
    PG_RETURN_DATUM(part->shares[pos]);
}

// convert_share(amount, rate, minor_unit): on the first row of a partition, read every row's
// amount, convert the partition once (core::convert_shares: the converted amounts sum to the
// converted total) and keep the results; each row then returns its own. The rate and the
// minor unit are the partition's, the same on every row.
CB_FUNCTION(cb_convert_share) {
    WindowObject win = PG_WINDOW_OBJECT();
    AllocatePartition* part =
        static_cast<AllocatePartition*>(WinGetPartitionLocalMemory(win, sizeof(AllocatePartition)));
    int64 pos = WinGetCurrentPosition(win);
    if (!part->computed) {
        MemoryContext old;
        int64 n = begin_partition(fcinfo, win, "convert_share()", &old);
        const char** amounts = static_cast<const char**>(palloc(sizeof(char*) * (n + 1)));
        bool isnull, isout;
        const char* hint = "convert one currency at one rate per partition (PARTITION BY the run and currency)";
        const PartitionArg rate(win, 1, "convert_share() rate", hint), minor(win, 2, "convert_share() minor_unit", hint);
        for (int64 i = 0; i < n; ++i) {
            Datum a = WinGetFuncArgInPartition(win, 0, i, WINDOW_SEEK_HEAD, false, &isnull, &isout);
            amounts[i] = isnull ? nullptr : numeric_cstring(a);
            if (i == 0) continue;
            rate.same_on_row(win, i);
            minor.same_on_row(win, i);
        }
        // As text; NULL: no result.
        const char* params[2] = {rate.null ? nullptr : numeric_cstring(rate.value),
                                 minor.null ? nullptr : numeric_cstring(minor.value)};
        part->shares = static_cast<Datum*>(palloc0(sizeof(Datum) * (n + 1)));
        part->nulls = static_cast<bool*>(palloc(sizeof(bool) * (n + 1)));
        for (int64 i = 0; i < n; ++i) part->nulls[i] = true;
        if (params[0] && params[1]) {
            char** texts = nullptr;
            guarded([&] {
                auto out = cb::core::convert_shares(std::vector<const char*>(amounts, amounts + n), params[0], params[1]);
                texts = static_cast<char**>(palloc_or_throw(sizeof(char*) * (n + 1)));
                for (int64 i = 0; i < n; ++i) texts[i] = out[i] ? pstrdup_or_throw(*out[i]) : nullptr;
                return Datum(0);
            });
            for (int64 i = 0; i < n; ++i) {
                if (!texts[i]) continue;
                part->shares[i] = DirectFunctionCall3(numeric_in, CStringGetDatum(texts[i]), ObjectIdGetDatum(InvalidOid),
                                                      Int32GetDatum(-1));
                part->nulls[i] = false;
            }
        }
        part->computed = true;
        MemoryContextSwitchTo(old);
    }
    if (part->nulls[pos]) PG_RETURN_NULL();
    PG_RETURN_DATUM(part->shares[pos]);
}

// allocate_agg: the state is a C++ object placed in the aggregate context; a reset callback
// on that context runs its destructor, so PostgreSQL freeing the context frees it too.
namespace {

using cb::core::KeyedAllocation;

void destroy_state(void* arg) { static_cast<KeyedAllocation*>(arg)->~KeyedAllocation(); }

KeyedAllocation* new_state(MemoryContext aggcxt) {
    void* mem = MemoryContextAlloc(aggcxt, sizeof(KeyedAllocation) + sizeof(MemoryContextCallback));
    KeyedAllocation* st = nullptr;
    guarded([&] {
        st = new (mem) KeyedAllocation();
        return Datum(0);
    });
    MemoryContextCallback* cb = reinterpret_cast<MemoryContextCallback*>(static_cast<char*>(mem) + sizeof(KeyedAllocation));
    cb->func = destroy_state;
    cb->arg = st;
    MemoryContextRegisterResetCallback(aggcxt, cb);
    return st;
}

MemoryContext aggregate_context(FunctionCallInfo fcinfo, const char* name) {
    MemoryContext aggcxt;
    if (!AggCheckCallContext(fcinfo, &aggcxt))
        ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED), errmsg("%s called in non-aggregate context", name)));
    return aggcxt;
}

}  // namespace

CB_FUNCTION(cb_allocate_agg_accum) {
    MemoryContext aggcxt = aggregate_context(fcinfo, "allocate_agg_accum");
    KeyedAllocation* st = PG_ARGISNULL(0) ? nullptr : reinterpret_cast<KeyedAllocation*>(PG_GETARG_POINTER(0));
    if (!st) st = new_state(aggcxt);
    // Rows without a key, weight or total take no part (like NULLs in sum()).
    if (PG_ARGISNULL(1) || PG_ARGISNULL(2) || PG_ARGISNULL(3)) PG_RETURN_POINTER(st);
    std::string_view key = text_view(PG_GETARG_TEXT_PP(1));
    const char* weight = numeric_cstring(PG_GETARG_DATUM(2));
    const char* total = numeric_cstring(PG_GETARG_DATUM(3));
    const char* minor = "0.01";
    if (PG_NARGS() > 4) {
        if (PG_ARGISNULL(4))
            ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED), errmsg("allocate_agg minor_unit must not be NULL")));
        minor = numeric_cstring(PG_GETARG_DATUM(4));
    }
    guarded([&] {
        st->add(key, weight, total, minor);
        return Datum(0);
    });
    PG_RETURN_POINTER(st);
}

CB_FUNCTION(cb_allocate_agg_combine) {
    MemoryContext aggcxt = aggregate_context(fcinfo, "allocate_agg_combine");
    KeyedAllocation* a = PG_ARGISNULL(0) ? nullptr : reinterpret_cast<KeyedAllocation*>(PG_GETARG_POINTER(0));
    KeyedAllocation* b = PG_ARGISNULL(1) ? nullptr : reinterpret_cast<KeyedAllocation*>(PG_GETARG_POINTER(1));
    if (!b) {
        if (!a) PG_RETURN_NULL();
        PG_RETURN_POINTER(a);
    }
    if (!a) a = new_state(aggcxt);
    guarded([&] {
        a->merge(*b);
        return Datum(0);
    });
    PG_RETURN_POINTER(a);
}

CB_FUNCTION(cb_allocate_agg_serialize) {
    KeyedAllocation* st = reinterpret_cast<KeyedAllocation*>(PG_GETARG_POINTER(0));
    return guarded([&] {
        std::string s = st->serialize();
        bytea* out = static_cast<bytea*>(palloc_or_throw(VARHDRSZ + s.size()));
        SET_VARSIZE(out, VARHDRSZ + s.size());
        std::memcpy(VARDATA(out), s.data(), s.size());
        return PointerGetDatum(out);
    });
}

CB_FUNCTION(cb_allocate_agg_deserialize) {
    MemoryContext aggcxt = aggregate_context(fcinfo, "allocate_agg_deserialize");
    bytea* in = PG_GETARG_BYTEA_PP(0);
    KeyedAllocation* st = new_state(aggcxt);
    std::string_view bytes(VARDATA_ANY(in), VARSIZE_ANY_EXHDR(in));
    guarded([&] {
        *st = KeyedAllocation::deserialize(bytes);
        return Datum(0);
    });
    PG_RETURN_POINTER(st);
}

CB_FUNCTION(cb_allocate_agg_final) {
    if (PG_ARGISNULL(0)) PG_RETURN_NULL();
    KeyedAllocation* st = reinterpret_cast<KeyedAllocation*>(PG_GETARG_POINTER(0));
    return guarded_nullable(fcinfo, [&]() -> std::optional<Datum> {
        std::optional<std::string> json = st->result_json();
        if (!json) return std::nullopt;
        return jsonb_datum(*json);
    });
}

// allocation_compute(input jsonb): the lines of a run, from allocation_input()'s document.
CB_FUNCTION(cb_allocation_compute) {
    char* input = jsonb_cstring(PG_GETARG_JSONB_P(0));
    InitMaterializedSRF(fcinfo, 0);
    ReturnSetInfo* rsinfo = reinterpret_cast<ReturnSetInfo*>(fcinfo->resultinfo);
    guarded([&] {
        // The document is flat (depth 4); 16 is generous and still bounded.
        std::vector<cb::core::AllocationLine> lines = cb::core::compute_allocation(cb::core::read_json(input, 16));
        for (const cb::core::AllocationLine& l : lines) {
            Datum values[8] = {Int32GetDatum(l.org_unit_id),
                               l.project.empty() ? Datum(0) : text_datum(l.project),
                               l.activity.empty() ? Datum(0) : text_datum(l.activity),
                               text_datum(l.component),
                               text_datum(l.source),
                               numeric_datum(l.amount),
                               text_datum(l.currency),
                               jsonb_datum(l.basis)};
            bool nulls[8] = {false, l.project.empty(), l.activity.empty(), false, false, false, false, false};
            pg_call([&] { tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls); });
        }
        return Datum(0);
    });
    return Datum(0);
}

CB_FUNCTION(cb_allocation_flow) {
    char* input = jsonb_cstring(PG_GETARG_JSONB_P(0));
    InitMaterializedSRF(fcinfo, 0);
    ReturnSetInfo* rsinfo = reinterpret_cast<ReturnSetInfo*>(fcinfo->resultinfo);
    guarded([&] {
        // [[pool, target, amount], ...]: depth 2.
        for (const cb::core::FinalFlow& f : cb::core::final_flows(cb::core::flow_edges(cb::core::read_json(input, 4)))) {
            Datum values[4] = {text_datum(f.pool), text_datum(f.unit), numeric_datum(f.share.to_exact_decimal(20, nullptr)),
                               numeric_datum(f.moved.to_exact_decimal(12, nullptr))};
            bool nulls[4] = {false, false, false, false};
            pg_call([&] { tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls); });
        }
        return Datum(0);
    });
    return Datum(0);
}
