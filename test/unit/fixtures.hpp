// Test fixtures (test/fixtures/...): where they are and how to read them.
#pragma once
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

namespace cb_test {

inline std::string fixture_path(const std::string& name) {
#ifdef CB_FIXTURE_DIR
    return std::string(CB_FIXTURE_DIR) + "/" + name;
#else
    std::string here = __FILE__;
    size_t slash = here.find_last_of('/');
    std::string dir = slash == std::string::npos ? "." : here.substr(0, slash);
    return dir + "/../fixtures/" + name;
#endif
}

inline std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    EXPECT_TRUE(in.good()) << "cannot open " << path;
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

}  // namespace cb_test
