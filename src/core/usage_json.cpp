#include "usage_json.hpp"

#include "decimal.hpp"
#include "token_json.hpp"
#include "utf8.hpp"

#include <algorithm>

namespace cb::core::usage_json {

namespace {
std::string where(std::string_view what, std::string_view key) {
    std::string s(what);
    if (!s.empty()) s += '.';
    s += key;
    return s;
}
}  // namespace

const json* member(const json& obj, std::string_view key, std::string_view what) {
    if (!obj.is_object())
        throw Error(sqlstate::invalid_parameter_value,
                    std::string(what.empty() ? "payload" : what) + " must be a JSON object, not " + obj.type_name());
    auto it = obj.find(key);
    if (it == obj.end() || it->is_null()) return nullptr;
    return &*it;
}

const json* object_member(const json& obj, std::string_view key, std::string_view what) {
    const json* v = member(obj, key, what);
    if (v && !v->is_object())
        throw Error(sqlstate::invalid_text_representation,
                    where(what, key) + " must be a JSON object, not " + v->type_name());
    return v;
}

const json* array_member(const json& obj, std::string_view key, std::string_view what) {
    const json* v = member(obj, key, what);
    if (v && !v->is_array())
        throw Error(sqlstate::invalid_text_representation,
                    where(what, key) + " must be a JSON array, not " + v->type_name());
    return v;
}

int64_t count(const json& obj, std::string_view key, std::string_view what) {
    const json* v = member(obj, key, what);
    if (!v) return 0;
    // The usual case needs no name for an error message.
    if (std::optional<int64_t> n = plain_json_count(*v)) return *n;
    return json_count(*v, where(what, key));
}

std::string text(const json& obj, std::string_view key, std::string_view what) {
    const json* v = member(obj, key, what);
    if (!v) return {};
    if (v->is_string()) return v->get<std::string>();
    if (v->is_number_integer() || v->is_number_unsigned()) return v->dump();
    throw Error(sqlstate::invalid_text_representation,
                where(what, key) + " must be a string, not " + v->type_name());
}

namespace {

constexpr int kMaxAmountScale = 38;

// The decimal of an amount's text, rescaled to a scale >= 0; throws naming `name`.
std::pair<int128, int> amount_of(std::string_view text, const std::string& name) {
    bool overflow = false;
    std::optional<ParsedDecimal> d = parse_decimal(text, &overflow);
    if (overflow)
        throw Error(sqlstate::numeric_value_out_of_range,
                    name + " is out of range: " + utf8_clip(text, 80), "an amount holds at most 38 significant digits");
    if (!d)
        throw Error(sqlstate::invalid_text_representation,
                    name + " is not a decimal amount: " + utf8_clip(text, 80));
    if (d->negative && d->mantissa != 0)
        throw Error(sqlstate::invalid_text_representation,
                    name + " must not be negative: " + utf8_clip(text, 80));
    if (d->scale > kMaxAmountScale)
        throw Error(sqlstate::numeric_value_out_of_range,
                    name + " has more than 38 decimal places: " + utf8_clip(text, 80));
    int scale = std::max(d->scale, 0);
    std::optional<int128> v = rescale(*d, scale, Rounding::reject, kInt128Max, &overflow);
    if (overflow || !v)
        throw Error(sqlstate::numeric_value_out_of_range,
                    name + " is out of range: " + utf8_clip(text, 80), "an amount holds at most 38 significant digits");
    return {*v, scale};
}

}  // namespace

std::string decimal(const json& obj, std::string_view key, std::string_view what) {
    const json* v = member(obj, key, what);
    if (!v) return {};
    std::string name = where(what, key);
    std::string text;
    if (v->is_string()) text = v->get_ref<const std::string&>();
    else if (v->is_number_integer() || v->is_number_unsigned()) text = v->dump();
    else
        throw Error(sqlstate::invalid_text_representation,
                    name + " must be a decimal number, not " + std::string(v->type_name()),
                    v->is_number_float() ? "a binary floating-point number is not an exact amount: read the payload "
                                           "with exact numbers (jsonb, read_json)"
                                         : "");
    auto [value, scale] = amount_of(text, name);
    return format_scaled(value, scale);
}

std::string decimal_sum(const std::string& a, const std::string& b, std::string_view what) {
    if (a.empty()) return b;
    if (b.empty()) return a;
    std::string name(what);
    auto [x, xs] = amount_of(a, name);
    auto [y, ys] = amount_of(b, name);
    int scale = std::max(xs, ys);
    int128 sum = 0;
    if (!checked_mul(x, pow10_128(scale - xs), &x) || !checked_mul(y, pow10_128(scale - ys), &y) ||
        !checked_add(x, y, &sum))
        throw Error(sqlstate::numeric_value_out_of_range, name + " is out of range");
    return format_scaled(sum, scale);
}

std::optional<Timestamp> time(const json& obj, std::string_view key, std::string_view what) {
    const json* v = member(obj, key, what);
    if (!v) return std::nullopt;
    std::optional<Timestamp> t;
    if (v->is_number_integer() || v->is_number_unsigned()) {
        if (v->is_number_unsigned() && v->get<uint64_t>() > static_cast<uint64_t>(INT64_MAX)) t = std::nullopt;
        else t = from_unix_seconds(v->get<int64_t>());
    } else if (v->is_string()) {
        const std::string& s = v->get_ref<const std::string&>();
        t = parse_iso_timestamp(s);
        if (!t && !s.empty() && s.find_first_not_of("0123456789") == std::string::npos && s.size() < 12)
            t = from_unix_seconds(std::stoll(s));
    }
    if (!t)
        throw Error(sqlstate::invalid_text_representation,
                    where(what, key) + " is not a time: " + utf8_clip(v->dump(), 80),
                    {}, "use RFC 3339 text such as 2025-08-01T12:00:00Z or seconds since 1970");
    return t;
}

int64_t minus(int64_t a, int64_t b, std::string_view a_name, std::string_view b_name) {
    if (b > a)
        throw Error(sqlstate::invalid_text_representation,
                    std::string(b_name) + " (" + std::to_string(b) + ") exceeds " + std::string(a_name) + " (" +
                        std::to_string(a) + ")",
                    std::string(b_name) + " is counted inside " + std::string(a_name));
    return a - b;
}

int64_t plus(int64_t a, int64_t b, std::string_view what) {
    int64_t r;
    if (__builtin_add_overflow(a, b, &r))
        throw Error(sqlstate::numeric_value_out_of_range, std::string(what) + " is out of range",
                    "a token count holds at most 9223372036854775807");
    return r;
}

void not_this_format(std::string_view format, std::string_view why) {
    throw Error(sqlstate::invalid_parameter_value,
                "payload is not in format " + std::string(format) + ": " + std::string(why));
}

}  // namespace cb::core::usage_json
