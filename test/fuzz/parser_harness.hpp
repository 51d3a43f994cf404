// The usage-parser fuzz targets' body (parser_harness.cpp), shared by every fuzz_parse_<format>.
#pragma once

#include <cstddef>
#include <cstdint>

namespace cb::fuzz {

// Parses one input as `format` ("openai_chat", ..., "canonical", "auto") through the ingest
// path and aborts on a broken invariant. Always returns 0 (libFuzzer's convention).
int parse_usage_input(const char* format, const uint8_t* data, size_t size);

}  // namespace cb::fuzz
