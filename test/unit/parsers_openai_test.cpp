// The OpenAI parsers (openai_chat, openai_responses, openai_usage) against the fixtures in
// test/fixtures/<format>/ (hand-computed classes in each directory's README.md) and against
// hostile documents.
#include "core/error.hpp"
#include "core/json_reader.hpp"
#include "core/timestamp.hpp"
#include "core/token_usage.hpp"
#include "core/usage_record.hpp"

#include <gtest/gtest.h>

#include "fixtures.hpp"

#include <fstream>
#include <functional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

using cb::core::UsageParser;
using cb::core::UsageRecord;

namespace {

using cb_test::fixture_path;
using cb_test::read_file;

std::vector<UsageRecord> parse_text(UsageParser parser, const std::string& text) {
    std::vector<UsageRecord> out;
    parser(cb::core::read_json(text), out);
    return out;
}

std::vector<UsageRecord> parse_fixture(UsageParser parser, const std::string& name) {
    return parse_text(parser, read_file(fixture_path(name)));
}

// The SQLSTATE the parse throws ("none" when it succeeds, "other" for a non-Error exception);
// the message goes to *message.
std::string state_of(UsageParser parser, const std::string& text, std::string* message = nullptr) {
    try {
        parse_text(parser, text);
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

cb::core::Timestamp at(const char* iso) {
    auto t = cb::core::parse_iso_timestamp(iso);
    EXPECT_TRUE(t.has_value()) << iso;
    return t.value_or(0);
}

void expect_time(const UsageRecord& r, const char* iso) {
    ASSERT_TRUE(r.occurred_at.has_value());
    EXPECT_EQ(*r.occurred_at, at(iso)) << cb::core::format_iso_timestamp(*r.occurred_at) << " vs " << iso;
}

const char* kChatTemplate = R"({
  "id": "chatcmpl-test", "object": "chat.completion", "created": 1754049600, "model": "gpt-4o",
  "usage": {"prompt_tokens": PROMPT, "completion_tokens": 10,
            "prompt_tokens_details": {"cached_tokens": CACHED}}
})";

std::string chat_with(const std::string& prompt, const std::string& cached = "0") {
    std::string s = kChatTemplate;
    s.replace(s.find("PROMPT"), 6, prompt);
    s.replace(s.find("CACHED"), 6, cached);
    return s;
}

// ---------------------------------------------------------------------------------------
// openai_chat

TEST(ParseOpenAIChat, BasicWithCachedAndReasoning) {
    auto recs = parse_fixture(cb::core::parse_openai_chat, "openai_chat/basic.json");
    ASSERT_EQ(recs.size(), 1u);
    const UsageRecord& r = recs[0];
    EXPECT_EQ(r.provider, "openai");
    EXPECT_EQ(r.model, "o4-mini-2025-04-16");
    EXPECT_EQ(r.request_id, "chatcmpl-C0ab12XyZ9rK3mQ7pL5tV8wN2sD4f");
    EXPECT_EQ(r.service_tier, "default");
    expect_time(r, "2025-08-01T12:00:00Z");
    EXPECT_EQ(classes(r), classes("input=86 cache_read=1920 output=108 reasoning=192 requests=1"));
    EXPECT_EQ(r.tokens.get(cb::core::TokenClass::web_searches), 0);
    EXPECT_TRUE(r.attrs.is_object());
    EXPECT_TRUE(r.attrs.empty());
}

TEST(ParseOpenAIChat, Audio) {
    auto recs = parse_fixture(cb::core::parse_openai_chat, "openai_chat/audio.json");
    ASSERT_EQ(recs.size(), 1u);
    const UsageRecord& r = recs[0];
    EXPECT_EQ(r.model, "gpt-4o-audio-preview-2024-12-17");
    EXPECT_EQ(r.request_id, "chatcmpl-C0ac77AudioQ2wE4rT6yU8iO0pA");
    EXPECT_EQ(r.service_tier, "default");
    expect_time(r, "2025-08-01T09:15:42Z");
    EXPECT_EQ(classes(r), classes("input=343 output=150 audio_input=1200 audio_output=610 requests=1"));
}

TEST(ParseOpenAIChat, FinalStreamChunk) {
    auto recs = parse_fixture(cb::core::parse_openai_chat, "openai_chat/stream_final_chunk.json");
    ASSERT_EQ(recs.size(), 1u);
    const UsageRecord& r = recs[0];
    EXPECT_EQ(r.model, "gpt-4.1-2025-04-14");
    EXPECT_EQ(r.request_id, "chatcmpl-C0ad3StreamH7jK9lZ1xC3vB5n");
    EXPECT_EQ(r.service_tier, "priority");
    expect_time(r, "2025-08-01T16:20:05Z");
    EXPECT_EQ(classes(r), classes("input=57 output=17 requests=1"));
}

TEST(ParseOpenAIChat, EchoedUserGoesToAttrs) {
    auto recs = parse_text(cb::core::parse_openai_chat,
                           R"({"object":"chat.completion","id":"c1","model":"gpt-4o","user":"alice",
                               "usage":{"prompt_tokens":5,"completion_tokens":2}})");
    ASSERT_EQ(recs.size(), 1u);
    EXPECT_EQ(recs[0].attrs.value("user", ""), "alice");
    EXPECT_FALSE(recs[0].occurred_at.has_value());
    EXPECT_EQ(recs[0].service_tier, "");
}

