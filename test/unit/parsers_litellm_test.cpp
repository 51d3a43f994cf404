// The LiteLLM spend log parser against test/fixtures/litellm/ (hand-computed classes in its
// README.md) and against hostile rows.
#include "core/error.hpp"
#include "core/json_reader.hpp"
#include "core/timestamp.hpp"
#include "core/token_usage.hpp"
#include "core/usage_record.hpp"

#include <gtest/gtest.h>

#include "fixtures.hpp"

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

using cb::core::UsageRecord;

namespace {

using cb_test::fixture_path;
using cb_test::read_file;

std::vector<UsageRecord> parse(const std::string& text) {
    std::vector<UsageRecord> out;
    cb::core::parse_litellm(cb::core::read_json(text), out);
    return out;
}

std::vector<UsageRecord> parse_fixture(const std::string& name) { return parse(read_file(fixture_path(name))); }

std::string state_of(const std::string& text, std::string* message = nullptr) {
    try {
        parse(text);
        return "none";
    } catch (const cb::core::Error& e) {
        if (message) *message = e.what();
        return e.sqlstate();
    } catch (...) {
        return "other";
    }
}

std::string classes(const UsageRecord& r) { return cb::core::format_token_usage(r.tokens); }
std::string classes(const std::string& text) {
    return cb::core::format_token_usage(cb::core::parse_token_usage(text));
}

void expect_time(const UsageRecord& r, const char* iso) {
    ASSERT_TRUE(r.occurred_at.has_value());
    auto t = cb::core::parse_iso_timestamp(iso);
    ASSERT_TRUE(t.has_value()) << iso;
    EXPECT_EQ(*r.occurred_at, *t) << cb::core::format_iso_timestamp(*r.occurred_at) << " vs " << iso;
}

// A minimal row with the given prompt/completion counts and metadata.usage_object.
std::string row(const std::string& prompt, const std::string& usage_object = "{}",
                const std::string& extra = "") {
    return R"({"request_id":"r1","call_type":"acompletion","startTime":"2025-08-01T12:00:00Z",)"
           R"("model":"claude-sonnet-4-5","custom_llm_provider":"anthropic","completion_tokens":10,)"
           R"("prompt_tokens":)" +
           prompt + R"(,"metadata":{"usage_object":)" + usage_object + "}" + extra + "}";
}

TEST(ParseLiteLLM, AnthropicWithCacheCreationAndRead) {
    auto recs = parse_fixture("litellm/spend_log.json");
    ASSERT_EQ(recs.size(), 1u);
    const UsageRecord& r = recs[0];
    EXPECT_EQ(r.provider, "anthropic");
    EXPECT_EQ(r.model, "claude-sonnet-4-5-20250929");
    EXPECT_EQ(r.request_id, "chatcmpl-3f1c9a52-7d1e-4b8a-9c0e-2a6b5d4e8f01");
    EXPECT_EQ(r.service_tier, "");
    expect_time(r, "2025-08-01T14:03:27.512Z");
    EXPECT_EQ(classes(r),
              classes("input=1200 cache_read=15000 cache_write=2000 cache_write_1h=1000 output=850 requests=1"));
    EXPECT_EQ(r.attrs, nlohmann::json::parse(R"({
        "api_key": "88dc28d0f030c55ed4ab77ed8faf098196cb1c05df778539800c9f1243fe6b4b",
        "user": "u-1842", "end_user": "customer-77", "team_id": "team-sales-01",
        "model_group": "claude-sonnet", "team": "sales", "api_key_alias": "sales-assistant-prod",
        "tags": ["jobID:214590dsff09fds", "taskName:summarise_account"]})"));
}

TEST(ParseLiteLLM, ArrayOfRows) {
    auto recs = parse_fixture("litellm/spend_logs_array.json");
    ASSERT_EQ(recs.size(), 3u);

    const UsageRecord& a = recs[0];  // metadata and request_tags as JSON text
    EXPECT_EQ(a.provider, "openai");
    EXPECT_EQ(a.model, "gpt-4o-2024-08-06");
    EXPECT_EQ(a.request_id, "chatcmpl-BxQ4kT0aLpZ8mN2vR6sU1wY3zC5e");
    expect_time(a, "2025-08-01T09:15:42Z");
    EXPECT_EQ(classes(a), classes("input=476 cache_read=1024 output=200 requests=1"));
    EXPECT_EQ(a.attrs, nlohmann::json::parse(R"({
        "api_key": "3c9e1f7a5b2d8c4e6f0a1b3d5e7f9a2c4e6b8d0f1a3c5e7b9d2f4a6c8e0b1d3f",
        "team_id": "team-data-02", "model_group": "gpt-4o", "team": "data-platform",
        "api_key_alias": "etl-nightly", "tags": ["batch-job"]})"));

    const UsageRecord& b = recs[1];  // vertex_ai (Vertex AI bills it), reasoning
    EXPECT_EQ(b.provider, "vertex_ai");
    EXPECT_EQ(b.model, "gemini-2.5-pro");
    EXPECT_EQ(b.request_id, "0f2e4d6c-8b0a-4c2e-9f1d-3b5a7c9e1f20");
    expect_time(b, "2025-08-01T16:20:05.25Z");
    EXPECT_EQ(classes(b), classes("input=5000 output=600 reasoning=1200 requests=1"));
    EXPECT_EQ(b.attrs, nlohmann::json::parse(R"({
        "api_key": "7a5c3e1f9b7d5a3c1e9f7b5d3a1c9e7f5b3d1a9c7e5f3b1d9a7c5e3f1b9d7a5c",
        "user": "u-2210", "team_id": "team-research-03", "model_group": "gemini-pro",
        "team": "research", "api_key_alias": "research-notebooks"})"));

    const UsageRecord& c = recs[2];  // provider from the model prefix; LiteLLM cache hit
    EXPECT_EQ(c.provider, "groq");
    EXPECT_EQ(c.model, "groq/llama-3.3-70b-versatile");
    EXPECT_EQ(c.request_id, "chatcmpl-6c8e0a2b-4d6f-4a8c-b0d2-e4f6a8c0b2d4");
    expect_time(c, "2025-08-01T18:44:10Z");
    EXPECT_EQ(classes(c), classes("input=800 output=120 requests=1"));
    EXPECT_EQ(c.attrs.value("litellm_cache_hit", false), true);
    EXPECT_EQ(c.attrs.value("user", ""), "u-1842");
}

TEST(ParseLiteLLM, SpendLogsV2Page) {
    auto recs = parse(R"({"data":[)" + row("100") + "," + row("50") + R"(],"total":2,"page":1,"page_size":50,"total_pages":1})");
    ASSERT_EQ(recs.size(), 2u);
    EXPECT_EQ(classes(recs[0]), classes("input=100 output=10 requests=1"));
    EXPECT_EQ(classes(recs[1]), classes("input=50 output=10 requests=1"));
    EXPECT_EQ(parse("[]").size(), 0u);
}

TEST(ParseLiteLLM, UsageBreakdownSources) {
    // usage_object wins over additional_usage_values for the same field.
    auto recs = parse(R"({"request_id":"r","call_type":"acompletion","prompt_tokens":100,"completion_tokens":50,
        "metadata":{"usage_object":{"prompt_tokens_details":{"cached_tokens":30}},
                    "additional_usage_values":{"prompt_tokens_details":{"cached_tokens":60},
                                               "completion_tokens_details":{"reasoning_tokens":20},
                                               "server_tool_use":{"web_search_requests":2}}}})");
    ASSERT_EQ(recs.size(), 1u);
    EXPECT_EQ(classes(recs[0]), classes("input=70 cache_read=30 output=30 reasoning=20 requests=1 web_searches=2"));
    EXPECT_EQ(recs[0].provider, "");
    EXPECT_FALSE(recs[0].occurred_at.has_value());

