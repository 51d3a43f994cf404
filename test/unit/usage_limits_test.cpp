// Bounds on one usage payload (src/core/usage_limits.hpp, issue 19): the payload size check,
// the one table of text limits (22001 naming the field, its length and the limit), and the
// future-skew check (22008), through price_and_attribute as every ingest path runs it.
#include "core/usage_limits.hpp"

#include "core/attribution.hpp"
#include "core/error.hpp"
#include "core/price_catalog.hpp"
#include "core/timestamp.hpp"
#include "core/usage_pipeline.hpp"
#include "core/usage_record.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <string>

#include "errors.hpp"

using namespace cb::core;
using cb_test::failure_of;
using cb_test::sqlstate_of;
using json = nlohmann::json;

namespace {

const Timestamp kNow = *parse_iso_timestamp("2026-12-02T12:00:00Z");

const Attribution& owners() {
    static Attribution a = [] {
        Attribution a;
        a.add_unit({1, "unattributed", 0});
        a.add_unit({2, "sales", 0});
        OwnershipRule rule;
        rule.rule_id = 1;
        rule.match = json{{"app", "bot"}};
        rule.org_unit_id = 2;
        rule.project = std::string(300, 'p');  // an admin's rule with a long project
        a.add_rule(rule);
        a.finish();
        return a;
    }();
    return a;
}

PricedUsage price(const std::string& canonical, int64_t skew = 86400, Timestamp clock = kNow) {
    static PriceCatalog catalog;
    std::vector<UsageRecord> recs = parse_usage_text(canonical, UsageFormat::canonical);
    EXPECT_EQ(recs.size(), 1u);
    auto no_search = [](const std::string&, const std::string&) { return false; };
    return price_and_attribute(std::move(recs.at(0)), kNow, catalog, owners(), no_search, IngestLimits{clock, skew});
}

// A canonical row with one member (at top level or in attrs) set to `value`.
std::string row_with(const std::string& where, const std::string& key, const std::string& value) {
    json r = {{"provider", "openai"}, {"model", "gpt-4o"}, {"occurred_at", "2026-12-01T00:00:00Z"},
              {"tokens", {{"input", 1}}}, {"attrs", json::object()}};
    if (where == "attrs") r["attrs"][key] = value;
    else r[key] = value;
    return r.dump();
}

}  // namespace

TEST(UsageLimits, OneTableOfLimits) {
    EXPECT_EQ(field_limit("project"), 256u);
    EXPECT_EQ(field_limit("activity_type"), 256u);
    EXPECT_EQ(field_limit("model"), 256u);
    EXPECT_EQ(field_limit("request_id"), 512u);
    EXPECT_EQ(field_limit("activity_id"), 512u);
    EXPECT_EQ(field_limit("no such field"), 0u);
    // Together the rollup key's texts stay far below btree's ~2700-byte index row limit.
    EXPECT_LT(field_limit("project") + field_limit("activity_type") + field_limit("provider") + field_limit("model") +
                  field_limit("service_tier"),
              2000u);
    EXPECT_LT(field_limit("provider") + field_limit("request_id"), 2000u);
}

TEST(UsageLimits, LongTextsAreRefusedNamingFieldLengthAndLimit) {
    struct Case {
        const char* where;
        const char* key;
        size_t length;
        const char* field;  // as the message names it
    };
    const Case cases[] = {
        {"attrs", "project", 3000, "project"},           {"attrs", "activity_type", 3000, "activity_type"},
        {"attrs", "activity_id", 513, "activity_id"},    {"attrs", "user", 257, "principal"},
        {"attrs", "principal", 257, "principal"},        {"attrs", "org_unit", 257, "org_unit"},
        {"attrs", "department", 1000, "department"},     {"top", "model", 257, "model"},
        {"top", "request_id", 513, "request_id"},
        {"top", "service_tier", 300, "service_tier"},
    };
    for (const Case& c : cases) {
        std::string value(c.length, 'x');
        EXPECT_EQ(failure_of([&] { price(row_with(c.where, c.key, value)); }),
                  std::string("22001: ") + c.field + " is " + std::to_string(c.length) +
                      " bytes long, longer than the limit of " + std::to_string(field_limit(c.field)) + " bytes")
            << c.key;
    }
    // A provider name is a word of at most 63 characters (normalize_provider, 22023 while
    // parsing) before its length limit could apply; the table bounds it all the same.
    EXPECT_EQ(sqlstate_of([] { price(row_with("top", "provider", std::string(300, 'x'))); }), "22023");
    EXPECT_EQ(sqlstate_of([] { check_field_length("provider", std::string(257, 'x')); }), "22001");
    // At the limit is fine.
    EXPECT_EQ(sqlstate_of([] { price(row_with("attrs", "project", std::string(256, 'x'))); }), "no error");
    EXPECT_EQ(sqlstate_of([] { price(row_with("top", "request_id", std::string(512, 'x'))); }), "no error");
    EXPECT_EQ(price(row_with("attrs", "activity_id", std::string(512, '7'))).activity_id.size(), 512u);
    // Bytes, not characters: 129 two-byte characters are 258 bytes.
    std::string e_acute;
    for (int i = 0; i < 129; ++i) e_acute += "\xc3\xa9";
    EXPECT_EQ(sqlstate_of([&] { price(row_with("attrs", "project", e_acute)); }), "22001");
    // What becomes a column is checked whatever it came from: a rule's project too.
    EXPECT_EQ(failure_of([] { price(row_with("attrs", "app", "bot")); }),
              "22001: project is 300 bytes long, longer than the limit of 256 bytes");
}

