#include "unnest_insert.hpp"

namespace cb::core {

std::string unnest_insert_sql(std::string_view table, const std::vector<UnnestColumn>& columns,
                              const std::vector<ComputedColumn>& computed) {
    std::string targets, select, expand;
    for (size_t k = 0; k < columns.size(); ++k) {
        const UnnestColumn& c = columns[k];
        if (k > 0) {
            targets += ", ";
            select += ", ";
            expand += ", ";
        }
        targets += c.name;
        select += c.name;
        select += c.select_cast;
        expand += "unnest($" + std::to_string(k + 1) + ")";
        expand += c.unnest_cast;
        expand += " AS ";
        expand += c.name;
    }
    for (const ComputedColumn& c : computed) {
        targets += ", ";
        targets += c.name;
        select += ", ";
        select += c.expr;
    }
    std::string sql = "INSERT INTO ";
    sql += table;
    sql += " (" + targets + ") SELECT " + select + " FROM (SELECT " + expand + ") AS t";
    return sql;
}

}  // namespace cb::core
