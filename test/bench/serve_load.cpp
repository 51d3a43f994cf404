// Load generator for `chargeback serve` (test/bench/serve.sh): CLIENTS threads, each with one
// keep-alive connection to 127.0.0.1 only, POST OTLP/HTTP protobuf exports of SPANS GenAI
// spans to /v1/traces for SECONDS (bounded: also at most MAX_REQUESTS per client). A 429/503
// or a lost connection is retried with the same body after the Retry-After pause (the
// database's request-id claim keeps it from being charged twice); every RESEND-th
// acknowledged export is sent once more, as a client that lost the answer would.
//   serve_load PORT RUN [CLIENTS=16] [SECONDS=20] [SPANS=200] [RESEND=50] [MAX_REQUESTS=100000]
//   serve_load --jsonl RUN COUNT SPANS   # the same kind of exports as OTLP/JSON lines (COPY floor)
// Prints one line: requests, acknowledged spans, retries, resends, seconds and spans/s.
#include "cli/otlp_protobuf.hpp"

#include <httplib.h>

#include <sys/resource.h>

#include "../protobuf_writer.hpp"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

namespace {

using cb_test::pb::kv_int;
using cb_test::pb::kv_str;
using cb_test::pb::varint;
const auto len = cb_test::pb::len_field;
const auto fix64 = cb_test::pb::fixed64_field;
// Big-endian 8 bytes (half of a trace id).
std::string be64(uint64_t v) {
    std::string s;
    for (int i = 7; i >= 0; --i) s += static_cast<char>((v >> (8 * i)) & 0xFF);
    return s;
}

// One export: trace id = run (8 bytes) + request number (8 bytes); span ids 1..spans.
std::string export_body(uint64_t run, uint64_t request, int spans) {
    const uint64_t now = static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                                   std::chrono::system_clock::now().time_since_epoch())
                                                   .count());
    const std::string trace = be64(run) + be64(request);
    std::string scope = len(1, len(1, "serve_load"));
    for (int i = 1; i <= spans; ++i) {
        std::string s = len(1, trace) + len(2, be64(static_cast<uint64_t>(i))) + len(5, "chat gpt-4o-mini") +
                        varint(6 << 3) + varint(3) + fix64(7, now) + fix64(8, now + 1000000) +
                        len(9, kv_str("gen_ai.system", "openai")) + len(9, kv_str("gen_ai.request.model", "gpt-4o-mini")) +
                        len(9, kv_int("gen_ai.usage.input_tokens", 1000 + i)) +
                        len(9, kv_int("gen_ai.usage.output_tokens", 100));
        scope += len(2, s);
    }
    std::string resource = len(1, kv_str("service.name", "serve-load"));
    return len(1, len(1, resource) + len(2, scope));
}

}  // namespace

int main(int argc, char** argv) {
    if (argc >= 2 && std::string(argv[1]) == "--jsonl") {
        if (argc < 5) return 2;
        const uint64_t run = std::strtoull(argv[2], nullptr, 10), count = std::strtoull(argv[3], nullptr, 10);
        const int spans = std::atoi(argv[4]);
        for (uint64_t r = 0; r < count; ++r)
            std::printf("%s\n", cb::cli::decode_export_trace_request(export_body(run, r, spans)).dump().c_str());
        return 0;
    }
    if (argc < 3) {
        std::fprintf(stderr, "usage: serve_load PORT RUN [CLIENTS] [SECONDS] [SPANS] [RESEND] [MAX_REQUESTS]\n");
        return 2;
    }
    const int port = std::atoi(argv[1]);
    const uint64_t run = std::strtoull(argv[2], nullptr, 10);
    const int clients = argc > 3 ? std::atoi(argv[3]) : 16;
    const int seconds = argc > 4 ? std::atoi(argv[4]) : 20;
    const int spans = argc > 5 ? std::atoi(argv[5]) : 200;
    const int resend = argc > 6 ? std::atoi(argv[6]) : 50;
    const uint64_t max_requests = argc > 7 ? std::strtoull(argv[7], nullptr, 10) : 100000;
    if (clients < 1 || clients > 64 || seconds < 1 || seconds > 600 || spans < 1 || spans > 10000) return 2;

    std::atomic<uint64_t> requests{0}, acked_spans{0}, retries{0}, resends{0}, failures{0};
    const auto start = std::chrono::steady_clock::now();
    const auto stop = start + std::chrono::seconds(seconds);
    std::vector<std::thread> threads;
    for (int c = 0; c < clients; ++c)
        threads.emplace_back([&, c] {
            httplib::Client cli("127.0.0.1", port);  // loopback only
            cli.set_keep_alive(true);
            cli.set_read_timeout(60, 0);
            for (uint64_t n = 0; n < max_requests && std::chrono::steady_clock::now() < stop; ++n) {
                const std::string body = export_body(run, (static_cast<uint64_t>(c) << 40) | n, spans);
                const bool again = resend > 0 && n % static_cast<uint64_t>(resend) == 1;
                for (int attempt = 0; attempt < 2 + (again ? 1 : 0);) {
                    auto res = cli.Post("/v1/traces", body, "application/x-protobuf");
                    requests++;
                    if (res && res->status == 200) {
                        if (attempt == 0) acked_spans += static_cast<uint64_t>(spans);
                        else resends++;
                        if (!again || attempt == 1) break;
                        ++attempt;  // send the acknowledged export once more
                        continue;
                    }
                    retries++;
                    if (std::chrono::steady_clock::now() > stop + std::chrono::seconds(60)) {
                        failures++;
                        break;
                    }
                    std::this_thread::sleep_for(std::chrono::milliseconds(res ? 200 : 500));
                }
            }
        });
    for (auto& t : threads) t.join();
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    rusage ru{};
    getrusage(RUSAGE_SELF, &ru);
    const double cpu = ru.ru_utime.tv_sec + ru.ru_stime.tv_sec + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
    std::printf("serve_load: %d clients, %d spans/export: %llu requests, %llu spans acknowledged, %llu retries, "
                "%llu resends, %llu given up, %.1f s CPU, %.1f s, %.0f spans/s\n",
                clients, spans, static_cast<unsigned long long>(requests.load()),
                static_cast<unsigned long long>(acked_spans.load()), static_cast<unsigned long long>(retries.load()),
                static_cast<unsigned long long>(resends.load()), static_cast<unsigned long long>(failures.load()), cpu, secs,
                acked_spans.load() / secs);
    return failures.load() == 0 ? 0 : 1;
}
