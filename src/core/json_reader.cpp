#include "json_reader.hpp"

#include "error.hpp"
#include "utf8.hpp"

#include <cstdint>
#include <string>
#include <vector>

// A small iterative JSON reader instead of nlohmann's parser: nlohmann converts every
// non-integer number to double (and rejects 1e999 outright), while money needs the exact
// decimal text and hostile input must get a clear error, never a crash or a deep recursion.
// The result is still an nlohmann::json document.

namespace cb::core {

namespace {

using json = nlohmann::json;

class Reader {
public:
    Reader(std::string_view text, int max_depth) : s_(text), max_depth_(max_depth) {}

    json read() {
        json root;
        skip_ws();
        std::vector<json*> stack;
        json* slot = &root;             // where the next value goes
        while (true) {
            skip_ws();
            if (pos_ >= s_.size()) fail("unexpected end of input");
            char c = s_[pos_];
            if (c == '{' || c == '[') {
                if (static_cast<int>(stack.size()) >= max_depth_) too_deep();
                ++pos_;
                *slot = c == '{' ? json::object() : json::array();
                stack.push_back(slot);
                skip_ws();
                char close = c == '{' ? '}' : ']';
                if (pos_ < s_.size() && s_[pos_] == close) {
                    ++pos_;
                    stack.pop_back();
                } else {
                    slot = next_slot(stack.back(), c == '{');
                    continue;
                }
            } else {
                *slot = scalar();
            }
            // After a value: close containers or move to the next element.
            while (true) {
                if (stack.empty()) {
                    skip_ws();
                    if (pos_ != s_.size()) fail("unexpected text after the JSON value");
                    return root;
                }
                skip_ws();
                if (pos_ >= s_.size()) fail("unexpected end of input");
                json* top = stack.back();
                char d = s_[pos_];
                if (d == ',') {
                    ++pos_;
                    slot = next_slot(top, top->is_object());
                    break;
                }
                if ((d == '}' && top->is_object()) || (d == ']' && top->is_array())) {
                    ++pos_;
                    stack.pop_back();
                    continue;
                }
                fail(top->is_object() ? "expected ',' or '}'" : "expected ',' or ']'");
            }
        }
    }

private:
    json* next_slot(json* container, bool is_object) {
        if (!is_object) {
            container->push_back(nullptr);
            return &container->back();
        }
        skip_ws();
        if (pos_ >= s_.size() || s_[pos_] != '"') fail("expected a string key");
        std::string key = string_value();
        skip_ws();
        if (pos_ >= s_.size() || s_[pos_] != ':') fail("expected ':' after a key");
        ++pos_;
        // A repeated key keeps the last value, as jsonb does.
        auto [it, fresh] = container->get_ref<json::object_t&>().emplace(std::move(key), nullptr);
        if (!fresh) it->second = nullptr;
        return &it->second;
    }

    json scalar() {
        char c = s_[pos_];
        if (c == '"') return json(string_value());
        if (c == '-' || (c >= '0' && c <= '9')) return number();
        if (s_.compare(pos_, 4, "true") == 0) {
            pos_ += 4;
            return json(true);
        }
        if (s_.compare(pos_, 5, "false") == 0) {
            pos_ += 5;
            return json(false);
        }
        if (s_.compare(pos_, 4, "null") == 0) {
            pos_ += 4;
            return json(nullptr);
        }
        fail("unexpected character");
    }

    json number() {
        size_t start = pos_;
        bool negative = false, integral = true;
        if (s_[pos_] == '-') {
            negative = true;
            ++pos_;
        }
        if (pos_ >= s_.size() || s_[pos_] < '0' || s_[pos_] > '9') fail("invalid number");
        if (s_[pos_] == '0') ++pos_;
        else digits();
        if (pos_ < s_.size() && s_[pos_] == '.') {
            integral = false;
            ++pos_;
            if (pos_ >= s_.size() || s_[pos_] < '0' || s_[pos_] > '9') fail("invalid number");
            digits();
        }
        if (pos_ < s_.size() && (s_[pos_] == 'e' || s_[pos_] == 'E')) {
            integral = false;
            ++pos_;
            if (pos_ < s_.size() && (s_[pos_] == '+' || s_[pos_] == '-')) ++pos_;
            if (pos_ >= s_.size() || s_[pos_] < '0' || s_[pos_] > '9') fail("invalid number");
            digits();
        }
        std::string_view lexeme = s_.substr(start, pos_ - start);
        if (integral) {
            // Exact integers become JSON integers when they fit 64 bits.
            uint64_t v = 0;
            bool fits = true;
            for (size_t i = negative ? 1 : 0; i < lexeme.size(); ++i) {
                unsigned d = static_cast<unsigned>(lexeme[i] - '0');
                if (v > (UINT64_MAX - d) / 10) {
                    fits = false;
                    break;
                }
                v = v * 10 + d;
            }
            if (fits && !negative) return json(static_cast<json::number_unsigned_t>(v));
            if (fits && negative && v <= static_cast<uint64_t>(INT64_MAX) + 1)
                return json(static_cast<json::number_integer_t>(0 - v));
        }
        return json(std::string(lexeme));  // exact decimal text, never a double
    }

    void digits() {
        while (pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '9') ++pos_;
    }

