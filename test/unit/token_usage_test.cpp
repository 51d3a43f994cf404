// token_usage text form and arithmetic (src/core/token_usage.hpp).
#include "core/token_usage.hpp"

#include "core/error.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>

using cb::core::add_usage;
using cb::core::add_usage_into;
using cb::core::subtract_usage;
using cb::core::Error;
using cb::core::format_token_usage;
using cb::core::kTokenClassCount;
using cb::core::parse_count;
using cb::core::parse_token_usage;
using cb::core::prompt_tokens;
using cb::core::TokenClass;
using cb::core::TokenUsage;
using cb::core::total_tokens;
using cb::core::usage_equal;
using cb::core::zero_usage;

namespace {

// Parses text expecting an Error; returns "<sqlstate>|<message>|<detail>", or "no error".
std::string usage_error(std::string_view text) {
    try {
        TokenUsage u = parse_token_usage(text);
        return "no error: " + format_token_usage(u);
    } catch (const Error& e) {
        return std::string(e.sqlstate()) + "|" + e.what() + "|" + e.detail();
    }
}

void expect_usage_error(std::string_view text, const char* sqlstate,
                        const std::string& detail_part = {}) {
    std::string got = usage_error(text);
    EXPECT_EQ(got.substr(0, got.find('|')), sqlstate) << got;
    // The message names the offending literal.
    EXPECT_NE(got.find("\"" + std::string(text) + "\""), std::string::npos) << got;
    if (!detail_part.empty()) {
        EXPECT_NE(got.find(detail_part), std::string::npos) << got;
    }
}

TokenUsage all_classes(int64_t v) {
    TokenUsage u;
    for (int i = 0; i < kTokenClassCount; ++i) u.count[i] = v;
    return u;
}

}  // namespace

TEST(TokenUsage, ParseAndFormat) {
    TokenUsage u = parse_token_usage("input=700 cache_read=300 output=46 requests=1");
    EXPECT_EQ(u.get(TokenClass::input), 700);
    EXPECT_EQ(u.get(TokenClass::cache_read), 300);
    EXPECT_EQ(u.get(TokenClass::output), 46);
    EXPECT_EQ(u.get(TokenClass::requests), 1);
    EXPECT_EQ(u.get(TokenClass::reasoning), 0);
    EXPECT_EQ(format_token_usage(u), "input=700 cache_read=300 output=46 requests=1");
}

TEST(TokenUsage, EveryClassRoundTrips) {
    const char* text =
        "input=1 cache_read=2 cache_write=3 cache_write_1h=4 output=5 reasoning=6 audio_input=7 "
        "audio_output=8 image_input=9 image_output=10 requests=11 web_searches=12";
    TokenUsage u = parse_token_usage(text);
    for (int i = 0; i < kTokenClassCount; ++i) EXPECT_EQ(u.count[i], i + 1);
    EXPECT_EQ(format_token_usage(u), text);
    EXPECT_TRUE(usage_equal(parse_token_usage(format_token_usage(u)), u));
}

TEST(TokenUsage, AnyOrderCanonicalOutput) {
    TokenUsage a = parse_token_usage("web_searches=3 output=46 input=700");
    TokenUsage b = parse_token_usage("input=700 output=46 web_searches=3");
    EXPECT_TRUE(usage_equal(a, b));
    EXPECT_EQ(format_token_usage(a), "input=700 output=46 web_searches=3");
}

TEST(TokenUsage, EmptyIsZero) {
    for (const char* text : {"", " ", "\t\n  \r"}) {
        TokenUsage u = parse_token_usage(text);
        EXPECT_TRUE(usage_equal(u, zero_usage())) << text;
        EXPECT_EQ(format_token_usage(u), "");
    }
    // Explicit zeros are the same value and are not printed.
    TokenUsage z = parse_token_usage("input=0 output=0");
    EXPECT_TRUE(usage_equal(z, zero_usage()));
    EXPECT_EQ(format_token_usage(z), "");
    EXPECT_EQ(format_token_usage(zero_usage()), "");
}

