# Writes the demo's SQL files into a C++ header as raw string literals, so the installed
# chargeback binary needs no data files. Run by CMakeLists.txt at build time:
#   cmake -DSEED=... -DMONTH_END=... -DOUT=... -P embed_sql.cmake
file(READ "${SEED}" seed)
file(READ "${MONTH_END}" month_end)
foreach(text IN ITEMS "${seed}" "${month_end}")
    string(FIND "${text}" ")cbsql\"" clash)
    if(NOT clash EQUAL -1)
        message(FATAL_ERROR "a demo SQL file contains )cbsql\", which ends the raw string literal")
    endif()
endforeach()
file(WRITE "${OUT}.tmp"
"// Generated from src/cli/demo_seed.sql and src/cli/demo_month_end.sql; do not edit.
const char* const kDemoSeedSql = R\"cbsql(${seed})cbsql\";
const char* const kDemoMonthEndSql = R\"cbsql(${month_end})cbsql\";
")
file(RENAME "${OUT}.tmp" "${OUT}")
