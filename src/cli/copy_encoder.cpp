#include "cli/copy_encoder.hpp"

#include <cstring>

namespace cb::cli {

namespace {
constexpr size_t kSkippedLinesKept = 5;

bool blank(const std::string& s) {
    for (char c : s)
        if (c != ' ' && c != '\t' && c != '\r') return false;
    return true;
}
}  // namespace

bool sendable_text(const std::string& s) {
    const auto* p = reinterpret_cast<const unsigned char*>(s.data());
    const size_t n = s.size();
    size_t i = 0;
    while (i < n) {
        unsigned char c = p[i];
        if (c == 0) return false;
        if (c < 0x80) {
            ++i;
            continue;
        }
        size_t len;
        uint32_t cp;
        if ((c & 0xE0) == 0xC0) { len = 2; cp = c & 0x1F; }
        else if ((c & 0xF0) == 0xE0) { len = 3; cp = c & 0x0F; }
        else if ((c & 0xF8) == 0xF0) { len = 4; cp = c & 0x07; }
        else return false;
        if (i + len > n) return false;
        for (size_t k = 1; k < len; ++k) {
            if ((p[i + k] & 0xC0) != 0x80) return false;
            cp = (cp << 6) | (p[i + k] & 0x3F);
        }
        static const uint32_t kMin[5] = {0, 0, 0x80, 0x800, 0x10000};
        if (cp < kMin[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
        i += len;
    }
    return true;
}

void append_copy_escaped(std::string& out, const char* data, size_t n) {
    size_t start = 0;
    for (size_t i = 0; i < n; ++i) {
        const char c = data[i];
        const char* esc = nullptr;
        switch (c) {
        case '\\': esc = "\\\\"; break;
        case '\t': esc = "\\t"; break;
        case '\n': esc = "\\n"; break;
        case '\r': esc = "\\r"; break;
        default: continue;
        }
        out.append(data + start, i - start);
        out += esc;
        start = i + 1;
    }
    out.append(data + start, n - start);
}

void CopyEncoder::end_line(std::string& out) {
    ++line_number_;
    if (!line_.empty() && line_.back() == '\r') line_.pop_back();
    if (blank(line_)) {
        line_.clear();
        return;
    }
    if (!sendable_text(line_)) {
        ++skipped_;
        if (skipped_lines_.size() < kSkippedLinesKept) skipped_lines_.push_back(line_number_);
        line_.clear();
        return;
    }
    append_copy_escaped(out, line_.data(), line_.size());
    out += suffix_;
    out += '\n';
    ++rows_;
    line_.clear();
}

void CopyEncoder::feed(const char* data, size_t n, std::string& out) {
    while (n > 0) {
        const void* nl = std::memchr(data, '\n', n);
        if (!nl) {
            line_.append(data, n);
            return;
        }
        const size_t len = static_cast<const char*>(nl) - data;
        line_.append(data, len);
        end_line(out);
        data += len + 1;
        n -= len + 1;
    }
}

void CopyEncoder::finish(std::string& out) {
    if (!line_.empty()) end_line(out);
}

}  // namespace cb::cli
