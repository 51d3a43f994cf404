// Backend-local caches of extension tables (price catalog, attribution) stay valid until a
// relcache invalidation names one of their tables. The tables' statement triggers
// (chargeback.catalog_changed) send that invalidation on every change, to every backend.
#pragma once
#include "pg_includes.hpp"

namespace cb::pg {

struct CacheWatch {
    bool valid = false;
    Oid relids[4] = {InvalidOid, InvalidOid, InvalidOid, InvalidOid};
};

// Registers a watch (a static object that lives as long as the backend).
void watch_relations(CacheWatch* w);
void register_relcache_callback();  // from _PG_init
// The OID of chargeback.<name> (InvalidOid when missing); plain PostgreSQL code.
Oid chargeback_relid(const char* name);

}  // namespace cb::pg
