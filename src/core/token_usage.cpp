#include "token_usage.hpp"

#include "error.hpp"
#include "literal.hpp"

#include <cstring>

namespace cb::core {

using literal::quoted;

int64_t parse_count(std::string_view digits, std::string_view cls, std::string_view whole,
                    const char* type_name) {
    std::string what = std::string(type_name) + ": " + quoted(whole);
    if (digits.empty())
        throw Error(sqlstate::invalid_text_representation, "invalid input syntax for " + what,
                    "token class " + quoted(cls) + " has no value");
    if (digits[0] == '-')
        throw Error(sqlstate::invalid_text_representation, "invalid input syntax for " + what,
                    "token counts cannot be negative: " + std::string(cls) + "=" + std::string(digits));
    uint64_t v = 0;
    for (char c : digits) {
        if (c < '0' || c > '9')
            throw Error(sqlstate::invalid_text_representation, "invalid input syntax for " + what,
                        "token class " + quoted(cls) + " needs a whole number, not " + quoted(digits));
        if (v > (static_cast<uint64_t>(INT64_MAX) - (c - '0')) / 10)
            throw Error(sqlstate::numeric_value_out_of_range,
                        "value " + quoted(digits) + " is out of range for " + what,
                        "token class " + quoted(cls) + " holds at most 9223372036854775807");
        v = v * 10 + static_cast<uint64_t>(c - '0');
    }
    return static_cast<int64_t>(v);
}

TokenUsage parse_token_usage(std::string_view text) {
    TokenUsage u = zero_usage();
    literal::for_each_item(
        "token_usage", text,
        [&](TokenClass cls, std::string_view name, std::string_view value) {
            u.set(cls, parse_count(value, name, text, "type token_usage"));
        },
        [&](std::string_view item) {
            literal::syntax_error("token_usage", text, "expected class=count, found " + quoted(item),
                                  "write counts as input=700 output=46");
        });
    return u;
}

std::string format_token_usage(const TokenUsage& u) {
    std::string s;
    for (int i = 0; i < kTokenClassCount; ++i) {
        if (u.count[i] == 0) continue;
        if (!s.empty()) s += ' ';
        s += token_class_name(static_cast<TokenClass>(i));
        s += '=';
        s += std::to_string(u.count[i]);
    }
    return s;
}

void add_usage_into(TokenUsage& a, const TokenUsage& b) {
    for (int i = 0; i < kTokenClassCount; ++i) {
        int64_t r;
        if (__builtin_add_overflow(a.count[i], b.count[i], &r))
            throw Error(sqlstate::numeric_value_out_of_range, "token_usage out of range",
                        std::string("token class \"") + token_class_name(static_cast<TokenClass>(i)) +
                            "\" would exceed 9223372036854775807");
        a.count[i] = r;
    }
}

TokenUsage add_usage(const TokenUsage& a, const TokenUsage& b) {
    TokenUsage r = a;
    add_usage_into(r, b);
    return r;
}

TokenUsage subtract_usage(const TokenUsage& a, const TokenUsage& b) {
    TokenUsage r = a;
    for (int i = 0; i < kTokenClassCount; ++i) {
        if (b.count[i] > a.count[i])
            throw Error(sqlstate::numeric_value_out_of_range, "token_usage out of range",
                        std::string("token class \"") + token_class_name(static_cast<TokenClass>(i)) + "\" would be negative: " +
                            std::to_string(a.count[i]) + " - " + std::to_string(b.count[i]));
        r.count[i] = a.count[i] - b.count[i];
    }
    return r;
}

bool usage_equal(const TokenUsage& a, const TokenUsage& b) {
    return std::memcmp(a.count, b.count, sizeof a.count) == 0;
}

int64_t total_tokens(const TokenUsage& u) {
    int64_t t = 0;
    for (int i = 0; i < kTokenClassCount; ++i) {
        if (!is_token_class(static_cast<TokenClass>(i))) continue;
        if (__builtin_add_overflow(t, u.count[i], &t))
            throw Error(sqlstate::numeric_value_out_of_range, "total_tokens out of range",
                        "the token classes of this token_usage add up to more than 9223372036854775807");
    }
    return t;
}

int64_t prompt_tokens(const TokenUsage& u) {
    int64_t t = 0;
    for (TokenClass c : {TokenClass::input, TokenClass::cache_read, TokenClass::cache_write,
                         TokenClass::cache_write_1h}) {
        if (__builtin_add_overflow(t, u.get(c), &t)) return INT64_MAX;  // saturate: "very long"
    }
    return t;
}

}  // namespace cb::core
