#include "cli/price_csv.hpp"

#include "cli/errors.hpp"

#include <nlohmann/json.hpp>

#include <map>
#include <vector>

namespace cb::cli {

namespace {

[[noreturn]] void bad(size_t line, const std::string& what) {
    throw CliError(Exit::input, "price list line " + std::to_string(line) + ": " + what,
                   "columns: provider,model,tier,threshold,rates,valid_from (a header line names them)");
}

// One CSV record of a line (no embedded newlines: a price list has none).
std::vector<std::string> fields_of(std::string_view s, size_t line) {
    std::vector<std::string> out;
    std::string cur;
    bool quoted = false, was_quoted = false;
    for (size_t i = 0; i < s.size(); ++i) {
        char c = s[i];
        if (quoted) {
            if (c == '"' && i + 1 < s.size() && s[i + 1] == '"') {
                cur += '"';
                ++i;
            } else if (c == '"') {
                quoted = false;
            } else {
                cur += c;
            }
        } else if (c == '"' && cur.empty() && !was_quoted) {
            quoted = was_quoted = true;
        } else if (c == ',') {
            out.push_back(cur);
            cur.clear();
            was_quoted = false;
        } else {
            cur += c;
        }
    }
    if (quoted) bad(line, "a quoted field is not closed");
    out.push_back(cur);
    for (std::string& f : out) {
        size_t a = f.find_first_not_of(" \t"), b = f.find_last_not_of(" \t");
        f = a == std::string::npos ? std::string() : f.substr(a, b - a + 1);
    }
    return out;
}

}  // namespace

std::string price_csv_to_rows_json(std::string_view csv) {
    // Column name -> the key import_prices(.., 'rows') reads.
    const std::map<std::string, std::string> keys = {
        {"provider", "provider"}, {"model", "model"},
        {"tier", "service_tier"}, {"service_tier", "service_tier"},
        {"threshold", "min_prompt_tokens"}, {"min_prompt_tokens", "min_prompt_tokens"},
        {"rates", "rates"}, {"valid_from", "valid_from"}};
    std::vector<std::string> columns;  // keys, by position
    nlohmann::json rows = nlohmann::json::array();
    size_t line_no = 0, start = 0;
    if (csv.size() >= 3 && csv.substr(0, 3) == "\xEF\xBB\xBF") start = 3;  // a spreadsheet's BOM
    while (start <= csv.size()) {
        size_t end = csv.find('\n', start);
        if (end == std::string_view::npos) end = csv.size();
        std::string_view line = csv.substr(start, end - start);
        start = end + 1;
        ++line_no;
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (line.find_first_not_of(" \t") == std::string_view::npos || line[line.find_first_not_of(" \t")] == '#') {
            if (end == csv.size()) break;
            continue;
        }
        std::vector<std::string> f = fields_of(line, line_no);
        if (columns.empty()) {
            for (const std::string& name : f) {
                auto k = keys.find(name);
                if (k == keys.end()) bad(line_no, "unknown column \"" + name.substr(0, 40) + "\"");
                for (const std::string& c : columns)
                    if (c == k->second) bad(line_no, "column \"" + name + "\" given twice");
                columns.push_back(k->second);
            }
            for (const char* need : {"provider", "model", "rates"}) {
                bool found = false;
                for (const std::string& c : columns) found |= c == need;
                if (!found) bad(line_no, std::string("the header has no ") + need + " column");
            }
        } else {
            if (f.size() != columns.size())
                bad(line_no, std::to_string(f.size()) + " fields where the header has " + std::to_string(columns.size()));
            nlohmann::json row = nlohmann::json::object();
            for (size_t i = 0; i < f.size(); ++i) {
                if (f[i].empty()) continue;
                if (columns[i] == "min_prompt_tokens" && f[i].find_first_not_of("0123456789") != std::string::npos)
                    bad(line_no, "threshold \"" + f[i].substr(0, 40) + "\" is not a whole number of tokens");
                row[columns[i]] = f[i];
            }
            for (const char* need : {"provider", "model", "rates"})
                if (!row.contains(need)) bad(line_no, std::string("no ") + need);
            rows.push_back(std::move(row));
        }
        if (end == csv.size()) break;
    }
    if (columns.empty()) bad(line_no, "no header line");
    return rows.dump();
}

}  // namespace cb::cli
