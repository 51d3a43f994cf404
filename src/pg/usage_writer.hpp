// Writing usage: priced rows and rejections are buffered per backend and written set-based
// (one INSERT ... SELECT FROM unnest(...) per few thousand rows), so the bulk path costs a
// few statements per batch, not one per row. The buffer is emptied when a (sub)transaction
// aborts, so rows of a failed statement never leak into a later one.
#pragma once
#include "guard.hpp"

#include "core/usage_pipeline.hpp"

#include <string>
#include <vector>

namespace cb::pg {

struct Rejection {
    std::string payload, attrs, format, sqlstate, message;
};

struct WriteResult {
    int64_t usage_id;  // the row's id, or 0 when it was a duplicate of an earlier request
};

inline constexpr size_t kFlushRows = 5000;
// The buffers are also written once the payloads behind them reach this many bytes of JSON
// text: a buffered row costs a small multiple of its payload, so memory stays bounded
// however large the rows of a batch are (up to chargeback.max_payload_bytes each).
inline constexpr size_t kFlushBytes = 16 * 1024 * 1024;

// Rows waiting for the end of the statement (the bulk path).
std::vector<cb::core::PricedUsage>& pending_usage();
std::vector<Rejection>& pending_rejections();
void register_usage_buffer_callbacks();  // from _PG_init
// Counts the payload bytes behind the rows just buffered; pending_full() says when to flush
// (kFlushRows rows and rejections, or kFlushBytes bytes of payload).
void note_pending_bytes(size_t bytes);
bool pending_full();

// Writes `rows` (ensuring their monthly partitions) and returns one result per row, in
// order. Duplicates of already recorded (provider, request_id) are not written: they are
// logged in chargeback.usage_duplicate. Call inside guarded(), as the extension's owner
// (a SECURITY DEFINER function, or an OwnerScope).
std::vector<WriteResult> write_usage(const std::vector<cb::core::PricedUsage>& rows);
void write_rejections(const std::vector<Rejection>& rejections);
// Writes and clears the pending buffers.
void flush_pending();
// The recorded usage_id of (provider, request_id), or 0. Call inside guarded().
int64_t existing_usage_id(const std::string& provider, const std::string& request_id);

}  // namespace cb::pg
