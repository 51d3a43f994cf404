#include "price_catalog.hpp"

#include <algorithm>

namespace cb::core {

namespace {

bool all_digits(std::string_view s) {
    if (s.empty()) return false;
    for (char c : s)
        if (c < '0' || c > '9') return false;
    return true;
}

bool is_version_segment(std::string_view seg) {
    if (all_digits(seg)) return true;                               // 20250929, 2024, 08, 002
    if (seg.size() >= 2 && seg[0] == 'v' && all_digits(seg.substr(1))) return true;  // v1
    return seg == "latest";
}

// Bedrock cross-region inference profiles prefix the model id with a geography.
constexpr std::string_view kRegionPrefixes[] = {"us.", "eu.", "apac.", "global.", "us-gov.", "ca.", "jp.", "au."};

}  // namespace

bool is_version_suffix(std::string_view suffix) {
    if (suffix.empty()) return false;
    size_t start = 0;
    while (start <= suffix.size()) {
        size_t end = suffix.find_first_of("-:@", start);
        if (end == std::string_view::npos) end = suffix.size();
        if (!is_version_segment(suffix.substr(start, end - start))) return false;
        start = end + 1;
    }
    return true;
}

void PriceCatalog::add_price(PriceRow row) {
    auto& models = providers_[row.provider];
    auto& mp = models[row.model];
    auto& rows = mp.by_tier[row.service_tier];
    rows.push_back(std::move(row));
    ++price_count_;
}

void PriceCatalog::add_alias(ModelAlias alias) { aliases_.push_back(std::move(alias)); }

void PriceCatalog::finish() {
    std::stable_sort(aliases_.begin(), aliases_.end(), [](const ModelAlias& a, const ModelAlias& b) {
        if (a.priority != b.priority) return a.priority > b.priority;
        return a.alias_id < b.alias_id;
    });
    resolved_.clear();
}

std::vector<const std::string*> PriceCatalog::candidates_uncached(const std::string& provider, const std::string& name,
                                                                 const RegexSearch& search) const {
    auto pit = providers_.find(provider);
    const Models* models = pit == providers_.end() ? nullptr : &pit->second;

    std::vector<std::string> names{name};
    size_t slash = name.find('/');
    if (slash != std::string::npos && slash + 1 < name.size()) names.push_back(name.substr(slash + 1));
    for (size_t i = 0, n = names.size(); i < n; ++i)
        for (std::string_view rp : kRegionPrefixes)
            if (names[i].compare(0, rp.size(), rp) == 0 && names[i].size() > rp.size())
                names.push_back(names[i].substr(rp.size()));

    std::vector<const std::string*> out;
    auto add = [&](const std::string* m) {
        for (const std::string* o : out)
            if (*o == *m) return;
        out.push_back(m);
    };
    for (const std::string& cand : names) {
        if (models) {
            auto it = models->find(cand);
            if (it != models->end()) add(&it->first);
        }
        for (const ModelAlias& a : aliases_) {
            if (a.provider != provider) continue;
            if (search(a.pattern, cand)) add(&a.model);
        }
        if (!models) continue;
        // Catalog models that cand starts with, then a date or version suffix, longest first.
        for (size_t pos = cand.size(); pos-- > 0;) {
            char c = cand[pos];
            if (c != '-' && c != '@') continue;
            auto it = models->find(cand.substr(0, pos));
            if (it != models->end() && is_version_suffix(std::string_view(cand).substr(pos + 1))) add(&it->first);
        }
    }
    return out;
}

bool PriceCatalog::in_force(const Models& models, const std::string& model, int64_t at) const {
    auto it = models.find(model);
    if (it == models.end()) return false;  // an alias to a model with no price
    for (const auto& [tier, rows] : it->second.by_tier)
        for (const PriceRow& r : rows)
            if (r.valid_from <= at && at < r.valid_to) return true;
    return false;
}

const std::vector<const std::string*>& PriceCatalog::candidates(std::string_view provider, std::string_view model,
                                                               const RegexSearch& search) {
    std::string key;
    key.reserve(provider.size() + model.size() + 1);
    key.append(provider).push_back('\0');
    key.append(model);
    auto it = resolved_.find(key);
    if (it != resolved_.end()) {
        ++resolution_hits_;
        return it->second;
    }
    ++resolutions_;
    return resolved_.emplace(std::move(key), candidates_uncached(std::string(provider), std::string(model), search))
        .first->second;
}

const std::string* PriceCatalog::first_in_force(std::string_view provider, const std::vector<const std::string*>& names,
                                                int64_t at) const {
    if (names.empty()) return nullptr;
    auto pit = providers_.find(std::string(provider));
    if (pit == providers_.end()) return nullptr;
    for (const std::string* m : names)
        if (in_force(pit->second, *m, at)) return m;
    return nullptr;
}

const std::string* PriceCatalog::resolve_model(std::string_view provider, std::string_view model, int64_t at,
                                               const RegexSearch& search) {
    return first_in_force(provider, candidates(provider, model, search), at);
}

const PriceRow* PriceCatalog::pick(const std::vector<PriceRow>& rows, int64_t at, int64_t prompt) const {
    const PriceRow* best = nullptr;
    for (const PriceRow& r : rows) {
        if (at < r.valid_from || at >= r.valid_to) continue;
        if (r.min_prompt_tokens > 0 && prompt <= r.min_prompt_tokens) continue;
        if (!best || r.min_prompt_tokens > best->min_prompt_tokens) best = &r;
    }
    return best;
}

const PriceRow* PriceCatalog::find(std::string_view provider, std::string_view model, int64_t at,
                                   std::string_view tier, int64_t prompt_tokens,
                                   const RegexSearch& search) {
    const std::string* resolved = resolve_model(provider, model, at, search);
    if (!resolved) return nullptr;
    auto pit = providers_.find(std::string(provider));
    if (pit == providers_.end()) return nullptr;
    auto mit = pit->second.find(*resolved);
    if (mit == pit->second.end()) return nullptr;  // an alias to a model with no price
    const auto& by_tier = mit->second.by_tier;
    auto tit = by_tier.find(tier);
    if (tit != by_tier.end())
        if (const PriceRow* r = pick(tit->second, at, prompt_tokens)) return r;
    if (tier != "standard") {
        tit = by_tier.find("standard");
        if (tit != by_tier.end()) return pick(tit->second, at, prompt_tokens);
    }
    return nullptr;
}

}  // namespace cb::core
