// The statement page (src/core/statement_html.hpp): its structure, exact amounts, escaping
// of user data, the empty page, and clear errors for a malformed document.
#include "core/statement_html.hpp"
#include "core/statement_parts.hpp"

#include "core/json_reader.hpp"
#include "errors.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <string>

using cb::core::html_escape;
using cb::core::statement_html;
using cb_test::failure_of;
using json = nlohmann::json;

namespace {

size_t count_of(const std::string& haystack, const std::string& needle) {
    size_t n = 0;
    for (size_t at = haystack.find(needle); at != std::string::npos; at = haystack.find(needle, at + needle.size())) ++n;
    return n;
}

json days(int from, int to, const char* cost) {
    json a = json::array();
    for (int d = 1; d <= 30; ++d) {
        char day[11];
        std::snprintf(day, sizeof day, "2088-06-%02d", d);
        a.push_back({{"day", day}, {"cost", d >= from && d <= to ? cost : "0"}});
    }
    return a;
}

// A June with usage on days 1..10, a budget, outcomes and an allocation run.
json sample() {
    return {
        {"org_unit", {{"code", "ENG"}, {"name", "Engineering"}}},
        {"units", {{{"code", "ENG"}, {"name", "Engineering"}}, {{"code", "ENG-PLAT"}, {"name", "Platform"}}}},
        {"period", "2088-06-01"},
        {"period_end", "2088-06-30"},
        {"as_of", "2088-06-10"},
        {"total", "12.345678901234"},
        {"prev_total", "10"},
        {"change", "2.345678901234"},
        {"change_pct", "23.5"},
        {"requests", 42},
        {"total_tokens", 1234567},
        {"by_project",
         {{{"project", "checkout"}, {"others", 0}, {"cost", "10.345678901234"}, {"share_pct", "83.8"}, {"requests", 40}, {"total_tokens", 1200000}},
          {{"project", nullptr}, {"others", 0}, {"cost", "2"}, {"share_pct", "16.2"}, {"requests", 2}, {"total_tokens", 34567}}}},
        {"by_model",
         {{{"provider", "openai"}, {"model", "gpt-4o"}, {"others", 0}, {"cost", "12.345678901234"}, {"share_pct", "100.0"}, {"requests", 42}, {"total_tokens", 1234567}}}},
        {"daily", days(1, 10, "1.2345678901234")},
        {"forecast", {{"projected", "37.04"}, {"low", "30"}, {"high", "44.5"}}},
        {"budgets",
         {{{"name", "eng-monthly"}, {"scope_value", "ENG"}, {"period", "month"}, {"period_start", "2088-06-01"},
           {"period_end", "2088-06-30"}, {"amount", "50.00"}, {"currency", "USD"}, {"spend", "12.345678901234"},
           {"pct_used", "24.7"}, {"forecast", "37.04"}, {"state", "ok"}}}},
        {"unit_costs",
         {{{"org_unit", "ENG"}, {"activity_type", "pull_request"}, {"cost", "2"}, {"units", "8"}, {"cost_per_unit", "0.250000"}}}},
        {"allocation",
         {{"run_id", 7}, {"model", "department"}, {"status", "final"}, {"total", "14.35"},
          {"components", {{{"component", "direct"}, {"currency", "USD"}, {"amount", "12.35"}},
                          {{"component", "shared"}, {"currency", "USD"}, {"amount", "2.00"}}}},
          {"lines", {{{"org_unit", "ENG"}, {"component", "direct"}, {"source", "openai"}, {"currency", "USD"}, {"amount", "12.35"}},
                     {{"org_unit", "ENG-PLAT"}, {"component", "shared"}, {"source", "platform pool"}, {"currency", "USD"}, {"amount", "2.00"}}}}}},
    };
}

}  // namespace

TEST(StatementHtml, EscapesEveryHtmlSpecialCharacter) {
    EXPECT_EQ(html_escape("<a href=\"x\">Tom & Jerry's</a>"),
              "&lt;a href=&quot;x&quot;&gt;Tom &amp; Jerry&#39;s&lt;/a&gt;");
    EXPECT_EQ(html_escape("plain"), "plain");
}

TEST(StatementHtml, IsOneSelfContainedPage) {
    const std::string html = statement_html(sample());
    EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
    EXPECT_EQ(count_of(html, "</html>"), 1u);
    EXPECT_EQ(count_of(html, "<script"), 0u);
    // Nothing is fetched: no link, image or URL other than the SVG namespace.
    EXPECT_EQ(count_of(html, "<link"), 0u);
    EXPECT_EQ(count_of(html, "<img"), 0u);
    EXPECT_EQ(count_of(html, "http"), count_of(html, "xmlns=\"http://www.w3.org/2000/svg\""));
    // project, model, per day, cumulative, budgets, allocation
    EXPECT_EQ(count_of(html, "<svg"), 6u);
    EXPECT_EQ(count_of(html, "</svg>"), 6u);
    for (const char* id : {"summary", "projects", "models", "trend", "budgets", "unit-costs", "allocation"})
        EXPECT_NE(html.find(std::string("<section id=\"") + id + "\">"), std::string::npos) << id;
    EXPECT_NE(html.find("<title>AI spend statement: Engineering (ENG), June 2088</title>"), std::string::npos);
}

