// SQL type token_rates: I/O, binary I/O, jsonb casts, =, rate() and token_rates * numeric.
#include "datum.hpp"

#include "core/currency.hpp"
#include "core/token_json.hpp"
#include "core/token_rates.hpp"

#include <cstring>

using cb::core::TokenRates;
using namespace cb::pg;

CB_FUNCTION(cb_token_rates_in) {
    const char* s = PG_GETARG_CSTRING(0);
    return guarded([&] { return rates_datum(cb::core::parse_token_rates(s)); });
}

CB_FUNCTION(cb_token_rates_out) {
    const TokenRates* r = rates_arg(fcinfo, 0);
    return guarded([&] { return cstring_datum(cb::core::format_token_rates(*r)); });
}

// Binary form: int2 set mask, 3 bytes of currency, int4 number of classes, then one int8
// (micro units) per class in class order.
CB_FUNCTION(cb_token_rates_recv) {
    StringInfo buf = reinterpret_cast<StringInfo>(PG_GETARG_POINTER(0));
    TokenRates* r = static_cast<TokenRates*>(palloc0(sizeof(TokenRates)));
    int mask = pq_getmsgint(buf, 2);
    pq_copymsgbytes(buf, r->currency, 3);
    int n = pq_getmsgint(buf, 4);
    if (n < 0 || n > cb::core::kTokenClassCount || (mask >> n) != 0)
        ereport(ERROR, (errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
                        errmsg("invalid class count or mask in external token_rates value")));
    r->set_mask = static_cast<uint16>(mask);
    for (int i = 0; i < n; ++i) {
        int64 v = pq_getmsgint64(buf);
        if (v < 0 || v > cb::core::kMaxRateMicro || (v != 0 && !(mask & (1 << i))))
            ereport(ERROR, (errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
                            errmsg("invalid rate in external token_rates value: %lld micro units",
                                   static_cast<long long>(v))));
        r->micro[i] = v;
    }
    for (int i = 0; i < 3; ++i)
        if (r->currency[i] < 'A' || r->currency[i] > 'Z')
            ereport(ERROR, (errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
                            errmsg("invalid currency in external token_rates value")));
    PG_RETURN_POINTER(r);
}

CB_FUNCTION(cb_token_rates_send) {
    const TokenRates* r = rates_arg(fcinfo, 0);
    StringInfoData buf;
    pq_begintypsend(&buf);
    pq_sendint16(&buf, r->set_mask);
    pq_sendbytes(&buf, r->currency, 3);
    pq_sendint32(&buf, cb::core::kTokenClassCount);
    for (int i = 0; i < cb::core::kTokenClassCount; ++i) pq_sendint64(&buf, r->micro[i]);
    PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

CB_FUNCTION(cb_token_rates_eq) {
    PG_RETURN_BOOL(cb::core::rates_equal(*rates_arg(fcinfo, 0), *rates_arg(fcinfo, 1)));
}

CB_FUNCTION(cb_token_rates_ne) {
    PG_RETURN_BOOL(!cb::core::rates_equal(*rates_arg(fcinfo, 0), *rates_arg(fcinfo, 1)));
}

CB_FUNCTION(cb_token_rates_rate) {
    const TokenRates* r = rates_arg(fcinfo, 0);
    std::string_view name = text_view(PG_GETARG_TEXT_PP(1));
    return guarded([&] {
        auto c = cb::core::token_class_from_name(name);
        if (!c)
            throw cb::core::Error(cb::core::sqlstate::invalid_parameter_value,
                                  "unknown token class \"" + std::string(name) + "\"", {},
                                  "valid classes: " + cb::core::token_class_list());
        return numeric_datum(cb::core::rate_text(*r, *c));
    });
}

CB_FUNCTION(cb_token_rates_currency) {
    const TokenRates* r = rates_arg(fcinfo, 0);
    PG_RETURN_TEXT_P(cstring_to_text_with_len(r->currency, 3));
}

// token_rates * numeric (and numeric * token_rates, with the arguments swapped).
CB_FUNCTION(cb_token_rates_mul) {
    const TokenRates* r = rates_arg(fcinfo, 0);
    char* factor = numeric_cstring(PG_GETARG_DATUM(1));
    return guarded([&] { return rates_datum(cb::core::scale_rates(*r, factor)); });
}

CB_FUNCTION(cb_token_rates_merge) {
    const TokenRates* base = rates_arg(fcinfo, 0);
    const TokenRates* update = rates_arg(fcinfo, 1);
    return guarded([&] { return rates_datum(cb::core::merge_rates(*base, *update)); });
}

CB_FUNCTION(cb_numeric_mul_token_rates) {
    char* factor = numeric_cstring(PG_GETARG_DATUM(0));
    const TokenRates* r = rates_arg(fcinfo, 1);
    return guarded([&] { return rates_datum(cb::core::scale_rates(*r, factor)); });
}

CB_FUNCTION(cb_token_rates_to_jsonb) {
    const TokenRates* r = rates_arg(fcinfo, 0);
    return guarded([&] { return jsonb_datum(cb::core::token_rates_to_json(*r)); });
}

CB_FUNCTION(cb_token_rates_from_jsonb) {
    char* json = jsonb_cstring(PG_GETARG_JSONB_P(0));
    return guarded([&] { return rates_datum(cb::core::token_rates_from_json(json)); });
}

// is_currency(code): true for an ISO 4217 code (upper case).
CB_FUNCTION(cb_is_currency) {
    std::string_view code = text_view(PG_GETARG_TEXT_PP(0));
    PG_RETURN_BOOL(cb::core::is_currency_code(code));
}

// minor_unit(currency) -> numeric: 10^-digits of the currency's minor unit (0.01, 1, 0.001).
CB_FUNCTION(cb_minor_unit) {
    std::string_view code = text_view(PG_GETARG_TEXT_PP(0));
    return guarded([&] {
        if (!cb::core::is_currency_code(code))
            throw cb::core::Error(cb::core::sqlstate::invalid_parameter_value,
                                  "\"" + std::string(code.substr(0, 16)) + "\" is not an ISO 4217 currency code", {},
                                  "use an upper-case code such as USD, EUR or JPY");
        int digits = cb::core::currency_minor_digits(code);
        std::string text = digits == 0 ? "1" : "0." + std::string(static_cast<size_t>(digits - 1), '0') + "1";
        return numeric_datum(text);
    });
}
