// parse_anthropic_messages and parse_anthropic_usage (src/core/parsers/anthropic_*.cpp).
#include "core/error.hpp"
#include "core/json_reader.hpp"
#include "core/timestamp.hpp"
#include "core/token_usage.hpp"
#include "core/usage_record.hpp"

#include <gtest/gtest.h>

#include "parser_support.hpp"

#include <exception>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

using cb::core::Error;
using cb::core::format_iso_timestamp;
using cb::core::format_token_usage;
using cb::core::parse_anthropic_messages;
using cb::core::parse_anthropic_usage;
using cb::core::read_json;
using cb::core::UsageParser;
using cb::core::UsageRecord;

namespace {

using cb_test::fixture_path;
using cb_test::read_file;

using cb_test::error_of;
using cb_test::expect_error;
using cb_test::parse;
using cb_test::parse_fixture;
using cb_test::when;

}  // namespace

// ---------------------------------------------------------------------------------------
// Messages API

TEST(AnthropicMessages, BasicWithSplitCacheAndWebSearch) {
    auto rs = parse_fixture(parse_anthropic_messages, "anthropic_messages/basic.json");
    ASSERT_EQ(rs.size(), 1u);
    const UsageRecord& r = rs[0];
    EXPECT_EQ(r.provider, "anthropic");
    EXPECT_EQ(r.model, "claude-sonnet-4-20250514");
    EXPECT_EQ(r.request_id, "msg_01XFDUDYJgAACzvnptvVoYEL");
    EXPECT_EQ(r.service_tier, "standard");
    EXPECT_FALSE(r.occurred_at.has_value());
    EXPECT_EQ(format_token_usage(r.tokens),
              "input=2095 cache_read=14000 cache_write=1500 cache_write_1h=1000 output=503 requests=1 "
              "web_searches=2");
    EXPECT_TRUE(r.attrs.is_object());
    EXPECT_TRUE(r.attrs.empty());
}

TEST(AnthropicMessages, NoSplitAllWritesAreDefaultTtl) {
    auto rs = parse_fixture(parse_anthropic_messages, "anthropic_messages/no_split.json");
    ASSERT_EQ(rs.size(), 1u);
    const UsageRecord& r = rs[0];
    EXPECT_EQ(r.provider, "anthropic");
    EXPECT_EQ(r.model, "claude-3-7-sonnet-20250219");
    EXPECT_EQ(r.request_id, "msg_013Zva2CMHLNnXjNJJKqJ2EF");
    EXPECT_EQ(r.service_tier, "priority");
    EXPECT_FALSE(r.occurred_at.has_value());
    // Thinking stays in output: Anthropic does not break it out.
    EXPECT_EQ(format_token_usage(r.tokens), "input=1024 cache_write=2048 output=1256 requests=1");
}

TEST(AnthropicMessages, SplitWithoutTotalAndEmptySplit) {
    auto rs = parse(parse_anthropic_messages,
                    R"({"type":"message","id":"msg_1","model":"m","usage":{"input_tokens":10,"output_tokens":5,
                        "cache_creation":{"ephemeral_5m_input_tokens":0,"ephemeral_1h_input_tokens":7}}})");
    ASSERT_EQ(rs.size(), 1u);
    EXPECT_EQ(format_token_usage(rs[0].tokens), "input=10 cache_write_1h=7 output=5 requests=1");
    // An empty split object is no split: the total stays default-TTL writes.
    rs = parse(parse_anthropic_messages,
               R"({"type":"message","usage":{"input_tokens":1,"cache_creation_input_tokens":9,"cache_creation":{},"output_tokens":2}})");
    EXPECT_EQ(format_token_usage(rs[0].tokens), "input=1 cache_write=9 output=2 requests=1");
}

TEST(AnthropicMessages, StreamingMessageDelta) {
    auto rs = parse(parse_anthropic_messages,
                    R"({"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},
                        "usage":{"input_tokens":472,"cache_creation_input_tokens":0,"cache_read_input_tokens":1024,
                                 "output_tokens":89,"server_tool_use":{"web_search_requests":1}}})");
    ASSERT_EQ(rs.size(), 1u);
    EXPECT_EQ(rs[0].model, "");
    EXPECT_EQ(rs[0].request_id, "");
    EXPECT_EQ(format_token_usage(rs[0].tokens), "input=472 cache_read=1024 output=89 requests=1 web_searches=1");
}

