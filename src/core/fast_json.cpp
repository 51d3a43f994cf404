#include "fast_json.hpp"

#include "utf8.hpp"

#include <cstring>

// The lexing below mirrors json_reader.cpp rule for rule (the differential tests compare the
// two on every fixture, corpus and generated line): when in doubt it declines rather than
// guess, since a declined line costs only the tree parser's time.

namespace cb::core::fast_json {

namespace {

template <class T, class R>
T must(R&& r) {
    T x;
    if (std::forward<R>(r).get(x) != simdjson::SUCCESS) decline();
    return x;
}

bool is_ws(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// What follows a token up to the next one must be whitespace (raw_json_token includes it).
void expect_ws(const char* p, const char* e) {
    for (; p < e; ++p)
        if (!is_ws(*p)) decline();
}

uint32_t hex4(const char*& p, const char* e) {
    if (e - p < 4) decline();
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i) {
        char h = *p++;
        v <<= 4;
        if (h >= '0' && h <= '9') v |= static_cast<uint32_t>(h - '0');
        else if (h >= 'a' && h <= 'f') v |= static_cast<uint32_t>(h - 'a' + 10);
        else if (h >= 'A' && h <= 'F') v |= static_cast<uint32_t>(h - 'A' + 10);
        else decline();
    }
    return v;
}

// One multi-byte UTF-8 sequence, lead byte consumed: as json_reader's utf8_sequence.
void utf8_sequence(const char*& p, const char* e, std::string& out, unsigned char lead) {
    int n;
    uint32_t cp, min;
    if (lead >= 0xC2 && lead <= 0xDF) n = 1, cp = lead & 0x1Fu, min = 0x80;
    else if (lead >= 0xE0 && lead <= 0xEF) n = 2, cp = lead & 0x0Fu, min = 0x800;
    else if (lead >= 0xF0 && lead <= 0xF4) n = 3, cp = lead & 0x07u, min = 0x10000;
    else decline();
    out += static_cast<char>(lead);
    for (int i = 0; i < n; ++i, ++p) {
        if (p >= e || (static_cast<unsigned char>(*p) & 0xC0) != 0x80) decline();
        cp = (cp << 6) | (static_cast<unsigned char>(*p) & 0x3Fu);
        out += *p;
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) decline();
}

// The end of the run of plain characters (printable ASCII other than '"' and '\\') from p,
// eight bytes at a time: strings are most of a usage line. Reading up to 7 bytes past `e` is
// safe: the input is padded (Input), and a byte found there is never taken for the string's.
const char* plain_run(const char* p, const char* e) {
    constexpr uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
    while (p < e) {
        uint64_t x;
        std::memcpy(&x, p, 8);
        // A high bit set in a byte of `special` for: < 0x20, >= 0x80, '"', '\\' (the lowest
        // such byte is exact; bytes above a hit may be false positives).
        uint64_t below20 = (x - ones * 0x20) & ~x;
        uint64_t quote = x ^ (ones * '"'), backslash = x ^ (ones * '\\');
        uint64_t special =
            (below20 | x | ((quote - ones) & ~quote) | ((backslash - ones) & ~backslash)) & highs;
        if (special == 0) {
            p += 8;
            continue;
        }
        p += __builtin_ctzll(special) / 8;
        return p < e ? p : e;
    }
    return e;
}

// A string starting at its opening quote p: its decoded text in `value` (a view of the input
// when it has no escape and no multi-byte character, else of `owned`); returns the position
// after the closing quote.
const char* lex_string(const char* p, const char* e, std::string_view& value, std::string& owned) {
    ++p;
    const char* start = p;
    p = plain_run(p, e);
    if (p < e && *p == '"') {
        value = std::string_view(start, static_cast<size_t>(p - start));
        return p + 1;
    }
    owned.assign(start, static_cast<size_t>(p - start));
    while (true) {
        const char* run = plain_run(p, e);
        owned.append(p, static_cast<size_t>(run - p));
        p = run;
        if (p >= e) decline();
        char c = *p++;
        if (c == '"') {
            value = owned;
            return p;
        }
        unsigned char u = static_cast<unsigned char>(c);
        if (u < 0x20) decline();
        if (u >= 0x80) {
            utf8_sequence(p, e, owned, u);
            continue;
        }
        if (p >= e) decline();
        char esc = *p++;
        switch (esc) {
            case '"':
                owned += '"';
                break;
            case '\\':
                owned += '\\';
                break;
            case '/':
                owned += '/';
                break;
            case 'b':
                owned += '\b';
                break;
            case 'f':
                owned += '\f';
                break;
            case 'n':
                owned += '\n';
                break;
            case 'r':
                owned += '\r';
                break;
            case 't':
                owned += '\t';
                break;
            case 'u': {
                uint32_t cp = hex4(p, e);
                if (cp >= 0xD800 && cp <= 0xDBFF) {
                    if (e - p < 2 || p[0] != '\\' || p[1] != 'u') decline();
                    p += 2;
                    uint32_t lo = hex4(p, e);
                    if (lo < 0xDC00 || lo > 0xDFFF) decline();
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
                    decline();
                }
                if (cp == 0) decline();  // 22P05 from the tree reader
                append_utf8(owned, cp);
                break;
            }
            default:
                decline();
        }
    }
}

// A number token: the grammar of json_reader's number(); integers that fit 64 bits are
// kept as sign + magnitude, as read_json makes them JSON integers.
void lex_number(std::string_view tok, Scalar& s) {
    const char* b = tok.data();
    const char* e = b + tok.size();
    const char* p = b;
    bool negative = false, integral = true;
    if (*p == '-') {
        negative = true;
        ++p;
    }
    auto digit = [&](const char* q) { return q < e && *q >= '0' && *q <= '9'; };
    if (!digit(p)) decline();
    if (*p == '0') ++p;
    else
        while (digit(p)) ++p;
    if (p < e && *p == '.') {
        integral = false;
        ++p;
        if (!digit(p)) decline();
        while (digit(p)) ++p;
    }
    if (p < e && (*p == 'e' || *p == 'E')) {
        integral = false;
        ++p;
        if (p < e && (*p == '+' || *p == '-')) ++p;
        if (!digit(p)) decline();
        while (digit(p)) ++p;
    }
    const char* lex_end = p;
    expect_ws(p, e);
    s.text = std::string_view(b, static_cast<size_t>(lex_end - b));
    s.kind = Kind::number;
    if (!integral) return;
    uint64_t v = 0;
    for (const char* q = negative ? b + 1 : b; q < lex_end; ++q) {
        unsigned d = static_cast<unsigned>(*q - '0');
        if (v > (UINT64_MAX - d) / 10) return;  // beyond 64 bits: exact text, as read_json
        v = v * 10 + d;
    }
    if (negative && v > static_cast<uint64_t>(INT64_MAX) + 1) return;
    s.kind = Kind::integer;
    s.negative = negative;
    s.magnitude = v;
}

void lex_scalar(std::string_view tok, const char* end, Scalar& s) {
    if (tok.empty()) decline();
    const char* b = tok.data();
    const char* e = b + tok.size();
    switch (*b) {
        case '"': {
            // The token runs to the next structural character: the string, then whitespace.
            const char* after = lex_string(b, end, s.text, s.owned);
            if (after > e) decline();
            expect_ws(after, e);
            s.kind = Kind::string;
            return;
        }
        case 't':
        case 'f':
        case 'n': {
            std::string_view word = *b == 't' ? "true" : *b == 'f' ? "false" : "null";
            if (tok.compare(0, word.size(), word) != 0) decline();
            expect_ws(b + word.size(), e);
            s.kind = *b == 'n' ? Kind::null : Kind::boolean;
            s.text = tok.substr(0, word.size());
            return;
        }
        default:
            if (*b == '-' || (*b >= '0' && *b <= '9')) return lex_number(tok, s);
            decline();
    }
}

nlohmann::json scalar_json(const Scalar& s) {
    switch (s.kind) {
        case Kind::string:
            return nlohmann::json(std::string(s.text));
        case Kind::null:
            return nlohmann::json(nullptr);
        case Kind::boolean:
            return nlohmann::json(s.text == "true");
        case Kind::integer:
            if (!s.negative)
                return nlohmann::json(static_cast<nlohmann::json::number_unsigned_t>(s.magnitude));
            return nlohmann::json(static_cast<nlohmann::json::number_integer_t>(0 - s.magnitude));
        case Kind::number:
            return nlohmann::json(std::string(s.text));  // exact text, never a double
        default:
            decline();
    }
}

// The raw token of a scalar, consumed with simdjson's getter for its type: On-Demand skips
// an unconsumed value leniently (a string followed by ':' is taken for a key), so every
// scalar is consumed through a getter that checks what follows it. The getters' own
// refusals (1e999, integers beyond 64 bits as numbers) decline.
std::string_view scalar_token(od::value& v) {
    std::string_view tok = v.raw_json_token();
    switch (tok.empty() ? '\0' : tok[0]) {
        case '"': {
            od::raw_json_string r;
            if (v.get_raw_json_string().get(r) != simdjson::SUCCESS) decline();
            break;
        }
        case 't':
        case 'f': {
            bool b;
            if (v.get_bool().get(b) != simdjson::SUCCESS) decline();
            break;
        }
        case 'n': {
            bool null;
            if (v.is_null().get(null) != simdjson::SUCCESS || !null) decline();
            break;
        }
        default: {
            od::number n;
            if (v.get_number().get(n) != simdjson::SUCCESS) decline();
        }
    }
    return tok;
}

}  // namespace

std::string_view key(od::field& f, const char* end, std::string& scratch) {
    const char* q = f.key().raw() - 1;  // the opening quote
    std::string_view out;
    lex_string(q, end, out, scratch);
    return out;
}

void read_value(od::value& v, int open, const char* end, Scalar* out) {
    switch (must<od::json_type>(v.type())) {
        case od::json_type::object: {
            if (open >= kMaxDepth) decline();
            std::string scratch;
            for (auto fr : must<od::object>(v.get_object())) {
                od::field f = must<od::field>(std::move(fr));
                key(f, end, scratch);
                read_value(f.value(), open + 1, end, nullptr);
            }
            if (out) out->kind = Kind::object;
            return;
        }
        case od::json_type::array: {
            if (open >= kMaxDepth) decline();
            for (auto er : must<od::array>(v.get_array())) {
                od::value el = must<od::value>(std::move(er));
                read_value(el, open + 1, end, nullptr);
            }
            if (out) out->kind = Kind::array;
            return;
        }
        default: {
            std::string_view tok = scalar_token(v);
            if (out) return lex_scalar(tok, end, *out);
            Scalar tmp;
            lex_scalar(tok, end, tmp);
        }
    }
}

nlohmann::json to_json(od::value& v, int open, const char* end) {
    switch (must<od::json_type>(v.type())) {
        case od::json_type::object: {
            if (open >= kMaxDepth) decline();
            nlohmann::json o = nlohmann::json::object();
            std::string scratch;
            for (auto fr : must<od::object>(v.get_object())) {
                od::field f = must<od::field>(std::move(fr));
                std::string k(key(f, end, scratch));
                o[std::move(k)] =
                    to_json(f.value(), open + 1, end);  // the last of repeated keys wins
            }
            return o;
        }
        case od::json_type::array: {
            if (open >= kMaxDepth) decline();
            nlohmann::json a = nlohmann::json::array();
            for (auto er : must<od::array>(v.get_array())) {
                od::value el = must<od::value>(std::move(er));
                a.push_back(to_json(el, open + 1, end));
            }
            return a;
        }
        default: {
            Scalar s;
            lex_scalar(scalar_token(v), end, s);
            return scalar_json(s);
        }
    }
}

std::string_view text(const Scalar& s) {
    switch (s.kind) {
        case Kind::absent:
        case Kind::null:
            return {};
        case Kind::string:
            return s.text;
        case Kind::integer:
            if (!s.negative)
                return s.text;  // no leading zeros in JSON: dump() gives the same digits
            decline();
        default:
            decline();
    }
}

int64_t count(const Scalar& s) {
    if (s.kind == Kind::absent || s.kind == Kind::null) return 0;
    if (s.kind == Kind::integer && !s.negative && s.magnitude <= static_cast<uint64_t>(INT64_MAX))
        return static_cast<int64_t>(s.magnitude);
    decline();
}

std::optional<Timestamp> time(const Scalar& s) {
    std::optional<Timestamp> t;
    switch (s.kind) {
        case Kind::absent:
        case Kind::null:
            return std::nullopt;
        case Kind::integer:
            if (s.negative || s.magnitude > static_cast<uint64_t>(INT64_MAX)) decline();
            t = from_unix_seconds(static_cast<int64_t>(s.magnitude));
            break;
        case Kind::string:
            // As usage_json::time: RFC 3339, or a short digit string of seconds.
            t = parse_iso_timestamp(s.text);
            if (!t && !s.text.empty() &&
                s.text.find_first_not_of("0123456789") == std::string_view::npos &&
                s.text.size() < 12)
                t = from_unix_seconds(std::stoll(std::string(s.text)));
            break;
        default:
            decline();
    }
    if (!t) decline();
    return t;
}

void expect_object_or_null(Kind k) {
    if (k != Kind::absent && k != Kind::null && k != Kind::object) decline();
}

od::document Input::iterate(std::string_view text) {
    if (text.size() > kMaxFastBytes) decline();
    size_t need = text.size() + simdjson::SIMDJSON_PADDING;
    if (need > cap_) {
        cap_ = need < 4096 ? 4096 : need * 2;
        buf_.reset(new char[cap_]);
    }
    std::memcpy(buf_.get(), text.data(), text.size());
    std::memset(buf_.get() + text.size(), 0, simdjson::SIMDJSON_PADDING);
    end_ = buf_.get() + text.size();
    return must<od::document>(parser_.iterate(buf_.get(), text.size(), cap_));
}

Input& thread_input() {
    thread_local Input input;
    return input;
}

void expect_document_end(od::document& doc) {
    // current_location() is an error exactly when the iterator has consumed every token.
    const char* at;
    if (doc.current_location().get(at) == simdjson::SUCCESS) decline();
}

}  // namespace cb::core::fast_json