TEST(ParseOpenAIChat, DigitStringCountsAreAccepted) {
    auto recs = parse_text(cb::core::parse_openai_chat, chat_with("\"100\"", "\"40\""));
    ASSERT_EQ(recs.size(), 1u);
    EXPECT_EQ(classes(recs[0]), classes("input=60 cache_read=40 output=10 requests=1"));
}

TEST(ParseOpenAIChat, WrongTypes) {
    std::string msg;
    EXPECT_EQ(state_of(cb::core::parse_openai_chat, chat_with("\"abc\""), &msg), "22P02");
    EXPECT_NE(msg.find("usage.prompt_tokens"), std::string::npos) << msg;
    EXPECT_EQ(state_of(cb::core::parse_openai_chat, chat_with("{\"n\": 1}"), &msg), "22P02");
    EXPECT_NE(msg.find("usage.prompt_tokens"), std::string::npos) << msg;
    EXPECT_EQ(state_of(cb::core::parse_openai_chat, chat_with("[1]")), "22P02");
    EXPECT_EQ(state_of(cb::core::parse_openai_chat, chat_with("true")), "22P02");
    EXPECT_EQ(state_of(cb::core::parse_openai_chat, chat_with("12.5")), "22P02");
    EXPECT_EQ(state_of(cb::core::parse_openai_chat, chat_with("10", "\"x\""), &msg), "22P02");
    EXPECT_NE(msg.find("usage.prompt_tokens_details.cached_tokens"), std::string::npos) << msg;
    EXPECT_EQ(state_of(cb::core::parse_openai_chat,
                       R"({"object":"chat.completion","usage":{"prompt_tokens":1,"prompt_tokens_details":7}})"),
              "22P02");
    EXPECT_EQ(state_of(cb::core::parse_openai_chat, R"({"object":"chat.completion","usage":5})"), "22P02");
    EXPECT_EQ(state_of(cb::core::parse_openai_chat,
                       R"({"object":"chat.completion","model":["x"],"usage":{"prompt_tokens":1}})"),
              "22P02");
    EXPECT_EQ(state_of(cb::core::parse_openai_chat,
                       R"({"object":"chat.completion","created":"yesterday","usage":{"prompt_tokens":1}})"),
              "22P02");
}

