// The budget trigger on chargeback.usage: after each statement, the rows it inserted (+cost),
// deleted (-cost) or updated (both) are matched to the budgets they fall under in one pass
// over the transition tables (core::BudgetMatcher), summed per (budget, day) with numeric
// arithmetic, and handed to chargeback.budget_apply_spend(), which updates budget_spend and
// raises threshold and forecast events. Joining every row to the budget table once per scope
// in SQL cost a quarter of a bulk ingest with 60 budgets; this is a few hash lookups a row.
#include "calendar.hpp"
#include "catalog_cache.hpp"
#include "datum.hpp"
#include "invalidation.hpp"
#include "settings.hpp"

#include "core/budget_match.hpp"
#include "core/provider.hpp"
#include "core/timestamp.hpp"

#include <algorithm>
#include <memory>
#include <optional>
#include <unordered_map>

extern "C" {
#include "utils/tuplestore.h"
}

using namespace cb::pg;
namespace core = cb::core;

namespace {

// Budgets with the units each org_unit budget covers (one row per covered unit), in
// budget_id order so that one budget's rows are adjacent.
const char* kBudgetsSql =
    "SELECT b.budget_id, b.scope, b.scope_value, b.valid_from, b.valid_to, u.org_unit_id, b.currency "
    "FROM chargeback.budget b LEFT JOIN chargeback.budget_unit u ON b.scope = 'org_unit' AND u.budget_id = b.budget_id "
    "ORDER BY b.budget_id";
const char* kApplySql = "SELECT chargeback.budget_apply_spend($1, $2, $3)";

SPIPlanPtr g_apply_plan = nullptr;

constexpr int kChunkRows = 8192;  // rows read from a transition table between sums

struct RawBudget {
    int64 id;
    char* scope;
    char* value;  // nullptr for NULL
    int64 from, to;
    int32 unit;  // 0 when none
    char* currency;
};

// One chunk of transition-table rows, palloc'd; texts are nullptr for NULL.
struct RawRows {
    int n = 0;
    TimestampTz at[kChunkRows];
    DateADT day[kChunkRows];
    int32 unit[kChunkRows];
    char* text[5][kChunkRows];  // project, principal, provider, model, currency
    Datum cost[kChunkRows];     // numeric, copied into the chunk context
};

// Plain PostgreSQL code: every budget row, copied into cxt.
void fetch_budgets(MemoryContext cxt, RawBudget** out, uint64* n) {
    if (SPI_connect() != SPI_OK_CONNECT) elog(ERROR, "SPI_connect failed");
    int rc = SPI_execute(kBudgetsSql, true, 0);  // runs only when the cache reloads
    if (rc != SPI_OK_SELECT) elog(ERROR, "reading budgets failed: %s", SPI_result_code_string(rc));
    *n = SPI_processed;
    *out = static_cast<RawBudget*>(MemoryContextAlloc(cxt, sizeof(RawBudget) * (SPI_processed + 1)));
    TupleDesc d = SPI_tuptable->tupdesc;
    for (uint64 i = 0; i < SPI_processed; ++i) {
        HeapTuple t = SPI_tuptable->vals[i];
        bool isnull;
        RawBudget& b = (*out)[i];
        b.id = DatumGetInt64(SPI_getbinval(t, d, 1, &isnull));
        b.scope = MemoryContextStrdup(cxt, SPI_getvalue(t, d, 2));
        char* v = SPI_getvalue(t, d, 3);
        b.value = v ? MemoryContextStrdup(cxt, v) : nullptr;
        b.from = validity_bound(t, d, 4, PG_INT64_MIN);
        b.to = validity_bound(t, d, 5, PG_INT64_MAX);
        Datum u = SPI_getbinval(t, d, 6, &isnull);
        b.unit = isnull ? 0 : DatumGetInt32(u);
        b.currency = MemoryContextStrdup(cxt, SPI_getvalue(t, d, 7));
    }
    SPI_finish();
}

std::unique_ptr<core::BudgetMatcher> build_matcher(const RawBudget* raw, uint64 n) {
    std::vector<core::BudgetDef> defs;
    std::vector<std::pair<int64_t, int32_t>> units;
    for (uint64 i = 0; i < n; ++i) {
        const RawBudget& r = raw[i];
        if (r.unit != 0) units.emplace_back(r.id, r.unit);
        if (!defs.empty() && defs.back().budget_id == r.id) continue;  // another unit of the same budget
        core::BudgetDef d;
        d.budget_id = r.id;
        d.scope = core::budget_scope_from_name(r.scope);
        d.scope_value = r.value ? r.value : "";
        d.valid_from = r.from;
        d.valid_to = r.to;
        d.currency = r.currency;
        // A NULL scope value (only global budgets have none) matches nothing else.
        if (r.value || d.scope == core::BudgetScope::global) defs.push_back(std::move(d));
    }
    return std::make_unique<core::BudgetMatcher>(std::move(defs), units);
}

// The budgets, cached per backend until a change to budget or budget_unit (their
// catalog_changed triggers) invalidates them, like the price catalog and attribution.
std::unique_ptr<core::BudgetMatcher> g_matcher;
CacheWatch g_budget_watch;

const core::BudgetMatcher& budget_matcher() {
    if (g_budget_watch.valid && g_matcher) return *g_matcher;
    RawBudget* raw = nullptr;
    uint64 n = 0;
    Oid relids[2] = {InvalidOid, InvalidOid};
    reload_cache(
        g_budget_watch,
        [&](MemoryContext cxt) {
            relids[0] = chargeback_relid("budget");
            relids[1] = chargeback_relid("budget_unit");
            fetch_budgets(cxt, &raw, &n);
        },
        [&] {
            g_matcher = build_matcher(raw, n);
            g_budget_watch.relids[0] = relids[0];
            g_budget_watch.relids[1] = relids[1];
        });
    return *g_matcher;
}

struct Columns {
    int at, unit, project, principal, provider, model, currency, cost;
};

// Plain PostgreSQL code: reads up to kChunkRows rows of the transition table into rows,
// copying what it keeps into the current memory context. Rows without a cost are skipped.
// The slot is left empty: a store spilled to disk reads each tuple into the current
// context, which the caller resets between chunks.
void read_chunk(Tuplestorestate* store, TupleTableSlot* slot, const Columns& c, Datum tz, RawRows* rows,
                bool* done) {
    rows->n = 0;
    const int text_cols[5] = {c.project, c.principal, c.provider, c.model, c.currency};
    while (rows->n < kChunkRows) {
        if (!tuplestore_gettupleslot(store, true, false, slot)) {
            *done = true;
            break;
        }
        bool isnull;
        Datum cost = slot_getattr(slot, c.cost, &isnull);
        if (isnull) continue;
        int k = rows->n++;
        rows->cost[k] = datumCopy(cost, false, -1);
        TimestampTz at = DatumGetTimestampTz(slot_getattr(slot, c.at, &isnull));
        rows->at[k] = at;
        rows->day[k] = accounting_day(at, tz);  // chargeback.day_of(occurred_at)
        Datum unit = slot_getattr(slot, c.unit, &isnull);
        rows->unit[k] = isnull ? 0 : DatumGetInt32(unit);
        for (int t = 0; t < 5; ++t) {
            Datum v = slot_getattr(slot, text_cols[t], &isnull);
            rows->text[t][k] = isnull ? nullptr : TextDatumGetCString(v);
        }
    }
    ExecClearTuple(slot);
}

// Sums of a statement: per (day, set of budgets) while reading, which is one numeric
// addition a row, then per (budget, day).
struct SpendSums {
    struct Key {
        int32_t day;
        std::vector<int64_t> budgets;
        bool operator==(const Key& o) const { return day == o.day && budgets == o.budgets; }
    };
    struct KeyHash {
        size_t operator()(const Key& k) const {
            size_t h = std::hash<int32_t>()(k.day);
            for (int64_t b : k.budgets) h = h * 1000003u ^ std::hash<int64_t>()(b);
            return h;
        }
    };
    std::unordered_map<Key, size_t, KeyHash> index;  // key -> position in sums
    std::vector<Datum> sums;                          // numeric, in the statement's context; 0 = none yet
    RawRows* rows = nullptr;                          // one chunk buffer for every table read
    int slot_of[kChunkRows];                          // per row of the chunk: its sum, or -1
};

// Plain PostgreSQL code: adds (sign +1) or subtracts (-1) each row's cost to its sum in cxt,
// freeing the sum it replaces, so memory stays one numeric per sum however many rows come.
void add_chunk(SpendSums& s, int sign, MemoryContext cxt) {
    MemoryContext old = MemoryContextSwitchTo(cxt);
    for (int k = 0; k < s.rows->n; ++k) {
        if (s.slot_of[k] < 0) continue;
        Datum& sum = s.sums[static_cast<size_t>(s.slot_of[k])];
        Datum cost = s.rows->cost[k];
        Datum next;
        if (sum == Datum(0))
            next = sign > 0 ? datumCopy(cost, false, -1) : DirectFunctionCall1(numeric_uminus, cost);
        else
            next = DirectFunctionCall2(sign > 0 ? numeric_add : numeric_sub, sum, cost);
        if (sum != Datum(0)) pfree(DatumGetPointer(sum));
        sum = next;
    }
    MemoryContextSwitchTo(old);
}

// Adds one transition table's rows (sign -1 for old rows) to sums.
void add_rows(Tuplestorestate* store, TupleDesc desc, int sign, const core::BudgetMatcher& matcher, SpendSums& sums,
              MemoryContext sums_cxt) {
    Columns c{};
    Datum tz = Datum(0);
    TupleTableSlot* slot = nullptr;
    MemoryContext chunk_cxt = nullptr;
    pg_call([&] {
        auto col = [&](const char* name) {
            int n = SPI_fnumber(desc, name);
            if (n <= 0) elog(ERROR, "chargeback.usage has no column %s", name);
            return n;
        };
        c = {col("occurred_at"), col("org_unit_id"), col("project"), col("principal"), col("provider"), col("model"),
             col("currency"), col("cost")};
        if (!chargeback_timezone_is_utc()) tz = accounting_zone();
        slot = MakeSingleTupleTableSlot(desc, &TTSOpsMinimalTuple);
        // Our own read pointer: the other triggers of the statement read the same store.
        tuplestore_select_read_pointer(store, tuplestore_alloc_read_pointer(store, EXEC_FLAG_REWIND));
        tuplestore_rescan(store);
        chunk_cxt = AllocSetContextCreate(CurrentMemoryContext, "pg_chargeback budget rows", ALLOCSET_DEFAULT_SIZES);
    });
    // Model budgets match the catalog name too, as it resolves at the row's time (the name
    // that priced it); the catalog caches each name's candidates, and rows mostly repeat the
    // previous row's model.
    core::PriceCatalog* catalog = matcher.has_model_budgets() ? &price_catalog() : nullptr;
    std::string last_raw, last_model, last_provider;
    const std::vector<const std::string*>* names = nullptr;  // last_model's candidates
    SpendSums::Key key;
    RawRows* rows = sums.rows;
    bool done = false;
    while (!done) {
        pg_call([&] {
            MemoryContextReset(chunk_cxt);
            MemoryContext old = MemoryContextSwitchTo(chunk_cxt);
            read_chunk(store, slot, c, tz, rows, &done);
            MemoryContextSwitchTo(old);
        });
        for (int k = 0; k < rows->n; ++k) {
            core::BudgetRow r;
            r.occurred_at = rows->at[k];
            r.org_unit_id = rows->unit[k];
            std::optional<std::string_view>* fields[5] = {&r.project, &r.principal, &r.provider, &r.model, &r.currency};
            for (int t = 0; t < 5; ++t)
                if (rows->text[t][k]) *fields[t] = std::string_view(rows->text[t][k]);
            if (catalog && r.provider && r.model) {
                if (!names || *r.provider != last_raw || *r.model != last_model) {
                    last_raw = *r.provider;
                    last_model = *r.model;
                    last_provider = core::normalize_provider(last_raw);
                    names = &catalog->candidates(last_provider, last_model, pg_regex_search);
                }
                const std::string* m = catalog->first_in_force(last_provider, *names, r.occurred_at);
                if (m) r.resolved_model = std::string_view(*m);
            }
            matcher.match(r, key.budgets);
            sums.slot_of[k] = -1;
            if (key.budgets.empty()) continue;
            key.day = rows->day[k];
            auto [it, fresh] = sums.index.emplace(key, sums.sums.size());
            if (fresh) sums.sums.push_back(Datum(0));
            sums.slot_of[k] = static_cast<int>(it->second);
        }
        pg_call([&] { add_chunk(sums, sign, sums_cxt); });
    }
    pg_call([&] {
        ExecDropSingleTupleTableSlot(slot);
        MemoryContextDelete(chunk_cxt);
    });
}

// Adds the sums to budget_spend through budget_apply_spend(), in (budget, day) order so
// that two statements lock the same spend rows in the same order.
void apply(const SpendSums& sums, MemoryContext sums_cxt) {
    std::vector<std::pair<std::pair<int64_t, int32_t>, Datum>> per_budget;
    for (const auto& [key, pos] : sums.index)
        for (int64_t b : key.budgets) per_budget.push_back({{b, key.day}, sums.sums[pos]});
    std::sort(per_budget.begin(), per_budget.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
    size_t n = 0;
    auto* ids = static_cast<Datum*>(palloc_or_throw(sizeof(Datum) * (per_budget.size() + 1)));
    auto* days = static_cast<Datum*>(palloc_or_throw(sizeof(Datum) * (per_budget.size() + 1)));
    auto* deltas = static_cast<Datum*>(palloc_or_throw(sizeof(Datum) * (per_budget.size() + 1)));
    pg_call([&] {
        MemoryContext old = MemoryContextSwitchTo(sums_cxt);
        for (size_t i = 0; i < per_budget.size(); ++i) {
            if (n > 0 && DatumGetInt64(ids[n - 1]) == per_budget[i].first.first &&
                DatumGetDateADT(days[n - 1]) == per_budget[i].first.second) {
                deltas[n - 1] = DirectFunctionCall2(numeric_add, deltas[n - 1], per_budget[i].second);
                continue;
            }
            ids[n] = Int64GetDatum(per_budget[i].first.first);
            days[n] = DateADTGetDatum(per_budget[i].first.second);
            deltas[n] = per_budget[i].second;
            ++n;
        }
        if (n > 0) {
            Oid types[3] = {INT8ARRAYOID, DATEARRAYOID, NUMERICARRAYOID};
            Datum args[3] = {array_datum(ids, nullptr, static_cast<int>(n), INT8OID),
                             array_datum(days, nullptr, static_cast<int>(n), DATEOID),
                             array_datum(deltas, nullptr, static_cast<int>(n), NUMERICOID)};
            if (SPI_connect() != SPI_OK_CONNECT) elog(ERROR, "SPI_connect failed");
            int rc = SPI_execute_plan(kept_plan(&g_apply_plan, kApplySql, 3, types), args, nullptr, false, 0);
            if (rc != SPI_OK_SELECT) elog(ERROR, "adding budget spend failed: %s", SPI_result_code_string(rc));
            SPI_finish();
        }
        MemoryContextSwitchTo(old);
    });
}

}  // namespace

// AFTER INSERT/UPDATE/DELETE ... FOR EACH STATEMENT on chargeback.usage, with transition tables.
CB_FUNCTION(cb_usage_budget_sync) {
    if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_FOR_STATEMENT(reinterpret_cast<TriggerData*>(fcinfo->context)->tg_event))
        ereport(ERROR, (errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
                        errmsg("cb_usage_budget_sync must be called as a statement trigger")));
    TriggerData* td = reinterpret_cast<TriggerData*>(fcinfo->context);
    TupleDesc desc = RelationGetDescr(td->tg_relation);
    MemoryContext sums_cxt = AllocSetContextCreate(CurrentMemoryContext, "pg_chargeback budget spend", ALLOCSET_DEFAULT_SIZES);
    guarded([&] {
        const core::BudgetMatcher& matcher = budget_matcher();
        if (matcher.empty()) return Datum(0);
        SpendSums sums;
        pg_call([&] { sums.rows = static_cast<RawRows*>(MemoryContextAlloc(sums_cxt, sizeof(RawRows))); });
        if (td->tg_newtable) add_rows(td->tg_newtable, desc, 1, matcher, sums, sums_cxt);
        if (td->tg_oldtable) add_rows(td->tg_oldtable, desc, -1, matcher, sums, sums_cxt);
        apply(sums, sums_cxt);
        return Datum(0);
    });
    MemoryContextDelete(sums_cxt);
    return PointerGetDatum(nullptr);
}