// Money as people read it (cents, separators), the exact amount in the title; counts grouped.
TEST(StatementHtml, ShowsMoneyRoundedAndTheExactAmountInTitles) {
    const std::string html = statement_html(sample());
    EXPECT_NE(html.find("<b title=\"12.345678901234\">12.35</b>"), std::string::npos);  // total
    EXPECT_NE(html.find("<b>10.00</b>"), std::string::npos);  // nothing rounded away: no title
    EXPECT_NE(html.find("<b title=\"2.345678901234\">+2.35 (+23.5%)</b>"), std::string::npos);
    EXPECT_NE(html.find("<td class=\"num\" title=\"10.345678901234\">10.35</td>"), std::string::npos);
    EXPECT_NE(html.find("<td class=\"num\">USD 50.00</td>"), std::string::npos);
    EXPECT_NE(html.find("<b>1,234,567</b>"), std::string::npos);  // tokens
    EXPECT_NE(html.find("0.250000"), std::string::npos);          // cost per outcome keeps 6 decimals
    EXPECT_NE(html.find("forecast for 2088-06-30: 37.04 (likely between 30.00 and 44.50)"), std::string::npos);
    EXPECT_NE(html.find("charges Engineering (ENG) and its sub-units 14.35 in total"), std::string::npos);
    EXPECT_NE(html.find("platform pool"), std::string::npos);
    EXPECT_NE(html.find("(no project)"), std::string::npos);
}

// A forecast from too little data says it is a run rate, and a budget in that state is grey,
// not green (2 December: the page read "likely between 2422.31 and 312978.80").
TEST(StatementHtml, SaysWhenTheForecastHasTooLittleData) {
    auto doc = sample();
    doc["forecast"]["state"] = "insufficient_history";
    doc["budgets"][0]["state"] = "insufficient_history";
    const std::string html = statement_html(doc);
    EXPECT_NE(html.find("forecast for 2088-06-30: 37.04 (a run rate: too few days and too little history for a range)"),
              std::string::npos);
    EXPECT_EQ(html.find("likely between"), std::string::npos);
    EXPECT_NE(html.find("#8c8c8c"), std::string::npos);
}

TEST(StatementHtml, SaysWhichUnitsItCovers) {
    const std::string html = statement_html(sample());
    EXPECT_NE(html.find("This statement covers Engineering (ENG) and its 1 sub-unit: Platform (ENG-PLAT)."),
              std::string::npos);
    json solo = sample();
    solo["units"] = json::array({{{"code", "ENG"}, {"name", "Engineering"}}});
    EXPECT_NE(statement_html(solo).find("which has no sub-units"), std::string::npos);
}

TEST(StatementHtml, BarsAreProportionalInIntegerPixels) {
    const std::string html = statement_html(sample());
    // checkout is the largest project: the full 560 px; no project: 2 / 10.345678901234 of it.
    EXPECT_NE(html.find("<rect x=\"320\" y=\"10\" width=\"560\" height=\"22\" fill=\"#1f77b4\"/>"), std::string::npos);
    EXPECT_NE(html.find("<rect x=\"320\" y=\"40\" width=\"108\" height=\"22\" fill=\"#1f77b4\"/>"), std::string::npos);
    // The forecast is drawn from the last day with figures (the 10th) to the 30th.
    EXPECT_NE(html.find("stroke=\"#9467bd\" stroke-width=\"3\" stroke-dasharray=\"8 5\""), std::string::npos);
    // The unit's own monthly budget is a line on the cumulative chart.
    EXPECT_NE(html.find("budget eng-monthly: 50.00"), std::string::npos);
}

TEST(StatementHtml, EscapesUserData) {
    json doc = sample();
    doc["org_unit"]["name"] = "<script>alert(1)</script>";
    doc["by_project"][0]["project"] = "<script>alert('p')</script>";
    doc["by_model"][0]["model"] = "gpt\"><script>x</script>";
    doc["budgets"][0]["name"] = "<b>budget</b> & co";
    doc["allocation"]["lines"][1]["source"] = "<img src=x onerror=alert(1)>";
    const std::string html = statement_html(doc);
    EXPECT_EQ(count_of(html, "<script"), 0u);
    EXPECT_EQ(count_of(html, "<img"), 0u);
    EXPECT_EQ(count_of(html, "<b>budget"), 0u);
    EXPECT_NE(html.find("&lt;script&gt;alert(1)&lt;/script&gt;"), std::string::npos);
    EXPECT_NE(html.find("&lt;script&gt;alert(&#39;p&#39;)&lt;/script&gt;"), std::string::npos);
    EXPECT_NE(html.find("gpt&quot;&gt;&lt;script&gt;"), std::string::npos);
    EXPECT_NE(html.find("&lt;b&gt;budget&lt;/b&gt; &amp; co"), std::string::npos);
}

