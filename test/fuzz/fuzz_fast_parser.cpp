// libFuzzer target: the bulk ingest fast path (src/core/usage_fast.cpp) against the tree
// parser, its reference (checks in fast_parser_diff.hpp). Each input is parsed as sent and
// wrapped in an envelope, detected ("auto") and named (openai_chat, anthropic_messages), with and without an
// attrs argument: a line the fast path reads must give the tree parser's records exactly, and
// parse_usage_text must give the tree parser's records or error. Seeds: every fixture
// (test/fixtures/*/), the parser corpus (test/fuzz/corpus/fuzz_parse/) and gateway lines like
// the ingest benchmark's (test/fuzz/corpus/fuzz_fast_parser/); scripts/fuzz.sh passes them.
#include "fast_parser_diff.hpp"
#include "fuzz_common.hpp"

#include <cstddef>
#include <cstdint>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using cb::core::UsageFormat;
    std::string payload(reinterpret_cast<const char*>(data), size);
    std::string wrapped =
        R"({"provider": "openai", "request_id": "gw", "attrs": {"user": "u"}, "response": )" +
        payload + "}";
    for (const std::string* p :
         {static_cast<const std::string*>(&payload), static_cast<const std::string*>(&wrapped)})
        for (UsageFormat f : {UsageFormat::auto_detect, UsageFormat::openai_chat,
                              UsageFormat::anthropic_messages})
            for (const char* extra : {"", R"({"app": "a"})"}) {
                std::string d = cb::fuzz::diff_fast_vs_tree(*p, f, extra);
                if (!d.empty()) cb::fuzz::fuzz_fail("fast path and tree parser differ", d);
            }
    return 0;
}
