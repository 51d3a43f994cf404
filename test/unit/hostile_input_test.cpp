// Regressions found by the libFuzzer targets (test/fuzz, scripts/fuzz.sh): each test is the
// smallest input that broke an invariant, run through the same entry point as ingest.
#include "core/error.hpp"
#include "core/json_reader.hpp"
#include "core/usage_record.hpp"

#include <gtest/gtest.h>

#include <string>

using namespace cb::core;

namespace {

// "<sqlstate>|<message>" of parse_usage_text, or "ok" when it parses.
std::string outcome(std::string_view payload, UsageFormat format = UsageFormat::auto_detect) {
    try {
        parse_usage_text(payload, format);
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

