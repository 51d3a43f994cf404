// Budget matching (src/core/budget_match.hpp): each scope, validity windows at their edges,
// NULL attributes, and model budgets by reported and resolved name.
#include "core/budget_match.hpp"

#include "core/error.hpp"

#include "errors.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

using cb::core::BudgetDef;
using cb::core::BudgetMatcher;
using cb::core::BudgetRow;
using cb::core::BudgetScope;
using cb_test::sqlstate_of;

namespace {

constexpr int64_t kHour = 3600LL * 1000000LL;

BudgetDef def(int64_t id, BudgetScope scope, std::string value = "", int64_t from = INT64_MIN, int64_t to = INT64_MAX) {
    BudgetDef d;
    d.budget_id = id;
    d.scope = scope;
    d.scope_value = std::move(value);
    d.valid_from = from;
    d.valid_to = to;
    return d;
}

std::vector<int64_t> match(const BudgetMatcher& m, const BudgetRow& r) {
    std::vector<int64_t> out = {999};  // replaced, not appended to
    m.match(r, out);
    return out;
}

BudgetRow row(int64_t at, int32_t unit, const char* project, const char* principal, const char* provider,
              const char* model) {
    BudgetRow r;
    r.occurred_at = at;
    r.org_unit_id = unit;
    if (project) r.project = project;
    if (principal) r.principal = principal;
    if (provider) r.provider = provider;
    if (model) r.model = model;
    r.currency = "USD";
    return r;
}

}  // namespace

TEST(BudgetMatch, EveryScope) {
    std::vector<BudgetDef> defs = {def(1, BudgetScope::global),
                                   def(2, BudgetScope::org_unit, "parent"),
                                   def(3, BudgetScope::project, "launch"),
                                   def(4, BudgetScope::principal, "ana@x"),
                                   def(5, BudgetScope::provider, "openai"),
                                   def(6, BudgetScope::model, "gpt-4o"),
                                   def(7, BudgetScope::org_unit, "child")};
    // The parent budget covers units 10 (itself) and 11 (its child); the child budget 11.
    BudgetMatcher m(defs, {{2, 10}, {2, 11}, {7, 11}});
    EXPECT_EQ(match(m, row(0, 11, "launch", "ana@x", "openai", "gpt-4o")), (std::vector<int64_t>{1, 2, 3, 4, 5, 6, 7}));
    EXPECT_EQ(match(m, row(0, 10, "other", "bo@x", "anthropic", "claude")), (std::vector<int64_t>{1, 2}));
    EXPECT_EQ(match(m, row(0, 12, nullptr, nullptr, "openai", nullptr)), (std::vector<int64_t>{1, 5}));
    // Matching is exact: no case folding, no prefixes.
    EXPECT_EQ(match(m, row(0, 12, "Launch", "ANA@x", "OpenAI", "gpt-4o-mini")), (std::vector<int64_t>{1}));
}

TEST(BudgetMatch, ValidityIsHalfOpen) {
    BudgetMatcher m({def(1, BudgetScope::global, "", 10 * kHour, 20 * kHour), def(2, BudgetScope::global)}, {});
    EXPECT_EQ(match(m, row(10 * kHour - 1, 0, nullptr, nullptr, "p", "m")), (std::vector<int64_t>{2}));
    EXPECT_EQ(match(m, row(10 * kHour, 0, nullptr, nullptr, "p", "m")), (std::vector<int64_t>{1, 2}));
    EXPECT_EQ(match(m, row(20 * kHour - 1, 0, nullptr, nullptr, "p", "m")), (std::vector<int64_t>{1, 2}));
    EXPECT_EQ(match(m, row(20 * kHour, 0, nullptr, nullptr, "p", "m")), (std::vector<int64_t>{2}));
}

TEST(BudgetMatch, AnOpenEndCoversEvenInfinity) {
    BudgetMatcher m({def(1, BudgetScope::global), def(2, BudgetScope::global, "", INT64_MIN, 20 * kHour)}, {});
    EXPECT_EQ(match(m, row(INT64_MAX, 0, nullptr, nullptr, "p", "m")), (std::vector<int64_t>{1}));
    EXPECT_EQ(match(m, row(INT64_MIN, 0, nullptr, nullptr, "p", "m")), (std::vector<int64_t>{1, 2}));
}