TEST(StatementHtml, EmptyPeriodSaysThereIsNoUsage) {
    json doc = sample();
    doc["total"] = "0";
    doc["prev_total"] = "0";
    doc["change"] = "0";
    doc["change_pct"] = nullptr;
    doc["requests"] = 0;
    doc["total_tokens"] = 0;
    doc["by_project"] = json::array();
    doc["by_model"] = json::array();
    doc["daily"] = days(0, -1, "0");
    doc["forecast"] = nullptr;
    doc["budgets"] = json::array();
    doc["unit_costs"] = json::array();
    doc["allocation"] = nullptr;
    const std::string html = statement_html(doc);
    EXPECT_NE(html.find("No usage was recorded for Engineering (ENG) in June 2088."), std::string::npos);
    EXPECT_EQ(count_of(html, "<svg"), 0u);
    EXPECT_NE(html.find("No allocation run exists for June 2088 yet."), std::string::npos);
    EXPECT_EQ(count_of(html, "</html>"), 1u);
}

TEST(StatementHtml, LongNamesAreShortenedWithoutBreakingUtf8) {
    json doc = sample();
    std::string name;
    for (int i = 0; i < 50; ++i) name += "\xc3\xa9";  // 50 x U+00E9
    doc["by_project"][0]["project"] = name;
    const std::string html = statement_html(doc);
    std::string cut;
    for (int i = 0; i < 40; ++i) cut += "\xc3\xa9";
    EXPECT_NE(html.find(">" + cut + "\u2026</text>"), std::string::npos);
    EXPECT_NE(html.find("<td>" + name + "</td>"), std::string::npos);  // the table keeps it whole
}

TEST(StatementHtml, ReadsTheDocumentTheGlueReads) {
    // Through read_json, as chargeback.render_statement() does: decimals stay text.
    const std::string html = statement_html(cb::core::read_json(sample().dump()));
    EXPECT_NE(html.find("<b title=\"12.345678901234\">12.35</b>"), std::string::npos);
}

TEST(StatementHtml, MalformedDocumentsAreClearErrors) {
    EXPECT_EQ(failure_of([] { statement_html(json::array()); }), "22023: statement input: the document is not an object");
    json doc = sample();
    doc.erase("total");
    EXPECT_EQ(failure_of([&] { statement_html(doc); }), "22023: statement input: document has no \"total\"");
    doc = sample();
    doc["total"] = 1.5;  // a binary float is never accepted for money
    EXPECT_EQ(failure_of([&] { statement_html(doc); }), "22023: statement input: document.total is not a decimal string");
    doc = sample();
    doc["by_project"][0]["cost"] = "12abc";
    EXPECT_EQ(failure_of([&] { statement_html(doc); }), "22023: statement input: by_project[].cost is not a decimal: \"12abc\"");
    doc = sample();
    doc["total"] = "1e40";
    EXPECT_EQ(failure_of([&] { statement_html(doc); }), "22003: statement input: document.total is out of range: 1e40");
    doc = sample();
    doc["period"] = "June";
    EXPECT_EQ(failure_of([&] { statement_html(doc); }), "22023: statement input: period is not a date (YYYY-MM-DD): \"June\"");
}

TEST(StatementHtml, MoneyAndCounts) {
    using cb::core::statement::Amount;
    auto amount = [](const char* text, cb::core::int128 units) {
        Amount a;
        a.null = false;
        a.text = text;
        a.units = units;
        return a;
    };
    constexpr cb::core::int128 k = 1000000000000;  // units are 1e-12
    EXPECT_EQ(cb::core::statement::money(amount("2422.30584165", 2422 * k + 305841650000)), "2,422.31");
    EXPECT_EQ(cb::core::statement::money(amount("0.005", k / 200)), "0.01");      // half away from zero
    EXPECT_EQ(cb::core::statement::money(amount("0.00499", k / 1000 * 499 / 100)), "0.00");
    EXPECT_EQ(cb::core::statement::money(amount("-1234567.895", -(1234567 * k + 895000000000))), "-1,234,567.90");
    EXPECT_EQ(cb::core::statement::money(amount("-0.004", -k / 250)), "0.00");   // never -0.00
    EXPECT_EQ(cb::core::statement::money(Amount{}), "");
    EXPECT_EQ(cb::core::group_digits("2232676808"), "2,232,676,808");
    EXPECT_EQ(cb::core::group_digits("999"), "999");
    EXPECT_EQ(cb::core::group_digits("1000"), "1,000");
    EXPECT_EQ(cb::core::group_digits("-1000000"), "-1,000,000");
    EXPECT_EQ(cb::core::statement::num_cell(amount("3.50", 3 * k + 500000000000)), "<td class=\"num\">3.50</td>");
}