TEST(TokenUsage, Whitespace) {
    TokenUsage u = parse_token_usage("  input=700\toutput=46\n\r\f\vreasoning=5   ");
    EXPECT_EQ(format_token_usage(u), "input=700 output=46 reasoning=5");
    // Leading zeros are just digits.
    EXPECT_EQ(format_token_usage(parse_token_usage("input=000700")), "input=700");
}

TEST(TokenUsage, UnknownClass) {
    expect_usage_error("input=1 tokens=5", "22P02", "unknown token class \"tokens\"");
    expect_usage_error("Input=1", "22P02", "unknown token class");
    expect_usage_error("=5", "22P02", "unknown token class \"\"");
    try {
        parse_token_usage("prompt=5");
        FAIL();
    } catch (const Error& e) {
        // The hint lists the valid classes.
        EXPECT_NE(e.hint().find("cache_write_1h"), std::string::npos) << e.hint();
        EXPECT_NE(e.hint().find("web_searches"), std::string::npos) << e.hint();
    }
}

TEST(TokenUsage, DuplicateClass) {
    expect_usage_error("input=1 input=2", "22P02", "appears twice");
    expect_usage_error("input=0 output=3 input=0", "22P02", "appears twice");
}

TEST(TokenUsage, Negative) {
    expect_usage_error("input=-1", "22P02", "negative");
    expect_usage_error("output=5 reasoning=-0", "22P02", "negative");
}

TEST(TokenUsage, NotANumber) {
    expect_usage_error("input=abc", "22P02", "whole number");
    expect_usage_error("input=1.5", "22P02", "whole number");
    expect_usage_error("input=1e3", "22P02", "whole number");
    expect_usage_error("input=+5", "22P02", "whole number");
    expect_usage_error("input=0x10", "22P02", "whole number");
    expect_usage_error("input=5=6", "22P02", "whole number");
    expect_usage_error("input=", "22P02", "has no value");
    expect_usage_error("input= 5", "22P02", "has no value");
}

TEST(TokenUsage, MissingEquals) {
    expect_usage_error("input", "22P02", "expected class=count");
    expect_usage_error("input 700", "22P02", "expected class=count");
    expect_usage_error("input =700", "22P02", "expected class=count");
    expect_usage_error("input=700 output:46", "22P02", "output:46");
}

TEST(TokenUsage, Int64Bounds) {
    TokenUsage u = parse_token_usage("input=9223372036854775807");
    EXPECT_EQ(u.get(TokenClass::input), INT64_MAX);
    EXPECT_EQ(format_token_usage(u), "input=9223372036854775807");
    EXPECT_EQ(parse_token_usage("web_searches=09223372036854775807").get(TokenClass::web_searches),
              INT64_MAX);

    expect_usage_error("input=9223372036854775808", "22003", "9223372036854775807");
    expect_usage_error("output=9223372036854775810", "22003");
    expect_usage_error("output=18446744073709551616", "22003");  // 2^64: no unsigned wrap
    expect_usage_error("output=99999999999999999999999999", "22003");
    try {
        parse_token_usage("input=1 output=9223372036854775808");
        FAIL();
    } catch (const Error& e) {
        EXPECT_STREQ(e.sqlstate(), "22003");
        // Both the offending number and the whole literal are named.
        EXPECT_NE(std::string(e.what()).find("\"9223372036854775808\""), std::string::npos);
        EXPECT_NE(std::string(e.what()).find("\"input=1 output=9223372036854775808\""),
                  std::string::npos);
        EXPECT_NE(e.detail().find("\"output\""), std::string::npos) << e.detail();
    }
}

TEST(TokenUsage, ParseCountDirect) {
    EXPECT_EQ(parse_count("0", "input", "w", "type token_usage"), 0);
    EXPECT_EQ(parse_count("42", "input", "w", "type token_usage"), 42);
    EXPECT_EQ(parse_count("9223372036854775807", "input", "w", "type token_usage"), INT64_MAX);
    try {
        parse_count("9223372036854775808", "input", "the whole", "jsonb");
        FAIL();
    } catch (const Error& e) {
        EXPECT_STREQ(e.sqlstate(), "22003");
        EXPECT_NE(std::string(e.what()).find("jsonb: \"the whole\""), std::string::npos) << e.what();
    }
}