TEST(AnthropicMessages, NotThisFormat) {
    expect_error(parse_anthropic_messages, "[1,2]", "22023", "anthropic_messages");
    expect_error(parse_anthropic_messages, R"("message")", "22023");
    expect_error(parse_anthropic_messages, R"({"type":"message","id":"msg_1"})", "22023", "no usage");
    expect_error(parse_anthropic_messages, R"({"type":"message","usage":null})", "22023", "no usage");
    expect_error(parse_anthropic_messages, R"({"type":"error","error":{"type":"overloaded_error"}})", "22023",
                 "\"error\"");
    expect_error(parse_anthropic_messages, R"({"type":"message_start","message":{"usage":{"input_tokens":1}}})",
                 "22023");
    // An OpenAI Responses object has input_tokens too, but no type "message".
    expect_error(parse_anthropic_messages, R"({"object":"response","usage":{"input_tokens":5,"output_tokens":1}})",
                 "22023");
    expect_error(parse_anthropic_messages, R"({"type":"message","usage":{"prompt_tokens":5}})", "22023");
}

TEST(AnthropicMessages, HostileCounts) {
    auto doc = [](const std::string& usage) { return R"({"type":"message","id":"msg_1","usage":)" + usage + "}"; };
    expect_error(parse_anthropic_messages, doc(R"({"input_tokens":"ten","output_tokens":1})"), "22P02",
                 "usage.input_tokens");
    expect_error(parse_anthropic_messages, doc(R"({"input_tokens":true,"output_tokens":1})"), "22P02",
                 "usage.input_tokens");
    expect_error(parse_anthropic_messages, doc(R"({"input_tokens":1,"output_tokens":-3})"), "22P02",
                 "usage.output_tokens");
    expect_error(parse_anthropic_messages, doc(R"({"input_tokens":1,"output_tokens":1.5})"), "22P02",
                 "usage.output_tokens");
    expect_error(parse_anthropic_messages, doc(R"({"input_tokens":1e30,"output_tokens":1})"), "22003",
                 "usage.input_tokens");
    expect_error(parse_anthropic_messages, doc(R"({"input_tokens":99999999999999999999,"output_tokens":1})"),
                 "22003");
    expect_error(parse_anthropic_messages, doc("[1]"), "22P02", "usage");
    expect_error(parse_anthropic_messages, doc(R"({"input_tokens":1,"cache_creation":[1]})"), "22P02",
                 "usage.cache_creation");
    expect_error(parse_anthropic_messages, doc(R"({"input_tokens":1,"server_tool_use":{"web_search_requests":"x"}})"),
                 "22P02", "usage.server_tool_use.web_search_requests");
    expect_error(parse_anthropic_messages, doc(R"({"input_tokens":1,"service_tier":{"a":1}})"), "22P02",
                 "usage.service_tier");
    expect_error(parse_anthropic_messages, R"({"type":"message","id":{"x":1},"usage":{"input_tokens":1}})", "22P02",
                 "id");
    expect_error(parse_anthropic_messages, R"({"type":["message"],"usage":{"input_tokens":1}})", "22P02", "type");
    expect_error(parse_anthropic_messages, R"({"type":7,"usage":{"input_tokens":1}})", "22023", "type is \"7\"");
}

TEST(AnthropicMessages, SplitMustAgreeWithTotal) {
    // 5m + 1h must equal cache_creation_input_tokens (the split is a breakdown of the writes).
    expect_error(parse_anthropic_messages,
                 R"({"type":"message","usage":{"input_tokens":1,"cache_creation_input_tokens":100,
                     "cache_creation":{"ephemeral_5m_input_tokens":80,"ephemeral_1h_input_tokens":30},"output_tokens":1}})",
                 "22P02", "cache_creation_input_tokens (100)");
    expect_error(parse_anthropic_messages,
                 R"({"type":"message","usage":{"input_tokens":1,"cache_creation_input_tokens":100,
                     "cache_creation":{"ephemeral_5m_input_tokens":10,"ephemeral_1h_input_tokens":30},"output_tokens":1}})",
                 "22P02");
    expect_error(parse_anthropic_messages,
                 R"({"type":"message","usage":{"input_tokens":1,
                     "cache_creation":{"ephemeral_5m_input_tokens":9223372036854775807,"ephemeral_1h_input_tokens":1}}})",
                 "22003");
}

