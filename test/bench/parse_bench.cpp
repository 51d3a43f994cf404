// The parse benchmark (test/bench/parse.sh): parsing alone, no database, on the gateway
// envelopes of test/bench/ingest.sh. The same lines in the same process through the tree
// parser (parse_usage_text_tree: read_json, then the format's parser) and through
// parse_usage_text (the fast path, src/core/usage_fast.cpp, falling back to the tree), best of
// 5 rounds each, after checking that both give the same records for every line.
//
//   parse_bench [LINES [FILE]]   LINES generated envelopes (default 100000), or the lines of
//                                FILE (e.g. the envelopes.jsonl ingest.sh writes)
//   parse_bench --print N        prints N generated envelopes (fuzz seeds)
#include "envelopes.hpp"

#include "../fuzz/fast_parser_diff.hpp"

#include "core/usage_fast.hpp"
#include "core/usage_record.hpp"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

using namespace cb::core;

namespace {

template <class F>
double best_seconds(int rounds, F&& f) {
    double best = 1e300;
    for (int r = 0; r < rounds; ++r) {
        auto t0 = std::chrono::steady_clock::now();
        f();
        double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        if (s < best) best = s;
    }
    return best;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc == 3 && std::strcmp(argv[1], "--print") == 0) {
        for (long i = 0, n = std::atol(argv[2]); i < n; ++i)
            std::printf("%s\n", cb::bench::bench_envelope(i).c_str());
        return 0;
    }
    long n = argc > 1 ? std::atol(argv[1]) : 100000;
    std::vector<std::string> lines;
    if (argc > 2) {
        std::ifstream in(argv[2]);
        for (std::string l; static_cast<long>(lines.size()) < n && std::getline(in, l);)
            if (!l.empty()) lines.push_back(l);
    } else {
        for (long i = 1; i <= n; ++i)
            lines.push_back(cb::bench::bench_envelope(static_cast<uint64_t>(i)));
    }
    size_t bytes = 0;
    long fast_read = 0;
    for (const std::string& l : lines) {
        bytes += l.size();
        bool read = false;
        std::string d = cb::fuzz::diff_fast_vs_tree(l, UsageFormat::auto_detect, {}, &read);
        if (!d.empty()) {
            std::fprintf(stderr, "parse: the fast path and the tree parser differ on %s\n%s\n",
                         l.c_str(), d.c_str());
            return 1;
        }
        fast_read += read;
    }
    // Something to keep the optimizer honest: the tokens of every record.
    int64_t sink = 0;
    if (std::getenv("PARSE_BENCH_FAST_ONLY")) {  // for a profiler: the fast path alone
        for (int r = 0; r < 20; ++r)
            for (const std::string& l : lines)
                for (const UsageRecord& rec : parse_usage_text(l, UsageFormat::auto_detect))
                    sink += rec.tokens.count[0];
        return sink == 42;
    }
    double tree = best_seconds(5, [&] {
        for (const std::string& l : lines)
            for (const UsageRecord& r : parse_usage_text_tree(l, UsageFormat::auto_detect))
                sink += r.tokens.count[0];
    });
    double fast = best_seconds(5, [&] {
        for (const std::string& l : lines)
            for (const UsageRecord& r : parse_usage_text(l, UsageFormat::auto_detect))
                sink += r.tokens.count[0];
    });
    double mb = static_cast<double>(bytes) / 1e6;
    std::printf(
        "parse %zu envelopes, %zu bytes a line, %ld read by the fast path (checksum %lld)\n",
        lines.size(), lines.empty() ? 0 : bytes / lines.size(), fast_read,
        static_cast<long long>(sink));
    std::printf(
        "parse: tree parser %.0f MB/s (%.2f us a line), fast path %.0f MB/s (%.2f us a line): "
        "%.1fx (target >= 500 MB/s)\n",
        mb / tree, tree * 1e6 / lines.size(), mb / fast, fast * 1e6 / lines.size(), tree / fast);
    return 0;
}
