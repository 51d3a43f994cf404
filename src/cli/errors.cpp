#include "cli/errors.hpp"

#include <cstring>

namespace cb::cli {

std::string errno_message(const std::string& what, int errno_value) {
    return what + ": " + std::strerror(errno_value);
}

}  // namespace cb::cli
