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
    EXPECT_EQ(rs[0].provider, "vertex_ai");
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
    // A parent cycle is cut where the walk from the first span meets it (b's link back to a):
    // b is then a root, a its child, and a is charged once.
    rs = parse(R"({"resourceSpans":[{"scopeSpans":[{"spans":[
      {"traceId":"T","spanId":"a","parentSpanId":"b","attributes":[{"key":"gen_ai.usage.input_tokens","value":{"intValue":1}}]},
      {"traceId":"T","spanId":"b","parentSpanId":"a","attributes":[{"key":"gen_ai.usage.input_tokens","value":{"intValue":2}}]}
    ]}]}]})");
    ASSERT_EQ(rs.size(), 1u);
    EXPECT_EQ(rs[0].request_id, "T:a");
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

namespace {

// A span of trace "T" (JSON object text) with the given id, parent ("" = none) and attributes.
std::string span(const std::string& id, const std::string& parent, const std::string& attributes) {
    return R"({"traceId":"T","spanId":")" + id + R"(",)" +
           (parent.empty() ? std::string() : R"("parentSpanId":")" + parent + R"(",)") + R"("attributes":[)" +
           attributes + "]}";
}

std::string doc_of(const std::string& spans, const std::string& scope = "app") {
    return R"({"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"svc"}}]},)"
           R"("scopeSpans":[{"scope":{"name":")" + scope + R"("},"spans":[)" + spans + "]}]}]}";
}

std::string usage(const std::string& provider, int in, int out, int read = 0, int write = 0) {
    std::string a = attr_str("gen_ai.provider.name", provider) + "," + attr_str("gen_ai.request.model", "m") + "," +
                    attr_int("gen_ai.usage.input_tokens", std::to_string(in)) + "," +
                    attr_int("gen_ai.usage.output_tokens", std::to_string(out));
    if (read) a += "," + attr_int("gen_ai.usage.cache_read.input_tokens", std::to_string(read));
    if (write) a += "," + attr_int("gen_ai.usage.cache_creation.input_tokens", std::to_string(write));
    return a;
}

struct Captured {
    const char* fixture;
    const char* provider;
    const char* model;
    const char* request_id;  // "" = the deterministic "<traceId>:<spanId>"
    const char* tier;
    const char* tokens;
    bool uncached_note;
};

}  // namespace

// Exports captured from the real, unmodified instrumentations (test/otel/capture.cjs against
// its mock APIs, which report: OpenAI prompt 1200 of which 1000 cached, completion 300 of which
// 100 reasoning; Anthropic input_tokens 12 uncached, cache reads 500, cache writes 3072 =
// 1024 five-minute + 2048 one-hour, output 300, service tier priority). Each export holds the
// application's SERVER span (enduser.id) > an INTERNAL span > the instrumentation's span(s).
TEST(Otlp, CapturedExportsOfRealInstrumentations) {
    const Captured cases[] = {
        // Upstream and Traceloop OpenAI instrumentations report no cached or reasoning tokens:
        // their spans are charged as uncached input and plain output.
        {"captured_otel_openai.json", "openai", "o4-mini-2025-04-16", "chatcmpl-capture0001", "",
         "input=1200 output=300 requests=1", false},
        {"captured_traceloop_openai.json", "openai", "o4-mini-2025-04-16", "chatcmpl-capture0002", "",
         "input=1200 output=300 requests=1", false},
        // OpenInference: llm.token_count.*, no response id.
        {"captured_openinference_openai.json", "openai", "o4-mini-2025-04-16", "", "",
         "input=200 cache_read=1000 output=200 reasoning=100 requests=1", false},
        // The Anthropic SDK's own spans: cache_write.input_tokens with the 5m/1h split, the tier.
        {"captured_anthropic_sdk_1.json", "anthropic", "claude-sonnet-4-5-20250929", "msg_capture0004", "priority",
         "input=12 cache_read=500 cache_write=1024 cache_write_1h=2048 output=300 requests=1", false},
        {"captured_anthropic_sdk_0.json", "anthropic", "claude-sonnet-4-5-20250929", "msg_capture0005", "priority",
         "input=12 cache_read=500 cache_write=1024 cache_write_1h=2048 output=300 requests=1", false},
        // Traceloop's Anthropic span alone: uncached input_tokens beside the cache counts, no split.
        {"captured_traceloop_anthropic.json", "anthropic", "claude-sonnet-4-5-20250929", "", "",
         "input=12 cache_read=500 cache_write=3072 output=300 requests=1", true},
        // Nested pairs: the instrumentation's span around the SDK's span is charged once, as the
        // SDK's span (the inner one).
        {"captured_traceloop_anthropic_nested.json", "anthropic", "claude-sonnet-4-5-20250929", "msg_capture0007",
         "priority", "input=12 cache_read=500 cache_write=1024 cache_write_1h=2048 output=300 requests=1", false},
        {"captured_openinference_anthropic.json", "anthropic", "claude-sonnet-4-5-20250929", "", "",
         "input=12 cache_read=500 cache_write=3072 output=300 requests=1", false},
        {"captured_openinference_anthropic_nested.json", "anthropic", "claude-sonnet-4-5-20250929", "msg_capture0009",
         "priority", "input=12 cache_read=500 cache_write=1024 cache_write_1h=2048 output=300 requests=1", false},
    };
    for (const Captured& c : cases) {
        SCOPED_TRACE(c.fixture);
        const std::string text = read_file(fixture_path(std::string("otlp/") + c.fixture));
        auto rs = parse(text);
        ASSERT_EQ(rs.size(), 1u);
        const UsageRecord& r = rs[0];
        ASSERT_FALSE(r.rejection.has_value()) << r.rejection->what();
        EXPECT_EQ(r.provider, c.provider);
        EXPECT_EQ(r.model, c.model);
        if (*c.request_id) {
            EXPECT_EQ(r.request_id, c.request_id);
        } else {
            EXPECT_EQ(r.request_id.size(), 32u + 1 + 16) << r.request_id;  // traceId:spanId
        }
        EXPECT_EQ(r.service_tier, c.tier);
        EXPECT_EQ(format_token_usage(r.tokens), c.tokens);
        EXPECT_EQ(r.attrs.value("user", ""), "ana@acme.test");  // from the SERVER span, two levels up
        EXPECT_EQ(r.attrs.value("app", ""), "support-bot");
        EXPECT_EQ(r.attrs.contains("otlp_input"), c.uncached_note) << r.attrs.dump();
        EXPECT_FALSE(when(r).empty());
    }
}

