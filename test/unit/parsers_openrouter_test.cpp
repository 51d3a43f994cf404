// The OpenRouter parser against test/fixtures/openrouter/ (hand-computed classes in its
// README.md) and against hostile documents.
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
    cb::core::parse_openrouter(cb::core::read_json(text), out);
    return out;
}

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

std::string doc_with_usage(const std::string& usage) {
    return R"({"id":"gen-1","provider":"OpenAI","model":"openai/gpt-4o","object":"chat.completion",)"
           R"("created":1754049600,"usage":)" +
           usage + "}";
}

TEST(ParseOpenRouter, Basic) {
    auto recs = parse(read_file(fixture_path("openrouter/basic.json")));
    ASSERT_EQ(recs.size(), 1u);
    const UsageRecord& r = recs[0];
    EXPECT_EQ(r.provider, "openrouter");
    EXPECT_EQ(r.model, "anthropic/claude-sonnet-4.5");
    EXPECT_EQ(r.request_id, "gen-1754049600-Xk4pQ9rT2vW7yZ1bN3mC");
    EXPECT_EQ(r.service_tier, "");
    ASSERT_TRUE(r.occurred_at.has_value());
    EXPECT_EQ(*r.occurred_at, *cb::core::parse_iso_timestamp("2025-08-01T12:00:00Z"));
    EXPECT_EQ(classes(r),
              classes("input=500 cache_read=10000 cache_write=2000 output=384 reasoning=256 requests=1"));
    EXPECT_EQ(r.attrs, nlohmann::json::parse(R"({"upstream_provider":"Anthropic"})"));
}

TEST(ParseOpenRouter, StreamChunkWithoutDetails) {
    auto recs = parse(R"({"id":"gen-2","model":"google/gemini-2.5-flash","object":"chat.completion.chunk",
                          "created":1754049600,"choices":[],
                          "usage":{"prompt_tokens":194,"completion_tokens":2,"total_tokens":196,"cost":0.95}})");
    ASSERT_EQ(recs.size(), 1u);
    EXPECT_EQ(classes(recs[0]), classes("input=194 output=2 requests=1"));
    EXPECT_TRUE(recs[0].attrs.empty());
}

TEST(ParseOpenRouter, Hostile) {
    std::string msg;
    EXPECT_EQ(state_of(doc_with_usage(R"({"prompt_tokens":"abc"})"), &msg), "22P02");
    EXPECT_NE(msg.find("usage.prompt_tokens"), std::string::npos) << msg;
    EXPECT_EQ(state_of(doc_with_usage(R"({"prompt_tokens":{}})")), "22P02");
    EXPECT_EQ(state_of(doc_with_usage(R"({"prompt_tokens":-1})")), "22P02");
    EXPECT_EQ(state_of(doc_with_usage(R"({"prompt_tokens":1e30})")), "22003");
    EXPECT_EQ(state_of(doc_with_usage(R"({"prompt_tokens":100,"prompt_tokens_details":{"cached_tokens":101}})"),
                       &msg),
              "22P02");
    EXPECT_NE(msg.find("usage.prompt_tokens_details.cached_tokens"), std::string::npos) << msg;
    EXPECT_EQ(state_of(doc_with_usage(
                  R"({"prompt_tokens":100,"prompt_tokens_details":{"cached_tokens":60,"cache_write_tokens":41}})"),
              &msg),
              "22P02");
    EXPECT_NE(msg.find("cache_write_tokens"), std::string::npos) << msg;
    EXPECT_EQ(state_of(doc_with_usage(R"({"completion_tokens":5,"completion_tokens_details":{"reasoning_tokens":6}})")),
              "22P02");
    EXPECT_EQ(state_of(R"({"id":"gen-1","provider":{},"object":"chat.completion","usage":{"prompt_tokens":1}})"),
              "22P02");
    EXPECT_EQ(state_of("[]"), "22023");
    EXPECT_EQ(state_of(R"({"id":"gen-1","object":"chat.completion"})", &msg), "22023");
    EXPECT_NE(msg.find("openrouter"), std::string::npos) << msg;
    EXPECT_EQ(state_of(R"({"object":"response","usage":{"input_tokens":1}})"), "22023");
}

}  // namespace

// OpenRouter's web search plugin bills per search: usage.server_tool_use_details (shape of a
// recorded OpenRouter response for openai/gpt-4.1-mini with one web search).
TEST(ParseOpenRouter, WebSearchRequests) {
    auto recs = parse(doc_with_usage(R"({"prompt_tokens":8174,"completion_tokens":30,"total_tokens":8204,
        "prompt_tokens_details":{"audio_tokens":0,"cache_write_tokens":0,"cached_tokens":0,"video_tokens":0},
        "completion_tokens_details":{"audio_tokens":0,"image_tokens":0,"reasoning_tokens":0},
        "server_tool_use_details":{"web_search_requests":1},"cost":0.0133176})"));
    ASSERT_EQ(recs.size(), 1u);
    EXPECT_EQ(classes(recs[0]), classes("input=8174 output=30 requests=1 web_searches=1"));
    std::string msg;
    EXPECT_EQ(state_of(doc_with_usage(R"({"prompt_tokens":1,"server_tool_use_details":{"web_search_requests":-1}})"), &msg),
              "22P02");
    EXPECT_NE(msg.find("usage.server_tool_use_details.web_search_requests"), std::string::npos) << msg;
    EXPECT_EQ(state_of(doc_with_usage(R"({"prompt_tokens":1,"server_tool_use_details":[]})")), "22P02");
}
