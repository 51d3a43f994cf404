#include "budget_match.hpp"

#include "error.hpp"

#include <algorithm>

namespace cb::core {

BudgetScope budget_scope_from_name(std::string_view name) {
    if (name == "global") return BudgetScope::global;
    if (name == "org_unit") return BudgetScope::org_unit;
    if (name == "project") return BudgetScope::project;
    if (name == "principal") return BudgetScope::principal;
    if (name == "provider") return BudgetScope::provider;
    if (name == "model") return BudgetScope::model;
    throw Error(sqlstate::invalid_parameter_value, "unknown budget scope \"" + std::string(name) + "\"");
}

bool budget_covers(const BudgetDef& b, bool unit_covered, const BudgetRow& row) {
    const Timestamp at = row.occurred_at;
    // INT64_MAX is no end (SQL's NULL valid_to), which even a time of +infinity is before.
    if (!(b.valid_from <= at && (at < b.valid_to || b.valid_to == INT64_MAX))) return false;
    auto is = [&](const std::optional<std::string_view>& v) { return v && *v == b.scope_value; };
    switch (b.scope) {
        case BudgetScope::global: return true;
        case BudgetScope::org_unit: return unit_covered;
        case BudgetScope::project: return is(row.project);
        case BudgetScope::principal: return is(row.principal);
        case BudgetScope::provider: return is(row.provider);
        case BudgetScope::model: return is(row.model) || is(row.resolved_model);
    }
    return false;
}

BudgetMatcher::BudgetMatcher(std::vector<BudgetDef> budgets, const std::vector<std::pair<int64_t, int32_t>>& units)
    : budgets_(std::move(budgets)) {
    std::unordered_map<int64_t, size_t> org_budgets;
    for (size_t i = 0; i < budgets_.size(); ++i) {
        const BudgetDef& b = budgets_[i];
        switch (b.scope) {
            case BudgetScope::global: global_.push_back(i); break;
            case BudgetScope::org_unit: org_budgets.emplace(b.budget_id, i); break;
            case BudgetScope::project: by_project_[b.scope_value].push_back(i); break;
            case BudgetScope::principal: by_principal_[b.scope_value].push_back(i); break;
            case BudgetScope::provider: by_provider_[b.scope_value].push_back(i); break;
            case BudgetScope::model: by_model_[b.scope_value].push_back(i); break;
        }
    }
    for (const auto& [budget_id, unit] : units) {
        auto it = org_budgets.find(budget_id);
        if (it != org_budgets.end()) by_unit_[unit].push_back(it->second);
    }
}

void BudgetMatcher::add_valid(const std::vector<size_t>& candidates, const BudgetRow& row, std::vector<int64_t>& out) const {
    const Timestamp at = row.occurred_at;
    for (size_t i : candidates) {
        const BudgetDef& b = budgets_[i];
        // The index found the scope; the validity window is budget_covers' own.
        if (b.valid_from <= at && (at < b.valid_to || b.valid_to == INT64_MAX) && row.currency == b.currency)
            out.push_back(b.budget_id);
    }
}

void BudgetMatcher::match(const BudgetRow& row, std::vector<int64_t>& out) const {
    out.clear();
    add_valid(global_, row, out);
    if (auto it = by_unit_.find(row.org_unit_id); it != by_unit_.end()) add_valid(it->second, row, out);
    auto lookup = [&](const Index& index, std::optional<std::string_view> key) {
        if (index.empty() || !key) return;
        if (auto it = index.find(*key); it != index.end()) add_valid(it->second, row, out);
    };
    lookup(by_project_, row.project);
    lookup(by_principal_, row.principal);
    lookup(by_provider_, row.provider);
    lookup(by_model_, row.model);
    // One budget has one scope value, so the second lookup never finds the first's budgets.
    if (row.resolved_model != row.model) lookup(by_model_, row.resolved_model);
    std::sort(out.begin(), out.end());
}

}  // namespace cb::core
