// OTLP/HTTP protobuf: a bounded decoder of ExportTraceServiceRequest
// (opentelemetry/proto/collector/trace/v1) into the OTLP/JSON shape the database's `otlp`
// parser reads, so one parser prices both encodings.
//
// Written against the protobuf wire format rather than generated code: the server needs a
// handful of fields, and every length, count and nesting level of hostile input has to be
// checked before anything is allocated. Nothing recurses on the input except AnyValue
// (arrays and key-value lists nest), which stops at DecodeLimits::max_value_depth.
//
// What is kept: resource and scope attributes, and per span traceId/spanId/parentSpanId
// (lower-case hex, as OTLP/JSON writes them), name, kind, start/end time (decimal strings),
// attributes and status. Events and links are skipped (nothing in them is usage).
// Pure (no libpq), unit-tested in test/unit/cli_otlp_protobuf_test.cpp.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <stdexcept>
#include <string_view>

namespace cb::cli {

struct DecodeLimits {
    int max_value_depth = 16;           // AnyValue arrays/kvlists inside one another
    uint64_t max_spans = 200000;        // spans in one request
    uint64_t max_attributes = 1000000;  // key-values in one request, all levels
};

// A body that is not a well-formed ExportTraceServiceRequest; what() names the field and the
// byte offset.
class ProtobufError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// {"resourceSpans":[...]} as OTLP/JSON. Throws ProtobufError.
nlohmann::json decode_export_trace_request(std::string_view body, const DecodeLimits& limits = {});

}  // namespace cb::cli
