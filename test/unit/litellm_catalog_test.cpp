#include "core/litellm_catalog.hpp"

#include "core/error.hpp"

#include <gtest/gtest.h>

#include "fixtures.hpp"

#include <fstream>
#include <sstream>
#include <string>

using cb::core::CatalogImport;
using cb::core::ImportedPrice;
using cb::core::ImportNote;
using cb::core::format_token_rates;
using cb::core::parse_litellm_catalog;

namespace {

// The fixture sits next to this directory; the build may point elsewhere with CB_FIXTURE_DIR.
using cb_test::fixture_path;
using cb_test::read_file;

const ImportedPrice* find(const CatalogImport& c, const std::string& provider,
                          const std::string& model, const std::string& tier = "standard",
                          int64_t min_prompt_tokens = 0) {
    for (const auto& p : c.prices)
        if (p.provider == provider && p.model == model && p.service_tier == tier &&
            p.min_prompt_tokens == min_prompt_tokens)
            return &p;
    return nullptr;
}

std::string rates(const CatalogImport& c, const std::string& provider, const std::string& model,
                  const std::string& tier = "standard", int64_t min_prompt_tokens = 0) {
    const ImportedPrice* p = find(c, provider, model, tier, min_prompt_tokens);
    return p ? format_token_rates(p->rates) : "<missing>";
}

std::string problem_for(const CatalogImport& c, const std::string& entry) {
    for (const auto& p : c.skipped)
        if (p.entry == entry) return p.reason;
    return "";
}

bool imports_entry(const CatalogImport& c, const std::string& entry) {
    for (const auto& p : c.prices)
        if (p.entry == entry) return true;
    return false;
}

}  // namespace

TEST(LiteLLMCatalog, PerTokenFloatLexemesBecomeExactPerMillionRates) {
    auto c = parse_litellm_catalog(R"({
        "m1": {"litellm_provider": "openai", "input_cost_per_token": 3e-06,
               "output_cost_per_token": 1.5e-05, "cache_read_input_token_cost": 1.25e-07},
        "m2": {"litellm_provider": "openai", "input_cost_per_token": 0.0000025,
               "output_cost_per_token": 3.75e-06, "output_cost_per_reasoning_token": 3.75E-6},
        "m3": {"litellm_provider": "openai", "input_cost_per_token": "2.1875e-06",
               "output_cost_per_token": 0},
        "m4": {"litellm_provider": "openai", "input_cost_per_token": 1.59263611e-07,
               "output_cost_per_token": 1.0000005e-12}
    })");
    ASSERT_TRUE(c.skipped.empty());
    EXPECT_EQ(rates(c, "openai", "m1"), "input=3 cache_read=0.125 output=15 USD");
    EXPECT_EQ(rates(c, "openai", "m2"), "input=2.5 output=3.75 reasoning=3.75 USD");
    // Numeric strings are read the same way; an integer 0 is a real (free) price.
    EXPECT_EQ(rates(c, "openai", "m3"), "input=2.1875 output=0 USD");
    // Beyond 6 decimals per 1M the rate rounds half up: 0.159263611 -> 0.159264,
    // 0.0000010000005 -> 0.000001.
    EXPECT_EQ(rates(c, "openai", "m4"), "input=0.159264 output=0.000001 USD");
    for (const auto& p : c.prices) EXPECT_EQ(p.rates.currency_code(), "USD");
}

TEST(LiteLLMCatalog, RoundsHalfUp) {
    auto c = parse_litellm_catalog(R"({
        "m": {"litellm_provider": "openai", "input_cost_per_token": 5e-13,
              "output_cost_per_token": 4.9999e-13}
    })");
    ASSERT_EQ(c.prices.size(), 1u);
    EXPECT_EQ(c.prices[0].rates.micro[static_cast<int>(cb::core::TokenClass::input)], 1);
    EXPECT_EQ(c.prices[0].rates.micro[static_cast<int>(cb::core::TokenClass::output)], 0);
    EXPECT_TRUE(c.prices[0].rates.is_set(cb::core::TokenClass::output));
}

