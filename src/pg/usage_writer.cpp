#include "usage_writer.hpp"

#include "datum.hpp"
#include "invalidation.hpp"

#include <cstring>

namespace cb::pg {

namespace {

std::vector<cb::core::PricedUsage> g_pending;
std::vector<Rejection> g_rejections;
int g_pending_level = 0;  // transaction nest level of the oldest pending row

CacheWatch g_plan_watch;
SPIPlanPtr g_insert_plan = nullptr;
SPIPlanPtr g_partition_plan = nullptr;
SPIPlanPtr g_duplicate_plan = nullptr;
SPIPlanPtr g_reject_plan = nullptr;
Oid g_token_usage_type = InvalidOid;
Oid g_token_usage_array = InvalidOid;

constexpr int kInsertArgs = 18;

const char* kInsertSql =
    "WITH input AS MATERIALIZED ("
    "  SELECT nextval('chargeback.usage_usage_id_seq'::regclass) AS usage_id, t.*"
    "  FROM unnest($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)"
    "       WITH ORDINALITY AS t(occurred_at, request_id, provider, model, service_tier, principal,"
    "            org_unit_id, project, activity_type, activity_id, attrs, tokens, list_cost, currency,"
    "            price_id, owner_reason, owner_rule_id, source, ord)"
    "), dedup AS ("
    "  INSERT INTO chargeback.usage_request (provider, request_id, usage_id)"
    "  SELECT provider, request_id, usage_id FROM input WHERE request_id IS NOT NULL"
    "  ON CONFLICT DO NOTHING RETURNING usage_id"
    "), ins AS ("
    "  INSERT INTO chargeback.usage (usage_id, occurred_at, request_id, provider, model, service_tier,"
    "         principal, org_unit_id, project, activity_type, activity_id, attrs, tokens, list_cost,"
    "         cost, currency, period, status, source, price_id, owner_reason, owner_rule_id)"
    "  SELECT usage_id, occurred_at, request_id, provider, model, service_tier, principal, org_unit_id,"
    "         project, activity_type, activity_id, attrs::jsonb, tokens, list_cost::numeric,"
    "         list_cost::numeric, currency, chargeback.period_of(occurred_at),"
    "         CASE WHEN list_cost IS NULL THEN 'unpriced' ELSE 'priced' END, source, price_id,"
    "         owner_reason, owner_rule_id"
    "  FROM input WHERE request_id IS NULL OR usage_id IN (SELECT usage_id FROM dedup)"
    "  RETURNING usage_id"
    ") "
    "SELECT i.usage_id, i.usage_id IN (SELECT usage_id FROM ins) FROM input i ORDER BY i.ord";

const char* kPartitionSql =
    "SELECT chargeback.ensure_partitions(p, p) FROM "
    "(SELECT DISTINCT chargeback.period_of(t) AS p FROM unnest($1) t) s";

const char* kDuplicateSql =
    "INSERT INTO chargeback.usage_duplicate (provider, request_id, usage_id, source) "
    "SELECT d.provider, d.request_id, r.usage_id, d.source "
    "FROM unnest($1, $2, $3) AS d(provider, request_id, source) "
    "JOIN chargeback.usage_request r USING (provider, request_id)";

const char* kRejectSql =
    "INSERT INTO chargeback.usage_rejected (payload, attrs, format, sqlstate, error) "
    "SELECT * FROM unnest($1, $2, $3, $4, $5)";

// Plain PostgreSQL code: (re)prepares the plans after CREATE EXTENSION or a schema change.
void prepare_plans() {
    if (g_plan_watch.valid && g_insert_plan) return;
    if (g_insert_plan) SPI_freeplan(g_insert_plan);
    if (g_partition_plan) SPI_freeplan(g_partition_plan);
    if (g_duplicate_plan) SPI_freeplan(g_duplicate_plan);
    if (g_reject_plan) SPI_freeplan(g_reject_plan);
    g_insert_plan = g_partition_plan = g_duplicate_plan = g_reject_plan = nullptr;
    watch_relations(&g_plan_watch);
    g_plan_watch.valid = true;
    g_plan_watch.relids[0] = chargeback_relid("usage");
    g_plan_watch.relids[1] = chargeback_relid("usage_request");
    g_plan_watch.relids[2] = chargeback_relid("usage_rejected");
    g_plan_watch.relids[3] = chargeback_relid("usage_duplicate");
    g_token_usage_type = DatumGetObjectId(DirectFunctionCall1(regtypein, CStringGetDatum("chargeback.token_usage")));
    g_token_usage_array = get_array_type(g_token_usage_type);
    Oid text_array = TEXTARRAYOID;
    Oid insert_types[kInsertArgs] = {TIMESTAMPTZARRAYOID, text_array, text_array, text_array, text_array, text_array,
                                     INT4ARRAYOID, text_array, text_array, text_array, text_array, g_token_usage_array,
                                     text_array, text_array, INT8ARRAYOID, text_array, INT8ARRAYOID, text_array};
    g_insert_plan = SPI_prepare(kInsertSql, kInsertArgs, insert_types);
    Oid partition_types[1] = {TIMESTAMPTZARRAYOID};
    g_partition_plan = SPI_prepare(kPartitionSql, 1, partition_types);
    Oid duplicate_types[3] = {text_array, text_array, text_array};
    g_duplicate_plan = SPI_prepare(kDuplicateSql, 3, duplicate_types);
    Oid reject_types[5] = {text_array, text_array, text_array, text_array, text_array};
    g_reject_plan = SPI_prepare(kRejectSql, 5, reject_types);
    if (!g_insert_plan || !g_partition_plan || !g_duplicate_plan || !g_reject_plan)
        elog(ERROR, "preparing the usage writer failed: %s", SPI_result_code_string(SPI_result));
    SPI_keepplan(g_insert_plan);
    SPI_keepplan(g_partition_plan);
    SPI_keepplan(g_duplicate_plan);
    SPI_keepplan(g_reject_plan);
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

void set_text(Column& c, size_t i, const std::string& s, bool empty_is_null = true) {
    c.nulls[i] = empty_is_null && s.empty();
    c.values[i] = c.nulls[i] ? Datum(0) : text_datum(s);
}

// Plain PostgreSQL code: builds a one-dimensional array Datum.
Datum make_array(const Column& c, int n, Oid elem) {
    int16 len;
    bool byval;
    char align;
    get_typlenbyvalalign(elem, &len, &byval, &align);
    int dims[1] = {n};
    int lbs[1] = {1};
    return PointerGetDatum(construct_md_array(c.values, c.nulls, 1, dims, lbs, elem, len, byval, align));
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
    }
}

void subxact_callback(SubXactEvent event, SubTransactionId, SubTransactionId, void*) {
    if (event == SUBXACT_EVENT_ABORT_SUB && GetCurrentTransactionNestLevel() <= g_pending_level) {
        g_pending.clear();
        g_rejections.clear();
    }
}

}  // namespace

std::vector<cb::core::PricedUsage>& pending_usage() {
    if (g_pending.empty() && g_rejections.empty()) g_pending_level = GetCurrentTransactionNestLevel();
    return g_pending;
}

std::vector<Rejection>& pending_rejections() {
    if (g_pending.empty() && g_rejections.empty()) g_pending_level = GetCurrentTransactionNestLevel();
    return g_rejections;
}

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
    Column cols[kInsertArgs];
    for (Column& c : cols) c = column(n);
    for (size_t i = 0; i < n; ++i) {
        const cb::core::PricedUsage& u = rows[i];
        cols[0].values[i] = TimestampTzGetDatum(*u.rec.occurred_at);
        cols[0].nulls[i] = false;
        set_text(cols[1], i, u.rec.request_id);
        set_text(cols[2], i, u.rec.provider);
        set_text(cols[3], i, u.rec.model);
        set_text(cols[4], i, u.rec.service_tier);
        set_text(cols[5], i, u.principal);
        cols[6].values[i] = Int32GetDatum(u.owner.org_unit_id);
        cols[6].nulls[i] = false;
        set_text(cols[7], i, u.owner.project);
        set_text(cols[8], i, u.activity_type);
        set_text(cols[9], i, u.activity_id);
        set_text(cols[10], i, u.rec.attrs.dump(), false);
        cols[11].values[i] = usage_datum(u.rec.tokens);
        cols[11].nulls[i] = false;
        set_text(cols[12], i, u.list_cost);
        set_text(cols[13], i, u.currency);
        cols[14].values[i] = Int64GetDatum(u.price_id);
        cols[14].nulls[i] = u.price_id == 0;
        set_text(cols[15], i, u.owner.reason);
        cols[16].values[i] = Int64GetDatum(u.owner.rule_id);
        cols[16].nulls[i] = u.owner.rule_id == 0;
        set_text(cols[17], i, std::string(u.rec.format[0] ? u.rec.format : "ingest"));
    }
    WriteResult* out = static_cast<WriteResult*>(palloc_or_throw(sizeof(WriteResult) * n));
    uint64 returned = 0;
    pg_call([&] {
        Oid elem_types[kInsertArgs] = {TIMESTAMPTZOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID,
                                       INT4OID, TEXTOID, TEXTOID, TEXTOID, TEXTOID, InvalidOid,
                                       TEXTOID, TEXTOID, INT8OID, TEXTOID, INT8OID, TEXTOID};
        if (SPI_connect() != SPI_OK_CONNECT) elog(ERROR, "SPI_connect failed");
        prepare_plans();
        elem_types[11] = g_token_usage_type;
        Datum args[kInsertArgs];
        for (int k = 0; k < kInsertArgs; ++k) args[k] = make_array(cols[k], static_cast<int>(n), elem_types[k]);
        int rc = SPI_execute_plan(g_partition_plan, args, nullptr, false, 0);
        if (rc != SPI_OK_SELECT) elog(ERROR, "creating usage partitions failed: %s", SPI_result_code_string(rc));
        rc = SPI_execute_plan(g_insert_plan, args, nullptr, false, 0);
        if (rc != SPI_OK_SELECT) elog(ERROR, "writing usage failed: %s", SPI_result_code_string(rc));
        returned = SPI_processed;
        for (uint64 i = 0; i < returned && i < n; ++i) {
            bool isnull;
            int64 id = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1, &isnull));
            bool inserted = DatumGetBool(SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 2, &isnull));
            out[i].usage_id = inserted ? id : 0;
        }
        SPI_finish();
    });
    results.assign(out, out + n);
    // Duplicates: log them against the row already recorded (a new statement sees it even
    // when a concurrent session committed it while this one waited).
    size_t ndup = 0;
    for (size_t i = 0; i < n; ++i) ndup += results[i].usage_id == 0;
    if (ndup > 0) {
        Column dp = column(ndup), dr = column(ndup), ds = column(ndup);
        size_t k = 0;
        for (size_t i = 0; i < n; ++i) {
            if (results[i].usage_id != 0) continue;
            set_text(dp, k, rows[i].rec.provider, false);
            set_text(dr, k, rows[i].rec.request_id, false);
            set_text(ds, k, std::string(rows[i].rec.format[0] ? rows[i].rec.format : "ingest"), false);
            ++k;
        }
        pg_call([&] {
            if (SPI_connect() != SPI_OK_CONNECT) elog(ERROR, "SPI_connect failed");
            prepare_plans();
            Datum args[3] = {make_array(dp, static_cast<int>(ndup), TEXTOID), make_array(dr, static_cast<int>(ndup), TEXTOID),
                             make_array(ds, static_cast<int>(ndup), TEXTOID)};
            int rc = SPI_execute_plan(g_duplicate_plan, args, nullptr, false, 0);
            if (rc != SPI_OK_INSERT) elog(ERROR, "logging duplicates failed: %s", SPI_result_code_string(rc));
            SPI_finish();
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
    pg_call([&] {
        if (SPI_connect() != SPI_OK_CONNECT) elog(ERROR, "SPI_connect failed");
        prepare_plans();
        Datum args[5];
        for (int k = 0; k < 5; ++k) args[k] = make_array(cols[k], static_cast<int>(n), TEXTOID);
        int rc = SPI_execute_plan(g_reject_plan, args, nullptr, false, 0);
        if (rc != SPI_OK_INSERT) elog(ERROR, "writing rejections failed: %s", SPI_result_code_string(rc));
        SPI_finish();
    });
}

void flush_pending() {
    // Move the buffers out first: if writing fails, the transaction aborts anyway.
    std::vector<cb::core::PricedUsage> rows;
    rows.swap(g_pending);
    std::vector<Rejection> rejections;
    rejections.swap(g_rejections);
    write_usage(rows);
    write_rejections(rejections);
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
