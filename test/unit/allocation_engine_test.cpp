// The allocation engine (src/core/allocation_engine.hpp): documents shaped exactly like
// chargeback.allocation_input() builds them (read through read_json, so decimals are exact
// text), checked against hand-computed exact rationals: run totals, a worked step-down
// example, the central and activity models, the reciprocal method, every weighting method,
// late usage, several currencies, errors, determinism and a fixed-seed property test.
#include "core/allocation_engine.hpp"

#include "core/error.hpp"
#include "core/json_reader.hpp"
#include "core/rational.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdint>
#include <functional>
#include <map>
#include <ostream>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "errors.hpp"
#include "rational_print.hpp"  // readable failure messages for exact amounts

using cb::core::AllocationLine;
using cb::core::BigInt;
using cb::core::compute_allocation;
using cb::core::Error;
using cb::core::Rational;
using cb::core::read_json;
using json = nlohmann::json;

using cb_test::sqlstate_of;

namespace {

std::vector<AllocationLine> run(const std::string& text) { return compute_allocation(read_json(text)); }

Rational R(const std::string& s) { return Rational::parse(s); }
Rational R(int64_t v) { return Rational(v); }

Rational sum(const std::vector<AllocationLine>& lines, const std::string& currency = "USD") {
    Rational s;
    for (const AllocationLine& l : lines)
        if (l.currency == currency) s += R(l.amount);
    return s;
}

std::map<int, Rational> per_unit(const std::vector<AllocationLine>& lines, const std::string& currency = "USD") {
    std::map<int, Rational> m;
    for (const AllocationLine& l : lines)
        if (l.currency == currency) m[l.org_unit_id] += R(l.amount);
    return m;
}

Rational unit_total(const std::vector<AllocationLine>& lines, int unit, const std::string& currency = "USD") {
    auto m = per_unit(lines, currency);
    return m.count(unit) ? m.at(unit) : Rational();
}

// The lines of one unit, component and source (there is at most one per project/activity).
std::vector<const AllocationLine*> find(const std::vector<AllocationLine>& lines, int unit, const std::string& component,
                                        const std::string& source = {}) {
    std::vector<const AllocationLine*> out;
    for (const AllocationLine& l : lines)
        if (l.org_unit_id == unit && l.component == component && (source.empty() || l.source == source)) out.push_back(&l);
    return out;
}

const AllocationLine& one(const std::vector<AllocationLine>& lines, int unit, const std::string& component,
                          const std::string& source = {}) {
    auto v = find(lines, unit, component, source);
    if (v.size() != 1)
        throw std::runtime_error("expected one " + component + " line of unit " + std::to_string(unit) + " from '" + source +
                                 "', found " + std::to_string(v.size()));
    return *v[0];
}

json basis(const AllocationLine& l) { return json::parse(l.basis); }

// Exact money rounded half away from zero to `digits` decimals.
Rational rounded(const Rational& r, int digits) { return R(r.to_decimal(digits)); }

Rational abs(const Rational& r) { return r.sign() < 0 ? -r : r; }

std::string line_text(const AllocationLine& l) {
    return std::to_string(l.org_unit_id) + "|" + l.project + "|" + l.activity + "|" + l.component + "|" + l.source + "|" +
           l.amount + "|" + l.currency + "|" + l.basis;
}

std::vector<std::string> texts(const std::vector<AllocationLine>& lines) {
    std::vector<std::string> v;
    for (const AllocationLine& l : lines) v.push_back(line_text(l));
    return v;
}

// Each line is within one minor unit of its exact amount (basis.exact carries 12 digits).
void expect_lines_near_exact(const std::vector<AllocationLine>& lines, const Rational& minor) {
    for (const AllocationLine& l : lines) {
        Rational exact = R(basis(l).at("exact").get<std::string>());
        EXPECT_LT(abs(R(l.amount) - exact), minor + R("0.000000000001")) << line_text(l);
    }
}

// ---------------------------------------------------------------------------------------
// The worked example of the brief. Unit ids as the extension creates them: unattributed
// first.
constexpr int kUnattributed = 1, kAiCenter = 2, kMarketing = 3, kSales = 4, kEngineering = 5, kPlatform = 6,
              kEngBackend = 7;

const char* kExampleUnits = R"([
    {"id": 1, "code": "unattributed", "parent": null, "kind": "pool"},
    {"id": 2, "code": "ai-center", "parent": null, "kind": "central"},
    {"id": 3, "code": "marketing", "parent": null, "kind": "department"},
    {"id": 4, "code": "sales", "parent": null, "kind": "department"},
    {"id": 5, "code": "engineering", "parent": null, "kind": "department"},
    {"id": 6, "code": "platform", "parent": null, "kind": "team"},
    {"id": 7, "code": "eng-backend", "parent": 5, "kind": "team"}])";

std::string example(const std::string& model, const std::string& units = kExampleUnits) {
    return R"({"model": ")" + model + R"(", "units": )" + units + R"(,
    "costs": [
      {"unit": 3, "project": "campaigns", "activity": "chat", "provider": "allocco", "currency": "USD", "adjusts": null, "cost": 10, "requests": 4, "tokens": null},
      {"unit": 4, "project": null, "activity": "chat", "provider": "allocco", "currency": "USD", "adjusts": null, "cost": 20.000, "requests": 2, "tokens": null},
      {"unit": 7, "project": null, "activity": "code", "provider": "allocco", "currency": "USD", "adjusts": null, "cost": 30, "requests": 9, "tokens": null},
      {"unit": 6, "project": null, "activity": "code", "provider": "allocco", "currency": "USD", "adjusts": null, "cost": 9.0, "requests": 1, "tokens": null},
      {"unit": 1, "project": null, "activity": null, "provider": "allocco", "currency": "USD", "adjusts": null, "cost": 1, "requests": 1, "tokens": null}],
    "fixed": [{"provider": "allocco", "description": "seats", "amount": 5.00, "currency": "USD"}],
    "invoices": [{"provider": "allocco", "amount": 76.00, "currency": "USD"}],
    "rules": [
      {"rule_id": 11, "name": "platform", "step": 1, "source": "platform", "method": "proportional", "targets": null, "weights": null},
      {"rule_id": 12, "name": "leftovers", "step": 2, "source": "unattributed", "method": "even", "targets": ["marketing", "sales", "engineering"], "weights": null}],
    "headcount": {}, "outcomes": []})";
}

}  // namespace

// (a) ---------------------------------------------------------------------------------------