TEST(LiteLLMCatalog, ServiceTiers) {
    auto c = parse_litellm_catalog(read_file(fixture_path("litellm_catalog_sample.json")));
    EXPECT_EQ(rates(c, "openai", "gpt-4o"), "input=2.5 cache_read=1.25 output=10 web_searches=0.035 USD");
    // Classes a tier does not price are not copied from standard: batch has no cache_read.
    EXPECT_EQ(rates(c, "openai", "gpt-4o", "batch"), "input=1.25 output=5 USD");
    EXPECT_EQ(rates(c, "openai", "gpt-4o", "priority"),
              "input=4.25 cache_read=2.125 output=17 USD");
    EXPECT_EQ(find(c, "openai", "gpt-4o", "flex"), nullptr);

    EXPECT_EQ(rates(c, "openai", "gpt-5"), "input=1.25 cache_read=0.125 output=10 USD");
    EXPECT_EQ(rates(c, "openai", "gpt-5", "flex"), "input=0.625 cache_read=0.0625 output=5 USD");
    EXPECT_EQ(rates(c, "openai", "gpt-5", "priority"), "input=2.5 cache_read=0.25 output=20 USD");
    EXPECT_EQ(find(c, "openai", "gpt-5", "batch"), nullptr);
}

TEST(LiteLLMCatalog, TierExistsOnlyWithItsInputOrOutputPrice) {
    auto c = parse_litellm_catalog(R"({
        "m": {"litellm_provider": "openai", "input_cost_per_token": 2e-06,
              "output_cost_per_token": 8e-06, "cache_read_input_token_cost": 5e-07,
              "cache_read_input_token_cost_flex": 2.5e-07,
              "output_cost_per_token_batches": 4e-06}
    })");
    ASSERT_TRUE(c.skipped.empty());
    EXPECT_EQ(find(c, "openai", "m", "flex"), nullptr);
    // An output-only tier is a tier; its input falls back to nothing (token_rates rules).
    EXPECT_EQ(rates(c, "openai", "m", "batch"), "output=4 USD");
    EXPECT_EQ(c.prices.size(), 2u);
}

TEST(LiteLLMCatalog, LongContextRowsCopyUnlistedClasses) {
    auto c = parse_litellm_catalog(read_file(fixture_path("litellm_catalog_sample.json")));
    EXPECT_EQ(rates(c, "anthropic", "claude-sonnet-4-5"),
              "input=3 cache_read=0.3 cache_write=3.75 cache_write_1h=6 output=15 web_searches=0.01 USD");
    EXPECT_EQ(rates(c, "anthropic", "claude-sonnet-4-5", "standard", 200000),
              "input=6 cache_read=0.6 cache_write=7.5 cache_write_1h=12 output=22.5 web_searches=0.01 USD");
    const ImportedPrice* p = find(c, "anthropic", "claude-sonnet-4-5", "standard", 200000);
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(p->entry, "claude-sonnet-4-5");

    EXPECT_EQ(rates(c, "google", "gemini-2.5-pro"), "input=1.25 cache_read=0.125 output=10 web_searches=0.035 USD");
    EXPECT_EQ(rates(c, "google", "gemini-2.5-pro", "standard", 200000),
              "input=2.5 cache_read=0.25 output=15 web_searches=0.035 USD");
    // _above_200k_tokens_priority prices the priority tier's long-context row.
    EXPECT_EQ(rates(c, "google", "gemini-2.5-pro", "priority"), "input=1.25 output=10 USD");
    EXPECT_EQ(rates(c, "google", "gemini-2.5-pro", "priority", 200000), "input=2.5 output=15 USD");

    auto d = parse_litellm_catalog(R"({
        "gemini-1.5-pro": {"litellm_provider": "vertex_ai-language-models",
            "input_cost_per_token": 1.25e-06, "output_cost_per_token": 5e-06,
            "input_cost_per_audio_token": 3.125e-06,
            "input_cost_per_token_above_128k_tokens": 2.5e-06,
            "input_cost_per_character_above_128k_tokens": 6.25e-07}
    })");
    ASSERT_TRUE(d.skipped.empty());
    ASSERT_EQ(d.prices.size(), 2u);
    EXPECT_EQ(rates(d, "vertex_ai", "gemini-1.5-pro", "standard", 128000),
              "input=2.5 output=5 audio_input=3.125 USD");
}

