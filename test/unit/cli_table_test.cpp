// Aligned text tables of the command-line tool (src/cli/table.hpp).
#include "cli/table.hpp"

#include <gtest/gtest.h>

using cb::cli::format_table;
using cb::cli::group_digits;
using cb::cli::Table;

TEST(CliTable, ColumnsAlignNumbersRightAndTextLeft) {
    Table t;
    t.headers = {"org unit", "requests", "cost"};
    t.right = {false, true, true};
    t.rows = {{"engineering", "46,000", "2250.29"}, {"sales", "7", "3.71"}};
    t.footer = {"total", "46,007", "2254.00"};
    EXPECT_EQ(format_table(t),
              "org unit     requests     cost\n"
              "-----------  --------  -------\n"
              "engineering    46,000  2250.29\n"
              "sales               7     3.71\n"
              "-----------  --------  -------\n"
              "total          46,007  2254.00\n");
}

TEST(CliTable, WidthCountsCharactersNotBytesAndLinesHaveNoTrailingSpaces) {
    Table t;
    t.headers = {"name", "x"};
    t.rows = {{"Zürich", ""}, {"Genève", "1"}};
    EXPECT_EQ(format_table(t),
              "name    x\n"
              "------  -\n"
              "Zürich\n"
              "Genève  1\n");
}

TEST(CliTable, WithoutHeadersThereIsNoRule) {
    Table t;
    t.right = {false, true};
    t.rows = {{"lines sent", "12"}, {"rejected", "3"}};
    EXPECT_EQ(format_table(t), "lines sent  12\nrejected     3\n");
}

TEST(CliTable, GroupDigitsOnlyTouchesPlainIntegers) {
    EXPECT_EQ(group_digits("0"), "0");
    EXPECT_EQ(group_digits("999"), "999");
    EXPECT_EQ(group_digits("1000"), "1,000");
    EXPECT_EQ(group_digits("2859477530"), "2,859,477,530");
    EXPECT_EQ(group_digits("-1234567"), "-1,234,567");
    EXPECT_EQ(group_digits("1234.50"), "1234.50");  // money is printed as PostgreSQL wrote it
    EXPECT_EQ(group_digits(""), "");
}
