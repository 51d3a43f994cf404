// The bulk ingest fast path (src/core/usage_fast.cpp) against the tree parser, its reference:
// every fixture, every fuzz corpus file, and generated gateway lines with their hostile
// variants, each as sent, wrapped in an envelope and with ingest's attrs argument, must give
// the same records or the same error (test/fuzz/fast_parser_diff.hpp). The fuzz_fast_parser
// target runs the same check on libFuzzer's inputs.
#include "../bench/envelopes.hpp"
#include "../fuzz/fast_parser_diff.hpp"

#include "core/usage_fast.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

using namespace cb::core;
using cb::fuzz::diff_fast_vs_tree;

namespace {

namespace fs = std::filesystem;

std::vector<std::string> files_under(const fs::path& dir) {
    std::vector<std::string> out;
    for (const auto& e : fs::recursive_directory_iterator(dir)) {
        if (!e.is_regular_file()) continue;
        std::ifstream in(e.path(), std::ios::binary);
        std::stringstream ss;
        ss << in.rdbuf();
        out.push_back(ss.str());
    }
    return out;
}

const UsageFormat kFormats[] = {UsageFormat::auto_detect, UsageFormat::openai_chat,
                                UsageFormat::anthropic_messages, UsageFormat::openrouter,
                                UsageFormat::canonical};
const char* const kExtras[] = {"",     "{}",  R"({"user": "other", "app": "a1"})",
                               "null", "[1]", "{\"x\": 1.50}"};

// Every variant of one input: as sent and in an envelope, under each format and attrs argument.
// Returns how many the fast path read itself.
int check_all(const std::string& payload) {
    int fast = 0;
    std::string wrapped =
        R"({"provider": "OpenAI", "request_id": "gw-1", "occurred_at": "2026-03-01T10:00:00Z", )"
        R"("attrs": {"user": "u1", "department": "d"}, "response": )" +
        payload + "}";
    for (const std::string* p :
         {static_cast<const std::string*>(&payload), static_cast<const std::string*>(&wrapped)})
        for (UsageFormat f : kFormats)
            for (const char* extra : kExtras) {
                bool read = false;
                std::string d = diff_fast_vs_tree(*p, f, extra, &read);
                EXPECT_EQ(d, "") << "payload: " << *p << "\nformat: " << usage_format_name(f)
                                 << " attrs: " << extra;
                fast += read;
            }
    return fast;
}

// Variants of a good line that hit the fast path's edges: repeated keys, nulls, other types,
// escapes, odd numbers, nesting, cut or flipped bytes.
std::vector<std::string> variants(const std::string& line, std::mt19937_64& rng) {
    std::vector<std::string> out;
    auto replace_all = [&](std::string s, const std::string& from, const std::string& to) {
        for (size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size()))
            s.replace(at, from.size(), to);
        return s;
    };
    static const std::pair<const char*, const char*> kSwaps[] = {
        {"\"prompt_tokens\": ", "\"prompt_tokens\": -"},
        {"\"prompt_tokens\": ", "\"prompt_tokens\": 1e3, \"x\": "},
        {"\"prompt_tokens\": ", "\"prompt_tokens\": null, \"prompt_tokens\": "},
        {"\"prompt_tokens\": ", "\"prompt_tokens\": 5, \"y\": "},
        {"\"cached_tokens\": ", "\"cached_tokens\": 999999, \"cached_tokens\": "},
        {"\"cached_tokens\": ", "\"cached_tokens\": 99999999, \"z\": "},
        {"\"cached_tokens\": ", "\"cached_tokens\": \"7\", \"z\": "},
        {"\"reasoning_tokens\": ", "\"reasoning_tokens\": 9223372036854775807, \"r\": "},
        {"\"completion_tokens\": ", "\"completion_tokens\": 18446744073709551616, \"c\": "},
        {"\"completion_tokens\": ", "\"completion_tokens\": 1.0, \"c\": "},
        {"\"usage\": {", "\"usage\": null, \"usage\": {"},
        {"\"usage\": {", "\"usage\": {}, \"usage2\": {"},
        {"\"usage\": {", "\"usage\": [], \"u\": {"},
        {"\"prompt_tokens_details\": {", "\"prompt_tokens_details\": 3, \"p\": {"},
        {"\"completion_tokens_details\": {", "\"completion_tokens_details\": null, \"q\": {"},
        {"\"object\": \"chat.completion\"", "\"object\": \"chat.completion.chunk\""},
        {"\"object\": \"chat.completion\"", "\"object\": \"chat.completionX\""},
        {"\"object\": \"chat.completion\"", "\"object\": null"},
        {"\"object\": \"chat.completion\"", "\"object\": 5"},
        {"\"object\": \"chat.completion\"", "\"object\": \"chat.completion\", \"provider\": null"},
        {"\"object\": \"chat.completion\"", "\"object\": \"response\""},
        {"\"id\": \"", "\"id\": \"gen-"},
        {"\"id\": \"", "\"id\": 12, \"i\": \""},
        {"\"id\": \"", "\"id\": -12, \"i\": \""},
        {"\"id\": \"", "\"id\": \"\\u00e9\\ud83d\\ude00\\n\\\"\\/"},
        {"\"id\": \"", "\"id\": \"\\u0000"},
        {"\"id\": \"", "\"id\": \"\\ud800"},
        {"\"id\": \"", "\"id\": \"\\udc00"},
        {"\"id\": \"", "\"id\": \"\\x"},
        {"\"id\": \"", "\"id\": \"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"},
        {"\"id\": \"", "\"id\": \"\xc0\xaf"},
        {"\"id\": \"", "\"id\": \"\xed\xa0\x80"},
        {"\"id\": \"", "\"id\": \"\t"},
        {"\"created\": ", "\"created\": \"2026-03-01T00:00:00Z\", \"k\": "},
        {"\"created\": ", "\"created\": \"1772323200\", \"k\": "},
        {"\"created\": ", "\"created\": \"yesterday\", \"k\": "},
        {"\"created\": ", "\"created\": 1e999, \"k\": "},
        {"\"created\": ", "\"created\": 99999999999999999, \"k\": "},
        {"\"created\": ", "\"created\": -5, \"k\": "},
        {"\"occurred_at\": \"", "\"occurred_at\": 17, \"o\": \""},
        {"\"occurred_at\": \"", "\"occurred_at\": \"not a time\", \"o\": \""},
        {"\"occurred_at\": \"", "\"occurred_at\": null, \"o\": \""},
        {"\"provider\": \"openai\"", "\"provider\": \"Azure OpenAI\""},
        {"\"provider\": \"openai\"", "\"provider\": \"\""},
        {"\"provider\": \"openai\"", "\"provider\": 7"},
        {"\"provider\": \"openai\"", "\"provider\": \"openai\", \"format\": \"openai_chat\""},
        {"\"provider\": \"openai\"", "\"provider\": \"openai\", \"format\": \"auto\""},
        {"\"provider\": \"openai\"", "\"provider\": \"openai\", \"format\": \"gemini\""},
        {"\"provider\": \"openai\"", "\"provider\": \"openai\", \"format\": \"nope\""},
        {"\"provider\": \"openai\"", "\"provider\": \"openai\", \"format\": 1"},
        {"\"provider\": \"openai\"", "\"provider\": \"openai\", \"call_type\": \"completion\""},
        {"\"provider\": \"openai\"", "\"provider\": \"openai\", \"metadata\": {}"},
        {"\"attrs\": {",
         "\"attrs\": {\"n\": 1.25, \"big\": 123456789012345678901, \"neg\": -3, \"t\": true, "
         "\"nested\": {\"a\": [1, {\"b\": null}]}, \"user\": \"first\", \"user\": "},
        {"\"attrs\": {", "\"attrs\": \"x\", \"a\": {"},
        {"\"attrs\": {", "\"attrs\": null, \"a\": {"},
        {"\"attrs\": {", "\"attrs\": {\"k\\u0000\": 1, "},
        {"\"response\": {", "\"response\": {}, \"r\": {"},
        {"\"response\": {", "\"response\": \"x\", \"r\": {"},
        {"\"response\": {", "\"response\": {\"object\": \"chat.completion\"}, \"response\": {"},
        {"\"choices\": [",
         "\"choices\": "
         "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]"
         "]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]], "},
        {"\"choices\": [",
         "\"choices\": "
         "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]"
         "]]]]]]]]]]]]]]]]]]]], "},
        {"\"choices\": [", "\"choices\": [tru, "},
        {"\"choices\": [", "\"choices\": [truex, "},
        {"\"choices\": [", "\"choices\": [01, "},
        {"\"choices\": [", "\"choices\": [1., "},
        {"\"choices\": [", "\"choices\": [-, "},
        {"\"choices\": [", "\"choices\": [1e, "},
        {"\"choices\": [", "\"choices\": [\"\\q\", "},
        {"\"choices\": [", "\"choices\": [1 2, "},
        {"\"choices\": [", "\"choices\": [,"},
        {"\"refusal\": null", "\"refusal\": nul"},
        {"\"refusal\": null", "\"refusal\": null,"},
        {"\"refusal\": null", "\"refusal\" null"},
        {"\"refusal\": null", "\"refusal\": NaN"},
        {"\"refusal\": null", "\"refusal\": \"\\u12\""},
        {": ", ":"},
        {", ", ",\n\t\r "},
    };
    for (const auto& [from, to] : kSwaps) {
        if (line.find(from) == std::string::npos) continue;
        out.push_back(replace_all(line, from, to));
        // Only the first occurrence too.
        std::string once = line;
        once.replace(once.find(from), std::string(from).size(), to);
        out.push_back(once);
    }
    out.push_back(line + " ");
    out.push_back(line + "x");
    out.push_back(line + "{}");
    out.push_back(line + "}");
    out.push_back("\xef\xbb\xbf" + line);
    out.push_back("[" + line + "]");
    out.push_back(line.substr(0, line.size() - 1));
    for (int k = 0; k < 8; ++k) {
        std::string cut = line.substr(0, rng() % line.size());
        out.push_back(cut);
        std::string flip = line;
        flip[rng() % flip.size()] = static_cast<char>(rng());
        out.push_back(flip);
        std::string del = line;
        del.erase(rng() % del.size(), 1 + rng() % 3);
        out.push_back(del);
    }
    return out;
}

}  // namespace

