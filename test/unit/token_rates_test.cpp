// token_rates text form, fallback rules and scaling (src/core/token_rates.hpp), and the jsonb
// forms of token_usage and token_rates (src/core/token_json.hpp).
#include "core/token_rates.hpp"

#include "core/error.hpp"
#include "core/token_json.hpp"
#include "core/token_usage.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <cstring>
#include <string>

using cb::core::empty_rates;
using cb::core::Error;
using cb::core::format_token_rates;
using cb::core::format_token_usage;
using cb::core::json_count;
using cb::core::kMaxRateMicro;
using cb::core::kTokenClassCount;
using cb::core::parse_rate_value;
using cb::core::parse_token_rates;
using cb::core::parse_token_usage;
using cb::core::rate_text;
using cb::core::rates_equal;
using cb::core::scale_rates;
using cb::core::set_currency;
using cb::core::TokenClass;
using cb::core::TokenRates;
using cb::core::token_rates_from_json;
using cb::core::token_rates_to_json;
using cb::core::token_usage_from_json;
using cb::core::token_usage_to_json;
using cb::core::TokenUsage;
using cb::core::usage_equal;

namespace {

// "<sqlstate>|<message>|<detail>" of the Error fn throws, or "no error".
template <typename Fn>
std::string error_of(Fn&& fn) {
    try {
        fn();
        return "no error";
    } catch (const Error& e) {
        return std::string(e.sqlstate()) + "|" + e.what() + "|" + e.detail();
    }
}

std::string state_of(const std::string& err) { return err.substr(0, err.find('|')); }

void expect_rates_error(std::string_view text, const char* sqlstate,
                        const std::string& part = {}) {
    std::string got = error_of([&] { parse_token_rates(text); });
    EXPECT_EQ(state_of(got), sqlstate) << text << " -> " << got;
    if (!part.empty()) {
        EXPECT_NE(got.find(part), std::string::npos) << got;
    }
}

std::string roundtrip(std::string_view text) { return format_token_rates(parse_token_rates(text)); }

int64_t eff(const TokenRates& r, TokenClass c) { return r.effective(c); }

}  // namespace

// ---------------------------------------------------------------------------------------
// Text form

TEST(TokenRates, ParseAndFormat) {
    TokenRates r = parse_token_rates("input=3 cache_read=0.30 output=15 USD");
    EXPECT_EQ(r.micro[static_cast<int>(TokenClass::input)], 3000000);
    EXPECT_EQ(r.micro[static_cast<int>(TokenClass::cache_read)], 300000);
    EXPECT_EQ(r.micro[static_cast<int>(TokenClass::output)], 15000000);
    EXPECT_TRUE(r.is_set(TokenClass::input));
    EXPECT_FALSE(r.is_set(TokenClass::reasoning));
    EXPECT_EQ(r.currency_code(), "USD");
    EXPECT_EQ(format_token_rates(r), "input=3 cache_read=0.3 output=15 USD");
}

TEST(TokenRates, FormatTrimsZerosAndPutsCurrencyLast) {
    EXPECT_EQ(roundtrip("output=15.000000 input=003.750 EUR"), "input=3.75 output=15 EUR");
    EXPECT_EQ(roundtrip("EUR input=3"), "input=3 EUR");
    EXPECT_EQ(roundtrip("input=0.000001"), "input=0.000001 USD");
    EXPECT_EQ(roundtrip("input=.5 output=5."), "input=0.5 output=5 USD");
    EXPECT_EQ(roundtrip("input=0"), "input=0 USD");  // an explicit 0 is kept: it is set
    EXPECT_EQ(roundtrip(""), "USD");
    EXPECT_EQ(roundtrip("  \t "), "USD");
    EXPECT_EQ(roundtrip("JPY"), "JPY");
    EXPECT_EQ(roundtrip("web_searches=0.01 requests=0.002 input=1"),
              "input=1 requests=0.002 web_searches=0.01 USD");
    const char* all =
        "input=1 cache_read=2 cache_write=3 cache_write_1h=4 output=5 reasoning=6 "
        "audio_input=7 audio_output=8 image_input=9 image_output=10 requests=11 "
        "web_searches=12 GBP";
    EXPECT_EQ(roundtrip(all), all);
}

