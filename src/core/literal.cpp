#include "literal.hpp"

namespace cb::core::literal {

void syntax_error(const char* type, std::string_view whole, std::string detail, std::string hint) {
    throw Error(sqlstate::invalid_text_representation,
                std::string("invalid input syntax for type ") + type + ": " + quoted(whole), std::move(detail),
                std::move(hint));
}

}  // namespace cb::core::literal
