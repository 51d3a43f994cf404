// parse_otlp (src/core/parsers/otlp.cpp).
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
using cb::core::parse_otlp;
using cb::core::read_json;
using cb::core::UsageRecord;

namespace {

using cb_test::fixture_path;
using cb_test::read_file;

std::vector<UsageRecord> parse(std::string_view text) { return cb_test::parse(parse_otlp, text); }
void expect_error(std::string_view text, const char* state, const std::string& part = {}) {
    cb_test::expect_error(parse_otlp, text, state, part);
}

std::string when(const UsageRecord& r) { return r.occurred_at ? format_iso_timestamp(*r.occurred_at) : ""; }

// A document with one span carrying `attributes` (a JSON array body) and the given extra span
// members.
std::string one_span(const std::string& attributes, const std::string& extra = {}) {
    return R"({"resourceSpans":[{"resource":{"attributes":[]},"scopeSpans":[{"scope":{"name":"t"},"spans":[
        {"traceId":"4bf92f3577b34da6a3ce929d0e0e4736","spanId":"00f067aa0ba902b7","name":"chat",)" +
           extra + R"("attributes":[)" + attributes + "]}]}]}]}";
}

std::string attr_int(const std::string& key, const std::string& v) {
    return R"({"key":")" + key + R"(","value":{"intValue":)" + v + "}}";
}

std::string attr_str(const std::string& key, const std::string& v) {
    return R"({"key":")" + key + R"(","value":{"stringValue":")" + v + R"("}})";
}

}  // namespace

TEST(Otlp, TracesFixture) {
    auto rs = parse(read_file(fixture_path("otlp/traces.json")));
    ASSERT_EQ(rs.size(), 2u);  // the HTTP span without usage is skipped

    const UsageRecord& a = rs[0];
    EXPECT_EQ(a.provider, "openai");
    EXPECT_EQ(a.model, "o4-mini-2025-04-16");
    EXPECT_EQ(a.request_id, "chatcmpl-C0ab12XyZ9rK3mQ7pL5tV8wN2sD4f");
    EXPECT_EQ(when(a), "2025-08-01T12:00:00.123456Z");
    EXPECT_EQ(a.service_tier, "default");
    EXPECT_EQ(format_token_usage(a.tokens), "input=86 cache_read=1920 output=108 reasoning=192 requests=1");
    EXPECT_EQ(a.attrs, nlohmann::json::parse(
                           R"({"user":"user-42","app":"support-bot","conversation_id":"conv_5j66UpCpwteGg4YSxUnt7lPY"})"));

    const UsageRecord& b = rs[1];
    EXPECT_EQ(b.provider, "anthropic");  // legacy gen_ai.system "Anthropic", normalized
    EXPECT_EQ(b.model, "claude-3-5-sonnet-20241022");
    EXPECT_EQ(b.request_id, "0af7651916cd43dd8448eb211c80319c:b7ad6b7169203331");
    EXPECT_EQ(when(b), "2025-08-01T12:00:05Z");
    EXPECT_EQ(b.service_tier, "");
    EXPECT_EQ(format_token_usage(b.tokens), "input=300 cache_read=1000 cache_write=200 output=250 requests=1");
    EXPECT_EQ(b.attrs, nlohmann::json::parse(R"({"user":"alice@example.com","app":"nightly-summarizer"})"));
}

TEST(Otlp, NoUsageSpansYieldNothing) {
    EXPECT_TRUE(parse(R"({"resourceSpans":[]})").empty());
    EXPECT_TRUE(parse(one_span(attr_str("http.route", "/x") + "," + attr_str("gen_ai.request.model", "gpt-4o"))).empty());
    EXPECT_TRUE(parse(R"({"resourceSpans":[{"resource":{}},{"scopeSpans":[{"spans":[]},{}]}]})").empty());
    // A doubleValue is not a token count.
    EXPECT_TRUE(parse(one_span(R"({"key":"gen_ai.usage.input_tokens","value":{"doubleValue":12.0}})")).empty());
}