TEST(AllocationEngine, LinesSumToInvoicesElseMeteredPlusFixed) {
    // Provider a is invoiced (its fixed charge is part of the invoice), b is not.
    const std::string doc = R"({"model": "department",
      "units": [{"id": 1, "code": "x", "parent": null, "kind": "department"},
                {"id": 2, "code": "y", "parent": null, "kind": "department"}],
      "costs": [
        {"unit": 1, "project": "p", "activity": null, "provider": "a", "currency": "USD", "adjusts": null, "cost": 1.234567890123, "requests": 3, "tokens": 10},
        {"unit": 2, "project": null, "activity": null, "provider": "a", "currency": "USD", "adjusts": null, "cost": 2.000000000001, "requests": 1, "tokens": 10},
        {"unit": 1, "project": null, "activity": null, "provider": "b", "currency": "USD", "adjusts": null, "cost": 0.333333333333, "requests": 1, "tokens": 10},
        {"unit": 2, "project": null, "activity": null, "provider": "b", "currency": "USD", "adjusts": null, "cost": 0.666666666666, "requests": 1, "tokens": 10}],
      "fixed": [{"provider": "a", "description": "platform fee", "amount": 1.5, "currency": "USD"},
                {"provider": "b", "description": "seats", "amount": 2.005, "currency": "USD"}],
      "invoices": [{"provider": "a", "amount": 7.77, "currency": "USD"}],
      "rules": [], "headcount": {}, "outcomes": []})";
    std::vector<AllocationLine> lines = run(doc);
    Rational expected = R("7.77") + R("0.333333333333") + R("0.666666666666") + R("2.005");
    EXPECT_EQ(sum(lines), rounded(expected, 2));
    EXPECT_EQ(sum(lines), R("10.77"));
    expect_lines_near_exact(lines, R("0.01"));
    for (const AllocationLine& l : lines) {
        EXPECT_EQ(l.amount.size() - l.amount.find('.'), 3u) << l.amount;
        EXPECT_EQ(l.currency, "USD");
    }
    // Without the invoice: metered plus fixed of both providers.
    json d = read_json(doc);
    d["invoices"] = json::array();
    lines = compute_allocation(d);
    expected = R("1.234567890123") + R("2.000000000001") + R("0.333333333333") + R("0.666666666666") + R("1.5") + R("2.005");
    EXPECT_EQ(sum(lines), rounded(expected, 2));
    // An invoice below metered cost (a credit true-up) is the total just the same.
    d["invoices"] = read_json(R"([{"provider": "b", "amount": 0.5, "currency": "USD"}])");
    lines = compute_allocation(d);
    expected = R("1.234567890123") + R("2.000000000001") + R("1.5") + R("0.5");
    EXPECT_EQ(sum(lines), rounded(expected, 2));
}

// (b) ---------------------------------------------------------------------------------------

TEST(AllocationEngine, WorkedStepDownExample) {
    std::vector<AllocationLine> lines = run(example("department"));

    // By hand: metered 70, fixed 5 (by allocco cost), true-up 76 - 70 - 5 = 1 (by allocco
    // cost plus fixed share, i.e. again by cost): every unit's own balance is cost * 76/70.
    const Rational k = R(76) / R(70);
    const Rational platform_pool = R(9) * k;                    // 9 + 9/70*5 + 9/70*1
    EXPECT_EQ(platform_pool, R(9) + R(9) / R(70) * R(5) + R(9) / R(70) * R(1));
    const Rational leftovers_pool = R(1) * k;                   // unattributed
    // Step 1: platform proportional over units with direct cost (not itself, not
    // unattributed): marketing 10, sales 20, eng-backend 30.
    // Step 2: unattributed evenly to marketing, sales, engineering.
    std::map<int, Rational> exact = {
        {kMarketing, R(10) * k + platform_pool * R(10) / R(60) + leftovers_pool / R(3)},
        {kSales, R(20) * k + platform_pool * R(20) / R(60) + leftovers_pool / R(3)},
        {kEngineering, leftovers_pool / R(3)},
        {kEngBackend, R(30) * k + platform_pool * R(30) / R(60)},
        {kPlatform, R(0)},
        {kUnattributed, R(0)},
    };
    Rational exact_sum;
    for (const auto& [unit, v] : exact) exact_sum += v;
    EXPECT_EQ(exact_sum, R(76));
    EXPECT_EQ(platform_pool * R(10) / R(60), R(57) / R(35));  // 1.628571...
    EXPECT_EQ(R(one(lines, kMarketing, "shared", "platform").amount), R("1.63"));

    // The run total is the invoice.
    EXPECT_EQ(sum(lines), R("76.00"));
    std::map<int, Rational> got = per_unit(lines);
    EXPECT_EQ(got.count(kAiCenter), 0u);
    // Each unit's total is its exact total rounded down or up; fully allocated units are 0.
    for (const auto& [unit, v] : exact) {
        Rational cents = v * R(100);
        Rational lo = Rational(cents.floor()) / R(100), hi = lo + R("0.01");
        Rational g = got.count(unit) ? got.at(unit) : Rational();
        EXPECT_TRUE(g == lo || (g == hi && cents.den() != BigInt(1))) << unit << ": " << g.to_decimal(2) << " vs "
                                                                       << v.to_decimal(6);
    }
    // Largest remainder over the exact unit totals, by hand: in cents 1284.762, 2533.333,
    // 36.190, 3745.714 -> floors sum to 7598; the two missing cents go to marketing (.762)
    // and eng-backend (.714).
    EXPECT_EQ(got[kMarketing], R("12.85"));
    EXPECT_EQ(got[kSales], R("25.33"));
    EXPECT_EQ(got[kEngineering], R("0.36"));
    EXPECT_EQ(got[kEngBackend], R("37.46"));
    EXPECT_EQ(got[kPlatform], R("0.00"));
    EXPECT_EQ(got[kUnattributed], R("0.00"));

    // The lines themselves.
    const AllocationLine& direct = one(lines, kMarketing, "direct");
    EXPECT_EQ(direct.project, "campaigns");
    EXPECT_EQ(direct.activity, "");
    EXPECT_EQ(direct.source, "usage:allocco");
    EXPECT_EQ(direct.amount, "10.00");
    EXPECT_EQ(basis(direct).at("requests"), "4");
    EXPECT_EQ(basis(direct).at("method"), "metered");

    const AllocationLine& fixed = one(lines, kSales, "fixed");
    EXPECT_EQ(fixed.source, "fixed:allocco:seats");
    EXPECT_EQ(basis(fixed).at("ratio"), "0.285714285714");  // 20/70
    EXPECT_EQ(basis(fixed).at("pool"), "5");
    EXPECT_LT(abs(R(fixed.amount) - R(20) / R(70) * R(5)), R("0.01"));

    const AllocationLine& true_up = one(lines, kEngBackend, "true_up");
    EXPECT_EQ(true_up.source, "invoice:allocco");
    EXPECT_EQ(basis(true_up).at("difference"), "1");
    EXPECT_EQ(basis(true_up).at("invoice"), "76");
    EXPECT_LT(abs(R(true_up.amount) - R(30) / R(70)), R("0.01"));

    const AllocationLine& out = one(lines, kPlatform, "shared", "platform");
    EXPECT_EQ(basis(out).at("role"), "allocated out");
    EXPECT_EQ(basis(out).at("pool"), platform_pool.to_decimal(12));
    EXPECT_LT(abs(R(out.amount) + platform_pool), R("0.01"));
    const AllocationLine& in = one(lines, kSales, "shared", "platform");
    EXPECT_EQ(basis(in).at("ratio"), "0.333333333333");
    EXPECT_EQ(basis(in).at("rule_id"), 11);
    EXPECT_EQ(basis(in).at("step"), 1);
    // engineering itself has no direct cost; eng-backend (its child) is the target of step 1.
    EXPECT_TRUE(find(lines, kEngineering, "shared", "platform").empty());
    EXPECT_EQ(basis(one(lines, kEngineering, "shared", "unattributed")).at("ratio"), "0.333333333333");
    expect_lines_near_exact(lines, R("0.01"));
}