TEST(ParseOpenAIChat, NegativeAndHugeCounts) {
    std::string msg;
    EXPECT_EQ(state_of(cb::core::parse_openai_chat, chat_with("-5"), &msg), "22P02");
    EXPECT_NE(msg.find("negative"), std::string::npos) << msg;
    EXPECT_EQ(state_of(cb::core::parse_openai_chat, chat_with("1e30"), &msg), "22003");
    EXPECT_NE(msg.find("usage.prompt_tokens"), std::string::npos) << msg;
    EXPECT_EQ(state_of(cb::core::parse_openai_chat, chat_with("99999999999999999999")), "22003");
    EXPECT_EQ(state_of(cb::core::parse_openai_chat, chat_with("9223372036854775808")), "22003");
    EXPECT_EQ(state_of(cb::core::parse_openai_chat, chat_with("9223372036854775807")), "none");
    EXPECT_EQ(state_of(cb::core::parse_openai_chat, chat_with("1e999")), "22003");
}

TEST(ParseOpenAIChat, CachedBeyondPromptIsImpossible) {
    std::string msg;
    EXPECT_EQ(state_of(cb::core::parse_openai_chat, chat_with("100", "101"), &msg), "22P02");
    EXPECT_NE(msg.find("usage.prompt_tokens_details.cached_tokens"), std::string::npos) << msg;
    EXPECT_NE(msg.find("usage.prompt_tokens"), std::string::npos) << msg;
    EXPECT_EQ(state_of(cb::core::parse_openai_chat, chat_with("100", "100")), "none");
    // cached + audio beyond the prompt, each alone within it: both are named.
    EXPECT_EQ(state_of(cb::core::parse_openai_chat,
                       R"({"object":"chat.completion","usage":{"prompt_tokens":100,
                          "prompt_tokens_details":{"cached_tokens":60,"audio_tokens":60}}})",
                       &msg),
              "22P02");
    EXPECT_NE(msg.find("cached_tokens + usage.prompt_tokens_details.audio_tokens"), std::string::npos) << msg;
    EXPECT_EQ(state_of(cb::core::parse_openai_chat,
                       R"({"object":"chat.completion","usage":{"completion_tokens":10,
                          "completion_tokens_details":{"reasoning_tokens":11}}})",
                       &msg),
              "22P02");
    EXPECT_NE(msg.find("usage.completion_tokens_details.reasoning_tokens"), std::string::npos) << msg;
}

TEST(ParseOpenAIChat, NotThisFormat) {
    std::string msg;
    EXPECT_EQ(state_of(cb::core::parse_openai_chat, "[1,2]"), "22023");
    EXPECT_EQ(state_of(cb::core::parse_openai_chat, "42"), "22023");
    EXPECT_EQ(state_of(cb::core::parse_openai_chat, "\"chat\""), "22023");
    EXPECT_EQ(state_of(cb::core::parse_openai_chat, R"({"object":"chat.completion","id":"x"})", &msg), "22023");
    EXPECT_NE(msg.find("no usage object"), std::string::npos) << msg;
    EXPECT_EQ(state_of(cb::core::parse_openai_chat, R"({"object":"chat.completion.chunk","usage":null})"), "22023");
    EXPECT_EQ(state_of(cb::core::parse_openai_chat,
                       R"({"object":"response","usage":{"input_tokens":1,"output_tokens":1}})"),
              "22023");
    // An Anthropic message has usage but no prompt_tokens / completion_tokens.
    EXPECT_EQ(state_of(cb::core::parse_openai_chat,
                       R"({"type":"message","usage":{"input_tokens":1,"output_tokens":1}})"),
              "22023");
    EXPECT_EQ(state_of(cb::core::parse_openai_chat, R"({"object":7,"usage":{"prompt_tokens":1}})"), "22023");
}

// ---------------------------------------------------------------------------------------
// openai_responses

TEST(ParseOpenAIResponses, BasicWithWebSearchAndReasoning) {
    auto recs = parse_fixture(cb::core::parse_openai_responses, "openai_responses/basic.json");
    ASSERT_EQ(recs.size(), 1u);
    const UsageRecord& r = recs[0];
    EXPECT_EQ(r.provider, "openai");
    EXPECT_EQ(r.model, "gpt-5-2025-08-07");
    EXPECT_EQ(r.request_id, "resp_6890c4d0e8a48190b1f2a3c4d5e6f708");
    EXPECT_EQ(r.service_tier, "default");
    expect_time(r, "2025-08-01T12:00:00Z");
    EXPECT_EQ(classes(r),
              classes("input=2101 cache_read=1024 output=272 reasoning=640 requests=1 web_searches=2"));
    EXPECT_EQ(r.attrs, nlohmann::json::parse(R"({"user":"user_8841","department":"sales","ticket":"T-1042"})"));
}

