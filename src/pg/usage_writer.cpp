#include "usage_writer.hpp"

#include "calendar.hpp"

#include "datum.hpp"
#include "core/timestamp.hpp"
#include "core/unnest_insert.hpp"
#include "invalidation.hpp"
#include "owner_scope.hpp"
#include "settings.hpp"

#include <algorithm>
#include <cstring>
#include <string_view>

namespace cb::pg {

namespace {

std::vector<cb::core::PricedUsage> g_pending;
std::vector<Rejection> g_rejections;
int g_pending_level = 0;  // transaction nest level of the oldest pending row
size_t g_pending_bytes = 0;  // payload bytes behind the pending rows and rejections

CacheWatch g_plan_watch;
SPIPlanPtr g_insert_plan = nullptr;
SPIPlanPtr g_claim_plan = nullptr;
Oid g_usage_seq = InvalidOid;
SPIPlanPtr g_book_plan = nullptr;
SPIPlanPtr g_duplicate_plan = nullptr;
SPIPlanPtr g_reject_plan = nullptr;
Oid g_token_usage_type = InvalidOid;
Oid g_token_usage_array = InvalidOid;

// Two plain statements per batch: claim the (provider, request_id) keys, then insert the
// rows whose key was claimed. Ids are taken from the sequence up front, so no statement has
// to materialize the batch or join it back to what it inserted.
const char* kClaimSql =
    "INSERT INTO chargeback.usage_request (provider, request_id, usage_id) "
    "SELECT unnest($1), unnest($2), unnest($3) ON CONFLICT DO NOTHING RETURNING usage_id";

// What a column of chargeback.usage is taken from, for each pending row.
enum class Field : uint8_t {
    usage_id, occurred_at, request_id, provider, model, service_tier, principal, org_unit_id, project,
    activity_type, activity_id, attrs, tokens, list_cost, currency, price_id, owner_reason, owner_rule_id,
    source, period, adjusts_period, reported_cost,
};

// Element type of the chargeback.token_usage column: looked up when the plans are prepared.
constexpr Oid kTokenUsage = InvalidOid;

// The columns the writer inserts, once: the INSERT text (parameter $k is the k-th entry),
// the parameter types and the arrays of each batch are all derived from this table.
struct UsageColumn {
    cb::core::UnnestColumn sql;
    Oid elem;
    Field field;
};
const UsageColumn kUsageColumns[] = {
    {{"usage_id", "", ""}, INT8OID, Field::usage_id},
    {{"occurred_at", "", ""}, TIMESTAMPTZOID, Field::occurred_at},
    {{"request_id", "", ""}, TEXTOID, Field::request_id},
    {{"provider", "", ""}, TEXTOID, Field::provider},
    {{"model", "", ""}, TEXTOID, Field::model},
    {{"service_tier", "", ""}, TEXTOID, Field::service_tier},
    {{"principal", "", ""}, TEXTOID, Field::principal},
    {{"org_unit_id", "", ""}, INT4OID, Field::org_unit_id},
    {{"project", "", ""}, TEXTOID, Field::project},
    {{"activity_type", "", ""}, TEXTOID, Field::activity_type},
    {{"activity_id", "", ""}, TEXTOID, Field::activity_id},
    {{"attrs", "", "::jsonb"}, TEXTOID, Field::attrs},
    {{"tokens", "", ""}, kTokenUsage, Field::tokens},
    {{"list_cost", "::numeric", ""}, TEXTOID, Field::list_cost},  // cast once, read three times
    {{"currency", "", ""}, TEXTOID, Field::currency},
    {{"price_id", "", ""}, INT8OID, Field::price_id},
    {{"owner_reason", "", ""}, TEXTOID, Field::owner_reason},
    {{"owner_rule_id", "", ""}, INT8OID, Field::owner_rule_id},
    {{"source", "", ""}, TEXTOID, Field::source},
    {{"period", "", ""}, DATEOID, Field::period},
    {{"adjusts_period", "", ""}, DATEOID, Field::adjusts_period},
    {{"reported_cost", "", "::numeric"}, TEXTOID, Field::reported_cost},  // exact text, validated by the parser
};
constexpr int kInsertArgs = sizeof kUsageColumns / sizeof kUsageColumns[0];

Oid element_type(const UsageColumn& c) { return c.elem == kTokenUsage ? g_token_usage_type : c.elem; }

// Columns that a usage table of an older release lacks: the library is replaced before
// ALTER EXTENSION ... UPDATE runs, and ingestion must go on in between. They are the last
// entries of kUsageColumns, left out of the INSERT while the table has no such column
// (reported_cost, 0.3.0).
constexpr int kNewColumns = 1;
int g_insert_args = kInsertArgs;  // the columns the prepared INSERT writes

// The INSERT of a batch writing the first `ncolumns` columns (cost starts as the list cost;
// status follows from it), built once. The arrays are expanded in the select list: see
// unnest_insert.hpp. Call it outside pg_call(): building the text runs C++ destructors.
std::string build_insert_sql(int ncolumns) {
    std::vector<cb::core::UnnestColumn> columns;
    for (int k = 0; k < ncolumns; ++k) columns.push_back(kUsageColumns[k].sql);
    return cb::core::unnest_insert_sql(
        "chargeback.usage", columns,
        {{"cost", "list_cost"}, {"status", "CASE WHEN list_cost IS NULL THEN 'unpriced' ELSE 'priced' END"}});
}

struct InsertSql {
    const char* current;  // every column
    const char* older;    // without kNewColumns
};

InsertSql insert_sql() {
    static const std::string current = build_insert_sql(kInsertArgs);
    static const std::string older = build_insert_sql(kInsertArgs - kNewColumns);
    return {current.c_str(), older.c_str()};
}

// The open month each usage month is booked into (closed ones move on to the next open
// month), locked until commit so that close_period() waits for this batch; also makes the
// partitions.
const char* kBookSql = "SELECT natural_period, booked_period FROM chargeback.book_periods($1)";

const char* kDuplicateSql =
    "INSERT INTO chargeback.usage_duplicate (provider, request_id, usage_id, source) "
    "SELECT d.provider, d.request_id, r.usage_id, d.source "
    "FROM unnest($1, $2, $3) AS d(provider, request_id, source) "
    "JOIN chargeback.usage_request r USING (provider, request_id)";

const char* kRejectSql =
    "INSERT INTO chargeback.usage_rejected (payload, attrs, format, sqlstate, error) "
    "SELECT * FROM unnest($1, $2, $3, $4, $5)";

// Plain PostgreSQL code: (re)prepares the plans after CREATE EXTENSION or a schema change.
// They are generic plans: a custom plan per batch (the plan cache's default for the first
// executions, and for good when it costs the same) re-planned every statement, about 4% of
// a bulk load.
void prepare_plans(InsertSql insert_text) {
    if (g_plan_watch.valid && g_insert_plan) return;
    if (g_insert_plan) SPI_freeplan(g_insert_plan);
    if (g_claim_plan) SPI_freeplan(g_claim_plan);
    if (g_duplicate_plan) SPI_freeplan(g_duplicate_plan);
    if (g_reject_plan) SPI_freeplan(g_reject_plan);
    g_insert_plan = g_claim_plan = g_duplicate_plan = g_reject_plan = nullptr;
    watch_relations(&g_plan_watch);
    g_plan_watch.valid = true;
    g_plan_watch.relids[0] = chargeback_relid("usage");
    g_plan_watch.relids[1] = chargeback_relid("usage_request");
    g_plan_watch.relids[2] = chargeback_relid("usage_rejected");
    g_plan_watch.relids[3] = chargeback_relid("usage_duplicate");
    g_token_usage_type = DatumGetObjectId(DirectFunctionCall1(regtypein, CStringGetDatum("chargeback.token_usage")));
    g_token_usage_array = get_array_type(g_token_usage_type);
    Oid text_array = TEXTARRAYOID;
    g_usage_seq = DatumGetObjectId(DirectFunctionCall1(regclassin, CStringGetDatum("chargeback.usage_usage_id_seq")));
    Oid claim_types[3] = {text_array, text_array, INT8ARRAYOID};
    g_claim_plan = SPI_prepare_cursor(kClaimSql, 3, claim_types, CURSOR_OPT_GENERIC_PLAN);
    Oid insert_types[kInsertArgs];
    for (int k = 0; k < kInsertArgs; ++k)
        insert_types[k] = kUsageColumns[k].elem == kTokenUsage ? g_token_usage_array : get_array_type(kUsageColumns[k].elem);
    bool current = get_attnum(g_plan_watch.relids[0], kUsageColumns[kInsertArgs - 1].sql.name.data()) != InvalidAttrNumber;
    g_insert_args = current ? kInsertArgs : kInsertArgs - kNewColumns;
    g_insert_plan = SPI_prepare_cursor(current ? insert_text.current : insert_text.older, g_insert_args, insert_types,
                                       CURSOR_OPT_GENERIC_PLAN);
    Oid duplicate_types[3] = {text_array, text_array, text_array};
    g_duplicate_plan = SPI_prepare_cursor(kDuplicateSql, 3, duplicate_types, CURSOR_OPT_GENERIC_PLAN);
    Oid reject_types[5] = {text_array, text_array, text_array, text_array, text_array};
    g_reject_plan = SPI_prepare_cursor(kRejectSql, 5, reject_types, CURSOR_OPT_GENERIC_PLAN);
    if (!g_insert_plan || !g_claim_plan || !g_duplicate_plan || !g_reject_plan)
        elog(ERROR, "preparing the usage writer failed: %s", SPI_result_code_string(SPI_result));
    SPI_keepplan(g_insert_plan);
    SPI_keepplan(g_claim_plan);
    SPI_keepplan(g_duplicate_plan);
    SPI_keepplan(g_reject_plan);
}

// Runs plain PostgreSQL code `f` connected to SPI with the writer's plans ready; a
// PostgreSQL error inside becomes a C++ exception (pg_call).
template <typename F>
void with_plans(F&& f) {
    InsertSql sql = insert_sql();
    pg_call([&] {
        if (SPI_connect() != SPI_OK_CONNECT) elog(ERROR, "SPI_connect failed");
        prepare_plans(sql);
        f();
        SPI_finish();
    });
}

// One array argument under construction: elements and nulls, palloc'd.
struct Column {
    Datum* values;
    bool* nulls;
};

Column column(size_t n) {
    return {static_cast<Datum*>(palloc_or_throw(sizeof(Datum) * (n + 1))),
            static_cast<bool*>(palloc_or_throw(sizeof(bool) * (n + 1)))};
}

void set_text(Column& c, size_t i, std::string_view s, bool empty_is_null = true) {
    c.nulls[i] = empty_is_null && s.empty();
    c.values[i] = c.nulls[i] ? Datum(0) : text_datum(s);
}

void set_value(Column& c, size_t i, Datum v, bool is_null = false) {
    c.values[i] = v;
    c.nulls[i] = is_null;
}

// Plain PostgreSQL code: the column as an array Datum of its first n elements.
Datum make_array(const Column& c, int n, Oid elem) { return array_datum(c.values, c.nulls, n, elem); }

// usage.source and usage_duplicate.source: the format a row was parsed as.
std::string_view source_of(const cb::core::UsageRecord& r) { return r.format[0] ? r.format : "ingest"; }

// A batch being written: its rows and what write_usage() worked out for each of them.
struct Batch {
    const std::vector<cb::core::PricedUsage>& rows;
    const int64* ids;        // usage_id, from the sequence
    const DateADT* natural;  // the month the usage occurred in
    const DateADT* period;   // the open month it is booked into
};

// Row i's value of `field` into element i of c (text is palloc'd; empty text is NULL unless
// the column needs a value).
void put(Column& c, size_t i, Field field, const Batch& b) {
    const cb::core::PricedUsage& u = b.rows[i];
    switch (field) {
        case Field::usage_id: return set_value(c, i, Int64GetDatum(b.ids[i]));
        case Field::occurred_at: return set_value(c, i, TimestampTzGetDatum(*u.rec.occurred_at));
        case Field::request_id: return set_text(c, i, u.rec.request_id);
        case Field::provider: return set_text(c, i, u.rec.provider);
        case Field::model: return set_text(c, i, u.rec.model);
        case Field::service_tier: return set_text(c, i, u.rec.service_tier);
        case Field::principal: return set_text(c, i, u.principal);
        case Field::org_unit_id: return set_value(c, i, Int32GetDatum(u.owner.org_unit_id));
        case Field::project: return set_text(c, i, u.owner.project);
        case Field::activity_type: return set_text(c, i, u.activity_type);
        case Field::activity_id: return set_text(c, i, u.activity_id);
        case Field::attrs:
            if (!u.attrs_json.empty()) return set_text(c, i, u.attrs_json, false);
            return set_text(c, i, u.rec.attrs.dump(), false);
        case Field::tokens: return set_value(c, i, usage_datum(u.rec.tokens));
        case Field::list_cost: return set_text(c, i, u.list_cost);
        case Field::currency: return set_text(c, i, u.currency);
        case Field::price_id: return set_value(c, i, Int64GetDatum(u.price_id), u.price_id == 0);
        case Field::owner_reason: return set_text(c, i, u.owner.reason);
        case Field::owner_rule_id: return set_value(c, i, Int64GetDatum(u.owner.rule_id), u.owner.rule_id == 0);
        case Field::source: return set_text(c, i, source_of(u.rec));
        case Field::period: return set_value(c, i, DateADTGetDatum(b.period[i]));
        case Field::adjusts_period: return set_value(c, i, DateADTGetDatum(b.natural[i]), b.period[i] == b.natural[i]);
        case Field::reported_cost: return set_text(c, i, u.rec.reported_cost);
    }
}

// Restores the memory context when C++ unwinds through write_usage().
struct ContextRestore {
    MemoryContext old = nullptr;
    ~ContextRestore() {
        if (old) MemoryContextSwitchTo(old);
    }
};

void xact_callback(XactEvent event, void*) {
    if (event == XACT_EVENT_ABORT || event == XACT_EVENT_PARALLEL_ABORT || event == XACT_EVENT_COMMIT ||
        event == XACT_EVENT_PARALLEL_COMMIT || event == XACT_EVENT_PREPARE) {
        g_pending.clear();
        g_rejections.clear();
        g_pending_bytes = 0;
    }
}

void subxact_callback(SubXactEvent event, SubTransactionId, SubTransactionId, void*) {
    if (event == SUBXACT_EVENT_ABORT_SUB && GetCurrentTransactionNestLevel() <= g_pending_level) {
        g_pending.clear();
        g_rejections.clear();
        g_pending_bytes = 0;
    }
}

}  // namespace

std::vector<cb::core::PricedUsage>& pending_usage() {
    if (g_pending.empty() && g_rejections.empty()) g_pending_level = GetCurrentTransactionNestLevel();
    if (g_pending.capacity() < kFlushRows) g_pending.reserve(kFlushRows + 64);
    return g_pending;
}

std::vector<Rejection>& pending_rejections() {
    if (g_pending.empty() && g_rejections.empty()) g_pending_level = GetCurrentTransactionNestLevel();
    return g_rejections;
}

void note_pending_bytes(size_t bytes) { g_pending_bytes += bytes; }

bool pending_full() { return g_pending.size() + g_rejections.size() >= kFlushRows || g_pending_bytes >= kFlushBytes; }

void register_usage_buffer_callbacks() {
    RegisterXactCallback(xact_callback, nullptr);
    RegisterSubXactCallback(subxact_callback, nullptr);
}

std::vector<WriteResult> write_usage(const std::vector<cb::core::PricedUsage>& rows) {
    std::vector<WriteResult> results;
    if (rows.empty()) return results;
    size_t n = rows.size();
    MemoryContext cxt = nullptr;
    ContextRestore restore;
    pg_call([&] {
        cxt = AllocSetContextCreate(CurrentMemoryContext, "pg_chargeback usage writer", ALLOCSET_DEFAULT_SIZES);
        restore.old = MemoryContextSwitchTo(cxt);
    });

    // 1. Ids for every row, and the claim of each (provider, request_id).
    int64* ids = static_cast<int64*>(palloc_or_throw(sizeof(int64) * n));
    Column claim_provider = column(n), claim_request = column(n), claim_id = column(n);
    size_t nclaims = 0;

    // Accounting months: the natural one of each row (chargeback.period_of(), calendar.hpp),
    // then the open month each is booked into. A row whose month is closed is booked later,
    // as an adjustment.
    DateADT* natural = static_cast<DateADT*>(palloc_or_throw(sizeof(DateADT) * n));
    pg_call([&] {
        Datum zone = chargeback_timezone_is_utc() ? Datum(0) : accounting_zone();
        for (size_t i = 0; i < n; ++i) natural[i] = accounting_month(*rows[i].rec.occurred_at, zone);
    });
    std::vector<DateADT> months(natural, natural + n);
    std::sort(months.begin(), months.end());
    months.erase(std::unique(months.begin(), months.end()), months.end());
    std::vector<DateADT> booked(months.size());
    Column month_col = column(months.size());
    for (size_t k = 0; k < months.size(); ++k) {
        month_col.values[k] = DateADTGetDatum(months[k]);
        month_col.nulls[k] = false;
    }
    // Booking comes first, before this transaction holds any lock on chargeback.usage:
    // booking a new month creates its partition, which needs an exclusive lock on the
    // parent, and preparing the insert plans below locks the parent. A batch that held that
    // lock while waiting for another batch's new period row would deadlock with it.
    pg_call([&] {
        if (SPI_connect() != SPI_OK_CONNECT) elog(ERROR, "SPI_connect failed");
        // Names no table, so it stays valid across partition DDL; the plan cache re-resolves
        // the function if the extension is re-created.
        Oid book_types[1] = {DATEARRAYOID};
        Datum book_args[1] = {make_array(month_col, static_cast<int>(months.size()), DATEOID)};
        int rc = SPI_execute_plan(kept_plan(&g_book_plan, kBookSql, 1, book_types), book_args, nullptr, false, 0);
        if (rc != SPI_OK_SELECT || SPI_processed != months.size())
            elog(ERROR, "booking usage periods failed: %s", SPI_result_code_string(rc));
        for (uint64 k = 0; k < SPI_processed; ++k) {
            bool isnull;
            DateADT nat = DatumGetDateADT(SPI_getbinval(SPI_tuptable->vals[k], SPI_tuptable->tupdesc, 1, &isnull));
            DateADT b = DatumGetDateADT(SPI_getbinval(SPI_tuptable->vals[k], SPI_tuptable->tupdesc, 2, &isnull));
            size_t pos = std::lower_bound(months.begin(), months.end(), nat) - months.begin();
            if (pos < months.size() && months[pos] == nat) booked[pos] = b;
        }
        SPI_finish();
    });
    with_plans([&] {
        for (size_t i = 0; i < n; ++i) ids[i] = nextval_internal(g_usage_seq, true);
    });
    for (size_t i = 0; i < n; ++i) {
        if (rows[i].rec.request_id.empty()) continue;
        set_text(claim_provider, nclaims, rows[i].rec.provider, false);
        set_text(claim_request, nclaims, rows[i].rec.request_id, false);
        claim_id.values[nclaims] = Int64GetDatum(ids[i]);
        claim_id.nulls[nclaims] = false;
        ++nclaims;
    }
    int64* claimed = static_cast<int64*>(palloc_or_throw(sizeof(int64) * (nclaims + 1)));
    uint64 nclaimed = 0;

    // 2. The columns of every row (only claimed ones are inserted).
    DateADT* period = static_cast<DateADT*>(palloc_or_throw(sizeof(DateADT) * n));
    for (size_t i = 0; i < n; ++i)
        period[i] = booked[std::lower_bound(months.begin(), months.end(), natural[i]) - months.begin()];
    const Batch batch{rows, ids, natural, period};
    Column cols[kInsertArgs];
    for (int k = 0; k < kInsertArgs; ++k) {
        cols[k] = column(n);
        for (size_t i = 0; i < n; ++i) put(cols[k], i, kUsageColumns[k].field, batch);
    }
    size_t nkept = 0;
    std::vector<bool> kept(n, true);
    with_plans([&] {
        int rc;
        if (nclaims > 0) {
            Datum claim_args[3] = {make_array(claim_provider, static_cast<int>(nclaims), TEXTOID),
                                   make_array(claim_request, static_cast<int>(nclaims), TEXTOID),
                                   make_array(claim_id, static_cast<int>(nclaims), INT8OID)};
            rc = SPI_execute_plan(g_claim_plan, claim_args, nullptr, false, 0);
            if (rc != SPI_OK_INSERT_RETURNING) elog(ERROR, "claiming request ids failed: %s", SPI_result_code_string(rc));
            nclaimed = SPI_processed;
            for (uint64 k = 0; k < nclaimed; ++k) {
                bool isnull;
                claimed[k] = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[k], SPI_tuptable->tupdesc, 1, &isnull));
            }
        }
    });
    if (nclaimed < nclaims) {
        // Some keys were already recorded: keep only the rows that claimed theirs.
        std::vector<int64> won(claimed, claimed + nclaimed);
        std::sort(won.begin(), won.end());
        for (size_t i = 0; i < n; ++i)
            if (!rows[i].rec.request_id.empty() && !std::binary_search(won.begin(), won.end(), ids[i])) kept[i] = false;
        for (size_t i = 0; i < n; ++i) {
            if (!kept[i]) continue;
            if (nkept != i)
                for (Column& c : cols) set_value(c, nkept, c.values[i], c.nulls[i]);
            ++nkept;
        }
    } else {
        nkept = n;
    }
    if (nkept > 0) {
        with_plans([&] {
            Datum args[kInsertArgs];
            for (int k = 0; k < g_insert_args; ++k)
                args[k] = make_array(cols[k], static_cast<int>(nkept), element_type(kUsageColumns[k]));
            int rc = SPI_execute_plan(g_insert_plan, args, nullptr, false, 0);
            if (rc != SPI_OK_INSERT) elog(ERROR, "writing usage failed: %s", SPI_result_code_string(rc));
        });
    }
    results.resize(n);
    for (size_t i = 0; i < n; ++i) results[i].usage_id = kept[i] ? ids[i] : 0;

    // 3. Duplicates: log them against the row already recorded (a new statement sees it even
    // when a concurrent session committed it while this one waited).
    size_t ndup = n - nkept;
    if (ndup > 0) {
        Column dp = column(ndup), dr = column(ndup), ds = column(ndup);
        size_t k = 0;
        for (size_t i = 0; i < n; ++i) {
            if (kept[i]) continue;
            set_text(dp, k, rows[i].rec.provider, false);
            set_text(dr, k, rows[i].rec.request_id, false);
            set_text(ds, k, source_of(rows[i].rec), false);
            ++k;
        }
        with_plans([&] {
            Datum args[3] = {make_array(dp, static_cast<int>(ndup), TEXTOID), make_array(dr, static_cast<int>(ndup), TEXTOID),
                             make_array(ds, static_cast<int>(ndup), TEXTOID)};
            int rc = SPI_execute_plan(g_duplicate_plan, args, nullptr, false, 0);
            if (rc != SPI_OK_INSERT) elog(ERROR, "logging duplicates failed: %s", SPI_result_code_string(rc));
        });
    }
    MemoryContextSwitchTo(restore.old);
    restore.old = nullptr;
    MemoryContextDelete(cxt);
    return results;
}