TEST(FastParser, ReadsTheBenchEnvelopesItself) {
    // The lines test/bench/ingest.sh loads: the fast path must read them, not decline them.
    for (uint64_t i = 0; i < 200; ++i) {
        std::string line = cb::bench::bench_envelope(i);
        bool read = false;
        EXPECT_EQ(diff_fast_vs_tree(line, UsageFormat::auto_detect, {}, &read), "") << line;
        EXPECT_TRUE(read) << line;
    }
}

TEST(FastParser, AgreesWithTheTreeParserOnEveryFixture) {
    int fast = 0;
    for (const std::string& f : files_under(CB_FIXTURE_DIR)) {
        fast += check_all(f);
        // JSON-lines files: each line too.
        std::istringstream lines(f);
        std::string line;
        int n = 0;
        while (std::getline(lines, line)) ++n;
        if (n > 1) {
            std::istringstream again(f);
            while (std::getline(again, line))
                if (!line.empty()) fast += check_all(line);
        }
    }
    EXPECT_GT(fast, 0) << "the fast path read none of the fixtures";
}

TEST(FastParser, AgreesWithTheTreeParserOnEveryFuzzCorpusFile) {
    for (const std::string& f : files_under(fs::path(CB_FIXTURE_DIR) / ".." / "fuzz" / "corpus"))
        check_all(f);
}