// GPT-5.6 and later report cache writes (billed at 1.25x input) inside input_tokens: the
// usage of a recorded response (8576 input of which 4418 cache writes, 32 of 52 output
// tokens reasoning).
TEST(ParseOpenAIResponses, CacheWriteTokens) {
    auto recs = parse_text(cb::core::parse_openai_responses,
                           R"({"object":"response","id":"resp_cw","model":"gpt-5.6","created_at":1786000000,
                               "usage":{"input_tokens":8576,"input_tokens_details":{"cache_write_tokens":4418,"cached_tokens":0},
                                        "output_tokens":52,"output_tokens_details":{"reasoning_tokens":32},"total_tokens":8628}})");
    ASSERT_EQ(recs.size(), 1u);
    EXPECT_EQ(classes(recs[0]), classes("input=4158 cache_write=4418 output=20 reasoning=32 requests=1"));
    std::string msg;
    EXPECT_EQ(state_of(cb::core::parse_openai_responses,
                       R"({"object":"response","usage":{"input_tokens":10,"output_tokens":1,
                          "input_tokens_details":{"cached_tokens":6,"cache_write_tokens":5}}})",
                       &msg),
              "22P02");
    EXPECT_NE(msg.find("cache_write_tokens"), std::string::npos) << msg;
}

TEST(ParseOpenAIResponses, MetadataStringsOnlyAndUserWins) {
    auto recs = parse_text(cb::core::parse_openai_responses,
                           R"({"object":"response","id":"resp_1","model":"gpt-4.1","created_at":1754049600,
                               "user":"bob","metadata":{"user":"meta-user","cost_center":"cc-9","n":"","x":null},
                               "usage":{"input_tokens":10,"output_tokens":3}})");
    ASSERT_EQ(recs.size(), 1u);
    EXPECT_EQ(recs[0].attrs, nlohmann::json::parse(R"({"user":"bob","cost_center":"cc-9"})"));
    EXPECT_EQ(classes(recs[0]), classes("input=10 output=3 requests=1"));
}