TEST(UsageLimits, LongTextErrorHasAHintAndAValidUtf8Detail) {
    std::string value;
    for (int i = 0; i < 200; ++i) value += "\xc3\xa9";  // 400 bytes; the detail quotes 40 at most
    try {
        check_field_length("project", value);
        FAIL() << "no error";
    } catch (const Error& e) {
        EXPECT_STREQ(e.sqlstate(), "22001");
        EXPECT_NE(e.hint().find("shorter"), std::string::npos);
        EXPECT_EQ(e.detail(), "It begins \"" + value.substr(0, 40) + "\".");  // 40 bytes = 20 characters
    }
    std::string odd = "a" + value;  // the 40th byte is the first half of a character
    try {
        check_field_length("project", odd);
        FAIL() << "no error";
    } catch (const Error& e) {
        EXPECT_EQ(e.detail(), "It begins \"" + odd.substr(0, 39) + "\".");
    }
}

TEST(UsageLimits, PayloadSize) {
    EXPECT_EQ(sqlstate_of([] { check_payload_size("usage payload", 1048576, 1048576); }), "no error");
    EXPECT_EQ(failure_of([] { check_payload_size("usage payload", 10485800, 1048576); }),
              "54000: usage payload of 10485800 bytes exceeds the limit of 1048576 bytes");
    try {
        check_payload_size("attrs", 2000, 1024);
        FAIL() << "no error";
    } catch (const Error& e) {
        EXPECT_NE(e.hint().find("chargeback.max_payload_bytes"), std::string::npos);
    }
}

TEST(UsageLimits, FutureSkew) {
    const Timestamp day = 86400LL * 1000000;
    // Exactly a day ahead is accepted, a microsecond more is not.
    EXPECT_EQ(sqlstate_of([&] { check_future_skew(kNow + day, kNow, 86400); }), "no error");
    EXPECT_EQ(failure_of([&] { check_future_skew(kNow + day + 1, kNow, 86400); }),
              "22008: occurred_at 2026-12-03T12:00:00.000001Z is more than 86400 s (1 d) ahead of the current time "
              "2026-12-02T12:00:00Z");
    EXPECT_EQ(sqlstate_of([&] { check_future_skew(kNow + 1, kNow, 0); }), "22008");
    EXPECT_EQ(sqlstate_of([&] { check_future_skew(kNow - 365 * day, kNow, 0); }), "no error");
    try {
        check_future_skew(kNow + 2 * day, kNow, 3600);
        FAIL() << "no error";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("3600 s (1 h)"), std::string::npos) << e.what();
        EXPECT_NE(e.hint().find("chargeback.max_future_skew"), std::string::npos);
    }
    // Through the pipeline: ten years ahead (one batch made 120 future partitions) is refused.
    EXPECT_EQ(failure_of([] {
                  json r = json::parse(row_with("attrs", "x", "y"));
                  r["occurred_at"] = "2036-12-01T00:00:00Z";
                  price(r.dump());
              }),
              "22008: occurred_at 2036-12-01T00:00:00Z is more than 86400 s (1 d) ahead of the current time "
              "2026-12-02T12:00:00Z");
    // Usage with no time takes the transaction's start: never ahead.
    json r = json::parse(row_with("attrs", "x", "y"));
    r.erase("occurred_at");
    EXPECT_EQ(*price(r.dump(), 0).rec.occurred_at, kNow);
}

// Report rows are priced by their context-window bucket, not their total prompt (issue 15).
TEST(PricedPromptTokens, ContextWindowBucket) {
    using cb::core::parse_token_usage;
    using cb::core::priced_prompt_tokens;
    auto attrs = [](const char* w) { return nlohmann::json{{"context_window", w}}; };
    const auto big = parse_token_usage("input=300000 cache_read=900000 output=5");
    EXPECT_EQ(priced_prompt_tokens(big, nlohmann::json::object()), 1200000);
    EXPECT_EQ(priced_prompt_tokens(big, attrs("0-200k")), 200000);
    EXPECT_EQ(priced_prompt_tokens(big, attrs("200k-1M")), 1000000);
    EXPECT_EQ(priced_prompt_tokens(parse_token_usage("input=10"), attrs("200k-1M")), 200001);
    EXPECT_EQ(priced_prompt_tokens(parse_token_usage("input=10"), attrs("0-200k")), 10);
    // Anything else leaves the record's own prompt.
    for (const char* w : {"", "200k", "1M-200k", "a-b", "0-200x", "0-9999999999k"})
        EXPECT_EQ(priced_prompt_tokens(big, attrs(w)), 1200000) << w;
    EXPECT_EQ(priced_prompt_tokens(big, nlohmann::json{{"context_window", 5}}), 1200000);
}