TEST(FastParser, AgreesWithTheTreeParserOnGeneratedLines) {
    std::mt19937_64 rng(20261203);
    int fast = 0, total = 0;
    for (uint64_t i = 0; i < 60; ++i) {
        std::string line = cb::bench::bench_envelope(i * 7919, i % 2 ? "a" : "b");
        for (const std::string& v : variants(line, rng)) {
            for (UsageFormat f : {UsageFormat::auto_detect, UsageFormat::openai_chat}) {
                bool read = false;
                EXPECT_EQ(diff_fast_vs_tree(v, f, {}, &read), "") << v;
                fast += read;
                ++total;
            }
        }
        // The response alone (no envelope).
        size_t at = line.find("\"response\": ") + 12;
        size_t end = line.find(", \"request_id\"");
        for (const std::string& v : variants(line.substr(at, end - at), rng)) {
            bool read = false;
            EXPECT_EQ(diff_fast_vs_tree(v, UsageFormat::auto_detect, "{\"app\": \"x\"}", &read), "")
                << v;
            fast += read;
            ++total;
        }
    }
    EXPECT_GT(fast, total / 10);
}

// A gateway line around an Anthropic Messages response, with the members the parser reads.
static std::string anthropic_envelope(uint64_t i) {
    std::string n = std::to_string(i);
    return R"({"provider": "anthropic", "request_id": "gw-)" + n + R"(", "attrs": {"user": "u)" +
           n + R"(@corp.test", "app": "bot"}, "response": {"id": "msg_)" + n +
           R"(", "type": "message", "role": "assistant", "model": "claude-sonnet-4-5-20250929", )"
           R"("content": [{"type": "text", "text": "Done.\n"}], "stop_reason": "end_turn", )"
           R"("stop_sequence": null, "usage": {"input_tokens": )" +
           std::to_string(10 + i % 900) + R"(, "cache_creation_input_tokens": )" +
           std::to_string(i % 3 * 100) + R"(, "cache_read_input_tokens": )" +
           std::to_string(i % 5 * 64) + R"(, "cache_creation": {"ephemeral_5m_input_tokens": )" +
           std::to_string(i % 3 * 60) + R"(, "ephemeral_1h_input_tokens": )" +
           std::to_string(i % 3 * 40) + R"(}, "output_tokens": )" + std::to_string(1 + i % 300) +
           R"(, "service_tier": "standard", "server_tool_use": {"web_search_requests": )" +
           std::to_string(i % 2) + "}}}}";
}

