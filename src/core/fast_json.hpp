// Reading JSON text without building a tree, for the bulk ingest fast path (usage_fast.cpp):
// simdjson's On-Demand API finds the structure (brackets, commas, colons) and this file lexes
// every key and scalar itself with read_json()'s rules, so that a document the fast path
// accepts is one read_json() accepts and every value reads the same: strings decoded the same
// way (\u0000, unpaired surrogates, control characters and invalid UTF-8 refused), numbers kept
// as their exact text, nesting bounded. Values nobody asks for are still walked and lexed:
// On-Demand alone would skip them unvalidated.
//
// Anything read_json() would refuse, or that the caller is not certain to reproduce exactly,
// throws Decline: the caller then hands the whole line to the tree parser, which raises the
// error (so SQLSTATEs and messages stay those of the tree parser, by construction).
// Only usage_fast.cpp and parsers/*_fast.cpp include this header (simdjson is large).
#pragma once
#include "pure.hpp"
#include "timestamp.hpp"

#include <simdjson.h>
#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace cb::core::fast_json {

namespace od = simdjson::ondemand;

// Thrown when the fast path is not certain to give what the tree parser gives.
struct Decline {};
[[noreturn]] inline void decline() { throw Decline{}; }

// Below read_json()'s 64 levels: a document anywhere near the limit goes to the tree reader,
// which judges it.
inline constexpr int kMaxDepth = 60;

enum class Kind : uint8_t { absent, null, string, integer, number, boolean, object, array };

// One scalar member as read_json() would hold it. Strings without escapes point into the
// input; others into `owned`. Kept in place (text may point into owned): never copied.
struct Scalar {
    Kind kind = Kind::absent;
    std::string_view text;  // the decoded string, the number's exact text, "true"/"false"
    std::string owned;
    bool negative = false;   // integer: its sign
    uint64_t magnitude = 0;  // integer: |value| (fits 64 bits, as read_json's integers)

    void reset() {
        kind = Kind::absent;
        text = {};
        negative = false;
        magnitude = 0;
    }
    bool present() const { return kind != Kind::absent; }  // contains(), null too
    bool non_null() const { return kind != Kind::absent && kind != Kind::null; }  // has()
};

// k == lit, the length compared first, then 8 bytes at a time (unrolled: N is a constant):
// keys are compared against every name a parser reads, and a memcmp call each was the
// largest single cost of the fast path.
template <size_t N>
inline bool is(std::string_view k, const char (&lit)[N]) {
    constexpr size_t n = N - 1;
    if (k.size() != n) return false;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t a, b;
        std::memcpy(&a, k.data() + i, 8);
        std::memcpy(&b, lit + i, 8);
        if (a != b) return false;
    }
    for (; i < n; ++i)
        if (k[i] != lit[i]) return false;
    return true;
}

// Values are passed by reference: a copy of an On-Demand value (its iterator) right after
// it is written stalls on store forwarding, which cost a third of the object walk.
// The decoded text of a key (into `scratch` when it has escapes).
std::string_view key(od::field& f, const char* end, std::string& scratch);
// Reads any value: a scalar is lexed (into *out when given); a container is walked, every
// member lexed, and out->kind says object/array. `open` = containers already open around it.
void read_value(od::value& v, int open, const char* end, Scalar* out);
// The value as read_json() builds it (objects keep the last of repeated keys).
nlohmann::json to_json(od::value& v, int open, const char* end);

// An object value's members, read one by one: member(key, value) reads the value and returns
// true, or returns false for a key it does not read (the value is then walked and lexed).
// Returns Kind::object, or for another value its kind (lexed; member never called). The last
// of repeated keys wins only if member resets what it reads: the callers' slots do.
template <class F>
Kind read_members(od::value& v, int open, const char* end, F&& member) {
    od::json_type t;
    if (v.type().get(t) != simdjson::SUCCESS) decline();
    if (t != od::json_type::object) {
        Scalar kind;
        read_value(v, open, end, &kind);
        return kind.kind;
    }
    if (open >= kMaxDepth) decline();
    od::object o;
    if (v.get_object().get(o) != simdjson::SUCCESS) decline();
    std::string scratch;
    for (auto fr : o) {
        od::field f;
        if (std::move(fr).get(f) != simdjson::SUCCESS) decline();
        std::string_view k = key(f, end, scratch);
        if (!member(k, f.value())) read_value(f.value(), open + 1, end, nullptr);
    }
    return Kind::object;
}

// Reads the value into *slot (reset first: the last of repeated keys wins).
inline void read_into(Scalar* slot, od::value& v, int open, const char* end) {
    slot->reset();
    read_value(v, open, end, slot);
}

// usage_json's accessors over a Scalar, declining wherever they would throw (and for the
// rare forms not worth mirroring: negative or non-integer numbers).
std::string_view text(const Scalar& s);          // string, or an unsigned integer's digits
int64_t count(const Scalar& s);                  // 0 when absent or null
std::optional<Timestamp> time(const Scalar& s);  // nullopt when absent or null
// The object kind of a container member: absent/null/object, declining for another type
// (object_member() throws 22P02 then).
void expect_object_or_null(Kind k);

// A reusable padded copy of the input and a parser: simdjson reads up to 64 bytes past the
// end, and the text PostgreSQL hands over has no such room. One per thread, sized by the
// largest line seen (payloads larger than kMaxFastBytes go to the tree parser).
inline constexpr size_t kMaxFastBytes = size_t(1) << 20;
class Input {
public:
    // The document over a copy of text; end() is the end of that copy.
    od::document iterate(std::string_view text);
    const char* end() const { return end_; }

private:
    std::unique_ptr<char[]> buf_;
    size_t cap_ = 0;
    const char* end_ = nullptr;
    od::parser parser_;
};
Input& thread_input();

// After the root value: declines unless only whitespace follows it.
void expect_document_end(od::document& doc);

}  // namespace cb::core::fast_json