TEST(LiteLLMCatalog, CacheFields) {
    auto c = parse_litellm_catalog(read_file(fixture_path("litellm_catalog_sample.json")));
    EXPECT_EQ(rates(c, "anthropic", "claude-haiku-4-5"),
              "input=1 cache_read=0.1 cache_write=1.25 cache_write_1h=2 output=5 USD");
    EXPECT_EQ(rates(c, "bedrock", "anthropic.claude-haiku-4-5-20251001-v1:0"),
              "input=1 cache_read=0.1 cache_write=1.25 output=5 USD");
    EXPECT_EQ(rates(c, "vertex_ai", "gemini-2.5-flash"),
              "input=0.3 cache_read=0.03 output=2.5 reasoning=2.5 audio_input=1 USD");
}

TEST(LiteLLMCatalog, ImageAndAudioTokenFields) {
    auto c = parse_litellm_catalog(R"({
        "m": {"litellm_provider": "azure_ai", "input_cost_per_token": 5e-06,
              "output_cost_per_token": 1e-05, "input_cost_per_image_token": 8e-06,
              "output_cost_per_image_token": 4.7e-05, "output_cost_per_audio_token": 2e-05,
              "input_cost_per_token_batches": 2.5e-06,
              "input_cost_per_image_token_batches": 4e-06}
    })");
    ASSERT_TRUE(c.skipped.empty());
    EXPECT_EQ(rates(c, "azure_ai", "m"),
              "input=5 output=10 audio_output=20 image_input=8 image_output=47 USD");
    EXPECT_EQ(rates(c, "azure_ai", "m", "batch"), "input=2.5 USD");
}

TEST(LiteLLMCatalog, ProvidersAndPrefixStripping) {
    auto c = parse_litellm_catalog(read_file(fixture_path("litellm_catalog_sample.json")));
    EXPECT_NE(find(c, "google", "gemini-2.5-pro"), nullptr);
    EXPECT_NE(find(c, "vertex_ai", "gemini-2.5-flash"), nullptr);  // vertex_ai-language-models
    EXPECT_EQ(rates(c, "azure", "gpt-4o-mini"), "input=0.165 cache_read=0.075 output=0.66 USD");
    EXPECT_EQ(rates(c, "openrouter", "anthropic/claude-sonnet-4.5"), "input=3 output=15 USD");
    // Regional variants are skipped silently.
    EXPECT_FALSE(imports_entry(c, "bedrock/us-east-1/anthropic.claude-3-5-sonnet-20240620-v1:0"));
    EXPECT_EQ(problem_for(c, "bedrock/us-east-1/anthropic.claude-3-5-sonnet-20240620-v1:0"), "");
    // Image models priced per image are not problems, just not imported.
    EXPECT_FALSE(imports_entry(c, "dall-e-3"));
    EXPECT_EQ(problem_for(c, "dall-e-3"), "");

    auto d = parse_litellm_catalog(R"({
        "azure/gpt-4o": {"litellm_provider": "azure", "input_cost_per_token": 2.5e-06},
        "vertex_ai/claude-sonnet-4-5": {"litellm_provider": "vertex_ai-anthropic_models",
                                        "input_cost_per_token": 3e-06},
        "command-r": {"litellm_provider": "cohere_chat", "input_cost_per_token": 1.5e-07},
        "gpt-3.5-turbo-instruct": {"litellm_provider": "text-completion-openai",
                                   "input_cost_per_token": 1.5e-06},
        "writer.palmyra-x5-v1:0": {"litellm_provider": "bedrock_converse",
                                   "input_cost_per_token": 6e-07},
        "deepseek-chat": {"litellm_provider": "DeepSeek", "input_cost_per_token": 2.8e-07},
        "no-provider": {"input_cost_per_token": 1e-06},
        "bad-provider": {"litellm_provider": "not a provider!", "input_cost_per_token": 1e-06},
        "number-provider": {"litellm_provider": 7, "input_cost_per_token": 1e-06},
        "openrouter/openai/gpt-4o": {"litellm_provider": "openrouter",
                                     "output_cost_per_token": 1e-05}
    })");
    EXPECT_NE(find(d, "azure", "gpt-4o"), nullptr);
    EXPECT_NE(find(d, "vertex_ai", "claude-sonnet-4-5"), nullptr);  // Claude on Vertex AI
    EXPECT_NE(find(d, "cohere", "command-r"), nullptr);
    EXPECT_NE(find(d, "openai", "gpt-3.5-turbo-instruct"), nullptr);
    EXPECT_NE(find(d, "bedrock", "writer.palmyra-x5-v1:0"), nullptr);
    EXPECT_NE(find(d, "deepseek", "deepseek-chat"), nullptr);
    EXPECT_NE(find(d, "openrouter", "openai/gpt-4o"), nullptr);
    EXPECT_EQ(problem_for(d, "no-provider"), "missing litellm_provider");
    EXPECT_NE(problem_for(d, "bad-provider").find("invalid litellm_provider"), std::string::npos);
    EXPECT_NE(problem_for(d, "number-provider").find("litellm_provider"), std::string::npos);
    EXPECT_EQ(d.skipped.size(), 3u);
    EXPECT_EQ(d.prices.size(), 7u);
}