TEST(TokenRates, DefaultCurrencyIsUsd) {
    TokenRates r = parse_token_rates("input=3");
    EXPECT_EQ(r.currency_code(), "USD");
    EXPECT_EQ(empty_rates().currency_code(), "USD");
    EXPECT_EQ(empty_rates().set_mask, 0);
}

TEST(TokenRates, LowercaseCurrencyIsUpperCased) {
    EXPECT_EQ(parse_token_rates("input=3 eur").currency_code(), "EUR");
    EXPECT_EQ(parse_token_rates("gbp input=3").currency_code(), "GBP");
    EXPECT_EQ(parse_token_rates("input=3 JpY").currency_code(), "JPY");
    TokenRates r = empty_rates();
    set_currency(r, "chf", "whole");
    EXPECT_EQ(r.currency_code(), "CHF");
}

TEST(TokenRates, UnknownCurrency) {
    expect_rates_error("input=3 XYZ", "22P02", "unknown currency code \"XYZ\"");
    expect_rates_error("input=3 US", "22P02", "unknown currency");
    expect_rates_error("input=3 USDD", "22P02", "unknown currency");
    expect_rates_error("input=3 U$D", "22P02", "unknown currency");
    expect_rates_error("input=3 $", "22P02", "unknown currency");
    // A class name without '=' is read as a (bad) currency.
    expect_rates_error("input", "22P02", "unknown currency code \"input\"");
    expect_rates_error("input=3 \xc3\xa9UR", "22P02", "unknown currency");
}

TEST(TokenRates, TwoCurrencies) {
    expect_rates_error("input=3 USD EUR", "22P02", "more than one currency");
    expect_rates_error("USD input=3 USD", "22P02", "more than one currency");
}

TEST(TokenRates, UnknownAndDuplicateClass) {
    expect_rates_error("input=3 prompt=5", "22P02", "unknown token class \"prompt\"");
    expect_rates_error("input=3 input=3", "22P02", "appears twice");
    expect_rates_error("=3", "22P02", "unknown token class");
}

TEST(TokenRates, MoreThanSixDecimals) {
    expect_rates_error("input=0.0000001", "22P02", "more than 6 decimal places");
    expect_rates_error("input=1.1234567", "22P02", "more than 6 decimal places");
    expect_rates_error("input=999999999999.9999991", "22P02", "more than 6 decimal places");
    // Trailing zeros are not decimals that matter.
    EXPECT_EQ(roundtrip("input=1.123456000000"), "input=1.123456 USD");
}

TEST(TokenRates, ExponentRejectedInTextForm) {
    expect_rates_error("input=3e-06", "22P02", "is not a number");
    expect_rates_error("input=1E2", "22P02", "is not a number");
    expect_rates_error("input=1e0", "22P02", "is not a number");
}

TEST(TokenRates, NotANumber) {
    for (const char* bad : {"input=abc", "input=", "input=.", "input=+3", "input=1.2.3",
                            "input=3USD", "input=0x10", "input=1,5", "input=3=4"}) {
        expect_rates_error(bad, "22P02", "is not a number");
    }
}

TEST(TokenRates, Negative) {
    expect_rates_error("input=-1", "22P02", "cannot be negative");
    expect_rates_error("output=-0.5 USD", "22P02", "cannot be negative");
    expect_rates_error("output=-0", "22P02", "cannot be negative");
}

TEST(TokenRates, Overflow) {
    TokenRates max = parse_token_rates("input=999999999999.999999");
    EXPECT_EQ(max.micro[0], kMaxRateMicro);
    EXPECT_EQ(format_token_rates(max), "input=999999999999.999999 USD");
    expect_rates_error("input=1000000000000", "22003", "out of range");
    expect_rates_error("input=1000000000000.000000", "22003", "out of range");
    expect_rates_error("input=999999999999.9999990 output=1000000000000.5", "22003");
    expect_rates_error("input=99999999999999999999999", "22003");
    expect_rates_error("input=" + std::string(60, '9'), "22003");
}