TEST(ParseOpenAIResponses, Hostile) {
    std::string msg;
    EXPECT_EQ(state_of(cb::core::parse_openai_responses,
                       R"({"object":"response","usage":{"input_tokens":"abc","output_tokens":1}})", &msg),
              "22P02");
    EXPECT_NE(msg.find("usage.input_tokens"), std::string::npos) << msg;
    EXPECT_EQ(state_of(cb::core::parse_openai_responses,
                       R"({"object":"response","usage":{"input_tokens":{},"output_tokens":1}})"),
              "22P02");
    EXPECT_EQ(state_of(cb::core::parse_openai_responses,
                       R"({"object":"response","usage":{"input_tokens":-1,"output_tokens":1}})"),
              "22P02");
    EXPECT_EQ(state_of(cb::core::parse_openai_responses,
                       R"({"object":"response","usage":{"input_tokens":1e30,"output_tokens":1}})"),
              "22003");
    EXPECT_EQ(state_of(cb::core::parse_openai_responses,
                       R"({"object":"response","usage":{"input_tokens":10,"output_tokens":1,
                          "input_tokens_details":{"cached_tokens":11}}})",
                       &msg),
              "22P02");
    EXPECT_NE(msg.find("usage.input_tokens_details.cached_tokens"), std::string::npos) << msg;
    EXPECT_EQ(state_of(cb::core::parse_openai_responses,
                       R"({"object":"response","usage":{"input_tokens":10,"output_tokens":1,
                          "output_tokens_details":{"reasoning_tokens":2}}})",
                       &msg),
              "22P02");
    EXPECT_NE(msg.find("usage.output_tokens_details.reasoning_tokens"), std::string::npos) << msg;
    EXPECT_EQ(state_of(cb::core::parse_openai_responses,
                       R"({"object":"response","output":[7],"usage":{"input_tokens":1,"output_tokens":1}})",
                       &msg),
              "22P02");
    EXPECT_NE(msg.find("output[0]"), std::string::npos) << msg;
    EXPECT_EQ(state_of(cb::core::parse_openai_responses,
                       R"({"object":"response","output":{},"usage":{"input_tokens":1,"output_tokens":1}})"),
              "22P02");
    EXPECT_EQ(state_of(cb::core::parse_openai_responses,
                       R"({"object":"response","metadata":[],"usage":{"input_tokens":1,"output_tokens":1}})"),
              "22P02");
    EXPECT_EQ(state_of(cb::core::parse_openai_responses, "[]"), "22023");
    EXPECT_EQ(state_of(cb::core::parse_openai_responses, R"({"object":"response","status":"failed","usage":null})",
                       &msg),
              "22023");
    EXPECT_NE(msg.find("no usage object"), std::string::npos) << msg;
    EXPECT_EQ(state_of(cb::core::parse_openai_responses,
                       R"({"object":"chat.completion","usage":{"prompt_tokens":1}})"),
              "22023");
    EXPECT_EQ(state_of(cb::core::parse_openai_responses, R"({"object":"response","usage":{"prompt_tokens":1}})"),
              "22023");
}

// ---------------------------------------------------------------------------------------
// openai_usage

const UsageRecord* find_model(const std::vector<UsageRecord>& recs, const std::string& model,
                              const std::string& tier) {
    for (const auto& r : recs)
        if (r.model == model && r.service_tier == tier) return &r;
    return nullptr;
}

TEST(ParseOpenAIUsage, PageOfBuckets) {
    auto recs = parse_fixture(cb::core::parse_openai_usage, "openai_usage/page.json");
    ASSERT_EQ(recs.size(), 4u);  // the all-zero gpt-4.1 result is skipped
    for (const auto& r : recs) {
        EXPECT_EQ(r.provider, "openai");
        EXPECT_NE(r.model, "gpt-4.1-2025-04-14");
    }

    const UsageRecord* r = find_model(recs, "gpt-4o-mini-2024-07-18", "default");
    ASSERT_NE(r, nullptr);
    expect_time(*r, "2025-08-01T00:00:00Z");
    EXPECT_EQ(classes(*r), classes("input=85000 cache_read=40000 output=18000 requests=310"));
    EXPECT_EQ(r->request_id,
              "openai_usage:1754006400:proj_Sales7Hk2LmN9pQ::key_a1B2c3D4e5F6g7H8:gpt-4o-mini-2024-07-18:false:default");
    EXPECT_EQ(r->attrs,
              nlohmann::json::parse(R"({"openai_project_id":"proj_Sales7Hk2LmN9pQ","api_key":"key_a1B2c3D4e5F6g7H8"})"));

    r = find_model(recs, "gpt-4o-mini-2024-07-18", "batch");
    ASSERT_NE(r, nullptr);
    expect_time(*r, "2025-08-01T00:00:00Z");
    EXPECT_EQ(classes(*r), classes("input=500000 output=75000 requests=1000"));
    EXPECT_EQ(r->request_id,
              "openai_usage:1754006400:proj_Sales7Hk2LmN9pQ::key_a1B2c3D4e5F6g7H8:gpt-4o-mini-2024-07-18:true:");

    r = find_model(recs, "gpt-4o-audio-preview-2024-12-17", "default");
    ASSERT_NE(r, nullptr);
    expect_time(*r, "2025-08-01T00:00:00Z");
    EXPECT_EQ(classes(*r),
              classes("input=2000 cache_read=1000 output=800 audio_input=6000 audio_output=3200 requests=25"));
    EXPECT_EQ(r->request_id,
              "openai_usage:1754006400:proj_Support3Xy8Wv:user-Q4r5S6t7U8v9::gpt-4o-audio-preview-2024-12-17:false:default");
    EXPECT_EQ(r->attrs,
              nlohmann::json::parse(R"({"openai_project_id":"proj_Support3Xy8Wv","user":"user-Q4r5S6t7U8v9"})"));

    r = find_model(recs, "o4-mini-2025-04-16", "flex");
    ASSERT_NE(r, nullptr);
    expect_time(*r, "2025-08-02T00:00:00Z");
    EXPECT_EQ(classes(*r), classes("input=40000 cache_read=20000 output=30000 requests=40"));
    EXPECT_EQ(r->request_id,
              "openai_usage:1754092800:proj_Sales7Hk2LmN9pQ::key_a1B2c3D4e5F6g7H8:o4-mini-2025-04-16:false:flex");
}

