// The differential check of the bulk ingest fast path (src/core/usage_fast.cpp) against the
// tree parser, shared by the fuzz_fast_parser target and test/unit/fast_parser_test.cpp:
//   - a line the fast path reads must be one the tree parser reads into the same records
//     (every field, attrs as JSON text, the format name);
//   - parse_usage_text (fast path first) must give what the tree parser gives, records or
//     error (SQLSTATE and message).
#pragma once
#include "core/error.hpp"
#include "core/token_usage.hpp"
#include "core/usage_fast.hpp"
#include "core/usage_record.hpp"

#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace cb::fuzz {

// A field added to UsageRecord (reported_cost, ...) must be compared below and read by the fast
// path's format readers (src/core/parsers/*_fast.cpp), or the fast path must decline the
// formats that set it: this fails the build until describe() is updated (then update the size).
static_assert(sizeof(cb::core::UsageRecord) == 424,
              "UsageRecord changed: add the new field to describe() in test/fuzz/fast_parser_diff.hpp "
              "and to the fast path's readers, then update this size");

// The records as text, or "error <sqlstate> <message>": what a caller can observe.
inline std::string describe(const std::vector<cb::core::UsageRecord>& records) {
    std::string s;
    for (const cb::core::UsageRecord& r : records) {
        s += "provider=" + r.provider + " model=" + r.model + " request_id=" + r.request_id +
             " tier=" + r.service_tier + " format=" + r.format +
             " at=" + (r.occurred_at ? std::to_string(*r.occurred_at) : "none") + " tokens=";
        for (int64_t c : r.tokens.count) s += std::to_string(c) + ",";
        s += " attrs=" + r.attrs.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
        s += " piece=" + r.piece;
        s += " reported_cost=" + r.reported_cost;
        if (r.rejection)
            s += std::string(" rejection=") + r.rejection->sqlstate() + " " + r.rejection->what();
        s += "\n";
    }
    return s;
}

template <class F>
std::string outcome(F&& parse) {
    try {
        return describe(parse());
    } catch (const cb::core::Error& e) {
        return std::string("error ") + e.sqlstate() + " " + e.what() + " | " + e.detail() + " | " +
               e.hint();
    }
}

// "" when the fast path agrees with the tree parser on this input, else what differs.
// *fast_read (optional) tells whether the fast path read the line itself.
inline std::string diff_fast_vs_tree(std::string_view payload, cb::core::UsageFormat format,
                                     std::string_view extra = {}, bool* fast_read = nullptr) {
    using namespace cb::core;
    std::string tree = outcome([&] { return parse_usage_text_tree(payload, format, extra); });
    std::optional<std::vector<UsageRecord>> fast = parse_usage_text_fast(payload, format, extra);
    if (fast_read) *fast_read = fast.has_value();
    if (fast) {
        std::string f = describe(*fast);
        if (f != tree)
            return "fast path read the line differently:\n  fast: " + f + "  tree: " + tree;
    }
    std::string both = outcome([&] { return parse_usage_text(payload, format, extra); });
    if (both != tree)
        return "parse_usage_text differs from the tree parser:\n  got:  " + both +
               "\n  tree: " + tree;
    return "";
}

}  // namespace cb::fuzz
