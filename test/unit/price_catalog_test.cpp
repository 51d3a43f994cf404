// The in-memory price catalog and price resolution (src/core/price_catalog.hpp).
#include "core/price_catalog.hpp"

#include "core/token_rates.hpp"

#include <gtest/gtest.h>

#include <regex>
#include <string>

using cb::core::format_token_rates;
using cb::core::is_version_suffix;
using cb::core::kOpenEnded;
using cb::core::ModelAlias;
using cb::core::parse_token_rates;
using cb::core::PriceCatalog;
using cb::core::PriceRow;
using cb::core::RegexSearch;

namespace {

// The glue supplies PostgreSQL's regex engine; tests use std::regex (ECMAScript).
const RegexSearch kRegex = [](const std::string& pattern, const std::string& text) {
    return std::regex_search(text, std::regex(pattern));
};

// Microseconds; only the order matters.
constexpr int64_t kJan = 1000, kFeb = 2000, kMar = 3000, kApr = 4000;

int64_t g_next_id = 1;

PriceRow row(const std::string& provider, const std::string& model, const std::string& rates,
             const std::string& tier = "standard", int64_t min_prompt = 0, int64_t from = 0,
             int64_t to = kOpenEnded) {
    PriceRow r;
    r.price_id = g_next_id++;
    r.provider = provider;
    r.model = model;
    r.service_tier = tier;
    r.min_prompt_tokens = min_prompt;
    r.rates = parse_token_rates(rates);
    r.valid_from = from;
    r.valid_to = to;
    return r;
}

ModelAlias alias(const std::string& provider, const std::string& pattern, const std::string& model,
                 int32_t priority = 0) {
    ModelAlias a;
    a.alias_id = g_next_id++;
    a.provider = provider;
    a.pattern = pattern;
    a.model = model;
    a.priority = priority;
    return a;
}

std::string resolved(PriceCatalog& c, const std::string& provider, const std::string& model) {
    const std::string* r = c.resolve_model(provider, model, kFeb, kRegex);
    return r ? *r : "<none>";
}

// The rates of the row that prices the request, or "<none>".
std::string priced(PriceCatalog& c, const std::string& provider, const std::string& model,
                   int64_t at = kFeb, const std::string& tier = "standard", int64_t prompt = 1000) {
    const PriceRow* r = c.find(provider, model, at, tier, prompt, kRegex);
    return r ? format_token_rates(r->rates) : "<none>";
}

}  // namespace

TEST(PriceCatalog, IsVersionSuffix) {
    for (const char* yes : {"20250929", "2024-08-06", "002", "v1", "v1:0", "latest", "v2",
                            "20240620-v1:0", "001", "2024", "v10", "v1@latest"}) {
        EXPECT_TRUE(is_version_suffix(yes)) << yes;
    }
    for (const char* no : {"mini", "32k", "preview", "", "v", "V1", "2024-", "-2024", "2024--08",
                           "1106-preview", "latest-mini", "instruct", "turbo", "v1.0", "v1:"}) {
        EXPECT_FALSE(is_version_suffix(no)) << '"' << no << '"';
    }
}

TEST(PriceCatalog, ExactMatch) {
    PriceCatalog c;
    c.add_price(row("openai", "gpt-4o", "input=2.5 output=10"));
    c.add_price(row("openai", "gpt-4o-mini", "input=0.15 output=0.6"));
    c.finish();
    EXPECT_EQ(c.price_count(), 2u);
    EXPECT_EQ(resolved(c, "openai", "gpt-4o"), "gpt-4o");
    EXPECT_EQ(resolved(c, "openai", "gpt-4o-mini"), "gpt-4o-mini");
    EXPECT_EQ(priced(c, "openai", "gpt-4o"), "input=2.5 output=10 USD");
    // Models are per provider.
    EXPECT_EQ(resolved(c, "azure", "gpt-4o"), "<none>");
    EXPECT_EQ(priced(c, "azure", "gpt-4o"), "<none>");
}

