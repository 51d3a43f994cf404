// The provider's own cost of a record (UsageRecord::reported_cost): which field each format
// reads it from, kept as exact decimal text, and the errors for amounts that are not exact
// decimals. The fixtures' costs are in their README.md files.
#include "core/error.hpp"
#include "core/json_reader.hpp"
#include "core/usage_json.hpp"
#include "core/usage_record.hpp"

#include <gtest/gtest.h>

#include "fixtures.hpp"

#include <string>
#include <vector>

using cb::core::UsageFormat;
using cb::core::UsageRecord;

namespace {

std::vector<UsageRecord> parse(const std::string& text, UsageFormat f = UsageFormat::auto_detect) {
    return cb::core::parse_usage_text(text, f);
}

std::string reported(const std::string& text, UsageFormat f = UsageFormat::auto_detect) {
    auto recs = parse(text, f);
    EXPECT_EQ(recs.size(), 1u) << text;
    return recs.empty() ? "<none>" : recs[0].reported_cost;
}

// "<sqlstate>|<message>" of parsing text, or "none".
std::string error_of(const std::string& text, UsageFormat f = UsageFormat::auto_detect) {
    try {
        parse(text, f);
        return "none";
    } catch (const cb::core::Error& e) {
        return std::string(e.sqlstate()) + "|" + e.what();
    }
}

std::string openrouter(const std::string& usage_extra) {
    return R"({"id":"gen-9","provider":"OpenAI","model":"openai/gpt-4.1-mini","object":"chat.completion",)"
           R"("created":1754049600,"usage":{"prompt_tokens":10,"completion_tokens":2)" +
           usage_extra + "}}";
}

std::string litellm(const std::string& extra) {
    return R"({"request_id":"r1","call_type":"acompletion","startTime":"2025-08-01T12:00:00Z",)"
           R"("model":"gpt-4o","custom_llm_provider":"openai","prompt_tokens":10,"completion_tokens":2)" +
           extra + "}";
}

std::string canonical(const std::string& extra) {
    return R"({"provider":"openai","model":"gpt-4o","occurred_at":"2025-08-01T12:00:00Z","request_id":"c1",)"
           R"("tokens":{"input":10})" +
           extra + "}";
}

TEST(ReportedCost, OpenRouterUsageCost) {
    EXPECT_EQ(reported(cb_test::read_file(cb_test::fixture_path("openrouter/basic.json"))), "0.018435");
    // A JSON number in exponent form is written plainly, exactly.
    EXPECT_EQ(reported(openrouter(R"(,"cost":4.8e-05)")), "0.000048");
    EXPECT_EQ(reported(openrouter(R"(,"cost":0)")), "0");
    EXPECT_EQ(reported(openrouter("")), "");  // no cost: none reported
    EXPECT_EQ(reported(openrouter(R"(,"cost":null)")), "");
    // Not BYOK: upstream_inference_cost repeats the cost (a recorded response has both equal).
    EXPECT_EQ(reported(openrouter(R"(,"cost":0.001329,"is_byok":false,)"
                                  R"("cost_details":{"upstream_inference_cost":0.001329})")),
              "0.001329");
    // BYOK: OpenRouter's fee plus what the upstream provider bills on the user's key.
    EXPECT_EQ(reported(openrouter(R"(,"cost":0.95,"is_byok":true,"cost_details":{"upstream_inference_cost":19})")),
              "19.95");
    EXPECT_EQ(reported(openrouter(R"(,"cost":0.0000005,"is_byok":true,)"
                                  R"("cost_details":{"upstream_inference_cost":0.00001})")),
              "0.0000105");
    EXPECT_EQ(reported(openrouter(R"(,"cost":0.5,"is_byok":true)")), "0.5");
}

TEST(ReportedCost, LiteLLMSpend) {
    EXPECT_EQ(reported(cb_test::read_file(cb_test::fixture_path("litellm/spend_log.json"))), "0.0241425");
    EXPECT_EQ(reported(litellm(R"(,"spend":0.00125)")), "0.00125");
    // The StandardLoggingPayload's name for it, when there is no spend.
    EXPECT_EQ(reported(litellm(R"(,"response_cost":0.0031)")), "0.0031");
    EXPECT_EQ(reported(litellm(R"(,"spend":0.002,"response_cost":0.0031)")), "0.002");
    // A LiteLLM cache hit: LiteLLM booked 0.
    EXPECT_EQ(reported(litellm(R"(,"spend":0,"cache_hit":"True")")), "0");
    auto rows = parse(cb_test::read_file(cb_test::fixture_path("litellm/spend_logs_array.json")));
    ASSERT_EQ(rows.size(), 3u);
    EXPECT_EQ(rows[2].reported_cost, "0");
}

TEST(ReportedCost, CanonicalAndEnvelope) {
    EXPECT_EQ(reported(canonical(R"(,"reported_cost":"0.0123")")), "0.0123");
    EXPECT_EQ(reported(canonical(R"(,"reported_cost":12)")), "12");
    EXPECT_EQ(reported(canonical("")), "");
    // What the envelope says wins over the response.
    std::string env = R"({"reported_cost":"0.5","response":)" + openrouter(R"(,"cost":0.4)") + "}";
    EXPECT_EQ(reported(env), "0.5");
    // A response without a cost takes the envelope's.
    env = R"({"provider":"openai","reported_cost":0.0007,"response":{"id":"chatcmpl-1","object":"chat.completion",)"
          R"("created":1754049600,"model":"gpt-4o","usage":{"prompt_tokens":10,"completion_tokens":2}}})";
    EXPECT_EQ(reported(env), "0.0007");
    // Formats that carry no cost report none.
    EXPECT_EQ(reported(R"({"id":"chatcmpl-1","object":"chat.completion","created":1754049600,"model":"gpt-4o",)"
                       R"("usage":{"prompt_tokens":10,"completion_tokens":2}})"),
              "");
}

TEST(ReportedCost, EnvelopeCostOfManyRecords) {
    std::string page = R"({"object":"page","data":[{"object":"bucket","start_time":1754006400,"results":[)"
                       R"({"object":"organization.usage.completions.result","model":"gpt-4o","input_tokens":5,)"
                       R"("num_model_requests":1},{"object":"organization.usage.completions.result",)"
                       R"("model":"gpt-4o-mini","input_tokens":7,"num_model_requests":1}]}]})";
    std::string got = error_of(R"({"reported_cost":"1","response":)" + page + "}");
    EXPECT_EQ(got.substr(0, 5), "22023") << got;
    EXPECT_NE(got.find("envelope.reported_cost"), std::string::npos) << got;
}

TEST(ReportedCost, Hostile) {
    struct Case {
        std::string text;
        const char* state;
        const char* names;
    };
    const Case cases[] = {
        {openrouter(R"(,"cost":-0.5)"), "22P02", "usage.cost"},
        {openrouter(R"(,"cost":"abc")"), "22P02", "usage.cost"},
        {openrouter(R"(,"cost":true)"), "22P02", "usage.cost"},
        {openrouter(R"(,"cost":{})"), "22P02", "usage.cost"},
        {openrouter(R"(,"cost":1e-50)"), "22003", "usage.cost"},
        {openrouter(R"(,"cost":123456789012345678901234567890123456789)"), "22003", "usage.cost"},
        {openrouter(R"(,"cost":1e999)"), "22003", "usage.cost"},
        {openrouter(R"(,"cost":0.1,"is_byok":true,"cost_details":{"upstream_inference_cost":"x"})"), "22P02",
         "usage.cost_details.upstream_inference_cost"},
        {litellm(R"(,"spend":"NaN")"), "22P02", "spend"},
        {litellm(R"(,"response_cost":[1])"), "22P02", "response_cost"},
        {canonical(R"(,"reported_cost":"1.2.3")"), "22P02", "canonical row.reported_cost"},
        {canonical(R"(,"reported_cost":"-1")"), "22P02", "canonical row.reported_cost"},
    };
    for (const Case& c : cases) {
        std::string got = error_of(c.text);
        EXPECT_EQ(got.substr(0, 5), c.state) << c.text << " -> " << got;
        EXPECT_NE(got.find(c.names), std::string::npos) << c.text << " -> " << got;
    }
}

// A document read without exact numbers (nlohmann's own parser makes 0.5 a double) has no
// exact amount: refused with a hint, never rounded through binary floating point.
TEST(ReportedCost, BinaryFloatingPointIsRefused) {
    nlohmann::json doc = nlohmann::json::parse(openrouter(R"(,"cost":0.5)"));
    std::vector<UsageRecord> out;
    try {
        cb::core::parse_openrouter(doc, out);
        FAIL() << "a double was accepted as " << (out.empty() ? "" : out[0].reported_cost);
    } catch (const cb::core::Error& e) {
        EXPECT_STREQ(e.sqlstate(), "22P02");
        EXPECT_NE(std::string(e.what()).find("usage.cost"), std::string::npos) << e.what();
    }
}

TEST(ReportedCost, DecimalSum) {
    namespace uj = cb::core::usage_json;
    EXPECT_EQ(uj::decimal_sum("0.1", "0.2", "x"), "0.3");
    EXPECT_EQ(uj::decimal_sum("", "0.2", "x"), "0.2");
    EXPECT_EQ(uj::decimal_sum("7", "", "x"), "7");
    EXPECT_EQ(uj::decimal_sum("0.000000000001", "1000000", "x"), "1000000.000000000001");
}

}  // namespace
