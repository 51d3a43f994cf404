// `chargeback serve`'s request handling without sockets (src/cli/serve_input.cpp): OTLP
// exports to inbox rows, webhooks, limits, the token file, bearer headers and loopback
// addresses, and the status of database errors.
#include "cli/serve_input.hpp"

#include <gtest/gtest.h>

#include <string>

using namespace cb::cli;
using nlohmann::json;

namespace {

json usage_span(const std::string& id, const std::string& parent = {}) {
    json s = {{"traceId", "t1"}, {"spanId", id}, {"name", "chat"},
              {"attributes", json::array({{{"key", "gen_ai.usage.input_tokens"}, {"value", {{"intValue", 10}}}},
                                          {{"key", "gen_ai.system"}, {"value", {{"stringValue", "openai"}}}}})}};
    if (!parent.empty()) s["parentSpanId"] = parent;
    return s;
}

std::vector<std::string> columns(const std::string& line) {
    std::vector<std::string> c;
    size_t pos = 0;
    for (;;) {
        size_t tab = line.find('\t', pos);
        c.push_back(line.substr(pos, tab - pos));
        if (tab == std::string::npos) break;
        pos = tab + 1;
    }
    return c;
}

}  // namespace

TEST(CliServeInput, OtlpRowPerResourceWithUsage) {
    json doc = {{"resourceSpans",
                 json::array({{{"resource", {{"attributes", json::array({
                                   {{"key", "service.name"}, {"value", {{"stringValue", "bot"}}}},
                                   {{"key", "deployment.environment.name"}, {"value", {{"stringValue", "prod"}}}},
                                   {{"key", "chargeback.project"}, {"value", {{"stringValue", "alpha"}}}},
                                   {{"key", "host.name"}, {"value", {{"stringValue", "h1"}}}}})}}},
                               {"scopeSpans", json::array({{{"spans", json::array({
                                   {{"traceId", "t1"}, {"spanId", "p"}, {"name", "http"},
                                    {"attributes", json::array({{{"key", "http.url"}, {"value", {{"stringValue", "x"}}}}})}},
                                   usage_span("a", "p")})}}})}},
                              {{"scopeSpans", json::array({{{"spans", json::array({{{"spanId", "q"}}})}}})}}})}};
    InboxRows rows;
    otlp_rows(doc, rows);
    EXPECT_EQ(rows.rows, 1u);  // the second resource has no usage
    EXPECT_EQ(rows.spans, 3u);
    EXPECT_EQ(rows.usage_spans, 1u);
    ASSERT_FALSE(rows.copy.empty());
    EXPECT_EQ(rows.copy.back(), '\n');
    const auto c = columns(rows.copy.substr(0, rows.copy.size() - 1));
    ASSERT_EQ(c.size(), 3u);
    EXPECT_EQ(c[2], "otlp");
    const json payload = json::parse(c[0]);
    const json& spans = payload["resourceSpans"][0]["scopeSpans"][0]["spans"];
    EXPECT_EQ(spans[0], json({{"traceId", "t1"}, {"spanId", "p"}}));  // reduced to its ids
    EXPECT_EQ(spans[1]["attributes"].size(), 2u);
    EXPECT_EQ(json::parse(c[1]), json({{"deployment.environment.name", "prod"}, {"project", "alpha"}}));
}

TEST(CliServeInput, OtlpOddShapesGoToTheDatabaseUnchanged) {
    json doc = {{"resourceSpans", json::array({{{"scopeSpans", "not an array"}}, 42})}};
    InboxRows rows;
    otlp_rows(doc, rows);
    EXPECT_EQ(rows.rows, 2u);  // the otlp parser rejects them, with its reason, into usage_rejected
}

TEST(CliServeInput, NotAnExportIs400) {
    InboxRows rows;
    EXPECT_THROW(otlp_rows(json::array(), rows), InputError);
    EXPECT_THROW(otlp_rows(json{{"resourceSpans", 1}}, rows), InputError);
    EXPECT_NO_THROW(otlp_rows(json::object(), rows));
    EXPECT_EQ(rows.rows, 0u);
}

TEST(CliServeInput, JsonDepth) {
    InputLimits l;
    EXPECT_FALSE(json_too_deep(R"({"a":[[["]]]]]]]]"]]]})", 4));
    EXPECT_TRUE(json_too_deep(std::string(65, '[') + std::string(65, ']'), 64));
    EXPECT_FALSE(json_too_deep(std::string(64, '[') + std::string(64, ']'), 64));
    EXPECT_FALSE(json_too_deep(R"(["\"[[[[[[["])", 1));  // brackets inside strings do not count
    try {
        parse_json_body(std::string(100000, '{'), l, "the body");
        FAIL();
    } catch (const InputError& e) {
        EXPECT_EQ(e.status(), 400);
        EXPECT_NE(std::string(e.what()).find("deeper than 64"), std::string::npos);
    }
    EXPECT_THROW(parse_json_body("{\"a\":", l, "the body"), InputError);
}

