// Backend-local caches of extension tables (price catalog, attribution) stay valid until a
// relcache invalidation names one of their tables. The tables' statement triggers
// (chargeback.catalog_changed) send that invalidation on every change, to every backend.
#pragma once
#include "guard.hpp"
#include "owner_scope.hpp"

namespace cb::pg {

struct CacheWatch {
    bool valid = false;
    Oid relids[4] = {InvalidOid, InvalidOid, InvalidOid, InvalidOid};
};

// Registers a watch (a static object that lives as long as the backend).
void watch_relations(CacheWatch* w);
void register_relcache_callback();  // from _PG_init
// (Re)loads a backend cache: fetch(cxt) is plain PostgreSQL code that copies the tables into
// the temporary context cxt; build() turns that into the C++ cache and sets watch.relids.
// The watch is marked valid before reading, so an invalidation arriving meanwhile flips it
// back; any failure leaves it invalid, so the next call reads again.
template <typename Fetch, typename Build>
void reload_cache(CacheWatch& watch, Fetch&& fetch, Build&& build) {
    watch_relations(&watch);
    MemoryContext cxt = nullptr;
    watch.valid = true;
    try {
        OwnerScope as_owner;  // the tables are read as the extension's owner, whoever asks
        pg_call([&] {
            cxt = AllocSetContextCreate(CurrentMemoryContext, "pg_chargeback cache load", ALLOCSET_DEFAULT_SIZES);
            fetch(cxt);
        });
        build();
        MemoryContextDelete(cxt);
    } catch (...) {
        watch.valid = false;
        throw;
    }
}

// The OID of chargeback.<name> (InvalidOid when missing); plain PostgreSQL code.
Oid chargeback_relid(const char* name);

}  // namespace cb::pg