// budget_covers(scope, scope_value, valid_from, valid_to, at, unit_covered, project,
// principal, provider, model, resolved_model) -> boolean: core::budget_covers, the one home of
// the scope rule, for SQL (applicable_budgets, budget_backfill). NULL valid_from/valid_to are
// open ends; a NULL time, scope or (non-global) scope value covers nothing.
CB_FUNCTION(cb_budget_covers) {
    if (PG_ARGISNULL(0) || PG_ARGISNULL(4)) PG_RETURN_BOOL(false);
    auto opt_text = [&](int n) -> std::optional<std::string_view> {
        if (PG_ARGISNULL(n)) return std::nullopt;
        return text_view(PG_GETARG_TEXT_PP(n));
    };
    std::string_view scope = text_view(PG_GETARG_TEXT_PP(0));
    std::optional<std::string_view> value = opt_text(1);
    core::BudgetRow row;
    row.occurred_at = PG_GETARG_TIMESTAMPTZ(4);
    row.project = opt_text(6);
    row.principal = opt_text(7);
    row.provider = opt_text(8);
    row.model = opt_text(9);
    row.resolved_model = opt_text(10);
    const bool unit_covered = !PG_ARGISNULL(5) && PG_GETARG_BOOL(5);
    const int64 from = PG_ARGISNULL(2) ? PG_INT64_MIN : PG_GETARG_TIMESTAMPTZ(2);
    const int64 to = PG_ARGISNULL(3) ? PG_INT64_MAX : PG_GETARG_TIMESTAMPTZ(3);
    return guarded([&] {
        core::BudgetDef d;
        d.scope = core::budget_scope_from_name(scope);
        if (!value && d.scope != core::BudgetScope::global) return BoolGetDatum(false);
        d.scope_value = value ? std::string(*value) : std::string();
        d.valid_from = from;
        d.valid_to = to;
        return BoolGetDatum(core::budget_covers(d, unit_covered, row));
    });
}