TEST(LiteLLMCatalog, BadCostsSkipTheWholeEntry) {
    auto c = parse_litellm_catalog(read_file(fixture_path("litellm_catalog_sample.json")));
    std::string neg = problem_for(c, "broken-negative-cost-model");
    EXPECT_NE(neg.find("input_cost_per_token"), std::string::npos) << neg;
    EXPECT_NE(neg.find("-1e-06"), std::string::npos) << neg;
    EXPECT_NE(neg.find("negative"), std::string::npos) << neg;
    std::string text = problem_for(c, "broken-text-cost-model");
    EXPECT_NE(text.find("input_cost_per_token"), std::string::npos) << text;
    EXPECT_NE(text.find("abc"), std::string::npos) << text;
    // Its valid output price is not imported either.
    EXPECT_FALSE(imports_entry(c, "broken-negative-cost-model"));
    EXPECT_FALSE(imports_entry(c, "broken-text-cost-model"));
    EXPECT_EQ(c.skipped.size(), 2u);

    auto d = parse_litellm_catalog(R"({
        "bool": {"litellm_provider": "openai", "input_cost_per_token": 1e-06,
                 "output_cost_per_token": true},
        "object": {"litellm_provider": "openai", "input_cost_per_token": 1e-06,
                   "cache_read_input_token_cost": {"a": 1}},
        "huge": {"litellm_provider": "openai", "input_cost_per_token": 1e+30},
        "huge-int": {"litellm_provider": "openai", "input_cost_per_token": 100000000000000000000},
        "neg-int": {"litellm_provider": "openai", "input_cost_per_token": 1e-06,
                    "output_cost_per_token_priority": -2},
        "neg-tier-only": {"litellm_provider": "openai", "input_cost_per_token": 1e-06,
                          "input_cost_per_token_above_200k_tokens": "-0.5"},
        "not-object": 42,
        "ok": {"litellm_provider": "openai", "input_cost_per_token": 1e-06,
               "output_cost_per_token": null}
    })");
    EXPECT_NE(problem_for(d, "bool").find("output_cost_per_token is not a number: true"),
              std::string::npos);
    EXPECT_NE(problem_for(d, "object").find("cache_read_input_token_cost is not a number"),
              std::string::npos);
    EXPECT_NE(problem_for(d, "huge").find("out of range"), std::string::npos);
    EXPECT_NE(problem_for(d, "huge-int").find("out of range"), std::string::npos);
    EXPECT_NE(problem_for(d, "neg-int").find("output_cost_per_token_priority is negative: -2"),
              std::string::npos);
    EXPECT_NE(problem_for(d, "neg-tier-only").find("negative"), std::string::npos);
    EXPECT_EQ(problem_for(d, "not-object"), "not a JSON object");
    EXPECT_EQ(d.skipped.size(), 7u);
    ASSERT_EQ(d.prices.size(), 1u);
    EXPECT_EQ(d.prices[0].entry, "ok");
    EXPECT_EQ(format_token_rates(d.prices[0].rates), "input=1 USD");
}