// (c) ---------------------------------------------------------------------------------------

TEST(AllocationEngine, CentralModelMovesEverythingToTheCenter) {
    std::vector<AllocationLine> lines = run(example("central"));
    std::map<int, Rational> got = per_unit(lines);
    for (const auto& [unit, v] : got)
        if (unit != kAiCenter) {
            EXPECT_EQ(v, R(0)) << "unit " << unit;
        }
    EXPECT_EQ(got.at(kAiCenter), R("76.00"));
    EXPECT_EQ(sum(lines), R("76.00"));
    // Units keep their direct lines (showback) and hand their balance to the center.
    EXPECT_EQ(one(lines, kMarketing, "direct").amount, "10.00");
    const AllocationLine& out = one(lines, kMarketing, "shared", "model:central");
    EXPECT_EQ(basis(out).at("method"), "central");
    EXPECT_EQ(basis(one(lines, kAiCenter, "shared", "model:central:marketing")).at("from"), "marketing");
    expect_lines_near_exact(lines, R("0.01"));

    // No central unit.
    std::string units = kExampleUnits;
    units.replace(units.find("\"central\""), 9, "\"department\"");
    EXPECT_EQ(sqlstate_of([&] { run(example("central", units)); }), "22023");
    // The department model does not need one.
    EXPECT_EQ(sum(run(example("department", units))), R("76.00"));
}

// (d) ---------------------------------------------------------------------------------------

TEST(AllocationEngine, ActivityModel) {
    const std::string doc = R"({"model": "activity",
      "units": [{"id": 1, "code": "a", "parent": null, "kind": "department"},
                {"id": 2, "code": "platform", "parent": null, "kind": "team"}],
      "costs": [
        {"unit": 1, "project": "p1", "activity": "chat", "provider": "x", "currency": "USD", "adjusts": null, "cost": 20, "requests": 2, "tokens": null},
        {"unit": 1, "project": "p2", "activity": "chat", "provider": "x", "currency": "USD", "adjusts": null, "cost": 10, "requests": 5, "tokens": null},
        {"unit": 1, "project": "p1", "activity": "code", "provider": "x", "currency": "USD", "adjusts": null, "cost": 10, "requests": 1, "tokens": null},
        {"unit": 2, "project": "infra", "activity": "batch", "provider": "x", "currency": "USD", "adjusts": null, "cost": 8, "requests": 1, "tokens": null}],
      "fixed": [], "invoices": [],
      "rules": [{"rule_id": 1, "name": "platform", "step": 1, "source": "platform", "method": "even", "targets": ["a"], "weights": null}],
      "headcount": {}, "outcomes": [{"unit": 1, "activity": "chat", "units": 120}, {"unit": 1, "activity": "review", "units": 3.5}]})";
    std::vector<AllocationLine> lines = run(doc);
    EXPECT_EQ(sum(lines), R(48));
    for (const AllocationLine& l : lines) EXPECT_EQ(l.project, "") << line_text(l);
    // Direct lines per activity (the two chat projects merge, their requests add up).
    auto direct = find(lines, 1, "direct");
    ASSERT_EQ(direct.size(), 2u);
    const AllocationLine& chat = *direct[0];
    const AllocationLine& code = *direct[1];
    EXPECT_EQ(chat.activity, "chat");
    EXPECT_EQ(chat.amount, "30.00");
    EXPECT_EQ(basis(chat).at("requests"), "7");
    EXPECT_EQ(basis(chat).at("outcome_units"), "120");
    EXPECT_EQ(code.activity, "code");
    EXPECT_EQ(code.amount, "10.00");
    EXPECT_FALSE(basis(code).contains("outcome_units"));
    // platform's 8 over a's activity mix: chat 30/40, code 10/40.
    auto shared = find(lines, 1, "shared", "platform");
    ASSERT_EQ(shared.size(), 2u);
    EXPECT_EQ(shared[0]->activity, "chat");
    EXPECT_EQ(shared[0]->amount, "6.00");
    EXPECT_EQ(basis(*shared[0]).at("activity_ratio"), "0.75");
    EXPECT_EQ(basis(*shared[0]).at("outcome_units"), "120");
    EXPECT_EQ(shared[1]->activity, "code");
    EXPECT_EQ(shared[1]->amount, "2.00");
    EXPECT_EQ(basis(*shared[1]).at("activity_ratio"), "0.25");
    // The source's own lines: its direct activity and the out line (no activity).
    EXPECT_EQ(one(lines, 2, "direct").activity, "batch");
    EXPECT_EQ(one(lines, 2, "shared").activity, "");
    EXPECT_EQ(unit_total(lines, 2), R(0));
    EXPECT_EQ(unit_total(lines, 1), R(48));
}

// (e) ---------------------------------------------------------------------------------------

