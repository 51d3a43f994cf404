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

// Bounds on one run's input, so that no document keeps a backend computing for minutes (the
// engine is exact: every pool is a rational whose size grows with the rules before it, and a
// step's rules form an exact linear system). Measured with the unit tests' benchmarks
// (AllocationLimits.DISABLED_*, release build): 50 rules in one step take about 1 s, 60 about
// 2; fixed-weight rules one step after the other take 0.25 s for 60, 14 s for 200, 290 s for
// 500; 100 proportional rules over 5000 units take 21 s. Beyond these limits, Error 54000
// naming the count and the limit. Statement timeouts still apply within them (the engine
// calls cb::core::check_interrupts()).
inline constexpr size_t kMaxAllocationUnits = 1000;         // org units
inline constexpr size_t kMaxAllocationRules = 100;          // valid allocation rules of the period
inline constexpr size_t kMaxAllocationRulesPerStep = 50;    // solved together (reciprocal)
inline constexpr size_t kMaxAllocationRuleTargets = 1000;   // targets or weights of one rule
// Targets weighed by all the rules of a run together (a rule without targets weighs every
// unit with direct cost): the run's cost grows with this times the number of steps.
inline constexpr size_t kMaxAllocationTargetsPerRun = 20000;

// input: the document chargeback.allocation_input() builds (numbers as exact text or
// integers, as read_json() keeps them). Throws Error 22023 for rules that cannot be applied,
// 54000 for an input beyond the limits above.
std::vector<AllocationLine> compute_allocation(const nlohmann::json& input);

}  // namespace cb::core
