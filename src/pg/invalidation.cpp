#include "invalidation.hpp"

namespace cb::pg {

namespace {

CacheWatch* g_watches[8];
int g_nwatches = 0;

// Runs inside invalidation processing: only flips flags, never allocates or throws.
void relcache_callback(Datum, Oid relid) {
    for (int i = 0; i < g_nwatches; ++i) {
        CacheWatch* w = g_watches[i];
        if (relid == InvalidOid) {
            w->valid = false;
            continue;
        }
        for (Oid r : w->relids)
            if (r == relid) w->valid = false;
    }
}

}  // namespace

void watch_relations(CacheWatch* w) {
    for (int i = 0; i < g_nwatches; ++i)
        if (g_watches[i] == w) return;
    if (g_nwatches < 8) g_watches[g_nwatches++] = w;
}

void register_relcache_callback() { CacheRegisterRelcacheCallback(relcache_callback, 0); }

Oid chargeback_relid(const char* name) {
    Oid nsp = get_namespace_oid("chargeback", true);
    return OidIsValid(nsp) ? get_relname_relid(name, nsp) : InvalidOid;
}

}  // namespace cb::pg