namespace {

std::string reciprocal_doc(const std::string& it_weights, const std::string& hr_weights) {
    return R"({"model": "department",
      "units": [{"id": 1, "code": "IT", "parent": null, "kind": "service"},
                {"id": 2, "code": "HR", "parent": null, "kind": "service"},
                {"id": 3, "code": "ops", "parent": null, "kind": "department"},
                {"id": 4, "code": "lab", "parent": null, "kind": "department"}],
      "costs": [
        {"unit": 1, "project": null, "activity": null, "provider": "x", "currency": "USD", "adjusts": null, "cost": 100, "requests": 1, "tokens": null},
        {"unit": 2, "project": null, "activity": null, "provider": "x", "currency": "USD", "adjusts": null, "cost": 50, "requests": 1, "tokens": null},
        {"unit": 3, "project": null, "activity": null, "provider": "x", "currency": "USD", "adjusts": null, "cost": 7, "requests": 1, "tokens": null}],
      "fixed": [], "invoices": [],
      "rules": [
        {"rule_id": 1, "name": "it", "step": 1, "source": "IT", "method": "fixed", "targets": ["HR", "ops", "lab"], "weights": )" +
           it_weights + R"(},
        {"rule_id": 2, "name": "hr", "step": 1, "source": "HR", "method": "fixed", "targets": ["IT", "ops", "lab"], "weights": )" +
           hr_weights + R"(}],
      "headcount": {}, "outcomes": []})";
}

}  // namespace

TEST(AllocationEngine, ReciprocalMethodIsTheExactTextbookSolution) {
    std::vector<AllocationLine> lines = run(reciprocal_doc(R"({"HR": 20, "ops": 80})", R"({"it": 10, "OPS": 90})"));
    // T_IT = 100 + 0.1 T_HR, T_HR = 50 + 0.2 T_IT  =>  T_IT = 105 / 0.98, T_HR = 50 + 0.2 T_IT.
    const Rational t_it = R(105) / R("0.98");
    const Rational t_hr = R(50) + R("0.2") * t_it;
    ASSERT_EQ(t_it, R(100) + R("0.1") * t_hr);
    const Rational to_ops = R("0.8") * t_it + R("0.9") * t_hr;
    EXPECT_EQ(to_ops, R(150));

    const AllocationLine& it_out = one(lines, 1, "shared", "IT");
    EXPECT_EQ(basis(it_out).at("pool"), t_it.to_decimal(12));
    EXPECT_EQ(basis(it_out).at("reciprocal"), true);
    EXPECT_EQ(basis(one(lines, 2, "shared", "HR")).at("pool"), t_hr.to_decimal(12));
    EXPECT_EQ(R(one(lines, 1, "shared", "IT").amount), -rounded(t_it, 2));
    EXPECT_EQ(R(one(lines, 2, "shared", "IT").amount), rounded(R("0.2") * t_it, 2));
    EXPECT_EQ(R(one(lines, 1, "shared", "HR").amount), rounded(R("0.1") * t_hr, 2));
    EXPECT_EQ(R(one(lines, 3, "shared", "IT").amount), rounded(R("0.8") * t_it, 2));
    EXPECT_EQ(R(one(lines, 3, "shared", "HR").amount), rounded(R("0.9") * t_hr, 2));
    // Nothing stays with IT or HR; lab has weight 0 in both rules and gets nothing.
    EXPECT_EQ(unit_total(lines, 1), R(0));
    EXPECT_EQ(unit_total(lines, 2), R(0));
    EXPECT_EQ(unit_total(lines, 3), R(157));
    EXPECT_TRUE(find(lines, 4, "shared").empty());
    EXPECT_EQ(sum(lines), R(157));
    expect_lines_near_exact(lines, R("0.01"));
}

TEST(AllocationEngine, ReciprocalSingularPairIsAnError) {
    EXPECT_EQ(sqlstate_of([] { run(reciprocal_doc(R"({"HR": 100})", R"({"IT": 100})")); }), "22023");
}

// (f) ---------------------------------------------------------------------------------------

namespace {

// svc (60 to share) -> targets a and b; c is b's child, so b's weights include c's.
std::string methods_doc(const std::string& method, const std::string& weights, const std::string& headcount) {
    return R"({"model": "department",
      "units": [{"id": 1, "code": "svc", "parent": null, "kind": "service"},
                {"id": 2, "code": "a", "parent": null, "kind": "department"},
                {"id": 3, "code": "b", "parent": null, "kind": "department"},
                {"id": 4, "code": "c", "parent": 3, "kind": "team"}],
      "costs": [
        {"unit": 1, "project": null, "activity": null, "provider": "x", "currency": "USD", "adjusts": null, "cost": 60, "requests": 100, "tokens": 100000},
        {"unit": 2, "project": null, "activity": null, "provider": "x", "currency": "USD", "adjusts": null, "cost": 10, "requests": 3, "tokens": 100},
        {"unit": 3, "project": null, "activity": null, "provider": "x", "currency": "USD", "adjusts": null, "cost": 20, "requests": 1, "tokens": 100},
        {"unit": 4, "project": null, "activity": null, "provider": "x", "currency": "USD", "adjusts": null, "cost": 5, "requests": 4, "tokens": 200}],
      "fixed": [], "invoices": [],
      "rules": [{"rule_id": 9, "name": "svc", "step": 1, "source": "svc", "method": ")" +
           method + R"(", "targets": ["a", "b"], "weights": )" + weights + R"(}],
      "headcount": )" + headcount + R"(, "outcomes": []})";
}

struct MethodCase {
    std::string method, weights, headcount;
    std::string ratio_a, ratio_b, amount_a, amount_b;
    bool fallback;
};

}  // namespace

