// Writing, cutting and counting UTF-8 text without ever splitting a character: a message cut short
// must stay valid UTF-8 (PostgreSQL sends it to the client, usage_rejected stores it as text).
// The text is taken to be UTF-8 already; bytes are only ever cut at a lead byte.
#pragma once
#include "pure.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace cb::core {

// Appends code point cp (at most 0x10FFFF, not a surrogate: the JSON readers check) as UTF-8.
inline void append_utf8(std::string& out, uint32_t cp) {
    if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xC0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out += static_cast<char>(0xE0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (cp >> 18));
        out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    }
}

// A continuation byte (10xxxxxx): never the first byte of a character.
constexpr bool utf8_continuation(char c) noexcept { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

// The length of the longest prefix of s that has at most max_bytes bytes and does not end
// inside a character (s.size() when s fits).
inline size_t utf8_prefix_length(std::string_view s, size_t max_bytes) noexcept {
    if (s.size() <= max_bytes) return s.size();
    size_t n = max_bytes;
    while (n > 0 && utf8_continuation(s[n])) --n;
    return n;
}

// That prefix: at most max_bytes of s, cut at a character boundary.
inline std::string utf8_clip(std::string_view s, size_t max_bytes) {
    return std::string(s.substr(0, utf8_prefix_length(s, max_bytes)));
}

// The number of characters (code points) in s.
inline size_t utf8_length(std::string_view s) noexcept {
    size_t n = 0;
    for (char c : s) n += !utf8_continuation(c);
    return n;
}

// At most max_chars characters of s, with an ellipsis (U+2026) when cut.
inline std::string utf8_shorten(std::string_view s, size_t max_chars) {
    size_t chars = 0;
    for (size_t i = 0; i < s.size(); ++i) {
        if (utf8_continuation(s[i])) continue;
        if (chars == max_chars) return std::string(s.substr(0, i)) + "\u2026";
        ++chars;
    }
    return std::string(s);
}

}  // namespace cb::core