// One bad span rejects that span only: the others are read, and the rejected one carries its
// piece of the export (the span and its ancestors) as a payload of its own.
TEST(Otlp, RejectsPerSpanNeverPerExport) {
    const std::string text = doc_of(
        span("root", "", attr_str("enduser.id", "ana")) + "," +
        span("good1", "root", usage("openai", 100, 10)) + "," +
        span("bad", "root", usage("openai", 10, 1, 8, 5)) + "," +  // cached 13 > input 10 (openai: inclusive)
        R"("not a span",)" + span("good2", "", usage("openai", 7, 1)));
    auto rs = parse(text);
    ASSERT_EQ(rs.size(), 4u);
    EXPECT_EQ(rs[0].request_id, "T:good1");
    EXPECT_FALSE(rs[0].rejection.has_value());
    ASSERT_TRUE(rs[1].rejection.has_value());
    EXPECT_STREQ(rs[1].rejection->sqlstate(), "22P02");
    EXPECT_NE(std::string(rs[1].rejection->what()).find("gen_ai.usage.input_tokens (10)"), std::string::npos);
    ASSERT_TRUE(rs[2].rejection.has_value());
    EXPECT_NE(std::string(rs[2].rejection->what()).find("spans[3] must be a JSON object, not string"),
              std::string::npos);
    EXPECT_EQ(rs[2].piece, R"({"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"svc"}}]},"scopeSpans":[{"scope":{"name":"app"},"spans":["not a span"]}]}]})");
    EXPECT_EQ(rs[3].request_id, "T:good2");
    EXPECT_EQ(rs[0].attrs.value("user", ""), "ana");

    // The bad span's piece: its ancestors then itself, the resource and scope kept. Fed again
    // it gives the same rejection (and the user it inherits once fixed).
    const nlohmann::json piece = nlohmann::json::parse(rs[1].piece);
    const auto& piece_spans = piece["resourceSpans"][0]["scopeSpans"][0]["spans"];
    ASSERT_EQ(piece_spans.size(), 2u);
    EXPECT_EQ(piece_spans[0]["spanId"], "root");
    EXPECT_EQ(piece_spans[1]["spanId"], "bad");
    EXPECT_EQ(piece["resourceSpans"][0]["scopeSpans"][0]["scope"]["name"], "app");
    auto again = parse(rs[1].piece);
    ASSERT_EQ(again.size(), 1u);
    EXPECT_TRUE(again[0].rejection.has_value());
    // A good record carries its piece too (for a rejection when it cannot be stored).
    EXPECT_EQ(nlohmann::json::parse(rs[0].piece)["resourceSpans"][0]["scopeSpans"][0]["spans"][1]["spanId"], "good1");

    // parse_usage_text raises only when nothing is usable (as for a payload of one bad record).
    EXPECT_NO_THROW(cb::core::raise_if_all_rejected(rs));
    EXPECT_THROW(cb::core::raise_if_all_rejected(again), Error);
    // The structure of the export itself still refuses it whole.
    expect_error(R"({"resourceSpans":[{"scopeSpans":[7]}]})", "22P02", "scopeSpans[0]");
}

