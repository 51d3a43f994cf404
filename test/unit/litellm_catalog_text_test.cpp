// The LiteLLM import with hostile text: whatever the catalog contains, the import either
// returns rows and problems whose text is valid UTF-8 (it ends up in WARNINGs and in text
// columns) or throws cb::core::Error; never any other exception.
#include "core/litellm_catalog.hpp"

#include "core/error.hpp"

#include <gtest/gtest.h>

#include <string>

using cb::core::CatalogImport;
using cb::core::Error;
using cb::core::parse_litellm_catalog;

namespace {

bool valid_utf8(const std::string& s) {
    for (size_t i = 0; i < s.size();) {
        unsigned char c = static_cast<unsigned char>(s[i]);
        int n = c < 0x80 ? 0 : (c & 0xE0) == 0xC0 ? 1 : (c & 0xF0) == 0xE0 ? 2 : (c & 0xF8) == 0xF0 ? 3 : -1;
        if (n < 0) return false;
        for (int k = 1; k <= n; ++k)
            if (i + k >= s.size() || (static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
        i += static_cast<size_t>(n) + 1;
    }
    return true;
}

std::string state_of(const std::string& text) {
    try {
        parse_litellm_catalog(text);
        return "no error";
    } catch (const Error& e) {
        return e.sqlstate();
    }
}

}  // namespace

TEST(LiteLLMCatalogText, ValidUtf8Helper) {
    EXPECT_TRUE(valid_utf8("abc"));
    EXPECT_TRUE(valid_utf8("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"));
    EXPECT_FALSE(valid_utf8("caf\xc3"));
    EXPECT_FALSE(valid_utf8("\xa9"));
    EXPECT_FALSE(valid_utf8("\xe2\x82"));
}

TEST(LiteLLMCatalogText, LongNonAsciiValuesAreCutAtCharacterBoundaries) {
    // A provider name that normalize_provider rejects is quoted, shortened, in the problem.
    // Shift the two-byte characters by one so that a byte-wise cut would split one.
    for (const std::string prefix : {"", "x", "xy"}) {
        std::string provider = prefix;
        for (int i = 0; i < 40; ++i) provider += "\xc3\xa9";  // e-acute
        CatalogImport c = parse_litellm_catalog(
            R"({"m": {"litellm_provider": ")" + provider + R"(", "input_cost_per_token": 1e-06}})");
        ASSERT_EQ(c.skipped.size(), 1u);
        const std::string& reason = c.skipped[0].reason;
        EXPECT_NE(reason.find("invalid litellm_provider"), std::string::npos) << reason;
        EXPECT_NE(reason.find("..."), std::string::npos) << reason;
        EXPECT_TRUE(valid_utf8(reason)) << "prefix \"" << prefix << "\": " << reason;
    }
    // Three- and four-byte characters too.
    for (const char* ch : {"\xe2\x82\xac", "\xf0\x9f\x98\x80"}) {
        for (const std::string prefix : {"", "x", "xy", "xyz"}) {
            std::string value = prefix;
            for (int i = 0; i < 30; ++i) value += ch;
            CatalogImport c = parse_litellm_catalog(
                R"({"m": {"litellm_provider": "openai", "input_cost_per_token": [")" + value +
                R"("]}})");
            ASSERT_EQ(c.skipped.size(), 1u);
            EXPECT_NE(c.skipped[0].reason.find("is not a number"), std::string::npos);
            EXPECT_TRUE(valid_utf8(c.skipped[0].reason)) << c.skipped[0].reason;
        }
    }
}

TEST(LiteLLMCatalogText, InvalidUtf8IsInvalidJsonNotACrash) {
    // Found by fuzz_json_catalog: invalid UTF-8 in a string used to reach nlohmann's dump(),
    // which threw json::type_error (not cb::core::Error) out of the import.
    EXPECT_EQ(state_of("{\"m\": {\"litellm_provider\": \"\x8c" "ertex_ai\", "
                       "\"input_cost_per_token\": 1e-06}}"),
              "22032");
    EXPECT_EQ(state_of("{\"m\": {\"litellm_provider\": \"openai\", "
                       "\"input_cost_per_token\": \"1e-06\xff\"}}"),
              "22032");
    EXPECT_EQ(state_of("{\"m\xc3\": {\"litellm_provider\": \"openai\", "
                       "\"input_cost_per_token\": 1e-06}}"),
              "22032");
}

TEST(LiteLLMCatalogText, HugeNumbersAreOutOfRangeEntriesNotInvalidJson) {
    // Numbers no double can hold are exact text to the reader, so one absurd price skips its
    // entry instead of failing the whole import.
    CatalogImport c = parse_litellm_catalog(R"({
        "big": {"litellm_provider": "openai", "input_cost_per_token": 1e400},
        "tiny": {"litellm_provider": "openai", "input_cost_per_token": 1e-400},
        "ok": {"litellm_provider": "openai", "input_cost_per_token": 1e-06}
    })");
    ASSERT_EQ(c.skipped.size(), 1u);
    EXPECT_EQ(c.skipped[0].entry, "big");
    EXPECT_NE(c.skipped[0].reason.find("out of range"), std::string::npos) << c.skipped[0].reason;
    ASSERT_EQ(c.prices.size(), 2u);  // "tiny" rounds to a free input price
}
