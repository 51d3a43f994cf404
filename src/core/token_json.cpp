#include "token_json.hpp"

#include "error.hpp"
#include "json_reader.hpp"

namespace cb::core {

using json = nlohmann::json;

std::string token_usage_to_json(const TokenUsage& u) {
    std::string s = "{";
    for (int i = 0; i < kTokenClassCount; ++i) {
        if (u.count[i] == 0) continue;
        if (s.size() > 1) s += ", ";
        s += '"';
        s += token_class_name(static_cast<TokenClass>(i));
        s += "\": ";
        s += std::to_string(u.count[i]);
    }
    s += '}';
    return s;
}

std::string token_rates_to_json(const TokenRates& r) {
    std::string s = "{";
    for (int i = 0; i < kTokenClassCount; ++i) {
        auto c = static_cast<TokenClass>(i);
        if (!r.is_set(c)) continue;
        s += '"';
        s += token_class_name(c);
        s += "\": ";
        append_scaled(s, r.micro[i], kRateScale);  // a JSON number, exact in jsonb
        s += ", ";
    }
    s += "\"currency\": \"";
    s.append(r.currency, 3);
    s += "\"}";
    return s;
}

std::optional<int64_t> plain_json_count(const json& v) {
    if (v.is_number_unsigned() && v.get<json::number_unsigned_t>() <= static_cast<json::number_unsigned_t>(INT64_MAX))
        return static_cast<int64_t>(v.get<json::number_unsigned_t>());
    if (v.is_number_integer() && v.get<json::number_integer_t>() >= 0) return v.get<json::number_integer_t>();
    return std::nullopt;
}

int64_t json_count(const json& v, std::string_view what) {
    if (std::optional<int64_t> n = plain_json_count(v)) return *n;
    // Left of the integers: one above INT64_MAX, or a negative one.
    if (v.is_number_unsigned())
        throw Error(sqlstate::numeric_value_out_of_range,
                    "token count " + std::to_string(v.get<json::number_unsigned_t>()) + " in " + std::string(what) +
                        " is out of range",
                    "a token count holds at most 9223372036854775807");
    if (v.is_number_integer())
        throw Error(sqlstate::invalid_text_representation,
                    "token count " + std::to_string(v.get<json::number_integer_t>()) + " in " + std::string(what) +
                        " is negative",
                    "token counts are whole numbers of zero or more");
    if (v.is_string()) {
        // Exact decimals from read_json() and numeric strings both arrive here.
        const std::string& s = v.get_ref<const std::string&>();
        bool overflow = false;
        auto d = parse_decimal(s, &overflow);
        if (d && overflow)
            throw Error(sqlstate::numeric_value_out_of_range,
                        "token count " + s + " in " + std::string(what) + " is out of range",
                        "a token count holds at most 9223372036854775807");
        if (d && d->negative)
            throw Error(sqlstate::invalid_text_representation,
                        "token count " + s + " in " + std::string(what) + " is negative");
        if (d) {
            auto m = rescale(*d, 0, Rounding::reject, INT64_MAX, &overflow);
            if (overflow)
                throw Error(sqlstate::numeric_value_out_of_range,
                            "token count " + s + " in " + std::string(what) + " is out of range",
                            "a token count holds at most 9223372036854775807");
            if (m) return static_cast<int64_t>(*m);
        }
        throw Error(sqlstate::invalid_text_representation,
                    "token count in " + std::string(what) + " is not a whole number: \"" + s + "\"");
    }
    if (v.is_null()) return 0;
    throw Error(sqlstate::invalid_text_representation,
                "token count in " + std::string(what) + " must be a number, not " + v.type_name());
}

TokenUsage token_usage_from_json(std::string_view text) {
    json doc = read_json(text);
    if (!doc.is_object())
        throw Error(sqlstate::invalid_text_representation,
                    std::string("cannot cast jsonb ") + doc.type_name() + " to token_usage",
                    {}, "expected an object such as {\"input\": 700, \"output\": 46}");
    TokenUsage u = zero_usage();
    for (auto it = doc.begin(); it != doc.end(); ++it) {
        auto cls = token_class_from_name(it.key());
        if (!cls)
            throw Error(sqlstate::invalid_text_representation,
                        "unknown token class \"" + it.key() + "\" in jsonb for token_usage",
                        {}, "valid classes: " + token_class_list());
        u.set(*cls, json_count(it.value(), it.key()));
    }
    return u;
}

TokenRates token_rates_from_json(std::string_view text) {
    json doc = read_json(text);
    if (!doc.is_object())
        throw Error(sqlstate::invalid_text_representation,
                    std::string("cannot cast jsonb ") + doc.type_name() + " to token_rates",
                    {}, "expected an object such as {\"input\": 3, \"output\": 15, \"currency\": \"USD\"}");
    TokenRates r = empty_rates();
    std::string whole(text);
    for (auto it = doc.begin(); it != doc.end(); ++it) {
        const json& v = it.value();
        if (it.key() == "currency") {
            if (!v.is_string())
                throw Error(sqlstate::invalid_text_representation,
                            "currency in jsonb for token_rates must be a string");
            set_currency(r, v.get_ref<const std::string&>(), whole);
            continue;
        }
        auto cls = token_class_from_name(it.key());
        if (!cls)
            throw Error(sqlstate::invalid_text_representation,
                        "unknown token class \"" + it.key() + "\" in jsonb for token_rates",
                        {}, "valid classes: " + token_class_list() + ", and currency");
        std::string value;
        if (v.is_number_integer() || v.is_number_unsigned()) value = v.dump();
        else if (v.is_string()) value = v.get<std::string>();
        else
            throw Error(sqlstate::invalid_text_representation,
                        "rate for \"" + it.key() + "\" in jsonb for token_rates must be a number");
        r.set(*cls, parse_rate_value(value, it.key(), whole, true));
    }
    return r;
}

}  // namespace cb::core
