#include "json_reader.hpp"

#include "error.hpp"

#include <string>
#include <vector>

namespace cb::core {

namespace {

using json = nlohmann::json;

// A SAX handler that builds the DOM itself (iteratively, with an explicit stack).
class ExactDomBuilder {
public:
    explicit ExactDomBuilder(int max_depth) : max_depth_(max_depth) {}

    bool null() { return put(json(nullptr)); }
    bool boolean(bool b) { return put(json(b)); }
    bool number_integer(json::number_integer_t v) { return put(json(v)); }
    bool number_unsigned(json::number_unsigned_t v) { return put(json(v)); }
    // The lexeme is the exact decimal text; the double is never used.
    bool number_float(json::number_float_t, const std::string& lexeme) { return put(json(lexeme)); }
    bool string(std::string& s) { return put(json(std::move(s))); }
    bool binary(json::binary_t&) { return put(json(nullptr)); }

    bool start_object(std::size_t) { return open(json::object()); }
    bool key(std::string& k) {
        key_ = std::move(k);
        return true;
    }
    bool end_object() { return close(); }
    bool start_array(std::size_t) { return open(json::array()); }
    bool end_array() { return close(); }

    bool parse_error(std::size_t position, const std::string&, const nlohmann::detail::exception& ex) {
        error_ = "invalid JSON at byte " + std::to_string(position) + ": " + ex.what();
        return false;
    }

    json take() { return std::move(root_); }
    const std::string& error() const { return error_; }
    bool too_deep() const { return too_deep_; }

private:
    bool put(json&& v) {
        if (stack_.empty()) {
            root_ = std::move(v);
            return true;
        }
        json* top = stack_.back();
        if (top->is_array()) top->push_back(std::move(v));
        else (*top)[key_] = std::move(v);
        return true;
    }
    bool open(json&& container) {
        if (static_cast<int>(stack_.size()) >= max_depth_) {
            too_deep_ = true;
            return false;
        }
        json* slot;
        if (stack_.empty()) {
            root_ = std::move(container);
            slot = &root_;
        } else {
            json* top = stack_.back();
            if (top->is_array()) {
                top->push_back(std::move(container));
                slot = &top->back();
            } else {
                slot = &((*top)[key_] = std::move(container));
            }
        }
        stack_.push_back(slot);
        return true;
    }
    bool close() {
        stack_.pop_back();
        return true;
    }

    int max_depth_;
    json root_;
    std::vector<json*> stack_;
    std::string key_;
    std::string error_;
    bool too_deep_ = false;
};

}  // namespace

nlohmann::json read_json(std::string_view text, int max_depth) {
    ExactDomBuilder builder(max_depth);
    bool ok = json::sax_parse(text.begin(), text.end(), &builder, json::input_format_t::json, true);
    if (builder.too_deep())
        throw Error(sqlstate::program_limit_exceeded,
                    "JSON document is nested more than " + std::to_string(max_depth) + " levels deep",
                    {}, "usage payloads and catalogs never need deep nesting; check the input");
    if (!ok)
        throw Error(sqlstate::invalid_json_text,
                    builder.error().empty() ? "invalid JSON" : builder.error());
    return builder.take();
}

}  // namespace cb::core