TEST(AllocationEngine, WeightingMethods) {
    const std::string hc = R"({"2": 1, "3": 1, "4": 2})";
    const std::vector<MethodCase> cases = {
        {"headcount", "null", hc, "0.25", "0.75", "15.00", "45.00", false},
        {"tokens", "null", hc, "0.25", "0.75", "15.00", "45.00", false},         // 100 : 100+200
        {"requests", "null", hc, "0.375", "0.625", "22.50", "37.50", false},     // 3 : 1+4
        {"proportional", "null", hc, "0.285714285714", "0.714285714286", "17.14", "42.86", false},  // 10 : 25
        {"even", "null", hc, "0.5", "0.5", "30.00", "30.00", false},
        {"fixed", R"({"A": 1, "b": 3, "svc": 100, "c": 50})", hc, "0.25", "0.75", "15.00", "45.00", false},
        {"fixed", R"({"a": "0.1", "b": 0.3})", hc, "0.25", "0.75", "15.00", "45.00", false},
        // All-zero weights: even, marked as a fallback.
        {"headcount", "null", "{}", "0.5", "0.5", "30.00", "30.00", true},
        {"fixed", R"({"c": 5})", hc, "0.5", "0.5", "30.00", "30.00", true},
        {"fixed", R"({"a": 0, "b": 0.0})", hc, "0.5", "0.5", "30.00", "30.00", true},
    };
    for (const MethodCase& c : cases) {
        SCOPED_TRACE(c.method + " " + c.weights + " " + c.headcount);
        std::vector<AllocationLine> lines = run(methods_doc(c.method, c.weights, c.headcount));
        const AllocationLine& a = one(lines, 2, "shared", "svc");
        const AllocationLine& b = one(lines, 3, "shared", "svc");
        EXPECT_EQ(a.amount, c.amount_a);
        EXPECT_EQ(b.amount, c.amount_b);
        EXPECT_EQ(basis(a).at("ratio"), c.ratio_a);
        EXPECT_EQ(basis(b).at("ratio"), c.ratio_b);
        EXPECT_EQ(basis(a).at("method"), c.method);
        EXPECT_EQ(basis(a).contains("fallback"), c.fallback);
        if (c.fallback) {
            EXPECT_EQ(basis(a).at("fallback"), "even");
        }
        EXPECT_TRUE(find(lines, 4, "shared").empty());  // c is inside b, not a target
        EXPECT_EQ(one(lines, 1, "shared", "svc").amount, "-60.00");
        EXPECT_EQ(unit_total(lines, 1), R(0));
        EXPECT_EQ(sum(lines), R(95));
    }
}

TEST(AllocationEngine, FixedChargeRules) {
    // A fixed:<provider> rule beats a plain fixed rule; without either, fixed charges follow
    // the provider's metered cost.
    const std::string doc = R"({"model": "department",
      "units": [{"id": 1, "code": "a", "parent": null, "kind": "department"},
                {"id": 2, "code": "b", "parent": null, "kind": "department"},
                {"id": 3, "code": "c", "parent": null, "kind": "department"}],
      "costs": [
        {"unit": 1, "project": null, "activity": null, "provider": "x", "currency": "USD", "adjusts": null, "cost": 1, "requests": 1, "tokens": null},
        {"unit": 2, "project": null, "activity": null, "provider": "x", "currency": "USD", "adjusts": null, "cost": 3, "requests": 1, "tokens": null},
        {"unit": 3, "project": null, "activity": null, "provider": "y", "currency": "USD", "adjusts": null, "cost": 1, "requests": 1, "tokens": null}],
      "fixed": [{"provider": "x", "description": "seats", "amount": 12, "currency": "USD"},
                {"provider": "y", "description": "seats", "amount": 9, "currency": "USD"},
                {"provider": "z", "description": "support", "amount": 10, "currency": "USD"}],
      "invoices": [],
      "rules": [{"rule_id": 1, "name": "fx", "step": 1, "source": "fixed:X", "method": "even", "targets": ["a", "b", "c"], "weights": null},
                {"rule_id": 2, "name": "fz", "step": 1, "source": "fixed", "method": "fixed", "targets": null, "weights": {"c": 1, "b": 1}}],
      "headcount": {}, "outcomes": []})";
    std::vector<AllocationLine> lines = run(doc);
    EXPECT_EQ(one(lines, 1, "fixed", "fixed:x:seats").amount, "4.00");
    EXPECT_EQ(one(lines, 3, "fixed", "fixed:x:seats").amount, "4.00");
    EXPECT_EQ(basis(one(lines, 1, "fixed", "fixed:x:seats")).at("rule_id"), 1);
    // y and z go by the plain fixed rule: weights c 1, b 1 over units with direct cost.
    EXPECT_EQ(one(lines, 2, "fixed", "fixed:y:seats").amount, "4.50");
    EXPECT_EQ(one(lines, 3, "fixed", "fixed:z:support").amount, "5.00");
    EXPECT_TRUE(find(lines, 1, "fixed", "fixed:y:seats").empty());
    EXPECT_EQ(sum(lines), R(5 + 12 + 9 + 10));
    // Fixed-source rules are not step rules: nothing is shared out of a unit.
    for (const AllocationLine& l : lines) EXPECT_NE(l.component, "shared") << line_text(l);

    // Without rules: by the provider's metered cost; a provider nobody used: by all cost.
    json d = read_json(doc);
    d["rules"] = json::array();
    lines = compute_allocation(d);
    EXPECT_EQ(one(lines, 1, "fixed", "fixed:x:seats").amount, "3.00");
    EXPECT_EQ(one(lines, 2, "fixed", "fixed:x:seats").amount, "9.00");
    EXPECT_EQ(one(lines, 3, "fixed", "fixed:y:seats").amount, "9.00");
    EXPECT_EQ(one(lines, 1, "fixed", "fixed:z:support").amount, "2.00");
    EXPECT_EQ(one(lines, 2, "fixed", "fixed:z:support").amount, "6.00");
    EXPECT_EQ(one(lines, 3, "fixed", "fixed:z:support").amount, "2.00");
    EXPECT_EQ(sum(lines), R(36));
}

// (g) ---------------------------------------------------------------------------------------

TEST(AllocationEngine, LateUsageIsAnAdjustmentLine) {
    const std::string doc = R"({"model": "department",
      "units": [{"id": 1, "code": "a", "parent": null, "kind": "department"}],
      "costs": [
        {"unit": 1, "project": "p", "activity": null, "provider": "x", "currency": "USD", "adjusts": null, "cost": 3, "requests": 2, "tokens": null},
        {"unit": 1, "project": "p", "activity": null, "provider": "x", "currency": "USD", "adjusts": "2025-05-01", "cost": 1.25, "requests": 1, "tokens": null}],
      "fixed": [], "invoices": [], "rules": [], "headcount": {}, "outcomes": []})";
    std::vector<AllocationLine> lines = run(doc);
    ASSERT_EQ(lines.size(), 2u);
    const AllocationLine& late = one(lines, 1, "adjustment");
    EXPECT_EQ(late.source, "late:x:2025-05");
    EXPECT_EQ(late.project, "p");
    EXPECT_EQ(late.amount, "1.25");
    EXPECT_EQ(basis(late).at("adjusts_period"), "2025-05-01");
    const AllocationLine& direct = one(lines, 1, "direct");
    EXPECT_FALSE(basis(direct).contains("adjusts_period"));
    EXPECT_EQ(direct.amount, "3.00");
    EXPECT_EQ(sum(lines), R("4.25"));
}

