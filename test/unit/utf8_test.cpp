// Cutting UTF-8 text at character boundaries (src/core/utf8.hpp).
#include "core/utf8.hpp"

#include <gtest/gtest.h>

using namespace cb::core;

namespace {
const std::string kE = "\xc3\xa9";          // U+00E9, 2 bytes
const std::string kEuro = "\xe2\x82\xac";   // U+20AC, 3 bytes
const std::string kSmile = "\xf0\x9f\x98\x80";  // U+1F600, 4 bytes
}  // namespace

TEST(Utf8, ClipKeepsTextThatFits) {
    EXPECT_EQ(utf8_clip("abc", 3), "abc");
    EXPECT_EQ(utf8_clip("abc", 10), "abc");
    EXPECT_EQ(utf8_clip("", 0), "");
    EXPECT_EQ(utf8_prefix_length("abc", 3), 3u);
}

TEST(Utf8, ClipCutsAsciiAtTheLimit) {
    EXPECT_EQ(utf8_clip("abcdef", 4), "abcd");
    EXPECT_EQ(utf8_clip("abcdef", 0), "");
}

TEST(Utf8, ClipNeverSplitsACharacter) {
    const std::string s = "a" + kEuro + "b";  // a, 3 bytes, b
    EXPECT_EQ(utf8_clip(s, 1), "a");
    EXPECT_EQ(utf8_clip(s, 2), "a");
    EXPECT_EQ(utf8_clip(s, 3), "a");
    EXPECT_EQ(utf8_clip(s, 4), "a" + kEuro);
    EXPECT_EQ(utf8_clip(kSmile + kSmile, 7), kSmile);
    EXPECT_EQ(utf8_clip(kE, 1), "");
    EXPECT_EQ(utf8_prefix_length(kSmile + "x", 3), 0u);
}

TEST(Utf8, LengthCountsCharactersNotBytes) {
    EXPECT_EQ(utf8_length(""), 0u);
    EXPECT_EQ(utf8_length("abc"), 3u);
    EXPECT_EQ(utf8_length(kE + kEuro + kSmile + "x"), 4u);
}

TEST(Utf8, ShortenCountsCharactersAndMarksTheCut) {
    EXPECT_EQ(utf8_shorten("abc", 3), "abc");
    EXPECT_EQ(utf8_shorten("abcd", 3), "abc\u2026");
    std::string fifty, forty;
    for (int i = 0; i < 50; ++i) fifty += kE;
    for (int i = 0; i < 40; ++i) forty += kE;
    EXPECT_EQ(utf8_shorten(fifty, 40), forty + "\u2026");
    EXPECT_EQ(utf8_shorten(forty, 40), forty);
    EXPECT_EQ(utf8_shorten(kEuro + kEuro, 1), kEuro + "\u2026");
}
