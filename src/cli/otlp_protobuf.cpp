#include "cli/otlp_protobuf.hpp"

#include "cli/copy_encoder.hpp"

#include <cstring>
#include <string>

namespace cb::cli {

namespace {

using json = nlohmann::json;

// Field numbers of opentelemetry-proto (collector/trace/v1, trace/v1, common/v1, resource/v1).
namespace field {
constexpr uint32_t request_resource_spans = 1;  // ExportTraceServiceRequest
constexpr uint32_t rs_resource = 1, rs_scope_spans = 2, rs_schema_url = 3;  // ResourceSpans
constexpr uint32_t resource_attributes = 1;                                  // Resource
constexpr uint32_t ss_scope = 1, ss_spans = 2;                               // ScopeSpans
constexpr uint32_t scope_name = 1, scope_version = 2, scope_attributes = 3;  // InstrumentationScope
constexpr uint32_t span_trace_id = 1, span_span_id = 2, span_parent_span_id = 4, span_name = 5, span_kind = 6,
                   span_start = 7, span_end = 8, span_attributes = 9, span_status = 15;  // Span
constexpr uint32_t status_message = 2, status_code = 3;                                  // Status
constexpr uint32_t kv_key = 1, kv_value = 2;                                             // KeyValue
constexpr uint32_t any_string = 1, any_bool = 2, any_int = 3, any_double = 4, any_array = 5, any_kvlist = 6,
                   any_bytes = 7;  // AnyValue
constexpr uint32_t list_values = 1;  // ArrayValue, KeyValueList
}  // namespace field

enum Wire : uint32_t { varint = 0, fixed64 = 1, length = 2, group_start = 3, group_end = 4, fixed32 = 5 };

// A view of one message's bytes; offsets in errors are from the start of the body.
class Reader {
public:
    Reader(const uint8_t* p, size_t n, size_t base) : p_(p), end_(p + n), base_(base), start_(p) {}
    bool done() const { return p_ >= end_; }
    size_t offset() const { return base_ + static_cast<size_t>(p_ - start_); }

    uint64_t read_varint(const char* what) {
        uint64_t v = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            if (p_ >= end_) fail(std::string("truncated varint in ") + what);
            const uint8_t b = *p_++;
            if (shift == 63 && (b & 0x7E)) fail(std::string("varint longer than 64 bits in ") + what);
            v |= static_cast<uint64_t>(b & 0x7F) << shift;
            if (!(b & 0x80)) return v;
        }
        fail(std::string("varint longer than 10 bytes in ") + what);
    }
    // Next tag: field number and wire type.
    bool next(uint32_t& number, uint32_t& wire, const char* what) {
        if (done()) return false;
        const uint64_t tag = read_varint(what);
        number = static_cast<uint32_t>(tag >> 3);
        wire = static_cast<uint32_t>(tag & 7);
        if (number == 0 || (tag >> 3) > 0x1FFFFFFF) fail(std::string("invalid field number in ") + what);
        return true;
    }
    Reader sub(const char* what) {
        const uint64_t n = read_varint(what);
        if (n > static_cast<uint64_t>(end_ - p_))
            fail(std::string("length ") + std::to_string(n) + " of " + what + " runs past the end of its message (" +
                 std::to_string(end_ - p_) + " bytes left)");
        Reader r(p_, static_cast<size_t>(n), offset());
        p_ += n;
        return r;
    }
    std::string_view bytes(const char* what) {
        Reader r = sub(what);
        return {reinterpret_cast<const char*>(r.p_), static_cast<size_t>(r.end_ - r.p_)};
    }
    uint64_t fixed(int size, const char* what) {
        if (end_ - p_ < size) fail(std::string("truncated fixed-size field in ") + what);
        uint64_t v = 0;
        for (int i = size - 1; i >= 0; --i) v = (v << 8) | p_[i];  // little-endian
        p_ += size;
        return v;
    }
    void skip(uint32_t wire, const char* what) {
        switch (wire) {
        case varint: read_varint(what); return;
        case fixed64: fixed(8, what); return;
        case length: sub(what); return;
        case fixed32: fixed(4, what); return;
        default: fail(std::string("unsupported wire type ") + std::to_string(wire) + " (groups) in " + what);
        }
    }
    void expect(uint32_t wire, uint32_t want, const char* what) {
        if (wire != want)
            fail(std::string("wire type ") + std::to_string(wire) + " where " + what + " needs " + std::to_string(want));
    }
    [[noreturn]] void fail(const std::string& m) const {
        throw ProtobufError("malformed OTLP protobuf at byte " + std::to_string(offset()) + ": " + m);
    }

private:
    const uint8_t* p_;
    const uint8_t* end_;
    size_t base_;
    const uint8_t* start_;
};

class Decoder {
public:
    explicit Decoder(const DecodeLimits& l) : limits_(l) {}