TEST(Otlp, ProviderNormalizationAndFallbacks) {
    auto rs = parse(one_span(attr_str("gen_ai.provider.name", "gcp.vertex_ai") + "," +
                             attr_str("gen_ai.system", "ignored") + "," +
                             attr_str("gen_ai.request.model", "gemini-2.5-pro") + "," +
                             attr_int("gen_ai.usage.input_tokens", "10") + "," +
                             attr_int("gen_ai.usage.output_tokens", "4"),
                             R"("startTimeUnixNano":"0",)"));
    ASSERT_EQ(rs.size(), 1u);
    EXPECT_EQ(rs[0].provider, "google");
    EXPECT_EQ(rs[0].model, "gemini-2.5-pro");
    EXPECT_EQ(rs[0].request_id, "4bf92f3577b34da6a3ce929d0e0e4736:00f067aa0ba902b7");
    EXPECT_FALSE(rs[0].occurred_at.has_value());  // 0 = unset
    EXPECT_EQ(format_token_usage(rs[0].tokens), "input=10 output=4 requests=1");

    rs = parse(one_span(attr_str("gen_ai.system", "aws.bedrock") + "," + attr_int("gen_ai.usage.input_tokens", "1") +
                        "," + attr_str("gen_ai.openai.response.service_tier", "flex")));
    EXPECT_EQ(rs[0].provider, "bedrock");
    EXPECT_EQ(rs[0].service_tier, "flex");
    rs = parse(one_span(attr_str("gen_ai.provider.name", "azure.ai.openai") + "," +
                        attr_int("gen_ai.usage.output_tokens", "1")));
    EXPECT_EQ(rs[0].provider, "azure");
    rs = parse(one_span(attr_int("gen_ai.usage.output_tokens", "1")));
    EXPECT_EQ(rs[0].provider, "");
    EXPECT_EQ(rs[0].model, "");
}

TEST(Otlp, AlternativeCacheAndReasoningNames) {
    auto rs = parse(one_span(attr_int("gen_ai.usage.input_tokens", "100") + "," +
                             attr_int("gen_ai.usage.cache_read_input_tokens", "30") + "," +
                             attr_int("gen_ai.usage.cache_creation.input_tokens", "20") + "," +
                             attr_int("gen_ai.usage.output_tokens", "50") + "," +
                             attr_int("gen_ai.usage.reasoning_tokens", "10")));
    ASSERT_EQ(rs.size(), 1u);
    EXPECT_EQ(format_token_usage(rs[0].tokens),
              "input=50 cache_read=30 cache_write=20 output=40 reasoning=10 requests=1");
    // The current name wins over the legacy one.
    rs = parse(one_span(attr_int("gen_ai.usage.prompt_tokens", "999") + "," +
                        attr_int("gen_ai.usage.input_tokens", "7")));
    EXPECT_EQ(format_token_usage(rs[0].tokens), "input=7 requests=1");
    // A digit string in stringValue is accepted as a count.
    rs = parse(one_span(attr_str("gen_ai.usage.input_tokens", "12")));
    EXPECT_EQ(format_token_usage(rs[0].tokens), "input=12 requests=1");
}

TEST(Otlp, UserFromResourceAndLegacyScopeKey) {
    auto rs = parse(R"({"resourceSpans":[{"resource":{"attributes":[
        {"key":"service.name","value":{"stringValue":"etl"}},{"key":"enduser.id","value":{"stringValue":"svc-7"}}]},
        "instrumentationLibrarySpans":[{"instrumentationLibrary":{"name":"old"},"spans":[
          {"traceId":"t","spanId":"s","startTimeUnixNano":1754049600000000000,
           "attributes":[{"key":"gen_ai.usage.input_tokens","value":{"intValue":5}}]}]}]}]})");
    ASSERT_EQ(rs.size(), 1u);
    EXPECT_EQ(rs[0].attrs, nlohmann::json::parse(R"({"user":"svc-7","app":"etl"})"));
    EXPECT_EQ(when(rs[0]), "2025-08-01T12:00:00Z");
    EXPECT_EQ(rs[0].request_id, "t:s");
}

TEST(Otlp, AggregateParentSpansAreNotCountedTwice) {
    // invoke_agent (usage = sum of its two chat calls) -> chat, chat. Only the calls are records.
    auto rs = parse(R"({"resourceSpans":[{"scopeSpans":[{"spans":[
      {"traceId":"T","spanId":"agent","name":"invoke_agent helper","attributes":[
        {"key":"gen_ai.operation.name","value":{"stringValue":"invoke_agent"}},
        {"key":"gen_ai.usage.input_tokens","value":{"intValue":"30"}},
        {"key":"gen_ai.usage.output_tokens","value":{"intValue":"7"}}]},
      {"traceId":"T","spanId":"step","parentSpanId":"agent","name":"step","attributes":[]},
      {"traceId":"T","spanId":"c1","parentSpanId":"step","name":"chat","attributes":[
        {"key":"gen_ai.usage.input_tokens","value":{"intValue":"10"}},
        {"key":"gen_ai.usage.output_tokens","value":{"intValue":"3"}}]},
      {"traceId":"T","spanId":"c2","parentSpanId":"agent","name":"chat","attributes":[
        {"key":"gen_ai.usage.input_tokens","value":{"intValue":"20"}},
        {"key":"gen_ai.usage.output_tokens","value":{"intValue":"4"}}]},
      {"traceId":"U","spanId":"agent","name":"other trace, same span id","attributes":[
        {"key":"gen_ai.usage.input_tokens","value":{"intValue":"1"}}]}
    ]}]}]})");
    ASSERT_EQ(rs.size(), 3u);
    EXPECT_EQ(rs[0].request_id, "T:c1");
    EXPECT_EQ(rs[1].request_id, "T:c2");
    EXPECT_EQ(rs[2].request_id, "U:agent");
    // A parent cycle ends (each span is visited once).
    rs = parse(R"({"resourceSpans":[{"scopeSpans":[{"spans":[
      {"traceId":"T","spanId":"a","parentSpanId":"b","attributes":[{"key":"gen_ai.usage.input_tokens","value":{"intValue":1}}]},
      {"traceId":"T","spanId":"b","parentSpanId":"a","attributes":[{"key":"gen_ai.usage.input_tokens","value":{"intValue":2}}]}
    ]}]}]})");
    EXPECT_TRUE(rs.empty());
}

