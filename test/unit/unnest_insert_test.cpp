// The set-based INSERT text (src/core/unnest_insert.hpp) the usage writer prepares.
#include "core/unnest_insert.hpp"

#include <gtest/gtest.h>

using cb::core::unnest_insert_sql;

TEST(UnnestInsert, ExpandsOneArrayParameterPerColumnInTheSelectList) {
    EXPECT_EQ(unnest_insert_sql("s.t", {{"id", "", ""}, {"cost", "::numeric", ""}, {"attrs", "", "::jsonb"}},
                                {{"status", "CASE WHEN cost IS NULL THEN 'unpriced' ELSE 'priced' END"}}),
              "INSERT INTO s.t (id, cost, attrs, status) "
              "SELECT id, cost, attrs::jsonb, CASE WHEN cost IS NULL THEN 'unpriced' ELSE 'priced' END "
              "FROM (SELECT unnest($1) AS id, unnest($2)::numeric AS cost, unnest($3) AS attrs) AS t");
}

TEST(UnnestInsert, NumbersParametersInColumnOrder) {
    EXPECT_EQ(unnest_insert_sql("t", {{"a", "", ""}}), "INSERT INTO t (a) SELECT a FROM (SELECT unnest($1) AS a) AS t");
    std::vector<cb::core::UnnestColumn> many(12, {"c", "", ""});
    const std::string sql = unnest_insert_sql("t", many);
    EXPECT_NE(sql.find("unnest($12) AS c) AS t"), std::string::npos);
    EXPECT_EQ(sql.find("$13"), std::string::npos);
}
