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
