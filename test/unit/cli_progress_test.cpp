// Rates and durations of the command-line tool's progress and summaries
// (src/cli/progress.hpp): integer arithmetic, one decimal.
#include "cli/progress.hpp"

#include <gtest/gtest.h>

using cb::cli::elapsed_text;
using cb::cli::per_second;

TEST(CliProgress, RatesInTenths) {
    EXPECT_EQ(per_second(15300000, 1000000, 1000000), "15.3");     // 15.3 MB in one second
    EXPECT_EQ(per_second(200007, 1, 13750000), "14,545.9");        // lines over 13.75 s
    EXPECT_EQ(per_second(5, 1000000, 120000), "0.0");
    EXPECT_EQ(per_second(10, 1, 0), "10,000,000.0");               // no division by zero
    EXPECT_EQ(per_second(UINT64_MAX, 1, 1000000), "18,446,744,073,709,551,615.0");  // no overflow
}

TEST(CliProgress, Durations) {
    EXPECT_EQ(elapsed_text(0), "0 ms");
    EXPECT_EQ(elapsed_text(999999), "999 ms");
    EXPECT_EQ(elapsed_text(1000000), "1.0 s");
    EXPECT_EQ(elapsed_text(13749999), "13.7 s");
}
