#include "token_usage.hpp"

#include "error.hpp"

#include <cstring>

namespace cb::core {

namespace {

std::string quoted(std::string_view s) { return "\"" + std::string(s) + "\""; }

[[noreturn]] void syntax_error(std::string_view whole, std::string detail, std::string hint = {}) {
    throw Error(sqlstate::invalid_text_representation,
                "invalid input syntax for type token_usage: " + quoted(whole), std::move(detail),
                std::move(hint));
}

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

}  // namespace

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
    bool seen[kTokenClassCount] = {};
    size_t i = 0, n = text.size();
    while (true) {
        while (i < n && is_space(text[i])) ++i;
        if (i >= n) break;
        size_t start = i;
        while (i < n && !is_space(text[i])) ++i;
        std::string_view item = text.substr(start, i - start);
        size_t eq = item.find('=');
        if (eq == std::string_view::npos)
            syntax_error(text, "expected class=count, found " + quoted(item),
                         "write counts as input=700 output=46");
        std::string_view name = item.substr(0, eq);
        auto cls = token_class_from_name(name);
        if (!cls)
            syntax_error(text, "unknown token class " + quoted(name),
                         "valid classes: " + token_class_list());
        int idx = static_cast<int>(*cls);
        if (seen[idx]) syntax_error(text, "token class " + quoted(name) + " appears twice");
        seen[idx] = true;
        u.count[idx] = parse_count(item.substr(eq + 1), name, text, "type token_usage");
    }
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
