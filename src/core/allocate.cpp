#include "allocate.hpp"

#include "decimal.hpp"
#include "error.hpp"
#include "interrupt.hpp"
#include "largest_remainder.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>

namespace cb::core {

namespace {

[[noreturn]] void invalid(const std::string& message, const std::string& hint = {}) {
    throw Error(sqlstate::invalid_parameter_value, message, {}, hint);
}

ParsedDecimal parse_or_throw(std::string_view text, const char* what) {
    bool overflow = false;
    std::optional<ParsedDecimal> d = parse_decimal(text, &overflow);
    if (overflow)
        throw Error(sqlstate::numeric_value_out_of_range,
                    std::string("allocate ") + what + " " + std::string(text) + " has more than 38 significant digits");
    if (!d) throw Error(sqlstate::invalid_text_representation, std::string("allocate ") + what + " is not a number: " + std::string(text));
    return *d;
}

// The minor unit and what a share is counted in.
struct MinorUnit {
    Rational value;
    BigInt mantissa;  // value = mantissa * 10^-scale
    int scale = 0;    // digits shown after the decimal point (>= 0)
};

MinorUnit minor_unit_of(std::string_view text) {
    ParsedDecimal d = parse_or_throw(text, "minor_unit");
    if (d.negative || d.mantissa == 0)
        invalid("allocate minor_unit " + std::string(text) + " is not positive", "use the currency's minor unit, such as 0.01");
    MinorUnit m;
    m.value = Rational::from_decimal(d);
    m.mantissa = BigInt(d.mantissa);
    m.scale = d.scale;
    if (m.scale < 0) {  // 100 is mantissa 1, scale -2
        m.mantissa = m.mantissa * BigInt::pow10(-m.scale);
        m.scale = 0;
    }
    return m;
}

// The total as a whole number of minor units.
BigInt total_units_of(std::string_view total, const MinorUnit& m) {
    Rational units = Rational::parse(total) / m.value;
    if (units.den() != BigInt(1))
        invalid("allocate total " + std::string(total) + " is not a whole number of minor units (" + m.value.to_exact_decimal(38, nullptr) + ")",
                "round the total to the minor unit first, e.g. round(total, 2)");
    return units.num();
}

// units * minor unit as decimal text with exactly m.scale fractional digits.
std::string amount_text(const BigInt& units, const MinorUnit& m) {
    BigInt v = units * m.mantissa;
    bool negative = v.sign() < 0;
    std::string digits = (negative ? -v : v).to_string();
    if (m.scale > 0) {
        if (digits.size() <= static_cast<size_t>(m.scale)) digits.insert(0, static_cast<size_t>(m.scale) + 1 - digits.size(), '0');
        digits.insert(digits.size() - static_cast<size_t>(m.scale), 1, '.');
    }
    return negative ? "-" + digits : digits;
}

void check_weight(const ParsedDecimal& d, std::string_view text) {
    if (d.negative && d.mantissa != 0)
        invalid("allocate weight " + std::string(text) + " is negative",
                "weights are non-negative shares; allocate a credit with a negative total");
}

}  // namespace

ScaledShares allocate_scaled(std::string_view total, std::string_view minor_unit, const std::vector<const char*>& weights) {
    MinorUnit m = minor_unit_of(minor_unit);
    BigInt units = total_units_of(total, m);
    ScaledShares out;
    out.scale = m.scale;
    out.value.assign(weights.size(), 0);
    out.state.assign(weights.size(), 0);
    out.text.resize(weights.size());
    std::vector<size_t> rows;
    std::vector<ParsedDecimal> parsed;
    int scale = 0;
    for (size_t i = 0; i < weights.size(); ++i) {
        check_interrupts_every(i);
        if (!weights[i]) continue;
        ParsedDecimal d = parse_or_throw(weights[i], "weight");
        check_weight(d, weights[i]);
        scale = std::max(scale, d.scale);
        rows.push_back(i);
        parsed.push_back(d);
    }
    if (rows.empty()) return out;

    // Fast path: every weight an integer at one common scale, within 128 bits.
    bool fast = units.fits_int128() && m.mantissa.fits_int128();
    std::vector<int128> ints;
    if (fast) {
        ints.reserve(parsed.size());
        for (const ParsedDecimal& d : parsed) {
            bool overflow = false;
            std::optional<int128> v = rescale(d, scale, Rounding::reject, kInt128Max, &overflow);
            if (!v || overflow) {
                fast = false;
                break;
            }
            ints.push_back(d.negative ? -*v : *v);
        }
    }
    if (fast) {
        std::vector<int128> shares = largest_remainder_int(units.to_int128(), ints);
        int128 mantissa = m.mantissa.to_int128();
        for (size_t k = 0; k < rows.size(); ++k) {
            int128 v;
            if (checked_mul(shares[k], mantissa, &v) && v >= INT64_MIN && v <= INT64_MAX) {
                out.value[rows[k]] = static_cast<int64_t>(v);
                out.state[rows[k]] = 1;
            } else {
                out.text[rows[k]] = amount_text(BigInt(shares[k]), m);
                out.state[rows[k]] = 2;
            }
        }
        return out;
    }
    std::vector<Rational> exact;
    exact.reserve(rows.size());
    for (const ParsedDecimal& d : parsed) exact.push_back(Rational::from_decimal(d));
    std::vector<BigInt> shares = largest_remainder(units, exact);
    for (size_t k = 0; k < rows.size(); ++k) {
        out.text[rows[k]] = amount_text(shares[k], m);
        out.state[rows[k]] = 2;
    }
    return out;
}

std::vector<std::optional<std::string>> allocate_shares(std::string_view total, std::string_view minor_unit,
                                                        const std::vector<const char*>& weights) {
    ScaledShares s = allocate_scaled(total, minor_unit, weights);
    MinorUnit unit;  // shares in state 1 are counts of 10^-scale
    unit.mantissa = BigInt(1);
    unit.scale = s.scale;
    std::vector<std::optional<std::string>> out(weights.size());
    for (size_t i = 0; i < weights.size(); ++i) {
        if (s.state[i] == 1) out[i] = amount_text(BigInt(s.value[i]), unit);
        else if (s.state[i] == 2) out[i] = s.text[i];
    }
    return out;
}

std::vector<std::optional<std::string>> convert_shares(const std::vector<const char*>& amounts, std::string_view rate,
                                                       std::string_view minor_unit) {
    MinorUnit m = minor_unit_of(minor_unit);
    ParsedDecimal rd = parse_or_throw(rate, "rate");
    if (rd.negative || rd.mantissa == 0)
        invalid("exchange rate " + std::string(rate) + " is not positive", "a rate is units of the target currency per unit of the source");
    Rational per_unit = Rational::from_decimal(rd) / m.value;  // target minor units per source unit
    std::vector<Rational> exact;
    std::vector<size_t> rows;
    Rational sum;
    for (size_t i = 0; i < amounts.size(); ++i) {
        if (!amounts[i]) continue;
        Rational a = Rational::from_decimal(parse_or_throw(amounts[i], "amount")) * per_unit;
        sum += a;
        exact.push_back(std::move(a));
        rows.push_back(i);
    }
    std::vector<std::optional<std::string>> out(amounts.size());
    if (exact.empty()) return out;
    // The total rounded once, half away from zero (Rational's one rounding rule).
    std::vector<BigInt> units = round_to_total(exact, Rational::parse(sum.to_decimal(0)).num());
    for (size_t k = 0; k < rows.size(); ++k) out[rows[k]] = amount_text(units[k], m);
    return out;
}

void KeyedAllocation::set_parameters(const std::string& total, const std::string& minor_unit) {
    if (!total_) {
        minor_unit_of(minor_unit);  // validates
        total_ = total;
        minor_ = minor_unit;
        return;
    }
    if (*total_ != total && Rational::parse(*total_) != Rational::parse(total))
        invalid("allocate_agg total differs between rows: " + *total_ + " and " + total,
                "the total is the amount to split, the same on every row of a group");
    if (*minor_ != minor_unit && Rational::parse(*minor_) != Rational::parse(minor_unit))
        invalid("allocate_agg minor_unit differs between rows: " + *minor_ + " and " + minor_unit);
}

void KeyedAllocation::add(std::string_view key, std::string_view weight, std::string_view total,
                          std::string_view minor_unit) {
    set_parameters(std::string(total), std::string(minor_unit));
    ParsedDecimal d = parse_or_throw(weight, "weight");
    check_weight(d, weight);
    weights_[std::string(key)] += Rational::from_decimal(d);
}

void KeyedAllocation::merge(const KeyedAllocation& other) {
    if (other.total_) set_parameters(*other.total_, *other.minor_);
    for (const auto& [key, w] : other.weights_) weights_[key] += w;
}

namespace {

void put(std::string& out, const std::string& s) {
    uint32_t n = static_cast<uint32_t>(s.size());
    for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((n >> (8 * i)) & 0xff));
    out += s;
}

std::string get(std::string_view& in) {
    if (in.size() < 4) throw Error(sqlstate::invalid_parameter_value, "allocate_agg state is truncated");
    uint32_t n = 0;
    for (int i = 0; i < 4; ++i) n |= static_cast<uint32_t>(static_cast<unsigned char>(in[i])) << (8 * i);
    in.remove_prefix(4);
    if (in.size() < n) throw Error(sqlstate::invalid_parameter_value, "allocate_agg state is truncated");
    std::string s(in.substr(0, n));
    in.remove_prefix(n);
    return s;
}

}  // namespace

