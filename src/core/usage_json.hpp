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
// An amount of money as exact decimal text ("" when absent or null): a JSON number (which
// read_json keeps as its decimal text unless it is an integer) or a decimal string, written
// plainly ("4.8e-05" -> "0.000048"). Throws 22P02 for anything else or a negative amount,
// 22003 beyond 38 significant digits or 38 decimal places.
std::string decimal(const json& obj, std::string_view key, std::string_view what);
// a + b of two such texts, exactly ("" counts as absent: the other is returned).
std::string decimal_sum(const std::string& a, const std::string& b, std::string_view what);
// A time: an RFC 3339 string, or a number of seconds (or seconds as a digit string) since 1970.
std::optional<Timestamp> time(const json& obj, std::string_view key, std::string_view what);
// a - b for disjoint classes, when b is a part of a: throws 22P02 naming both when b > a.
int64_t minus(int64_t a, int64_t b, std::string_view a_name, std::string_view b_name);
// Checked a + b (22003 on overflow).
int64_t plus(int64_t a, int64_t b, std::string_view what);
// Throws 22023: the document is not of `format`, with `why`.
[[noreturn]] void not_this_format(std::string_view format, std::string_view why);

}  // namespace cb::core::usage_json
