// Price lookup from SQL: price_for(), price_id_for(), list_cost(), and the name normalisers.
#include "catalog_cache.hpp"
#include "datum.hpp"

#include "core/cost.hpp"
#include "core/provider.hpp"

using namespace cb::pg;

namespace {

// Arguments shared by the lookups: (provider, model, at, service_tier, ...).
struct LookupArgs {
    std::string_view provider, model, tier;
    TimestampTz at;
};

LookupArgs lookup_args(FunctionCallInfo fcinfo) {
    return {text_view(PG_GETARG_TEXT_PP(0)), text_view(PG_GETARG_TEXT_PP(1)),
            text_view(PG_GETARG_TEXT_PP(3)), PG_GETARG_TIMESTAMPTZ(2)};
}

const cb::core::PriceRow* find_price(const LookupArgs& a, int64 prompt_tokens) {
    std::string provider = cb::core::normalize_provider(a.provider);
    std::string tier = cb::core::normalize_service_tier(a.tier);
    return price_catalog().find(provider, a.model, a.at, tier, prompt_tokens, pg_regex_search);
}

}  // namespace

// price_for(provider, model, at, service_tier, prompt_tokens) -> token_rates (NULL if none)
CB_FUNCTION(cb_price_for) {
    LookupArgs a = lookup_args(fcinfo);
    int64 prompt = PG_GETARG_INT64(4);
    return guarded_nullable(fcinfo, [&]() -> std::optional<Datum> {
        const cb::core::PriceRow* row = find_price(a, prompt);
        if (!row) return std::nullopt;
        return rates_datum(row->rates);
    });
}

// price_id_for(provider, model, at, service_tier, prompt_tokens) -> bigint (NULL if none)
CB_FUNCTION(cb_price_id_for) {
    LookupArgs a = lookup_args(fcinfo);
    int64 prompt = PG_GETARG_INT64(4);
    return guarded_nullable(fcinfo, [&]() -> std::optional<Datum> {
        const cb::core::PriceRow* row = find_price(a, prompt);
        if (!row) return std::nullopt;
        return Int64GetDatum(row->price_id);
    });
}

// list_cost(provider, model, at, service_tier, tokens) -> numeric (NULL if unpriced): the
// catalog price of a request, with its prompt size choosing the long-context tier.
CB_FUNCTION(cb_list_cost) {
    LookupArgs a = lookup_args(fcinfo);
    const cb::core::TokenUsage* u = usage_arg(fcinfo, 4);
    return guarded_nullable(fcinfo, [&]() -> std::optional<Datum> {
        const cb::core::PriceRow* row = find_price(a, cb::core::prompt_tokens(*u));
        if (!row) return std::nullopt;
        return numeric_datum(cb::core::cost_text(*u, row->rates));
    });
}

// resolve_model(provider, model [, at]): the catalog name at `at` (default: the transaction's
// time, now()).
CB_FUNCTION(cb_resolve_model) {
    std::string_view provider = text_view(PG_GETARG_TEXT_PP(0));
    std::string_view model = text_view(PG_GETARG_TEXT_PP(1));
    const int64 at = PG_NARGS() > 2 ? PG_GETARG_TIMESTAMPTZ(2) : GetCurrentTransactionStartTimestamp();
    return guarded_nullable(fcinfo, [&]() -> std::optional<Datum> {
        const std::string* m = price_catalog().resolve_model(cb::core::normalize_provider(provider),
                                                             model, at, pg_regex_search);
        if (!m) return std::nullopt;
        return text_datum(*m);
    });
}

CB_FUNCTION(cb_normalize_provider) {
    std::string_view p = text_view(PG_GETARG_TEXT_PP(0));
    return guarded([&] { return text_datum(cb::core::normalize_provider(p)); });
}

CB_FUNCTION(cb_normalize_service_tier) {
    std::string_view t = text_view(PG_GETARG_TEXT_PP(0));
    return guarded([&] { return text_datum(cb::core::normalize_service_tier(t)); });
}

// cache_stats() -> (cache, loads, entries, lookups, hits): proves the catalog is cached.
CB_FUNCTION(cb_cache_stats) {
    ReturnSetInfo* rsinfo = reinterpret_cast<ReturnSetInfo*>(fcinfo->resultinfo);
    InitMaterializedSRF(fcinfo, 0);
    Datum values[5];
    bool nulls[5] = {false, false, false, false, false};
    uint64 entries = 0, lookups = 0, hits = 0;
    guarded([&] {
        cb::core::PriceCatalog& c = price_catalog();
        entries = c.price_count();
        hits = c.resolution_hits();
        lookups = c.resolutions() + hits;
        return Datum(0);
    });
    values[0] = CStringGetTextDatum("price");
    values[1] = Int64GetDatum(static_cast<int64>(catalog_stats().loads));
    values[2] = Int64GetDatum(static_cast<int64>(entries));
    values[3] = Int64GetDatum(static_cast<int64>(lookups));
    values[4] = Int64GetDatum(static_cast<int64>(hits));
    tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
    return Datum(0);
}
