#include "rational.hpp"

#include "error.hpp"

#include <algorithm>

namespace cb::core {

namespace {

// a / b where b is known to divide a.
BigInt div_exact(const BigInt& a, const BigInt& b) {
    BigInt q, r;
    BigInt::floor_divmod(a, b, q, r);
    return q;
}

// How many times d divides value (stopping once limit is exceeded); value becomes the
// cofactor.
int strip_factor(BigInt& value, int d, int limit) {
    int count = 0;
    BigInt q, r;
    while (count <= limit) {
        BigInt::floor_divmod(value, BigInt(d), q, r);
        if (!r.is_zero()) break;
        value = q;
        ++count;
    }
    return count;
}

}  // namespace

Rational::Rational(const BigInt& num, const BigInt& den) : num_(num), den_(den) {
    if (den_.is_zero()) throw Error(sqlstate::division_by_zero, "division by zero");
    reduce();
}

void Rational::reduce() {
    if (den_.sign() < 0) {
        num_ = -num_;
        den_ = -den_;
    }
    if (num_.is_zero()) {
        den_ = BigInt(1);
        return;
    }
    BigInt g = BigInt::gcd(num_, den_);
    if (g != BigInt(1)) {
        num_ = div_exact(num_, g);
        den_ = div_exact(den_, g);
    }
}

Rational Rational::from_decimal(const ParsedDecimal& d) {
    if (d.scale > kMaxRationalExponent || d.scale < -kMaxRationalExponent) {
        throw Error(sqlstate::numeric_value_out_of_range,
                    "decimal exponent out of range for exact arithmetic",
                    "The value has scale " + std::to_string(d.scale) + "; at most " +
                        std::to_string(kMaxRationalExponent) + " either way is supported.");
    }
    BigInt m(d.mantissa);
    if (d.negative) m = -m;
    if (d.scale >= 0) return Rational(m, BigInt::pow10(d.scale));
    return Rational(m * BigInt::pow10(-d.scale));
}

Rational Rational::parse(std::string_view text) {
    bool overflow = false;
    auto d = parse_decimal(text, &overflow);
    if (!d) {
        throw Error(sqlstate::invalid_text_representation,
                    "invalid decimal number: \"" + std::string(text) + "\"");
    }
    if (overflow || d->scale > kMaxRationalExponent || d->scale < -kMaxRationalExponent) {
        throw Error(sqlstate::numeric_value_out_of_range,
                    "decimal value \"" + std::string(text) + "\" is out of range",
                    "At most 38 significant digits and a decimal exponent within +-" +
                        std::to_string(kMaxRationalExponent) + " are supported.");
    }
    return from_decimal(*d);
}

BigInt Rational::floor() const {
    BigInt q, r;
    BigInt::floor_divmod(num_, den_, q, r);
    return q;
}

std::string Rational::to_decimal(int scale) const {
    if (scale < 0) {
        throw Error(sqlstate::invalid_parameter_value,
                    "negative decimal scale: " + std::to_string(scale));
    }
    BigInt q, r;
    BigInt::floor_divmod(num_.abs() * BigInt::pow10(scale), den_, q, r);
    if (r + r >= den_) q += 1;  // half away from zero (on the magnitude)
    std::string digits = q.to_string();
    size_t frac = static_cast<size_t>(scale);
    if (digits.size() <= frac) digits.insert(0, frac + 1 - digits.size(), '0');
    if (frac > 0) digits.insert(digits.size() - frac, 1, '.');
    if (num_.sign() < 0 && !q.is_zero()) digits.insert(0, 1, '-');
    return digits;
}

std::string Rational::to_exact_decimal(int max_scale, bool* exact) const {
    // den = 2^a * 5^b * c: exact in k = max(a, b) digits iff c == 1.
    BigInt rest = den_;
    int twos = strip_factor(rest, 2, max_scale);
    int fives = strip_factor(rest, 5, max_scale);
    int k = std::max(twos, fives);
    bool ok = rest == BigInt(1) && k <= max_scale;
    if (exact != nullptr) *exact = ok;
    return to_decimal(ok ? k : max_scale);
}

Rational Rational::operator-() const {
    Rational r = *this;
    r.num_ = -r.num_;
    return r;
}

Rational& Rational::operator+=(const Rational& o) {
    if (den_ == o.den_) {
        num_ += o.num_;
    } else {
        num_ = num_ * o.den_ + o.num_ * den_;
        den_ *= o.den_;
    }
    reduce();
    return *this;
}

Rational& Rational::operator-=(const Rational& o) { return *this += -o; }

Rational& Rational::operator*=(const Rational& o) {
    num_ *= o.num_;
    den_ *= o.den_;
    reduce();
    return *this;
}

Rational& Rational::operator/=(const Rational& o) {
    if (o.is_zero()) throw Error(sqlstate::division_by_zero, "division by zero");
    BigInt n = num_ * o.den_;
    den_ *= o.num_;  // may be negative: reduce() moves the sign to the numerator
    num_ = std::move(n);
    reduce();
    return *this;
}

int Rational::compare(const Rational& a, const Rational& b) {
    if (a.den_ == b.den_) return BigInt::compare(a.num_, b.num_);
    return BigInt::compare(a.num_ * b.den_, b.num_ * a.den_);  // both denominators > 0
}

}  // namespace cb::core
