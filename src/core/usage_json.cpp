#include "usage_json.hpp"

#include "token_json.hpp"
#include "utf8.hpp"

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
