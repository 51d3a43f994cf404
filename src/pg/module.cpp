// Module entry: the magic block and backend start-up registration.
#include "catalog_cache.hpp"

extern "C" {
PG_MODULE_MAGIC;
void _PG_init(void);
}

void _PG_init(void) { cb::pg::register_catalog_invalidation(); }