// A piece keeps at most 16 ancestors: a hostile chain cannot make every piece the whole export.
TEST(Otlp, PieceAncestorsAreBounded) {
    std::string spans = span("s0", "", "");
    for (int i = 1; i < 40; ++i) spans += "," + span("s" + std::to_string(i), "s" + std::to_string(i - 1), "");
    spans += "," + span("bad", "s39", attr_int("gen_ai.usage.input_tokens", "-1"));
    auto rs = parse(doc_of(spans));
    ASSERT_EQ(rs.size(), 1u);
    ASSERT_TRUE(rs[0].rejection.has_value());
    EXPECT_EQ(nlohmann::json::parse(rs[0].piece)["resourceSpans"][0]["scopeSpans"][0]["spans"].size(), 17u);
}

// Where the input count is evidently uncached it is read so, and attrs.otlp_input says why.
TEST(Otlp, EvidentlyUncachedInput) {
    // (b) anthropic or bedrock, input smaller than its cache counts (Traceloop's shape, any scope).
    auto rs = parse(doc_of(span("a", "", usage("anthropic", 12, 300, 500, 3072))));
    ASSERT_EQ(rs.size(), 1u);
    ASSERT_FALSE(rs[0].rejection.has_value());
    EXPECT_EQ(format_token_usage(rs[0].tokens), "input=12 cache_read=500 cache_write=3072 output=300 requests=1");
    EXPECT_EQ(rs[0].attrs["otlp_input"],
              "uncached: gen_ai.usage.input_tokens (12) is smaller than the cache tokens (3572)");
    rs = parse(doc_of(span("a", "", usage("aws.bedrock", 1, 1, 2, 0))));
    EXPECT_EQ(format_token_usage(rs[0].tokens), "input=1 cache_read=2 output=1 requests=1");
    // An anthropic input at least its cache counts is read as the conventions say (inclusive).
    rs = parse(doc_of(span("a", "", usage("anthropic", 3584, 300, 500, 3072))));
    EXPECT_EQ(format_token_usage(rs[0].tokens), "input=12 cache_read=500 cache_write=3072 output=300 requests=1");
    EXPECT_FALSE(rs[0].attrs.contains("otlp_input"));
    // Another provider's smaller input is an impossible count: that span is rejected.
    rs = parse(doc_of(span("a", "", usage("openai", 12, 300, 500))));
    ASSERT_TRUE(rs[0].rejection.has_value());
    EXPECT_NE(std::string(rs[0].rejection->what()).find("exceeds"), std::string::npos);
    // (a) Traceloop's Anthropic instrumentation reports uncached input even when it is the larger.
    rs = parse(doc_of(span("a", "", usage("anthropic", 5000, 300, 1000)), "@traceloop/instrumentation-anthropic"));
    EXPECT_EQ(format_token_usage(rs[0].tokens), "input=5000 cache_read=1000 output=300 requests=1");
    EXPECT_EQ(rs[0].attrs["otlp_input"],
              "uncached: @traceloop/instrumentation-anthropic reports Anthropic's input_tokens");
}