void write_rejections(const std::vector<Rejection>& rejections) {
    size_t n = rejections.size();
    if (n == 0) return;
    Column cols[5];
    for (Column& c : cols) c = column(n);
    for (size_t i = 0; i < n; ++i) {
        const Rejection& r = rejections[i];
        set_text(cols[0], i, r.payload);
        set_text(cols[1], i, r.attrs);
        set_text(cols[2], i, r.format);
        set_text(cols[3], i, r.sqlstate, false);
        set_text(cols[4], i, r.message, false);
    }
    with_plans([&] {
        Datum args[5];
        for (int k = 0; k < 5; ++k) args[k] = make_array(cols[k], static_cast<int>(n), TEXTOID);
        int rc = SPI_execute_plan(g_reject_plan, args, nullptr, false, 0);
        if (rc != SPI_OK_INSERT) elog(ERROR, "writing rejections failed: %s", SPI_result_code_string(rc));
    });
}

void flush_pending() {
    if (g_pending.empty() && g_rejections.empty()) return;
    // Move the buffers out first: if writing fails, the transaction aborts anyway.
    std::vector<cb::core::PricedUsage> rows;
    rows.swap(g_pending);
    std::vector<Rejection> rejections;
    rejections.swap(g_rejections);
    g_pending_bytes = 0;
    // The inbox row trigger runs as its caller: the batch is written as the extension's
    // owner (ingest() and the statement trigger are SECURITY DEFINER already).
    OwnerScope as_owner;
    write_usage(rows);
    write_rejections(rejections);
    // Hand the buffer's memory back: growing it anew for every batch (reallocating and
    // moving 5000 rows of 512 bytes, on fresh pages) cost more than a tenth of the bulk path.
    rows.clear();
    if (g_pending.empty()) g_pending.swap(rows);
}

int64_t existing_usage_id(const std::string& provider, const std::string& request_id) {
    int64 id = 0;
    Datum args[2] = {text_datum(provider), text_datum(request_id)};
    pg_call([&] {
        Oid types[2] = {TEXTOID, TEXTOID};
        if (SPI_connect() != SPI_OK_CONNECT) elog(ERROR, "SPI_connect failed");
        int rc = SPI_execute_with_args(
            "SELECT usage_id FROM chargeback.usage_request WHERE provider = $1 AND request_id = $2", 2, types, args,
            nullptr, false, 1);  // not read-only: a fresh snapshot sees a row committed while we waited
        if (rc == SPI_OK_SELECT && SPI_processed == 1) {
            bool isnull;
            id = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
        }
        SPI_finish();
    });
    return id;
}

}  // namespace cb::pg
