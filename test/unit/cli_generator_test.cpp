// The demo's usage generator (src/cli/generator.hpp): deterministic, in time order, inside
// its window, and every good line is a payload the core's parsers read as the provider it
// claims to be; every bad line is refused.
#include "cli/generator.hpp"

#include "core/error.hpp"
#include "core/usage_record.hpp"

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>
#include <vector>

using cb::cli::GeneratorConfig;
using cb::cli::UsageGenerator;

namespace {

GeneratorConfig config(uint64_t requests, uint64_t bad = 0) {
    GeneratorConfig c;
    c.seed = 2026;
    c.start = 1793491200;  // 2026-11-01T00:00:00Z
    c.end = c.start + 30 * 86400;
    c.requests = requests;
    c.bad_lines = bad;
    c.id_prefix = "t2611";
    for (const char* d : {"sales", "marketing", "engineering", "customer-success", "finance", "executives", "platform"})
        for (int i = 0; i < 5; ++i) c.users.push_back({std::string(d) + std::to_string(i) + "@acme.test", d});
    return c;
}

std::vector<std::string> lines(GeneratorConfig c) {
    UsageGenerator g(std::move(c));
    std::vector<std::string> out;
    std::string line;
    while (g.next(line)) out.push_back(line);
    return out;
}

}  // namespace

TEST(CliGenerator, IsoTimes) {
    EXPECT_EQ(cb::cli::iso_utc(0), "1970-01-01T00:00:00Z");
    EXPECT_EQ(cb::cli::iso_utc(1793491200), "2026-11-01T00:00:00Z");
    EXPECT_EQ(cb::cli::iso_utc(951782400 + 86399), "2000-02-29T23:59:59Z");
    EXPECT_EQ(cb::cli::iso_utc(-1), "1969-12-31T23:59:59Z");
}

TEST(CliGenerator, SameConfigSameLines) {
    auto a = lines(config(3000, 5)), b = lines(config(3000, 5));
    ASSERT_EQ(a.size(), 3005u);
    EXPECT_EQ(a, b);
    GeneratorConfig other = config(3000, 5);
    other.seed = 7;
    EXPECT_NE(lines(other), a);
}

TEST(CliGenerator, RequestsDoNotDependOnTheWindow) {
    // A month generated on the 10th and on the 30th: the same requests, only their times move.
    GeneratorConfig early = config(500), late = config(500);
    early.end = early.start + 10 * 86400;
    auto a = lines(early), b = lines(late);
    ASSERT_EQ(a.size(), b.size());
    size_t same_tokens = 0;
    for (size_t i = 0; i < a.size(); ++i) {
        auto usage_of = [](const std::string& l) { return l.substr(l.find("usage")); };
        same_tokens += usage_of(a[i]) == usage_of(b[i]);
    }
    EXPECT_EQ(same_tokens, a.size());
}

TEST(CliGenerator, EveryGoodLineParsesInTimeOrderInsideTheWindow) {
    const GeneratorConfig c = config(4000);
    std::map<std::string, size_t> providers, formats;
    std::set<std::string> ids;
    int64_t last = 0;
    size_t with_cache = 0, with_reasoning = 0;
    for (const std::string& line : lines(c)) {
        std::vector<cb::core::UsageRecord> records;
        try {
            records = cb::core::parse_usage_text(line, cb::core::UsageFormat::auto_detect);
        } catch (const cb::core::Error& e) {
            FAIL() << e.what() << "\n" << line;
        }
        ASSERT_EQ(records.size(), 1u) << line;
        const cb::core::UsageRecord& r = records[0];
        ++providers[r.provider];
        ++formats[r.format];
        EXPECT_FALSE(r.model.empty()) << line;
        EXPECT_TRUE(ids.insert(r.provider + "/" + r.request_id).second) << "repeated id " << r.request_id;
        ASSERT_TRUE(r.occurred_at.has_value()) << line;
        const int64_t at = *r.occurred_at / 1000000 + 946684800;  // PostgreSQL epoch -> Unix
        EXPECT_GE(at, c.start);
        EXPECT_LT(at, c.end);
        EXPECT_GE(at, last) << "out of time order";
        last = at;
        with_cache += r.tokens.get(cb::core::TokenClass::cache_read) > 0;
        with_reasoning += r.tokens.get(cb::core::TokenClass::reasoning) > 0;
    }
    EXPECT_EQ(ids.size(), 4000u);
    for (const char* p : {"openai", "anthropic", "google", "bedrock"}) EXPECT_GT(providers[p], 200u) << p;
    for (const char* f : {"openai_chat", "anthropic_messages", "gemini", "bedrock_converse"}) EXPECT_GT(formats[f], 200u) << f;
    EXPECT_GT(with_cache, 1000u);
    EXPECT_GT(with_reasoning, 200u);
}

TEST(CliGenerator, BadLinesAreSpreadAndRefused) {
    auto all = lines(config(700, 7));
    size_t refused = 0, first_bad = all.size();
    for (size_t i = 0; i < all.size(); ++i) {
        bool ok = true;
        try {
            // A record without a model parses but is refused when it is priced.
            for (const auto& r : cb::core::parse_usage_text(all[i], cb::core::UsageFormat::auto_detect))
                ok = ok && !r.model.empty();
        } catch (const cb::core::Error&) {
            ok = false;
        }
        if (!ok) {
            ++refused;
            first_bad = std::min(first_bad, i);
        }
    }
    EXPECT_EQ(refused, 7u);
    EXPECT_EQ(first_bad, 87u);  // after good line 700 / 8: spread through the file, not bunched at the end
}
