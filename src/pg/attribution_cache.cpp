#include "attribution_cache.hpp"

#include "datum.hpp"
#include "invalidation.hpp"

#include "core/json_reader.hpp"

#include <memory>

namespace cb::pg {

namespace {

std::unique_ptr<cb::core::Attribution> g_attribution;
CacheWatch g_watch;

struct RawUnit {
    int32 id;
    char* code;
    int32 parent;
};
struct RawMembership {
    char* principal;
    int32 unit;
    int64 from, to;
};
struct RawRule {
    int64 id;
    int32 priority;
    char* match;
    int32 unit;
    char* project;
    int64 from, to;
};
struct RawAttribution {
    RawUnit* units;
    uint64 nunits;
    RawMembership* members;
    uint64 nmembers;
    RawRule* rules;
    uint64 nrules;
    Oid relids[3];
};

char* text_or_empty(MemoryContext cxt, HeapTuple t, TupleDesc d, int col) {
    char* v = SPI_getvalue(t, d, col);
    return MemoryContextStrdup(cxt, v ? v : "");
}

// Plain PostgreSQL code (runs inside pg_call): copies the three tables into `cxt`.
void fetch(MemoryContext cxt, RawAttribution* out) {
    out->relids[0] = chargeback_relid("org_unit");
    out->relids[1] = chargeback_relid("membership");
    out->relids[2] = chargeback_relid("ownership_rule");
    if (SPI_connect() != SPI_OK_CONNECT) elog(ERROR, "SPI_connect failed");
    if (SPI_execute("SELECT org_unit_id, code, coalesce(parent_id, 0) FROM chargeback.org_unit", true, 0) != SPI_OK_SELECT)
        elog(ERROR, "reading chargeback.org_unit failed");
    out->nunits = SPI_processed;
    out->units = static_cast<RawUnit*>(MemoryContextAllocZero(cxt, sizeof(RawUnit) * (out->nunits + 1)));
    for (uint64 i = 0; i < out->nunits; ++i) {
        HeapTuple t = SPI_tuptable->vals[i];
        TupleDesc d = SPI_tuptable->tupdesc;
        bool isnull;
        out->units[i].id = DatumGetInt32(SPI_getbinval(t, d, 1, &isnull));
        out->units[i].code = text_or_empty(cxt, t, d, 2);
        out->units[i].parent = DatumGetInt32(SPI_getbinval(t, d, 3, &isnull));
    }
    if (SPI_execute("SELECT principal, org_unit_id, valid_from, valid_to FROM chargeback.membership", true, 0) !=
        SPI_OK_SELECT)
        elog(ERROR, "reading chargeback.membership failed");
    out->nmembers = SPI_processed;
    out->members = static_cast<RawMembership*>(MemoryContextAllocZero(cxt, sizeof(RawMembership) * (out->nmembers + 1)));
    for (uint64 i = 0; i < out->nmembers; ++i) {
        HeapTuple t = SPI_tuptable->vals[i];
        TupleDesc d = SPI_tuptable->tupdesc;
        bool isnull;
        out->members[i].principal = text_or_empty(cxt, t, d, 1);
        out->members[i].unit = DatumGetInt32(SPI_getbinval(t, d, 2, &isnull));
        out->members[i].from = validity_bound(t, d, 3, PG_INT64_MIN);
        out->members[i].to = validity_bound(t, d, 4, PG_INT64_MAX);
    }
    if (SPI_execute("SELECT rule_id, priority, match::text, org_unit_id, coalesce(project, ''), valid_from, valid_to "
                    "FROM chargeback.ownership_rule",
                    true, 0) != SPI_OK_SELECT)
        elog(ERROR, "reading chargeback.ownership_rule failed");
    out->nrules = SPI_processed;
    out->rules = static_cast<RawRule*>(MemoryContextAllocZero(cxt, sizeof(RawRule) * (out->nrules + 1)));
    for (uint64 i = 0; i < out->nrules; ++i) {
        HeapTuple t = SPI_tuptable->vals[i];
        TupleDesc d = SPI_tuptable->tupdesc;
        bool isnull;
        RawRule* r = &out->rules[i];
        r->id = DatumGetInt64(SPI_getbinval(t, d, 1, &isnull));
        r->priority = DatumGetInt32(SPI_getbinval(t, d, 2, &isnull));
        r->match = text_or_empty(cxt, t, d, 3);
        r->unit = DatumGetInt32(SPI_getbinval(t, d, 4, &isnull));
        r->project = text_or_empty(cxt, t, d, 5);
        r->from = validity_bound(t, d, 6, PG_INT64_MIN);
        r->to = validity_bound(t, d, 7, PG_INT64_MAX);
    }
    SPI_finish();
}

}  // namespace

const cb::core::Attribution& attribution() {
    if (g_watch.valid && g_attribution) return *g_attribution;
    RawAttribution raw{};
    reload_cache(
        g_watch, [&](MemoryContext cxt) { fetch(cxt, &raw); },
        [&] {
            auto fresh = std::make_unique<cb::core::Attribution>();
            for (uint64 i = 0; i < raw.nunits; ++i)
                fresh->add_unit({raw.units[i].id, raw.units[i].code, raw.units[i].parent});
            for (uint64 i = 0; i < raw.nmembers; ++i)
                fresh->add_membership(
                    {raw.members[i].principal, raw.members[i].unit, raw.members[i].from, raw.members[i].to});
            for (uint64 i = 0; i < raw.nrules; ++i) {
                const RawRule& r = raw.rules[i];
                cb::core::OwnershipRule rule;
                rule.rule_id = r.id;
                rule.priority = r.priority;
                rule.match = cb::core::read_json(r.match);
                rule.org_unit_id = r.unit;
                rule.project = r.project;
                rule.valid_from = r.from;
                rule.valid_to = r.to;
                fresh->add_rule(std::move(rule));
            }
            fresh->finish();
            for (int i = 0; i < 3; ++i) g_watch.relids[i] = raw.relids[i];
            g_attribution = std::move(fresh);
        });
    return *g_attribution;
}

}  // namespace cb::pg
