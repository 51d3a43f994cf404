// Ingestion from SQL: parse_usage(), ingest(), the usage_inbox bulk path, and attribution
// lookups (resolve_owner, valid_rule_match).
#include "attribution_cache.hpp"
#include "catalog_cache.hpp"
#include "datum.hpp"
#include "settings.hpp"
#include "usage_writer.hpp"

#include "core/json_reader.hpp"
#include "core/usage_limits.hpp"
#include "core/usage_pipeline.hpp"
#include "core/utf8.hpp"

#include <cstring>

using namespace cb::pg;
namespace core = cb::core;

namespace {

// chargeback.max_payload_bytes, checked before anything is parsed: every entry point calls
// this first (the payload and the attrs are both JSON text the reader turns into a document).
void check_payload(std::string_view payload, const char* attrs) {
    core::check_payload_size("usage payload", payload.size(), max_payload_bytes());
    if (attrs) core::check_payload_size("attrs", std::strlen(attrs), max_payload_bytes());
}

// What one payload gives: the rows to store, and the parts rejected alone (records of a format
// judged per record, OTLP spans: each with its piece of the payload and its error).
struct PricedPayload {
    std::vector<core::PricedUsage> rows;
    std::vector<std::pair<std::string, core::Error>> rejected;
};

// Parses, prices and owns every record of one payload. All or nothing, except for records
// judged one by one (UsageRecord::piece): one of those that cannot be read or stored is
// rejected alone. With `raise_if_nothing_recorded`, a payload all of whose records are rejected
// raises the first rejection instead (ingest(): as a payload of one bad record always did).
PricedPayload price_payload(const char* payload, const char* attrs, std::string_view format, TimestampTz now,
                            TimestampTz clock_now, bool raise_if_nothing_recorded) {
    check_payload(payload, attrs);
    core::UsageFormat f = core::usage_format_from_name(format.empty() ? "auto" : format);
    std::vector<core::UsageRecord> records = core::parse_usage_text(payload, f, attrs ? attrs : "");
    if (raise_if_nothing_recorded) core::raise_if_all_rejected(records);
    core::PriceCatalog& catalog = price_catalog();
    const core::Attribution& owners = attribution();
    const core::IngestLimits limits{clock_now, max_future_skew_seconds()};
    PricedPayload out;
    out.rows.reserve(records.size());
    for (core::UsageRecord& r : records) {
        if (r.rejection) {
            out.rejected.emplace_back(std::move(r.piece), std::move(*r.rejection));
            continue;
        }
        if (r.piece.empty()) {
            out.rows.push_back(core::price_and_attribute(std::move(r), now, catalog, owners, pg_regex_search, limits));
            continue;
        }
        std::string piece = std::move(r.piece);
        r.piece.clear();
        try {
            out.rows.push_back(core::price_and_attribute(std::move(r), now, catalog, owners, pg_regex_search, limits));
        } catch (const PgError&) {
            throw;  // PostgreSQL itself failed
        } catch (const core::Error& e) {
            out.rejected.emplace_back(std::move(piece), e);
        }
    }
    if (raise_if_nothing_recorded && out.rows.empty() && !out.rejected.empty()) throw out.rejected.front().second;
    return out;
}

// What usage_rejected keeps of a payload refused for its size: its beginning, enough to tell
// which request it was (the whole of it would make the rejection as costly as the payload).
constexpr size_t kRejectedPayloadPrefix = 4096;

// text (len bytes here, of a payload of full_len bytes) as usage_rejected keeps it: whole,
// unless the payload was over chargeback.max_payload_bytes.
std::string payload_prefix_if_over(const char* text, size_t len, size_t full_len) {
    if (full_len <= max_payload_bytes() || len <= kRejectedPayloadPrefix) return std::string(text, len);
    return cb::core::utf8_clip(std::string_view(text, len), kRejectedPayloadPrefix);
}

char* nullable_jsonb_cstring(FunctionCallInfo fcinfo, int n) {
    return PG_ARGISNULL(n) ? nullptr : jsonb_cstring(PG_GETARG_JSONB_P(n));
}

}  // namespace

