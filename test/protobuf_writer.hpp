// Protobuf wire format for tests and benchmarks that build OTLP requests by hand (the unit
// tests of src/cli/otlp_protobuf.cpp and test/bench/serve_load.cpp): varints and fields.
#pragma once

#include <cstdint>
#include <string>

namespace cb_test::pb {

inline std::string varint(uint64_t v) {
    std::string s;
    while (v >= 0x80) {
        s += static_cast<char>((v & 0x7F) | 0x80);
        v >>= 7;
    }
    s += static_cast<char>(v);
    return s;
}
// Length-delimited field f (wire type 2).
inline std::string len_field(uint32_t f, const std::string& b) { return varint((f << 3) | 2) + varint(b.size()) + b; }
// Varint field f (wire type 0).
inline std::string var_field(uint32_t f, uint64_t v) { return varint(f << 3) + varint(v); }
// Fixed 64-bit field f (wire type 1), little-endian.
inline std::string fixed64_field(uint32_t f, uint64_t v) {
    std::string s = varint((f << 3) | 1);
    for (int i = 0; i < 8; ++i) s += static_cast<char>((v >> (8 * i)) & 0xFF);
    return s;
}
// OTLP KeyValue with a string or an int AnyValue.
inline std::string kv_str(const std::string& k, const std::string& v) { return len_field(1, k) + len_field(2, len_field(1, v)); }
inline std::string kv_int(const std::string& k, int64_t v) {
    return len_field(1, k) + len_field(2, var_field(3, static_cast<uint64_t>(v)));
}

}  // namespace cb_test::pb
