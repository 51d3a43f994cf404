// The bulk ingest fast path: parse_usage_text() without a JSON tree, for the lines it is
// certain to read exactly as the tree parser does (see usage_fast.cpp for which).
#pragma once
#include "pure.hpp"
#include "usage_record.hpp"

#include <optional>
#include <string_view>
#include <vector>

namespace cb::core {

// The records parse_usage_text(payload, format, extra_attrs_json) returns, or nullopt when
// the fast path declines the line (anything it does not cover, and every line that is an
// error): the caller then runs the tree parser, which gives the records or raises the error.
// Never throws.
std::optional<std::vector<UsageRecord>> parse_usage_text_fast(
    std::string_view payload, UsageFormat format, std::string_view extra_attrs_json = {});

}  // namespace cb::core
