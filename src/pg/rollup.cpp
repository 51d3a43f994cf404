// The daily rollup trigger on chargeback.usage: after each statement, the rows it inserted
// (+1), deleted (-1) or updated (both) are summed per rollup key in one pass over the
// transition tables, hash-aggregated here, and added to chargeback.daily_rollup with one
// set-based upsert from arrays, in key order (two statements lock the same keys in the same
// order and cannot deadlock; the additive ON CONFLICT DO UPDATE re-reads a row a concurrent
// statement changed, so no update is lost). Keys whose delta is nil (an update that changed
// neither owner, amounts nor tokens) are skipped; a key whose requests reach zero is deleted;
// usage taken away from a key the rollup does not hold is data_corrupted. The PL/pgSQL
// version grouped the rows in SQL (day_of(), the token_usage sum aggregate and two numeric
// sums a row through the executor): a third of the trigger work of a bulk ingest.
#include "calendar.hpp"
#include "datum.hpp"
#include "settings.hpp"

#include "core/token_usage.hpp"

#include <algorithm>
#include <cstring>
#include <string>
#include <unordered_map>
#include <vector>

using namespace cb::pg;
namespace core = cb::core;

namespace {

// Every name is schema-qualified, operators included: the trigger runs with its caller's
// search_path.
const char* kApplySql =
    "WITH up AS ("
    " INSERT INTO chargeback.daily_rollup AS r"
    "  (period, day, org_unit_id, project, activity_type, provider, model, service_tier, currency, price_id,"
    "   requests, tokens, total_tokens, cost, list_cost, unpriced, tokens_removed)"
    " SELECT k.period, k.day, k.org_unit_id, k.project, k.activity_type, k.provider, k.model, k.service_tier,"
    "        k.currency, k.price_id, k.requests, k.tokens::chargeback.token_usage, k.total_tokens, k.cost, k.list_cost,"
    "        k.unpriced, k.removed::chargeback.token_usage"
    " FROM ROWS FROM (pg_catalog.unnest($1), pg_catalog.unnest($2), pg_catalog.unnest($3), pg_catalog.unnest($4),"
    "      pg_catalog.unnest($5), pg_catalog.unnest($6), pg_catalog.unnest($7), pg_catalog.unnest($8),"
    "      pg_catalog.unnest($9), pg_catalog.unnest($10), pg_catalog.unnest($11), pg_catalog.unnest($12),"
    "      pg_catalog.unnest($13), pg_catalog.unnest($14), pg_catalog.unnest($15), pg_catalog.unnest($16),"
    "      pg_catalog.unnest($17))"
    "      AS k(period, day, org_unit_id, project, activity_type, provider, model, service_tier, currency, price_id,"
    "           requests, tokens, total_tokens, cost, list_cost, unpriced, removed)"
    " ON CONFLICT (period, day, org_unit_id, project, activity_type, provider, model, service_tier, currency, price_id)"
    " DO UPDATE SET requests = r.requests OPERATOR(pg_catalog.+) EXCLUDED.requests,"
    "   tokens = (r.tokens OPERATOR(chargeback.+) EXCLUDED.tokens) OPERATOR(chargeback.-) EXCLUDED.tokens_removed,"
    "   total_tokens = r.total_tokens OPERATOR(pg_catalog.+) EXCLUDED.total_tokens,"
    "   cost = r.cost OPERATOR(pg_catalog.+) EXCLUDED.cost,"
    "   list_cost = r.list_cost OPERATOR(pg_catalog.+) EXCLUDED.list_cost,"
    "   unpriced = r.unpriced OPERATOR(pg_catalog.+) EXCLUDED.unpriced"
    " RETURNING r.ctid, r.requests, r.tokens_removed, r.unpriced)"
    "SELECT pg_catalog.array_agg(ctid) FILTER (WHERE requests OPERATOR(pg_catalog.=) 0),"
    "       pg_catalog.count(*) FILTER (WHERE requests OPERATOR(pg_catalog.<) 0 OR unpriced OPERATOR(pg_catalog.<) 0"
    "                                   OR tokens_removed OPERATOR(chargeback.<>) ''::chargeback.token_usage)"
    " FROM up";
const char* kDeleteSql =
    "DELETE FROM chargeback.daily_rollup WHERE ctid OPERATOR(pg_catalog.=) ANY ($1)"
    " AND requests OPERATOR(pg_catalog.=) 0";
SPIPlanPtr g_apply_plan = nullptr;
SPIPlanPtr g_delete_plan = nullptr;

constexpr int kChunkRows = 2048;  // rows read from a transition table between aggregations
constexpr int kTexts = 6;         // project, activity_type, provider, model, service_tier, currency

// One chunk of transition-table rows, palloc'd in a context reset between chunks.
struct RawRows {
    int n = 0;
    DateADT period[kChunkRows];
    DateADT day[kChunkRows];
    int32 unit[kChunkRows];
    int64 price_id[kChunkRows];  // 0 for NULL
    const char* text[kTexts][kChunkRows];  // '' for NULL (the rollup's key has no NULLs)
    int len[kTexts][kChunkRows];
    core::TokenUsage tokens[kChunkRows];
    Datum cost[kChunkRows];       // numeric, 0 for NULL
    Datum list_cost[kChunkRows];  // numeric, 0 for NULL
};

struct Columns {
    int period, at, unit, text[kTexts], price_id, tokens, cost, list_cost;
};

// Plain PostgreSQL code: reads up to kChunkRows rows into rows, copying what it keeps into the
// current memory context (a store spilled to disk hands out tuples the next read frees).
void read_chunk(Tuplestorestate* store, TupleTableSlot* slot, const Columns& c, Datum tz, RawRows* rows,
                bool* done) {
    rows->n = 0;
    while (rows->n < kChunkRows) {
        if (!tuplestore_gettupleslot(store, true, false, slot)) {
            *done = true;
            break;
        }
        int k = rows->n++;
        bool isnull;
        rows->period[k] = DatumGetDateADT(slot_getattr(slot, c.period, &isnull));
        rows->day[k] = accounting_day(DatumGetTimestampTz(slot_getattr(slot, c.at, &isnull)), tz);
        rows->unit[k] = DatumGetInt32(slot_getattr(slot, c.unit, &isnull));
        Datum price = slot_getattr(slot, c.price_id, &isnull);
        rows->price_id[k] = isnull ? 0 : DatumGetInt64(price);
        for (int t = 0; t < kTexts; ++t) {
            Datum v = slot_getattr(slot, c.text[t], &isnull);
            if (isnull) {
                rows->text[t][k] = "";
                rows->len[t][k] = 0;
                continue;
            }
            text* s = DatumGetTextPP(v);
            int len = VARSIZE_ANY_EXHDR(s);
            rows->text[t][k] = pnstrdup(VARDATA_ANY(s), len);
            rows->len[t][k] = len;
        }
        std::memcpy(&rows->tokens[k], DatumGetPointer(slot_getattr(slot, c.tokens, &isnull)), sizeof(core::TokenUsage));
        Datum cost = slot_getattr(slot, c.cost, &isnull);
        rows->cost[k] = isnull ? Datum(0) : datumCopy(cost, false, -1);
        Datum list = slot_getattr(slot, c.list_cost, &isnull);
        rows->list_cost[k] = isnull ? Datum(0) : datumCopy(list, false, -1);
    }
    ExecClearTuple(slot);
}

// The sums of one rollup key.
struct KeySums {
    DateADT period, day;
    int32 unit;
    int64 price_id;
    std::string text[kTexts];
    int64 requests = 0, unpriced = 0;
    core::TokenUsage added = core::zero_usage(), removed = core::zero_usage();
    Datum cost = Datum(0), list_cost = Datum(0);  // numeric in the statement's context; 0 = none yet
};

struct RollupSums {
    std::unordered_map<std::string, size_t> index;  // encoded key -> position in keys
    std::vector<KeySums> keys;
    RawRows* rows = nullptr;
    MemoryContext chunk_cxt = nullptr;  // what a chunk's rows point to, reset between chunks
    int slot_of[kChunkRows];
};

// The chunk buffer and the context of its texts and numerics live as long as the backend and
// are reused by every statement: allocated afresh for each one, they were new pages to fault
// in (a 400 kB buffer and a context growing to a megabyte, every 5000-row batch of a bulk
// load). The context's first block holds a whole chunk and survives its resets.
RawRows* g_rows = nullptr;
MemoryContext g_chunk_cxt = nullptr;
bool g_in_use = false;  // a rollup trigger fired from inside another gets its own

// Plain PostgreSQL code: adds (sign +1) or subtracts (-1) a numeric to sum in cxt, freeing
// the sum it replaces, so memory stays two numerics per key however many rows come.
void add_numeric(Datum& sum, Datum v, int sign) {
    Datum next;
    if (sum == Datum(0))
        next = sign > 0 ? datumCopy(v, false, -1) : DirectFunctionCall1(numeric_uminus, v);
    else
        next = DirectFunctionCall2(sign > 0 ? numeric_add : numeric_sub, sum, v);
    if (sum != Datum(0)) pfree(DatumGetPointer(sum));
    sum = next;
}

void add_chunk_numerics(RollupSums& s, int sign, MemoryContext cxt) {
    MemoryContext old = MemoryContextSwitchTo(cxt);
    for (int k = 0; k < s.rows->n; ++k) {
        KeySums& ks = s.keys[static_cast<size_t>(s.slot_of[k])];
        if (s.rows->cost[k] != Datum(0)) add_numeric(ks.cost, s.rows->cost[k], sign);
        if (s.rows->list_cost[k] != Datum(0)) add_numeric(ks.list_cost, s.rows->list_cost[k], sign);
    }
    MemoryContextSwitchTo(old);
}

template <typename T>
void append(std::string& key, const T& v) {
    key.append(reinterpret_cast<const char*>(&v), sizeof v);
}

// Adds one transition table's rows (sign -1 for old rows) to sums.
void add_rows(Tuplestorestate* store, TupleDesc desc, int sign, RollupSums& sums, MemoryContext sums_cxt) {
    Columns c{};
    Datum tz = Datum(0);
    TupleTableSlot* slot = nullptr;
    MemoryContext chunk_cxt = sums.chunk_cxt;
    pg_call([&] {
        auto col = [&](const char* name) {
            int n = SPI_fnumber(desc, name);
            if (n <= 0) elog(ERROR, "chargeback.usage has no column %s", name);
            return n;
        };
        c.period = col("period");
        c.at = col("occurred_at");
        c.unit = col("org_unit_id");
        c.text[0] = col("project");
        c.text[1] = col("activity_type");
        c.text[2] = col("provider");
        c.text[3] = col("model");
        c.text[4] = col("service_tier");
        c.text[5] = col("currency");
        c.price_id = col("price_id");
        c.tokens = col("tokens");
        c.cost = col("cost");
        c.list_cost = col("list_cost");
        if (!chargeback_timezone_is_utc()) tz = accounting_zone();
        slot = MakeSingleTupleTableSlot(desc, &TTSOpsMinimalTuple);
        // Our own read pointer: the other triggers of the statement read the same store.
        tuplestore_select_read_pointer(store, tuplestore_alloc_read_pointer(store, EXEC_FLAG_REWIND));
        tuplestore_rescan(store);
    });
    RawRows* rows = sums.rows;
    std::string key;
    bool done = false;
    while (!done) {
        pg_call([&] {
            MemoryContextReset(chunk_cxt);
            MemoryContext old = MemoryContextSwitchTo(chunk_cxt);
            read_chunk(store, slot, c, tz, rows, &done);
            MemoryContextSwitchTo(old);
        });
        for (int k = 0; k < rows->n; ++k) {
            key.clear();
            append(key, rows->period[k]);
            append(key, rows->day[k]);
            append(key, rows->unit[k]);
            append(key, rows->price_id[k]);
            for (int t = 0; t < kTexts; ++t) {
                append(key, rows->len[t][k]);
                key.append(rows->text[t][k], static_cast<size_t>(rows->len[t][k]));
            }
            auto it = sums.index.find(key);
            if (it == sums.index.end()) {
                it = sums.index.emplace(key, sums.keys.size()).first;
                KeySums ks;
                ks.period = rows->period[k];
                ks.day = rows->day[k];
                ks.unit = rows->unit[k];
                ks.price_id = rows->price_id[k];
                for (int t = 0; t < kTexts; ++t) ks.text[t].assign(rows->text[t][k], static_cast<size_t>(rows->len[t][k]));
                sums.keys.push_back(std::move(ks));
            }
            KeySums& ks = sums.keys[it->second];
            sums.slot_of[k] = static_cast<int>(it->second);
            ks.requests += sign;
            if (rows->cost[k] == Datum(0)) ks.unpriced += sign;
            core::add_usage_into(sign > 0 ? ks.added : ks.removed, rows->tokens[k]);
        }
        pg_call([&] { add_chunk_numerics(sums, sign, sums_cxt); });
    }
    pg_call([&] {
        ExecDropSingleTupleTableSlot(slot);
        MemoryContextReset(chunk_cxt);
    });
}

bool key_less(const KeySums& a, const KeySums& b) {
    if (a.period != b.period) return a.period < b.period;
    if (a.day != b.day) return a.day < b.day;
    if (a.unit != b.unit) return a.unit < b.unit;
    for (int t = 0; t < kTexts; ++t)
        if (a.text[t] != b.text[t]) return a.text[t] < b.text[t];
    return a.price_id < b.price_id;
}

// Adds the sums to daily_rollup in key order; deletes the keys emptied; raises
// data_corrupted when usage was taken from a key the rollup does not hold.
void apply(RollupSums& sums, bool only_added, MemoryContext sums_cxt) {
    std::vector<size_t> order;
    order.reserve(sums.keys.size());
    Datum zero = Datum(0);
    pg_call([&] {
        MemoryContext old = MemoryContextSwitchTo(sums_cxt);
        zero = DirectFunctionCall1(int8_numeric, Int64GetDatum(0));
        MemoryContextSwitchTo(old);
    });
    for (size_t i = 0; i < sums.keys.size(); ++i) {
        KeySums& k = sums.keys[i];
        if (k.cost == Datum(0)) k.cost = zero;
        if (k.list_cost == Datum(0)) k.list_cost = zero;
        if (!only_added && k.requests == 0 && k.unpriced == 0 && core::usage_equal(k.added, k.removed)) {
            bool nil = false;
            pg_call([&] {
                nil = DatumGetBool(DirectFunctionCall2(numeric_eq, k.cost, zero)) &&
                      DatumGetBool(DirectFunctionCall2(numeric_eq, k.list_cost, zero));
            });
            if (nil) continue;
        }
        order.push_back(i);
    }
    if (order.empty()) return;
    std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return key_less(sums.keys[a], sums.keys[b]); });
    const size_t n = order.size();
    constexpr int kArgs = 17;
    Datum* values[kArgs];
    for (Datum*& v : values) v = static_cast<Datum*>(palloc_or_throw(sizeof(Datum) * n));
    for (size_t j = 0; j < n; ++j) {
        const KeySums& k = sums.keys[order[j]];
        values[0][j] = DateADTGetDatum(k.period);
        values[1][j] = DateADTGetDatum(k.day);
        values[2][j] = Int32GetDatum(k.unit);
        for (int t = 0; t < kTexts; ++t) values[3 + t][j] = text_datum(k.text[t]);
        values[9][j] = Int64GetDatum(k.price_id);
        values[10][j] = Int64GetDatum(k.requests);
        values[11][j] = text_datum(core::format_token_usage(k.added));
        values[12][j] = Int64GetDatum(core::total_tokens(k.added) - core::total_tokens(k.removed));
        values[13][j] = k.cost;
        values[14][j] = k.list_cost;
        values[15][j] = Int64GetDatum(k.unpriced);
        values[16][j] = text_datum(core::format_token_usage(k.removed));
    }
    int64 broken = 0;
    pg_call([&] {
        static const Oid elem[kArgs] = {DATEOID, DATEOID, INT4OID, TEXTOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID,
                                        TEXTOID, INT8OID, INT8OID, TEXTOID, INT8OID, NUMERICOID, NUMERICOID,
                                        INT8OID, TEXTOID};
        Oid types[kArgs];
        Datum args[kArgs];
        for (int a = 0; a < kArgs; ++a) {
            types[a] = get_array_type(elem[a]);
            args[a] = array_datum(values[a], nullptr, static_cast<int>(n), elem[a]);
        }
        if (SPI_connect() != SPI_OK_CONNECT) elog(ERROR, "SPI_connect failed");
        int rc = SPI_execute_plan(kept_plan(&g_apply_plan, kApplySql, kArgs, types), args, nullptr, false, 0);
        if (rc != SPI_OK_SELECT || SPI_processed != 1)
            elog(ERROR, "updating chargeback.daily_rollup failed: %s", SPI_result_code_string(rc));
        bool emptied_null, isnull;
        Datum emptied = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &emptied_null);
        broken = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &isnull));
        if (broken == 0 && !emptied_null) {
            Oid del_types[1] = {TIDARRAYOID};
            Datum del_args[1] = {emptied};
            rc = SPI_execute_plan(kept_plan(&g_delete_plan, kDeleteSql, 1, del_types), del_args, nullptr, false, 0);
            if (rc != SPI_OK_DELETE) elog(ERROR, "deleting emptied rollup rows failed: %s", SPI_result_code_string(rc));
        }
        SPI_finish();
    });
    if (broken > 0)
        // Usage was taken away from a key the rollup does not hold: it was changed behind the
        // triggers' back (a partition written or truncated directly).
        throw core::Error("XX001",
                          "chargeback.daily_rollup is out of step with chargeback.usage (" + std::to_string(broken) +
                              " keys)",
                          "", "run SELECT chargeback.rebuild_daily_rollup(); then repeat the statement");
}

}  // namespace

