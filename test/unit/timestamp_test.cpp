// Calendar helpers (src/core/timestamp.hpp): UTC days and months as PostgreSQL dates, strict
// ISO dates, month titles.
#include "core/timestamp.hpp"

#include <gtest/gtest.h>

using cb::core::parse_iso_date;
using cb::core::utc_day;
using cb::core::utc_month_start;

namespace {
constexpr int64_t kHour = 3600LL * 1000000LL;
constexpr int64_t kDay = 24 * kHour;
}  // namespace

TEST(Timestamp, UtcDayFloorsBeforeTheEpoch) {
    EXPECT_EQ(utc_day(0), 0);
    EXPECT_EQ(utc_day(kDay - 1), 0);
    EXPECT_EQ(utc_day(kDay), 1);
    EXPECT_EQ(utc_day(-1), -1);
    EXPECT_EQ(utc_day(-kDay), -1);
    EXPECT_EQ(utc_day(-kDay - 1), -2);
    // 2026-03-15 is day 9570 since 2000-01-01.
    EXPECT_EQ(utc_day(9570 * kDay + 5 * kHour), 9570);
}

TEST(Timestamp, UtcMonthStart) {
    EXPECT_EQ(utc_month_start(9570 * kDay + 5 * kHour), 9556);  // 2026-03-01
    EXPECT_EQ(utc_month_start(-1), -31);                        // 1999-12-01
    EXPECT_EQ(utc_month_start(0), 0);
}

TEST(Timestamp, ParseIsoDateTakesOnlyDaysThatExist) {
    auto d = parse_iso_date("2024-02-29");
    ASSERT_TRUE(d);
    EXPECT_EQ(d->year, 2024);
    EXPECT_EQ(d->month, 2);
    EXPECT_EQ(d->day, 29);
    EXPECT_FALSE(parse_iso_date("2025-02-29"));
    EXPECT_FALSE(parse_iso_date("2025-04-31"));
    EXPECT_FALSE(parse_iso_date("2025-13-01"));
    EXPECT_FALSE(parse_iso_date("2025-00-10"));
    EXPECT_FALSE(parse_iso_date("2025-1-01"));
    EXPECT_FALSE(parse_iso_date("2025-01-01T00:00:00Z"));
    EXPECT_FALSE(parse_iso_date("20x5-01-01"));
    EXPECT_FALSE(parse_iso_date(""));
}

TEST(Timestamp, MonthTitle) {
    EXPECT_EQ(cb::core::month_title(2026, 3), "March 2026");
    EXPECT_EQ(cb::core::month_title(1999, 12), "December 1999");
}
