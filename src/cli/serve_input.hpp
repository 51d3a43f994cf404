// `chargeback serve`: what a request body, a token file and a client address mean, without
// sockets or libpq, so every limit and every hostile input is unit-tested
// (test/unit/cli_serve_input_test.cpp).
//
// A request becomes COPY text rows for chargeback.usage_inbox_text (payload, attrs, format):
//   - an OTLP trace export (protobuf decoded by otlp_protobuf.cpp, or OTLP/JSON) gives one row
//     per ResourceSpans that holds a span with gen_ai.usage.* attributes, format `otlp`; the
//     database's otlp parser reads it. Spans without usage keep only their ids (the parser
//     needs them to tell an aggregate span from the model calls under it); an export with no
//     usage at all gives no row. Scalar resource attributes named deployment.*,
//     service.namespace and chargeback.<key> (as <key>) go into the attrs column, where
//     ownership rules match them.
//   - a usage webhook (one JSON value, a JSON array of payloads, or JSON lines) gives one row
//     per payload, in the format the request names (default auto).
#pragma once

#include "cli/copy_encoder.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace cb::cli {

// A client error: the HTTP status to answer and a message that names the problem.
class InputError : public std::runtime_error {
public:
    InputError(int status, const std::string& message) : std::runtime_error(message), status_(status) {}
    int status() const noexcept { return status_; }

private:
    int status_;
};

struct InputLimits {
    int max_json_depth = 64;        // nesting of arrays and objects in a JSON body
    uint64_t max_rows = 10000;      // payloads in one webhook request
};

// COPY rows for chargeback.usage_inbox_text (payload, attrs, format), and what they hold.
struct InboxRows {
    std::string copy;          // COPY text format, one line per row
    uint64_t rows = 0;         // lines in copy
    uint64_t spans = 0;        // OTLP: spans in the export
    uint64_t usage_spans = 0;  // OTLP: spans with gen_ai.usage.* attributes
};

// The nesting depth of a JSON text exceeds max_depth (a byte scan: no parse, no recursion).
bool json_too_deep(std::string_view text, int max_depth);
// Parses a JSON body after checking its depth and encoding; InputError 400 otherwise.
nlohmann::json parse_json_body(std::string_view body, const InputLimits& limits, const char* what);

// Rows of an OTLP export in the OTLP/JSON shape; InputError 400 when it is not one.
void otlp_rows(const nlohmann::json& doc, InboxRows& out);
// Rows of a webhook body; format is a checked format name.
void webhook_rows(std::string_view body, const std::string& format, const InputLimits& limits, InboxRows& out);
// One row (payload text, attrs JSON or empty for NULL, format) appended in COPY text form.
void append_inbox_row(std::string& copy, std::string_view payload, std::string_view attrs, std::string_view format);

// --tokens FILE: "token role" per line; blank lines and # comments ignored.
class TokenTable {
public:
    // Throws std::invalid_argument naming the line.
    static TokenTable parse(std::string_view text);
    // The role of a token (compared in constant time against every entry); nullopt if unknown.
    std::optional<std::string> role_for(std::string_view token) const;
    size_t size() const { return entries_.size(); }
    std::vector<std::string> roles() const;

private:
    std::vector<std::pair<std::string, std::string>> entries_;
};

// The token of an "Authorization: Bearer <token>" header; nullopt when it is not one.
std::optional<std::string> bearer_token(std::string_view header);
// 127.0.0.0/8, ::1 and ::ffff:127.x.y.z.
bool is_loopback(std::string_view address);

// The HTTP status of a database error, from its SQLSTATE: 400 for bad input (classes 22,
// 23, 42 but 42501), 403 for 42501, 503 for what a retry can fix (08, 40, 53, 57), else 500.
int http_status_for_sqlstate(std::string_view sqlstate);
// {"error": message, "sqlstate": code} (sqlstate omitted when empty).
std::string error_json(const std::string& message, const std::string& sqlstate = {});

// POST /v1/authorize, checked and turned into authorize()'s arguments as text.
struct AuthorizeRequest {
    std::string attrs = "{}";         // jsonb
    std::string provider, model;
    std::string estimate;             // jsonb object {class: count}, cast to token_usage
    std::string service_tier = "standard";
    std::string ttl_seconds = "600";  // whole seconds
};
AuthorizeRequest parse_authorize(std::string_view body, const InputLimits& limits);

// Portkey's gateway calls /v1/authorize as a webhook guardrail (its `default.webhook` check)
// with its hook event {"request": {"json": <the request>}, "response": {"json": ..},
// "provider", "metadata", "eventType"} and reads "verdict" from the answer:
//   beforeRequestHook -> authorize(): model from the request, attrs from the metadata (its
//     `_user` as `user`), estimate input = the request's messages (or input/prompt) in JSON
//     bytes / 4, rounded up, and output = max_tokens (max_completion_tokens,
//     max_output_tokens); verdict = allowed;
//   afterRequestHook -> the response is recorded as usage ({"provider", "attrs", "response"}
//     envelope, format auto); verdict = true.
struct PortkeyEvent {
    bool before = true;
    AuthorizeRequest authorize;  // before
    std::string envelope;        // after: JSON text for ingest()
};
// nullopt when the body is not such an event; InputError 400 when it is a broken one.
std::optional<PortkeyEvent> parse_portkey_event(std::string_view body, const InputLimits& limits);

// POST /v1/settle: {"reservation_id", "usage": payload, "format", "attrs"}.
struct SettleRequest {
    std::string reservation_id;  // digits
    std::string payload;         // JSON text
    std::string attrs;           // JSON object text, reservation_id added
    std::string format = "auto";
};
SettleRequest parse_settle(std::string_view body, const InputLimits& limits);

}  // namespace cb::cli
