#include "litellm_catalog.hpp"

#include "decimal.hpp"
#include "error.hpp"
#include "json_reader.hpp"
#include "provider.hpp"
#include "token_class.hpp"
#include "utf8.hpp"

#include <algorithm>
#include <map>
#include <optional>
#include <utility>

namespace cb::core {

namespace {

using json = nlohmann::json;

enum Tier : int { kStandard = 0, kBatch, kFlex, kPriority, kTierCount };
constexpr const char* kTierNames[kTierCount] = {"standard", "batch", "flex", "priority"};

struct TierSuffix {
    const char* suffix;
    Tier tier;
};
constexpr TierSuffix kTierSuffixes[] = {
    {"_batches", kBatch}, {"_flex", kFlex}, {"_priority", kPriority}};

// LiteLLM cost fields and the class each prices: per token (scaled to per 1M), or per unit
// (requests and queries per request, web searches per search). The image fields carry no tier
// suffix in LiteLLM, so a suffixed spelling is not recognised. search_context_cost_per_query
// is an object of prices by search context size: its medium size (the APIs' default) prices
// web_searches, and the low and high sizes are reported as not imported.
struct CostField {
    const char* base;
    TokenClass cls;
    bool standard_only;
    bool per_unit;
};
constexpr CostField kCostFields[] = {
    {"input_cost_per_token", TokenClass::input, false, false},
    {"output_cost_per_token", TokenClass::output, false, false},
    {"cache_read_input_token_cost", TokenClass::cache_read, false, false},
    {"input_cost_per_token_cache_hit", TokenClass::cache_read, false, false},  // DeepSeek's spelling
    {"cache_creation_input_token_cost", TokenClass::cache_write, false, false},
    {"cache_creation_input_token_cost_above_1hr", TokenClass::cache_write_1h, false, false},
    {"output_cost_per_reasoning_token", TokenClass::reasoning, false, false},
    {"input_cost_per_audio_token", TokenClass::audio_input, false, false},
    {"output_cost_per_audio_token", TokenClass::audio_output, false, false},
    {"input_cost_per_image_token", TokenClass::image_input, true, false},
    {"output_cost_per_image_token", TokenClass::image_output, true, false},
    {"input_cost_per_request", TokenClass::requests, false, true},
    {"input_cost_per_query", TokenClass::requests, false, true},  // rerank and search APIs
};
constexpr std::string_view kSearchContext = "search_context_cost_per_query";

// Why a cost field the import does not use is left out (the first pattern found wins).
constexpr std::pair<std::string_view, std::string_view> kUnusedReasons[] = {
    {"_per_second", "priced per second of media: no usage class for it"},
    {"_per_character", "priced per character: no usage class for it"},
    {"_per_pixel", "priced per pixel: no usage class for it"},
    {"_per_page", "priced per page: no usage class for it"},
    {"_per_credit", "priced per credit: no usage class for it"},
    {"_per_session", "priced per session: no usage class for it"},
    {"_per_gb", "priced per GB of storage: no usage class for it"},
    {"_per_1k", "priced per 1,000 calls or tokens of a tool: no usage class for it"},
    {"dbu_", "priced in Databricks units: not a currency"},
    {"_per_video", "priced per video token: no usage class for it"},
    {"audio_token_cost", "cached audio tokens: no usage class for them"},
    {"cost_per_image", "priced per image: no usage class for it"},
    {"_interval", "priced per media interval: no usage class for it"},
    {"uplift", "a regional uplift: the catalog has no region dimension"},
    {"provider_specific_entry", "a provider-specific variant (e.g. US-only inference): the catalog has no region dimension"},
};

struct FieldRef {
    TokenClass cls;
    Tier tier;
    int64_t threshold;  // min_prompt_tokens of the row the field prices
    bool per_unit;
};

bool ends_with(std::string_view s, std::string_view suffix) {
    return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

bool strip_tier(std::string_view& name, Tier& tier) {
    for (const TierSuffix& t : kTierSuffixes) {
        if (ends_with(name, t.suffix)) {
            name.remove_suffix(std::string_view(t.suffix).size());
            tier = t.tier;
            return true;
        }
    }
    return false;
}

// "_above_<N>k_tokens" -> N * 1000. "_above_1hr" (the cache TTL) is not a threshold.
bool strip_threshold(std::string_view& name, int64_t& threshold) {
    constexpr std::string_view kTail = "k_tokens", kAbove = "_above_";
    if (!ends_with(name, kTail)) return false;
    std::string_view head = name.substr(0, name.size() - kTail.size());
    size_t at = head.rfind(kAbove);
    if (at == std::string_view::npos) return false;
    std::string_view digits = head.substr(at + kAbove.size());
    if (digits.empty() || digits.size() > 12) return false;
    int64_t n = 0;
    for (char c : digits) {
        if (c < '0' || c > '9') return false;
        n = n * 10 + (c - '0');
    }
    if (n == 0) return false;
    threshold = n * 1000;
    name = head.substr(0, at);
    return true;
}

// Grammar: <base>[_above_<N>k_tokens][<tier>]; the tier is also accepted before the
// threshold, which costs nothing and guards against LiteLLM spelling it either way.
std::optional<FieldRef> classify_field(std::string_view name) {
    Tier tier = kStandard;
    int64_t threshold = 0;
    bool has_tier = strip_tier(name, tier);
    if (strip_threshold(name, threshold) && !has_tier) strip_tier(name, tier);
    for (const CostField& f : kCostFields) {
        if (name != f.base) continue;
        if (f.standard_only && tier != kStandard) return std::nullopt;
        return FieldRef{f.cls, tier, threshold, f.per_unit};
    }
    return std::nullopt;
}

std::string shown(const json& v) {
    std::string s = v.dump();
    // Cut at a character boundary: the text ends up in a WARNING, which must stay UTF-8.
    if (s.size() > 60) s = utf8_clip(s, 57) + "...";
    return s;
}

// A per-token cost as a per-1M rate in micro units: value * 1e12, rounded half up (a per-unit
// cost: value * 1e6). Integers and exact decimal text (read_json's non-integer numbers, or
// numeric strings) are accepted. *rounded says whether digits were lost.
std::optional<int64_t> per_million_micro(const json& v, const std::string& field, bool per_unit,
                                         std::string* reason, bool* rounded) {
    std::string text;
    if (v.is_number_integer()) text = v.dump();  // signed and unsigned integers
    else if (v.is_string()) text = v.get_ref<const std::string&>();
    else {
        *reason = field + " is not a number: " + shown(v);
        return std::nullopt;
    }
    bool overflow = false;
    auto d = parse_decimal(text, &overflow);
    if (!d) {
        *reason = field + " is not a number: " + shown(v);
        return std::nullopt;
    }
    if (d->negative) {
        *reason = field + " is negative: " + text;
        return std::nullopt;
    }
    const int scale = per_unit ? kRateScale : kRateScale + 6;
    std::optional<int128> m;
    if (!overflow) m = rescale(*d, scale, Rounding::half_up, kMaxRateMicro, &overflow);
    if (overflow || !m) {
        *reason = field + " is out of range: " + text +
                  (per_unit ? " (at most 999999999999.999999 per unit)" : " (at most 999999.999999999999 per token)");
        return std::nullopt;
    }
    bool ignored = false;
    *rounded = !rescale(*d, scale, Rounding::reject, kMaxRateMicro, &ignored);
    return static_cast<int64_t>(*m);
}

bool has_cost(const json& entry, const char* field) {
    auto it = entry.find(field);
    return it != entry.end() && !it->is_null();
}

std::string map_provider(std::string_view p) {
    // LiteLLM's routing names onto the catalog's providers, one per billing channel:
    // gemini (the Gemini API) -> google; vertex_ai and the open-ended vertex_ai-* family
    // (vertex_ai-language-models, vertex_ai-anthropic_models, ...) -> vertex_ai; azure (Azure
    // OpenAI) and azure_text -> azure; azure_ai (Azure AI Foundry: Claude, Llama, ... on
    // Azure) stays azure_ai. normalize_provider knows the rest.
    if (p.substr(0, 10) == "vertex_ai-" || p == "vertex_ai") return "vertex_ai";
    if (p == "gemini") return "google";
    if (p == "bedrock" || p == "bedrock_converse") return "bedrock";
    if (p == "azure" || p == "azure_text") return "azure";
    if (p == "azure_ai") return "azure_ai";
    if (p == "text-completion-openai") return "openai";
    if (p == "cohere_chat") return "cohere";
    return normalize_provider(p);
}

struct Row {
    Tier tier;
    int64_t threshold;
    TokenRates rates;
};

std::string row_key(const std::string& provider, const std::string& model, const Row& r) {
    std::string k = provider;
    k += '\0';
    k += model;
    k += '\0';
    k += kTierNames[r.tier];
    k += '\0';
    k += std::to_string(r.threshold);
    return k;
}

class Importer {
public:
    void entry(const std::string& key, const json& value);
    // Rows in key byte order (then tier, then threshold), whichever pass read their key.
    CatalogImport take() {
        std::stable_sort(out_.prices.begin(), out_.prices.end(),
                         [](const ImportedPrice& a, const ImportedPrice& b) { return a.entry < b.entry; });
        return std::move(out_);
    }

private:
    void problem(const std::string& key, std::string reason) {
        out_.skipped.push_back(ImportProblem{key, std::move(reason)});
    }
    void note(const std::string& key, std::string field, std::string reason) {
        out_.notes.push_back(ImportNote{key, std::move(field), std::move(reason)});
    }
    // Notes every cost-like field of an entry that is not imported (whole entry left out:
    // every one of them).
    void note_unused_fields(const std::string& key, const json& value, bool whole_entry);

    CatalogImport out_;
    std::map<std::string, size_t> seen_;  // row_key -> index in out_.prices
};

bool cost_like(std::string_view field) {
    return field.find("cost") != std::string_view::npos || field.find("uplift") != std::string_view::npos ||
           field == "provider_specific_entry";
}

void Importer::note_unused_fields(const std::string& key, const json& value, bool whole_entry) {
    for (auto it = value.begin(); it != value.end(); ++it) {
        const std::string& f = it.key();
        if (!cost_like(f) || it.value().is_null()) continue;
        if (!whole_entry && (classify_field(f) || f == kSearchContext)) continue;
        std::string_view reason = "not a price the catalog knows";
        for (const auto& [pattern, why] : kUnusedReasons)
            if (f.find(pattern) != std::string::npos) {
                reason = why;
                break;
            }
        note(key, f, whole_entry ? "entry not imported" : std::string(reason));
    }
}

void Importer::entry(const std::string& key, const json& value) {
    if (key == "sample_spec") return;  // LiteLLM's schema documentation, not a model
    if (!value.is_object()) {
        problem(key, "not a JSON object");
        return;
    }
    // Models priced only per image, second, character or page have nothing to import.
    if (!has_cost(value, "input_cost_per_token") && !has_cost(value, "output_cost_per_token") &&
        !has_cost(value, "input_cost_per_request") && !has_cost(value, "input_cost_per_query")) {
        note(key, "", "no per-token, per-request or per-query price");
        return;
    }

    auto prov = value.find("litellm_provider");
    if (prov == value.end() || prov->is_null()) {
        problem(key, "missing litellm_provider");
        return;
    }
    if (!prov->is_string()) {
        problem(key, "litellm_provider is not a string: " + shown(*prov));
        return;
    }
    std::string provider;
    try {
        provider = map_provider(prov->get_ref<const std::string&>());
    } catch (const Error&) {
        problem(key, "invalid litellm_provider " + shown(*prov));
        return;
    }

    // The key's first segment routes the call ("gemini/", "azure/"); what follows is the
    // model. A second '/' marks a regional or deployment variant ("bedrock/us-east-1/..."),
    // which the catalog has no column for. OpenRouter models are themselves "vendor/model".
    std::string_view model = key;
    if (provider == "openrouter") {
        if (model.substr(0, 11) == "openrouter/") model.remove_prefix(11);
    } else if (size_t slash = model.find('/'); slash != std::string_view::npos) {
        model.remove_prefix(slash + 1);
        if (model.find('/') != std::string_view::npos) {
            note(key, "", "a regional or deployment variant: the catalog has no region column");
            return;
        }
    }
    if (model.empty()) {
        problem(key, "no model name in the key");
        return;
    }

    // Validate every cost field before building anything, so that an entry is imported
    // whole or not at all.
    std::map<std::pair<int, int64_t>, TokenRates> groups;  // (tier, threshold) -> given rates
    std::vector<ImportNote> rounded;
    auto add = [&](const std::string& field, const json& v, FieldRef ref) -> bool {
        std::string reason;
        bool was_rounded = false;
        auto micro = per_million_micro(v, field, ref.per_unit, &reason, &was_rounded);
        if (!micro) {
            problem(key, std::move(reason));
            return false;
        }
        if (was_rounded)
            rounded.push_back(ImportNote{key, field,
                                         "rounded to 6 decimals " + std::string(ref.per_unit ? "per unit" : "per 1M tokens") +
                                             ": " + shown(v)});
        auto g = groups.try_emplace({ref.tier, ref.threshold}, empty_rates()).first;
        if (g->second.is_set(ref.cls) && g->second.micro[static_cast<int>(ref.cls)] != *micro) {
            problem(key, field + " disagrees with another spelling of the same price");
            return false;
        }
        g->second.set(ref.cls, *micro);
        return true;
    };
    for (auto it = value.begin(); it != value.end(); ++it) {
        if (it.value().is_null()) continue;
        if (it.key() == kSearchContext) {
            // {search_context_size_low, _medium, _high}: medium prices web_searches.
            if (!it.value().is_object()) {
                problem(key, std::string(kSearchContext) + " is not an object: " + shown(it.value()));
                return;
            }
            auto m = it.value().find("search_context_size_medium");
            if (m != it.value().end() && !m->is_null() &&
                !add(std::string(kSearchContext) + ".search_context_size_medium", *m,
                     FieldRef{TokenClass::web_searches, kStandard, 0, true}))
                return;
            for (const char* other : {"search_context_size_low", "search_context_size_high"})
                if (it.value().contains(other))
                    rounded.push_back(ImportNote{key, std::string(kSearchContext) + "." + other,
                                                 "web searches are priced at the medium search context size"});
            continue;
        }
        auto ref = classify_field(it.key());
        if (!ref) continue;
        if (!add(it.key(), it.value(), *ref)) return;
    }

    std::vector<Row> rows;
    for (int t = 0; t < kTierCount; ++t) {
        auto base = groups.find({t, 0});
        // A tier exists only where LiteLLM prices its input or output (or, for per-request
        // and per-query models, the request); classes it leaves out fall back within the tier
        // (token_rates' rules), never to the standard tier.
        if (base == groups.end() || !(base->second.is_set(TokenClass::input) ||
                                      base->second.is_set(TokenClass::output) ||
                                      base->second.is_set(TokenClass::requests)))
            continue;
        rows.push_back(Row{static_cast<Tier>(t), 0, base->second});
        // Long-context rows: a class without an _above_ price keeps the tier's normal one.
        for (auto it = groups.upper_bound({t, 0}); it != groups.end() && it->first.first == t;
             ++it) {
            TokenRates r = base->second;
            for (int c = 0; c < kTokenClassCount; ++c) {
                auto cls = static_cast<TokenClass>(c);
                if (it->second.is_set(cls)) r.set(cls, it->second.micro[c]);
            }
            rows.push_back(Row{static_cast<Tier>(t), it->first.second, r});
        }
    }

    // Two keys may name one catalog row ("openai/gpt-4o" and "gpt-4o"): identical prices
    // merge silently; different ones keep the first key and reject the later entry whole.
    // Keys that name their route ("vertex_ai/...", "gemini/...") come first (parse_litellm_-
    // catalog), so a bare key that disagrees with the routed key of its own channel is a
    // duplicate LiteLLM keeps for its default routing, often copied from another channel's
    // page: the routed key's prices stand and the bare key is noted, not a conflict.
    std::vector<std::string> keys;
    for (const Row& r : rows) {
        keys.push_back(row_key(provider, std::string(model), r));
        auto s = seen_.find(keys.back());
        if (s != seen_.end() && !rates_equal(out_.prices[s->second].rates, r.rates)) {
            const std::string& first = out_.prices[s->second].entry;
            if (key.find('/') == std::string::npos && first.find('/') != std::string::npos)
                note(key, "", "same " + provider + " model as " + first +
                                  ", whose prices are kept (the key that names its route)");
            else
                problem(key, "conflicts with " + first);
            return;
        }
    }
    for (size_t i = 0; i < rows.size(); ++i) {
        if (seen_.count(keys[i])) continue;
        seen_.emplace(keys[i], out_.prices.size());
        out_.prices.push_back(ImportedPrice{key, provider, std::string(model),
                                            kTierNames[rows[i].tier], rows[i].threshold,
                                            rows[i].rates});
    }
    for (ImportNote& n : rounded) out_.notes.push_back(std::move(n));
    note_unused_fields(key, value, false);
}

}  // namespace

CatalogImport parse_litellm_catalog(std::string_view json_text) {
    json doc = read_json(json_text);
    if (!doc.is_object())
        throw Error(sqlstate::invalid_parameter_value,
                    "LiteLLM price catalog must be a JSON object keyed by model name",
                    std::string("the document is a JSON ") + doc.type_name(),
                    "pass the contents of LiteLLM's model_prices_and_context_window.json");
    Importer importer;
    // nlohmann's object is a std::map: iteration is in key byte order, hence deterministic.
    // Keys that name their route ("gemini/...", "vertex_ai/...") go first: they are the
    // channel's own entries, and win over a bare key for the same catalog row.
    for (bool routed : {true, false})
        for (auto it = doc.begin(); it != doc.end(); ++it)
            if ((it.key().find('/') != std::string::npos) == routed) importer.entry(it.key(), it.value());
    return importer.take();
}

}  // namespace cb::core
