// From a parsed record to a row of chargeback.usage: validated, priced from the catalog,
// owned by an org unit. Pure C++: the glue only moves the result into PostgreSQL.
#pragma once
#include "pure.hpp"
#include "attribution.hpp"
#include "price_catalog.hpp"
#include "usage_limits.hpp"
#include "usage_record.hpp"

#include <string>

namespace cb::core {

struct PricedUsage {
    UsageRecord rec;           // provider normalized, service_tier normalized, occurred_at set
    std::string principal;     // "" = none
    Owner owner;
    std::string activity_type, activity_id;  // "" = none
    int64_t price_id = 0;      // 0 = unpriced
    std::string list_cost;     // exact decimal text, "" when unpriced
    std::string currency;      // "" when unpriced
    // rec.attrs as JSON text, once a row waits in a buffer (the bulk path): the text is about
    // the size of the payload, the parsed attrs a multiple of it. "" = use rec.attrs.
    std::string attrs_json;
};

// Earliest and latest times accepted for usage (years 2000 to 2099): outside is a mistake.
inline constexpr Timestamp kMinUsageTime = 0;                     // 2000-01-01
inline constexpr Timestamp kMaxUsageTime = 3155760000LL * 1000000;  // 2100-01-01

// The prompt size that picks a long-context price (min_prompt_tokens): the record's prompt
// (prompt_tokens()), unless its attrs carry a "context_window" bucket "<lo>-<hi>" ("0-200k",
// "200k-1M", as Anthropic's usage report groups them): an aggregated row sums many requests,
// so its prompt is clamped into the bucket, above lo (when lo > 0) and at most hi. A report
// row of 0-200k requests is then priced at the base row whatever its total, a 200k-1M row at
// the long-context one. chargeback.priced_prompt_tokens() in SQL (reprice) is the same rule.
int64_t priced_prompt_tokens(const TokenUsage& tokens, const nlohmann::json& attrs);


// Throws Error for a record that cannot be stored: 22023 for no provider, no model or a time
// outside the accepted range; 22001 for a text longer than its limit (kFieldLimits: provider,
// model, service_tier, request_id, and the attrs principal/user, project, org_unit,
// department, activity_type, activity_id); 22008 for a time more than
// limits.max_future_skew_seconds ahead of limits.clock_now. A record with no time takes `now`
// (the ingest time, the transaction's start).
PricedUsage price_and_attribute(UsageRecord rec, Timestamp now, PriceCatalog& catalog,
                                const Attribution& owners, const RegexSearch& search,
                                const IngestLimits& limits);

}  // namespace cb::core