TEST(Otlp, AnthropicCacheWriteSplitAndTier) {
    const std::string split = attr_int("anthropic.usage.cache_creation.ephemeral_5m_input_tokens", "1024") + "," +
                              attr_int("anthropic.usage.cache_creation.ephemeral_1h_input_tokens", "2048");
    // The SDK's names: cache_write.input_tokens is the total of both TTLs.
    auto rs = parse(one_span(attr_str("gen_ai.provider.name", "anthropic") + "," +
                             attr_int("gen_ai.usage.input_tokens", "3584") + "," +
                             attr_int("gen_ai.usage.cache_write.input_tokens", "3072") + "," +
                             attr_int("gen_ai.usage.cache_creation.input_tokens", "1") + "," +  // a later name loses
                             attr_int("gen_ai.usage.cache_read.input_tokens", "500") + "," + split + "," +
                             attr_str("anthropic.response.service_tier", "priority") + "," +
                             attr_int("gen_ai.usage.output_tokens", "300")));
    ASSERT_EQ(rs.size(), 1u);
    EXPECT_EQ(format_token_usage(rs[0].tokens),
              "input=12 cache_read=500 cache_write=1024 cache_write_1h=2048 output=300 requests=1");
    EXPECT_EQ(rs[0].service_tier, "priority");
    // Without a total, the split is the total.
    rs = parse(one_span(attr_int("gen_ai.usage.input_tokens", "3073") + "," + split));
    EXPECT_EQ(format_token_usage(rs[0].tokens), "input=1 cache_write=1024 cache_write_1h=2048 requests=1");
    // A one-hour part larger than the total rejects the span, naming both.
    expect_error(one_span(attr_int("gen_ai.usage.input_tokens", "5000") + "," +
                          attr_int("gen_ai.usage.cache_write.input_tokens", "100") + "," + split),
                 "22P02", "ephemeral_1h_input_tokens (2048) exceeds");
}

TEST(Otlp, OpenInferenceNames) {
    auto rs = parse(one_span(attr_str("llm.system", "openai") + "," + attr_str("llm.provider", "azure") + "," +
                             attr_str("llm.model_name", "gpt-4o-audio") + "," +
                             attr_int("llm.token_count.prompt", "1000") + "," +
                             attr_int("llm.token_count.prompt_details.cache_read", "300") + "," +
                             attr_int("llm.token_count.prompt_details.cache_write", "100") + "," +
                             attr_int("llm.token_count.prompt_details.audio", "50") + "," +
                             attr_int("llm.token_count.completion", "400") + "," +
                             attr_int("llm.token_count.completion_details.reasoning", "150") + "," +
                             attr_int("llm.token_count.completion_details.audio", "20") + "," +
                             attr_str("session.id", "sess-1")));
    ASSERT_EQ(rs.size(), 1u);
    EXPECT_EQ(rs[0].provider, "azure");  // llm.provider before llm.system
    EXPECT_EQ(rs[0].model, "gpt-4o-audio");
    EXPECT_EQ(rs[0].request_id, "4bf92f3577b34da6a3ce929d0e0e4736:00f067aa0ba902b7");
    EXPECT_EQ(format_token_usage(rs[0].tokens),
              "input=550 cache_read=300 cache_write=100 output=230 reasoning=150 audio_input=50 audio_output=20 "
              "requests=1");
    EXPECT_EQ(rs[0].attrs.value("session_id", ""), "sess-1");
    // The GenAI conventions win over OpenInference for the same quantity.
    rs = parse(one_span(attr_int("llm.token_count.prompt", "999") + "," + attr_int("gen_ai.usage.input_tokens", "5")));
    EXPECT_EQ(format_token_usage(rs[0].tokens), "input=5 requests=1");
}

// Attribution from the trace: the span's own value, else the nearest ancestor's in the export,
// else (user) the resource's.
TEST(Otlp, AttributionFromNearestAncestor) {
    auto rs = parse(R"({"resourceSpans":[{"resource":{"attributes":[
        {"key":"enduser.id","value":{"stringValue":"from-resource"}}]},"scopeSpans":[{"spans":[)" +
                    span("server", "", attr_str("enduser.id", "ana") + "," + attr_str("gen_ai.conversation.id", "c1")) +
                    "," + span("mid", "server", attr_str("user.id", "bob") + "," + attr_str("session.id", "s1")) + "," +
                    span("call1", "mid", usage("openai", 1, 1)) + "," +
                    span("call2", "mid", usage("openai", 1, 1) + "," + attr_str("enduser.id", "own")) + "," +
                    span("call3", "server", usage("openai", 1, 1)) + "," + span("lone", "", usage("openai", 1, 1)) +
                    "," + span("orphan", "not-in-export", usage("openai", 1, 1)) + "]}]}]}");
    ASSERT_EQ(rs.size(), 5u);
    EXPECT_EQ(rs[0].attrs, nlohmann::json::parse(R"({"user":"bob","conversation_id":"c1","session_id":"s1"})"));
    EXPECT_EQ(rs[1].attrs.value("user", ""), "own");
    EXPECT_EQ(rs[2].attrs, nlohmann::json::parse(R"({"user":"ana","conversation_id":"c1"})"));
    EXPECT_EQ(rs[3].attrs, nlohmann::json::parse(R"({"user":"from-resource"})"));
    EXPECT_EQ(rs[4].attrs, nlohmann::json::parse(R"({"user":"from-resource"})"));
    // An ancestor's value that is not text is ignored, not an error of the usage span.
    rs = parse(doc_of(span("p", "", R"({"key":"enduser.id","value":{"stringValue":["x"]}})") + "," +
                      span("c", "p", usage("openai", 1, 1))));
    ASSERT_EQ(rs.size(), 1u);
    EXPECT_FALSE(rs[0].rejection.has_value());
    EXPECT_FALSE(rs[0].attrs.contains("user"));
}

