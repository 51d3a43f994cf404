// The backend-local price catalog: loaded from chargeback.price and chargeback.model_alias
// on first use, kept until a relcache invalidation of either table says it changed.
#pragma once
#include "guard.hpp"

#include "core/price_catalog.hpp"

namespace cb::pg {

// The current catalog, (re)loaded through SPI if stale. Call inside guarded().
cb::core::PriceCatalog& price_catalog();
// PostgreSQL's regex engine for model_alias patterns (through pg_call()).
bool pg_regex_search(const std::string& pattern, const std::string& text);

struct CatalogStats {
    uint64_t loads;
};
const CatalogStats& catalog_stats();

}  // namespace cb::pg
