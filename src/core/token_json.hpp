// The jsonb forms of token_usage ({"input":700,"output":46}) and token_rates
// ({"input":3,"output":15,"currency":"USD"}).
#pragma once
#include "pure.hpp"
#include "token_rates.hpp"
#include "token_usage.hpp"

#include <nlohmann/json_fwd.hpp>

#include <string>
#include <optional>
#include <string_view>

namespace cb::core {

std::string token_usage_to_json(const TokenUsage& u);    // non-zero classes
std::string token_rates_to_json(const TokenRates& r);    // set classes + currency
TokenUsage token_usage_from_json(std::string_view json_text);
TokenRates token_rates_from_json(std::string_view json_text);

// Reads one token count from a JSON value: a non-negative integer, or a string of digits.
// Throws 22P02/22003 naming `what` (e.g. "usage.prompt_tokens").
int64_t json_count(const nlohmann::json& v, std::string_view what);
// The usual case of json_count, a plain integer from 0 to INT64_MAX, without a name for an
// error message; nullopt for anything json_count must look at (and name) itself.
std::optional<int64_t> plain_json_count(const nlohmann::json& v);

}  // namespace cb::core