TEST(Otlp, NotThisFormat) {
    expect_error("[]", "22023", "otlp");
    expect_error(R"({"resourceMetrics":[]})", "22023", "resourceSpans");
    expect_error(R"({"usage":{"input_tokens":1}})", "22023");
}

TEST(Otlp, HostileValues) {
    expect_error(R"({"resourceSpans":{}})", "22P02", "resourceSpans");
    expect_error(R"({"resourceSpans":[1]})", "22P02", "resourceSpans[0]");
    expect_error(R"({"resourceSpans":[{"scopeSpans":{}}]})", "22P02", "resourceSpans[0].scopeSpans");
    expect_error(R"({"resourceSpans":[{"scopeSpans":[{"spans":[true]}]}]})", "22P02",
                 "resourceSpans[0].scopeSpans[0].spans[0]");
    expect_error(R"({"resourceSpans":[{"resource":{"attributes":{}}}]})", "22P02",
                 "resourceSpans[0].resource.attributes");
    expect_error(one_span("3"), "22P02", "attributes[0]");
    expect_error(one_span(R"({"key":"gen_ai.usage.input_tokens","value":5})"), "22P02", "attributes[0].value");
    expect_error(one_span(attr_int("gen_ai.usage.input_tokens", R"("-4")")), "22P02", "gen_ai.usage.input_tokens");
    expect_error(one_span(attr_int("gen_ai.usage.input_tokens", "-4")), "22P02", "gen_ai.usage.input_tokens");
    expect_error(one_span(attr_int("gen_ai.usage.output_tokens", R"("1e30")")), "22003", "gen_ai.usage.output_tokens");
    expect_error(one_span(attr_int("gen_ai.usage.output_tokens", "1e30")), "22003", "gen_ai.usage.output_tokens");
    expect_error(one_span(attr_str("gen_ai.usage.output_tokens", "many")), "22P02", "gen_ai.usage.output_tokens");
    expect_error(one_span(R"({"key":"gen_ai.usage.input_tokens","value":{"boolValue":true}})"), "22P02",
                 "gen_ai.usage.input_tokens");
    expect_error(one_span(R"({"key":"gen_ai.usage.input_tokens","value":{"arrayValue":{"values":[{"intValue":"1"}]}}})"),
                 "22P02", "gen_ai.usage.input_tokens");
    expect_error(one_span(R"({"key":"gen_ai.response.model","value":{"stringValue":["x"]}},)" +
                          attr_int("gen_ai.usage.input_tokens", "1")),
                 "22P02", "gen_ai.response.model");
    expect_error(one_span(attr_int("gen_ai.usage.input_tokens", "1"), R"("startTimeUnixNano":"yesterday",)"), "22P02",
                 "startTimeUnixNano");
    expect_error(one_span(attr_int("gen_ai.usage.input_tokens", "1"), R"("startTimeUnixNano":"99999999999999999999",)"),
                 "22P02", "startTimeUnixNano");
    expect_error(R"({"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":{"a":1},"spanId":"s","attributes":[]}]}]}]})",
                 "22P02", "traceId");
    // An unusable provider name is a clear error.
    expect_error(one_span(attr_str("gen_ai.provider.name", "Azure OpenAI!") + "," +
                          attr_int("gen_ai.usage.input_tokens", "1")),
                 "22023", "provider");
}

TEST(Otlp, PartsExceedingWholes) {
    expect_error(one_span(attr_int("gen_ai.usage.input_tokens", "10") + "," +
                          attr_int("gen_ai.usage.cache_read.input_tokens", "8") + "," +
                          attr_int("gen_ai.usage.cache_creation.input_tokens", "5")),
                 "22P02", "gen_ai.usage.input_tokens (10)");
    expect_error(one_span(attr_int("gen_ai.usage.output_tokens", "10") + "," +
                          attr_int("gen_ai.usage.reasoning.output_tokens", "11")),
                 "22P02", "gen_ai.usage.reasoning.output_tokens (11) exceeds");
    expect_error(one_span(attr_int("gen_ai.usage.input_tokens", "10") + "," +
                          attr_int("gen_ai.usage.cache_read.input_tokens", "9223372036854775807") + "," +
                          attr_int("gen_ai.usage.cache_creation.input_tokens", "1")),
                 "22003");
}
