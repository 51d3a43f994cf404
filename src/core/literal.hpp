// The text form shared by token_usage and token_rates: whitespace-separated `class=value`
// items (and, for rates, a currency word), with the same errors for both types.
#pragma once
#include "pure.hpp"
#include "error.hpp"
#include "token_class.hpp"

#include <string>
#include <string_view>

namespace cb::core::literal {

inline std::string quoted(std::string_view s) { return "\"" + std::string(s) + "\""; }

// 22P02 "invalid input syntax for type <type>: "<whole>"" with the detail saying why.
[[noreturn]] void syntax_error(const char* type, std::string_view whole, std::string detail,
                               std::string hint = {});

inline bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

// Calls on_pair(class, name, value) for every `class=value` item and on_word(item) for every
// item without '='. Unknown and repeated classes are syntax errors naming them.
template <typename Pair, typename Word>
void for_each_item(const char* type, std::string_view text, Pair&& on_pair, Word&& on_word) {
    bool seen[kTokenClassCount] = {};
    size_t i = 0, n = text.size();
    while (true) {
        while (i < n && is_space(text[i])) ++i;
        if (i >= n) return;
        size_t start = i;
        while (i < n && !is_space(text[i])) ++i;
        std::string_view item = text.substr(start, i - start);
        size_t eq = item.find('=');
        if (eq == std::string_view::npos) {
            on_word(item);
            continue;
        }
        std::string_view name = item.substr(0, eq);
        auto cls = token_class_from_name(name);
        if (!cls)
            syntax_error(type, text, "unknown token class " + quoted(name), "valid classes: " + token_class_list());
        int idx = static_cast<int>(*cls);
        if (seen[idx]) syntax_error(type, text, "token class " + quoted(name) + " appears twice");
        seen[idx] = true;
        on_pair(*cls, name, item.substr(eq + 1));
    }
}

}  // namespace cb::core::literal
