#include "bigint.hpp"

#include "error.hpp"

#include <algorithm>

namespace cb::core {

namespace {

using Limbs = std::vector<uint32_t>;
constexpr uint64_t kBase = uint64_t{1} << 32;
constexpr uint32_t kChunk = 1000000000;  // 10^9: the largest power of ten in a limb
constexpr int kChunkDigits = 9;

void trim(Limbs& m) {
    while (!m.empty() && m.back() == 0) m.pop_back();
}

int compare_mag(const Limbs& a, const Limbs& b) {
    if (a.size() != b.size()) return a.size() < b.size() ? -1 : 1;
    for (size_t i = a.size(); i-- > 0;) {
        if (a[i] != b[i]) return a[i] < b[i] ? -1 : 1;
    }
    return 0;
}

Limbs add_mag(const Limbs& a, const Limbs& b) {
    const Limbs& longer = a.size() >= b.size() ? a : b;
    const Limbs& shorter = a.size() >= b.size() ? b : a;
    Limbs r(longer.size() + 1);
    uint64_t carry = 0;
    for (size_t i = 0; i < longer.size(); ++i) {
        uint64_t s = uint64_t{longer[i]} + (i < shorter.size() ? shorter[i] : 0) + carry;
        r[i] = static_cast<uint32_t>(s);
        carry = s >> 32;
    }
    r[longer.size()] = static_cast<uint32_t>(carry);
    trim(r);
    return r;
}

// a - b for |a| >= |b|.
Limbs sub_mag(const Limbs& a, const Limbs& b) {
    Limbs r(a.size());
    uint64_t borrow = 0;
    for (size_t i = 0; i < a.size(); ++i) {
        uint64_t d = uint64_t{a[i]} - (i < b.size() ? b[i] : 0) - borrow;
        r[i] = static_cast<uint32_t>(d);
        borrow = d >> 63;  // the subtraction wrapped
    }
    trim(r);
    return r;
}

Limbs mul_mag(const Limbs& a, const Limbs& b) {
    if (a.empty() || b.empty()) return {};
    Limbs r(a.size() + b.size());
    for (size_t i = 0; i < a.size(); ++i) {
        uint64_t carry = 0;
        for (size_t j = 0; j < b.size(); ++j) {
            // (2^32-1)^2 + 2*(2^32-1) == 2^64-1: never overflows.
            uint64_t t = uint64_t{a[i]} * b[j] + r[i + j] + carry;
            r[i + j] = static_cast<uint32_t>(t);
            carry = t >> 32;
        }
        r[i + b.size()] = static_cast<uint32_t>(carry);
    }
    trim(r);
    return r;
}

// m = m * mul + add.
void mul_small_add(Limbs& m, uint32_t mul, uint32_t add) {
    uint64_t carry = add;
    for (uint32_t& limb : m) {
        uint64_t t = uint64_t{limb} * mul + carry;
        limb = static_cast<uint32_t>(t);
        carry = t >> 32;
    }
    if (carry != 0) m.push_back(static_cast<uint32_t>(carry));
}

// m = m / d (d != 0); returns m % d.
uint32_t divmod_small(Limbs& m, uint32_t d) {
    uint64_t rem = 0;
    for (size_t i = m.size(); i-- > 0;) {
        uint64_t cur = (rem << 32) | m[i];
        m[i] = static_cast<uint32_t>(cur / d);
        rem = cur % d;
    }
    trim(m);
    return static_cast<uint32_t>(rem);
}

// Knuth, TAOCP vol. 2, 4.3.1, algorithm D: u = q*v + r for v with at least two limbs and
// u >= v. Normalising v so that its top bit is set bounds each estimated quotient limb
// to at most two too large, which the rhat test and the add-back step correct.
void divmod_knuth(const Limbs& u, const Limbs& v, Limbs& q, Limbs& r) {
    const size_t n = v.size(), m = u.size();
    const int s = __builtin_clz(v.back());
    auto hi_bits = [s](uint32_t lower) -> uint32_t { return s == 0 ? 0 : lower >> (32 - s); };
    Limbs vn(n), un(m + 1);
    for (size_t i = n - 1; i > 0; --i) vn[i] = (v[i] << s) | hi_bits(v[i - 1]);
    vn[0] = v[0] << s;
    un[m] = hi_bits(u[m - 1]);
    for (size_t i = m - 1; i > 0; --i) un[i] = (u[i] << s) | hi_bits(u[i - 1]);
    un[0] = u[0] << s;

    q.assign(m - n + 1, 0);
    for (size_t j = m - n + 1; j-- > 0;) {
        uint64_t num = (uint64_t{un[j + n]} << 32) | un[j + n - 1];
        uint64_t qhat = num / vn[n - 1];
        uint64_t rhat = num % vn[n - 1];
        // qhat >= kBase is tested first: only then is qhat * vn[n-2] safe from overflow.
        while (qhat >= kBase || qhat * vn[n - 2] > ((rhat << 32) | un[j + n - 2])) {
            --qhat;
            rhat += vn[n - 1];
            if (rhat >= kBase) break;
        }
        // un[j..j+n] -= qhat * vn
        uint64_t carry = 0, borrow = 0;
        for (size_t i = 0; i < n; ++i) {
            uint64_t p = qhat * vn[i] + carry;
            carry = p >> 32;
            uint64_t d = uint64_t{un[i + j]} - static_cast<uint32_t>(p) - borrow;
            un[i + j] = static_cast<uint32_t>(d);
            borrow = d >> 63;
        }
        uint64_t d = uint64_t{un[j + n]} - carry - borrow;
        un[j + n] = static_cast<uint32_t>(d);
        if ((d >> 63) != 0) {  // qhat was one too large: add v back
            --qhat;
            uint64_t c = 0;
            for (size_t i = 0; i < n; ++i) {
                uint64_t t = uint64_t{un[i + j]} + vn[i] + c;
                un[i + j] = static_cast<uint32_t>(t);
                c = t >> 32;
            }
            un[j + n] = static_cast<uint32_t>(un[j + n] + c);
        }
        q[j] = static_cast<uint32_t>(qhat);
    }
    r.assign(n, 0);
    for (size_t i = 0; i < n; ++i) {
        uint32_t next = s == 0 ? 0 : static_cast<uint32_t>(un[i + 1] << (32 - s));
        r[i] = (un[i] >> s) | next;
    }
    trim(q);
    trim(r);
}

// Truncating division of magnitudes; v must be non-zero.
void divmod_mag(const Limbs& u, const Limbs& v, Limbs& q, Limbs& r) {
    if (compare_mag(u, v) < 0) {
        q.clear();
        r = u;
    } else if (v.size() == 1) {
        q = u;
        uint32_t rem = divmod_small(q, v[0]);
        r.clear();
        if (rem != 0) r.push_back(rem);
    } else {
        divmod_knuth(u, v, q, r);
    }
}

}  // namespace

void BigInt::assign(int128 v) {
    neg_ = v < 0;
    // Negate as unsigned so that the most negative int128 is safe.
    unsigned __int128 m =
        neg_ ? -static_cast<unsigned __int128>(v) : static_cast<unsigned __int128>(v);
    mag_.clear();
    while (m != 0) {
        mag_.push_back(static_cast<uint32_t>(m));
        m >>= 32;
    }
}

void BigInt::normalize() {
    trim(mag_);
    if (mag_.empty()) neg_ = false;
}

BigInt BigInt::from_decimal_digits(std::string_view text) {
    size_t i = 0;
    bool neg = false;
    if (i < text.size() && text[i] == '-') {
        neg = true;
        ++i;
    }
    if (i == text.size()) {
        throw Error(sqlstate::invalid_text_representation,
                    "invalid integer: \"" + std::string(text) + "\"");
    }
    for (size_t k = i; k < text.size(); ++k) {
        if (text[k] < '0' || text[k] > '9') {
            throw Error(sqlstate::invalid_text_representation,
                        "invalid integer: \"" + std::string(text) + "\"");
        }
    }
    BigInt r;
    // Nine digits at a time: one small multiply-add per chunk instead of per digit.
    size_t first = (text.size() - i) % kChunkDigits;
    if (first == 0) first = kChunkDigits;
    while (i < text.size()) {
        uint32_t chunk = 0, scale = 1;
        for (size_t k = 0; k < first; ++k, ++i) {
            chunk = chunk * 10 + static_cast<uint32_t>(text[i] - '0');
            scale *= 10;
        }
        mul_small_add(r.mag_, scale, chunk);
        first = kChunkDigits;
    }
    r.neg_ = neg;
    r.normalize();
    return r;
}

BigInt BigInt::pow10(int n) {
    if (n < 0) {
        throw Error(sqlstate::numeric_value_out_of_range,
                    "negative power of ten: " + std::to_string(n));
    }
    BigInt r(1);
    for (; n >= kChunkDigits; n -= kChunkDigits) mul_small_add(r.mag_, kChunk, 0);
    uint32_t rest = 1;
    for (; n > 0; --n) rest *= 10;
    mul_small_add(r.mag_, rest, 0);
    return r;
}

std::string BigInt::to_string() const {
    if (mag_.empty()) return "0";
    std::vector<uint32_t> chunks;  // base 10^9, least significant first
    Limbs m = mag_;
    while (!m.empty()) chunks.push_back(divmod_small(m, kChunk));
    std::string s = neg_ ? "-" : "";
    s += std::to_string(chunks.back());
    for (size_t i = chunks.size() - 1; i-- > 0;) {
        std::string part = std::to_string(chunks[i]);
        s.append(kChunkDigits - part.size(), '0');
        s += part;
    }
    return s;
}

BigInt BigInt::abs() const {
    BigInt r = *this;
    r.neg_ = false;
    return r;
}

bool BigInt::fits_int128() const {
    if (mag_.size() > 4) return false;
    if (mag_.size() < 4 || mag_[3] < 0x80000000u) return true;
    // |v| >= 2^127: only -2^127 itself fits.
    return neg_ && mag_[3] == 0x80000000u && mag_[2] == 0 && mag_[1] == 0 && mag_[0] == 0;
}

int128 BigInt::to_int128() const {
    if (!fits_int128()) {
        throw Error(sqlstate::numeric_value_out_of_range,
                    "integer out of range for 128 bits: " + to_string());
    }
    unsigned __int128 m = 0;
    for (size_t i = mag_.size(); i-- > 0;) m = (m << 32) | mag_[i];
    if (!neg_) return static_cast<int128>(m);
    if (m == 0) return 0;
    return -static_cast<int128>(m - 1) - 1;  // safe for -2^127
}

void BigInt::floor_divmod(const BigInt& a, const BigInt& b, BigInt& q, BigInt& r) {
    if (b.is_zero()) throw Error(sqlstate::division_by_zero, "division by zero");
    BigInt qq, rr;
    divmod_mag(a.mag_, b.mag_, qq.mag_, rr.mag_);
    qq.neg_ = a.neg_ != b.neg_;
    rr.neg_ = a.neg_;
    qq.normalize();
    rr.normalize();
    // Truncation rounded towards zero; floor differs when the signs differ and r != 0.
    if (!rr.is_zero() && a.neg_ != b.neg_) {
        qq -= 1;
        rr += b;
    }
    q = std::move(qq);
    r = std::move(rr);
}

BigInt BigInt::gcd(BigInt a, BigInt b) {
    a.neg_ = false;
    b.neg_ = false;
    Limbs q, r;
    while (!b.is_zero()) {
        divmod_mag(a.mag_, b.mag_, q, r);
        a.mag_ = std::move(b.mag_);
        b.mag_ = std::move(r);
        r.clear();
    }
    return a;
}

BigInt BigInt::operator-() const {
    BigInt r = *this;
    if (!r.is_zero()) r.neg_ = !r.neg_;
    return r;
}

BigInt& BigInt::operator+=(const BigInt& o) {
    if (neg_ == o.neg_) {
        mag_ = add_mag(mag_, o.mag_);
    } else if (compare_mag(mag_, o.mag_) >= 0) {
        mag_ = sub_mag(mag_, o.mag_);
    } else {
        mag_ = sub_mag(o.mag_, mag_);
        neg_ = o.neg_;
    }
    normalize();
    return *this;
}

BigInt& BigInt::operator-=(const BigInt& o) {
    if (&o == this) {
        *this = BigInt();
        return *this;
    }
    neg_ = !neg_;
    *this += o;
    if (!is_zero()) neg_ = !neg_;
    return *this;
}

BigInt& BigInt::operator*=(const BigInt& o) {
    mag_ = mul_mag(mag_, o.mag_);
    neg_ = neg_ != o.neg_;
    normalize();
    return *this;
}

int BigInt::compare(const BigInt& a, const BigInt& b) {
    if (a.neg_ != b.neg_) return a.neg_ ? -1 : 1;
    int c = compare_mag(a.mag_, b.mag_);
    return a.neg_ ? -c : c;
}

}  // namespace cb::core