// AFTER INSERT/UPDATE/DELETE ... FOR EACH STATEMENT on chargeback.usage, with transition tables.
CB_FUNCTION(cb_usage_rollup_sync) {
    if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_FOR_STATEMENT(reinterpret_cast<TriggerData*>(fcinfo->context)->tg_event))
        ereport(ERROR, (errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
                        errmsg("cb_usage_rollup_sync must be called as a statement trigger")));
    TriggerData* td = reinterpret_cast<TriggerData*>(fcinfo->context);
    TupleDesc desc = RelationGetDescr(td->tg_relation);
    MemoryContext sums_cxt = AllocSetContextCreate(CurrentMemoryContext, "pg_chargeback rollup", ALLOCSET_DEFAULT_SIZES);
    if (!g_rows) {
        g_rows = static_cast<RawRows*>(MemoryContextAlloc(TopMemoryContext, sizeof(RawRows)));
        g_chunk_cxt = AllocSetContextCreate(TopMemoryContext, "pg_chargeback rollup rows", 1024 * 1024, 1024 * 1024,
                                            8 * 1024 * 1024);
    }
    const bool own = g_in_use;  // nested: a buffer and context of its own, for this call
    RawRows* rows = own ? static_cast<RawRows*>(MemoryContextAlloc(sums_cxt, sizeof(RawRows))) : g_rows;
    MemoryContext chunk_cxt =
        own ? AllocSetContextCreate(sums_cxt, "pg_chargeback rollup rows", ALLOCSET_DEFAULT_SIZES) : g_chunk_cxt;
    g_in_use = true;
    MemoryContext old = MemoryContextSwitchTo(sums_cxt);
    PG_TRY();
    {
        guarded([&] {
            RollupSums sums;
            sums.rows = rows;
            sums.chunk_cxt = chunk_cxt;
            if (td->tg_newtable) add_rows(td->tg_newtable, desc, 1, sums, sums_cxt);
            if (td->tg_oldtable) add_rows(td->tg_oldtable, desc, -1, sums, sums_cxt);
            apply(sums, td->tg_oldtable == nullptr, sums_cxt);
            return Datum(0);
        });
    }
    PG_FINALLY();
    {
        g_in_use = own;
        if (!own) MemoryContextReset(g_chunk_cxt);
    }
    PG_END_TRY();
    MemoryContextSwitchTo(old);
    MemoryContextDelete(sums_cxt);
    return PointerGetDatum(nullptr);
}
