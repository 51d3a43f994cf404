// `chargeback serve`: an HTTP endpoint for gateways and OpenTelemetry exporters
// (docs/serve.md). Requests become rows of chargeback.usage_inbox_text (serve_input.cpp),
// queued in a bounded queue and written by a few flusher threads, each with its own libpq
// connection, in COPY batches flushed by size or age; a request is acknowledged only after
// the transaction holding its rows has committed. /v1/authorize and /v1/settle run
// chargeback.authorize() and chargeback.ingest() on a small pool of connections.
#pragma once

#include <cstdint>
#include <string>

namespace cb::cli {

struct ServeSettings {
    std::string host = "127.0.0.1";
    int port = 4318;
    std::string tokens_file;      // empty: no tokens, loopback clients only
    std::string tls_cert, tls_key;
    int workers = 2;              // flusher threads (one connection each)
    int http_threads = 32;        // connections served at once
    int pool_size = 4;            // connections for authorize/settle
    uint64_t flush_ms = 50;       // a batch waits at most this long for more rows
    uint64_t batch_spans = 10000; // flush at this many usage spans / payloads
    uint64_t batch_bytes = 16u << 20;
    uint64_t queue_spans = 200000;     // beyond this, 429 with Retry-After
    uint64_t queue_bytes = 256u << 20;
    uint64_t max_body = 16u << 20;     // bytes of one request body (after decompression)
    uint64_t ack_timeout_ms = 30000;   // a request waits this long for its commit, else 503
};

}  // namespace cb::cli