    uint32_t hex4() {
        if (pos_ + 4 > s_.size()) fail("truncated \\u escape");
        uint32_t v = 0;
        for (int i = 0; i < 4; ++i) {
            char h = s_[pos_++];
            v <<= 4;
            if (h >= '0' && h <= '9') v |= static_cast<uint32_t>(h - '0');
            else if (h >= 'a' && h <= 'f') v |= static_cast<uint32_t>(h - 'a' + 10);
            else if (h >= 'A' && h <= 'F') v |= static_cast<uint32_t>(h - 'A' + 10);
            else fail("invalid \\u escape");
        }
        return v;
    }

    // Copies one multi-byte UTF-8 sequence (lead byte already consumed) into out. Anything
    // else is invalid JSON (RFC 8259 requires UTF-8), and nlohmann::json cannot hold it either:
    // dump() throws a type_error on such a string.
    void utf8_sequence(std::string& out, unsigned char lead) {
        int n;  // continuation bytes
        uint32_t cp, min;
        if (lead >= 0xC2 && lead <= 0xDF) {
            n = 1, cp = lead & 0x1Fu, min = 0x80;
        } else if (lead >= 0xE0 && lead <= 0xEF) {
            n = 2, cp = lead & 0x0Fu, min = 0x800;
        } else if (lead >= 0xF0 && lead <= 0xF4) {
            n = 3, cp = lead & 0x07u, min = 0x10000;
        } else {
            fail("invalid UTF-8 in string");
        }
        out += static_cast<char>(lead);
        for (int i = 0; i < n; ++i, ++pos_) {
            if (pos_ >= s_.size() || (static_cast<unsigned char>(s_[pos_]) & 0xC0) != 0x80)
                fail("invalid UTF-8 in string");
            cp = (cp << 6) | (static_cast<unsigned char>(s_[pos_]) & 0x3Fu);
            out += s_[pos_];
        }
        // Overlong forms, UTF-16 surrogates and code points beyond U+10FFFF.
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            fail("invalid UTF-8 in string");
    }

    std::string string_value() {
        ++pos_;  // opening quote
        std::string out;
        while (true) {
            // Most strings are plain printable ASCII: copy such a run at once.
            size_t run = pos_;
            while (run < s_.size()) {
                unsigned char u = static_cast<unsigned char>(s_[run]);
                if (u < 0x20 || u >= 0x80 || u == '"' || u == '\\') break;
                ++run;
            }
            out.append(s_.data() + pos_, run - pos_);
            pos_ = run;
            if (pos_ >= s_.size()) fail("unterminated string");
            char c = s_[pos_++];
            if (c == '"') return out;
            if (static_cast<unsigned char>(c) < 0x20) fail("control character in string");
            if (static_cast<unsigned char>(c) >= 0x80) {
                utf8_sequence(out, static_cast<unsigned char>(c));
                continue;
            }
            // Only an escape is left: the run above stops at nothing else.
            if (pos_ >= s_.size()) fail("unterminated string");
            char e = s_[pos_++];
            switch (e) {
                case '"': out += '"'; break;
                case '\\': out += '\\'; break;
                case '/': out += '/'; break;
                case 'b': out += '\b'; break;
                case 'f': out += '\f'; break;
                case 'n': out += '\n'; break;
                case 'r': out += '\r'; break;
                case 't': out += '\t'; break;
                case 'u': {
                    uint32_t cp = hex4();
                    if (cp >= 0xD800 && cp <= 0xDBFF) {
                        if (pos_ + 2 > s_.size() || s_[pos_] != '\\' || s_[pos_ + 1] != 'u')
                            fail("unpaired surrogate in \\u escape");
                        pos_ += 2;
                        uint32_t lo = hex4();
                        if (lo < 0xDC00 || lo > 0xDFFF) fail("unpaired surrogate in \\u escape");
                        cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                    } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
                        fail("unpaired surrogate in \\u escape");
                    }
                    // As jsonb: PostgreSQL text cannot hold NUL, so neither can a value read here
                    // (it would end up in a text column, or in attrs that jsonb refuses).
                    if (cp == 0)
                        throw Error(sqlstate::untranslatable_character, "unsupported Unicode escape sequence",
                                    "\\u0000 cannot be converted to text.");
                    append_utf8(out, cp);
                    break;
                }
                default:
                    fail("invalid escape in string");
            }
        }
    }

    void skip_ws() {
        while (pos_ < s_.size() &&
               (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\n' || s_[pos_] == '\r'))
            ++pos_;
    }

    [[noreturn]] void fail(const char* what) {
        throw Error(sqlstate::invalid_json_text,
                    "invalid JSON at byte " + std::to_string(pos_) + ": " + what);
    }

    [[noreturn]] void too_deep() {
        throw Error(sqlstate::program_limit_exceeded,
                    "JSON document is nested more than " + std::to_string(max_depth_) + " levels deep",
                    {}, "usage payloads and catalogs never need deep nesting; check the input");
    }

    std::string_view s_;
    size_t pos_ = 0;
    int max_depth_;
};

}  // namespace

nlohmann::json read_json(std::string_view text, int max_depth) { return Reader(text, max_depth).read(); }

}  // namespace cb::core
