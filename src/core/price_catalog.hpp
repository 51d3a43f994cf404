// The price catalog in memory, and price resolution: which catalog row prices a request
// reported as (provider, model, time, service tier, prompt size).
//
// Model resolution at a time, first hit wins, for the reported name and then for the name
// without a provider prefix ("openai/gpt-4o") or a Bedrock cross-region prefix ("us."); a
// catalog model counts only if it has a price (any tier) in force at that time, else the
// next rule is tried (a dated name priced from January must not unprice December usage that
// the undated name priced):
//   1. the exact catalog model;
//   2. model_alias rows of the provider, highest priority first (a regex search);
//   3. the longest catalog model that the name starts with, followed by '-' or '@' and a
//      date or version suffix (claude-sonnet-4-5-20250929 -> claude-sonnet-4-5,
//      gpt-4o-2024-08-06 -> gpt-4o, gemini-1.5-pro-002 -> gemini-1.5-pro).
// The candidate names, in rule order, are cached per (provider, model). Tier: the requested tier's row valid at
// that time, else the standard tier's. Long context: the row with the largest
// min_prompt_tokens that the prompt exceeds.
#pragma once
#include "pure.hpp"
#include "token_rates.hpp"

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace cb::core {

inline constexpr int64_t kOpenEnded = INT64_MAX;  // valid_to IS NULL

struct PriceRow {
    int64_t price_id = 0;
    std::string provider, model, service_tier;
    int64_t min_prompt_tokens = 0;
    TokenRates rates{};
    int64_t valid_from = 0;  // microseconds, PostgreSQL TimestampTz
    int64_t valid_to = kOpenEnded;
};

struct ModelAlias {
    int64_t alias_id = 0;
    std::string provider, pattern, model;
    int32_t priority = 0;
};

// Regex search of pattern in text; the glue supplies PostgreSQL's regex engine.
using RegexSearch = std::function<bool(const std::string& pattern, const std::string& text)>;

// True for suffixes such as 20250929, 2024-08-06, 002, v1, v1:0, latest.
bool is_version_suffix(std::string_view suffix);

class PriceCatalog {
public:
    void add_price(PriceRow row);
    void add_alias(ModelAlias alias);
    void finish();  // orders aliases; call once after loading

    // The catalog model a reported name resolves to at `at`, or nullptr: the first of
    // candidates() with a price in force then. A caller resolving many rows of one name keeps
    // the candidates and calls first_in_force() per row.
    const std::string* resolve_model(std::string_view provider, std::string_view model, int64_t at,
                                     const RegexSearch& search);
    // The catalog names the rules give for (provider, model), in rule order, cached; the
    // reference stays valid until finish().
    const std::vector<const std::string*>& candidates(std::string_view provider, std::string_view model,
                                                      const RegexSearch& search);
    const std::string* first_in_force(std::string_view provider, const std::vector<const std::string*>& names,
                                      int64_t at) const;
    // The row that prices the request, or nullptr. provider and tier must be normalized.
    const PriceRow* find(std::string_view provider, std::string_view model, int64_t at,
                         std::string_view tier, int64_t prompt_tokens, const RegexSearch& search);

    size_t price_count() const { return price_count_; }
    size_t alias_count() const { return aliases_.size(); }
    uint64_t resolutions() const { return resolutions_; }        // names resolved (cache misses)
    uint64_t resolution_hits() const { return resolution_hits_; }

private:
    struct ModelPrices {
        std::map<std::string, std::vector<PriceRow>, std::less<>> by_tier;
    };
    using Models = std::unordered_map<std::string, ModelPrices>;

    const PriceRow* pick(const std::vector<PriceRow>& rows, int64_t at, int64_t prompt) const;
    // Every catalog name the rules give for a reported name, in rule order, once each.
    std::vector<const std::string*> candidates_uncached(const std::string& provider, const std::string& name,
                                                        const RegexSearch& search) const;
    bool in_force(const Models& models, const std::string& model, int64_t at) const;

    std::unordered_map<std::string, Models> providers_;
    std::vector<ModelAlias> aliases_;
    // provider '\0' reported model -> its candidate catalog names (see candidates())
    std::unordered_map<std::string, std::vector<const std::string*>> resolved_;
    size_t price_count_ = 0;
    uint64_t resolutions_ = 0, resolution_hits_ = 0;
};

}  // namespace cb::core