// ---------------------------------------------------------------------------------------
// Admin API usage report

TEST(AnthropicUsage, ReportFixture) {
    auto rs = parse_fixture(parse_anthropic_usage, "anthropic_usage/report.json");
    ASSERT_EQ(rs.size(), 4u);  // the all-zero opus result is skipped

    EXPECT_EQ(rs[0].provider, "anthropic");
    EXPECT_EQ(rs[0].model, "claude-sonnet-4-20250514");
    EXPECT_EQ(when(rs[0]), "2025-08-01T00:00:00Z");
    EXPECT_EQ(rs[0].service_tier, "standard");
    EXPECT_EQ(rs[0].request_id,
              "anthropic_usage:2025-08-01T00:00:00Z:wrkspc_01JwQvzr7rXLA5AGx3HKfFUJ:apikey_01Rj2N8SVvo6BePZj99NhmiT:"
              "claude-sonnet-4-20250514:standard:0-200k");
    EXPECT_EQ(format_token_usage(rs[0].tokens),
              "input=1500 cache_read=200 cache_write=500 cache_write_1h=1000 output=500 web_searches=10");
    EXPECT_EQ(rs[0].attrs, nlohmann::json::parse(R"({"api_key":"apikey_01Rj2N8SVvo6BePZj99NhmiT",
        "workspace_id":"wrkspc_01JwQvzr7rXLA5AGx3HKfFUJ","context_window":"0-200k"})"));

    EXPECT_EQ(rs[1].model, "claude-3-5-haiku-20241022");
    EXPECT_EQ(when(rs[1]), "2025-08-01T00:00:00Z");
    EXPECT_EQ(rs[1].service_tier, "batch");
    EXPECT_EQ(rs[1].request_id,
              "anthropic_usage:2025-08-01T00:00:00Z:wrkspc_01JwQvzr7rXLA5AGx3HKfFUJ:apikey_01Rj2N8SVvo6BePZj99NhmiT:"
              "claude-3-5-haiku-20241022:batch:0-200k");
    EXPECT_EQ(format_token_usage(rs[1].tokens), "input=120000 output=34000");

    EXPECT_EQ(rs[2].model, "claude-sonnet-4-20250514");
    EXPECT_EQ(when(rs[2]), "2025-08-02T00:00:00Z");
    EXPECT_EQ(rs[2].service_tier, "priority");
    EXPECT_EQ(rs[2].request_id, "anthropic_usage:2025-08-02T00:00:00Z:::claude-sonnet-4-20250514:priority:200k-1M");
    EXPECT_EQ(format_token_usage(rs[2].tokens), "input=250000 cache_read=900000 cache_write=40000 output=12000");
    EXPECT_EQ(rs[2].attrs, nlohmann::json::parse(R"({"context_window":"200k-1M"})"));

    EXPECT_EQ(rs[3].model, "claude-sonnet-4-5-20250929");
    EXPECT_EQ(rs[3].request_id,
              "anthropic_usage:2025-08-02T00:00:00Z:wrkspc_01JwQvzr7rXLA5AGx3HKfFUJ:apikey_01KcT7xWm3Bq9fRz2YhN5pLd:"
              "claude-sonnet-4-5-20250929:standard:0-200k:inference_geo=us");
    EXPECT_EQ(format_token_usage(rs[3].tokens), "input=3000 output=800");
    EXPECT_EQ(rs[3].attrs["inference_geo"], "us");

    // No request count in the report: requests stays 0 everywhere.
    for (const auto& r : rs) EXPECT_EQ(r.tokens.get(cb::core::TokenClass::requests), 0);
}