TEST(ParseOpenAIUsage, RequestIdsAreDeterministicAndDistinct) {
    auto a = parse_fixture(cb::core::parse_openai_usage, "openai_usage/page.json");
    auto b = parse_fixture(cb::core::parse_openai_usage, "openai_usage/page.json");
    ASSERT_EQ(a.size(), b.size());
    std::set<std::string> ids;
    for (size_t i = 0; i < a.size(); ++i) {
        EXPECT_EQ(a[i].request_id, b[i].request_id);
        EXPECT_EQ(classes(a[i]), classes(b[i]));
        ids.insert(a[i].request_id);
    }
    EXPECT_EQ(ids.size(), a.size());
}

TEST(ParseOpenAIUsage, SingleBucketUngrouped) {
    auto recs = parse_text(cb::core::parse_openai_usage,
                           R"({"object":"bucket","start_time":1754006400,"end_time":1754092800,
                               "results":[{"object":"organization.usage.completions.result",
                                 "input_tokens":1000,"output_tokens":200,"input_cached_tokens":100,
                                 "input_cache_write_tokens":50,"input_image_tokens":30,"output_image_tokens":20,
                                 "num_model_requests":3,"project_id":null,"user_id":null,"api_key_id":null,
                                 "model":null,"batch":null}]})");
    ASSERT_EQ(recs.size(), 1u);
    EXPECT_EQ(recs[0].request_id, "openai_usage:1754006400::::::");
    EXPECT_EQ(recs[0].model, "");
    EXPECT_EQ(recs[0].service_tier, "");
    EXPECT_TRUE(recs[0].attrs.empty());
    expect_time(recs[0], "2025-08-01T00:00:00Z");
    EXPECT_EQ(classes(recs[0]), classes("input=820 cache_read=100 cache_write=50 image_input=30 output=180 "
                                        "image_output=20 requests=3"));
}

