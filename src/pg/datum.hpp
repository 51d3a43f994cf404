// Conversions between Datums and core values, safe to call inside guarded().
#pragma once
#include "guard.hpp"

#include "core/token_rates.hpp"
#include "core/token_usage.hpp"

#include <string>
#include <string_view>

namespace cb::pg {

// The on-disk forms of the types are the core structs themselves (fixed length, by ref).
inline const cb::core::TokenUsage* usage_arg(FunctionCallInfo fcinfo, int n) {
    return reinterpret_cast<const cb::core::TokenUsage*>(PG_GETARG_POINTER(n));
}
inline const cb::core::TokenRates* rates_arg(FunctionCallInfo fcinfo, int n) {
    return reinterpret_cast<const cb::core::TokenRates*>(PG_GETARG_POINTER(n));
}

Datum usage_datum(const cb::core::TokenUsage& u);  // palloc'd copy
Datum rates_datum(const cb::core::TokenRates& r);
Datum cstring_datum(std::string_view s);           // for type output functions
Datum text_datum(std::string_view s);
// numeric from exact decimal text; numeric_in runs through pg_call().
Datum numeric_datum(const std::string& decimal_text);
Datum jsonb_datum(const std::string& json_text);
// PostgreSQL-side helpers (call before guarded(); they may raise errors themselves).
std::string_view text_view(text* t);
char* numeric_cstring(Datum numeric);  // palloc'd decimal text
char* jsonb_cstring(Jsonb* j);         // palloc'd JSON text
// A one-dimensional array of n elements of type elem (nulls may be nullptr: none).
Datum array_datum(const Datum* values, const bool* nulls, int n, Oid elem);
// A statement prepared once per session as a generic plan and kept (slot holds it): SQL that
// runs for every batch should not be planned again each time.
SPIPlanPtr kept_plan(SPIPlanPtr* slot, const char* sql, int nargs, Oid* types);
// A valid_from / valid_to column of an SPI result row as a core Timestamp: -infinity and
// +infinity become INT64_MIN and INT64_MAX, NULL (an open end) becomes when_null.
int64 validity_bound(HeapTuple t, TupleDesc d, int col, int64 when_null);

}  // namespace cb::pg