// parse_usage(payload jsonb, format text) -> (provider, model, occurred_at, request_id,
// service_tier, tokens, attrs): pure, one payload can give many rows.
CB_FUNCTION(cb_parse_usage) {
    char* payload = jsonb_cstring(PG_GETARG_JSONB_P(0));
    std::string_view format = text_view(PG_GETARG_TEXT_PP(1));
    InitMaterializedSRF(fcinfo, 0);
    ReturnSetInfo* rsinfo = reinterpret_cast<ReturnSetInfo*>(fcinfo->resultinfo);
    guarded([&] {
        check_payload(payload, nullptr);
        auto records = core::parse_usage_text(payload, core::usage_format_from_name(format));
        core::raise_if_all_rejected(records);
        for (const core::UsageRecord& r : records) {
            if (r.rejection) {
                // The other records are returned; this one is named in a warning.
                std::string msg = std::string("rejected part of the payload: ") + r.rejection->what();
                const char* state = r.rejection->sqlstate();
                pg_call([&] {
                    ereport(WARNING, (errcode(MAKE_SQLSTATE(state[0], state[1], state[2], state[3], state[4])),
                                      errmsg_internal("%s", msg.c_str()),
                                      errhint("ingest() and usage_inbox record the other parts and keep this one "
                                              "in chargeback.usage_rejected")));
                });
                continue;
            }
            Datum values[7];
            bool nulls[7] = {r.provider.empty(), r.model.empty(), !r.occurred_at, r.request_id.empty(), false,
                             false, false};
            values[0] = nulls[0] ? Datum(0) : text_datum(r.provider);
            values[1] = nulls[1] ? Datum(0) : text_datum(r.model);
            values[2] = nulls[2] ? Datum(0) : TimestampTzGetDatum(*r.occurred_at);
            values[3] = nulls[3] ? Datum(0) : text_datum(r.request_id);
            values[4] = text_datum(r.service_tier.empty() ? "standard" : r.service_tier);
            values[5] = usage_datum(r.tokens);
            values[6] = jsonb_datum(r.attrs.dump());
            pg_call([&] { tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls); });
        }
        return Datum(0);
    });
    return Datum(0);
}

// ingest(payload jsonb, attrs jsonb, format text) -> bigint: records the payload's usage now
// and returns the usage_id of its FIRST recorded row, in payload order (for a repeated request,
// the id it was recorded under before); NULL when the payload holds no usage. A payload of many
// rows (a usage-report page, an OTLP export) records them all; parse_usage() lists them and
// chargeback.usage has them by request_id. Parts of an OTLP export that cannot be recorded go
// to usage_rejected, one row per span, with a WARNING; when no part can be recorded, the first
// part's error is raised and nothing is stored.
CB_FUNCTION(cb_ingest) {
    char* payload = jsonb_cstring(PG_GETARG_JSONB_P(0));
    char* attrs = nullable_jsonb_cstring(fcinfo, 1);
    std::string_view format = PG_ARGISNULL(2) ? std::string_view("auto") : text_view(PG_GETARG_TEXT_PP(2));
    TimestampTz now = GetCurrentTransactionStartTimestamp();
    TimestampTz clock_now = GetCurrentTimestamp();
    return guarded_nullable(fcinfo, [&]() -> std::optional<Datum> {
        PricedPayload priced = price_payload(payload, attrs, format, now, clock_now, true);
        if (!priced.rejected.empty()) {
            std::vector<Rejection> rejections;
            std::string fmt(format.empty() ? "auto" : format);
            for (auto& [piece, error] : priced.rejected)
                rejections.push_back({std::move(piece), attrs ? attrs : "", fmt, error.sqlstate(), error.what()});
            write_rejections(rejections);
            std::string msg = std::to_string(rejections.size()) + " part(s) of the payload went to "
                              "chargeback.usage_rejected; the first: " + rejections.front().message;
            pg_call([&] {
                ereport(WARNING, (errcode(ERRCODE_WARNING), errmsg_internal("%s", msg.c_str())));
            });
        }
        const std::vector<core::PricedUsage>& rows = priced.rows;
        if (rows.empty()) return std::nullopt;
        std::vector<WriteResult> written = write_usage(rows);
        int64_t id = written[0].usage_id;
        if (id == 0) id = existing_usage_id(rows[0].rec.provider, rows[0].rec.request_id);
        if (id == 0) return std::nullopt;
        return Int64GetDatum(id);
    });
}

