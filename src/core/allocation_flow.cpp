#include "allocation_flow.hpp"

#include "allocation_engine.hpp"
#include "error.hpp"
#include "interrupt.hpp"
#include "linear_solve.hpp"

#include <map>
#include <string_view>

namespace cb::core {

std::vector<FlowEdge> flow_edges(const nlohmann::json& doc) {
    auto bad = [](const std::string& what) -> FlowEdge {
        throw Error(sqlstate::invalid_parameter_value, "allocation flow edge is not [pool, target, amount]",
                    "Edge: " + what + ".", "pass jsonb_build_array(pool, target, amount) per edge");
    };
    std::vector<FlowEdge> edges;
    if (!doc.is_array()) bad(doc.dump());
    if (doc.size() > kMaxAllocationTargetsPerRun)
        throw Error(sqlstate::program_limit_exceeded,
                    "an allocation run has " + std::to_string(doc.size()) + " flows, more than " +
                        std::to_string(kMaxAllocationTargetsPerRun),
                    {}, "a run's positive shared lines are at most this many");
    for (const nlohmann::json& e : doc) {
        if (!e.is_array() || e.size() != 3 || !e[0].is_string() || !e[1].is_string() ||
            !(e[2].is_number_integer() || e[2].is_string())) {
            edges.push_back(bad(e.dump()));
            continue;
        }
        Rational amount = Rational::parse(e[2].is_string() ? e[2].get_ref<const std::string&>() : e[2].dump());
        edges.push_back({e[0].get<std::string>(), e[1].get<std::string>(), amount});
    }
    return edges;
}

std::vector<FinalFlow> final_flows(const std::vector<FlowEdge>& edges) {
    // Pools and their outflow; edges summed per (pool, target).
    std::map<std::string, size_t> pool_index;
    std::map<std::pair<std::string, std::string>, Rational> moved;
    for (const FlowEdge& e : edges) {
        if (e.amount.sign() <= 0)
            throw Error(sqlstate::invalid_parameter_value,
                        "allocation flow from " + e.pool + " to " + e.target + " is not positive",
                        "Amount: " + e.amount.to_exact_decimal(12, nullptr) + ".",
                        "pass the positive shared lines of a run");
        pool_index.emplace(e.pool, 0);
        moved[{e.pool, e.target}] += e.amount;
    }
    std::vector<std::string> pools;
    for (auto& [name, index] : pool_index) {
        index = pools.size();
        pools.push_back(name);
    }
    size_t n = pools.size();
    if (n > kMaxAllocationRules)  // a pool is the source of a rule: the engine's own limit
        throw Error(sqlstate::program_limit_exceeded,
                    "an allocation run has " + std::to_string(n) + " pools, more than " +
                        std::to_string(kMaxAllocationRules),
                    {}, "a pool is the source of an allocation rule; a run has at most this many");
    std::vector<Rational> out(n);
    for (const auto& [key, amount] : moved) out[pool_index[key.first]] += amount;

    // Units that keep what they receive (targets that are not pools, or a pool's own edge
    // to itself) get a column each; a = I - M, d = D (a row per pool).
    std::map<std::string, size_t> unit_index;
    for (const auto& [key, amount] : moved) {
        auto q = pool_index.find(key.second);
        if (q == pool_index.end() || key.first == key.second) unit_index.emplace(key.second, 0);
    }
    std::vector<std::string> units;
    for (auto& [name, index] : unit_index) {
        index = units.size();
        units.push_back(name);
    }
    std::vector<std::vector<Rational>> a(n, std::vector<Rational>(n));
    std::vector<std::vector<Rational>> d(n, std::vector<Rational>(units.size()));
    bool chained = false;
    for (size_t i = 0; i < n; ++i) a[i][i] = Rational(int64_t{1});
    for (const auto& [key, amount] : moved) {
        size_t p = pool_index[key.first];
        Rational ratio = amount / out[p];
        auto q = pool_index.find(key.second);
        if (q != pool_index.end() && q->second != p) {
            a[p][q->second] -= ratio;
            chained = true;
        } else {
            d[p][unit_index[key.second]] = ratio;
        }
    }
    // F = (I - M)^-1 D in one exact elimination; one hop (no pool sends to another) is F = D.
    std::vector<std::vector<Rational>> f;
    if (!chained) {
        f = std::move(d);
    } else {
        try {
            f = solve_exact_rows(std::move(a), std::move(d));
        } catch (const Error& e) {
            if (std::string_view(e.sqlstate()) != sqlstate::invalid_parameter_value) throw;
            throw Error(sqlstate::invalid_parameter_value,
                        "the pools of an allocation run send all their cost to each other", {},
                        "no unit keeps that cost: check the run's shared lines");
        }
    }
    std::vector<FinalFlow> result;
    for (size_t p = 0; p < n; ++p) {
        for (size_t u = 0; u < units.size(); ++u) {
            if (f[p][u].is_zero()) continue;
            result.push_back({pools[p], units[u], f[p][u], out[p] * f[p][u]});
        }
    }
    return result;
}

}  // namespace cb::core
