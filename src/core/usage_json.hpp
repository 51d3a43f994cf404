// Small, strict accessors the usage parsers share: they name the field in every error.
#pragma once
#include "pure.hpp"
#include "error.hpp"
#include "timestamp.hpp"

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace cb::core::usage_json {

using json = nlohmann::json;

// The member, or nullptr when absent or null. Throws 22023 if `obj` is not an object.
const json* member(const json& obj, std::string_view key, std::string_view what);
// A member that must be an object (nullptr when absent); throws 22P02 for another type.
const json* object_member(const json& obj, std::string_view key, std::string_view what);
// A member that must be an array (nullptr when absent); throws 22P02 for another type.
const json* array_member(const json& obj, std::string_view key, std::string_view what);
// A token count: non-negative integer (or digit string); 0 when absent; 22P02/22003 else.
int64_t count(const json& obj, std::string_view key, std::string_view what);
// A string member ("" when absent); numbers are accepted and written as text (ids).
std::string text(const json& obj, std::string_view key, std::string_view what);
// A time: an RFC 3339 string, or a number of seconds (or seconds as a digit string) since 1970.
std::optional<Timestamp> time(const json& obj, std::string_view key, std::string_view what);
// a - b for disjoint classes, when b is a part of a: throws 22P02 naming both when b > a.
int64_t minus(int64_t a, int64_t b, std::string_view a_name, std::string_view b_name);
// Checked a + b (22003 on overflow).
int64_t plus(int64_t a, int64_t b, std::string_view what);
// Throws 22023: the document is not of `format`, with `why`.
[[noreturn]] void not_this_format(std::string_view format, std::string_view why);

}  // namespace cb::core::usage_json
