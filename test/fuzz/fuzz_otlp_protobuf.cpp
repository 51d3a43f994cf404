// libFuzzer target: `chargeback serve`'s OTLP protobuf decoder and what follows it. Any bytes
// must either decode to JSON that dumps (valid UTF-8) and turns into inbox rows, or raise
// ProtobufError; any other exception, a crash or a sanitizer report is a finding.
#include "cli/otlp_protobuf.hpp"
#include "cli/serve_input.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view body(reinterpret_cast<const char*>(data), size);
    nlohmann::json doc;
    try {
        doc = cb::cli::decode_export_trace_request(body);
    } catch (const cb::cli::ProtobufError&) {
        return 0;
    }
    (void)doc.dump();  // throws on invalid UTF-8: a finding
    cb::cli::InboxRows rows;
    cb::cli::otlp_rows(doc, rows);  // a decoded export is always an export: no InputError
    return 0;
}
