// parse_bedrock_converse and parse_bedrock_log (src/core/parsers/bedrock_*.cpp).
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
using cb::core::parse_bedrock_converse;
using cb::core::parse_bedrock_log;
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
// Converse

TEST(BedrockConverse, Basic) {
    auto rs = parse(parse_bedrock_converse, read_file(fixture_path("bedrock_converse/basic.json")));
    ASSERT_EQ(rs.size(), 1u);
    const UsageRecord& r = rs[0];
    EXPECT_EQ(r.provider, "bedrock");
    EXPECT_EQ(r.model, "");
    EXPECT_EQ(r.request_id, "");
    EXPECT_EQ(r.service_tier, "");
    EXPECT_FALSE(r.occurred_at.has_value());
    EXPECT_TRUE(r.attrs.empty());
    EXPECT_EQ(format_token_usage(r.tokens), "input=1250 cache_read=6000 cache_write=2000 output=342 requests=1");
}

TEST(BedrockConverse, StreamMetadataEventAndServiceTier) {
    auto rs = parse(parse_bedrock_converse,
                    R"({"metadata":{"usage":{"inputTokens":30,"outputTokens":12,"totalTokens":42},
                        "metrics":{"latencyMs":811},"serviceTier":{"type":"flex"}}})");
    ASSERT_EQ(rs.size(), 1u);
    EXPECT_EQ(rs[0].service_tier, "flex");
    EXPECT_EQ(format_token_usage(rs[0].tokens), "input=30 output=12 requests=1");
    rs = parse(parse_bedrock_converse,
               R"({"usage":{"inputTokens":1,"outputTokens":2},"serviceTier":{"type":"priority"}})");
    EXPECT_EQ(rs[0].service_tier, "priority");
}

TEST(BedrockConverse, CacheDetailsSplitByTtl) {
    auto rs = parse(parse_bedrock_converse,
                    R"({"usage":{"inputTokens":10,"outputTokens":5,"totalTokens":1515,"cacheReadInputTokens":0,
                        "cacheWriteInputTokens":1500,
                        "cacheDetails":[{"ttl":"1h","inputTokens":1000},{"ttl":"5m","inputTokens":500}]}})");
    ASSERT_EQ(rs.size(), 1u);
    EXPECT_EQ(format_token_usage(rs[0].tokens), "input=10 cache_write=500 cache_write_1h=1000 output=5 requests=1");
    rs = parse(parse_bedrock_converse, R"({"usage":{"inputTokens":1,"cacheWriteInputTokens":7,"cacheDetails":[]}})");
    EXPECT_EQ(format_token_usage(rs[0].tokens), "input=1 cache_write=7 requests=1");
    expect_error(parse_bedrock_converse,
                 R"({"usage":{"inputTokens":1,"cacheWriteInputTokens":100,
                     "cacheDetails":[{"ttl":"1h","inputTokens":60},{"ttl":"5m","inputTokens":50}]}})",
                 "22P02", "usage.cacheWriteInputTokens (100)");
    expect_error(parse_bedrock_converse,
                 R"({"usage":{"inputTokens":1,"cacheDetails":[{"ttl":"24h","inputTokens":60}]}})", "22P02",
                 "usage.cacheDetails[0].ttl");
    expect_error(parse_bedrock_converse, R"({"usage":{"inputTokens":1,"cacheDetails":[3]}})", "22P02",
                 "usage.cacheDetails[0]");
    expect_error(parse_bedrock_converse, R"({"usage":{"inputTokens":1,"cacheDetails":{"ttl":"5m"}}})", "22P02",
                 "usage.cacheDetails");
}

TEST(BedrockConverse, NotThisFormat) {
    expect_error(parse_bedrock_converse, "[]", "22023", "bedrock_converse");
    expect_error(parse_bedrock_converse, R"({"output":{},"stopReason":"end_turn"})", "22023", "no usage");
    expect_error(parse_bedrock_converse, R"({"metadata":{"metrics":{"latencyMs":1}}})", "22023");
    // An Anthropic or OpenAI usage object is not Bedrock's.
    expect_error(parse_bedrock_converse, R"({"usage":{"input_tokens":1,"output_tokens":2}})", "22023");
}

TEST(BedrockConverse, HostileValues) {
    expect_error(parse_bedrock_converse, R"({"usage":[1]})", "22P02", "usage");
    expect_error(parse_bedrock_converse, R"({"usage":{"inputTokens":"1k","outputTokens":1}})", "22P02",
                 "usage.inputTokens");
    expect_error(parse_bedrock_converse, R"({"usage":{"inputTokens":1,"outputTokens":-1}})", "22P02",
                 "usage.outputTokens");
    expect_error(parse_bedrock_converse, R"({"usage":{"inputTokens":1e30}})", "22003", "usage.inputTokens");
    expect_error(parse_bedrock_converse, R"({"metadata":{"usage":{"inputTokens":1,"cacheReadInputTokens":false}}})",
                 "22P02", "metadata.usage.cacheReadInputTokens");
    expect_error(parse_bedrock_converse, R"({"metadata":{"usage":"none"}})", "22P02", "metadata.usage");
    expect_error(parse_bedrock_converse, R"({"usage":{"inputTokens":1},"serviceTier":"flex"})", "22P02",
                 "serviceTier");
    expect_error(parse_bedrock_converse,
                 R"({"usage":{"inputTokens":1,"cacheDetails":[{"ttl":"5m","inputTokens":9223372036854775807},
                                                             {"ttl":"5m","inputTokens":1}]}})",
                 "22003");
}

// ---------------------------------------------------------------------------------------
// Model invocation logs