TEST(PriceCatalog, UnknownModel) {
    PriceCatalog c;
    c.add_price(row("openai", "gpt-4o", "input=2.5 output=10"));
    c.finish();
    EXPECT_EQ(c.resolve_model("openai", "gpt-5", kFeb, kRegex), nullptr);
    EXPECT_EQ(c.find("openai", "gpt-5", kFeb, "standard", 10, kRegex), nullptr);
    EXPECT_EQ(c.find("nobody", "gpt-4o", kFeb, "standard", 10, kRegex), nullptr);
    EXPECT_EQ(c.find("openai", "", kFeb, "standard", 10, kRegex), nullptr);
    // A version-looking suffix on an unknown base does not help.
    EXPECT_EQ(c.resolve_model("openai", "gpt-5-2025-08-07", kFeb, kRegex), nullptr);
    // A non-version suffix does not match the shorter model.
    EXPECT_EQ(c.resolve_model("openai", "gpt-4o-mini", kFeb, kRegex), nullptr);
    EXPECT_EQ(c.resolve_model("openai", "gpt-4o-preview", kFeb, kRegex), nullptr);
    EXPECT_EQ(c.resolve_model("openai", "gpt-4o-", kFeb, kRegex), nullptr);
    EXPECT_EQ(c.resolve_model("openai", "gpt-4oo", kFeb, kRegex), nullptr);
}

TEST(PriceCatalog, VersionSuffixResolution) {
    PriceCatalog c;
    c.add_price(row("anthropic", "claude-sonnet-4-5", "input=3 output=15"));
    c.add_price(row("openai", "gpt-4o", "input=2.5 output=10"));
    c.add_price(row("google", "gemini-1.5-pro", "input=1.25 output=5"));
    c.finish();
    EXPECT_EQ(resolved(c, "anthropic", "claude-sonnet-4-5-20250929"), "claude-sonnet-4-5");
    EXPECT_EQ(resolved(c, "anthropic", "claude-sonnet-4-5@20250929"), "claude-sonnet-4-5");
    EXPECT_EQ(resolved(c, "anthropic", "claude-sonnet-4-5-latest"), "claude-sonnet-4-5");
    EXPECT_EQ(resolved(c, "openai", "gpt-4o-2024-08-06"), "gpt-4o");
    EXPECT_EQ(resolved(c, "google", "gemini-1.5-pro-002"), "gemini-1.5-pro");
    EXPECT_EQ(priced(c, "openai", "gpt-4o-2024-08-06"), "input=2.5 output=10 USD");
}

TEST(PriceCatalog, LongestPrefixWins) {
    PriceCatalog c;
    c.add_price(row("openai", "gpt-4o", "input=2.5 output=10"));
    c.add_price(row("openai", "gpt-4o-mini", "input=0.15 output=0.6"));
    c.finish();
    EXPECT_EQ(resolved(c, "openai", "gpt-4o-mini-2024-07-18"), "gpt-4o-mini");
    EXPECT_EQ(priced(c, "openai", "gpt-4o-mini-2024-07-18"), "input=0.15 output=0.6 USD");
    EXPECT_EQ(resolved(c, "openai", "gpt-4o-2024-05-13"), "gpt-4o");

    // Without gpt-4o-mini in the catalog, "mini-2024-07-18" is no version suffix of gpt-4o.
    PriceCatalog d;
    d.add_price(row("openai", "gpt-4o", "input=2.5 output=10"));
    d.finish();
    EXPECT_EQ(resolved(d, "openai", "gpt-4o-mini-2024-07-18"), "<none>");
}

TEST(PriceCatalog, ProviderPrefix) {
    PriceCatalog c;
    c.add_price(row("openai", "gpt-4o", "input=2.5 output=10"));
    c.add_price(row("openrouter", "openai/gpt-4o", "input=3 output=12"));
    c.finish();
    EXPECT_EQ(resolved(c, "openai", "openai/gpt-4o"), "gpt-4o");
    EXPECT_EQ(resolved(c, "openai", "openai/gpt-4o-2024-08-06"), "gpt-4o");
    // A catalog model with a slash matches exactly before any stripping.
    EXPECT_EQ(resolved(c, "openrouter", "openai/gpt-4o"), "openai/gpt-4o");
    EXPECT_EQ(resolved(c, "openai", "openai/"), "<none>");
}