// (h) ---------------------------------------------------------------------------------------

TEST(AllocationEngine, EachCurrencyIsItsOwnRun) {
    const std::string doc = R"({"model": "department",
      "units": [{"id": 1, "code": "a", "parent": null, "kind": "department"},
                {"id": 2, "code": "b", "parent": null, "kind": "department"},
                {"id": 3, "code": "svc", "parent": null, "kind": "service"}],
      "costs": [
        {"unit": 1, "project": null, "activity": null, "provider": "x", "currency": "USD", "adjusts": null, "cost": 1.111111111111, "requests": 1, "tokens": null},
        {"unit": 2, "project": null, "activity": null, "provider": "x", "currency": "USD", "adjusts": null, "cost": 2.222222222222, "requests": 1, "tokens": null},
        {"unit": 1, "project": null, "activity": null, "provider": "x", "currency": "EUR", "adjusts": null, "cost": 0.5, "requests": 1, "tokens": null},
        {"unit": 3, "project": null, "activity": null, "provider": "x", "currency": "EUR", "adjusts": null, "cost": 0.334, "requests": 1, "tokens": null},
        {"unit": 1, "project": null, "activity": null, "provider": "y", "currency": "JPY", "adjusts": null, "cost": 100.4, "requests": 1, "tokens": null},
        {"unit": 2, "project": null, "activity": null, "provider": "y", "currency": "JPY", "adjusts": null, "cost": 200.3, "requests": 1, "tokens": null},
        {"unit": 3, "project": null, "activity": null, "provider": "y", "currency": "JPY", "adjusts": null, "cost": 0.7, "requests": 1, "tokens": null}],
      "fixed": [{"provider": "x", "description": "seats", "amount": 1, "currency": "EUR"}],
      "invoices": [{"provider": "x", "amount": 3.50, "currency": "USD"}],
      "rules": [{"rule_id": 1, "name": "svc", "step": 1, "source": "svc", "method": "even", "targets": ["a", "b"], "weights": null}],
      "headcount": {}, "outcomes": []})";
    std::vector<AllocationLine> lines = run(doc);
    EXPECT_EQ(sum(lines, "USD"), R("3.50"));
    EXPECT_EQ(sum(lines, "EUR"), rounded(R("0.5") + R("0.334") + R(1), 2));
    EXPECT_EQ(sum(lines, "JPY"), R(301));
    std::set<std::string> currencies;
    for (const AllocationLine& l : lines) {
        currencies.insert(l.currency);
        if (l.currency == "JPY") {
            EXPECT_EQ(l.amount.find('.'), std::string::npos) << l.amount;
        } else {
            EXPECT_EQ(l.amount.size() - l.amount.find('.'), 3u) << l.amount;
        }
    }
    EXPECT_EQ(currencies, (std::set<std::string>{"EUR", "JPY", "USD"}));
    // svc is allocated out in every currency it has a balance in.
    EXPECT_EQ(unit_total(lines, 3, "EUR"), R(0));
    EXPECT_EQ(unit_total(lines, 3, "JPY"), R(0));
    EXPECT_EQ(unit_total(lines, 1, "JPY") + unit_total(lines, 2, "JPY"), R(301));
}

// (i) ---------------------------------------------------------------------------------------

TEST(AllocationEngine, Errors) {
    auto with = [](const std::function<void(json&)>& edit) {
        json d = read_json(example("department"));
        edit(d);
        return sqlstate_of([&] { compute_allocation(d); });
    };
    EXPECT_EQ(with([](json&) {}), "no error");
    EXPECT_EQ(with([](json& d) { d["model"] = "tribal"; }), "22023");
    EXPECT_EQ(with([](json& d) { d.erase("model"); }), "22023");
    EXPECT_EQ(sqlstate_of([] { compute_allocation(json::array()); }), "22023");
    EXPECT_EQ(with([](json& d) { d["rules"][0]["source"] = "nobody"; }), "22023");
    EXPECT_EQ(with([](json& d) { d["rules"][1]["targets"][1] = "nobody"; }), "22023");
    EXPECT_EQ(with([](json& d) { d["rules"][0]["method"] = "astrology"; }), "22023");
    EXPECT_EQ(with([](json& d) { d["rules"][0]["method"] = "fixed"; }), "22023");  // no weights
    EXPECT_EQ(with([](json& d) {
                  d["rules"][1]["method"] = "fixed";
                  d["rules"][1]["weights"] = read_json(R"({"marketing": 1, "Sales": -0.5})");
              }),
              "22023");
    // No possible target while the source has a balance: only itself, or only units
    // already allocated in an earlier step.
    EXPECT_EQ(with([](json& d) { d["rules"][1]["targets"] = json::array({"unattributed"}); }), "22023");
    EXPECT_EQ(with([](json& d) { d["rules"][1]["targets"] = json::array({"platform"}); }), "22023");
    // ... but a source with nothing to share needs no target.
    EXPECT_EQ(with([](json& d) {
                  d["rules"][1]["targets"] = json::array({"unattributed"});
                  d["costs"].erase(4);
              }),
              "no error");
    EXPECT_EQ(with([](json& d) { d["costs"][0]["unit"] = 99; }), "22023");
    EXPECT_EQ(with([](json& d) { d["costs"][0]["currency"] = "QQQ"; }), "22023");
    EXPECT_EQ(with([](json& d) { d["costs"][0]["cost"] = "ten"; }), "22P02");
    EXPECT_EQ(with([](json& d) { d["costs"] = "none"; }), "22023");
    // Two rules for one source in one step.
    EXPECT_EQ(with([](json& d) { d["rules"][1]["source"] = "platform"; d["rules"][1]["step"] = 1; }), "22023");
}

// (j) ---------------------------------------------------------------------------------------

namespace {

json shuffled(const json& doc, std::mt19937_64& rng) {
    json d = doc;
    for (const char* key : {"units", "costs"}) {
        std::vector<json> v(d[key].begin(), d[key].end());
        std::shuffle(v.begin(), v.end(), rng);
        d[key] = json(v);
    }
    return d;
}

}  // namespace

