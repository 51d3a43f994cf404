// Aligned text tables for the terminal: the report's showback and budget tables. Values are
// printed exactly as given (amounts are PostgreSQL's numeric text, never reformatted).
// Pure, unit-tested (test/unit/cli_table_test.cpp).
#pragma once

#include "core/decimal.hpp"

#include <string>
#include <vector>

namespace cb::cli {

struct Table {
    std::vector<std::string> headers;
    std::vector<bool> right;                      // right-align this column (numbers)
    std::vector<std::vector<std::string>> rows;
    std::vector<std::string> footer;              // e.g. a total row under a rule; empty = none
};

// Columns padded to their widest cell (counted in UTF-8 characters), two spaces apart, a
// dashed rule under the headers (none without headers) and above the footer; no trailing
// spaces.
std::string format_table(const Table& t);

// 1234567 -> "1,234,567": counts are easier to read grouped; money is never passed here.
using cb::core::group_digits;

}  // namespace cb::cli