TEST(BedrockLog, InvocationFixture) {
    auto rs = parse(parse_bedrock_log, read_file(fixture_path("bedrock_log/invocation.json")));
    ASSERT_EQ(rs.size(), 1u);
    const UsageRecord& r = rs[0];
    EXPECT_EQ(r.provider, "bedrock");
    EXPECT_EQ(r.model, "us.anthropic.claude-3-7-sonnet-20250219-v1:0");
    EXPECT_EQ(r.request_id, "915a6a04-3f83-4c70-a277-7fbf7ea546b3");
    EXPECT_EQ(when(r), "2025-08-01T09:15:27Z");
    EXPECT_EQ(r.service_tier, "");
    EXPECT_EQ(format_token_usage(r.tokens), "input=35 cache_read=4096 cache_write=1024 output=446 requests=1");
    EXPECT_EQ(r.attrs, nlohmann::json::parse(R"({
        "user":"arn:aws:sts::123456789012:assumed-role/chat-backend/i-0abc123def4567890",
        "account_id":"123456789012","region":"us-east-1",
        "model_arn":"arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-3-7-sonnet-20250219-v1:0"})"));
}

TEST(BedrockLog, ArrayOfRecordsAndModelIds) {
    auto rs = parse(parse_bedrock_log, R"([
      {"schemaType":"ModelInvocationLog","schemaVersion":"1.0","timestamp":"2025-08-01T10:00:00Z",
       "accountId":"123456789012","identity":{"arn":"arn:aws:iam::123456789012:user/alice"},"region":"eu-west-1",
       "requestId":"r-1","operation":"InvokeModel","modelId":"amazon.nova-lite-v1:0",
       "input":{"inputContentType":"application/json","inputTokenCount":120},
       "output":{"outputContentType":"application/json","outputTokenCount":"40"}},
      {"schemaType":"ModelInvocationLog","timestamp":"2025-08-01T10:00:01Z","requestId":"r-2",
       "modelId":"arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-haiku-20240307-v1:0",
       "input":{"inputTokenCount":10},"output":{"outputTokenCount":2}},
      {"modelId":"meta.llama3-70b-instruct-v1:0","input":{"inputTokenCount":3},"output":{}}
    ])");
    ASSERT_EQ(rs.size(), 3u);
    EXPECT_EQ(rs[0].model, "amazon.nova-lite-v1:0");
    EXPECT_EQ(rs[0].request_id, "r-1");
    EXPECT_EQ(when(rs[0]), "2025-08-01T10:00:00Z");
    EXPECT_EQ(format_token_usage(rs[0].tokens), "input=120 output=40 requests=1");
    EXPECT_EQ(rs[0].attrs, nlohmann::json::parse(R"({"user":"arn:aws:iam::123456789012:user/alice",
        "account_id":"123456789012","region":"eu-west-1"})"));
    EXPECT_EQ(rs[1].model, "anthropic.claude-3-haiku-20240307-v1:0");
    EXPECT_EQ(rs[1].attrs["model_arn"], "arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-haiku-20240307-v1:0");
    EXPECT_EQ(format_token_usage(rs[1].tokens), "input=10 output=2 requests=1");
    EXPECT_EQ(rs[2].model, "meta.llama3-70b-instruct-v1:0");
    EXPECT_FALSE(rs[2].occurred_at.has_value());
    EXPECT_EQ(format_token_usage(rs[2].tokens), "input=3 requests=1");
    EXPECT_TRUE(parse(parse_bedrock_log, "[]").empty());
}

TEST(BedrockLog, NotThisFormat) {
    expect_error(parse_bedrock_log, "42", "22023", "bedrock_log");
    expect_error(parse_bedrock_log, R"({"schemaType":"AgentInvocationLog","modelId":"x","input":{}})", "22023",
                 "AgentInvocationLog");
    expect_error(parse_bedrock_log, R"({"usage":{"inputTokens":1}})", "22023", "ModelInvocationLog");
    expect_error(parse_bedrock_log, R"({"modelId":"amazon.nova-lite-v1:0"})", "22023");
    expect_error(parse_bedrock_log, R"([{"schemaType":"ModelInvocationLog"},{"foo":1}])", "22023", "[1]");
}

TEST(BedrockLog, HostileValues) {
    const std::string head = R"({"schemaType":"ModelInvocationLog","modelId":"m",)";
    expect_error(parse_bedrock_log, head + R"("input":{"inputTokenCount":"n/a"}})", "22P02", "input.inputTokenCount");
    expect_error(parse_bedrock_log, head + R"("input":{"inputTokenCount":-2}})", "22P02", "input.inputTokenCount");
    expect_error(parse_bedrock_log, head + R"("input":{"cacheReadInputTokenCount":1e30}})", "22003",
                 "input.cacheReadInputTokenCount");
    expect_error(parse_bedrock_log, head + R"("output":{"outputTokenCount":[1]}})", "22P02", "output.outputTokenCount");
    expect_error(parse_bedrock_log, head + R"("input":"text"})", "22P02", "input");
    expect_error(parse_bedrock_log, head + R"("timestamp":"soon"})", "22P02", "timestamp");
    expect_error(parse_bedrock_log, head + R"("identity":{"arn":[5]}})", "22P02", "identity.arn");
    expect_error(parse_bedrock_log, head + R"("identity":"alice"})", "22P02", "identity");
    expect_error(parse_bedrock_log, R"([{"schemaType":"ModelInvocationLog"}, 7])", "22P02", "[1]");
    expect_error(parse_bedrock_log, R"([{"schemaType":"ModelInvocationLog","input":{"inputTokenCount":-1}}])", "22P02",
                 "[0].input.inputTokenCount");
}
