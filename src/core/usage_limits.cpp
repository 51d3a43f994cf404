#include "usage_limits.hpp"

#include "error.hpp"
#include "utf8.hpp"

#include <string>

namespace cb::core {

namespace {

inline constexpr const char* string_data_right_truncation = "22001";
inline constexpr const char* datetime_field_overflow = "22008";

std::string duration_text(int64_t seconds) {
    std::string s = std::to_string(seconds) + " s";
    if (seconds > 0 && seconds % 86400 == 0) s += " (" + std::to_string(seconds / 86400) + " d)";
    else if (seconds > 0 && seconds % 3600 == 0) s += " (" + std::to_string(seconds / 3600) + " h)";
    return s;
}

}  // namespace

std::size_t field_limit(std::string_view field) noexcept {
    for (const FieldLimit& l : kFieldLimits)
        if (field == l.field) return l.max_bytes;
    return 0;
}

void check_field_length(std::string_view field, std::string_view value) {
    std::size_t limit = field_limit(field);
    if (limit == 0 || value.size() <= limit) return;
    std::string name(field);
    throw Error(string_data_right_truncation,
                name + " is " + std::to_string(value.size()) + " bytes long, longer than the limit of " +
                    std::to_string(limit) + " bytes",
                "It begins \"" + utf8_clip(value, 40) + "\".",  // enough to find it by
                name + " becomes a column and an index key of usage; send a shorter value (an id, not a text)");
}

void check_payload_size(std::string_view what, std::size_t bytes, std::size_t limit) {
    if (bytes <= limit) return;
    throw Error(sqlstate::program_limit_exceeded,
                std::string(what) + " of " + std::to_string(bytes) + " bytes exceeds the limit of " +
                    std::to_string(limit) + " bytes",
                {}, "split the payload, or raise chargeback.max_payload_bytes (a superuser setting)");
}

void check_future_skew(Timestamp occurred_at, Timestamp clock_now, int64_t max_skew_seconds) {
    if (max_skew_seconds < 0) max_skew_seconds = 0;
    // Both are within years 2000-2099 by now; the limit is at most INT_MAX seconds: no overflow.
    Timestamp latest = clock_now + max_skew_seconds * 1000000;
    if (occurred_at <= latest) return;
    throw Error(datetime_field_overflow,
                "occurred_at " + format_iso_timestamp(occurred_at) + " is more than " + duration_text(max_skew_seconds) +
                    " ahead of the current time " + format_iso_timestamp(clock_now),
                {},
                "usage is booked when it happened; check the sender's clock and time zone, or raise "
                "chargeback.max_future_skew (a superuser setting)");
}

}  // namespace cb::core