TEST(TokenRates, ErrorMessageNamesTheLiteral) {
    std::string err = error_of([] { parse_token_rates("input=3 output=x"); });
    EXPECT_NE(err.find("\"input=3 output=x\""), std::string::npos) << err;
    err = error_of([] { parse_rate_value("1e3", "input", "the literal", true); });
    EXPECT_EQ(err, "no error");
    EXPECT_EQ(parse_rate_value("1.5e1", "input", "w", true), 15000000);
    EXPECT_EQ(parse_rate_value("3e-06", "input", "w", true), 3);  // 0.000003 per 1M
    // Without allow_exponent (the text form) the same lexeme is a syntax error.
    err = error_of([] { parse_rate_value("3e-06", "input", "the literal", false); });
    EXPECT_EQ(state_of(err), "22P02") << err;
    EXPECT_NE(err.find("\"the literal\""), std::string::npos) << err;
}

// ---------------------------------------------------------------------------------------
// Fallback rules

TEST(TokenRates, EffectiveFallbackRules) {
    TokenRates r = parse_token_rates("input=3 output=15");
    EXPECT_EQ(eff(r, TokenClass::input), 3000000);
    EXPECT_EQ(eff(r, TokenClass::output), 15000000);
    // Output family.
    EXPECT_EQ(eff(r, TokenClass::reasoning), 15000000);
    EXPECT_EQ(eff(r, TokenClass::audio_output), 15000000);
    EXPECT_EQ(eff(r, TokenClass::image_output), 15000000);
    // Input family.
    EXPECT_EQ(eff(r, TokenClass::cache_read), 3000000);
    EXPECT_EQ(eff(r, TokenClass::cache_write), 3000000);
    EXPECT_EQ(eff(r, TokenClass::cache_write_1h), 3000000);
    EXPECT_EQ(eff(r, TokenClass::audio_input), 3000000);
    EXPECT_EQ(eff(r, TokenClass::image_input), 3000000);
    // Per-unit classes have no fallback.
    EXPECT_EQ(eff(r, TokenClass::requests), 0);
    EXPECT_EQ(eff(r, TokenClass::web_searches), 0);
    EXPECT_EQ(rate_text(r, TokenClass::cache_write_1h), "3");
    EXPECT_EQ(rate_text(r, TokenClass::requests), "0");
}

TEST(TokenRates, EffectiveExplicitRatesWin) {
    TokenRates r = parse_token_rates(
        "input=3 cache_read=0.3 cache_write=3.75 cache_write_1h=6 output=15 reasoning=20 "
        "audio_input=40 audio_output=80 image_input=8 image_output=47 requests=0.002 "
        "web_searches=0.01");
    for (int i = 0; i < kTokenClassCount; ++i) {
        auto c = static_cast<TokenClass>(i);
        EXPECT_EQ(eff(r, c), r.micro[i]) << cb::core::token_class_name(c);
    }
    EXPECT_EQ(rate_text(r, TokenClass::web_searches), "0.01");
    // An explicit 0 is a price (free), not a gap: it does not fall back.
    TokenRates z = parse_token_rates("input=3 cache_read=0 output=15 reasoning=0");
    EXPECT_EQ(eff(z, TokenClass::cache_read), 0);
    EXPECT_EQ(eff(z, TokenClass::reasoning), 0);
    EXPECT_EQ(eff(z, TokenClass::cache_write), 3000000);
}