TEST(AllocationEngine, OutputDoesNotDependOnInputOrder) {
    // Rows that merge into one line (activity model: several projects per activity) and
    // several providers and currencies.
    json doc = read_json(R"({"model": "activity",
      "units": [{"id": 1, "code": "a", "parent": null, "kind": "department"},
                {"id": 2, "code": "b", "parent": 1, "kind": "team"},
                {"id": 3, "code": "svc", "parent": null, "kind": "service"},
                {"id": 4, "code": "unattributed", "parent": null, "kind": "pool"}],
      "costs": [
        {"unit": 1, "project": "p1", "activity": "chat", "provider": "x", "currency": "USD", "adjusts": null, "cost": 0.100000000001, "requests": 1, "tokens": 5},
        {"unit": 1, "project": "p2", "activity": "chat", "provider": "x", "currency": "USD", "adjusts": null, "cost": 0.2, "requests": 2, "tokens": 5},
        {"unit": 1, "project": "p3", "activity": "chat", "provider": "x", "currency": "USD", "adjusts": null, "cost": 0.3, "requests": 4, "tokens": 5},
        {"unit": 2, "project": "p1", "activity": "code", "provider": "y", "currency": "USD", "adjusts": null, "cost": 1.7, "requests": 1, "tokens": 5},
        {"unit": 2, "project": "p1", "activity": "code", "provider": "y", "currency": "USD", "adjusts": "2025-04-01", "cost": 0.05, "requests": 1, "tokens": 5},
        {"unit": 3, "project": null, "activity": "batch", "provider": "x", "currency": "USD", "adjusts": null, "cost": 0.77, "requests": 1, "tokens": 5},
        {"unit": 4, "project": null, "activity": null, "provider": "x", "currency": "USD", "adjusts": null, "cost": 0.01, "requests": 1, "tokens": 5},
        {"unit": 2, "project": null, "activity": "chat", "provider": "x", "currency": "EUR", "adjusts": null, "cost": 1, "requests": 1, "tokens": 5},
        {"unit": 3, "project": null, "activity": "chat", "provider": "x", "currency": "EUR", "adjusts": null, "cost": 2, "requests": 1, "tokens": 5}],
      "fixed": [{"provider": "x", "description": "seats", "amount": 1, "currency": "USD"}],
      "invoices": [{"provider": "y", "amount": 2, "currency": "USD"}],
      "rules": [{"rule_id": 1, "name": "svc", "step": 1, "source": "svc", "method": "tokens", "targets": null, "weights": null},
                {"rule_id": 2, "name": "left", "step": 2, "source": "unattributed", "method": "even", "targets": ["a", "b"], "weights": null}],
      "headcount": {"1": 2, "2": 1}, "outcomes": [{"unit": 1, "activity": "chat", "units": 9}]})");
    const std::vector<std::string> expected = texts(compute_allocation(doc));
    ASSERT_FALSE(expected.empty());
    std::mt19937_64 rng(99);
    for (int i = 0; i < 20; ++i) EXPECT_EQ(texts(compute_allocation(shuffled(doc, rng))), expected);
}

// (k) ---------------------------------------------------------------------------------------