TEST(CliServeInput, WebhookShapes) {
    InputLimits l;
    InboxRows one;
    webhook_rows(R"({"a":"x\ty"})", "auto", l, one);
    EXPECT_EQ(one.rows, 1u);
    EXPECT_EQ(one.copy, "{\"a\":\"x\\\\ty\"}\t\\N\tauto\n");  // JSON's escape survives COPY
    InboxRows arr;
    webhook_rows(R"([{"a":1},{"b":2}])", "openai_chat", l, arr);
    EXPECT_EQ(arr.rows, 2u);
    EXPECT_EQ(arr.copy, "{\"a\":1}\t\\N\topenai_chat\n{\"b\":2}\t\\N\topenai_chat\n");
    InboxRows lines;
    webhook_rows("{\"a\":1}\r\n\n{\"b\": cut\n", "auto", l, lines);
    EXPECT_EQ(lines.rows, 2u);  // the cut line is sent and rejected by the database
    InboxRows bad;
    EXPECT_THROW(webhook_rows("{}", "no_such_format", l, bad), InputError);
    EXPECT_THROW(webhook_rows(std::string("{\"a\":\"\xff\"}"), "auto", l, bad), InputError);
    EXPECT_THROW(webhook_rows("  \n \n", "auto", l, bad), InputError);
    l.max_rows = 2;
    InboxRows many;
    try {
        webhook_rows("[1,2,3]", "auto", l, many);
        FAIL();
    } catch (const InputError& e) {
        EXPECT_EQ(e.status(), 413);
    }
}

TEST(CliServeInput, TokenFile) {
    TokenTable t = TokenTable::parse("# comment\n\n  tok-aaaaaaaaaaaaaaaa   chargeback_ingest  # the gateway\r\n"
                                     "tok-bbbbbbbbbbbbbbbb\tanalyst\n");
    EXPECT_EQ(t.size(), 2u);
    EXPECT_EQ(t.role_for("tok-aaaaaaaaaaaaaaaa").value_or(""), "chargeback_ingest");
    EXPECT_EQ(t.role_for("tok-bbbbbbbbbbbbbbbb").value_or(""), "analyst");
    EXPECT_FALSE(t.role_for("tok-aaaaaaaaaaaaaaa"));
    EXPECT_FALSE(t.role_for("tok-aaaaaaaaaaaaaaaaa"));
    EXPECT_FALSE(t.role_for(""));
    EXPECT_EQ(t.roles(), (std::vector<std::string>{"chargeback_ingest", "analyst"}));
    auto message = [](const std::string& text) {
        try {
            TokenTable::parse(text);
        } catch (const std::invalid_argument& e) {
            return std::string(e.what());
        }
        return std::string("parsed");
    };
    EXPECT_EQ(message("short role\n"), "line 1: a token needs at least 16 characters");
    EXPECT_EQ(message("\ntok-aaaaaaaaaaaaaaaa\n"), "line 2: expected \"TOKEN ROLE\", found 1 word(s)");
    EXPECT_EQ(message("tok-aaaaaaaaaaaaaaaa a b\n"), "line 1: expected \"TOKEN ROLE\", found 3 word(s)");
    EXPECT_EQ(message("tok-aaaaaaaaaaaaaaaa a\ntok-aaaaaaaaaaaaaaaa b\n"), "line 2: this token is already listed");
    EXPECT_EQ(message("# nothing\n"), "no tokens in the file (lines are \"TOKEN ROLE\")");
}

TEST(CliServeInput, BearerAndLoopback) {
    EXPECT_EQ(bearer_token("Bearer abc").value_or(""), "abc");
    EXPECT_EQ(bearer_token("bearer   abc  ").value_or(""), "abc");
    EXPECT_FALSE(bearer_token("Basic abc"));
    EXPECT_FALSE(bearer_token("Bearer "));
    EXPECT_FALSE(bearer_token(""));
    EXPECT_TRUE(is_loopback("127.0.0.1"));
    EXPECT_TRUE(is_loopback("127.3.2.1"));
    EXPECT_TRUE(is_loopback("::1"));
    EXPECT_TRUE(is_loopback("::ffff:127.0.0.1"));
    EXPECT_FALSE(is_loopback("10.0.0.1"));
    EXPECT_FALSE(is_loopback("::ffff:10.0.0.1"));
    EXPECT_FALSE(is_loopback("1270.0.0.1"));
    EXPECT_FALSE(is_loopback(""));
}

