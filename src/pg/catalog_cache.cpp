#include "catalog_cache.hpp"

#include "datum.hpp"
#include "invalidation.hpp"


#include <memory>

namespace cb::pg {

namespace {

std::unique_ptr<cb::core::PriceCatalog> g_catalog;
CacheWatch g_watch;
CatalogStats g_stats = {0};

struct RawPrice {
    int64 price_id;
    char* provider;
    char* model;
    char* tier;
    int64 min_prompt;
    cb::core::TokenRates rates;
    int64 valid_from;
    int64 valid_to;
};

struct RawAlias {
    int64 alias_id;
    char* provider;
    char* pattern;
    char* model;
    int32 priority;
};

struct RawCatalog {
    RawPrice* prices;
    uint64 nprices;
    RawAlias* aliases;
    uint64 naliases;
    Oid price_relid;
    Oid alias_relid;
};

// Plain PostgreSQL code (runs inside pg_call): copies both tables into `cxt`.
void fetch_catalog(MemoryContext cxt, RawCatalog* out) {
    out->price_relid = chargeback_relid("price");
    out->alias_relid = chargeback_relid("model_alias");
    if (SPI_connect() != SPI_OK_CONNECT) elog(ERROR, "SPI_connect failed");
    int rc = SPI_execute(
        "SELECT price_id, provider, model, service_tier, min_prompt_tokens, rates, "
        "valid_from, valid_to FROM chargeback.price",
        true, 0);
    if (rc != SPI_OK_SELECT) elog(ERROR, "reading chargeback.price failed: %s", SPI_result_code_string(rc));
    out->nprices = SPI_processed;
    out->prices = static_cast<RawPrice*>(MemoryContextAllocZero(cxt, sizeof(RawPrice) * (out->nprices + 1)));
    for (uint64 i = 0; i < out->nprices; ++i) {
        HeapTuple t = SPI_tuptable->vals[i];
        TupleDesc d = SPI_tuptable->tupdesc;
        bool isnull;
        RawPrice* p = &out->prices[i];
        p->price_id = DatumGetInt64(SPI_getbinval(t, d, 1, &isnull));
        p->provider = MemoryContextStrdup(cxt, SPI_getvalue(t, d, 2));
        p->model = MemoryContextStrdup(cxt, SPI_getvalue(t, d, 3));
        p->tier = MemoryContextStrdup(cxt, SPI_getvalue(t, d, 4));
        p->min_prompt = DatumGetInt64(SPI_getbinval(t, d, 5, &isnull));
        memcpy(&p->rates, DatumGetPointer(SPI_getbinval(t, d, 6, &isnull)), sizeof p->rates);
        p->valid_from = validity_bound(t, d, 7, PG_INT64_MIN);
        p->valid_to = validity_bound(t, d, 8, PG_INT64_MAX);
    }
    rc = SPI_execute("SELECT alias_id, provider, pattern, model, priority FROM chargeback.model_alias",
                     true, 0);
    if (rc != SPI_OK_SELECT)
        elog(ERROR, "reading chargeback.model_alias failed: %s", SPI_result_code_string(rc));
    out->naliases = SPI_processed;
    out->aliases = static_cast<RawAlias*>(MemoryContextAllocZero(cxt, sizeof(RawAlias) * (out->naliases + 1)));
    for (uint64 i = 0; i < out->naliases; ++i) {
        HeapTuple t = SPI_tuptable->vals[i];
        TupleDesc d = SPI_tuptable->tupdesc;
        bool isnull;
        RawAlias* a = &out->aliases[i];
        a->alias_id = DatumGetInt64(SPI_getbinval(t, d, 1, &isnull));
        a->provider = MemoryContextStrdup(cxt, SPI_getvalue(t, d, 2));
        a->pattern = MemoryContextStrdup(cxt, SPI_getvalue(t, d, 3));
        a->model = MemoryContextStrdup(cxt, SPI_getvalue(t, d, 4));
        a->priority = DatumGetInt32(SPI_getbinval(t, d, 5, &isnull));
    }
    SPI_finish();
}

}  // namespace

cb::core::PriceCatalog& price_catalog() {
    if (g_watch.valid && g_catalog) return *g_catalog;
    RawCatalog raw{};
    reload_cache(
        g_watch, [&](MemoryContext cxt) { fetch_catalog(cxt, &raw); },
        [&] {
            auto fresh = std::make_unique<cb::core::PriceCatalog>();
            for (uint64 i = 0; i < raw.nprices; ++i) {
                const RawPrice& p = raw.prices[i];
                cb::core::PriceRow row;
                row.price_id = p.price_id;
                row.provider = p.provider;
                row.model = p.model;
                row.service_tier = p.tier;
                row.min_prompt_tokens = p.min_prompt;
                row.rates = p.rates;
                row.valid_from = p.valid_from;
                row.valid_to = p.valid_to;
                fresh->add_price(std::move(row));
            }
            for (uint64 i = 0; i < raw.naliases; ++i) {
                const RawAlias& a = raw.aliases[i];
                fresh->add_alias({a.alias_id, a.provider, a.pattern, a.model, a.priority});
            }
            fresh->finish();
            g_watch.relids[0] = raw.price_relid;
            g_watch.relids[1] = raw.alias_relid;
            g_catalog = std::move(fresh);
        });
    ++g_stats.loads;
    return *g_catalog;
}

bool pg_regex_search(const std::string& pattern, const std::string& text) {
    bool result = false;
    const char* p = pattern.data();
    const char* t = text.data();
    int plen = static_cast<int>(pattern.size());
    int tlen = static_cast<int>(text.size());
    pg_call([&] {
        result = DatumGetBool(DirectFunctionCall2Coll(
            textregexeq, C_COLLATION_OID, PointerGetDatum(cstring_to_text_with_len(t, tlen)),
            PointerGetDatum(cstring_to_text_with_len(p, plen))));
    });
    return result;
}

const CatalogStats& catalog_stats() { return g_stats; }

}  // namespace cb::pg

using namespace cb::pg;

// Statement-level trigger on chargeback.price and chargeback.model_alias: tells every
// backend (this one at the next command, the others at commit) to drop its cached catalog.
CB_FUNCTION(cb_catalog_changed) {
    if (!CALLED_AS_TRIGGER(fcinfo))
        ereport(ERROR, (errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
                        errmsg("cb_catalog_changed must be called as a trigger")));
    TriggerData* td = reinterpret_cast<TriggerData*>(fcinfo->context);
    CacheInvalidateRelcacheByRelid(RelationGetRelid(td->tg_relation));
    return PointerGetDatum(nullptr);
}
