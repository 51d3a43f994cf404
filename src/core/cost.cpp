#include "cost.hpp"

#include "error.hpp"

namespace cb::core {

int128 cost_pico(const TokenUsage& u, const TokenRates& r) {
    int128 total = 0;
    for (int i = 0; i < kTokenClassCount; ++i) {
        int64_t n = u.count[i];
        if (n == 0) continue;
        auto c = static_cast<TokenClass>(i);
        int128 term = static_cast<int128>(n) * r.effective(c);  // < 2^63 * 2^60: cannot overflow
        if (!is_token_class(c) && !checked_mul(term, 1000000, &term))
            throw Error(sqlstate::numeric_value_out_of_range, "cost out of range",
                        std::string("count of \"") + token_class_name(c) + "\" times its rate is too large");
        if (!checked_add(total, term, &total))
            throw Error(sqlstate::numeric_value_out_of_range, "cost out of range",
                        "the per-class costs add up to more than 1.7e26 currency units");
    }
    return total;
}

std::string cost_text(const TokenUsage& u, const TokenRates& r) {
    return format_scaled(cost_pico(u, r), kCostScale);
}

}  // namespace cb::core
