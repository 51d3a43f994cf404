// The text of a set-based INSERT: a batch of rows arrives as one array parameter per column,
// and the arrays are expanded in a select list (a ProjectSet node, which streams) rather
// than in FROM (a function scan, which first copies every row into a tuplestore):
//
//   INSERT INTO t (a, b, c) SELECT a, b::jsonb, <expr of a> FROM
//       (SELECT unnest($1)::numeric AS a, unnest($2) AS b) AS t
//
// Parameter $k is the k-th column of `columns`; computed columns follow them in the target
// list and read only the expanded columns (by name).
#pragma once
#include "pure.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace cb::core {

struct UnnestColumn {
    std::string_view name;         // the target column, and the name of its expanded array
    std::string_view unnest_cast;  // after unnest($k), e.g. "::numeric": seen by every use
    std::string_view select_cast;  // after the name in the select list, e.g. "::jsonb"
};

struct ComputedColumn {
    std::string_view name;  // the target column
    std::string_view expr;  // its value, in terms of the expanded columns
};

std::string unnest_insert_sql(std::string_view table, const std::vector<UnnestColumn>& columns,
                              const std::vector<ComputedColumn>& computed = {});

}  // namespace cb::core
