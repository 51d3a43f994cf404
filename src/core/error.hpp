// The one exception type the core throws for anything a user did wrong. It carries a
// PostgreSQL SQLSTATE so that the glue can raise exactly the right error.
#pragma once
#include "pure.hpp"

#include <stdexcept>
#include <string>

namespace cb::core {

// SQLSTATEs the core raises (spelled as PostgreSQL's errcodes.txt does).
namespace sqlstate {
inline constexpr const char* invalid_text_representation = "22P02";
inline constexpr const char* division_by_zero = "22012";
inline constexpr const char* numeric_value_out_of_range = "22003";
inline constexpr const char* invalid_parameter_value = "22023";
inline constexpr const char* invalid_json_text = "22032";
inline constexpr const char* untranslatable_character = "22P05";
inline constexpr const char* program_limit_exceeded = "54000";
inline constexpr const char* internal_error = "XX000";
}  // namespace sqlstate

class Error : public std::runtime_error {
public:
    Error(const char* state, std::string message, std::string detail = {}, std::string hint = {})
        : std::runtime_error(message), state_(state), detail_(std::move(detail)),
          hint_(std::move(hint)) {}
    const char* sqlstate() const noexcept { return state_; }
    const std::string& detail() const noexcept { return detail_; }
    const std::string& hint() const noexcept { return hint_; }

private:
    const char* state_;
    std::string detail_;
    std::string hint_;
};

}  // namespace cb::core