    // cache_read_input_tokens and cached_tokens are the same count: the larger is taken.
    recs = parse(row("100", R"({"cache_read_input_tokens":0,"prompt_tokens_details":{"cached_tokens":40}})"));
    EXPECT_EQ(classes(recs[0]), classes("input=60 cache_read=40 output=10 requests=1"));
    // No metadata at all: prompt and completion are the whole story.
    recs = parse(R"({"request_id":"r","startTime":"2025-08-01 12:00:00","prompt_tokens":7,"completion_tokens":3,
                    "model":"My Org/custom-model"})");
    EXPECT_EQ(classes(recs[0]), classes("input=7 output=3 requests=1"));
    EXPECT_EQ(recs[0].provider, "");  // "My Org" is no provider name
    expect_time(recs[0], "2025-08-01T12:00:00Z");
}

TEST(ParseLiteLLM, Hostile) {
    std::string msg;
    EXPECT_EQ(state_of(row("\"abc\""), &msg), "22P02");
    EXPECT_NE(msg.find("prompt_tokens"), std::string::npos) << msg;
    EXPECT_EQ(state_of(row("{}")), "22P02");
    EXPECT_EQ(state_of(row("-1")), "22P02");
    EXPECT_EQ(state_of(row("1e30")), "22003");
    EXPECT_EQ(state_of(row("100", R"({"cache_read_input_tokens":101})"), &msg), "22P02");
    EXPECT_NE(msg.find("cache_read_input_tokens"), std::string::npos) << msg;
    EXPECT_NE(msg.find("prompt_tokens"), std::string::npos) << msg;
    EXPECT_EQ(state_of(row("100", R"({"cache_read_input_tokens":60,"cache_creation_input_tokens":60})"), &msg),
              "22P02");
    EXPECT_EQ(state_of(row("100", R"({"cache_creation_input_tokens":10,
        "prompt_tokens_details":{"cache_creation_token_details":{"ephemeral_1h_input_tokens":11}}})"), &msg),
              "22P02");
    EXPECT_NE(msg.find("ephemeral_1h_input_tokens"), std::string::npos) << msg;
    EXPECT_EQ(state_of(row("100", R"({"completion_tokens_details":{"reasoning_tokens":11}})")), "22P02");
    EXPECT_EQ(state_of(row("100", R"({"prompt_tokens_details":{"cached_tokens":"x"}})"), &msg), "22P02");
    EXPECT_NE(msg.find("metadata.usage_object.prompt_tokens_details.cached_tokens"), std::string::npos) << msg;
    EXPECT_EQ(state_of(row("100", R"({"prompt_tokens_details":[]})")), "22P02");
    EXPECT_EQ(state_of(row("100", "5")), "22P02");
    EXPECT_EQ(state_of(R"({"request_id":"r","call_type":"c","metadata":"{not json"})", &msg), "22P02");
    EXPECT_NE(msg.find("metadata"), std::string::npos) << msg;
    EXPECT_EQ(state_of(R"({"request_id":"r","call_type":"c","metadata":[1]})"), "22P02");
    EXPECT_EQ(state_of(R"({"request_id":"r","call_type":"c","request_tags":[1]})"), "22P02");
    EXPECT_EQ(state_of(R"({"request_id":"r","call_type":"c","request_tags":"{}"})"), "22P02");
    EXPECT_EQ(state_of(R"({"request_id":"r","call_type":"c","custom_llm_provider":"not a provider!"})"), "22023");
    EXPECT_EQ(state_of(R"({"request_id":"r","call_type":"c","startTime":"soon"})"), "22P02");
    EXPECT_EQ(state_of(R"([{"request_id":"r","call_type":"c"}, 5])", &msg), "22P02");
    EXPECT_NE(msg.find("[1]"), std::string::npos) << msg;
    EXPECT_EQ(state_of(R"([{"request_id":"r","call_type":"c","prompt_tokens":"abc"}])", &msg), "22P02");
    EXPECT_NE(msg.find("[0].prompt_tokens"), std::string::npos) << msg;
    // Not a spend log.
    EXPECT_EQ(state_of("42"), "22023");
    EXPECT_EQ(state_of("\"row\""), "22023");
    EXPECT_EQ(state_of(R"({"object":"chat.completion","usage":{"prompt_tokens":1}})"), "22023");
    EXPECT_EQ(state_of(R"({"request_id":"r"})"), "22023");
    EXPECT_EQ(state_of(R"([{"id":"x"}])"), "22023");
}

}  // namespace