TEST(CliServeInput, StatusOfSqlstate) {
    EXPECT_EQ(http_status_for_sqlstate("22P02"), 400);
    EXPECT_EQ(http_status_for_sqlstate("42501"), 403);
    EXPECT_EQ(http_status_for_sqlstate("08006"), 503);
    EXPECT_EQ(http_status_for_sqlstate("40001"), 503);
    EXPECT_EQ(http_status_for_sqlstate("XX000"), 500);
    EXPECT_EQ(http_status_for_sqlstate(""), 500);
    EXPECT_EQ(error_json("bad \"x\"", "22P02"), R"({"error":"bad \"x\"","sqlstate":"22P02"})");
}

TEST(CliServeInput, AuthorizeRequest) {
    InputLimits l;
    AuthorizeRequest a = parse_authorize(
        R"({"attrs":{"user":"ana"},"provider":"openai","model":"gpt-4o","estimate":{"input":10},"ttl_seconds":60})", l);
    EXPECT_EQ(a.attrs, R"({"user":"ana"})");
    EXPECT_EQ(a.estimate, R"({"input":10})");
    EXPECT_EQ(a.service_tier, "standard");
    EXPECT_EQ(a.ttl_seconds, "60");
    auto status_of = [&](const std::string& body) {
        try {
            parse_authorize(body, l);
        } catch (const InputError& e) {
            return e.status();
        }
        return 200;
    };
    EXPECT_EQ(status_of(R"({"provider":"openai","model":"m"})"), 400);                           // no estimate
    EXPECT_EQ(status_of(R"({"provider":"","model":"m","estimate":{}})"), 400);                   // empty provider
    EXPECT_EQ(status_of(R"({"provider":"o","model":"m","estimate":{},"ttl_seconds":0})"), 400);  // ttl
    EXPECT_EQ(status_of(R"({"provider":"o","model":"m","estimate":{},"attrs":[]})"), 400);
    EXPECT_EQ(status_of("[]"), 400);
}

TEST(CliServeInput, SettleRequest) {
    InputLimits l;
    SettleRequest s = parse_settle(R"({"reservation_id":42,"usage":{"id":"x"},"format":"openai_chat","attrs":{"a":"b"}})", l);
    EXPECT_EQ(s.reservation_id, "42");
    EXPECT_EQ(json::parse(s.attrs), json({{"a", "b"}, {"reservation_id", "42"}}));
    EXPECT_EQ(s.format, "openai_chat");
    EXPECT_THROW(parse_settle(R"({"reservation_id":"4x","usage":{}})", l), InputError);
    EXPECT_THROW(parse_settle(R"({"reservation_id":1,"usage":{},"format":"nope"})", l), InputError);
    EXPECT_THROW(parse_settle(R"({"reservation_id":1})", l), InputError);
}

TEST(CliServeInput, PortkeyHookEvents) {
    InputLimits l;
    EXPECT_FALSE(parse_portkey_event(R"({"provider":"openai","model":"m","estimate":{}})", l));
    // What @portkey-ai/gateway 1.15.2 posts to a webhook guardrail before a request.
    auto before = parse_portkey_event(
        R"({"request":{"json":{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hello there"}],"max_tokens":50},"text":"hello there"},)"
        R"("response":{"json":{},"text":""},"provider":"openai","requestType":"chatComplete",)"
        R"("metadata":{"_user":"ana","department":"capped"},"eventType":"beforeRequestHook"})",
        l);
    ASSERT_TRUE(before);
    EXPECT_TRUE(before->before);
    EXPECT_EQ(before->authorize.provider, "openai");
    EXPECT_EQ(before->authorize.model, "gpt-4o-mini");
    EXPECT_EQ(json::parse(before->authorize.attrs), json({{"user", "ana"}, {"department", "capped"}}));
    // [{"role":"user","content":"hello there"}] is 41 bytes: 11 tokens, rounded up.
    EXPECT_EQ(json::parse(before->authorize.estimate), json({{"input", 11}, {"output", 50}}));
    auto after = parse_portkey_event(
        R"({"request":{"json":{}},"response":{"json":{"id":"chatcmpl-1","object":"chat.completion"}},)"
        R"("provider":"openai","metadata":{"_user":"ana"},"eventType":"afterRequestHook"})",
        l);
    ASSERT_TRUE(after);
    EXPECT_FALSE(after->before);
    EXPECT_EQ(json::parse(after->envelope),
              json({{"provider", "openai"}, {"attrs", {{"user", "ana"}}}, {"response", {{"id", "chatcmpl-1"}, {"object", "chat.completion"}}}}));
    EXPECT_THROW(parse_portkey_event(R"({"provider":"openai","eventType":"beforeRequestHook"})", l), InputError);
    EXPECT_THROW(parse_portkey_event(R"({"provider":"openai","eventType":"somethingElse","request":{"json":{}}})", l), InputError);
}
