// parse_gemini (src/core/parsers/gemini.cpp).
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
using cb::core::parse_gemini;
using cb::core::read_json;
using cb::core::UsageRecord;

namespace {

using cb_test::fixture_path;
using cb_test::read_file;

std::vector<UsageRecord> parse(std::string_view text) { return cb_test::parse(parse_gemini, text); }
void expect_error(std::string_view text, const char* state, const std::string& part = {}) {
    cb_test::expect_error(parse_gemini, text, state, part);
}

std::string usage_doc(const std::string& usage) { return R"({"modelVersion":"gemini-2.5-pro","usageMetadata":)" + usage + "}"; }

}  // namespace

TEST(Gemini, ApiWithThoughtsCacheImageAndToolUse) {
    auto rs = parse(read_file(fixture_path("gemini/basic.json")));
    ASSERT_EQ(rs.size(), 1u);
    const UsageRecord& r = rs[0];
    EXPECT_EQ(r.provider, "google");
    EXPECT_EQ(r.model, "gemini-2.5-flash");
    EXPECT_EQ(r.request_id, "mEWBaJm9LpCkz7IPn8Ks-Qg");
    EXPECT_FALSE(r.occurred_at.has_value());
    EXPECT_EQ(r.service_tier, "");
    // 12870 prompt - 8192 cached - 258 image + 120 tool-use prompt.
    EXPECT_EQ(format_token_usage(r.tokens),
              "input=4540 cache_read=8192 output=412 reasoning=1632 image_input=258 requests=1");
    EXPECT_TRUE(r.attrs.empty());
}

TEST(Gemini, VertexAudioWithCreateTime) {
    auto rs = parse(read_file(fixture_path("gemini/vertex_audio.json")));
    ASSERT_EQ(rs.size(), 1u);
    const UsageRecord& r = rs[0];
    EXPECT_EQ(r.provider, "vertex_ai");  // createTime and trafficType: Vertex AI bills it
    EXPECT_EQ(r.model, "gemini-2.5-flash");
    EXPECT_EQ(r.request_id, "4DiMaPfqJ5mZ2PgP3tG8iA4");
    ASSERT_TRUE(r.occurred_at.has_value());
    EXPECT_EQ(format_iso_timestamp(*r.occurred_at), "2025-08-01T12:34:56.789012Z");
    EXPECT_EQ(r.service_tier, "");
    EXPECT_EQ(r.attrs, nlohmann::json::parse(R"({"traffic_type":"ON_DEMAND"})"));
    EXPECT_EQ(format_token_usage(r.tokens),
              "input=320 cache_read=1600 output=100 audio_input=1600 audio_output=800 requests=1");
}

TEST(Gemini, VideoAndDocumentStayInput) {
    auto rs = parse(usage_doc(R"({"promptTokenCount":5000,"candidatesTokenCount":10,
        "promptTokensDetails":[{"modality":"VIDEO","tokenCount":3000},{"modality":"DOCUMENT","tokenCount":1500},
                               {"modality":"TEXT","tokenCount":400},{"modality":"IMAGE","tokenCount":50},
                               {"modality":"IMAGE","tokenCount":50}],
        "candidatesTokensDetails":[{"modality":"IMAGE","tokenCount":4}]})"));
    ASSERT_EQ(rs.size(), 1u);
    EXPECT_EQ(format_token_usage(rs[0].tokens), "input=4900 output=6 image_input=100 image_output=4 requests=1");
}

TEST(Gemini, MinimalAndTrafficTiers) {
    auto rs = parse(R"({"usageMetadata":{"promptTokenCount":8,"candidatesTokenCount":"3","totalTokenCount":11}})");
    ASSERT_EQ(rs.size(), 1u);
    EXPECT_EQ(rs[0].model, "");
    EXPECT_EQ(rs[0].request_id, "");
    EXPECT_EQ(format_token_usage(rs[0].tokens), "input=8 output=3 requests=1");
    rs = parse(usage_doc(R"({"promptTokenCount":1,"trafficType":"ON_DEMAND_PRIORITY"})"));
    EXPECT_EQ(rs[0].service_tier, "priority");
    rs = parse(usage_doc(R"({"promptTokenCount":1,"trafficType":"ON_DEMAND_FLEX"})"));
    EXPECT_EQ(rs[0].service_tier, "flex");
    rs = parse(usage_doc(R"({"promptTokenCount":1,"trafficType":"PROVISIONED_THROUGHPUT"})"));
    EXPECT_EQ(rs[0].service_tier, "");
    EXPECT_EQ(rs[0].attrs["traffic_type"], "PROVISIONED_THROUGHPUT");
}