TEST(TokenRates, EffectiveWithoutFallbackTarget) {
    TokenRates only_output = parse_token_rates("output=15");
    EXPECT_EQ(eff(only_output, TokenClass::cache_read), 0);
    EXPECT_EQ(eff(only_output, TokenClass::audio_input), 0);
    EXPECT_EQ(eff(only_output, TokenClass::input), 0);
    EXPECT_EQ(eff(only_output, TokenClass::reasoning), 15000000);
    TokenRates only_input = parse_token_rates("input=3");
    EXPECT_EQ(eff(only_input, TokenClass::reasoning), 0);
    EXPECT_EQ(eff(only_input, TokenClass::image_output), 0);
    EXPECT_EQ(eff(only_input, TokenClass::output), 0);
    for (int i = 0; i < kTokenClassCount; ++i)
        EXPECT_EQ(empty_rates().effective(static_cast<TokenClass>(i)), 0);
    // Per-unit classes never borrow, even when input and output are set.
    TokenRates set_units = parse_token_rates("input=3 output=15 web_searches=0.01");
    EXPECT_EQ(eff(set_units, TokenClass::web_searches), 10000);
    EXPECT_EQ(eff(set_units, TokenClass::requests), 0);
}

// ---------------------------------------------------------------------------------------
// Scaling

TEST(TokenRates, ScaleExact) {
    TokenRates r = parse_token_rates("input=3 cache_read=0.3 output=15 EUR");
    TokenRates s = scale_rates(r, "0.85");
    EXPECT_EQ(format_token_rates(s), "input=2.55 cache_read=0.255 output=12.75 EUR");
    EXPECT_EQ(s.set_mask, r.set_mask);
    // Unset classes stay unset, so fallback still applies to the scaled rates.
    EXPECT_EQ(s.effective(TokenClass::reasoning), 12750000);
    EXPECT_EQ(format_token_rates(scale_rates(r, "1")), format_token_rates(r));
    EXPECT_EQ(format_token_rates(scale_rates(r, "2")), "input=6 cache_read=0.6 output=30 EUR");
    EXPECT_EQ(format_token_rates(scale_rates(r, "1e1")), "input=30 cache_read=3 output=150 EUR");
    EXPECT_EQ(format_token_rates(scale_rates(r, "100")), "input=300 cache_read=30 output=1500 EUR");
    EXPECT_EQ(format_token_rates(scale_rates(r, "0")), "input=0 cache_read=0 output=0 EUR");
    EXPECT_EQ(format_token_rates(scale_rates(r, "-0")), "input=0 cache_read=0 output=0 EUR");
    EXPECT_EQ(format_token_rates(scale_rates(r, "0.850000000000000000000")),
              "input=2.55 cache_read=0.255 output=12.75 EUR");
    EXPECT_EQ(format_token_rates(scale_rates(empty_rates(), "123")), "USD");
}

TEST(TokenRates, ScaleRoundsHalfUpAtSixthDecimal) {
    TokenRates r = parse_token_rates("input=0.000001 output=0.000003 reasoning=0.000005");
    EXPECT_EQ(format_token_rates(scale_rates(r, "0.5")),
              "input=0.000001 output=0.000002 reasoning=0.000003 USD");
    EXPECT_EQ(format_token_rates(scale_rates(r, "0.4999")),
              "input=0 output=0.000001 reasoning=0.000002 USD");
    EXPECT_EQ(format_token_rates(scale_rates(r, "1e-50")), "input=0 output=0 reasoning=0 USD");
    TokenRates q = parse_token_rates("input=2.5");
    EXPECT_EQ(format_token_rates(scale_rates(q, "0.3333333")), "input=0.833333 USD");
    EXPECT_EQ(format_token_rates(scale_rates(q, "0.3333334")), "input=0.833334 USD");  // .8333335
}

TEST(TokenRates, ScaleNegativeFactor) {
    TokenRates r = parse_token_rates("input=3");
    std::string err = error_of([&] { scale_rates(r, "-0.85"); });
    EXPECT_EQ(state_of(err), "22023") << err;
    EXPECT_EQ(state_of(error_of([&] { scale_rates(r, "-1e-9"); })), "22023");
}