TEST(FastParser, AgreesWithTheTreeParserOnAnthropicLines) {
    std::mt19937_64 rng(17);
    static const std::pair<const char*, const char*> kSwaps[] = {
        {"\"type\": \"message\"", "\"type\": \"message_delta\""},
        {"\"type\": \"message\"", "\"type\": \"message_start\""},
        {"\"type\": \"message\"", "\"object\": \"x\""},
        {"\"type\": \"message\"", "\"type\": null, \"object\": null"},
        {"\"type\": \"message\"", "\"type\": \"message\", \"object\": \"response\""},
        {"\"ephemeral_1h_input_tokens\": ", "\"ephemeral_1h_input_tokens\": 7, \"e\": "},
        {"\"cache_creation\": {", "\"cache_creation\": 5, \"c\": {"},
        {"\"cache_creation\": {", "\"cache_creation\": {}, \"c\": {"},
        {"\"cache_creation_input_tokens\": ", "\"cache_creation_input_tokens\": null, \"t\": "},
        {"\"server_tool_use\": {", "\"server_tool_use\": [], \"s\": {"},
        {"\"input_tokens\": ", "\"input_tokens\": -1, \"i\": "},
        {"\"output_tokens\": ", "\"output_tokens\": \"3\", \"o\": "},
        {"\"usage\": {", "\"usage\": {\"prompt_tokens\": 4}, \"usage\": {"},
        {"\"usage\": {", "\"usage\": {\"x\": 1}, \"u\": {"},
        {"\"service_tier\": \"standard\"", "\"service_tier\": 3"},
        {"\"model\": \"", "\"model\": {\"a\": 1}, \"m\": \""},
    };
    int fast = 0, total = 0;
    for (uint64_t i = 0; i < 40; ++i) {
        std::string line = anthropic_envelope(i * 31);
        size_t at = line.find("\"response\": ") + 12;
        std::string bare = line.substr(at, line.size() - 1 - at);
        for (const std::string* base :
             {static_cast<const std::string*>(&line), static_cast<const std::string*>(&bare)}) {
            std::vector<std::string> all = variants(*base, rng);
            all.push_back(*base);
            for (const auto& [from, to] : kSwaps) {
                size_t p = base->find(from);
                if (p == std::string::npos) continue;
                std::string v = *base;
                v.replace(p, std::string(from).size(), to);
                all.push_back(v);
            }
            for (const std::string& v : all)
                for (UsageFormat f : {UsageFormat::auto_detect, UsageFormat::anthropic_messages}) {
                    bool read = false;
                    EXPECT_EQ(diff_fast_vs_tree(v, f, {}, &read), "") << v;
                    fast += read;
                    ++total;
                }
        }
        bool read = false;
        EXPECT_EQ(diff_fast_vs_tree(line, UsageFormat::auto_detect, {}, &read), "");
        EXPECT_TRUE(read) << line;
    }
    EXPECT_GT(fast, total / 10);
}

TEST(FastParser, DeclinesWhatItDoesNotCover) {
    // Other formats, arrays of payloads, errors: the tree parser reads (or refuses) those.
    for (const char* p :
         {R"({"type": "message_start", "usage": {"input_tokens": 1}})",
          R"([{"object": "chat.completion"}])",
          R"({"object": "chat.completion", "usage": {"prompt_tokens": 1}, "provider": "x"})",
          R"({"object": "chat.completion", "usage": {"prompt_tokens": 1, "x": "\u0000"}})",
          R"({"object": "chat.completion", "usage": {"prompt_tokens": 1}} {})", "{"}) {
        EXPECT_FALSE(parse_usage_text_fast(p, UsageFormat::auto_detect)) << p;
        EXPECT_EQ(diff_fast_vs_tree(p, UsageFormat::auto_detect), "") << p;
    }
    EXPECT_TRUE(
        parse_usage_text_fast(R"({"object": "chat.completion", "usage": {"prompt_tokens": 1}})",
                              UsageFormat::auto_detect));
}

TEST(FastParser, AnEnvelopesReportedCostIsKept) {
    // The fast path does not read reported_cost: it declines, and the tree parser keeps it.
    const char* p = R"({"provider": "openai", "request_id": "r1", "reported_cost": "0.0123",)"
                    R"( "response": {"object": "chat.completion", "model": "gpt-4o",)"
                    R"( "usage": {"prompt_tokens": 10, "completion_tokens": 2}}})";
    EXPECT_FALSE(parse_usage_text_fast(p, UsageFormat::auto_detect));
    EXPECT_EQ(diff_fast_vs_tree(p, UsageFormat::auto_detect), "");
    std::vector<cb::core::UsageRecord> records = cb::core::parse_usage_text(p, UsageFormat::auto_detect);
    ASSERT_EQ(records.size(), 1u);
    EXPECT_EQ(records[0].reported_cost, "0.0123");
}
