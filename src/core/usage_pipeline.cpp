#include "usage_pipeline.hpp"

#include "cost.hpp"
#include "error.hpp"
#include "provider.hpp"

#include <optional>
#include <string_view>

namespace cb::core {

namespace {

std::string attr_text(const nlohmann::json& attrs, const char* key) {
    auto it = attrs.find(key);
    if (it == attrs.end()) return {};
    if (it->is_string()) return it->get<std::string>();
    if (it->is_number_integer() || it->is_number_unsigned()) return it->dump();
    return {};
}

// The attrs that name an owner, a project or an activity are bounded like the columns they
// become (a long org_unit code is never a key, but it is looked up and logged).
void check_attr_lengths(const nlohmann::json& attrs) {
    if (!attrs.is_object()) return;
    for (const char* key : {"user", "principal", "project", "org_unit", "department", "activity_type", "activity_id"}) {
        auto it = attrs.find(key);
        if (it == attrs.end() || !it->is_string()) continue;
        const char* field = std::string_view(key) == "user" ? "principal" : key;
        check_field_length(field, it->get_ref<const std::string&>());
    }
}

// "200k" -> 200000, "1M" -> 1000000, "0" -> 0; nullopt for anything else.
std::optional<int64_t> window_bound(std::string_view t) {
    int64_t unit = 1;
    if (!t.empty() && (t.back() == 'k' || t.back() == 'K')) unit = 1000, t.remove_suffix(1);
    else if (!t.empty() && (t.back() == 'm' || t.back() == 'M')) unit = 1000000, t.remove_suffix(1);
    if (t.empty() || t.size() > 9) return std::nullopt;
    int64_t n = 0;
    for (char c : t) {
        if (c < '0' || c > '9') return std::nullopt;
        n = n * 10 + (c - '0');
    }
    return n * unit;
}

}  // namespace

int64_t priced_prompt_tokens(const TokenUsage& tokens, const nlohmann::json& attrs) {
    const int64_t prompt = prompt_tokens(tokens);
    if (!attrs.is_object()) return prompt;
    auto it = attrs.find("context_window");
    if (it == attrs.end() || !it->is_string()) return prompt;
    std::string_view w = it->get_ref<const std::string&>();
    size_t dash = w.find('-');
    if (dash == std::string_view::npos) return prompt;
    auto lo = window_bound(w.substr(0, dash)), hi = window_bound(w.substr(dash + 1));
    if (!lo || !hi || *hi <= *lo) return prompt;
    const int64_t floor = *lo > 0 ? *lo + 1 : 0;
    return prompt < floor ? floor : prompt > *hi ? *hi : prompt;
}

PricedUsage price_and_attribute(UsageRecord rec, Timestamp now, PriceCatalog& catalog,
                                const Attribution& owners, const RegexSearch& search,
                                const IngestLimits& limits) {
    check_field_length("provider", rec.provider);
    if (rec.provider.empty())
        throw Error(sqlstate::invalid_parameter_value, "usage record has no provider", {},
                    "say which provider served the request: \"provider\" in the envelope or canonical row");
    rec.provider = normalize_provider(rec.provider);
    if (rec.model.empty())
        throw Error(sqlstate::invalid_parameter_value, "usage record from " + rec.provider + " has no model", {},
                    "Bedrock Converse responses carry no model: give \"model\" in the envelope");
    check_field_length("model", rec.model);
    check_field_length("request_id", rec.request_id);
    check_field_length("service_tier", rec.service_tier);
    rec.service_tier = normalize_service_tier(rec.service_tier);
    if (!rec.occurred_at) rec.occurred_at = now;
    if (*rec.occurred_at < kMinUsageTime || *rec.occurred_at >= kMaxUsageTime)
        throw Error(sqlstate::invalid_parameter_value,
                    "occurred_at " + format_iso_timestamp(*rec.occurred_at) + " is outside 2000-2099", {},
                    "usage times are checked so that a wrong unit (ms for s) is caught, not booked");
    check_future_skew(*rec.occurred_at, limits.clock_now, limits.max_future_skew_seconds);
    if (!rec.attrs.is_object()) rec.attrs = nlohmann::json::object();
    check_attr_lengths(rec.attrs);

    PricedUsage out;
    out.principal = Attribution::principal_of(rec.attrs);
    out.owner = owners.resolve(rec.attrs, *rec.occurred_at);
    out.activity_type = attr_text(rec.attrs, "activity_type");
    out.activity_id = attr_text(rec.attrs, "activity_id");
    // What becomes a column, whatever it came from (an ownership rule's project too).
    check_field_length("principal", out.principal);
    check_field_length("project", out.owner.project);
    check_field_length("activity_type", out.activity_type);
    check_field_length("activity_id", out.activity_id);
    const PriceRow* row = catalog.find(rec.provider, rec.model, *rec.occurred_at, rec.service_tier,
                                       priced_prompt_tokens(rec.tokens, rec.attrs), search);
    if (row) {
        out.price_id = row->price_id;
        out.list_cost = cost_text(rec.tokens, row->rates);
        out.currency.assign(row->rates.currency, 3);
    }
    out.rec = std::move(rec);
    return out;
}

}  // namespace cb::core
