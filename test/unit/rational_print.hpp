// GoogleTest prints a Rational as its exact decimal (or num/den) in failure messages.
#pragma once
#include "core/rational.hpp"

#include <ostream>
#include <string>

namespace cb::core {
inline void PrintTo(const Rational& r, std::ostream* os) {
    bool exact = false;
    std::string s = r.to_exact_decimal(12, &exact);
    *os << (exact ? s : r.num().to_string() + "/" + r.den().to_string());
}
}  // namespace cb::core
