// What one usage payload may ask of a backend (issue 19), in one place: the size of the
// payload text, the length of every text that becomes a usage column or a rollup/index key,
// and how far ahead of the clock usage may be dated. Each check throws Error with its own
// SQLSTATE; the bulk path turns it into a row of usage_rejected, like any other bad row.
#pragma once
#include "pure.hpp"

#include "timestamp.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace cb::core {

// Longest accepted values, in bytes (UTF-8). Names stay well below btree's index row limit
// (about 2700 bytes) even together: daily_rollup's primary key holds project, activity_type,
// provider, model and service_tier; usage_request's holds provider and request_id.
inline constexpr std::size_t kMaxNameBytes = 256;
inline constexpr std::size_t kMaxIdBytes = 512;

struct FieldLimit {
    const char* field;  // as the user names it (envelope member or attrs key)
    std::size_t max_bytes;
};

// The one table of limits. org_unit and department are the attrs that name an owner by code.
inline constexpr FieldLimit kFieldLimits[] = {
    {"provider", kMaxNameBytes},      {"model", kMaxNameBytes},         {"service_tier", kMaxNameBytes},
    {"principal", kMaxNameBytes},     {"project", kMaxNameBytes},       {"activity_type", kMaxNameBytes},
    {"org_unit", kMaxNameBytes},      {"department", kMaxNameBytes},    {"activity_id", kMaxIdBytes},
    {"request_id", kMaxIdBytes},
};

// The limit of a field of kFieldLimits (0 for a name not in it).
std::size_t field_limit(std::string_view field) noexcept;

// Error 22001 (string_data_right_truncation) when value is longer than field's limit:
// "project is 3000 bytes long, longer than the limit of 256 bytes".
void check_field_length(std::string_view field, std::string_view value);

// Error 54000 (program_limit_exceeded) when a payload's JSON text is longer than limit
// bytes; what names it ("usage payload", "attrs"). The hint names the setting.
void check_payload_size(std::string_view what, std::size_t bytes, std::size_t limit);

// Error 22008 (datetime_field_overflow) when occurred_at is more than max_skew_seconds
// ahead of clock_now (the wall clock when the payload was read).
void check_future_skew(Timestamp occurred_at, Timestamp clock_now, int64_t max_skew_seconds);

// What the glue reads from its settings for one payload.
struct IngestLimits {
    Timestamp clock_now = 0;                  // the wall clock (not the transaction start)
    int64_t max_future_skew_seconds = 86400;  // chargeback.max_future_skew
};

}  // namespace cb::core
