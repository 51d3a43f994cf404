// Where a pool's cost finally lands. An allocation run shares each pool (a unit whose shared
// cost goes out) to its targets; a target may itself be a pool of a later step, or of the same
// step (the reciprocal method), which passes what it received on. FOCUS split allocation
// (chargeback.focus) needs the last hop: the share of each pool's cost that ends at each unit
// that keeps it. With M the pool-to-pool ratios and D the pool-to-unit ratios of the run,
// the final shares are F = (I - M)^-1 D, solved exactly (src/core/linear_solve).
#pragma once
#include "pure.hpp"

#include "rational.hpp"

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace cb::core {

struct FlowEdge {
    std::string pool;    // the unit that shares its cost out
    std::string target;  // a unit that receives part of it
    Rational amount;     // what the run moved from pool to target (> 0)
};

struct FinalFlow {
    std::string pool;
    std::string unit;  // a unit that keeps what it received (a target that is not a pool)
    Rational share;    // of the pool's outflow ending at unit; a pool's shares sum to 1
    Rational moved;    // the pool's outflow times share
};

// Edges of one run and currency, in any order (repeated pool/target pairs are summed). A
// target that is itself a pool passes its share on; an edge from a pool to itself is kept
// by it. Result ordered by pool, then unit. Error 22023 for an amount <= 0 or pools that
// send everything to each other (no unit ever keeps the cost).
std::vector<FinalFlow> final_flows(const std::vector<FlowEdge>& edges);

// The edges from SQL: a JSON array of [pool, target, amount] (amount a number or decimal
// text, as read_json keeps it). Error 22023 for any other shape.
std::vector<FlowEdge> flow_edges(const nlohmann::json& doc);

}  // namespace cb::core
