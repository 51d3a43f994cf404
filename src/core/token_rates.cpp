#include "token_rates.hpp"

#include "currency.hpp"
#include "error.hpp"
#include "literal.hpp"

#include <cstring>

namespace cb::core {

using literal::quoted;

namespace {

[[noreturn]] void syntax_error(std::string_view whole, std::string detail, std::string hint = {}) {
    literal::syntax_error("token_rates", whole, std::move(detail), std::move(hint));
}

}  // namespace

TokenRates empty_rates() {
    TokenRates r;
    std::memset(&r, 0, sizeof r);
    std::memcpy(r.currency, "USD", 3);
    return r;
}

int64_t parse_rate_value(std::string_view value, std::string_view cls, std::string_view whole,
                         bool allow_exponent) {
    if (!value.empty() && value[0] == '-')
        syntax_error(whole, "rates cannot be negative: " + std::string(cls) + "=" + std::string(value));
    bool syntax_ok = !value.empty() && value[0] != '+';
    if (!allow_exponent && value.find_first_of("eE") != std::string_view::npos) syntax_ok = false;
    bool overflow = false;
    auto d = syntax_ok ? parse_decimal(value, &overflow) : std::nullopt;
    if (!d)
        syntax_error(whole, "rate for " + quoted(cls) + " is not a number: " + quoted(value),
                     "write rates as decimals in currency units per 1M tokens, e.g. input=3.75");
    if (!overflow) {
        auto m = rescale(*d, kRateScale, Rounding::reject, kMaxRateMicro, &overflow);
        if (m) return static_cast<int64_t>(*m);
        if (!overflow)
            syntax_error(whole,
                         "rate for " + quoted(cls) + " has more than 6 decimal places: " + std::string(value),
                         "rates are per 1M tokens; 6 decimals price a single token to 1e-12");
    }
    throw Error(sqlstate::numeric_value_out_of_range,
                "rate " + quoted(value) + " is out of range for type token_rates",
                "rate for " + quoted(cls) + " must be at most 999999999999.999999");
}

void set_currency(TokenRates& r, std::string_view code, std::string_view whole) {
    char up[3];
    bool ok = code.size() == 3;
    for (size_t i = 0; ok && i < 3; ++i) {
        char c = code[i];
        if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
        if (c < 'A' || c > 'Z') ok = false;
        up[i] = c;
    }
    if (!ok || !is_currency_code(std::string_view(up, 3)))
        syntax_error(whole, "unknown currency code " + quoted(code),
                     "use an ISO 4217 code such as USD, EUR or GBP");
    std::memcpy(r.currency, up, 3);
}

TokenRates parse_token_rates(std::string_view text) {
    TokenRates r = empty_rates();
    bool currency_seen = false;
    literal::for_each_item(
        "token_rates", text,
        [&](TokenClass cls, std::string_view name, std::string_view value) {
            r.set(cls, parse_rate_value(value, name, text, false));
        },
        [&](std::string_view item) {
            if (currency_seen) syntax_error(text, "more than one currency: " + quoted(item));
            set_currency(r, item, text);
            currency_seen = true;
        });
    return r;
}

std::string format_token_rates(const TokenRates& r) {
    std::string s;
    for (int i = 0; i < kTokenClassCount; ++i) {
        auto c = static_cast<TokenClass>(i);
        if (!r.is_set(c)) continue;
        s += token_class_name(c);
        s += '=';
        append_scaled(s, r.micro[i], kRateScale);
        s += ' ';
    }
    s.append(r.currency, 3);
    return s;
}

bool rates_equal(const TokenRates& a, const TokenRates& b) {
    return a.set_mask == b.set_mask && std::memcmp(a.micro, b.micro, sizeof a.micro) == 0 &&
           std::memcmp(a.currency, b.currency, 3) == 0;
}

TokenRates merge_rates(const TokenRates& base, const TokenRates& update) {
    if (std::memcmp(base.currency, update.currency, 3) != 0) return update;
    TokenRates out = base;
    for (int i = 0; i < kTokenClassCount; ++i) {
        auto c = static_cast<TokenClass>(i);
        if (update.is_set(c)) out.set(c, update.micro[i]);
    }
    return out;
}

TokenRates scale_rates(const TokenRates& r, std::string_view factor) {
    bool overflow = false;
    auto d = parse_decimal(factor, &overflow);
    if (!d)
        throw Error(sqlstate::invalid_text_representation,
                    "invalid factor " + quoted(factor) + " for token_rates * numeric");
    if (d->negative)
        throw Error(sqlstate::invalid_parameter_value,
                    "cannot multiply token_rates by a negative factor: " + std::string(factor),
                    {}, "a discount of 15% is a factor of 0.85");
    // A rate has at most 18 digits; 19 significant digits of factor keep the product inside
    // 128 bits, so it is computed exactly and rounded once.
    if (overflow || d->mantissa >= pow10_128(19))
        throw Error(sqlstate::invalid_parameter_value,
                    "factor " + quoted(factor) + " has more than 19 significant digits", {},
                    "round the factor, e.g. round(f, 12)");
    TokenRates out = r;
    for (int i = 0; i < kTokenClassCount; ++i) {
        if (!r.is_set(static_cast<TokenClass>(i))) continue;
        int128 product = 0;
        bool ok = checked_mul(r.micro[i], d->mantissa, &product);
        if (ok) {
            if (d->scale > 0) {
                product = d->scale > 38 ? 0 : div_round_half_up(product, pow10_128(d->scale));
            } else if (d->scale < 0) {
                ok = -d->scale <= 38 && checked_mul(product, pow10_128(-d->scale), &product);
            }
        }
        if (!ok || product > kMaxRateMicro)
            throw Error(sqlstate::numeric_value_out_of_range, "token_rates out of range",
                        std::string("rate for \"") + token_class_name(static_cast<TokenClass>(i)) +
                            "\" times " + std::string(factor) + " exceeds 999999999999.999999");
        out.micro[i] = static_cast<int64_t>(product);
    }
    return out;
}

std::string rate_text(const TokenRates& r, TokenClass c) {
    return format_scaled(r.effective(c), kRateScale);
}

}  // namespace cb::core
