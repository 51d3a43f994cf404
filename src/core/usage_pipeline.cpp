#include "usage_pipeline.hpp"

#include "cost.hpp"
#include "error.hpp"
#include "provider.hpp"

namespace cb::core {

namespace {

std::string attr_text(const nlohmann::json& attrs, const char* key) {
    auto it = attrs.find(key);
    if (it == attrs.end()) return {};
    if (it->is_string()) return it->get<std::string>();
    if (it->is_number_integer() || it->is_number_unsigned()) return it->dump();
    return {};
}

}  // namespace

PricedUsage price_and_attribute(UsageRecord rec, Timestamp now, PriceCatalog& catalog,
                                const Attribution& owners, const RegexSearch& search) {
    if (rec.provider.empty())
        throw Error(sqlstate::invalid_parameter_value, "usage record has no provider", {},
                    "say which provider served the request: \"provider\" in the envelope or canonical row");
    rec.provider = normalize_provider(rec.provider);
    if (rec.model.empty())
        throw Error(sqlstate::invalid_parameter_value, "usage record from " + rec.provider + " has no model", {},
                    "Bedrock Converse responses carry no model: give \"model\" in the envelope");
    if (rec.model.size() > 200)
        throw Error(sqlstate::invalid_parameter_value, "model name is longer than 200 characters");
    if (rec.request_id.size() > 500)
        throw Error(sqlstate::invalid_parameter_value, "request_id is longer than 500 characters");
    rec.service_tier = normalize_service_tier(rec.service_tier);
    if (!rec.occurred_at) rec.occurred_at = now;
    if (*rec.occurred_at < kMinUsageTime || *rec.occurred_at >= kMaxUsageTime)
        throw Error(sqlstate::invalid_parameter_value,
                    "occurred_at " + format_iso_timestamp(*rec.occurred_at) + " is outside 2000-2099", {},
                    "usage times are checked so that a wrong unit (ms for s) is caught, not booked");
    if (!rec.attrs.is_object()) rec.attrs = nlohmann::json::object();

    PricedUsage out;
    out.principal = Attribution::principal_of(rec.attrs);
    out.owner = owners.resolve(rec.attrs, *rec.occurred_at);
    out.activity_type = attr_text(rec.attrs, "activity_type");
    out.activity_id = attr_text(rec.attrs, "activity_id");
    const PriceRow* row = catalog.find(rec.provider, rec.model, *rec.occurred_at, rec.service_tier,
                                       prompt_tokens(rec.tokens), search);
    if (row) {
        out.price_id = row->price_id;
        out.list_cost = cost_text(rec.tokens, row->rates);
        out.currency.assign(row->rates.currency, 3);
    }
    out.rec = std::move(rec);
    return out;
}

}  // namespace cb::core