TEST(Gemini, NotThisFormat) {
    expect_error("[]", "22023", "gemini");
    expect_error("null", "22023");
    expect_error(R"({"candidates":[]})", "22023", "usageMetadata");
    expect_error(R"({"usage":{"prompt_tokens":1}})", "22023");
}

TEST(Gemini, HostileValues) {
    expect_error(usage_doc("[]"), "22P02", "usageMetadata");
    expect_error(usage_doc(R"({"promptTokenCount":"many"})"), "22P02", "usageMetadata.promptTokenCount");
    expect_error(usage_doc(R"({"promptTokenCount":-1})"), "22P02", "usageMetadata.promptTokenCount");
    expect_error(usage_doc(R"({"candidatesTokenCount":1e30})"), "22003", "usageMetadata.candidatesTokenCount");
    expect_error(usage_doc(R"({"thoughtsTokenCount":true})"), "22P02", "usageMetadata.thoughtsTokenCount");
    expect_error(usage_doc(R"({"promptTokenCount":1,"promptTokensDetails":{"modality":"TEXT"}})"), "22P02",
                 "usageMetadata.promptTokensDetails");
    expect_error(usage_doc(R"({"promptTokenCount":1,"promptTokensDetails":[7]})"), "22P02",
                 "usageMetadata.promptTokensDetails[0]");
    expect_error(usage_doc(R"({"promptTokenCount":9,"promptTokensDetails":[{"modality":"AUDIO","tokenCount":"x"}]})"),
                 "22P02", "usageMetadata.promptTokensDetails[0].tokenCount");
    expect_error(usage_doc(R"({"promptTokenCount":9,"cacheTokensDetails":[{"modality":["AUDIO"],"tokenCount":1}]})"),
                 "22P02", "usageMetadata.cacheTokensDetails[0].modality");
    expect_error(R"({"createTime":"last tuesday","usageMetadata":{}})", "22P02", "createTime");
    expect_error(R"({"responseId":{"id":1},"usageMetadata":{}})", "22P02", "responseId");
}

TEST(Gemini, PartsExceedingWholes) {
    // cached > prompt
    expect_error(usage_doc(R"({"promptTokenCount":100,"cachedContentTokenCount":101})"), "22P02",
                 "usageMetadata.cachedContentTokenCount (101) exceeds usageMetadata.promptTokenCount (100)");
    // cached AUDIO > prompt AUDIO
    expect_error(usage_doc(R"({"promptTokenCount":100,"cachedContentTokenCount":50,
        "promptTokensDetails":[{"modality":"AUDIO","tokenCount":10}],
        "cacheTokensDetails":[{"modality":"AUDIO","tokenCount":20}]})"),
                 "22P02", "AUDIO tokens of usageMetadata.cacheTokensDetails");
    // uncached AUDIO + IMAGE > uncached prompt
    expect_error(usage_doc(R"({"promptTokenCount":100,"cachedContentTokenCount":50,
        "promptTokensDetails":[{"modality":"AUDIO","tokenCount":60},{"modality":"IMAGE","tokenCount":1}]})"),
                 "22P02", "exceeds the uncached prompt");
    // AUDIO + IMAGE output > candidates
    expect_error(usage_doc(R"({"candidatesTokenCount":10,
        "candidatesTokensDetails":[{"modality":"AUDIO","tokenCount":8},{"modality":"IMAGE","tokenCount":3}]})"),
                 "22P02", "usageMetadata.candidatesTokenCount (10)");
    // Overflow in the sums is 22003, never wrap-around.
    expect_error(usage_doc(R"({"promptTokenCount":9223372036854775807,"toolUsePromptTokenCount":1})"), "22003");
    expect_error(usage_doc(R"({"promptTokenCount":1,"promptTokensDetails":[
        {"modality":"AUDIO","tokenCount":9223372036854775807},{"modality":"AUDIO","tokenCount":1}]})"),
                 "22003");
}
