// ISO 4217 currency codes and their minor units (cents for USD, none for JPY).
#pragma once
#include "pure.hpp"

#include <string_view>

namespace cb::core {

// True when code (exactly 3 upper-case letters) is an active ISO 4217 code.
bool is_currency_code(std::string_view code);
// Digits after the decimal point of the currency's minor unit (2 for USD, 0 for JPY).
int currency_minor_digits(std::string_view code);

}  // namespace cb::core