TEST(LiteLLMCatalog, TierSuffixBeforeOrAfterThreshold) {
    auto c = parse_litellm_catalog(R"({
        "a": {"litellm_provider": "google", "input_cost_per_token": 1e-06,
              "input_cost_per_token_priority": 2e-06,
              "input_cost_per_token_priority_above_200k_tokens": 4e-06},
        "b": {"litellm_provider": "google", "input_cost_per_token": 1e-06,
              "input_cost_per_token_priority": 2e-06,
              "input_cost_per_token_priority_above_200k_tokens": 4e-06,
              "input_cost_per_token_above_200k_tokens_priority": 5e-06}
    })");
    EXPECT_EQ(rates(c, "google", "a", "priority", 200000), "input=4 USD");
    EXPECT_NE(problem_for(c, "b").find("disagrees"), std::string::npos);
    EXPECT_FALSE(imports_entry(c, "b"));
}

TEST(LiteLLMCatalog, Conflicts) {
    auto c = parse_litellm_catalog(R"({
        "azure/gpt-4o": {"litellm_provider": "azure", "input_cost_per_token": 2.5e-06,
                         "output_cost_per_token": 1e-05},
        "azure_text/gpt-4o": {"litellm_provider": "azure_text", "input_cost_per_token": 5e-06,
                              "output_cost_per_token": 1.5e-05},
        "azure_ai/gpt-4o": {"litellm_provider": "azure_ai", "input_cost_per_token": 5e-06,
                            "output_cost_per_token": 1.5e-05},
        "gpt-4o": {"litellm_provider": "openai", "input_cost_per_token": 2.5e-06,
                   "output_cost_per_token": 1e-05},
        "openai/gpt-4o": {"litellm_provider": "openai", "input_cost_per_token": "0.0000025",
                          "output_cost_per_token": 0.00001,
                          "input_cost_per_token_batches": 1.25e-06}
    })");
    // Two routed keys of one channel (Azure OpenAI) that disagree: the later is refused.
    ASSERT_EQ(c.skipped.size(), 1u);
    EXPECT_EQ(c.skipped[0].entry, "azure_text/gpt-4o");
    EXPECT_EQ(c.skipped[0].reason, "conflicts with azure/gpt-4o");
    EXPECT_EQ(rates(c, "azure", "gpt-4o"), "input=2.5 output=10 USD");
    // Azure AI Foundry is a channel of its own, with its own price.
    EXPECT_EQ(rates(c, "azure_ai", "gpt-4o"), "input=5 output=15 USD");
    // Equal rates merge silently; the routed key is read first and adds the batch row.
    const ImportedPrice* std_row = find(c, "openai", "gpt-4o");
    ASSERT_NE(std_row, nullptr);
    EXPECT_EQ(std_row->entry, "openai/gpt-4o");
    const ImportedPrice* batch = find(c, "openai", "gpt-4o", "batch");
    ASSERT_NE(batch, nullptr);
    EXPECT_EQ(batch->entry, "openai/gpt-4o");
    EXPECT_EQ(c.prices.size(), 4u);
}