TEST(TokenRates, ScaleBadFactor) {
    TokenRates r = parse_token_rates("input=3");
    EXPECT_EQ(state_of(error_of([&] { scale_rates(r, "abc"); })), "22P02");
    EXPECT_EQ(state_of(error_of([&] { scale_rates(r, ""); })), "22P02");
    EXPECT_EQ(state_of(error_of([&] { scale_rates(r, "NaN"); })), "22P02");
}

TEST(TokenRates, ScaleOverflow) {
    TokenRates max = parse_token_rates("input=999999999999.999999");
    EXPECT_EQ(format_token_rates(scale_rates(max, "1")), "input=999999999999.999999 USD");
    EXPECT_EQ(format_token_rates(scale_rates(max, "1.0000000000000000000000000000000000000")),
              "input=999999999999.999999 USD");
    std::string err = error_of([&] { scale_rates(max, "1.000001"); });
    EXPECT_EQ(state_of(err), "22003") << err;
    EXPECT_NE(err.find("\"input\""), std::string::npos) << err;
    EXPECT_EQ(state_of(error_of([&] { scale_rates(max, "2"); })), "22003");
    EXPECT_EQ(state_of(error_of([&] { scale_rates(max, "1e30"); })), "22003");
    EXPECT_EQ(state_of(error_of([&] { scale_rates(max, "1e100"); })), "22003");
    TokenRates small = parse_token_rates("output=1");
    EXPECT_EQ(state_of(error_of([&] { scale_rates(small, "1e12"); })), "22003");
    EXPECT_EQ(format_token_rates(scale_rates(small, "999999999999.999999")),
              "output=999999999999.999999 USD");
    // Factors are exact up to 19 significant digits; more is refused, not rounded twice.
    EXPECT_EQ(state_of(error_of([&] { scale_rates(small, std::string(40, '1')); })), "22023");
    EXPECT_EQ(state_of(error_of([&] { scale_rates(small, "0.33333333333333333333"); })), "22023");
    EXPECT_EQ(format_token_rates(scale_rates(parse_token_rates("input=15"), "0.3333333333333333333")),
              "input=5 USD");
}

TEST(TokenRates, RatesEqual) {
    EXPECT_TRUE(rates_equal(parse_token_rates("input=3 output=15"),
                            parse_token_rates("output=15.0 input=3.000 USD")));
    EXPECT_TRUE(rates_equal(parse_token_rates("input=3 eur"), parse_token_rates("EUR input=3")));
    EXPECT_FALSE(rates_equal(parse_token_rates("input=3"), parse_token_rates("input=3 EUR")));
    EXPECT_FALSE(rates_equal(parse_token_rates("input=3"), parse_token_rates("input=3.000001")));
    // Set with 0 differs from not set.
    EXPECT_FALSE(rates_equal(parse_token_rates("input=3"), parse_token_rates("input=3 cache_read=0")));
    EXPECT_FALSE(rates_equal(parse_token_rates(""), parse_token_rates("input=0")));
    // The on-disk bytes are equal too (padding is zero).
    TokenRates a = parse_token_rates("input=3 output=15");
    TokenRates b = parse_token_rates("output=15 input=3");
    EXPECT_EQ(std::memcmp(&a, &b, sizeof a), 0);
    static_assert(sizeof(TokenRates) == 104);
}

// ---------------------------------------------------------------------------------------
// jsonb forms

TEST(TokenJson, UsageToJson) {
    EXPECT_EQ(token_usage_to_json(parse_token_usage("")), "{}");
    EXPECT_EQ(token_usage_to_json(parse_token_usage("output=46 input=700 requests=1")),
              R"({"input": 700, "output": 46, "requests": 1})");
    EXPECT_EQ(token_usage_to_json(parse_token_usage("web_searches=9223372036854775807")),
              R"({"web_searches": 9223372036854775807})");
}

