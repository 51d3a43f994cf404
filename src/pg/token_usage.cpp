// SQL type token_usage: I/O, binary I/O, jsonb casts, operators, sum() and accessors.
#include "datum.hpp"

#include "core/token_json.hpp"
#include "core/token_usage.hpp"

using cb::core::TokenUsage;
using namespace cb::pg;

CB_FUNCTION(cb_token_usage_in) {
    const char* s = PG_GETARG_CSTRING(0);
    return guarded([&] { return usage_datum(cb::core::parse_token_usage(s)); });
}

CB_FUNCTION(cb_token_usage_out) {
    const TokenUsage* u = usage_arg(fcinfo, 0);
    return guarded([&] { return cstring_datum(cb::core::format_token_usage(*u)); });
}

// Binary form: int4 number of classes, then one int8 per class in class order. A count of
// fewer classes than we know is accepted (missing = 0), so older senders keep working.
CB_FUNCTION(cb_token_usage_recv) {
    StringInfo buf = reinterpret_cast<StringInfo>(PG_GETARG_POINTER(0));
    int n = pq_getmsgint(buf, 4);
    if (n < 0 || n > cb::core::kTokenClassCount)
        ereport(ERROR, (errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
                        errmsg("invalid number of classes in external token_usage value: %d", n)));
    TokenUsage* u = static_cast<TokenUsage*>(palloc0(sizeof(TokenUsage)));
    for (int i = 0; i < n; ++i) {
        int64 v = pq_getmsgint64(buf);
        if (v < 0)
            ereport(ERROR, (errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
                            errmsg("negative count in external token_usage value: %lld",
                                   static_cast<long long>(v))));
        u->count[i] = v;
    }
    PG_RETURN_POINTER(u);
}

CB_FUNCTION(cb_token_usage_send) {
    const TokenUsage* u = usage_arg(fcinfo, 0);
    StringInfoData buf;
    pq_begintypsend(&buf);
    pq_sendint32(&buf, cb::core::kTokenClassCount);
    for (int i = 0; i < cb::core::kTokenClassCount; ++i) pq_sendint64(&buf, u->count[i]);
    PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

CB_FUNCTION(cb_token_usage_eq) {
    PG_RETURN_BOOL(cb::core::usage_equal(*usage_arg(fcinfo, 0), *usage_arg(fcinfo, 1)));
}

CB_FUNCTION(cb_token_usage_ne) {
    PG_RETURN_BOOL(!cb::core::usage_equal(*usage_arg(fcinfo, 0), *usage_arg(fcinfo, 1)));
}

CB_FUNCTION(cb_token_usage_add) {
    const TokenUsage* a = usage_arg(fcinfo, 0);
    const TokenUsage* b = usage_arg(fcinfo, 1);
    return guarded([&] { return usage_datum(cb::core::add_usage(*a, *b)); });
}

CB_FUNCTION(cb_token_usage_sub) {
    const TokenUsage* a = usage_arg(fcinfo, 0);
    const TokenUsage* b = usage_arg(fcinfo, 1);
    return guarded([&] { return usage_datum(cb::core::subtract_usage(*a, *b)); });
}

// sum(token_usage) transition and combine step. As an aggregate the state is ours to
// modify in place (it lives in the aggregate context), which avoids a palloc per row.
CB_FUNCTION(cb_token_usage_accum) {
    if (!AggCheckCallContext(fcinfo, nullptr))
        ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
                        errmsg("cb_token_usage_accum called in non-aggregate context")));
    if (PG_ARGISNULL(0) && PG_ARGISNULL(1)) PG_RETURN_NULL();
    if (PG_ARGISNULL(1)) PG_RETURN_DATUM(PG_GETARG_DATUM(0));
    if (PG_ARGISNULL(0)) {
        // First value: copy it into the aggregate's memory.
        MemoryContext aggctx;
        AggCheckCallContext(fcinfo, &aggctx);
        void* p = MemoryContextAlloc(aggctx, sizeof(TokenUsage));
        memcpy(p, PG_GETARG_POINTER(1), sizeof(TokenUsage));
        PG_RETURN_POINTER(p);
    }
    TokenUsage* state = reinterpret_cast<TokenUsage*>(PG_GETARG_POINTER(0));
    const TokenUsage* value = usage_arg(fcinfo, 1);
    return guarded([&] {
        cb::core::add_usage_into(*state, *value);
        return PointerGetDatum(state);
    });
}

CB_FUNCTION(cb_token_usage_tokens) {
    const TokenUsage* u = usage_arg(fcinfo, 0);
    text* cls = PG_GETARG_TEXT_PP(1);
    std::string_view name = text_view(cls);
    return guarded([&] {
        auto c = cb::core::token_class_from_name(name);
        if (!c)
            throw cb::core::Error(cb::core::sqlstate::invalid_parameter_value,
                                  "unknown token class \"" + std::string(name) + "\"", {},
                                  "valid classes: " + cb::core::token_class_list());
        return Int64GetDatum(u->get(*c));
    });
}

CB_FUNCTION(cb_token_usage_total) {
    const TokenUsage* u = usage_arg(fcinfo, 0);
    return guarded([&] { return Int64GetDatum(cb::core::total_tokens(*u)); });
}

CB_FUNCTION(cb_token_usage_prompt) {
    PG_RETURN_INT64(cb::core::prompt_tokens(*usage_arg(fcinfo, 0)));
}

CB_FUNCTION(cb_token_usage_to_jsonb) {
    const TokenUsage* u = usage_arg(fcinfo, 0);
    return guarded([&] { return jsonb_datum(cb::core::token_usage_to_json(*u)); });
}

CB_FUNCTION(cb_token_usage_from_jsonb) {
    char* json = jsonb_cstring(PG_GETARG_JSONB_P(0));
    return guarded([&] { return usage_datum(cb::core::token_usage_from_json(json)); });
}
