// The exact JSON reader (src/core/json_reader.hpp): numbers never become doubles, nesting is
// bounded, errors carry SQLSTATEs.
#include "core/json_reader.hpp"

#include "core/error.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>

using cb::core::Error;
using cb::core::kDefaultMaxJsonDepth;
using cb::core::read_json;
using json = nlohmann::json;

namespace {

std::string state_of(std::string_view text, int max_depth = kDefaultMaxJsonDepth) {
    try {
        read_json(text, max_depth);
        return "no error";
    } catch (const Error& e) {
        return e.sqlstate();
    }
}

std::string nested_arrays(int depth) { return std::string(depth, '[') + std::string(depth, ']'); }

std::string nested_objects(int depth) {
    std::string s;
    for (int i = 0; i < depth; ++i) s += "{\"a\":";
    s += "1";
    s += std::string(depth, '}');
    return s;
}

}  // namespace

TEST(JsonReader, FloatLexemesStayExactText) {
    json doc = read_json(R"({"a": 3e-06, "b": 1.50, "c": 1.25E-7, "d": -0.1, "e": 1E+2,
                             "f": 0.30000000000000004, "g": 2.5e-320, "h": -0.0})");
    ASSERT_TRUE(doc.is_object());
    EXPECT_EQ(doc["a"], json("3e-06"));
    EXPECT_EQ(doc["b"], json("1.50"));  // the trailing zero is kept: it is the lexeme
    EXPECT_EQ(doc["c"], json("1.25E-7"));
    EXPECT_EQ(doc["d"], json("-0.1"));
    EXPECT_EQ(doc["e"], json("1E+2"));
    EXPECT_EQ(doc["f"], json("0.30000000000000004"));
    EXPECT_EQ(doc["g"], json("2.5e-320"));  // a denormal double; the text is what counts
    EXPECT_EQ(doc["h"], json("-0.0"));
    for (auto& [k, v] : doc.items()) EXPECT_TRUE(v.is_string()) << k;
    // A scalar document too.
    EXPECT_EQ(read_json("3e-06"), json("3e-06"));
    EXPECT_EQ(read_json(" 0.1 "), json("0.1"));
}

TEST(JsonReader, IntegersStayIntegers) {
    json doc = read_json(R"({"u": 42, "z": 0, "n": -7, "max": 18446744073709551615,
                             "i64max": 9223372036854775807, "i64min": -9223372036854775808})");
    EXPECT_TRUE(doc["u"].is_number_integer());
    EXPECT_EQ(doc["u"].get<int64_t>(), 42);
    EXPECT_TRUE(doc["z"].is_number_integer());
    EXPECT_EQ(doc["z"].get<int64_t>(), 0);
    EXPECT_TRUE(doc["n"].is_number_integer());
    EXPECT_EQ(doc["n"].get<int64_t>(), -7);
    EXPECT_TRUE(doc["max"].is_number_unsigned());
    EXPECT_EQ(doc["max"].get<uint64_t>(), UINT64_MAX);
    EXPECT_EQ(doc["i64max"].get<int64_t>(), INT64_MAX);
    EXPECT_EQ(doc["i64min"].get<int64_t>(), INT64_MIN);
    for (auto& [k, v] : doc.items()) EXPECT_FALSE(v.is_number_float()) << k;
    // Integers beyond 64 bits are kept as exact text rather than rounded to a double.
    json big = read_json(R"([18446744073709551616, -9223372036854775809, 100000000000000000000001])");
    EXPECT_EQ(big[0], json("18446744073709551616"));
    EXPECT_EQ(big[1], json("-9223372036854775809"));
    EXPECT_EQ(big[2], json("100000000000000000000001"));
}

TEST(JsonReader, NoFloatAnywhere) {
    json doc = read_json(R"([1.5, {"x": [2.5, {"y": 3.5e1}]}, [[[-4.25]]]])");
    EXPECT_EQ(doc.dump(), R"(["1.5",{"x":["2.5",{"y":"3.5e1"}]},[[["-4.25"]]]])");
}