TEST(BudgetMatch, ModelByReportedOrResolvedName) {
    BudgetMatcher m({def(1, BudgetScope::model, "gpt-4o"), def(2, BudgetScope::model, "gpt-4o-2024-08-06")}, {});
    std::string resolved = "gpt-4o";
    BudgetRow dated = row(0, 0, nullptr, nullptr, "openai", "gpt-4o-2024-08-06");
    EXPECT_EQ(match(m, dated), (std::vector<int64_t>{2}));
    dated.resolved_model = std::string_view(resolved);
    EXPECT_EQ(match(m, dated), (std::vector<int64_t>{1, 2}));
    // A name that resolves to itself is not counted twice.
    BudgetRow plain = row(0, 0, nullptr, nullptr, "openai", "gpt-4o");
    plain.resolved_model = std::string_view(resolved);
    EXPECT_EQ(match(m, plain), (std::vector<int64_t>{1}));
}

TEST(BudgetMatch, EmptyAndUnknownScope) {
    BudgetMatcher none({}, {});
    EXPECT_TRUE(none.empty());
    EXPECT_TRUE(match(none, row(0, 1, "p", "u", "openai", "m")).empty());
    EXPECT_EQ(sqlstate_of([] { cb::core::budget_scope_from_name("galaxy"); }), "22023");
    EXPECT_EQ(cb::core::budget_scope_from_name("org_unit"), BudgetScope::org_unit);
}

TEST(BudgetMatch, OnlyUsageInTheBudgetsCurrency) {
    BudgetDef usd = def(1, BudgetScope::provider, "openai");
    BudgetDef eur = def(2, BudgetScope::provider, "openai");
    eur.currency = "EUR";
    BudgetMatcher m({usd, eur}, {});
    BudgetRow r = row(0, 0, nullptr, nullptr, "openai", "gpt-4o");
    EXPECT_EQ(match(m, r), (std::vector<int64_t>{1}));
    r.currency = "EUR";
    EXPECT_EQ(match(m, r), (std::vector<int64_t>{2}));
    r.currency = "JPY";  // a JPY cost is no budget's USD or EUR spend
    EXPECT_TRUE(match(m, r).empty());
    r.currency.reset();  // unpriced
    EXPECT_TRUE(match(m, r).empty());
}

// The usage trigger's index (BudgetMatcher::match) and the rule SQL calls (budget_covers)
// must agree: random budgets of every scope, random rows (NULLs, edges of the windows), and
// the matcher's answer equals the budgets the rule covers, in the row's currency, ascending.
TEST(BudgetMatch, IndexAgreesWithTheRule) {
    uint64_t seed = 42;
    auto next = [&](uint64_t n) {
        seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
        return (seed >> 33) % n;
    };
    const char* values[] = {"a", "b", "c"};
    const char* currencies[] = {"USD", "EUR"};
    for (int round = 0; round < 200; ++round) {
        std::vector<BudgetDef> defs;
        std::vector<std::pair<int64_t, int32_t>> units;
        const int n = 1 + static_cast<int>(next(12));
        for (int i = 0; i < n; ++i) {
            auto scope = static_cast<BudgetScope>(next(6));
            int64_t from = next(3) == 0 ? INT64_MIN : static_cast<int64_t>(next(5)) * kHour;
            int64_t to = next(3) == 0 ? INT64_MAX : from == INT64_MIN ? 3 * kHour : from + static_cast<int64_t>(1 + next(4)) * kHour;
            BudgetDef d = def(i + 1, scope, scope == BudgetScope::global ? "" : values[next(3)], from, to);
            d.currency = currencies[next(2)];
            if (scope == BudgetScope::org_unit)
                for (int32_t u = 1; u <= 3; ++u)
                    if (next(2)) units.emplace_back(d.budget_id, u);
            defs.push_back(d);
        }
        const std::vector<BudgetDef> copy = defs;
        BudgetMatcher m(std::move(defs), units);
        for (int k = 0; k < 50; ++k) {
            auto opt = [&]() -> std::optional<std::string_view> {
                size_t v = next(4);
                if (v == 3) return std::nullopt;
                return std::string_view(values[v]);
            };
            BudgetRow r;
            r.occurred_at = static_cast<int64_t>(next(8)) * kHour - kHour;
            r.org_unit_id = static_cast<int32_t>(next(4));
            r.project = opt();
            r.principal = opt();
            r.provider = opt();
            r.model = opt();
            r.resolved_model = opt();
            r.currency = std::string_view(currencies[next(2)]);
            std::vector<int64_t> want;
            for (const BudgetDef& d : copy) {
                bool unit_covered = false;
                for (const auto& [id, u] : units) unit_covered |= id == d.budget_id && u == r.org_unit_id;
                if (d.currency == *r.currency && cb::core::budget_covers(d, unit_covered, r)) want.push_back(d.budget_id);
            }
            ASSERT_EQ(match(m, r), want) << "round " << round << " row " << k;
        }
    }
}
