// The CSV price list of `chargeback prices import|diff FILE.csv` (src/cli/price_csv.cpp):
// columns by header, optional ones, quoting, and every malformed shape named by its line.
#include "cli/errors.hpp"
#include "cli/price_csv.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <string>

using cb::cli::price_csv_to_rows_json;

namespace {

nlohmann::json rows(const std::string& csv) { return nlohmann::json::parse(price_csv_to_rows_json(csv)); }

std::string error_of(const std::string& csv) {
    try {
        price_csv_to_rows_json(csv);
        return "none";
    } catch (const cb::cli::CliError& e) {
        EXPECT_EQ(e.code(), cb::cli::Exit::input);
        return e.what();
    }
}

}  // namespace

TEST(PriceCsv, ColumnsByHeaderOptionalOnesAndQuotes) {
    auto r = rows("\xEF\xBB\xBFprovider,model,tier,threshold,rates,valid_from\r\n"
                  "# comments and blank lines are skipped\n"
                  "\n"
                  "openai,gpt-5,standard,0,input=1.25 cache_read=0.125 output=10,2026-01-01\r\n"
                  "anthropic, claude-sonnet-4-5 ,,200000,\"input=6 output=22.5\",\n"
                  "acme,\"odd, \"\"quoted\"\" name\",batch,,input=1,2026-02-01T00:00:00Z");
    ASSERT_EQ(r.size(), 3u);
    EXPECT_EQ(r[0], nlohmann::json::parse(R"({"provider":"openai","model":"gpt-5","service_tier":"standard","min_prompt_tokens":"0",
                                              "rates":"input=1.25 cache_read=0.125 output=10","valid_from":"2026-01-01"})"));
    // Empty optional fields are left out (the server's defaults: standard, 0, --valid-from).
    EXPECT_EQ(r[1], nlohmann::json::parse(R"({"provider":"anthropic","model":"claude-sonnet-4-5","min_prompt_tokens":"200000",
                                              "rates":"input=6 output=22.5"})"));
    EXPECT_EQ(r[2]["model"], "odd, \"quoted\" name");
    // Any column order; service_tier and min_prompt_tokens spell the same columns.
    auto s = rows("rates,model,provider,min_prompt_tokens,service_tier\ninput=1,m,p,5,flex\n");
    EXPECT_EQ(s[0], nlohmann::json::parse(R"({"provider":"p","model":"m","rates":"input=1","min_prompt_tokens":"5","service_tier":"flex"})"));
    EXPECT_EQ(rows("provider,model,rates\n").size(), 0u);
}

TEST(PriceCsv, MistakesAreNamedByLine) {
    EXPECT_EQ(error_of(""), "price list line 1: no header line");
    EXPECT_EQ(error_of("provider,model,price\n"), "price list line 1: unknown column \"price\"");
    EXPECT_EQ(error_of("provider,model\n"), "price list line 1: the header has no rates column");
    EXPECT_EQ(error_of("provider,tier,service_tier,model,rates\n"), "price list line 1: column \"service_tier\" given twice");
    EXPECT_EQ(error_of("provider,model,rates\np,m\n"), "price list line 2: 2 fields where the header has 3");
    EXPECT_EQ(error_of("provider,model,rates\np,,input=1\n"), "price list line 2: no model");
    EXPECT_EQ(error_of("provider,model,rates,threshold\np,m,input=1,128k\n"),
              "price list line 2: threshold \"128k\" is not a whole number of tokens");
    EXPECT_EQ(error_of("provider,model,rates\np,\"m,input=1\n"), "price list line 2: a quoted field is not closed");
}
