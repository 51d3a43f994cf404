// Provider and service-tier names (src/core/provider.hpp).
#include "core/provider.hpp"

#include "core/error.hpp"

#include <gtest/gtest.h>

#include <initializer_list>
#include <string>

using cb::core::Error;
using cb::core::normalize_provider;
using cb::core::normalize_service_tier;

namespace {

std::string provider_error(std::string_view name) {
    try {
        return "no error: " + normalize_provider(name);
    } catch (const Error& e) {
        return e.sqlstate();
    }
}

std::string tier_error(std::string_view name) {
    try {
        return "no error: " + normalize_service_tier(name);
    } catch (const Error& e) {
        return e.sqlstate();
    }
}

}  // namespace

TEST(Provider, OpenTelemetryNames) {
    EXPECT_EQ(normalize_provider("gcp.gemini"), "google");
    EXPECT_EQ(normalize_provider("gcp.vertex_ai"), "vertex_ai");
    EXPECT_EQ(normalize_provider("gcp.gen_ai"), "google");
    EXPECT_EQ(normalize_provider("aws.bedrock"), "bedrock");
    EXPECT_EQ(normalize_provider("azure.ai.openai"), "azure");
    EXPECT_EQ(normalize_provider("azure.ai.inference"), "azure_ai");
    EXPECT_EQ(normalize_provider("az.ai.openai"), "azure");
}

TEST(Provider, LiteLLMAndOtherAliases) {
    EXPECT_EQ(normalize_provider("gemini"), "google");
    EXPECT_EQ(normalize_provider("vertex_ai"), "vertex_ai");
    EXPECT_EQ(normalize_provider("bedrock_converse"), "bedrock");
    EXPECT_EQ(normalize_provider("azure_ai"), "azure_ai");
    EXPECT_EQ(normalize_provider("mistral_ai"), "mistral");
    EXPECT_EQ(normalize_provider("cohere_chat"), "cohere");
    EXPECT_EQ(normalize_provider("text-completion-openai"), "openai");
}

TEST(Provider, CaseAndWhitespace) {
    EXPECT_EQ(normalize_provider("OpenAI"), "openai");
    EXPECT_EQ(normalize_provider("ANTHROPIC"), "anthropic");
    EXPECT_EQ(normalize_provider("  openai\t"), "openai");
    EXPECT_EQ(normalize_provider("GCP.Gemini"), "google");
    EXPECT_EQ(normalize_provider(" AWS.Bedrock "), "bedrock");
}

TEST(Provider, OwnProvidersPassThrough) {
    EXPECT_EQ(normalize_provider("openai"), "openai");
    EXPECT_EQ(normalize_provider("anthropic"), "anthropic");
    EXPECT_EQ(normalize_provider("google"), "google");
    EXPECT_EQ(normalize_provider("DeepSeek"), "deepseek");
    EXPECT_EQ(normalize_provider("my-llm_gateway.v2"), "my-llm_gateway.v2");
    EXPECT_EQ(normalize_provider("01ai"), "01ai");
    EXPECT_EQ(normalize_provider(std::string(63, 'a')), std::string(63, 'a'));
}

TEST(Provider, BadNames) {
    for (const std::string& bad : std::initializer_list<std::string>{"", " ", "\t", "open ai", "not a provider!", "-openai", "_openai",
                            ".openai", "open/ai", "open@ai", "caf\xc3\xa9", "openai\n",
                            std::string(64, 'a'), std::string("open\0ai", 7)}) {
        EXPECT_EQ(provider_error(bad), "22023") << '"' << bad << '"';
    }
    try {
        normalize_provider("Bad Name");
        FAIL();
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("\"Bad Name\""), std::string::npos) << e.what();
        EXPECT_FALSE(e.hint().empty());
    }
}

TEST(Provider, ServiceTiers) {
    for (const char* standard : {"standard", "default", "auto", "on_demand", "ondemand",
                                 "standard_only", "scale", "reserved", "", "  ", "Default",
                                 "STANDARD", " auto "}) {
        EXPECT_EQ(normalize_service_tier(standard), "standard") << '"' << standard << '"';
    }
    EXPECT_EQ(normalize_service_tier("batch"), "batch");
    EXPECT_EQ(normalize_service_tier("batches"), "batch");
    EXPECT_EQ(normalize_service_tier("Batch"), "batch");
    EXPECT_EQ(normalize_service_tier("flex"), "flex");
    EXPECT_EQ(normalize_service_tier("FLEX"), "flex");
    EXPECT_EQ(normalize_service_tier("priority"), "priority");
    EXPECT_EQ(normalize_service_tier(" Priority\t"), "priority");
}

TEST(Provider, BadServiceTiers) {
    for (const char* bad : {"premium", "batch2", "on-demand", "fast", "std", "batch flex", "priority!"}) {
        EXPECT_EQ(tier_error(bad), "22023") << bad;
    }
    try {
        normalize_service_tier("turbo");
        FAIL();
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("\"turbo\""), std::string::npos);
        EXPECT_NE(e.hint().find("priority"), std::string::npos);
    }
}

// Each provider name is a billing channel (issue 15): the Gemini API and Vertex AI, Azure
// OpenAI and Azure AI Foundry bill apart, at different prices.
TEST(Provider, BillingChannels) {
    EXPECT_EQ(normalize_provider("gcp.gemini"), "google");
    EXPECT_EQ(normalize_provider("google_ai_studio"), "google");
    EXPECT_EQ(normalize_provider("gcp.vertex_ai"), "vertex_ai");
    EXPECT_EQ(normalize_provider("vertexai"), "vertex_ai");
    EXPECT_EQ(normalize_provider("gcp.gen_ai"), "google");  // "any Google endpoint": no channel named
    EXPECT_EQ(normalize_provider("azure.ai.openai"), "azure");
    EXPECT_EQ(normalize_provider("azure.ai.inference"), "azure_ai");
    EXPECT_EQ(normalize_provider("az.ai.inference"), "azure_ai");
    EXPECT_EQ(normalize_provider("azure_ai"), "azure_ai");
    EXPECT_EQ(normalize_service_tier("priority_on_demand"), "priority");
    EXPECT_EQ(normalize_service_tier("flex_discount"), "flex");
}
