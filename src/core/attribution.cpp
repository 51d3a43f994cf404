#include "attribution.hpp"

#include "error.hpp"

#include <algorithm>

namespace cb::core {

using json = nlohmann::json;

namespace {

std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return out;
}

bool is_match_scalar(const json& v) { return v.is_string() || v.is_number_integer() || v.is_number_unsigned() || v.is_boolean(); }

// Scalar equality as jsonb compares them (integers by value, strings by bytes).
bool scalar_equal(const json& a, const json& b) {
    if (a.is_boolean() || b.is_boolean()) return a.is_boolean() && b.is_boolean() && a.get<bool>() == b.get<bool>();
    if (a.is_string() || b.is_string())
        return a.is_string() && b.is_string() && a.get_ref<const std::string&>() == b.get_ref<const std::string&>();
    if (a.is_number_unsigned() && b.is_number_unsigned()) return a.get<uint64_t>() == b.get<uint64_t>();
    if (a.is_number_integer() && b.is_number_integer()) {
        // Either may be stored unsigned; compare through the sign.
        if (a.is_number_unsigned() || b.is_number_unsigned()) {
            const json& u = a.is_number_unsigned() ? a : b;
            const json& s = a.is_number_unsigned() ? b : a;
            int64_t sv = s.get<int64_t>();
            return sv >= 0 && static_cast<uint64_t>(sv) == u.get<uint64_t>();
        }
        return a.get<int64_t>() == b.get<int64_t>();
    }
    return false;
}

// jsonb: an array contains a scalar or array when every wanted element is among its elements.
bool value_contains(const json& have, const json& want) {
    if (want.is_array()) {
        if (!have.is_array()) return false;
        for (const json& w : want) {
            bool found = false;
            for (const json& h : have)
                if (is_match_scalar(h) && scalar_equal(h, w)) {
                    found = true;
                    break;
                }
            if (!found) return false;
        }
        return true;
    }
    if (have.is_array()) {
        for (const json& h : have)
            if (is_match_scalar(h) && scalar_equal(h, want)) return true;
        return false;
    }
    return is_match_scalar(have) && scalar_equal(have, want);
}

}  // namespace

bool attrs_contain(const json& attrs, const json& match) {
    if (!attrs.is_object() || !match.is_object()) return false;
    for (auto it = match.begin(); it != match.end(); ++it) {
        auto a = attrs.find(it.key());
        if (a == attrs.end() || !value_contains(*a, it.value())) return false;
    }
    return true;
}

void validate_rule_match(const json& match) {
    if (!match.is_object() || match.empty())
        throw Error(sqlstate::invalid_parameter_value, "an ownership rule's match must be a non-empty JSON object",
                    {}, "for example {\"app\": \"support-bot\"} or {\"api_key\": \"key_mkt_1\"}");
    for (auto it = match.begin(); it != match.end(); ++it) {
        const json& v = it.value();
        bool ok = is_match_scalar(v);
        if (v.is_array()) {
            ok = true;
            for (const json& e : v) ok = ok && is_match_scalar(e);
        }
        if (!ok)
            throw Error(sqlstate::invalid_parameter_value,
                        "ownership rule match key \"" + it.key() + "\" must be a string, integer, boolean or an array of them",
                        "rules match the flat request attributes a gateway sends");
    }
}

void Attribution::add_unit(OrgUnit u) {
    by_code_[lower(u.code)] = u.org_unit_id;
    if (u.code == "unattributed") unattributed_ = u.org_unit_id;
    units_.push_back(std::move(u));
}

void Attribution::add_membership(Membership m) { memberships_[m.principal].push_back(std::move(m)); }

void Attribution::add_rule(OwnershipRule r) { rules_.push_back(std::move(r)); }

void Attribution::finish() {
    std::stable_sort(rules_.begin(), rules_.end(), [](const OwnershipRule& a, const OwnershipRule& b) {
        if (a.priority != b.priority) return a.priority > b.priority;
        return a.rule_id < b.rule_id;
    });
}

int32_t Attribution::unit_by_code(std::string_view code) const {
    auto it = by_code_.find(lower(code));
    return it == by_code_.end() ? 0 : it->second;
}

std::string Attribution::principal_of(const json& attrs) {
    if (!attrs.is_object()) return {};
    for (const char* key : {"user", "principal"}) {
        auto it = attrs.find(key);
        if (it != attrs.end() && it->is_string() && !it->get_ref<const std::string&>().empty())
            return it->get<std::string>();
    }
    return {};
}

Owner Attribution::resolve(const json& attrs, Timestamp at) const {
    Owner o;
    std::string project;
    if (attrs.is_object()) {
        auto p = attrs.find("project");
        if (p != attrs.end() && p->is_string()) project = p->get<std::string>();
        for (const char* key : {"org_unit", "department"}) {
            auto it = attrs.find(key);
            if (it == attrs.end() || !it->is_string()) continue;
            if (int32_t id = unit_by_code(it->get_ref<const std::string&>())) {
                o.org_unit_id = id;
                o.reason = "explicit";
                o.project = project;
                return o;
            }
        }
    }
    for (const OwnershipRule& r : rules_) {
        if (at < r.valid_from || at >= r.valid_to) continue;
        if (!attrs_contain(attrs, r.match)) continue;
        o.org_unit_id = r.org_unit_id;
        o.reason = "rule";
        o.rule_id = r.rule_id;
        o.project = project.empty() ? r.project : project;
        return o;
    }
    std::string principal = principal_of(attrs);
    if (!principal.empty()) {
        auto it = memberships_.find(principal);
        if (it != memberships_.end()) {
            for (const Membership& m : it->second) {
                if (at < m.valid_from || at >= m.valid_to) continue;
                o.org_unit_id = m.org_unit_id;
                o.reason = "membership";
                o.project = project;
                return o;
            }
        }
    }
    o.org_unit_id = unattributed_;
    o.reason = "unattributed";
    o.project = project;
    return o;
}

}  // namespace cb::core