TEST(PriceCatalog, BedrockRegionPrefix) {
    PriceCatalog c;
    c.add_price(row("bedrock", "anthropic.claude-sonnet-4-5-20250929-v1:0", "input=3 output=15"));
    c.add_price(row("bedrock", "anthropic.claude-haiku-4-5", "input=1 output=5"));
    c.finish();
    EXPECT_EQ(resolved(c, "bedrock", "us.anthropic.claude-sonnet-4-5-20250929-v1:0"),
              "anthropic.claude-sonnet-4-5-20250929-v1:0");
    EXPECT_EQ(resolved(c, "bedrock", "eu.anthropic.claude-sonnet-4-5-20250929-v1:0"),
              "anthropic.claude-sonnet-4-5-20250929-v1:0");
    EXPECT_EQ(resolved(c, "bedrock", "global.anthropic.claude-sonnet-4-5-20250929-v1:0"),
              "anthropic.claude-sonnet-4-5-20250929-v1:0");
    EXPECT_EQ(resolved(c, "bedrock", "apac.anthropic.claude-haiku-4-5-20251001-v1:0"),
              "anthropic.claude-haiku-4-5");
    // Provider prefix and region prefix together.
    EXPECT_EQ(resolved(c, "bedrock", "bedrock/us.anthropic.claude-haiku-4-5-20251001-v1:0"),
              "anthropic.claude-haiku-4-5");
    EXPECT_EQ(resolved(c, "bedrock", "us."), "<none>");
    EXPECT_EQ(resolved(c, "bedrock", "xx.anthropic.claude-haiku-4-5"), "<none>");
}

TEST(PriceCatalog, ExactBeatsAliasBeatsSuffix) {
    PriceCatalog c;
    c.add_price(row("openai", "gpt-4o", "input=2.5 output=10"));
    c.add_price(row("openai", "gpt-4o-2024-05-13", "input=5 output=15"));
    c.add_price(row("openai", "gpt-4-turbo", "input=10 output=30"));
    // Matches every gpt-4o* name.
    c.add_alias(alias("openai", "^gpt-4o", "gpt-4-turbo"));
    c.finish();
    EXPECT_EQ(c.alias_count(), 1u);
    // Exact: the dated model has its own row.
    EXPECT_EQ(resolved(c, "openai", "gpt-4o-2024-05-13"), "gpt-4o-2024-05-13");
    EXPECT_EQ(resolved(c, "openai", "gpt-4o"), "gpt-4o");
    // Alias before the version-suffix rule.
    EXPECT_EQ(resolved(c, "openai", "gpt-4o-2024-08-06"), "gpt-4-turbo");
    EXPECT_EQ(priced(c, "openai", "gpt-4o-2024-08-06"), "input=10 output=30 USD");
    // Aliases are per provider.
    EXPECT_EQ(resolved(c, "azure", "gpt-4o-2024-08-06"), "<none>");
}

TEST(PriceCatalog, AliasPriority) {
    PriceCatalog c;
    c.add_price(row("openai", "a", "input=1"));
    c.add_price(row("openai", "b", "input=2"));
    c.add_price(row("openai", "c", "input=3"));
    c.add_alias(alias("openai", "foo", "a", 1));
    c.add_alias(alias("openai", "foo-bar", "b", 10));
    c.add_alias(alias("openai", "foo", "c", 10));  // same priority as b, later id
    c.finish();
    EXPECT_EQ(resolved(c, "openai", "foo-bar-1"), "b");  // priority 10, lowest id
    EXPECT_EQ(resolved(c, "openai", "foo-baz"), "c");    // b does not match; c beats a
    EXPECT_EQ(resolved(c, "openai", "xfoo"), "c");       // a search, not a full match
    EXPECT_EQ(resolved(c, "openai", "bar"), "<none>");
}

