// Which budgets a usage row counts against: the matching rule of chargeback.budget, kept
// here so the budget trigger can match a whole statement's rows in one pass instead of
// joining every row to the budget table once per scope.
#pragma once
#include "pure.hpp"

#include "timestamp.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace cb::core {

enum class BudgetScope { global, org_unit, project, principal, provider, model };

// A scope as chargeback.budget.scope spells it; Error 22023 for any other name.
BudgetScope budget_scope_from_name(std::string_view name);

struct BudgetDef {
    int64_t budget_id = 0;
    BudgetScope scope = BudgetScope::global;
    std::string scope_value;  // empty for global
    Timestamp valid_from = INT64_MIN;  // -infinity
    Timestamp valid_to = INT64_MAX;    // NULL (open) or +infinity
    // The budget counts only usage priced in its currency: a JPY cost is not USD spend.
    std::string currency = "USD";
};

// One usage row as the matcher sees it (views into the caller's strings).
struct BudgetRow {
    Timestamp occurred_at = 0;
    int32_t org_unit_id = 0;
    // nullopt for SQL NULL, which matches no budget.
    std::optional<std::string_view> project, principal, provider, model;
    // The catalog model `model` resolves to (chargeback.resolve_model), nullopt when none.
    std::optional<std::string_view> resolved_model;
    // The currency of the row's cost; nullopt (unpriced) matches no budget.
    std::optional<std::string_view> currency;
};

// The rule, for one budget: b covers row when row.occurred_at is in [valid_from, valid_to) and
// its scope matches: global always; org_unit when unit_covered (row's unit is b's unit or a
// descendant); project, principal and provider by equal value; model when the reported name
// or the catalog name it resolves to equals b's value. A NULL row field matches nothing.
// Currency is the caller's to check. SQL calls it (chargeback.budget_covers, for
// applicable_budgets and the backfill of a new budget); BudgetMatcher::match is its indexed
// form for the usage trigger (test/unit/budget_match_test.cpp checks that they agree).
bool budget_covers(const BudgetDef& b, bool unit_covered, const BudgetRow& row);

class BudgetMatcher {
public:
    // units: (budget_id, org_unit_id) for every org_unit budget and every unit it covers
    // (the unit and its descendants, as chargeback.budget_unit holds them).
    BudgetMatcher(std::vector<BudgetDef> budgets, const std::vector<std::pair<int64_t, int32_t>>& units);
    // The indexes view the budgets' own strings.
    BudgetMatcher(const BudgetMatcher&) = delete;
    BudgetMatcher& operator=(const BudgetMatcher&) = delete;

    bool empty() const { return budgets_.empty(); }
    bool has_model_budgets() const { return !by_model_.empty(); }

    // Replaces out with the ids of the budgets covering row, ascending (a model budget
    // matches the reported name or the catalog name it resolves to); only budgets kept in the
    // row's currency.
    void match(const BudgetRow& row, std::vector<int64_t>& out) const;

private:
    using Index = std::unordered_map<std::string_view, std::vector<size_t>>;
    void add_valid(const std::vector<size_t>& candidates, const BudgetRow& row, std::vector<int64_t>& out) const;

    std::vector<BudgetDef> budgets_;
    std::vector<size_t> global_;
    std::unordered_map<int32_t, std::vector<size_t>> by_unit_;
    Index by_project_, by_principal_, by_provider_, by_model_;
};

}  // namespace cb::core
