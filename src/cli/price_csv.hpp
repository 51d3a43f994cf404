// A plain CSV price list for `chargeback prices import|diff FILE.csv`, turned into the JSON
// array of import_prices(catalog, 'rows'). Pure (no libpq), unit-tested
// (test/unit/cli_price_csv_test.cpp).
//
//   provider,model,tier,threshold,rates,valid_from
//   openai,gpt-5,standard,0,input=1.25 cache_read=0.125 output=10,2026-01-01
//
// A header line names the columns, in any order: provider, model and rates are required;
// tier (or service_tier), threshold (or min_prompt_tokens) and valid_from are optional (empty:
// standard, 0, the command's --valid-from). Fields may be quoted ("a,b", "" for a quote).
// Blank lines and lines starting with # are skipped. The server checks the values (rates
// literal, time); this checks the shape.
#pragma once

#include <string>
#include <string_view>

namespace cb::cli {

// Throws CliError(Exit::input) naming the line and the problem.
std::string price_csv_to_rows_json(std::string_view csv);

}  // namespace cb::cli