TEST(PriceCatalog, AliasToModelWithoutPrice) {
    PriceCatalog c;
    c.add_price(row("openai", "gpt-4o", "input=2.5 output=10"));
    c.add_alias(alias("openai", "^my-", "nonexistent"));
    c.add_alias(alias("mistral", "^m", "mistral-large"));  // provider has no prices at all
    c.finish();
    // A name with no price in force is no resolution: the next rule is tried, and here none
    // gives a priced name.
    EXPECT_EQ(resolved(c, "openai", "my-model"), "<none>");
    EXPECT_EQ(priced(c, "openai", "my-model"), "<none>");
    EXPECT_EQ(resolved(c, "mistral", "m1"), "<none>");
    EXPECT_EQ(priced(c, "mistral", "m1"), "<none>");
}

TEST(PriceCatalog, EffectiveDating) {
    PriceCatalog c;
    c.add_price(row("openai", "gpt-4o", "input=5 output=15", "standard", 0, kJan, kMar));
    c.add_price(row("openai", "gpt-4o", "input=2.5 output=10", "standard", 0, kMar));  // open
    c.finish();
    EXPECT_EQ(priced(c, "openai", "gpt-4o", kJan - 1), "<none>");  // before the first row
    EXPECT_EQ(priced(c, "openai", "gpt-4o", kJan), "input=5 output=15 USD");  // inclusive
    EXPECT_EQ(priced(c, "openai", "gpt-4o", kFeb), "input=5 output=15 USD");
    EXPECT_EQ(priced(c, "openai", "gpt-4o", kMar - 1), "input=5 output=15 USD");
    EXPECT_EQ(priced(c, "openai", "gpt-4o", kMar), "input=2.5 output=10 USD");  // exclusive end
    EXPECT_EQ(priced(c, "openai", "gpt-4o", kApr), "input=2.5 output=10 USD");
    EXPECT_EQ(priced(c, "openai", "gpt-4o", INT64_MAX - 1), "input=2.5 output=10 USD");
}

TEST(PriceCatalog, GapInValidity) {
    PriceCatalog c;
    c.add_price(row("openai", "m", "input=1", "standard", 0, kJan, kFeb));
    c.add_price(row("openai", "m", "input=2", "standard", 0, kMar, kApr));
    c.finish();
    EXPECT_EQ(priced(c, "openai", "m", kJan), "input=1 USD");
    EXPECT_EQ(priced(c, "openai", "m", kFeb), "<none>");
    EXPECT_EQ(priced(c, "openai", "m", kMar), "input=2 USD");
    EXPECT_EQ(priced(c, "openai", "m", kApr), "<none>");
}

TEST(PriceCatalog, TierFallbackToStandard) {
    PriceCatalog c;
    c.add_price(row("openai", "gpt-4o", "input=2.5 output=10"));
    c.add_price(row("openai", "gpt-4o", "input=1.25 output=5", "batch", 0, kFeb, kMar));
    c.add_price(row("openai", "gpt-4o", "input=4.25 output=17", "priority", 0, kMar));
    c.finish();
    EXPECT_EQ(priced(c, "openai", "gpt-4o", kFeb, "batch"), "input=1.25 output=5 USD");
    // The batch row is not valid in April: standard prices it.
    EXPECT_EQ(priced(c, "openai", "gpt-4o", kApr, "batch"), "input=2.5 output=10 USD");
    // Priority has no row yet in February.
    EXPECT_EQ(priced(c, "openai", "gpt-4o", kFeb, "priority"), "input=2.5 output=10 USD");
    EXPECT_EQ(priced(c, "openai", "gpt-4o", kApr, "priority"), "input=4.25 output=17 USD");
    // A tier with no rows at all.
    EXPECT_EQ(priced(c, "openai", "gpt-4o", kFeb, "flex"), "input=2.5 output=10 USD");
    EXPECT_EQ(priced(c, "openai", "gpt-4o", kFeb, "standard"), "input=2.5 output=10 USD");

    // No standard row either: nothing prices it.
    PriceCatalog d;
    d.add_price(row("openai", "m", "input=1", "batch", 0, kJan, kFeb));
    d.finish();
    EXPECT_EQ(priced(d, "openai", "m", kJan, "batch"), "input=1 USD");
    EXPECT_EQ(priced(d, "openai", "m", kMar, "batch"), "<none>");
    EXPECT_EQ(priced(d, "openai", "m", kJan, "standard"), "<none>");
}