    json request(Reader r) {
        json list = json::array();
        uint32_t n, w;
        while (r.next(n, w, "ExportTraceServiceRequest")) {
            if (n == field::request_resource_spans) {
                r.expect(w, length, "resource_spans");
                list.push_back(resource_spans(r.sub("resource_spans")));
            } else {
                r.skip(w, "ExportTraceServiceRequest");
            }
        }
        return json{{"resourceSpans", std::move(list)}};
    }

private:
    std::string text(Reader& r, const char* what) {
        std::string_view b = r.bytes(what);
        std::string s(b);
        if (!sendable_text(s)) r.fail(std::string(what) + " is not UTF-8 text (or holds a NUL byte)");
        return s;
    }
    static std::string hex(std::string_view b) {
        static const char* digits = "0123456789abcdef";
        std::string s;
        s.reserve(b.size() * 2);
        for (unsigned char c : b) {
            s += digits[c >> 4];
            s += digits[c & 15];
        }
        return s;
    }

    json resource_spans(Reader r) {
        json out = json::object();
        json scopes = json::array();
        uint32_t n, w;
        while (r.next(n, w, "ResourceSpans")) {
            if (n == field::rs_resource) {
                r.expect(w, length, "resource");
                Reader res = r.sub("resource");
                json attrs = json::array();
                uint32_t rn, rw;
                while (res.next(rn, rw, "Resource")) {
                    if (rn == field::resource_attributes) {
                        res.expect(rw, length, "resource attributes");
                        attrs.push_back(key_value(res.sub("resource attribute"), 0));
                    } else {
                        res.skip(rw, "Resource");
                    }
                }
                out["resource"] = json{{"attributes", std::move(attrs)}};
            } else if (n == field::rs_scope_spans) {
                r.expect(w, length, "scope_spans");
                scopes.push_back(scope_spans(r.sub("scope_spans")));
            } else if (n == field::rs_schema_url) {
                r.expect(w, length, "schema_url");
                out["schemaUrl"] = text(r, "schema_url");
            } else {
                r.skip(w, "ResourceSpans");
            }
        }
        out["scopeSpans"] = std::move(scopes);
        return out;
    }

    json scope_spans(Reader r) {
        json out = json::object();
        json spans = json::array();
        uint32_t n, w;
        while (r.next(n, w, "ScopeSpans")) {
            if (n == field::ss_scope) {
                r.expect(w, length, "scope");
                out["scope"] = scope(r.sub("scope"));
            } else if (n == field::ss_spans) {
                r.expect(w, length, "spans");
                if (++spans_ > limits_.max_spans)
                    r.fail("more than " + std::to_string(limits_.max_spans) + " spans in one request");
                spans.push_back(span(r.sub("span")));
            } else {
                r.skip(w, "ScopeSpans");
            }
        }
        out["spans"] = std::move(spans);
        return out;
    }

    json scope(Reader r) {
        json out = json::object();
        uint32_t n, w;
        while (r.next(n, w, "InstrumentationScope")) {
            if (n == field::scope_name || n == field::scope_version) {
                r.expect(w, length, "scope name/version");
                out[n == field::scope_name ? "name" : "version"] = text(r, "scope name/version");
            } else if (n == field::scope_attributes) {
                r.expect(w, length, "scope attributes");
                out["attributes"].push_back(key_value(r.sub("scope attribute"), 0));
            } else {
                r.skip(w, "InstrumentationScope");
            }
        }
        return out;
    }

    json span(Reader r) {
        json out = json::object();
        json attrs = json::array();
        uint32_t n, w;
        while (r.next(n, w, "Span")) {
            switch (n) {
            case field::span_trace_id: r.expect(w, length, "trace_id"); out["traceId"] = hex(r.bytes("trace_id")); break;
            case field::span_span_id: r.expect(w, length, "span_id"); out["spanId"] = hex(r.bytes("span_id")); break;
            case field::span_parent_span_id:
                r.expect(w, length, "parent_span_id");
                out["parentSpanId"] = hex(r.bytes("parent_span_id"));
                break;
            case field::span_name: r.expect(w, length, "name"); out["name"] = text(r, "span name"); break;
            case field::span_kind: r.expect(w, varint, "kind"); out["kind"] = r.read_varint("kind") & 0xFFFFFFFF; break;
            case field::span_start:
                r.expect(w, fixed64, "start_time_unix_nano");
                out["startTimeUnixNano"] = std::to_string(r.fixed(8, "start_time_unix_nano"));
                break;
            case field::span_end:
                r.expect(w, fixed64, "end_time_unix_nano");
                out["endTimeUnixNano"] = std::to_string(r.fixed(8, "end_time_unix_nano"));
                break;
            case field::span_attributes:
                r.expect(w, length, "span attributes");
                attrs.push_back(key_value(r.sub("span attribute"), 0));
                break;
            case field::span_status: {
                r.expect(w, length, "status");
                Reader s = r.sub("status");
                json st = json::object();
                uint32_t sn, sw;
                while (s.next(sn, sw, "Status")) {
                    if (sn == field::status_message && sw == length) st["message"] = text(s, "status message");
                    else if (sn == field::status_code && sw == varint) st["code"] = s.read_varint("status code") & 0xFFFFFFFF;
                    else s.skip(sw, "Status");
                }
                out["status"] = std::move(st);
                break;
            }
            default: r.skip(w, "Span");
            }
        }
        out["attributes"] = std::move(attrs);
        return out;
    }