TEST(ParseOpenAIUsage, Hostile) {
    const std::string head = R"({"object":"page","data":[{"object":"bucket","start_time":1754006400,"results":[)";
    const std::string tail = "]}]}";
    std::string msg;
    EXPECT_EQ(state_of(cb::core::parse_openai_usage, head + R"({"input_tokens":"abc"})" + tail, &msg), "22P02");
    EXPECT_NE(msg.find("data[0].results[0].input_tokens"), std::string::npos) << msg;
    EXPECT_EQ(state_of(cb::core::parse_openai_usage, head + R"({"input_tokens":{}})" + tail), "22P02");
    EXPECT_EQ(state_of(cb::core::parse_openai_usage, head + R"({"input_tokens":-3})" + tail), "22P02");
    EXPECT_EQ(state_of(cb::core::parse_openai_usage, head + R"({"input_tokens":1e30})" + tail), "22003");
    EXPECT_EQ(state_of(cb::core::parse_openai_usage, head + R"({"num_model_requests":1e30})" + tail), "22003");
    EXPECT_EQ(state_of(cb::core::parse_openai_usage,
                       head + R"({"input_tokens":10,"input_cached_tokens":11})" + tail, &msg),
              "22P02");
    EXPECT_NE(msg.find("data[0].results[0].input_cached_tokens"), std::string::npos) << msg;
    EXPECT_EQ(state_of(cb::core::parse_openai_usage,
                       head + R"({"output_tokens":10,"output_audio_tokens":11})" + tail),
              "22P02");
    EXPECT_EQ(state_of(cb::core::parse_openai_usage, head + R"({"input_tokens":1,"batch":"yes"})" + tail),
              "22P02");
    EXPECT_EQ(state_of(cb::core::parse_openai_usage, head + "7" + tail), "22P02");
    EXPECT_EQ(state_of(cb::core::parse_openai_usage,
                       head + R"({"object":"organization.usage.embeddings.result","input_tokens":1})" + tail),
              "22023");
    EXPECT_EQ(state_of(cb::core::parse_openai_usage, R"({"object":"page","data":{}})"), "22P02");
    EXPECT_EQ(state_of(cb::core::parse_openai_usage, R"({"object":"page"})"), "22023");
    EXPECT_EQ(state_of(cb::core::parse_openai_usage, R"({"object":"page","data":[{"object":"list"}]})"), "22023");
    EXPECT_EQ(state_of(cb::core::parse_openai_usage, R"({"object":"bucket","start_time":1})"), "22023");
    EXPECT_EQ(state_of(cb::core::parse_openai_usage, R"({"object":"list","data":[]})"), "22023");
    EXPECT_EQ(state_of(cb::core::parse_openai_usage, R"({"data":[]})"), "22023");
    EXPECT_EQ(state_of(cb::core::parse_openai_usage, "[]"), "22023");
    EXPECT_EQ(state_of(cb::core::parse_openai_usage, R"({"object":"page","data":[]})"), "none");
}

}  // namespace

// The 2026 shape: input_uncached_tokens and per-modality counts (issue 15).
TEST(ParseOpenAIUsage, UncachedAndModalities) {
    auto recs = parse_text(cb::core::parse_openai_usage,
                           R"({"object":"bucket","start_time":1780272000,"results":[
                               {"object":"organization.usage.completions.result","model":"gpt-4o-mini",
                                "service_tier":"priority","input_tokens":5000,"input_cached_tokens":1800,
                                "input_cache_write_tokens":200,"input_uncached_tokens":3000,
                                "input_text_tokens":2500,"input_cached_text_tokens":1500,
                                "input_audio_tokens":300,"input_cached_audio_tokens":100,
                                "input_image_tokens":200,"input_cached_image_tokens":200,
                                "output_tokens":1000,"output_text_tokens":800,"output_audio_tokens":100,
                                "output_image_tokens":100,"num_model_requests":5}]})");
    ASSERT_EQ(recs.size(), 1u);
    EXPECT_EQ(recs[0].service_tier, "priority");
    EXPECT_EQ(classes(recs[0]), classes("input=2500 cache_read=1800 cache_write=200 audio_input=300 "
                                        "image_input=200 output=800 audio_output=100 image_output=100 requests=5"));
    EXPECT_EQ(recs[0].attrs, nlohmann::json::parse(R"({"cached_audio_tokens":100,"cached_image_tokens":200})"));
    // input_tokens that is not uncached + cached + cache writes is refused, naming the counts.
    std::string msg;
    EXPECT_EQ(state_of(cb::core::parse_openai_usage,
                       R"({"object":"bucket","start_time":1780272000,"results":[{"input_tokens":10000,
                           "input_cached_tokens":4000,"input_uncached_tokens":5000}]})", &msg), "22P02");
    EXPECT_NE(msg.find("results[0].input_tokens (10000) is not input_uncached_tokens"), std::string::npos) << msg;
    // Uncached audio and image beyond the uncached total are impossible.
    EXPECT_EQ(state_of(cb::core::parse_openai_usage,
                       R"({"object":"bucket","start_time":1780272000,"results":[{"input_tokens":100,
                           "input_uncached_tokens":100,"input_audio_tokens":150}]})"), "22P02");
}
