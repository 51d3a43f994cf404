#include "token_class.hpp"

namespace cb::core {

namespace {
constexpr const char* kNames[kTokenClassCount] = {
    "input",       "cache_read",   "cache_write", "cache_write_1h", "output",   "reasoning",
    "audio_input", "audio_output", "image_input", "image_output",   "requests", "web_searches"};
}

const char* token_class_name(TokenClass c) { return kNames[static_cast<int>(c)]; }

std::optional<TokenClass> token_class_from_name(std::string_view name) {
    for (int i = 0; i < kTokenClassCount; ++i)
        if (name == kNames[i]) return static_cast<TokenClass>(i);
    return std::nullopt;
}

const std::string& token_class_list() {
    static const std::string list = [] {
        std::string s;
        for (int i = 0; i < kTokenClassCount; ++i) {
            if (i) s += ", ";
            s += kNames[i];
        }
        return s;
    }();
    return list;
}

TokenClass rate_fallback(TokenClass c) {
    switch (c) {
        case TokenClass::reasoning:
        case TokenClass::audio_output:
        case TokenClass::image_output:
            return TokenClass::output;
        case TokenClass::cache_read:
        case TokenClass::cache_write:
        case TokenClass::cache_write_1h:
        case TokenClass::audio_input:
        case TokenClass::image_input:
            return TokenClass::input;
        default:
            return c;
    }
}

}  // namespace cb::core