TEST(JsonReader, StructureAndOtherValues) {
    json doc = read_json(R"({"s": "t\u00e9xt\n", "t": true, "f": false, "n": null,
                             "arr": [1, "two", [3], {"four": 4}], "o": {}, "e": [],
                             "nested": {"k": {"k": {"k": "v"}}}, "": "empty key"})");
    EXPECT_EQ(doc["s"], json("t\xc3\xa9xt\n"));
    EXPECT_EQ(doc["t"], json(true));
    EXPECT_EQ(doc["f"], json(false));
    EXPECT_TRUE(doc["n"].is_null());
    ASSERT_EQ(doc["arr"].size(), 4u);
    EXPECT_EQ(doc["arr"][1], json("two"));
    EXPECT_EQ(doc["arr"][2][0].get<int>(), 3);
    EXPECT_EQ(doc["arr"][3]["four"].get<int>(), 4);
    EXPECT_TRUE(doc["o"].is_object() && doc["o"].empty());
    EXPECT_TRUE(doc["e"].is_array() && doc["e"].empty());
    EXPECT_EQ(doc["nested"]["k"]["k"]["k"], json("v"));
    EXPECT_EQ(doc[""], json("empty key"));
    // Keys after a nested object still land in the outer object.
    json after = read_json(R"({"a": {"x": 1, "y": [1, {"z": 2}]}, "b": 2, "c": [[], {}], "d": 4})");
    EXPECT_EQ(after.dump(), R"({"a":{"x":1,"y":[1,{"z":2}]},"b":2,"c":[[],{}],"d":4})");
}

TEST(JsonReader, DuplicateKeysLastWins) {
    // As PostgreSQL's jsonb does.
    json doc = read_json(R"({"a": 1, "a": {"b": 2}, "c": [1], "c": 3})");
    EXPECT_EQ(doc.dump(), R"({"a":{"b":2},"c":3})");
}

TEST(JsonReader, InvalidJson) {
    for (const char* bad : {"", "   ", "{", "}", "[1, 2", "{\"a\": }", "{\"a\" 1}", "{a: 1}",
                            "[1,]", "{\"a\": 1,}", "{} x", "[] []", "'single'", "tru", "nul",
                            "01", "1.", ".5", "+1", "-", "1e", "NaN", "Infinity", "\"unterminated",
                            "\"bad escape \\x\"", "\"ctrl \x01 char\"", "[\"\xff\"]",
                            "\"\xc3\"", "/* comment */ 1"}) {
        EXPECT_EQ(state_of(bad), "22032") << '"' << bad << '"';
    }
    try {
        read_json("{\"a\": [1, 2,, 3]}");
        FAIL();
    } catch (const Error& e) {
        EXPECT_STREQ(e.sqlstate(), "22032");
        EXPECT_NE(std::string(e.what()).find("invalid JSON at byte"), std::string::npos) << e.what();
    }
    // An embedded NUL after a complete value is trailing garbage.
    EXPECT_EQ(state_of(std::string_view("{}\0", 3)), "22032");
}

TEST(JsonReader, StringEscapes) {
    json doc = read_json(R"(["\"\\\/\b\f\n\r\t", "\u0041\u00e9\u20ac", "\ud83d\ude00", "\u0001x"])");
    EXPECT_EQ(doc[0], json("\"\\/\b\f\n\r\t"));
    EXPECT_EQ(doc[1], json("A\xc3\xa9\xe2\x82\xac"));
    EXPECT_EQ(doc[2], json("\xf0\x9f\x98\x80"));  // a surrogate pair is one code point
    EXPECT_EQ(doc[3], json("\x01x"));
    for (const char* bad : {R"("\ud83d")", R"("\ud83dx")", R"("\ude00")", R"("\ud83d\u0041")",
                            R"("\u12")", R"("\u12G4")", R"("\q")"}) {
        EXPECT_EQ(state_of(bad), "22032") << bad;
    }
}

TEST(JsonReader, Utf8) {
    // Valid multi-byte UTF-8 passes through unchanged, in values and in keys.
    json doc = read_json("{\"caf\xc3\xa9\": \"\xe2\x82\xac \xf0\x9f\x98\x80 \xef\xbf\xbf \xf4\x8f\xbf\xbf\"}");
    EXPECT_EQ(doc["caf\xc3\xa9"], json("\xe2\x82\xac \xf0\x9f\x98\x80 \xef\xbf\xbf \xf4\x8f\xbf\xbf"));
    EXPECT_NO_THROW((void)doc.dump());
    // Anything else is invalid JSON (RFC 8259), never a string nlohmann::json cannot dump().
    for (const char* bad : {
             "\"\xff\"",              // never valid
             "\"\x80\"",              // stray continuation byte
             "\"\xc3\"",              // truncated sequence
             "\"\xc3x\"",             // lead byte without continuation
             "\"\xe2\x82\"",          // truncated 3-byte sequence
             "\"\xc0\xaf\"",          // overlong '/'
             "\"\xe0\x80\xaf\"",      // overlong '/'
             "\"\xf0\x82\x82\xac\"",  // overlong euro sign
             "\"\xed\xa0\x80\"",      // UTF-16 surrogate encoded as UTF-8
             "\"\xf4\x90\x80\x80\"",  // beyond U+10FFFF
             "\"\xf8\x88\x80\x80\x80\"",
             "{\"k\xff\": 1}",        // in a key
             "[\"ok\", \"\xfe\"]",
         }) {
        EXPECT_EQ(state_of(bad), "22032") << bad;
    }
    try {
        read_json("[\"\xff\"]");
        FAIL();
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("UTF-8"), std::string::npos) << e.what();
    }
}

