// Times as PostgreSQL stores them: microseconds since 2000-01-01 00:00:00 UTC.
#pragma once
#include "pure.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace cb::core {

using Timestamp = int64_t;  // microseconds since 2000-01-01 UTC (PostgreSQL TimestampTz)

inline constexpr int64_t kUnixEpochOffsetSeconds = 946684800;  // 1970 -> 2000

// RFC 3339 / ISO 8601: 2025-08-01T12:34:56Z, 2025-08-01T12:34:56.123456+02:00,
// 2025-08-01 12:34:56+00, 2025-08-01 (midnight UTC). Fractions beyond microseconds are
// truncated. No zone means UTC. nullopt when the text is not such a time.
std::optional<Timestamp> parse_iso_timestamp(std::string_view text);
// Seconds since 1970 (what OpenAI's `created` holds); nullopt when out of range.
std::optional<Timestamp> from_unix_seconds(int64_t seconds);
// Nanoseconds since 1970 (OTLP's startTimeUnixNano); nullopt when out of range.
std::optional<Timestamp> from_unix_nanos(int64_t nanos);
// The calendar day of t in UTC, as days since 2000-01-01 (PostgreSQL's date).
int32_t utc_day(Timestamp t);
// The first day of t's month in UTC, as days since 2000-01-01 (PostgreSQL's date).
int32_t utc_month_start(Timestamp t);

// A calendar date: exactly YYYY-MM-DD, a day that exists (2025-02-29 does not); nullopt
// otherwise.
struct CivilDate {
    int year = 0, month = 0, day = 0;
};
std::optional<CivilDate> parse_iso_date(std::string_view text);
// "March 2026".
std::string month_title(int year, int month);
// 2025-08-01T12:34:56Z (microseconds shown only when non-zero).
std::string format_iso_timestamp(Timestamp t);

}  // namespace cb::core