TEST(TokenJson, UsageFromJson) {
    TokenUsage u = token_usage_from_json(R"({"input": 700, "output": 46, "reasoning": null})");
    EXPECT_EQ(format_token_usage(u), "input=700 output=46");
    EXPECT_EQ(format_token_usage(token_usage_from_json("{}")), "");
    EXPECT_EQ(format_token_usage(token_usage_from_json(R"({"input": "700"})")), "input=700");
    EXPECT_EQ(format_token_usage(token_usage_from_json(R"({"input": 7e2})")), "input=700");
    EXPECT_EQ(format_token_usage(token_usage_from_json(R"({"input": 700.0})")), "input=700");
    EXPECT_EQ(format_token_usage(token_usage_from_json(R"({"input": 9223372036854775807})")),
              "input=9223372036854775807");
    EXPECT_EQ(format_token_usage(token_usage_from_json(R"({"input": -0})")), "");
    // Round trip through both forms.
    TokenUsage all = parse_token_usage(
        "input=1 cache_read=2 cache_write=3 cache_write_1h=4 output=5 reasoning=6 audio_input=7 "
        "audio_output=8 image_input=9 image_output=10 requests=11 web_searches=12");
    EXPECT_TRUE(usage_equal(token_usage_from_json(token_usage_to_json(all)), all));
}

TEST(TokenJson, UsageFromJsonErrors) {
    auto state = [](const char* json) {
        return state_of(error_of([&] { token_usage_from_json(json); }));
    };
    EXPECT_EQ(state(R"({"input": -1})"), "22P02");
    EXPECT_EQ(state(R"({"input": 1.5})"), "22P02");
    EXPECT_EQ(state(R"({"input": "abc"})"), "22P02");
    EXPECT_EQ(state(R"({"input": "-5"})"), "22P02");
    EXPECT_EQ(state(R"({"input": true})"), "22P02");
    EXPECT_EQ(state(R"({"input": [1]})"), "22P02");
    EXPECT_EQ(state(R"({"input": {"n": 1}})"), "22P02");
    EXPECT_EQ(state(R"({"tokens": 1})"), "22P02");
    EXPECT_EQ(state(R"([{"input": 1}])"), "22P02");
    EXPECT_EQ(state(R"("input=1")"), "22P02");
    EXPECT_EQ(state(R"({"input": 9223372036854775808})"), "22003");
    EXPECT_EQ(state(R"({"input": 18446744073709551616})"), "22003");
    EXPECT_EQ(state(R"({"input": "99999999999999999999"})"), "22003");
    EXPECT_EQ(state(R"({"input": 1e30})"), "22003");
    EXPECT_EQ(state(R"({"input": 1})" "x"), "22032");
    EXPECT_EQ(state(R"({"input": 1,})"), "22032");
    EXPECT_EQ(state(""), "22032");
    std::string err = error_of([] { token_usage_from_json(R"({"input": true})"); });
    EXPECT_NE(err.find("boolean"), std::string::npos) << err;
    err = error_of([] { token_usage_from_json(R"({"prompt": 1})"); });
    EXPECT_NE(err.find("\"prompt\""), std::string::npos) << err;
}

TEST(TokenJson, JsonCountDirect) {
    using nlohmann::json;
    EXPECT_EQ(json_count(json(5), "x"), 5);
    EXPECT_EQ(json_count(json(static_cast<uint64_t>(INT64_MAX)), "x"), INT64_MAX);
    EXPECT_EQ(json_count(json(nullptr), "x"), 0);
    EXPECT_EQ(json_count(json("12"), "x"), 12);
    std::string err = error_of([] { json_count(json(-3), "usage.prompt_tokens"); });
    EXPECT_EQ(state_of(err), "22P02");
    EXPECT_NE(err.find("usage.prompt_tokens"), std::string::npos) << err;
    EXPECT_EQ(state_of(error_of([] { json_count(json(static_cast<uint64_t>(INT64_MAX) + 1), "x"); })),
              "22003");
    EXPECT_EQ(state_of(error_of([] { json_count(json(1.5), "x"); })), "22P02");
}