// Issue 15: the Gemini API and Vertex AI no longer collide, and within one channel the key
// that names its route wins over LiteLLM's bare key, which is noted, not refused.
TEST(LiteLLMCatalog, ChannelsDoNotCollide) {
    auto c = parse_litellm_catalog(R"({
        "gemini-2.5-pro": {"litellm_provider": "vertex_ai-language-models",
                           "input_cost_per_token": 1.25e-06, "output_cost_per_token": 1e-05},
        "gemini/gemini-2.5-pro": {"litellm_provider": "gemini", "input_cost_per_token": 1.25e-06,
                                  "output_cost_per_token": 1e-05, "cache_read_input_token_cost": 3.125e-07,
                                  "input_cost_per_token_priority": 2.25e-06},
        "gemini-3-flash-preview": {"litellm_provider": "vertex_ai-language-models",
                                   "input_cost_per_token": 5e-07, "output_cost_per_token": 3e-06,
                                   "output_cost_per_reasoning_token": 3e-06},
        "vertex_ai/gemini-3-flash-preview": {"litellm_provider": "vertex_ai", "input_cost_per_token": 5e-07,
                                             "output_cost_per_token": 3e-06, "input_cost_per_token_priority": 9e-07}
    })");
    EXPECT_TRUE(c.skipped.empty());
    EXPECT_EQ(rates(c, "google", "gemini-2.5-pro"), "input=1.25 cache_read=0.3125 output=10 USD");
    EXPECT_EQ(rates(c, "google", "gemini-2.5-pro", "priority"), "input=2.25 USD");
    EXPECT_EQ(rates(c, "vertex_ai", "gemini-2.5-pro"), "input=1.25 output=10 USD");
    EXPECT_EQ(rates(c, "vertex_ai", "gemini-3-flash-preview", "priority"), "input=0.9 USD");
    EXPECT_EQ(find(c, "vertex_ai", "gemini-3-flash-preview")->entry, "vertex_ai/gemini-3-flash-preview");
    bool noted = false;
    for (const ImportNote& n : c.notes)
        if (n.entry == "gemini-3-flash-preview" &&
            n.reason == "same vertex_ai model as vertex_ai/gemini-3-flash-preview, whose prices are kept "
                        "(the key that names its route)")
            noted = true;
    EXPECT_TRUE(noted);
    // Output stays in key byte order whatever pass read the key.
    EXPECT_EQ(c.prices.front().entry, "gemini-2.5-pro");
}

TEST(LiteLLMCatalog, ConflictRejectsTheLaterEntryWhole) {
    auto c = parse_litellm_catalog(R"({
        "a/m": {"litellm_provider": "openai", "input_cost_per_token": 1e-06},
        "b/m": {"litellm_provider": "openai", "input_cost_per_token": 2e-06,
                "input_cost_per_token_batches": 1e-06}
    })");
    ASSERT_EQ(c.skipped.size(), 1u);
    EXPECT_EQ(c.skipped[0].reason, "conflicts with a/m");
    EXPECT_EQ(find(c, "openai", "m", "batch"), nullptr);
    EXPECT_EQ(c.prices.size(), 1u);
}

TEST(LiteLLMCatalog, SampleSpecIgnoredAndOutputDeterministic) {
    std::string text = read_file(fixture_path("litellm_catalog_sample.json"));
    ASSERT_FALSE(text.empty());
    auto c = parse_litellm_catalog(text);
    EXPECT_FALSE(imports_entry(c, "sample_spec"));
    EXPECT_EQ(problem_for(c, "sample_spec"), "");
    // Key order, then tier order, then threshold.
    std::vector<std::string> got;
    for (const auto& p : c.prices)
        got.push_back(p.entry + " " + p.service_tier + " " + std::to_string(p.min_prompt_tokens));
    std::vector<std::string> want = {
        "anthropic.claude-haiku-4-5-20251001-v1:0 standard 0",
        "azure/gpt-4o-mini standard 0",
        "claude-haiku-4-5 standard 0",
        "claude-sonnet-4-5 standard 0",
        "claude-sonnet-4-5 standard 200000",
        "gemini-2.5-flash standard 0",
        "gemini/gemini-2.5-pro standard 0",
        "gemini/gemini-2.5-pro standard 200000",
        "gemini/gemini-2.5-pro priority 0",
        "gemini/gemini-2.5-pro priority 200000",
        "gpt-4o standard 0",
        "gpt-4o batch 0",
        "gpt-4o priority 0",
        "gpt-5 standard 0",
        "gpt-5 flex 0",
        "gpt-5 priority 0",
        "openrouter/anthropic/claude-sonnet-4.5 standard 0",
    };
    EXPECT_EQ(got, want);

    // A sample_spec that is not even an object is still ignored.
    auto d = parse_litellm_catalog(R"({"sample_spec": "docs"})");
    EXPECT_TRUE(d.prices.empty());
    EXPECT_TRUE(d.skipped.empty());
}