// A nested pair (an instrumentation's span around the SDK's span of the same call) is charged
// once: the inner span, or the outer one when the inner one cannot be read.
TEST(Otlp, NestedPairIsChargedOnce) {
    // Both read: the inner one.
    auto rs = parse(doc_of(span("outer", "", usage("anthropic", 12, 300, 500, 3072)) + "," +
                           span("inner", "outer", usage("anthropic", 3584, 300, 500, 3072))));
    ASSERT_EQ(rs.size(), 1u);
    EXPECT_EQ(rs[0].request_id, "T:inner");
    // The inner one fails: the outer one stands in, and says what it replaces.
    rs = parse(doc_of(span("outer", "", usage("anthropic", 12, 300, 500, 3072)) + "," +
                      span("inner", "outer", usage("anthropic", 3584, 300, 500, 3072) + "," +
                                                 attr_int("gen_ai.usage.reasoning.output_tokens", "999"))));
    ASSERT_EQ(rs.size(), 1u);
    EXPECT_FALSE(rs[0].rejection.has_value());
    EXPECT_EQ(rs[0].request_id, "T:outer");
    EXPECT_NE(rs[0].attrs.value("otlp_replaces", "").find("span inner: "), std::string::npos) << rs[0].attrs.dump();
    // Both fail: one rejection (the inner span, with the outer one in its piece).
    rs = parse(doc_of(span("outer", "", attr_int("gen_ai.usage.input_tokens", "-1")) + "," +
                      span("inner", "outer", attr_int("gen_ai.usage.input_tokens", "-2"))));
    ASSERT_EQ(rs.size(), 1u);
    ASSERT_TRUE(rs[0].rejection.has_value());
    EXPECT_NE(std::string(rs[0].rejection->what()).find("spans[1]"), std::string::npos);
    // An aggregate over two calls, one of which fails: the good call is charged, the bad one
    // rejected, the aggregate skipped.
    rs = parse(doc_of(span("agent", "", usage("openai", 30, 7)) + "," + span("c1", "agent", usage("openai", 10, 3)) +
                      "," + span("c2", "agent", attr_int("gen_ai.usage.input_tokens", "-1"))));
    ASSERT_EQ(rs.size(), 2u);
    EXPECT_EQ(rs[0].request_id, "T:c1");
    EXPECT_TRUE(rs[1].rejection.has_value());
}

// The OTLP HTTP JSON exporter writes integers as JSON numbers; the spec also allows strings.
TEST(Otlp, IntegersAsNumbersOrStrings) {
    const std::string as_numbers = one_span(attr_int("gen_ai.usage.input_tokens", "3584") + "," +
                                            attr_int("gen_ai.usage.cache_read.input_tokens", "500"),
                                            R"("startTimeUnixNano":1754049600000000000,)");
    const std::string as_strings = one_span(attr_int("gen_ai.usage.input_tokens", R"("3584")") + "," +
                                            attr_int("gen_ai.usage.cache_read.input_tokens", R"("500")"),
                                            R"("startTimeUnixNano":"1754049600000000000",)");
    auto a = parse(as_numbers), b = parse(as_strings);
    ASSERT_EQ(a.size(), 1u);
    ASSERT_EQ(b.size(), 1u);
    EXPECT_EQ(format_token_usage(a[0].tokens), "input=3084 cache_read=500 requests=1");
    EXPECT_EQ(format_token_usage(a[0].tokens), format_token_usage(b[0].tokens));
    EXPECT_EQ(when(a[0]), "2025-08-01T12:00:00Z");
    EXPECT_EQ(when(a[0]), when(b[0]));
}