TEST(TokenUsage, Add) {
    TokenUsage a = parse_token_usage("input=700 output=46");
    TokenUsage b = parse_token_usage("input=300 reasoning=5 requests=1");
    EXPECT_EQ(format_token_usage(add_usage(a, b)), "input=1000 output=46 reasoning=5 requests=1");
    add_usage_into(a, b);
    EXPECT_EQ(format_token_usage(a), "input=1000 output=46 reasoning=5 requests=1");

    TokenUsage big = parse_token_usage("output=9223372036854775806");
    TokenUsage one = parse_token_usage("output=1");
    EXPECT_EQ(add_usage(big, one).get(TokenClass::output), INT64_MAX);
}

TEST(TokenUsage, Subtract) {
    TokenUsage a = parse_token_usage("input=1000 output=46 reasoning=5 requests=1");
    TokenUsage b = parse_token_usage("input=300 reasoning=5 requests=1");
    EXPECT_EQ(format_token_usage(subtract_usage(a, b)), "input=700 output=46");
    EXPECT_EQ(format_token_usage(subtract_usage(a, a)), "");
    try {
        subtract_usage(b, a);
        FAIL() << "no error for a negative count";
    } catch (const Error& e) {
        EXPECT_STREQ(e.sqlstate(), "22003");
        EXPECT_NE(e.detail().find("\"input\" would be negative"), std::string::npos) << e.detail();
    }
}

TEST(TokenUsage, AddOverflowThrows) {
    TokenUsage big = parse_token_usage("cache_write_1h=9223372036854775807");
    TokenUsage one = parse_token_usage("cache_write_1h=1");
    try {
        add_usage(big, one);
        FAIL() << "no overflow error";
    } catch (const Error& e) {
        EXPECT_STREQ(e.sqlstate(), "22003");
        EXPECT_NE(e.detail().find("cache_write_1h"), std::string::npos) << e.detail();
    }
    TokenUsage acc = all_classes(INT64_MAX);
    EXPECT_THROW(add_usage_into(acc, all_classes(1)), Error);
    // add_usage leaves its operands alone even when it throws.
    EXPECT_THROW(add_usage(big, one), Error);
    EXPECT_EQ(big.get(TokenClass::cache_write_1h), INT64_MAX);
}

TEST(TokenUsage, TotalTokensExcludesUnits) {
    EXPECT_EQ(total_tokens(all_classes(1)), 10);
    EXPECT_EQ(total_tokens(parse_token_usage("input=700 output=46 requests=3 web_searches=2")),
              746);
    EXPECT_EQ(total_tokens(zero_usage()), 0);
    // Huge unit counts are not tokens: no overflow.
    EXPECT_EQ(total_tokens(parse_token_usage(
                  "input=1 requests=9223372036854775807 web_searches=9223372036854775807")),
              1);
    EXPECT_EQ(total_tokens(parse_token_usage("input=9223372036854775807")), INT64_MAX);
    try {
        total_tokens(parse_token_usage("input=9223372036854775807 image_output=1"));
        FAIL();
    } catch (const Error& e) {
        EXPECT_STREQ(e.sqlstate(), "22003");
    }
}

TEST(TokenUsage, PromptTokens) {
    TokenUsage u = parse_token_usage(
        "input=100 cache_read=20 cache_write=3 cache_write_1h=4 output=1000 reasoning=50 "
        "audio_input=7 image_input=9 requests=1");
    EXPECT_EQ(prompt_tokens(u), 127);
    EXPECT_EQ(prompt_tokens(zero_usage()), 0);
    // Saturates instead of overflowing: a very long prompt stays very long.
    EXPECT_EQ(prompt_tokens(parse_token_usage("input=9223372036854775807 cache_read=5")),
              INT64_MAX);
}

TEST(TokenUsage, PodLayout) {
    static_assert(sizeof(TokenUsage) == 96);
    TokenUsage u = zero_usage();
    for (int i = 0; i < kTokenClassCount; ++i) EXPECT_EQ(u.count[i], 0);
}