// Length-prefixed fields: flag, total, minor unit, then key, numerator, denominator per key.
std::string KeyedAllocation::serialize() const {
    std::string out;
    put(out, total_ ? "1" : "0");
    put(out, total_.value_or(""));
    put(out, minor_.value_or(""));
    for (const auto& [key, w] : weights_) {
        put(out, key);
        put(out, w.num().to_string());
        put(out, w.den().to_string());
    }
    return out;
}

KeyedAllocation KeyedAllocation::deserialize(std::string_view bytes) {
    KeyedAllocation a;
    bool has_total = get(bytes) == "1";
    std::string total = get(bytes), minor = get(bytes);
    if (has_total) {
        a.total_ = total;
        a.minor_ = minor;
    }
    while (!bytes.empty()) {
        std::string key = get(bytes);
        BigInt num = BigInt::from_decimal_digits(get(bytes));
        BigInt den = BigInt::from_decimal_digits(get(bytes));
        a.weights_[key] += Rational(num, den);
    }
    return a;
}

std::optional<std::string> KeyedAllocation::result_json() const {
    if (!total_) return std::nullopt;
    MinorUnit m = minor_unit_of(*minor_);
    BigInt units = total_units_of(*total_, m);
    std::vector<Rational> w;
    w.reserve(weights_.size());
    for (const auto& entry : weights_) w.push_back(entry.second);
    if (w.empty() && units.is_zero()) return std::string("{}");
    if (w.empty()) invalid("allocate_agg has a total of " + *total_ + " but no row with a weight to allocate it to");
    std::vector<BigInt> shares = largest_remainder(units, w);
    // JSON text by hand: amounts are exact decimals, which a JSON library would hold as
    // binary floating point; keys are quoted and escaped by nlohmann::json.
    std::string out = "{";
    size_t k = 0;
    for (const auto& entry : weights_) {
        if (k) out += ", ";
        out += nlohmann::json(entry.first).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
        out += ": ";
        out += amount_text(shares[k], m);
        ++k;
    }
    out += "}";
    return out;
}

}  // namespace cb::core
