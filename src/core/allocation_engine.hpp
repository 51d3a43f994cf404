// The allocation engine: a month of usage cost, fixed charges and invoices in, the lines of a
// chargeback run out. Every amount is an exact rational until the very end, where each
// currency's lines are rounded once, by largest remainder, to its minor unit so that they sum
// exactly to the run total (the invoices where recorded, else metered cost plus fixed charges):
// each org unit's total first, then its lines to that total, so that a unit whose lines cancel
// exactly (a source allocated out; every unit but the center in the central model) shows 0.
//
// Order of work per currency:
//   1. direct lines: metered cost per owner and project (department, central) or activity
//      (activity), and adjustment lines for late usage of a closed month;
//   2. fixed charges, allocated by a rule whose source is fixed or fixed:<provider>, else in
//      proportion to each owner's metered cost of that provider;
//   3. true-up per invoiced provider: invoice minus metered minus fixed, in proportion to each
//      owner's cost of that provider;
//   4. allocation rules in step order (step-down); the rules of one step are solved together
//      (reciprocal method), exactly;
//   5. the central model then moves every owner's balance to the central AI cost center.
#pragma once
#include "pure.hpp"

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace cb::core {

struct AllocationLine {
    int org_unit_id = 0;
    std::string project;   // empty: none
    std::string activity;  // empty: none
    std::string component;  // direct, shared, fixed, true_up, adjustment
    std::string source;
    std::string amount;  // exact decimal text with the currency's minor digits
    std::string currency;
    std::string basis;  // JSON object text
};

// input: the document chargeback.allocation_input() builds (numbers as exact text or
// integers, as read_json() keeps them). Throws Error 22023 for rules that cannot be applied.
std::vector<AllocationLine> compute_allocation(const nlohmann::json& input);

}  // namespace cb::core