TEST(LiteLLMCatalog, TopLevelMustBeAnObject) {
    for (const char* text : {"[]", "[{\"input_cost_per_token\": 1e-06}]", "\"x\"", "3", "null"}) {
        try {
            parse_litellm_catalog(text);
            ADD_FAILURE() << "no error for " << text;
        } catch (const cb::core::Error& e) {
            EXPECT_STREQ(e.sqlstate(), "22023") << text;
            EXPECT_FALSE(e.hint().empty());
        }
    }
    try {
        parse_litellm_catalog("{\"gpt-4o\": ");
        ADD_FAILURE() << "no error for truncated JSON";
    } catch (const cb::core::Error& e) {
        EXPECT_STREQ(e.sqlstate(), "22032");
    }
}

// Everything not imported is reported, never silently dropped: entries with no per-token,
// per-request or per-query price, regional variants, fields priced per second or page, the
// search context sizes other than medium, and rates rounded to 6 decimals. Per-request and
// per-query prices are per unit (not scaled by 1e6); DeepSeek's cache_hit spelling prices
// cache_read.
TEST(LiteLLMCatalog, NotesWhatIsNotImported) {
    auto c = parse_litellm_catalog(R"({
        "tts-1": {"litellm_provider": "openai", "input_cost_per_character": 1.5e-05},
        "bedrock/us-east-1/anthropic.claude-3-haiku": {"litellm_provider": "bedrock", "input_cost_per_token": 2.5e-07,
                                                       "output_cost_per_token": 1.25e-06},
        "gemini-live": {"litellm_provider": "gemini", "input_cost_per_token": 3e-07, "output_cost_per_token": 2.5e-06,
                        "input_cost_per_audio_per_second": 1e-04, "ocr_cost_per_page": 0.0015,
                        "regional_processing_uplift_multiplier_eu": 1.1},
        "deepseek-chat": {"litellm_provider": "deepseek", "input_cost_per_token": 2.7e-07,
                          "input_cost_per_token_cache_hit": 7e-08, "output_cost_per_token": 1.1e-06},
        "cohere-rerank": {"litellm_provider": "cohere", "input_cost_per_query": 0.002,
                          "input_cost_per_token": 0.0, "output_cost_per_token": 0.0},
        "odd": {"litellm_provider": "openai", "input_cost_per_token": 1.23456789e-07, "output_cost_per_token": 1e-06,
                "search_context_cost_per_query": {"search_context_size_low": 0.025, "search_context_size_medium": 0.0275,
                                                  "search_context_size_high": 0.03}}
    })");
    ASSERT_TRUE(c.skipped.empty());
    EXPECT_EQ(rates(c, "deepseek", "deepseek-chat"), "input=0.27 cache_read=0.07 output=1.1 USD");
    EXPECT_EQ(rates(c, "cohere", "cohere-rerank"), "input=0 output=0 requests=0.002 USD");
    EXPECT_EQ(rates(c, "openai", "odd"), "input=0.123457 output=1 web_searches=0.0275 USD");
    std::vector<std::string> notes;
    for (const auto& n : c.notes) notes.push_back(n.entry + " | " + n.field + " | " + n.reason);
    std::vector<std::string> want = {
        "bedrock/us-east-1/anthropic.claude-3-haiku |  | a regional or deployment variant: the catalog has no region column",
        "gemini-live | input_cost_per_audio_per_second | priced per second of media: no usage class for it",
        "gemini-live | ocr_cost_per_page | priced per page: no usage class for it",
        "gemini-live | regional_processing_uplift_multiplier_eu | a regional uplift: the catalog has no region dimension",
        "odd | input_cost_per_token | rounded to 6 decimals per 1M tokens: \"1.23456789e-07\"",
        "odd | search_context_cost_per_query.search_context_size_low | web searches are priced at the medium search context size",
        "odd | search_context_cost_per_query.search_context_size_high | web searches are priced at the medium search context size",
        "tts-1 |  | no per-token, per-request or per-query price",
    };
    EXPECT_EQ(notes, want);
}