TEST(AnthropicUsage, ReimportGivesTheSameIds) {
    std::string text = read_file(fixture_path("anthropic_usage/report.json"));
    auto a = parse(parse_anthropic_usage, text);
    auto b = parse(parse_anthropic_usage, text);
    ASSERT_EQ(a.size(), b.size());
    for (size_t i = 0; i < a.size(); ++i) EXPECT_EQ(a[i].request_id, b[i].request_id);
    for (size_t i = 0; i < a.size(); ++i)
        for (size_t j = i + 1; j < a.size(); ++j) EXPECT_NE(a[i].request_id, a[j].request_id);
    // The id uses the normalized bucket time.
    auto c = parse(parse_anthropic_usage,
                   R"({"starting_at":"2025-08-01T02:00:00+02:00","ending_at":"2025-08-02T00:00:00Z",
                       "results":[{"uncached_input_tokens":1,"model":"m","service_tier":"standard"}]})");
    ASSERT_EQ(c.size(), 1u);
    EXPECT_EQ(c[0].request_id, "anthropic_usage:2025-08-01T00:00:00Z:::m:standard:");
}

TEST(AnthropicUsage, SingleBucketAndEmptyReport) {
    auto rs = parse(parse_anthropic_usage,
                    R"({"starting_at":"2025-08-03T00:00:00Z","ending_at":"2025-08-04T00:00:00Z",
                        "results":[{"uncached_input_tokens":"42","output_tokens":7,"cache_read_input_tokens":null}]})");
    ASSERT_EQ(rs.size(), 1u);
    EXPECT_EQ(when(rs[0]), "2025-08-03T00:00:00Z");
    EXPECT_EQ(format_token_usage(rs[0].tokens), "input=42 output=7");
    EXPECT_EQ(rs[0].request_id, "anthropic_usage:2025-08-03T00:00:00Z:::::");
    EXPECT_TRUE(parse(parse_anthropic_usage, R"({"data":[],"has_more":false,"next_page":null})").empty());
    EXPECT_TRUE(parse(parse_anthropic_usage, R"({"data":[{"starting_at":"2025-08-01T00:00:00Z","results":[]}]})").empty());
}

TEST(AnthropicUsage, NotThisFormat) {
    expect_error(parse_anthropic_usage, "[]", "22023", "anthropic_usage");
    expect_error(parse_anthropic_usage, R"({"has_more":false})", "22023", "no data array");
    expect_error(parse_anthropic_usage, R"({"type":"message","usage":{"input_tokens":1}})", "22023");
    // OpenAI's usage buckets have start_time, not starting_at.
    expect_error(parse_anthropic_usage,
                 R"({"object":"page","data":[{"object":"bucket","start_time":1730419200,"results":[]}]})", "22023",
                 "data[0] has no starting_at");
    expect_error(parse_anthropic_usage, R"({"data":[{"starting_at":"2025-08-01T00:00:00Z"}]})", "22023",
                 "no results");
}

TEST(AnthropicUsage, HostileValues) {
    auto doc = [](const std::string& result) {
        return R"({"data":[{"starting_at":"2025-08-01T00:00:00Z","results":[)" + result + "]}]}";
    };
    expect_error(parse_anthropic_usage, doc(R"({"uncached_input_tokens":"lots"})"), "22P02",
                 "data[0].results[0].uncached_input_tokens");
    expect_error(parse_anthropic_usage, doc(R"({"output_tokens":-1})"), "22P02", "data[0].results[0].output_tokens");
    expect_error(parse_anthropic_usage, doc(R"({"cache_read_input_tokens":1e30})"), "22003",
                 "data[0].results[0].cache_read_input_tokens");
    expect_error(parse_anthropic_usage, doc(R"({"cache_creation":{"ephemeral_1h_input_tokens":[1]}})"), "22P02",
                 "data[0].results[0].cache_creation.ephemeral_1h_input_tokens");
    expect_error(parse_anthropic_usage, doc(R"({"cache_creation":5})"), "22P02", "cache_creation");
    expect_error(parse_anthropic_usage, doc("7"), "22P02", "data[0].results[0]");
    expect_error(parse_anthropic_usage, doc(R"({"uncached_input_tokens":1,"model":["x"]})"), "22P02", "model");
    expect_error(parse_anthropic_usage, R"({"data":{"starting_at":"x"}})", "22P02", "data");
    expect_error(parse_anthropic_usage, R"({"data":[5]})", "22P02", "data[0]");
    expect_error(parse_anthropic_usage, R"({"data":[{"starting_at":"2025-08-01T00:00:00Z","results":{}}]})", "22P02",
                 "data[0].results");
    expect_error(parse_anthropic_usage, R"({"data":[{"starting_at":"yesterday","results":[]}]})", "22P02",
                 "data[0].starting_at");
}
