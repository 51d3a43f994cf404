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

int64 validity_bound(HeapTuple t, TupleDesc d, int col, int64 when_null) {
    bool isnull;
    Datum v = SPI_getbinval(t, d, col, &isnull);
    if (isnull) return when_null;
    TimestampTz ts = DatumGetTimestampTz(v);
    if (TIMESTAMP_IS_NOBEGIN(ts)) return PG_INT64_MIN;
    if (TIMESTAMP_IS_NOEND(ts)) return PG_INT64_MAX;
    return ts;
}

}  // namespace cb::pg
