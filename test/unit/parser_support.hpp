// Shared helpers of the parser tests: parse a document with one parser, load a fixture,
// and read an error as "<sqlstate>|<message>".
#pragma once
#include "core/error.hpp"
#include "core/json_reader.hpp"
#include "core/timestamp.hpp"
#include "core/usage_record.hpp"
#include "fixtures.hpp"

#include <gtest/gtest.h>

#include <exception>
#include <string>
#include <string_view>
#include <vector>

namespace cb_test {

inline std::vector<cb::core::UsageRecord> parse(cb::core::UsageParser p, std::string_view text) {
    nlohmann::json doc = cb::core::read_json(text);
    std::vector<cb::core::UsageRecord> out;
    p(doc, out);
    return out;
}

inline std::vector<cb::core::UsageRecord> parse_fixture(cb::core::UsageParser p, const std::string& name) {
    return parse(p, read_file(fixture_path(name)));
}

// "<sqlstate>|<message>", "no error (N records)", or "non-Error exception|..." (a bug). A
// record rejected alone (an OTLP span) reads as the error it carries.
inline std::string error_of(cb::core::UsageParser p, std::string_view text) {
    try {
        auto records = parse(p, text);
        for (const auto& r : records)
            if (r.rejection) return std::string(r.rejection->sqlstate()) + "|" + r.rejection->what();
        return "no error (" + std::to_string(records.size()) + " records)";
    } catch (const cb::core::Error& e) {
        return std::string(e.sqlstate()) + "|" + e.what();
    } catch (const std::exception& e) {
        return std::string("non-Error exception|") + e.what();
    }
}

inline void expect_error(cb::core::UsageParser p, std::string_view text, const char* state,
                               const std::string& part = {}) {
    std::string got = error_of(p, text);
    EXPECT_EQ(got.substr(0, got.find('|')), state) << text << " -> " << got;
    if (!part.empty()) {
        EXPECT_NE(got.find(part), std::string::npos) << text << " -> " << got;
    }
}

inline std::string when(const cb::core::UsageRecord& r) {
    return r.occurred_at ? cb::core::format_iso_timestamp(*r.occurred_at) : "";
}

}  // namespace cb_test
