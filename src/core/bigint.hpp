// Signed arbitrary-precision integers for exact allocation arithmetic. Chargeback splits
// multiply amounts by weights and sum many fractions, which outgrows 128 bits long before
// it outgrows reason; BigInt is the exact fallback (and the reference) for those paths.
#pragma once
#include "pure.hpp"

#include "decimal.hpp"  // int128

#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace cb::core {

class BigInt {
public:
    BigInt() = default;
    // Any built-in integer (up to 64 bits) or int128; implicit so that `x + 1` reads
    // naturally. A template rather than overloads, so that no integer type is ambiguous.
    template <typename T, typename = std::enable_if_t<std::is_integral_v<T> ||
                                                      std::is_same_v<T, int128>>>
    BigInt(T v) {  // NOLINT(google-explicit-constructor)
        assign(static_cast<int128>(v));
    }

    // An optional '-' then one or more ASCII digits; anything else is Error 22P02.
    static BigInt from_decimal_digits(std::string_view text);
    static BigInt pow10(int n);  // n >= 0

    std::string to_string() const;
    int sign() const { return mag_.empty() ? 0 : (neg_ ? -1 : 1); }
    bool is_zero() const { return mag_.empty(); }
    BigInt abs() const;
    bool fits_int128() const;
    int128 to_int128() const;  // Error 22003 unless fits_int128()

    // Floor division: q = floor(a / b), r = a - q*b (r has the sign of b). b == 0 is
    // Error 22012. q and r may alias a or b.
    static void floor_divmod(const BigInt& a, const BigInt& b, BigInt& q, BigInt& r);
    static BigInt gcd(BigInt a, BigInt b);  // >= 0; gcd(0, 0) == 0

    BigInt operator-() const;
    BigInt& operator+=(const BigInt& o);
    BigInt& operator-=(const BigInt& o);
    BigInt& operator*=(const BigInt& o);
    friend BigInt operator+(BigInt a, const BigInt& b) { return a += b; }
    friend BigInt operator-(BigInt a, const BigInt& b) { return a -= b; }
    friend BigInt operator*(BigInt a, const BigInt& b) { return a *= b; }

    // -1, 0 or 1.
    static int compare(const BigInt& a, const BigInt& b);
    friend bool operator==(const BigInt& a, const BigInt& b) { return compare(a, b) == 0; }
    friend bool operator!=(const BigInt& a, const BigInt& b) { return compare(a, b) != 0; }
    friend bool operator<(const BigInt& a, const BigInt& b) { return compare(a, b) < 0; }
    friend bool operator<=(const BigInt& a, const BigInt& b) { return compare(a, b) <= 0; }
    friend bool operator>(const BigInt& a, const BigInt& b) { return compare(a, b) > 0; }
    friend bool operator>=(const BigInt& a, const BigInt& b) { return compare(a, b) >= 0; }

private:
    void assign(int128 v);
    void normalize();  // drops high zero limbs; zero is never negative

    bool neg_ = false;
    std::vector<uint32_t> mag_;  // magnitude, base 2^32, least significant limb first
};

}  // namespace cb::core
