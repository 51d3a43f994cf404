// libFuzzer target for one usage format: CMake compiles this file once per format into
// fuzz_parse_<format> with CB_FUZZ_FORMAT="<format>" (openai_chat, openai_responses,
// openai_usage, anthropic_messages, anthropic_usage, gemini, bedrock_converse, bedrock_log,
// otlp, litellm, openrouter, canonical, and auto for detection by shape). The checks live in
// parser_harness.cpp, compiled once for all of them.
#include "parser_harness.hpp"

#include <cstddef>
#include <cstdint>

#ifndef CB_FUZZ_FORMAT
#error "compile with -DCB_FUZZ_FORMAT=\"<format>\" (see CMakeLists.txt)"
#endif

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    return cb::fuzz::parse_usage_input(CB_FUZZ_FORMAT, data, size);
}