TEST(PriceCatalog, LongContextNeedsPromptToExceedThreshold) {
    PriceCatalog c;
    c.add_price(row("anthropic", "claude-sonnet-4-5", "input=3 output=15"));
    c.add_price(row("anthropic", "claude-sonnet-4-5", "input=6 output=22.5", "standard", 200000));
    c.add_price(row("anthropic", "claude-sonnet-4-5", "input=9 output=30", "standard", 1000000));
    c.finish();
    auto at = [&](int64_t prompt) {
        return priced(c, "anthropic", "claude-sonnet-4-5", kFeb, "standard", prompt);
    };
    EXPECT_EQ(at(0), "input=3 output=15 USD");
    EXPECT_EQ(at(199999), "input=3 output=15 USD");
    EXPECT_EQ(at(200000), "input=3 output=15 USD");  // must EXCEED 200000
    EXPECT_EQ(at(200001), "input=6 output=22.5 USD");
    EXPECT_EQ(at(1000000), "input=6 output=22.5 USD");
    EXPECT_EQ(at(1000001), "input=9 output=30 USD");  // the largest threshold exceeded
    EXPECT_EQ(at(INT64_MAX), "input=9 output=30 USD");
}

TEST(PriceCatalog, LongContextRespectsDatingAndTier) {
    PriceCatalog c;
    c.add_price(row("google", "gemini-2.5-pro", "input=1.25 output=10"));
    c.add_price(row("google", "gemini-2.5-pro", "input=2.5 output=15", "standard", 200000, kMar));
    c.add_price(row("google", "gemini-2.5-pro", "input=2 output=12", "priority"));
    c.finish();
    EXPECT_EQ(priced(c, "google", "gemini-2.5-pro", kFeb, "standard", 300000),
              "input=1.25 output=10 USD");  // long-context row not yet valid
    EXPECT_EQ(priced(c, "google", "gemini-2.5-pro", kApr, "standard", 300000),
              "input=2.5 output=15 USD");
    // The priority tier has a row, so its (only) row prices even a long prompt.
    EXPECT_EQ(priced(c, "google", "gemini-2.5-pro", kApr, "priority", 300000),
              "input=2 output=12 USD");
}