TEST(TokenJson, RatesToJson) {
    EXPECT_EQ(token_rates_to_json(empty_rates()), R"({"currency": "USD"})");
    EXPECT_EQ(token_rates_to_json(parse_token_rates("output=15 input=3 cache_read=0.3 eur")),
              R"({"input": 3, "cache_read": 0.3, "output": 15, "currency": "EUR"})");
    EXPECT_EQ(token_rates_to_json(parse_token_rates("input=0 requests=999999999999.999999")),
              R"({"input": 0, "requests": 999999999999.999999, "currency": "USD"})");
    // What it writes is valid JSON.
    auto doc = nlohmann::json::parse(token_rates_to_json(parse_token_rates("input=3 output=15")));
    EXPECT_TRUE(doc.is_object());
}

TEST(TokenJson, RatesFromJson) {
    auto text = [](const char* json) { return format_token_rates(token_rates_from_json(json)); };
    EXPECT_EQ(text(R"({"input": 3, "cache_read": 0.3, "output": 15, "currency": "EUR"})"),
              "input=3 cache_read=0.3 output=15 EUR");
    EXPECT_EQ(text(R"({"output": "15.50", "input": 3.75})"), "input=3.75 output=15.5 USD");
    EXPECT_EQ(text(R"({"currency": "gbp"})"), "GBP");
    EXPECT_EQ(text("{}"), "USD");
    // Exponents are fine in JSON numbers (jsonb may print them); the value must still fit.
    EXPECT_EQ(text(R"({"input": 1.5e1})"), "input=15 USD");
    EXPECT_EQ(text(R"({"input": 3e-06})"), "input=0.000003 USD");
    EXPECT_EQ(text(R"({"input": 0})"), "input=0 USD");
    // Round trip through both forms for every class.
    TokenRates all = parse_token_rates(
        "input=1 cache_read=2.5 cache_write=3 cache_write_1h=4 output=5 reasoning=6 "
        "audio_input=7 audio_output=8 image_input=9 image_output=10 requests=0.000001 "
        "web_searches=999999999999.999999 CHF");
    EXPECT_TRUE(rates_equal(token_rates_from_json(token_rates_to_json(all)), all));
}

TEST(TokenJson, RatesFromJsonErrors) {
    auto state = [](const char* json) {
        return state_of(error_of([&] { token_rates_from_json(json); }));
    };
    EXPECT_EQ(state(R"({"input": -1})"), "22P02");
    EXPECT_EQ(state(R"({"input": "-1"})"), "22P02");
    EXPECT_EQ(state(R"({"input": 0.0000001})"), "22P02");  // more than 6 decimals
    EXPECT_EQ(state(R"({"input": 1e-7})"), "22P02");
    EXPECT_EQ(state(R"({"input": "abc"})"), "22P02");
    EXPECT_EQ(state(R"({"input": true})"), "22P02");
    EXPECT_EQ(state(R"({"input": null})"), "22P02");
    EXPECT_EQ(state(R"({"input": [3]})"), "22P02");
    EXPECT_EQ(state(R"({"prompt": 3})"), "22P02");
    EXPECT_EQ(state(R"({"currency": 840})"), "22P02");
    EXPECT_EQ(state(R"({"currency": "XYZ"})"), "22P02");
    EXPECT_EQ(state(R"({"currency": "US"})"), "22P02");
    EXPECT_EQ(state(R"([1, 2])"), "22P02");
    EXPECT_EQ(state(R"(3)"), "22P02");
    EXPECT_EQ(state(R"({"input": 1000000000000})"), "22003");
    EXPECT_EQ(state(R"({"input": 1e12})"), "22003");
    EXPECT_EQ(state(R"({"input": 99999999999999999999999})"), "22003");
    EXPECT_EQ(state(R"({"input": 3)"), "22032");
    EXPECT_EQ(state(R"({input: 3})"), "22032");
    std::string err = error_of([] { token_rates_from_json(R"({"input": 3, "currency": "ZZZ"})"); });
    EXPECT_NE(err.find("ZZZ"), std::string::npos) << err;
}
