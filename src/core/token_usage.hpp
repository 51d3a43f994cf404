// token_usage: non-negative counts per usage class. The struct is also the on-disk
// representation of the SQL type (fixed length, 96 bytes), so it must stay a plain POD.
#pragma once
#include "pure.hpp"
#include "token_class.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace cb::core {

struct TokenUsage {
    int64_t count[kTokenClassCount];

    int64_t get(TokenClass c) const { return count[static_cast<int>(c)]; }
    void set(TokenClass c, int64_t v) { count[static_cast<int>(c)] = v; }
};
static_assert(sizeof(TokenUsage) == 96, "token_usage is a 96-byte fixed-length type");

inline TokenUsage zero_usage() { return TokenUsage{}; }

// 'input=700 cache_read=300 output=46 requests=1': any order, missing = 0, '' = all zero.
// Throws Error 22P02 (syntax, unknown or duplicate class, negative) or 22003 (overflow).
TokenUsage parse_token_usage(std::string_view text);
// Non-zero classes in class order; "" when all are zero.
std::string format_token_usage(const TokenUsage& u);

// a + b; throws Error 22003 naming the class on overflow.
TokenUsage add_usage(const TokenUsage& a, const TokenUsage& b);
// Adds b into a in place (the aggregate's transition step).
void add_usage_into(TokenUsage& a, const TokenUsage& b);
// a - b, class by class (taking back usage counted before: rollups on delete and update);
// throws Error 22003 naming the class when b holds more of it than a.
TokenUsage subtract_usage(const TokenUsage& a, const TokenUsage& b);
bool usage_equal(const TokenUsage& a, const TokenUsage& b);
// Sum of the token classes (not requests or web_searches); throws 22003 on overflow.
int64_t total_tokens(const TokenUsage& u);
// Prompt size as long-context tiers count it: input + cache_read + cache_write + cache_write_1h.
int64_t prompt_tokens(const TokenUsage& u);

// Parses a non-negative bigint count for class `cls`; `type_name` and `whole` name the
// value in errors. Shared by the text and JSON forms.
int64_t parse_count(std::string_view digits, std::string_view cls, std::string_view whole,
                    const char* type_name);

}  // namespace cb::core
