// Ownership: who pays for a request. Resolution order, first hit wins:
//   1. an explicit known owner in the attributes (attrs.org_unit or attrs.department, a
//      unit code, case-insensitive)                                     -> reason "explicit"
//   2. the highest-priority ownership rule valid at that time whose match is contained in
//      the attributes (jsonb @> semantics; ties: lowest rule_id)         -> reason "rule"
//   3. the principal's (attrs.user, else attrs.principal) membership at that time
//                                                                       -> reason "membership"
//   4. the built-in unit `unattributed`                                 -> reason "unattributed"
// The project is attrs.project when given, else the matching rule's project.
#pragma once
#include "pure.hpp"
#include "timestamp.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace cb::core {

inline constexpr int64_t kNoEnd = INT64_MAX;

struct OrgUnit {
    int32_t org_unit_id = 0;
    std::string code;
    int32_t parent_id = 0;  // 0 = none
};

struct Membership {
    std::string principal;
    int32_t org_unit_id = 0;
    Timestamp valid_from = INT64_MIN;
    Timestamp valid_to = kNoEnd;
};

struct OwnershipRule {
    int64_t rule_id = 0;
    int32_t priority = 0;
    nlohmann::json match;  // a flat object: string/integer/boolean values, or arrays of them
    int32_t org_unit_id = 0;
    std::string project;   // "" = none
    Timestamp valid_from = INT64_MIN;
    Timestamp valid_to = kNoEnd;
};

struct Owner {
    int32_t org_unit_id = 0;
    std::string project;       // "" = none
    std::string reason;        // explicit | rule | membership | unattributed
    int64_t rule_id = 0;       // for reason "rule"
};

// jsonb containment (attrs @> match) for a flat match object, without recursion.
bool attrs_contain(const nlohmann::json& attrs, const nlohmann::json& match);
// Checks a rule's match: a non-empty flat object of strings, integers, booleans or arrays of
// them. Throws 22023 explaining what is wrong.
void validate_rule_match(const nlohmann::json& match);

class Attribution {
public:
    void add_unit(OrgUnit u);
    void add_membership(Membership m);
    void add_rule(OwnershipRule r);
    void finish();  // orders rules and memberships; call once after loading

    Owner resolve(const nlohmann::json& attrs, Timestamp at) const;
    // The unit of a code (case-insensitive), or 0.
    int32_t unit_by_code(std::string_view code) const;
    int32_t unattributed_id() const { return unattributed_; }
    // The principal a request is charged to: attrs.user, else attrs.principal ("" if none).
    static std::string principal_of(const nlohmann::json& attrs);
    const std::vector<OrgUnit>& units() const { return units_; }

private:
    std::vector<OrgUnit> units_;
    std::unordered_map<std::string, int32_t> by_code_;  // lower-case code -> id
    std::unordered_map<std::string, std::vector<Membership>> memberships_;
    std::vector<OwnershipRule> rules_;
    int32_t unattributed_ = 0;
};

}  // namespace cb::core
