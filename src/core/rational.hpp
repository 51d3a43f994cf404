// Exact rationals over BigInt: allocation weights and shares are carried exactly and only
// rounded once, at the end, so that no run ever loses or invents a minor unit.
#pragma once
#include "pure.hpp"

#include "bigint.hpp"
#include "decimal.hpp"

#include <string>
#include <string_view>

namespace cb::core {

// Decimal exponents beyond this are refused (Error 22003): 10^1000 already dwarfs any
// amount or weight, and larger ones would make every later operation needlessly slow
// (parse_decimal also clamps exponents beyond 100000, which would make them inexact).
inline constexpr int kMaxRationalExponent = 1000;

class Rational {
public:
    Rational() = default;
    Rational(const BigInt& n) : num_(n) {}  // NOLINT(google-explicit-constructor)
    template <typename T, typename = std::enable_if_t<std::is_integral_v<T> ||
                                                      std::is_same_v<T, int128>>>
    Rational(T v) : num_(v) {}  // NOLINT(google-explicit-constructor)
    Rational(const BigInt& num, const BigInt& den);  // den == 0 is Error 22012

    static Rational from_decimal(const ParsedDecimal& d);
    // Decimal text as parse_decimal reads it ("-12.3400", "1e-3"). Bad syntax is 22P02;
    // more than 38 significant digits or an exponent beyond kMaxRationalExponent is 22003.
    static Rational parse(std::string_view text);

    const BigInt& num() const { return num_; }
    const BigInt& den() const { return den_; }  // always > 0, coprime with num()
    int sign() const { return num_.sign(); }
    bool is_zero() const { return num_.is_zero(); }
    BigInt floor() const;

    // Rounded half away from zero to exactly `scale` (>= 0) fractional digits, trailing
    // zeros kept: 1/3 -> "0.33" at scale 2, -1/2 -> "-1" at scale 0. Never "-0".
    std::string to_decimal(int scale) const;
    // The shortest exact decimal when the denominator divides 10^k for some k <= max_scale
    // (*exact = true); otherwise to_decimal(max_scale) (*exact = false). exact may be null.
    std::string to_exact_decimal(int max_scale, bool* exact) const;

    Rational operator-() const;
    Rational& operator+=(const Rational& o);
    Rational& operator-=(const Rational& o);
    Rational& operator*=(const Rational& o);
    Rational& operator/=(const Rational& o);  // by zero: Error 22012
    friend Rational operator+(Rational a, const Rational& b) { return a += b; }
    friend Rational operator-(Rational a, const Rational& b) { return a -= b; }
    friend Rational operator*(Rational a, const Rational& b) { return a *= b; }
    friend Rational operator/(Rational a, const Rational& b) { return a /= b; }

    static int compare(const Rational& a, const Rational& b);
    friend bool operator==(const Rational& a, const Rational& b) {
        return a.num_ == b.num_ && a.den_ == b.den_;  // both reduced: equal iff identical
    }
    friend bool operator!=(const Rational& a, const Rational& b) { return !(a == b); }
    friend bool operator<(const Rational& a, const Rational& b) { return compare(a, b) < 0; }
    friend bool operator<=(const Rational& a, const Rational& b) { return compare(a, b) <= 0; }
    friend bool operator>(const Rational& a, const Rational& b) { return compare(a, b) > 0; }
    friend bool operator>=(const Rational& a, const Rational& b) { return compare(a, b) >= 0; }

private:
    void reduce();  // den > 0, gcd(num, den) == 1

    BigInt num_;
    BigInt den_ = BigInt(1);
};

}  // namespace cb::core