TEST(JsonReader, NumbersBeyondDoubleRangeStayExactText) {
    // No double is ever formed, so numbers a double cannot hold are still exact text; the
    // money code then reports them as out of range where they are used.
    EXPECT_EQ(read_json("1e400"), json("1e400"));
    EXPECT_EQ(read_json("[-1e999, 1e-400]").dump(), R"(["-1e999","1e-400"])");
    std::string huge = "1" + std::string(400, '0');
    EXPECT_EQ(read_json(huge), json(huge));
    EXPECT_EQ(read_json(R"({"a": 123456789012345678901234567890.000000000000000000001})")["a"],
              json("123456789012345678901234567890.000000000000000000001"));
}

TEST(JsonReader, NestingLimit) {
    EXPECT_EQ(state_of(nested_arrays(kDefaultMaxJsonDepth)), "no error");
    EXPECT_EQ(state_of(nested_arrays(kDefaultMaxJsonDepth + 1)), "54000");
    EXPECT_EQ(state_of(nested_objects(kDefaultMaxJsonDepth)), "no error");
    EXPECT_EQ(state_of(nested_objects(kDefaultMaxJsonDepth + 1)), "54000");
    EXPECT_EQ(state_of(nested_arrays(5), 5), "no error");
    EXPECT_EQ(state_of(nested_arrays(6), 5), "54000");
    json doc = read_json(nested_arrays(kDefaultMaxJsonDepth));
    int depth = 0;
    const json* p = &doc;
    while (p->is_array()) {
        ++depth;
        if (p->empty()) break;
        p = &(*p)[0];
    }
    EXPECT_EQ(depth, kDefaultMaxJsonDepth);
}

TEST(JsonReader, Nesting3000DeepIsAnErrorNotACrash) {
    EXPECT_EQ(state_of(nested_arrays(3000)), "54000");
    EXPECT_EQ(state_of(nested_objects(3000)), "54000");
    // Unterminated: the depth limit fires first, still no crash.
    EXPECT_EQ(state_of(std::string(3000, '[')), "54000");
    EXPECT_EQ(state_of(std::string(100000, '[')), "54000");
    try {
        read_json(nested_arrays(3000));
        FAIL();
    } catch (const Error& e) {
        EXPECT_STREQ(e.sqlstate(), "54000");
        EXPECT_NE(std::string(e.what()).find("64"), std::string::npos) << e.what();
        EXPECT_FALSE(e.hint().empty());
    }
    // With a higher limit the document is built iteratively and freed without recursion
    // trouble.
    json deep = read_json(nested_arrays(3000), 5000);
    EXPECT_TRUE(deep.is_array());
    json deep_obj = read_json(nested_objects(3000), 5000);
    EXPECT_TRUE(deep_obj.is_object());
}

TEST(JsonReader, TenMegabyteDocument) {
    std::string text = "{";
    int n = 0;
    while (text.size() < 10 * 1024 * 1024) {
        if (n) text += ',';
        text += "\"model-" + std::to_string(n) +
                "\": {\"litellm_provider\": \"openai\", \"input_cost_per_token\": 3e-06, "
                "\"output_cost_per_token\": 1.5e-05, \"max_tokens\": 128000, "
                "\"tags\": [\"chat\", \"vision\", null, true]}";
        ++n;
    }
    text += '}';
    ASSERT_GE(text.size(), 10u * 1024 * 1024);
    json doc = read_json(text);
    ASSERT_TRUE(doc.is_object());
    EXPECT_EQ(doc.size(), static_cast<size_t>(n));
    const json& last = doc["model-" + std::to_string(n - 1)];
    EXPECT_EQ(last["input_cost_per_token"], json("3e-06"));
    EXPECT_EQ(last["output_cost_per_token"], json("1.5e-05"));
    EXPECT_EQ(last["max_tokens"].get<int64_t>(), 128000);
    EXPECT_EQ(last["tags"].size(), 4u);

    // A 10 MB flat array of numbers as well.
    std::string arr = "[";
    size_t count = 0;
    while (arr.size() < 10 * 1024 * 1024) {
        if (count) arr += ',';
        arr += "1.5e-07,123456789";
        count += 2;
    }
    arr += ']';
    json a = read_json(arr);
    ASSERT_EQ(a.size(), count);
    EXPECT_EQ(a[count - 2], json("1.5e-07"));
    EXPECT_EQ(a[count - 1].get<int64_t>(), 123456789);
}