TEST(PriceCatalog, ResolutionCache) {
    PriceCatalog c;
    c.add_price(row("openai", "gpt-4o", "input=2.5 output=10"));
    c.finish();
    int regex_calls = 0;
    RegexSearch counting = [&](const std::string& p, const std::string& t) {
        ++regex_calls;
        return kRegex(p, t);
    };
    c.add_alias(alias("openai", "^never$", "gpt-4o"));
    c.finish();
    EXPECT_EQ(c.resolutions(), 0u);
    EXPECT_EQ(c.resolution_hits(), 0u);

    const std::string* first = c.resolve_model("openai", "gpt-4o-2024-08-06", kFeb, counting);
    ASSERT_NE(first, nullptr);
    EXPECT_EQ(*first, "gpt-4o");
    EXPECT_EQ(c.resolutions(), 1u);
    EXPECT_EQ(c.resolution_hits(), 0u);
    int calls_after_miss = regex_calls;
    EXPECT_GT(calls_after_miss, 0);

    const std::string* second = c.resolve_model("openai", "gpt-4o-2024-08-06", kFeb, counting);
    ASSERT_NE(second, nullptr);
    EXPECT_EQ(*second, "gpt-4o");
    EXPECT_EQ(c.resolutions(), 1u);
    EXPECT_EQ(c.resolution_hits(), 1u);
    EXPECT_EQ(regex_calls, calls_after_miss);  // a hit runs no regex

    // find() goes through the same cache.
    ASSERT_NE(c.find("openai", "gpt-4o-2024-08-06", kFeb, "standard", 10, counting), nullptr);
    EXPECT_EQ(c.resolution_hits(), 2u);

    // Misses are cached too.
    EXPECT_EQ(c.resolve_model("openai", "unknown", kFeb, counting), nullptr);
    EXPECT_EQ(c.resolutions(), 2u);
    EXPECT_EQ(c.resolve_model("openai", "unknown", kFeb, counting), nullptr);
    EXPECT_EQ(c.resolutions(), 2u);
    EXPECT_EQ(c.resolution_hits(), 3u);

    // The key is (provider, model): another provider is another entry.
    EXPECT_EQ(c.resolve_model("azure", "gpt-4o-2024-08-06", kFeb, counting), nullptr);
    EXPECT_EQ(c.resolutions(), 3u);

    // finish() (a reload) empties the cache but keeps the counters.
    c.finish();
    EXPECT_NE(c.resolve_model("openai", "gpt-4o-2024-08-06", kFeb, counting), nullptr);
    EXPECT_EQ(c.resolutions(), 4u);

    // Pointers from the cache stay valid while it grows.
    const std::string* keep = c.resolve_model("openai", "gpt-4o", kFeb, counting);
    for (int i = 0; i < 2000; ++i) c.resolve_model("openai", "gpt-4o-" + std::to_string(i), kFeb, counting);
    EXPECT_EQ(*keep, "gpt-4o");
}

TEST(PriceCatalog, ProviderAndModelDoNotCollideInCacheKey) {
    PriceCatalog c;
    c.add_price(row("ab", "c", "input=1"));
    c.add_price(row("a", "bc", "input=2"));
    c.finish();
    EXPECT_EQ(priced(c, "ab", "c"), "input=1 USD");
    EXPECT_EQ(priced(c, "a", "bc"), "input=2 USD");
    EXPECT_EQ(priced(c, "ab", "c"), "input=1 USD");
    EXPECT_EQ(priced(c, "a", "bc"), "input=2 USD");
}

// A name counts only where it has a price in force: a dated name priced from March must not
// unprice February usage that the undated name priced (issue: history lost its price after
// set_price on the dated name). At and after March the dated row wins; before January
// neither name has a price.
TEST(PriceCatalog, ResolutionConsidersOnlyNamesInForce) {
    PriceCatalog c;
    c.add_price(row("anthropic", "claude-sonnet-4-5", "input=3 output=15", "standard", 0, kJan));
    c.add_price(row("anthropic", "claude-sonnet-4-5-20250929", "input=4 output=20", "standard", 0, kMar));
    c.finish();
    const std::string dated = "claude-sonnet-4-5-20250929";
    EXPECT_EQ(*c.resolve_model("anthropic", dated, kFeb, kRegex), "claude-sonnet-4-5");
    EXPECT_EQ(priced(c, "anthropic", dated, kFeb), "input=3 output=15 USD");
    EXPECT_EQ(*c.resolve_model("anthropic", dated, kMar - 1, kRegex), "claude-sonnet-4-5");
    EXPECT_EQ(*c.resolve_model("anthropic", dated, kMar, kRegex), dated);  // valid_from is inclusive
    EXPECT_EQ(priced(c, "anthropic", dated, kApr), "input=4 output=20 USD");
    EXPECT_EQ(c.resolve_model("anthropic", dated, kJan - 1, kRegex), nullptr);
    EXPECT_EQ(priced(c, "anthropic", dated, kJan - 1), "<none>");
    // An alias to a model with no price in force falls through to the next rule too.
    c.add_alias(alias("anthropic", "^claude-sonnet-4-5-2025", "claude-retired"));
    c.finish();
    EXPECT_EQ(*c.resolve_model("anthropic", dated, kFeb, kRegex), "claude-sonnet-4-5");
}
