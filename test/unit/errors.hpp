// What a callable raises, for tests that check which error hostile input gets: its
// SQLSTATE ("no error" when it returns normally), or "<sqlstate>: <message>".
#pragma once
#include "core/error.hpp"

#include <functional>
#include <string>

namespace cb_test {

inline std::string sqlstate_of(const std::function<void()>& f) {
    try {
        f();
    } catch (const cb::core::Error& e) {
        return e.sqlstate();
    }
    return "no error";
}

inline std::string failure_of(const std::function<void()>& f) {
    try {
        f();
    } catch (const cb::core::Error& e) {
        return std::string(e.sqlstate()) + ": " + e.what();
    }
    return "no error";
}

}  // namespace cb_test