namespace {

// A random decimal with 12 fractional digits below `max_units` (as JSON number text).
std::string random_amount(std::mt19937_64& rng, uint64_t max_units) {
    std::string frac = std::to_string(rng() % 1000000000000ULL);
    frac.insert(0, 12 - frac.size(), '0');
    return std::to_string(rng() % max_units) + "." + frac;
}

struct Generated {
    std::string text;
    std::map<std::string, Rational> total;  // per currency, exact
    std::set<int> sources;                   // units allocated out by a rule
    int central = 0;
};

Generated generate(std::mt19937_64& rng) {
    Generated g;
    const int n = 3 + static_cast<int>(rng() % 10);
    // Ids are not 1..n, and the hierarchy is random (a parent always has a smaller index).
    std::vector<int> ids(static_cast<size_t>(n));
    std::vector<std::string> codes(static_cast<size_t>(n));
    std::string units;
    bool has_unattributed = rng() % 2 == 0;
    for (int i = 0; i < n; ++i) {
        ids[static_cast<size_t>(i)] = 10 + 3 * i + static_cast<int>(rng() % 3);
        codes[static_cast<size_t>(i)] = (has_unattributed && i == 1) ? "unattributed" : "u" + std::to_string(i);
        int parent = i > 0 && rng() % 2 ? ids[rng() % static_cast<size_t>(i)] : 0;
        const char* kind = i == 0 ? "central" : "department";
        units += std::string(i ? ", " : "") + R"({"id": )" + std::to_string(ids[static_cast<size_t>(i)]) + R"(, "code": ")" +
                 codes[static_cast<size_t>(i)] + R"(", "parent": )" + (parent ? std::to_string(parent) : "null") +
                 R"(, "kind": ")" + kind + R"("})";
    }
    g.central = ids[0];
    // The last unit is never a source and always has cost, so every rule has a target.
    const std::vector<std::string> providers = {"p", "q", "r"};
    const std::vector<std::string> currencies = {"USD", "USD", "EUR"};
    std::map<std::pair<std::string, std::string>, Rational> metered, fixed;  // (currency, provider)
    std::string costs;
    int ncosts = 2 + static_cast<int>(rng() % 20);
    for (int c = 0; c < ncosts; ++c) {
        size_t u = c == 0 ? static_cast<size_t>(n - 1) : rng() % static_cast<size_t>(n);
        std::string provider = providers[rng() % providers.size()];
        std::string currency = c == 0 ? "USD" : currencies[rng() % currencies.size()];
        std::string cost = random_amount(rng, c == 0 ? 50 : 100);
        if (c == 0) cost = "1" + cost;  // > 0
        if (c == 1) currency = "EUR", u = static_cast<size_t>(n - 1), cost = "2" + cost;
        metered[{currency, provider}] += R(cost);
        std::string adjusts = rng() % 10 == 0 ? R"("2025-0)" + std::to_string(1 + rng() % 5) + R"(-01")" : "null";
        costs += std::string(c ? ", " : "") + R"({"unit": )" + std::to_string(ids[u]) + R"(, "project": )" +
                 (rng() % 2 ? R"("pr)" + std::to_string(rng() % 3) + "\"" : "null") + R"(, "activity": ")" +
                 (rng() % 2 ? "chat" : "code") + R"(", "provider": ")" + provider + R"(", "currency": ")" + currency +
                 R"(", "adjusts": )" + adjusts + R"(, "cost": )" + cost + R"(, "requests": )" +
                 std::to_string(1 + rng() % 50) + R"(, "tokens": )" + std::to_string(rng() % 10000) + "}";
    }
    std::string fixed_text;
    int nfixed = static_cast<int>(rng() % 4);
    for (int f = 0; f < nfixed; ++f) {
        std::string provider = providers[rng() % providers.size()];
        std::string currency = currencies[rng() % currencies.size()];
        std::string amount = std::to_string(rng() % 50) + "." + std::to_string(rng() % 10) + std::to_string(rng() % 10);
        fixed[{currency, provider}] += R(amount);
        fixed_text += std::string(f ? ", " : "") + R"({"provider": ")" + provider + R"(", "description": "d)" +
                      std::to_string(f) + R"(", "amount": )" + amount + R"(, "currency": ")" + currency + R"("})";
    }
    // Invoices >= metered + fixed for some (currency, provider) pairs, including unused ones.
    std::map<std::pair<std::string, std::string>, Rational> invoices;
    std::string invoice_text;
    for (const char* currency : {"USD", "EUR"})
        for (const std::string& provider : providers) {
            if (rng() % 3 != 0) continue;
            std::pair<std::string, std::string> key{currency, provider};
            Rational floor_amount = (metered.count(key) ? metered[key] : Rational()) + (fixed.count(key) ? fixed[key] : Rational());
            Rational amount = R((floor_amount + R(static_cast<int64_t>(rng() % 500)) / R(100)).to_decimal(2)) + R("0.01");
            invoices[key] = amount;
            invoice_text += std::string(invoice_text.empty() ? "" : ", ") + R"({"provider": ")" + provider +
                            R"(", "amount": )" + amount.to_decimal(2) + R"(, "currency": ")" + currency + R"("})";
        }
    std::set<std::pair<std::string, std::string>> keys;
    for (const auto& [k, v] : metered) keys.insert(k);
    for (const auto& [k, v] : fixed) keys.insert(k);
    for (const auto& [k, v] : invoices) keys.insert(k);
    for (const auto& k : keys)
        g.total[k.first] += invoices.count(k) ? invoices[k]
                                               : (metered.count(k) ? metered[k] : Rational()) + (fixed.count(k) ? fixed[k] : Rational());

    // Step-down rules: distinct sources among units 1..n-2 (never the central unit or the
    // last unit), one per step, now and then a plain fixed-charge rule.
    std::vector<size_t> candidates;
    for (size_t i = 1; i + 1 < static_cast<size_t>(n); ++i) candidates.push_back(i);
    std::shuffle(candidates.begin(), candidates.end(), rng);
    size_t nrules = candidates.empty() ? 0 : rng() % (candidates.size() + 1);
    const std::vector<std::string> methods = {"proportional", "even", "fixed", "headcount", "tokens", "requests"};
    std::string rules;
    auto target_list = [&](size_t self) {
        std::string t = "[\"" + codes[static_cast<size_t>(n - 1)] + "\"";
        for (int i = 0; i < n; ++i)
            if (static_cast<size_t>(i) != self && rng() % 3 == 0) t += ", \"" + codes[static_cast<size_t>(i)] + "\"";
        return t + "]";
    };
    auto weights = [&]() {
        std::string w = "{";
        for (int i = 0; i < n; ++i)
            if (rng() % 2) w += std::string(w.size() > 1 ? ", " : "") + "\"" + codes[static_cast<size_t>(i)] + "\": " + std::to_string(rng() % 5);
        return w + "}";
    };
    for (size_t r = 0; r < nrules; ++r) {
        size_t src = candidates[r];
        g.sources.insert(ids[src]);
        std::string method = methods[rng() % methods.size()];
        // Without targets a rule reaches every unit with direct cost, the last one included.
        std::string targets = rng() % 3 == 0 ? "null" : target_list(src);
        rules += std::string(r ? ", " : "") + R"({"rule_id": )" + std::to_string(r + 1) + R"(, "name": "r)" + std::to_string(r) +
                 R"(", "step": )" + std::to_string(10 * (r + 1)) + R"(, "source": ")" + codes[src] + R"(", "method": ")" + method +
                 R"(", "targets": )" + targets + R"(, "weights": )" + (method == "fixed" ? weights() : "null") + "}";
    }
    if (rng() % 3 == 0) {
        std::string method = methods[rng() % methods.size()];
        rules += std::string(rules.empty() ? "" : ", ") + R"({"rule_id": 99, "name": "fx", "step": 1, "source": "fixed", "method": ")" +
                 method + R"(", "targets": )" + (rng() % 2 ? "null" : target_list(0)) + R"(, "weights": )" +
                 (method == "fixed" ? weights() : "null") + "}";
    }
    std::string headcount = "{";
    for (int i = 0; i < n; ++i)
        if (rng() % 2) headcount += std::string(headcount.size() > 1 ? ", " : "") + "\"" + std::to_string(ids[static_cast<size_t>(i)]) + "\": " + std::to_string(rng() % 20);
    headcount += "}";
    g.text = R"({"model": "department", "units": [)" + units + R"(], "costs": [)" + costs + R"(], "fixed": [)" + fixed_text +
             R"(], "invoices": [)" + invoice_text + R"(], "rules": [)" + rules + R"(], "headcount": )" + headcount +
             R"(, "outcomes": []})";
    return g;
}

}  // namespace

TEST(AllocationEngine, PropertyRandomOrganisations) {
    std::mt19937_64 rng(20250714);
    for (int iter = 0; iter < 150; ++iter) {
        Generated g = generate(rng);
        SCOPED_TRACE("iteration " + std::to_string(iter) + ": " + g.text);
        json doc = read_json(g.text);
        std::vector<AllocationLine> lines;
        ASSERT_NO_THROW(lines = compute_allocation(doc));
        for (const auto& [currency, total] : g.total) {
            ASSERT_EQ(sum(lines, currency), rounded(total, 2)) << currency;
            for (const auto& [unit, v] : per_unit(lines, currency)) {
                if (g.sources.count(unit)) {
                    ASSERT_EQ(v, R(0)) << "source unit " << unit << " keeps " << v.to_decimal(2) << " " << currency;
                } else {
                    ASSERT_GE(v.sign(), 0) << "unit " << unit << " " << v.to_decimal(2) << " " << currency;
                }
            }
        }
        expect_lines_near_exact(lines, R("0.01"));
        // Deterministic under shuffled units and costs.
        ASSERT_EQ(texts(compute_allocation(shuffled(doc, rng))), texts(lines));
        // The central model: the same total, all of it at the center.
        doc["model"] = "central";
        std::vector<AllocationLine> central = compute_allocation(doc);
        for (const auto& [currency, total] : g.total) {
            ASSERT_EQ(sum(central, currency), rounded(total, 2));
            for (const auto& [unit, v] : per_unit(central, currency))
                ASSERT_EQ(v, unit == g.central ? rounded(total, 2) : R(0)) << "unit " << unit << " " << currency;
        }
    }
}
