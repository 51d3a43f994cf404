// Final shares of pools that pass cost on (src/core/allocation_flow.hpp).
#include "core/allocation_flow.hpp"
#include "core/allocation_engine.hpp"

#include "core/error.hpp"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

using cb::core::Error;
using cb::core::final_flows;
using cb::core::FinalFlow;
using cb::core::FlowEdge;
using cb::core::Rational;

namespace {

Rational r(const char* text) { return Rational::parse(text); }

// pool -> unit -> share, as decimal text at 12 places.
std::map<std::string, std::map<std::string, std::string>> shares(const std::vector<FinalFlow>& flows) {
    std::map<std::string, std::map<std::string, std::string>> m;
    for (const FinalFlow& f : flows) m[f.pool][f.unit] = f.share.to_decimal(12);
    return m;
}

}  // namespace

TEST(AllocationFlow, OneHopIsTheRunsOwnRatios) {
    auto flows = final_flows({{"platform", "sales", r("20")}, {"platform", "marketing", r("10")}});
    ASSERT_EQ(flows.size(), 2u);
    EXPECT_EQ(flows[0].unit, "marketing");
    EXPECT_EQ(flows[0].share, Rational(1) / Rational(3));
    EXPECT_EQ(flows[0].moved, r("10"));
    EXPECT_EQ(flows[1].share, Rational(2) / Rational(3));
}

TEST(AllocationFlow, APoolThatReceivesPassesItOn) {
    // platform gives 30 to it and 10 to sales; it (a pool of a later step) gives 3/4 of its
    // 60 (its own 30 and platform's 30) to sales and 1/4 to marketing.
    auto flows = final_flows({{"platform", "it", r("30")},
                              {"platform", "sales", r("10")},
                              {"it", "sales", r("45")},
                              {"it", "marketing", r("15")}});
    auto m = shares(flows);
    EXPECT_EQ(m["platform"].size(), 2u);  // nothing ends at it
    EXPECT_EQ(m["platform"]["sales"], "0.812500000000");      // 1/4 + 3/4 * 3/4
    EXPECT_EQ(m["platform"]["marketing"], "0.187500000000");  // 3/4 * 1/4
    EXPECT_EQ(m["it"]["sales"], "0.750000000000");
    for (const FinalFlow& f : flows) {
        if (f.pool == "platform" && f.unit == "sales") {
            EXPECT_EQ(f.moved, r("32.5"));
        }
    }
}

TEST(AllocationFlow, ReciprocalPoolsAreSolvedExactly) {
    // it and hr serve each other (one step): it sends 1/2 to hr, hr 1/4 to it.
    auto flows = final_flows({{"it", "hr", r("50")},
                              {"it", "sales", r("50")},
                              {"hr", "it", r("10")},
                              {"hr", "marketing", r("30")}});
    // F_it = 1/2 sales + 1/2 F_hr; F_hr = 1/4 F_it + 3/4 marketing
    // => F_it(sales) = 1/2 / (1 - 1/8) = 4/7, F_it(marketing) = 3/8 / (7/8) = 3/7.
    std::map<std::string, Rational> got;
    for (const FinalFlow& f : flows) got[f.pool + ">" + f.unit] = f.share;
    EXPECT_EQ(got.size(), 4u);
    EXPECT_EQ(got["it>sales"], Rational(4) / Rational(7));
    EXPECT_EQ(got["it>marketing"], Rational(3) / Rational(7));
    EXPECT_EQ(got["hr>sales"], Rational(1) / Rational(7));
    EXPECT_EQ(got["hr>marketing"], Rational(6) / Rational(7));
}

TEST(AllocationFlow, EachPoolsSharesSumToOne) {
    auto flows = final_flows({{"a", "b", r("7")}, {"a", "x", r("3")}, {"b", "c", r("11")}, {"b", "y", r("2")},
                              {"c", "a", r("1")}, {"c", "z", r("5")}, {"a", "x", r("0.01")}});
    std::map<std::string, Rational> sum;
    for (const FinalFlow& f : flows) sum[f.pool] += f.share;
    ASSERT_EQ(sum.size(), 3u);
    for (const auto& [pool, s] : sum) EXPECT_EQ(s, Rational(1)) << pool;
}

TEST(AllocationFlow, AnEdgeToItselfIsKept) {
    auto m = shares(final_flows({{"a", "a", r("1")}, {"a", "b", r("3")}}));
    EXPECT_EQ(m["a"]["a"], "0.250000000000");
    EXPECT_EQ(m["a"]["b"], "0.750000000000");
}

TEST(AllocationFlow, PoolsThatKeepNothingAreAnError) {
    try {
        final_flows({{"a", "b", r("1")}, {"b", "a", r("1")}});
        FAIL() << "no error";
    } catch (const Error& e) {
        EXPECT_STREQ(e.sqlstate(), "22023");
        EXPECT_NE(std::string(e.what()).find("send all their cost to each other"), std::string::npos);
    }
}

TEST(AllocationFlow, ANonPositiveAmountIsAnError) {
    EXPECT_THROW(final_flows({{"a", "b", r("0")}}), Error);
    EXPECT_THROW(final_flows({{"a", "b", r("-1")}}), Error);
}

TEST(AllocationFlow, EdgesFromJson) {
    auto edges = cb::core::flow_edges(nlohmann::json::parse(R"([["p", "a", 3], ["p", "b", "1.50"]])"));
    ASSERT_EQ(edges.size(), 2u);
    EXPECT_EQ(edges[1].amount, Rational::parse("1.5"));
    EXPECT_THROW(cb::core::flow_edges(nlohmann::json::parse(R"([["p", "a"]])")), Error);
    EXPECT_THROW(cb::core::flow_edges(nlohmann::json::parse(R"({"p": 1})")), Error);
    EXPECT_THROW(cb::core::flow_edges(nlohmann::json::parse(R"([["p", "a", 1.5]])")), Error);  // a double: never
}

TEST(AllocationFlow, PoolsAreBoundedByTheEnginesRuleLimit) {
    std::vector<FlowEdge> edges;
    for (size_t i = 0; i <= cb::core::kMaxAllocationRules; ++i) edges.push_back({"p" + std::to_string(i), "x", r("1")});
    try {
        final_flows(edges);
        FAIL() << "no error";
    } catch (const Error& e) {
        EXPECT_STREQ(e.sqlstate(), "54000");
    }
    edges.pop_back();
    EXPECT_EQ(final_flows(edges).size(), cb::core::kMaxAllocationRules);
}