// INSTEAD OF INSERT on the usage_inbox views: every row is parsed, priced and owned right
// away and buffered; a row that cannot be ingested becomes a rejection. The statement
// trigger below writes the buffers. Returning the row makes COPY and INSERT count it.
CB_FUNCTION(cb_usage_inbox_insert) {
    if (!CALLED_AS_TRIGGER(fcinfo))
        ereport(ERROR, (errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
                        errmsg("cb_usage_inbox_insert must be called as a trigger")));
    TriggerData* td = reinterpret_cast<TriggerData*>(fcinfo->context);
    HeapTuple tuple = td->tg_trigtuple;
    TupleDesc desc = RelationGetDescr(td->tg_relation);
    // COPY calls INSTEAD OF triggers in a context that lives for the whole statement: work in
    // our own, reset for every row, so memory stays flat however many lines are loaded.
    static MemoryContext row_cxt = nullptr;
    if (!row_cxt)
        row_cxt = AllocSetContextCreate(TopMemoryContext, "pg_chargeback inbox row", ALLOCSET_DEFAULT_SIZES);
    MemoryContextReset(row_cxt);
    MemoryContext caller_cxt = MemoryContextSwitchTo(row_cxt);
    bool isnull;
    Datum payload_d = heap_getattr(tuple, 1, desc, &isnull);
    char* payload = nullptr;
    size_t payload_len = 0;  // bytes of JSON text
    if (!isnull) {
        // json or text: the text as sent (a jsonb column would be printed back).
        if (TupleDescAttr(desc, 0)->atttypid == JSONBOID) {
            payload = jsonb_cstring(DatumGetJsonbP(payload_d));
            payload_len = strlen(payload);
        } else {
            // A text line longer than chargeback.max_payload_bytes is not even copied whole:
            // its beginning is all that the rejection keeps.
            text* t = DatumGetTextPP(payload_d);
            payload_len = VARSIZE_ANY_EXHDR(t);
            payload = payload_len > max_payload_bytes()
                          ? pnstrdup(VARDATA_ANY(t), Min(payload_len, kRejectedPayloadPrefix + 4))
                          : text_to_cstring(t);
        }
    }
    Datum attrs_d = heap_getattr(tuple, 2, desc, &isnull);
    char* attrs = isnull ? nullptr : jsonb_cstring(DatumGetJsonbP(attrs_d));
    Datum format_d = heap_getattr(tuple, 3, desc, &isnull);
    char* format = isnull ? nullptr : TextDatumGetCString(format_d);
    TimestampTz now = GetCurrentTransactionStartTimestamp();
    TimestampTz clock_now = GetCurrentTimestamp();
    guarded([&] {
        std::string fmt = format ? format : "auto";
        try {
            if (!payload)
                throw core::Error(core::sqlstate::invalid_parameter_value, "payload is NULL");
            // Before anything is parsed (price_payload checks the text it is given; a long
            // text line was cut short above).
            core::check_payload_size("usage payload", payload_len, max_payload_bytes());
            PricedPayload priced = price_payload(payload, attrs, fmt, now, clock_now, false);
            // Rejected parts (OTLP spans) each become a row of usage_rejected, with the part as
            // its payload; the rest of the payload lands.
            for (auto& [piece, error] : priced.rejected)
                pending_rejections().push_back(
                    {std::move(piece), attrs ? payload_prefix_if_over(attrs, strlen(attrs), strlen(attrs)) : "", fmt,
                     error.sqlstate(), error.what()});
            auto& pending = pending_usage();
            for (core::PricedUsage& r : priced.rows) {
                // Buffered as text: parsed attrs cost many times their text (tens of bytes a
                // value), and the buffer holds up to kFlushBytes of payloads.
                r.attrs_json = r.rec.attrs.dump();
                r.rec.attrs = nlohmann::json();
                pending.push_back(std::move(r));
            }
        } catch (const PgError&) {
            throw;  // PostgreSQL itself failed: the statement must fail
        } catch (const core::Error& e) {
            // A payload or attrs over the size limit is kept only in part (its beginning).
            size_t attrs_len = attrs ? strlen(attrs) : 0;
            pending_rejections().push_back(
                {payload ? payload_prefix_if_over(payload, strlen(payload), payload_len) : "",
                 attrs ? payload_prefix_if_over(attrs, attrs_len, attrs_len) : "", fmt, e.sqlstate(), e.what()});
        }
        // What the buffers keep of this row is at most the limit (a rejection keeps 4 kB).
        note_pending_bytes(Min(payload_len, max_payload_bytes()) + (attrs ? Min(strlen(attrs), max_payload_bytes()) : 0));
        if (pending_full()) flush_pending();
        return Datum(0);
    });
    // Return a copy from our per-row memory: PostgreSQL frees the tuple it handed us only when
    // the trigger returns a different one (returning the same pointer leaks a copy of every
    // line into the COPY's context for the whole statement).
    HeapTuple copy = heap_copytuple(tuple);
    MemoryContextSwitchTo(caller_cxt);
    return PointerGetDatum(copy);
}

// AFTER INSERT ... FOR EACH STATEMENT on the usage_inbox views: writes what is buffered.
CB_FUNCTION(cb_usage_inbox_flush) {
    if (!CALLED_AS_TRIGGER(fcinfo))
        ereport(ERROR, (errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
                        errmsg("cb_usage_inbox_flush must be called as a trigger")));
    guarded([&] {
        flush_pending();
        return Datum(0);
    });
    return PointerGetDatum(nullptr);
}

// resolve_owner(attrs jsonb, at timestamptz) -> (org_unit_id, project, reason)
CB_FUNCTION(cb_resolve_owner) {
    char* attrs = jsonb_cstring(PG_GETARG_JSONB_P(0));
    TimestampTz at = PG_GETARG_TIMESTAMPTZ(1);
    InitMaterializedSRF(fcinfo, 0);
    ReturnSetInfo* rsinfo = reinterpret_cast<ReturnSetInfo*>(fcinfo->resultinfo);
    guarded([&] {
        core::Owner o = attribution().resolve(core::read_json(attrs), at);
        std::string reason = o.reason == "rule" ? "rule:" + std::to_string(o.rule_id) : o.reason;
        Datum values[3] = {Int32GetDatum(o.org_unit_id), o.project.empty() ? Datum(0) : text_datum(o.project),
                           text_datum(reason)};
        bool nulls[3] = {false, o.project.empty(), false};
        pg_call([&] { tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls); });
        return Datum(0);
    });
    return Datum(0);
}

CB_FUNCTION(cb_valid_rule_match) {
    char* match = jsonb_cstring(PG_GETARG_JSONB_P(0));
    return guarded([&] {
        core::validate_rule_match(core::read_json(match));
        return BoolGetDatum(true);
    });
}
