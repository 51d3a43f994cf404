#include "guard.hpp"

#include "core/interrupt.hpp"
#include "core/utf8.hpp"

#include <cstdio>
#include <cstring>
#include <exception>

namespace cb::pg {

namespace {

// The error in flight between the catch block and ereport(). Static so that nothing with a
// destructor is alive when ereport() longjmps away.
struct CapturedError {
    bool interrupted;  // cb::core::Interrupted: PostgreSQL raises its own error
    int sqlerrcode;
    char message[4096];
    char detail[4096];
    char hint[1024];
};
CapturedError captured;

void copy_text(char* dst, size_t cap, const char* src) {
    if (cap == 0) return;
    size_t n = src ? std::strlen(src) : 0;
    if (n >= cap) {
        // Truncated: end on a UTF-8 character boundary, never inside a multibyte character
        // (the message goes to the client and into usage_rejected.error as text).
        n = cb::core::utf8_prefix_length(std::string_view(src, n), cap - 1);
    }
    if (n > 0) std::memcpy(dst, src, n);
    dst[n] = '\0';
}

int sqlstate_code(const char* s) {
    if (!s || std::strlen(s) != 5) return ERRCODE_INTERNAL_ERROR;
    return MAKE_SQLSTATE(s[0], s[1], s[2], s[3], s[4]);
}

}  // namespace

PgError::PgError(int sqlerrcode, std::string message, std::string detail, std::string hint)
    : cb::core::Error("XX000", std::move(message), std::move(detail), std::move(hint)),
      code_(sqlerrcode) {
    std::snprintf(state_, sizeof state_, "%s", unpack_sql_state(sqlerrcode));
}

void capture_current_exception() noexcept {
    captured.interrupted = false;
    captured.detail[0] = captured.hint[0] = '\0';
    try {
        throw;
    } catch (const cb::core::Interrupted&) {
        captured.interrupted = true;
        captured.sqlerrcode = ERRCODE_QUERY_CANCELED;
        copy_text(captured.message, sizeof captured.message, "canceling statement due to user request");
    } catch (const PgError& e) {
        captured.sqlerrcode = e.sqlerrcode();
        copy_text(captured.message, sizeof captured.message, e.what());
        copy_text(captured.detail, sizeof captured.detail, e.detail().c_str());
        copy_text(captured.hint, sizeof captured.hint, e.hint().c_str());
    } catch (const cb::core::Error& e) {
        captured.sqlerrcode = sqlstate_code(e.sqlstate());
        copy_text(captured.message, sizeof captured.message, e.what());
        copy_text(captured.detail, sizeof captured.detail, e.detail().c_str());
        copy_text(captured.hint, sizeof captured.hint, e.hint().c_str());
    } catch (const std::bad_alloc&) {
        captured.sqlerrcode = ERRCODE_OUT_OF_MEMORY;
        copy_text(captured.message, sizeof captured.message, "out of memory in pg_chargeback");
    } catch (const std::exception& e) {
        captured.sqlerrcode = ERRCODE_INTERNAL_ERROR;
        std::snprintf(captured.message, sizeof captured.message,
                      "internal error in pg_chargeback: %s", e.what());
    } catch (...) {
        captured.sqlerrcode = ERRCODE_INTERNAL_ERROR;
        copy_text(captured.message, sizeof captured.message,
                  "internal error in pg_chargeback: unknown exception");
    }
}

void raise_captured() {
    if (captured.interrupted) {
        // The interrupt hook saw a cancel or terminate request and the C++ work stopped:
        // PostgreSQL now raises its own error (statement timeout, user request, lock
        // timeout, FATAL for a terminated backend) exactly as at any other interrupt point.
        CHECK_FOR_INTERRUPTS();
        // Only if the request was withdrawn or is held off meanwhile: the work is gone all
        // the same, so the statement ends as cancelled.
    }
    ereport(ERROR, (errcode(captured.sqlerrcode), errmsg("%s", captured.message),
                    captured.detail[0] ? errdetail("%s", captured.detail) : 0,
                    captured.hint[0] ? errhint("%s", captured.hint) : 0));
    pg_unreachable();
}

void rethrow_pg_error(MemoryContext ctx) {
    MemoryContextSwitchTo(ctx);
    ErrorData* edata = CopyErrorData();
    FlushErrorState();
    int code = edata->sqlerrcode;
    std::string message = edata->message ? edata->message : "";
    std::string detail = edata->detail ? edata->detail : "";
    std::string hint = edata->hint ? edata->hint : "";
    FreeErrorData(edata);
    throw PgError(code, std::move(message), std::move(detail), std::move(hint));
}

void interrupt_hook() {
    if (!INTERRUPTS_PENDING_CONDITION()) return;
    // The same conditions under which ProcessInterrupts() raises: a pending interrupt of
    // another kind (a barrier, a memory context dump) or one held off is left for later.
    if (!(QueryCancelPending || ProcDiePending) || !INTERRUPTS_CAN_BE_PROCESSED()) return;
    throw cb::core::Interrupted{};
}

void* palloc_or_throw(Size size) {
    if (!AllocSizeIsValid(size)) throw std::bad_alloc();
    void* p = palloc_extended(size, MCXT_ALLOC_NO_OOM);
    if (!p) throw std::bad_alloc();
    return p;
}

char* pstrdup_or_throw(const std::string& s) {
    char* p = static_cast<char*>(palloc_or_throw(s.size() + 1));
    std::memcpy(p, s.c_str(), s.size() + 1);
    return p;
}

}  // namespace cb::pg
