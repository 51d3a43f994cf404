#include "decimal.hpp"

#include <cstring>

namespace cb::core {

int128 pow10_128(int exponent) {
    int128 r = 1;
    for (int i = 0; i < exponent; ++i) r *= 10;
    return r;
}

bool checked_mul(int128 a, int128 b, int128* out) {
    int128 r;
    if (__builtin_mul_overflow(a, b, &r)) return false;
    if (r > kInt128Max || r < -kInt128Max) return false;
    *out = r;
    return true;
}

bool checked_add(int128 a, int128 b, int128* out) {
    int128 r;
    if (__builtin_add_overflow(a, b, &r)) return false;
    if (r > kInt128Max || r < -kInt128Max) return false;
    *out = r;
    return true;
}

int128 div_round_half_up(int128 a, int128 b) {
    bool neg = a < 0;
    int128 m = neg ? -a : a;
    int128 q = m / b;
    int128 r = m % b;
    if (r >= b - r) ++q;  // 2r >= b without overflowing
    return neg ? -q : q;
}

std::optional<ParsedDecimal> parse_decimal(std::string_view s, bool* overflow) {
    *overflow = false;
    size_t i = 0, n = s.size();
    ParsedDecimal d;
    if (i < n && (s[i] == '-' || s[i] == '+')) {
        d.negative = s[i] == '-';
        ++i;
    }
    // Collect significant digits (without leading zeros) and count fractional ones.
    char digits[40];
    int ndigits = 0;
    bool any_digit = false, too_many = false;
    long frac = 0;
    long dropped_int_zeros = 0;  // integer-part zeros we could not store (too many digits)
    for (; i < n && s[i] >= '0' && s[i] <= '9'; ++i) {
        any_digit = true;
        if (ndigits == 0 && s[i] == '0') continue;
        if (ndigits < 39) digits[ndigits++] = s[i];
        else if (s[i] == '0') ++dropped_int_zeros;
        else too_many = true;
    }
    if (i < n && s[i] == '.') {
        ++i;
        bool frac_digit = false;
        for (; i < n && s[i] >= '0' && s[i] <= '9'; ++i) {
            frac_digit = true;
            if (ndigits == 0 && s[i] == '0') {
                ++frac;
                continue;
            }
            if (ndigits < 39) {
                digits[ndigits++] = s[i];
                ++frac;
            } else if (s[i] != '0') {
                too_many = true;
            }
        }
        if (!frac_digit && !any_digit) return std::nullopt;
        any_digit = any_digit || frac_digit;
    }
    if (!any_digit) return std::nullopt;
    long exp = 0;
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        ++i;
        bool eneg = false;
        if (i < n && (s[i] == '-' || s[i] == '+')) {
            eneg = s[i] == '-';
            ++i;
        }
        if (i >= n || s[i] < '0' || s[i] > '9') return std::nullopt;
        for (; i < n && s[i] >= '0' && s[i] <= '9'; ++i) {
            if (exp < 100000) exp = exp * 10 + (s[i] - '0');
        }
        if (eneg) exp = -exp;
    }
    if (i != n) return std::nullopt;
    // Trailing zeros carry no information: drop them so long zero tails never overflow.
    while (ndigits > 0 && digits[ndigits - 1] == '0') {
        --ndigits;
        --frac;
    }
    if (too_many || ndigits > 38) {
        *overflow = true;
        return d;
    }
    int128 m = 0;
    for (int k = 0; k < ndigits; ++k) m = m * 10 + (digits[k] - '0');
    d.mantissa = m;
    long scale = frac - exp - dropped_int_zeros;
    if (scale > 100000) scale = 100000;
    if (scale < -100000) scale = -100000;
    d.scale = static_cast<int>(scale);
    if (m == 0) {
        d.scale = 0;
        d.negative = false;
    }
    return d;
}

std::optional<int128> rescale(const ParsedDecimal& d, int target_scale, Rounding rounding,
                              int128 limit, bool* overflow) {
    *overflow = false;
    if (d.mantissa == 0) return int128{0};
    long shift = static_cast<long>(target_scale) - d.scale;
    int128 r;
    if (shift >= 0) {
        if (shift > 38) {
            *overflow = true;
            return std::nullopt;
        }
        if (!checked_mul(d.mantissa, pow10_128(static_cast<int>(shift)), &r) || r > limit) {
            *overflow = true;
            return std::nullopt;
        }
    } else {
        long k = -shift;
        if (k > 38) {
            if (rounding == Rounding::reject) return std::nullopt;
            r = 0;  // |value| < 10^38 * 10^-39 units: rounds to zero
        } else {
            int128 p = pow10_128(static_cast<int>(k));
            int128 q = d.mantissa / p, rem = d.mantissa % p;
            if (rem != 0 && rounding == Rounding::reject) return std::nullopt;
            if (rem != 0 && rem >= p - rem) ++q;
            r = q;
        }
        if (r > limit) {
            *overflow = true;
            return std::nullopt;
        }
    }
    return d.negative ? -r : r;
}

void append_scaled(std::string& out, int128 v, int scale) {
    char buf[64];
    int pos = 64;
    bool neg = v < 0;
    // Work on the magnitude as unsigned so that the most negative value is safe.
    unsigned __int128 m = neg ? -static_cast<unsigned __int128>(v) : static_cast<unsigned __int128>(v);
    int written = 0;
    bool trimming = true;
    // Fractional digits, least significant first, skipping trailing zeros.
    for (int k = 0; k < scale; ++k) {
        int digit = static_cast<int>(m % 10);
        m /= 10;
        if (trimming && digit == 0) continue;
        trimming = false;
        buf[--pos] = static_cast<char>('0' + digit);
        ++written;
    }
    if (written > 0) buf[--pos] = '.';
    do {
        buf[--pos] = static_cast<char>('0' + static_cast<int>(m % 10));
        m /= 10;
    } while (m != 0);
    if (neg) buf[--pos] = '-';
    out.append(buf + pos, 64 - pos);
}

std::string format_scaled(int128 v, int scale) {
    std::string s;
    append_scaled(s, v, scale);
    return s;
}

std::string group_digits(const std::string& digits) {
    size_t start = (!digits.empty() && digits[0] == '-') ? 1 : 0;
    for (size_t i = start; i < digits.size(); ++i)
        if (digits[i] < '0' || digits[i] > '9') return digits;  // not a plain integer: as is
    std::string out = digits.substr(0, start);
    const size_t n = digits.size() - start;
    for (size_t i = 0; i < n; ++i) {
        if (i > 0 && (n - i) % 3 == 0) out += ',';
        out += digits[start + i];
    }
    return out;
}

}  // namespace cb::core
