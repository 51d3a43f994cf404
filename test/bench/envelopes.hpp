// The gateway envelopes of test/bench/ingest.sh, made in C++ for the benchmarks and tests
// that need no database: the same members, values and key order as ingest.sh's
// jsonb_build_object(...)::text (jsonb prints keys by length, then bytewise, with ", " and
// ": "). Only the 32 hex digits of the response id differ (a mix of i instead of md5).
#pragma once
#include <cstdint>
#include <cstdio>
#include <string>

namespace cb::bench {

inline std::string bench_envelope(uint64_t i, const char* salt = "a") {
    static const char* const models[] = {"gpt-4o-2024-08-06", "gpt-4o-mini-2024-07-18",
                                         "o4-mini-2025-04-16", "gpt-4.1-2025-04-14",
                                         "gpt-5-mini-2025-08-07"};
    char hex[33];
    uint64_t h1 = i * 0x9E3779B97F4A7C15ULL + 1,
             h2 = (i ^ 0x5bd1e995ULL) * 0xC2B2AE3D27D4EB4FULL + 7;
    std::snprintf(hex, sizeof hex, "%016llx%016llx", static_cast<unsigned long long>(h1),
                  static_cast<unsigned long long>(h2));
    int64_t t = static_cast<int64_t>(i % 2592000);  // seconds into March 2026
    char occurred[32];
    std::snprintf(occurred, sizeof occurred, "2026-03-%02d%c%02d:%02d:%02dZ",
                  static_cast<int>(1 + t / 86400), 'T', static_cast<int>(t % 86400 / 3600),
                  static_cast<int>(t % 3600 / 60), static_cast<int>(t % 60));
    uint64_t cached = (i % 4) * 128, reasoning = i % 5 == 2 ? i % 100 : 0;
    std::string s = "{\"attrs\": {";
    if (i % 7 == 0) s += "\"app\": \"app" + std::to_string(1 + i % 5) + "\", ";
    s += "\"user\": \"user" + std::to_string(1 + i % 1000) + "@corp.test\", \"api_key\": \"key_" +
         std::to_string(i % 50) +
         "\"}, \"provider\": \"openai\", \"response\": {\"id\": \"chatcmpl-" + salt + hex +
         "\", \"model\": \"" + models[i % 5] +
         "\", \"usage\": {\"total_tokens\": " + std::to_string(920 + i % 3000 + i % 900) +
         ", \"prompt_tokens\": " + std::to_string(800 + i % 3000) +
         ", \"completion_tokens\": " + std::to_string(120 + i % 900) +
         ", \"prompt_tokens_details\": {\"audio_tokens\": 0, \"cached_tokens\": " +
         std::to_string(cached) +
         "}, \"completion_tokens_details\": {\"audio_tokens\": 0, \"reasoning_tokens\": " +
         std::to_string(reasoning) +
         ", \"accepted_prediction_tokens\": 0, \"rejected_prediction_tokens\": 0}}, \"object\": "
         "\"chat.completion\", "
         "\"choices\": [{\"index\": 0, \"message\": {\"role\": \"assistant\", \"content\": \"Here "
         "is the summary you "
         "asked for.\", \"refusal\": null}, \"finish_reason\": \"stop\"}], \"created\": " +
         std::to_string(1772323200 + t) +
         ", \"service_tier\": \"default\", \"system_fingerprint\": \"fp_" + std::string(hex, 10) +
         "\"}, \"request_id\": \"req-" + salt + std::to_string(i) + "\", \"occurred_at\": \"" +
         occurred + "\"}";
    return s;
}

}  // namespace cb::bench
