#include "allocation_engine.hpp"

#include "currency.hpp"
#include "error.hpp"
#include "interrupt.hpp"
#include "largest_remainder.hpp"
#include "linear_solve.hpp"
#include "rational.hpp"

#include <algorithm>
#include <cctype>
#include <map>
#include <optional>
#include <set>
#include <tuple>
#include <utility>

namespace cb::core {

namespace {

using json = nlohmann::json;

[[noreturn]] void invalid(const std::string& message, const std::string& hint = {}) {
    throw Error(sqlstate::invalid_parameter_value, message, {}, hint);
}

std::string lower(std::string s) {
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

// Members read from the input document; absent and null read as empty or zero.
std::string text_of(const json& o, const char* key) {
    auto it = o.find(key);
    if (it == o.end() || it->is_null()) return {};
    if (it->is_string()) return it->get<std::string>();
    return it->dump();
}

Rational number_of(const json& v, const std::string& what) {
    if (v.is_null()) return Rational(int64_t{0});
    if (v.is_number_integer()) return Rational::parse(v.dump());
    if (v.is_string()) return Rational::parse(v.get_ref<const std::string&>());
    invalid(what + " is not a number: " + v.dump());
}

Rational number_of(const json& o, const char* key, const std::string& what) {
    auto it = o.find(key);
    return it == o.end() ? Rational(int64_t{0}) : number_of(*it, what);
}

int int_of(const json& o, const char* key) {
    auto it = o.find(key);
    if (it == o.end() || !it->is_number_integer()) return 0;
    return it->get<int>();
}

const json& array_of(const json& o, const char* key) {
    static const json empty = json::array();
    auto it = o.find(key);
    if (it == o.end() || it->is_null()) return empty;
    if (!it->is_array()) invalid(std::string("allocation input: ") + key + " is not an array");
    return *it;
}

[[noreturn]] void too_many(const std::string& what, size_t count, size_t limit, const std::string& hint) {
    throw Error(sqlstate::program_limit_exceeded,
                "allocation input has " + std::to_string(count) + " " + what + ", more than the limit of " +
                    std::to_string(limit),
                {}, hint);
}

// The input's sizes against the engine's limits (allocation_engine.hpp), before any work.
void check_limits(const json& input) {
    auto size_of = [&input](const char* key) -> size_t {
        auto it = input.find(key);
        return it != input.end() && it->is_array() ? it->size() : 0;
    };
    if (size_t n = size_of("units"); n > kMaxAllocationUnits)
        too_many("org units", n, kMaxAllocationUnits, "an exact run over this many units takes too long; group them");
    if (size_t n = size_of("rules"); n > kMaxAllocationRules)
        too_many("allocation rules", n, kMaxAllocationRules,
                 "each rule's pool is exact, so the run's cost grows steeply with its rules: combine rules "
                 "(one rule can name many targets)");
    auto rules = input.find("rules");
    if (rules == input.end() || !rules->is_array()) return;
    std::map<int64_t, size_t> per_step;
    for (const json& r : *rules) {
        if (!r.is_object()) continue;
        auto step = r.find("step");
        int64_t s = step != r.end() && step->is_number_integer() ? step->get<int64_t>() : 0;
        if (size_t n = ++per_step[s]; n > kMaxAllocationRulesPerStep)
            too_many("allocation rules in step " + std::to_string(s), n, kMaxAllocationRulesPerStep,
                     "the rules of one step are solved together as one exact linear system; spread them over "
                     "more steps");
        for (const char* key : {"targets", "weights"}) {
            auto it = r.find(key);
            if (it != r.end() && (it->is_array() || it->is_object()) && it->size() > kMaxAllocationRuleTargets)
                too_many(std::string(key) + " in allocation rule " + text_of(r, "name"), it->size(),
                         kMaxAllocationRuleTargets, "name fewer targets, or group them under a parent unit");
        }
    }
}

std::string decimal_text(const Rational& r) {
    bool exact = false;
    return r.to_exact_decimal(12, &exact);
}

// The organisation: units, their hierarchy and the two special ones.
struct Org {
    struct Unit {
        int id;
        std::string code;
        int parent;
        std::string kind;
    };
    std::vector<Unit> units;
    std::map<int, size_t> by_id;
    std::map<std::string, int> by_code;  // lower-case code -> id
    int central = 0;
    int unattributed = 0;

    explicit Org(const json& input) {
        for (const json& u : array_of(input, "units")) {
            check_interrupts();
            Unit unit{int_of(u, "id"), text_of(u, "code"), int_of(u, "parent"), text_of(u, "kind")};
            by_id[unit.id] = units.size();
            by_code[lower(unit.code)] = unit.id;
            if (unit.kind == "central") central = unit.id;
            if (unit.code == "unattributed") unattributed = unit.id;
            units.push_back(std::move(unit));
        }
    }
    const std::string& code(int id) const {
        auto it = by_id.find(id);
        if (it == by_id.end()) invalid("allocation input: unknown org unit id " + std::to_string(id));
        return units[it->second].code;
    }
    int find(const std::string& code) const {
        auto it = by_code.find(lower(code));
        return it == by_code.end() ? 0 : it->second;
    }
    // The unit and its ancestors (the hierarchy is acyclic; the walk is bounded anyway).
    std::vector<int> self_and_ancestors(int id) const {
        std::vector<int> out;
        for (int cur = id, steps = 0; cur != 0 && steps <= 1000; ++steps) {
            out.push_back(cur);
            auto it = by_id.find(cur);
            cur = it == by_id.end() ? 0 : units[it->second].parent;
        }
        return out;
    }
    // Where money with no better home goes: the central cost center, else unattributed.
    int fallback() const { return central ? central : unattributed; }
};

struct Rule {
    int64_t id = 0;
    std::string name;
    int step = 0;
    std::string source;
    std::string method;
    bool has_targets = false;
    std::vector<std::string> targets;
    json weights;
    // weights by lower-case unit code (the first of the object's keys that lower to it), so
    // that weighing a target is a lookup, not a scan of every weight.
    std::map<std::string, std::string> weight_key;  // lower-case code -> key in weights
};

using LineKey = std::tuple<int, std::string, std::string, std::string, std::string>;  // unit, component, source, project, activity

struct LineValue {
    Rational amount;
    json basis;
    std::optional<Rational> requests;  // metered lines: requests behind them (added on merge)
};

// Weights of one rule's targets, with the method that produced them.
struct Split {
    std::vector<int> targets;
    std::vector<Rational> weights;
    Rational total;
    bool fallback_even = false;
};

class CurrencyRun {
public:
    CurrencyRun(const Org& org, std::string model, std::string currency)
        : org_(org), model_(std::move(model)), currency_(std::move(currency)) {}

    void add_cost(const json& c) {
        int unit = int_of(c, "unit");
        org_.code(unit);  // validates
        std::string provider = text_of(c, "provider");
        std::string adjusts = text_of(c, "adjusts");
        Rational cost = number_of(c, "cost", "usage cost");
        Rational requests = number_of(c, "requests", "request count");
        Rational tokens = number_of(c, "tokens", "token count");
        std::string project = model_ == "activity" ? std::string() : text_of(c, "project");
        std::string activity = model_ == "activity" ? text_of(c, "activity") : std::string();
        bool late = !adjusts.empty();
        std::string source = late ? "late:" + provider + ":" + adjusts.substr(0, 7) : "usage:" + provider;
        json basis = {{"method", "metered"}, {"provider", provider}};
        if (late) basis["adjusts_period"] = adjusts;
        add(unit, project, activity, late ? "adjustment" : "direct", source, cost, basis, requests);
        direct_[unit] += cost;
        by_activity_[unit][text_of(c, "activity")] += cost;
        provider_cost_[provider][unit] += cost;
        metered_[provider] += cost;
        for (int a : org_.self_and_ancestors(unit)) {
            subtree_direct_[a] += cost;
            subtree_requests_[a] += requests;
            subtree_tokens_[a] += tokens;
        }
    }

    void add_fixed(const json& f) {
        std::string provider = text_of(f, "provider");
        std::string description = text_of(f, "description");
        Rational amount = number_of(f, "amount", "fixed charge amount");
        fixed_[provider] += amount;
        pending_fixed_.push_back({provider, description, amount});
    }

    void add_invoice(const json& i) {
        std::string provider = text_of(i, "provider");
        invoices_[provider] = number_of(i, "amount", "invoice amount");
    }

    void set_headcount(int unit, const Rational& n) {
        for (int a : org_.self_and_ancestors(unit)) subtree_headcount_[a] += n;
    }

    void set_outcome(int unit, const std::string& activity, const std::string& units) { outcomes_[{unit, activity}] = units; }

    std::vector<AllocationLine> finish(const std::vector<Rule>& rules) {
        allocate_fixed(rules);
        true_up();
        run_rules(rules);
        if (model_ == "central") centralize();
        return round_lines();
    }

private:
    struct Fixed {
        std::string provider, description;
        Rational amount;
    };

    // Lines with the same key merge: amounts (and the requests of metered lines) add up; the
    // first line's basis stays.
    void add(int unit, const std::string& project, const std::string& activity, const std::string& component,
             const std::string& source, const Rational& amount, const json& basis,
             const std::optional<Rational>& requests = std::nullopt) {
        check_interrupts();  // every loop of a run adds lines: each is a point to stop at
        LineKey key{unit, component, source, project, activity};
        auto it = lines_.find(key);
        if (it == lines_.end()) {
            lines_.emplace(key, LineValue{amount, basis, requests});
        } else {
            it->second.amount += amount;
            if (requests && it->second.requests) *it->second.requests += *requests;
        }
        balance_[unit] += amount;
    }

    // Adds `amount` to a target; the activity model spreads it over the target's activity mix
    // (its own direct cost per activity) so that cost per activity carries its overhead.
    void add_spread(int unit, const std::string& component, const std::string& source, const Rational& amount,
                    const json& basis) {
        if (amount.is_zero()) return;
        if (model_ != "activity") {
            add(unit, {}, {}, component, source, amount, basis);
            return;
        }
        auto mix = by_activity_.find(unit);
        Rational total;
        if (mix != by_activity_.end())
            for (const auto& [activity, cost] : mix->second) total += cost;
        if (total.is_zero()) {
            add(unit, {}, {}, component, source, amount, basis);
            return;
        }
        for (const auto& [activity, cost] : mix->second) {
            if (cost.is_zero()) continue;
            json b = basis;
            b["activity_ratio"] = decimal_text(cost / total);
            add(unit, {}, activity, component, source, amount * cost / total, b);
        }
    }

    Rational weight_of(const Rule& r, int unit) const {
        auto get = [unit](const std::map<int, Rational>& m) {
            auto it = m.find(unit);
            return it == m.end() ? Rational(int64_t{0}) : it->second;
        };
        if (r.method == "proportional") return get(subtree_direct_);
        if (r.method == "even") return Rational(int64_t{1});
        if (r.method == "headcount") return get(subtree_headcount_);
        if (r.method == "tokens") return get(subtree_tokens_);
        if (r.method == "requests") return get(subtree_requests_);
        if (r.method == "fixed") {
            const std::string& code = org_.code(unit);
            auto it = r.weight_key.find(lower(code));
            if (it == r.weight_key.end()) return Rational(int64_t{0});
            Rational w = number_of(r.weights.at(it->second), "weight of " + code + " in allocation rule " + r.name);
            if (w.sign() < 0)
                invalid("allocation rule " + r.name + ": weight " + decimal_text(w) + " of " + code + " is negative",
                        "fixed weights are percentages or other non-negative shares");
            return w;
        }
        invalid("allocation rule " + r.name + ": unknown method " + r.method,
                "methods: proportional, even, fixed, headcount, tokens, requests");
    }

    // The targets of a rule (explicit codes, else every unit with direct cost) minus its
    // source, units already allocated in earlier steps and the unattributed pool, weighted.
    Split split_for(const Rule& r, int source) {
        Split s;
        std::vector<int> candidates;
        if (r.has_targets) {
            for (const std::string& code : r.targets) {
                int id = org_.find(code);
                if (!id)
                    invalid("allocation rule " + r.name + ": unknown target org unit " + code,
                            "targets are org unit codes (chargeback.org_unit.code)");
                candidates.push_back(id);
            }
        } else {
            for (const auto& [unit, cost] : direct_)
                if (!cost.is_zero() && unit != org_.unattributed) candidates.push_back(unit);
        }
        std::sort(candidates.begin(), candidates.end());
        candidates.erase(std::unique(candidates.begin(), candidates.end()), candidates.end());
        targets_weighed_ += candidates.size();
        if (targets_weighed_ > kMaxAllocationTargetsPerRun)
            too_many("rule targets in all (counted up to allocation rule " + r.name + ")", targets_weighed_,
                     kMaxAllocationTargetsPerRun,
                     "a rule without targets weighs every unit with direct cost; name targets, or combine rules");
        for (int t : candidates) {
            check_interrupts();
            if (t == source || closed_.count(t)) continue;
            s.targets.push_back(t);
            s.weights.push_back(weight_of(r, t));
            s.total += s.weights.back();
        }
        if (s.total.is_zero() && !s.targets.empty()) {
            s.fallback_even = true;
            for (Rational& w : s.weights) w = Rational(int64_t{1});
            s.total = Rational(static_cast<int64_t>(s.targets.size()));
        }
        return s;
    }

    Split default_split(const std::map<int, Rational>& weights) const {
        Split s;
        for (const auto& [unit, w] : weights) {
            if (w.is_zero()) continue;
            s.targets.push_back(unit);
            s.weights.push_back(w);
            s.total += w;
        }
        if (s.targets.empty() || s.total.sign() <= 0) {
            s = Split{};
            s.targets.push_back(org_.fallback());
            s.weights.push_back(Rational(int64_t{1}));
            s.total = Rational(int64_t{1});
            s.fallback_even = true;
        }
        return s;
    }

    void allocate_fixed(const std::vector<Rule>& rules) {
        for (const Fixed& f : pending_fixed_) {
            const Rule* rule = nullptr;
            for (const Rule& r : rules)
                if (lower(r.source) == "fixed:" + lower(f.provider)) {
                    rule = &r;
                    break;
                }
            if (!rule)
                for (const Rule& r : rules)
                    if (lower(r.source) == "fixed") {
                        rule = &r;
                        break;
                    }
            Split s;
            json basis = {{"pool", decimal_text(f.amount)}, {"provider", f.provider}, {"description", f.description}};
            if (rule) {
                s = split_for(*rule, 0);
                if (s.targets.empty()) s = default_split({});
                basis["method"] = rule->method;
                basis["rule_id"] = rule->id;
                basis["rule"] = rule->name;
            } else {
                auto pc = provider_cost_.find(f.provider);
                s = default_split(pc != provider_cost_.end() ? pc->second : direct_);
                if (s.fallback_even && pc != provider_cost_.end()) s = default_split(direct_);
                basis["method"] = "proportional";
            }
            if (s.fallback_even) basis["fallback"] = "even";
            std::string source = "fixed:" + f.provider + ":" + f.description;
            for (size_t k = 0; k < s.targets.size(); ++k) {
                Rational share = f.amount * s.weights[k] / s.total;
                json b = basis;
                b["ratio"] = decimal_text(s.weights[k] / s.total);
                add_spread(s.targets[k], "fixed", source, share, b);
                fixed_share_[f.provider][s.targets[k]] += share;
            }
        }
    }

    void true_up() {
        for (const auto& [provider, invoice] : invoices_) {
            Rational metered = metered_.count(provider) ? metered_.at(provider) : Rational(int64_t{0});
            Rational fixed = fixed_.count(provider) ? fixed_.at(provider) : Rational(int64_t{0});
            Rational diff = invoice - metered - fixed;
            if (diff.is_zero()) continue;
            std::map<int, Rational> weights;
            if (auto it = provider_cost_.find(provider); it != provider_cost_.end()) weights = it->second;
            if (auto it = fixed_share_.find(provider); it != fixed_share_.end())
                for (const auto& [unit, share] : it->second) weights[unit] += share;
            Split s = default_split(weights);
            json basis = {{"method", "proportional"}, {"provider", provider}, {"invoice", decimal_text(invoice)},
                          {"metered", decimal_text(metered)}, {"fixed", decimal_text(fixed)},
                          {"difference", decimal_text(diff)}};
            if (s.fallback_even) basis["fallback"] = "no usage of this provider: to the central cost center";
            for (size_t k = 0; k < s.targets.size(); ++k) {
                json b = basis;
                b["ratio"] = decimal_text(s.weights[k] / s.total);
                add_spread(s.targets[k], "true_up", "invoice:" + provider, diff * s.weights[k] / s.total, b);
            }
        }
    }

    Rational balance(int unit) const {
        auto it = balance_.find(unit);
        return it == balance_.end() ? Rational(int64_t{0}) : it->second;
    }

    // One step: its rules are solved together. With a single rule this is plain step-down;
    // when sources of the step serve each other, pool_i = balance_i + the shares the other
    // sources of the step send to i, solved exactly (the reciprocal method).
    void run_step(const std::vector<const Rule*>& step_rules) {
        size_t n = step_rules.size();
        std::vector<int> sources(n);
        std::vector<Split> splits(n);
        for (size_t i = 0; i < n; ++i) {
            const Rule& r = *step_rules[i];
            int id = org_.find(r.source);
            if (!id)
                invalid("allocation rule " + r.name + ": unknown source " + r.source,
                        "a source is an org unit code, unattributed, fixed or fixed:<provider>");
            for (size_t j = 0; j < i; ++j)
                if (sources[j] == id)
                    invalid("org unit " + r.source + " is the source of two allocation rules in step " + std::to_string(r.step),
                            "give each source one rule per step");
            sources[i] = id;
        }
        for (size_t i = 0; i < n; ++i) splits[i] = split_for(*step_rules[i], sources[i]);
        std::vector<Rational> pools(n);
        if (n == 1) {
            pools[0] = balance(sources[0]);
        } else {
            std::vector<std::vector<Rational>> m(n, std::vector<Rational>(n));
            std::vector<Rational> b(n);
            for (size_t i = 0; i < n; ++i) {
                check_interrupts();
                b[i] = balance(sources[i]);
                m[i][i] = Rational(int64_t{1});
                for (size_t j = 0; j < n; ++j) {
                    const Split& sj = splits[j];
                    for (size_t k = 0; k < sj.targets.size(); ++k)
                        if (sj.targets[k] == sources[i]) m[i][j] -= sj.weights[k] / sj.total;
                }
            }
            pools = solve_exact(m, b);
        }
        for (size_t i = 0; i < n; ++i) {
            const Rule& r = *step_rules[i];
            const Split& s = splits[i];
            if (pools[i].is_zero()) continue;
            if (s.targets.empty())
                invalid("allocation rule " + r.name + " has no target for the " + decimal_text(pools[i]) + " " + currency_ +
                            " of " + r.source,
                        "name targets, or make sure some unit has direct cost this period");
            const std::string& code = org_.code(sources[i]);
            json basis = {{"method", r.method}, {"rule_id", r.id}, {"rule", r.name}, {"step", r.step},
                          {"pool", decimal_text(pools[i])}};
            if (n > 1) basis["reciprocal"] = true;
            if (s.fallback_even) basis["fallback"] = "even";
            json out = basis;
            out["role"] = "allocated out";
            add(sources[i], {}, {}, "shared", code, -pools[i], out);
            for (size_t k = 0; k < s.targets.size(); ++k) {
                json b = basis;
                b["ratio"] = decimal_text(s.weights[k] / s.total);
                b["weight"] = decimal_text(s.weights[k]);
                add_spread(s.targets[k], "shared", code, pools[i] * s.weights[k] / s.total, b);
            }
        }
        for (int src : sources) closed_.insert(src);
    }

    void run_rules(const std::vector<Rule>& rules) {
        std::vector<const Rule*> step;
        for (size_t i = 0; i <= rules.size(); ++i) {
            bool fixed_rule = i < rules.size() && lower(rules[i].source).rfind("fixed", 0) == 0 &&
                              (lower(rules[i].source) == "fixed" || lower(rules[i].source).rfind("fixed:", 0) == 0);
            if (fixed_rule) continue;
            if (!step.empty() && (i == rules.size() || rules[i].step != step.front()->step)) {
                run_step(step);
                step.clear();
            }
            if (i < rules.size()) step.push_back(&rules[i]);
        }
    }

    // Central model: every unit's balance moves to the central AI cost center; the units keep
    // their direct lines, so the run is still their showback.
    void centralize() {
        if (!org_.central)
            invalid("the central model needs a central AI cost center",
                    "mark one org unit as it: UPDATE chargeback.org_unit SET kind = 'central' WHERE code = '...'");
        std::vector<std::pair<int, Rational>> moves;
        for (const auto& [unit, amount] : balance_)
            if (unit != org_.central && !amount.is_zero()) moves.emplace_back(unit, amount);
        for (const auto& [unit, amount] : moves) {
            json basis = {{"method", "central"}, {"role", "charged to the central AI cost center"}};
            add(unit, {}, {}, "shared", "model:central", -amount, basis);
            json in = {{"method", "central"}, {"from", org_.code(unit)}};
            add(org_.central, {}, {}, "shared", "model:central:" + org_.code(unit), amount, in);
        }
    }

    std::vector<AllocationLine> round_lines() {
        // The run total: invoices where recorded, else metered cost plus fixed charges.
        std::set<std::string> providers;
        for (const auto& [p, v] : metered_) providers.insert(p);
        for (const auto& [p, v] : fixed_) providers.insert(p);
        for (const auto& [p, v] : invoices_) providers.insert(p);
        Rational total;
        for (const std::string& p : providers) {
            if (invoices_.count(p)) {
                total += invoices_.at(p);
            } else {
                if (metered_.count(p)) total += metered_.at(p);
                if (fixed_.count(p)) total += fixed_.at(p);
            }
        }
        int digits = currency_minor_digits(currency_);
        Rational scale(BigInt::pow10(digits));
        std::vector<const std::pair<const LineKey, LineValue>*> kept;
        std::vector<Rational> exact;
        for (const auto& entry : lines_) {
            check_interrupts();
            if (entry.second.amount.is_zero()) continue;
            kept.push_back(&entry);
            exact.push_back(entry.second.amount * scale);
        }
        Rational scaled_total = total * scale;
        // The total rounds half away from zero, once.
        BigInt target = BigInt::from_decimal_digits(scaled_total.to_decimal(0));
        // Two levels of largest remainder: first each owner's total (so every owner's bill is
        // within one minor unit of its exact amount, and an owner that nets to zero gets
        // exactly zero), then each owner's lines to its rounded total.
        std::vector<size_t> first;  // index of each owner's first line (lines_ is ordered by owner)
        std::vector<Rational> owner_exact;
        for (size_t i = 0; i < kept.size(); ++i) {
            if (i == 0 || std::get<0>(kept[i]->first) != std::get<0>(kept[i - 1]->first)) {
                first.push_back(i);
                owner_exact.emplace_back();
            }
            owner_exact.back() += exact[i];
        }
        std::vector<BigInt> owner_units = round_to_total(owner_exact, target);
        std::vector<BigInt> units;
        units.reserve(kept.size());
        for (size_t g = 0; g < first.size(); ++g) {
            size_t end = g + 1 < first.size() ? first[g + 1] : kept.size();
            std::vector<Rational> part(exact.begin() + static_cast<std::ptrdiff_t>(first[g]),
                                       exact.begin() + static_cast<std::ptrdiff_t>(end));
            for (BigInt& u : round_to_total(part, owner_units[g])) units.push_back(std::move(u));
        }
        std::vector<AllocationLine> out;
        out.reserve(kept.size());
        for (size_t i = 0; i < kept.size(); ++i) {
            check_interrupts();
            const LineKey& key = kept[i]->first;
            json basis = kept[i]->second.basis;
            basis["exact"] = decimal_text(kept[i]->second.amount);
            if (kept[i]->second.requests) basis["requests"] = kept[i]->second.requests->to_decimal(0);
            if (model_ == "activity" && !std::get<4>(key).empty()) {
                auto it = outcomes_.find({std::get<0>(key), std::get<4>(key)});
                if (it != outcomes_.end()) basis["outcome_units"] = it->second;
            }
            AllocationLine line;
            line.org_unit_id = std::get<0>(key);
            line.component = std::get<1>(key);
            line.source = std::get<2>(key);
            line.project = std::get<3>(key);
            line.activity = std::get<4>(key);
            line.amount = (Rational(units[i]) / scale).to_decimal(digits);
            line.currency = currency_;
            line.basis = basis.dump();
            out.push_back(std::move(line));
        }
        return out;
    }

    const Org& org_;
    std::string model_;
    std::string currency_;
    std::map<LineKey, LineValue> lines_;
    std::map<int, Rational> balance_;
    std::map<int, Rational> direct_;
    std::map<int, std::map<std::string, Rational>> by_activity_;
    std::map<int, Rational> subtree_direct_, subtree_requests_, subtree_tokens_, subtree_headcount_;
    std::map<std::string, std::map<int, Rational>> provider_cost_;
    std::map<std::string, std::map<int, Rational>> fixed_share_;
    std::map<std::string, Rational> metered_, fixed_, invoices_;
    std::vector<Fixed> pending_fixed_;
    std::set<int> closed_;
    size_t targets_weighed_ = 0;  // by split_for(), against kMaxAllocationTargetsPerRun
    std::map<std::pair<int, std::string>, std::string> outcomes_;
};

std::vector<Rule> read_rules(const json& input) {
    std::vector<Rule> rules;
    for (const json& r : array_of(input, "rules")) {
        check_interrupts();
        Rule rule;
        auto id = r.find("rule_id");
        rule.id = id != r.end() && id->is_number_integer() ? id->get<int64_t>() : 0;
        rule.name = text_of(r, "name");
        rule.step = int_of(r, "step");
        rule.source = text_of(r, "source");
        rule.method = text_of(r, "method");
        auto t = r.find("targets");
        if (t != r.end() && t->is_array() && !t->empty()) {
            rule.has_targets = true;
            for (const json& code : *t) rule.targets.push_back(code.is_string() ? code.get<std::string>() : code.dump());
        }
        auto w = r.find("weights");
        if (w != r.end()) rule.weights = *w;
        if (rule.method == "fixed" && !rule.weights.is_object())
            invalid("allocation rule " + rule.name + " uses method fixed without weights",
                    "weights: {\"unit code\": percent, ...}");
        if (rule.weights.is_object())
            for (auto it = rule.weights.begin(); it != rule.weights.end(); ++it) rule.weight_key.emplace(lower(it.key()), it.key());
        rules.push_back(std::move(rule));
    }
    std::stable_sort(rules.begin(), rules.end(), [](const Rule& a, const Rule& b) { return a.step < b.step; });
    return rules;
}

}  // namespace

std::vector<AllocationLine> compute_allocation(const json& input) {
    if (!input.is_object()) invalid("allocation input is not a JSON object");
    std::string model = text_of(input, "model");
    if (model != "central" && model != "department" && model != "activity")
        invalid("unknown allocation model \"" + model + "\"", "models: central, department, activity");
    check_limits(input);
    Org org(input);
    std::vector<Rule> rules = read_rules(input);

    std::map<std::string, CurrencyRun> runs;
    auto run_for = [&](const std::string& currency) -> CurrencyRun& {
        std::string c = currency.empty() ? "USD" : currency;
        if (!is_currency_code(c)) invalid("unknown currency \"" + c + "\"", "use an ISO 4217 code such as USD");
        auto it = runs.find(c);
        if (it == runs.end()) it = runs.emplace(c, CurrencyRun(org, model, c)).first;
        return it->second;
    };
    for (const json& c : array_of(input, "costs")) run_for(text_of(c, "currency")).add_cost(c);
    for (const json& f : array_of(input, "fixed")) run_for(text_of(f, "currency")).add_fixed(f);
    for (const json& i : array_of(input, "invoices")) run_for(text_of(i, "currency")).add_invoice(i);
    auto hc = input.find("headcount");
    std::vector<std::pair<int, Rational>> headcount;
    if (hc != input.end() && hc->is_object())
        for (auto it = hc->begin(); it != hc->end(); ++it) {
            int unit = 0;
            for (char ch : it.key()) {
                if (ch < '0' || ch > '9' || unit > 100000000) invalid("allocation input: bad headcount key " + it.key());
                unit = unit * 10 + (ch - '0');
            }
            headcount.emplace_back(unit, number_of(it.value(), "headcount"));
        }
    std::vector<AllocationLine> out;
    for (auto& [currency, run] : runs) {
        for (const auto& [unit, n] : headcount) run.set_headcount(unit, n);
        for (const json& o : array_of(input, "outcomes")) run.set_outcome(int_of(o, "unit"), text_of(o, "activity"), text_of(o, "units"));
        std::vector<AllocationLine> lines = run.finish(rules);
        for (AllocationLine& l : lines) out.push_back(std::move(l));
    }
    return out;
}

}  // namespace cb::core
