// Reads JSON text into an nlohmann::json document without ever converting a number to
// binary floating point: integers that fit 64 bits stay integers, and every other number is
// kept as its exact decimal text (stored as a JSON string). Money code reads those strings
// with parse_decimal(). Nesting depth is bounded and the reader is iterative, so hostile
// input (a 3000-level document, invalid UTF-8) is a clear error, never a crash or a stack
// overflow; a number such as 1e999 is kept as text for the caller to judge.
#pragma once
#include "pure.hpp"

#include <nlohmann/json.hpp>

#include <cstddef>
#include <string_view>

namespace cb::core {

inline constexpr int kDefaultMaxJsonDepth = 64;

// Throws Error 22032 (invalid JSON), 22P05 (\u0000, which jsonb refuses too: PostgreSQL text
// cannot hold NUL) or 54000 (nesting deeper than max_depth).
nlohmann::json read_json(std::string_view text, int max_depth = kDefaultMaxJsonDepth);

}  // namespace cb::core