    json key_value(Reader r, int depth) {
        if (++attributes_ > limits_.max_attributes)
            r.fail("more than " + std::to_string(limits_.max_attributes) + " attributes in one request");
        json out = json::object();
        out["key"] = "";
        uint32_t n, w;
        while (r.next(n, w, "KeyValue")) {
            if (n == field::kv_key) {
                r.expect(w, length, "key");
                out["key"] = text(r, "attribute key");
            } else if (n == field::kv_value) {
                r.expect(w, length, "value");
                out["value"] = any_value(r.sub("attribute value"), depth);
            } else {
                r.skip(w, "KeyValue");
            }
        }
        if (!out.contains("value")) out["value"] = json::object();
        return out;
    }

    json any_value(Reader r, int depth) {
        if (depth >= limits_.max_value_depth)
            r.fail("attribute value nested deeper than " + std::to_string(limits_.max_value_depth) + " levels");
        json out = json::object();
        uint32_t n, w;
        while (r.next(n, w, "AnyValue")) {
            switch (n) {
            case field::any_string: r.expect(w, length, "string_value"); out = {{"stringValue", text(r, "string_value")}}; break;
            case field::any_bool: r.expect(w, varint, "bool_value"); out = {{"boolValue", r.read_varint("bool_value") != 0}}; break;
            case field::any_int:
                r.expect(w, varint, "int_value");
                // int64 in two's complement; OTLP/JSON writes it as a decimal string.
                out = {{"intValue", std::to_string(static_cast<int64_t>(r.read_varint("int_value")))}};
                break;
            case field::any_double: {
                r.expect(w, fixed64, "double_value");
                const uint64_t bits = r.fixed(8, "double_value");
                double d;
                std::memcpy(&d, &bits, sizeof d);
                // JSON has no NaN or infinity; OTLP/JSON writes them as strings.
                if (d != d) out = {{"doubleValue", "NaN"}};
                else if (d > 1.7976931348623157e308) out = {{"doubleValue", "Infinity"}};
                else if (d < -1.7976931348623157e308) out = {{"doubleValue", "-Infinity"}};
                else out = {{"doubleValue", d}};
                break;
            }
            case field::any_array:
            case field::any_kvlist: {
                r.expect(w, length, "array_value/kvlist_value");
                Reader list = r.sub("array_value/kvlist_value");
                json values = json::array();
                uint32_t ln, lw;
                while (list.next(ln, lw, "ArrayValue/KeyValueList")) {
                    if (ln != field::list_values) {
                        list.skip(lw, "ArrayValue/KeyValueList");
                        continue;
                    }
                    list.expect(lw, length, "values");
                    if (n == field::any_array) {
                        if (++attributes_ > limits_.max_attributes)
                            list.fail("more than " + std::to_string(limits_.max_attributes) + " values in one request");
                        values.push_back(any_value(list.sub("array element"), depth + 1));
                    } else {
                        values.push_back(key_value(list.sub("kvlist element"), depth + 1));
                    }
                }
                out = {{n == field::any_array ? "arrayValue" : "kvlistValue", json{{"values", std::move(values)}}}};
                break;
            }
            case field::any_bytes: {
                r.expect(w, length, "bytes_value");
                // OTLP/JSON writes bytes as base64; nothing reads them, so they are dropped.
                r.bytes("bytes_value");
                out = {{"bytesValue", ""}};
                break;
            }
            default: r.skip(w, "AnyValue");
            }
        }
        return out;
    }

    const DecodeLimits& limits_;
    uint64_t spans_ = 0;
    uint64_t attributes_ = 0;
};

}  // namespace

nlohmann::json decode_export_trace_request(std::string_view body, const DecodeLimits& limits) {
    Decoder d(limits);
    return d.request(Reader(reinterpret_cast<const uint8_t*>(body.data()), body.size(), 0));
}

}  // namespace cb::cli
