#include "datum.hpp"

#include <cstring>

namespace cb::pg {

Datum usage_datum(const cb::core::TokenUsage& u) {
    void* p = palloc_or_throw(sizeof u);
    std::memcpy(p, &u, sizeof u);
    return PointerGetDatum(p);
}

Datum rates_datum(const cb::core::TokenRates& r) {
    void* p = palloc_or_throw(sizeof r);
    std::memcpy(p, &r, sizeof r);
    return PointerGetDatum(p);
}

Datum cstring_datum(std::string_view s) {
    char* p = static_cast<char*>(palloc_or_throw(s.size() + 1));
    std::memcpy(p, s.data(), s.size());
    p[s.size()] = '\0';
    return CStringGetDatum(p);
}

Datum text_datum(std::string_view s) {
    text* t = static_cast<text*>(palloc_or_throw(VARHDRSZ + s.size()));
    SET_VARSIZE(t, VARHDRSZ + s.size());
    std::memcpy(VARDATA(t), s.data(), s.size());
    return PointerGetDatum(t);
}

Datum numeric_datum(const std::string& decimal_text) {
    Datum result = 0;
    const char* s = decimal_text.c_str();
    pg_call([&] {
        result = DirectFunctionCall3(numeric_in, CStringGetDatum(s), ObjectIdGetDatum(InvalidOid),
                                     Int32GetDatum(-1));
    });
    return result;
}

Datum jsonb_datum(const std::string& json_text) {
    Datum result = 0;
    const char* s = json_text.c_str();
    pg_call([&] { result = DirectFunctionCall1(jsonb_in, CStringGetDatum(s)); });
    return result;
}

std::string_view text_view(text* t) { return std::string_view(VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t)); }

char* numeric_cstring(Datum numeric) { return DatumGetCString(DirectFunctionCall1(numeric_out, numeric)); }

char* jsonb_cstring(Jsonb* j) { return JsonbToCString(nullptr, &j->root, VARSIZE(j)); }

Datum array_datum(const Datum* values, const bool* nulls, int n, Oid elem) {
    int16 len;
    bool byval;
    char align;
    get_typlenbyvalalign(elem, &len, &byval, &align);
    int dims[1] = {n};
    int lbs[1] = {1};
    return PointerGetDatum(construct_md_array(const_cast<Datum*>(values), const_cast<bool*>(nulls), 1, dims, lbs, elem,
                                              len, byval, align));
}

SPIPlanPtr kept_plan(SPIPlanPtr* slot, const char* sql, int nargs, Oid* types) {
    if (!*slot) {
        SPIPlanPtr plan = SPI_prepare_cursor(sql, nargs, types, CURSOR_OPT_GENERIC_PLAN);
        if (!plan) elog(ERROR, "preparing \"%s\" failed: %s", sql, SPI_result_code_string(SPI_result));
        SPI_keepplan(plan);
        *slot = plan;
    }
    return *slot;
}

int64 validity_bound(HeapTuple t, TupleDesc d, int col, int64 when_null) {
    bool isnull;
    Datum v = SPI_getbinval(t, d, col, &isnull);
    // -infinity and +infinity are stored as INT64_MIN and INT64_MAX already.
    return isnull ? when_null : DatumGetTimestampTz(v);
}

}  // namespace cb::pg
