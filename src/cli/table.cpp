#include "cli/table.hpp"

#include "core/utf8.hpp"

#include <algorithm>

namespace cb::cli {

namespace {

void append_row(std::string& out, const std::vector<std::string>& cells, const std::vector<size_t>& width,
                const std::vector<bool>& right) {
    std::string line;
    for (size_t i = 0; i < width.size(); ++i) {
        const std::string cell = i < cells.size() ? cells[i] : std::string();
        const size_t pad = width[i] - cb::core::utf8_length(cell);
        if (i > 0) line += "  ";
        if (i < right.size() && right[i]) {
            line.append(pad, ' ');
            line += cell;
        } else {
            line += cell;
            line.append(pad, ' ');
        }
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line;
    out += '\n';
}

void append_rule(std::string& out, const std::vector<size_t>& width) {
    std::string line;
    for (size_t i = 0; i < width.size(); ++i) {
        if (i > 0) line += "  ";
        line.append(width[i], '-');
    }
    out += line;
    out += '\n';
}

}  // namespace

std::string format_table(const Table& t) {
    std::vector<size_t> width(t.headers.size(), 0);
    auto widen = [&](const std::vector<std::string>& cells) {
        if (cells.size() > width.size()) width.resize(cells.size(), 0);
        for (size_t i = 0; i < cells.size(); ++i) width[i] = std::max(width[i], cb::core::utf8_length(cells[i]));
    };
    widen(t.headers);
    for (const auto& row : t.rows) widen(row);
    widen(t.footer);

    std::string out;
    if (!t.headers.empty()) {
        append_row(out, t.headers, width, t.right);
        append_rule(out, width);
    }
    for (const auto& row : t.rows) append_row(out, row, width, t.right);
    if (!t.footer.empty()) {
        append_rule(out, width);
        append_row(out, t.footer, width, t.right);
    }
    return out;
}

}  // namespace cb::cli
