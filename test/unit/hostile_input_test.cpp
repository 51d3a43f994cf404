// Regressions found by the libFuzzer targets (test/fuzz, scripts/fuzz.sh): each test is the
// smallest input that broke an invariant, run through the same entry point as ingest.
#include "core/error.hpp"
#include "core/json_reader.hpp"
#include "core/usage_record.hpp"

#include <gtest/gtest.h>

#include <string>
#include <utility>

using namespace cb::core;

namespace {

// "<sqlstate>|<message>" of parse_usage_text, or "ok" when it parses.
std::string outcome(std::string_view payload, UsageFormat format = UsageFormat::auto_detect) {
    try {
        raise_if_all_rejected(parse_usage_text(payload, format));
        return "ok";
    } catch (const Error& e) {
        return std::string(e.sqlstate()) + "|" + e.what();
    }
}

}  // namespace

// fuzz_parse_openai_chat: "\u0000" was decoded into a NUL byte, which reached model,
// request_id and attrs. PostgreSQL text cannot hold NUL, and jsonb refuses attrs holding
// \u0000, which failed a whole usage_inbox statement at flush instead of rejecting the one row.
// read_json now refuses it as jsonb does (22P05), so the row lands in usage_rejected.
TEST(HostileInput, NulEscapeIsRefusedAsJsonbDoes) {
    for (const char* payload : {
             R"({"object": "chat.completion", "model": "a\u0000b", "usage": {"prompt_tokens": 1}})",
             R"({"object": "chat.completion", "model": "m", "user": "\u0000", "usage": {"prompt_tokens": 1}})",
             R"({"provider": "openai", "model": "m", "tokens": {"input": 1}, "attrs": {"k\u0000": 1}})",
             R"({"provider": "openai", "model": "m", "request_id": "x\u0000", "response": {"type": "message",)"
             R"( "usage": {"input_tokens": 1}}})",
         }) {
        EXPECT_EQ(outcome(payload), "22P05|unsupported Unicode escape sequence") << payload;
    }
    try {
        read_json(R"(["\u0000"])");
        FAIL();
    } catch (const Error& e) {
        EXPECT_EQ(e.detail(), "\\u0000 cannot be converted to text.");
    }
    // Other control characters are text PostgreSQL can hold.
    EXPECT_EQ(outcome(R"({"object": "chat.completion", "model": "a\u0001", "usage": {"prompt_tokens": 1}})"), "ok");
}

namespace {

bool valid_utf8(const std::string& s) {
    size_t i = 0;
    while (i < s.size()) {
        unsigned char c = static_cast<unsigned char>(s[i]);
        size_t n;
        if (c < 0x80) n = 0;
        else if (c >= 0xC2 && c <= 0xDF) n = 1;
        else if (c >= 0xE0 && c <= 0xEF) n = 2;
        else if (c >= 0xF0 && c <= 0xF4) n = 3;
        else return false;
        if (i + n >= s.size()) return false;
        for (size_t k = 1; k <= n; ++k)
            if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
        i += n + 1;
    }
    return true;
}

std::string repeat(const std::string& s, int n) {
    std::string out;
    for (int i = 0; i < n; ++i) out += s;
    return out;
}

}  // namespace

// fuzz_parse_anthropic_messages: messages quote a bad value cut to 40 or 80 bytes, and the cut
// fell inside a multi-byte character: invalid UTF-8 in the error PostgreSQL sends and in
// usage_rejected.error. The cut now backs off to a character boundary (usage_json::clip).
TEST(HostileInput, QuotedValuesInErrorsAreCutAtCharacterBoundaries) {
    const std::string e_acute = "\xc3\xa9";
    std::string msg = outcome(R"({"type": "x)" + repeat(e_acute, 40) + R"(", "usage": {"input_tokens": 1}})");
    EXPECT_EQ(msg, "22023|payload is not in format anthropic_messages: type is \"x" + repeat(e_acute, 19) +
                       "\", expected \"message\"");
    const std::string e60 = repeat(e_acute, 60);
    const std::pair<std::string, UsageFormat> cases[] = {
        {R"({"object": "chat.completion", "created": "xx)" + e60 + R"(", "usage": {"prompt_tokens": 1}})",
         UsageFormat::openai_chat},
        {R"({"object": "x)" + e60 + R"(", "usage": {"prompt_tokens": 1}})", UsageFormat::openai_chat},
        {R"({"object": "page", "data": [{"object": "x)" + e60 + R"(", "results": []}]})", UsageFormat::openai_usage},
        {R"({"schemaType": "x)" + e60 + R"("})", UsageFormat::bedrock_log},
        {R"({"usage": {"inputTokens": 1, "cacheDetails": [{"ttl": "x)" + e60 + R"(", "inputTokens": 1}]}})",
         UsageFormat::bedrock_converse},
        {R"({"resourceSpans": [{"scopeSpans": [{"spans": [{"startTimeUnixNano": "xx)" + e60 +
             R"(", "attributes": [{"key": "gen_ai.usage.input_tokens", "value": {"intValue": 1}}]}]}]}]})",
         UsageFormat::otlp},
    };
    for (const auto& [payload, format] : cases) {
        std::string got = outcome(payload, format);
        EXPECT_NE(got.find(repeat(e_acute, 10)), std::string::npos) << got;  // the value is quoted
        EXPECT_TRUE(valid_utf8(got)) << got;
    }
}
