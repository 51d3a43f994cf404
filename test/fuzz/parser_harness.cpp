// The body of the usage-parser fuzz targets: test/fuzz/fuzz_parser.cpp is compiled once per
// format into fuzz_parse_<format> and calls parse_usage_input() with its format; this file is
// compiled once for all of them. Each input is fed through the path src/pg/ingest.cpp takes:
// parse_usage_text (read_json, the envelope, the format's parser, or detection for "auto")
// and then price_and_attribute against a small catalog and attribution. Three parses per
// input: the bytes as sent, the same with ingest's attrs argument, and the bytes wrapped in
// an envelope (which must give the same tokens). Invariants for whatever is accepted:
//   - only cb::core::Error escapes, with a SQLSTATE the parsers document, and a message that
//     PostgreSQL can carry (valid UTF-8, no NUL; usage_rejected stores it as text);
//   - token counts are never negative; text fields are valid UTF-8 without NUL, the provider
//     is normalized, attrs is an object whose dump() jsonb accepts (no \u0000);
//   - occurred_at survives the ISO text round trip;
//   - a reported cost is plain non-negative decimal text (numeric input takes it as is);
//   - a priced record has a normalized tier, a time in 2000-2099, an owner, and an exact
//     non-negative cost (or 22003, never a wrap).
#include "parser_harness.hpp"

#include "fuzz_common.hpp"

#include "core/attribution.hpp"
#include "core/decimal.hpp"
#include "core/json_reader.hpp"
#include "core/price_catalog.hpp"
#include "core/provider.hpp"
#include "core/timestamp.hpp"
#include "core/token_rates.hpp"
#include "core/usage_pipeline.hpp"
#include "core/usage_record.hpp"

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

using namespace cb::core;
using cb::fuzz::expect_state;
using cb::fuzz::fuzz_fail;

namespace {

// The target's format, set by the first parse_usage_input() call (one format per process).
UsageFormat g_format = UsageFormat::auto_detect;
bool g_auto = true;

// Strict UTF-8 (no overlongs, surrogates or code points past U+10FFFF) and no NUL: what a
// PostgreSQL text value in a UTF-8 database may hold.
bool pg_text_ok(std::string_view s) {
    size_t i = 0;
    while (i < s.size()) {
        unsigned char c = static_cast<unsigned char>(s[i]);
        if (c == 0) return false;
        if (c < 0x80) {
            ++i;
            continue;
        }
        int n;
        uint32_t cp, min;
        if (c >= 0xC2 && c <= 0xDF) n = 1, cp = c & 0x1Fu, min = 0x80;
        else if (c >= 0xE0 && c <= 0xEF) n = 2, cp = c & 0x0Fu, min = 0x800;
        else if (c >= 0xF0 && c <= 0xF4) n = 3, cp = c & 0x07u, min = 0x10000;
        else return false;
        if (i + n >= s.size()) return false;  // truncated sequence
        for (int k = 1; k <= n; ++k) {
            unsigned char cc = static_cast<unsigned char>(s[i + k]);
            if ((cc & 0xC0) != 0x80) return false;
            cp = (cp << 6) | (cc & 0x3Fu);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
        i += n + 1;
    }
    return true;
}

void check_text(const char* what, const std::string& s) {
    if (!pg_text_ok(s)) fuzz_fail(what, "not valid UTF-8 text without NUL: " + nlohmann::json(s).dump(-1, ' ', true, nlohmann::json::error_handler_t::replace));
}

// An error must be one the parsers and the pipeline document, and PostgreSQL must be able to
// report (and usage_rejected to store) its text.
void check_error(const Error& e, std::initializer_list<const char*> allowed) {
    expect_state(e, allowed);
    check_text("error message", e.what());
    check_text("error detail", e.detail());
    check_text("error hint", e.hint());
}

const std::initializer_list<const char*> kParseStates = {
    sqlstate::invalid_text_representation, sqlstate::numeric_value_out_of_range,
    sqlstate::invalid_parameter_value,     sqlstate::invalid_json_text,
    sqlstate::untranslatable_character,    sqlstate::program_limit_exceeded};

void check_record(const UsageRecord& r) {
    for (int i = 0; i < kTokenClassCount; ++i)
        if (r.tokens.count[i] < 0) fuzz_fail("negative token count", token_class_name(static_cast<TokenClass>(i)));
    if (r.format == nullptr) fuzz_fail("record without a format");
    if (usage_format_from_name(r.format) == UsageFormat::auto_detect) fuzz_fail("record format is auto");
    check_text("provider", r.provider);
    check_text("model", r.model);
    check_text("request_id", r.request_id);
    check_text("service_tier", r.service_tier);
    if (!r.provider.empty() && normalize_provider(r.provider) != r.provider)
        fuzz_fail("provider not normalized", r.provider);
    if (!r.attrs.is_object()) fuzz_fail("attrs is not an object");
    std::string attrs = r.attrs.dump();  // the glue's jsonb_datum(r.attrs.dump()); throws on bad UTF-8
    if (attrs.find("\\u0000") != std::string::npos) fuzz_fail("attrs hold a NUL (jsonb rejects \\u0000)", attrs);
    if (!r.reported_cost.empty()) {
        bool overflow = false;
        std::optional<ParsedDecimal> d = parse_decimal(r.reported_cost, &overflow);
        if (!d || overflow || d->negative ||
            r.reported_cost.find_first_not_of("0123456789.") != std::string::npos)
            fuzz_fail("reported_cost is not plain non-negative decimal text", r.reported_cost);
    }
    if (r.occurred_at) {
        std::string iso = format_iso_timestamp(*r.occurred_at);
        std::optional<Timestamp> back = parse_iso_timestamp(iso);
        if (!back || *back != *r.occurred_at) fuzz_fail("occurred_at does not round trip", iso);
    }
}

bool same_tokens(const UsageRecord& a, const UsageRecord& b) { return usage_equal(a.tokens, b.tokens); }

// A small catalog: rows for the fixtures' providers, a long-context row, a batch row, and
// rates at the maximum so that huge counts reach the cost overflow check.
PriceCatalog& catalog() {
    static PriceCatalog c = [] {
        PriceCatalog c;
        int64_t id = 0;
        auto add = [&](const char* provider, const char* model, const char* tier, int64_t min_prompt,
                       const char* rates) {
            PriceRow row;
            row.price_id = ++id;
            row.provider = provider;
            row.model = model;
            row.service_tier = tier;
            row.min_prompt_tokens = min_prompt;
            row.rates = parse_token_rates(rates);
            row.valid_from = 0;  // 2000-01-01
            c.add_price(std::move(row));
        };
        add("openai", "gpt-4o", "standard", 0, "input=2.5 cache_read=1.25 output=10");
        add("openai", "gpt-4o", "batch", 0, "input=1.25 output=5");
        add("openai", "o4-mini", "standard", 0, "input=1.1 cache_read=0.275 output=4.4 web_searches=0.01");
        add("anthropic", "claude-sonnet-4-5", "standard", 0,
            "input=3 cache_read=0.3 cache_write=3.75 cache_write_1h=6 output=15 web_searches=0.01");
        add("anthropic", "claude-sonnet-4-5", "standard", 200000, "input=6 cache_read=0.6 output=22.5");
        add("google", "gemini-2.5-pro", "standard", 0, "input=1.25 cache_read=0.31 output=10 audio_input=1");
        add("google", "gemini-2.5-flash", "standard", 0, "input=0.3 output=2.5 requests=0.001");
        add("bedrock", "anthropic.claude-3-7-sonnet-20250219-v1:0", "standard", 0, "input=3 output=15");
        add("openrouter", "anthropic/claude-sonnet-4.5", "standard", 0, "input=3 output=15");
        add("litellm", "m", "standard", 0, "input=3 output=15");
        // The most expensive rates the type allows, for every class.
        std::string all;
        for (int i = 0; i < kTokenClassCount; ++i)
            all += std::string(token_class_name(static_cast<TokenClass>(i))) + "=" +
                   std::to_string(kMaxRateMicro / 1000000) + " ";
        add("openai", "m", "standard", 0, all.c_str());
        add("anthropic", "m", "standard", 0, all.c_str());
        add("google", "m", "standard", 0, all.c_str());
        add("bedrock", "m", "standard", 0, all.c_str());
        add("openrouter", "m", "standard", 0, all.c_str());
        c.finish();
        return c;
    }();
    return c;
}

const Attribution& owners() {
    static Attribution a = [] {
        Attribution a;
        a.add_unit({1, "unattributed", 0});
        a.add_unit({2, "sales", 0});
        a.add_unit({3, "eng", 0});
        OwnershipRule rule;
        rule.rule_id = 1;
        rule.match = nlohmann::json{{"app", "bot"}};
        rule.org_unit_id = 2;
        a.add_rule(rule);
        a.add_membership({"u1", 3});
        a.finish();
        return a;
    }();
    return a;
}

// No aliases are loaded, so the catalog never searches; a search would be a bug here.
bool no_search(const std::string&, const std::string&) { fuzz_fail("regex search without aliases"); }

constexpr Timestamp kNow = 846806400LL * 1000000;  // 2026-11-01T00:00:00Z

void check_priced(const UsageRecord& rec) {
    std::optional<PricedUsage> p;
    try {
        p = price_and_attribute(rec, kNow, catalog(), owners(), no_search, IngestLimits{kNow, 86400});
    } catch (const Error& e) {
        // 22001: a text beyond kFieldLimits; 22008: a time more than a day after kNow.
        check_error(e, {sqlstate::invalid_parameter_value, sqlstate::numeric_value_out_of_range, "22001", "22008"});
        return;
    }
    const UsageRecord& r = p->rec;
    if (r.provider.empty() || normalize_provider(r.provider) != r.provider) fuzz_fail("priced provider", r.provider);
    if (r.model.empty() || r.model.size() > field_limit("model")) fuzz_fail("priced model", r.model);
    if (r.request_id.size() > field_limit("request_id")) fuzz_fail("priced request_id too long");
    if (p->owner.project.size() > field_limit("project") || p->principal.size() > field_limit("principal") ||
        p->activity_type.size() > field_limit("activity_type") || p->activity_id.size() > field_limit("activity_id"))
        fuzz_fail("priced usage with an attribution text beyond its limit");
    if (r.service_tier != "standard" && r.service_tier != "batch" && r.service_tier != "flex" &&
        r.service_tier != "priority")
        fuzz_fail("service tier not normalized", r.service_tier);
    if (!r.occurred_at || *r.occurred_at < kMinUsageTime || *r.occurred_at >= kMaxUsageTime)
        fuzz_fail("priced usage outside 2000-2099");
    if (*r.occurred_at > kNow + 86400LL * 1000000) fuzz_fail("priced usage more than a day ahead");
    if (p->owner.org_unit_id == 0 || p->owner.reason.empty()) fuzz_fail("no owner");
    check_text("principal", p->principal);
    check_text("activity_type", p->activity_type);
    check_text("activity_id", p->activity_id);
    if (p->price_id != 0) {
        if (p->currency != "USD") fuzz_fail("currency", p->currency);
        bool overflow = false;
        std::optional<ParsedDecimal> d = parse_decimal(p->list_cost, &overflow);
        if (!d || d->negative) fuzz_fail("list_cost is not a non-negative decimal", p->list_cost);
    } else if (!p->list_cost.empty() || !p->currency.empty()) {
        fuzz_fail("unpriced usage with a cost", p->list_cost);
    }
}

// The input as the "response" of an envelope; the envelope's values must win.
std::string envelope_of(std::string_view input) {
    std::string s = R"({"provider": "Anthropic", "model": "m", "request_id": "env-1",)"
                    R"( "occurred_at": "2026-11-02T03:04:05.678Z", "service_tier": "flex",)"
                    R"( "attrs": {"app": "bot", "user": "u1"},)";
    if (!g_auto) s += std::string(R"( "format": ")") + usage_format_name(g_format) + "\",";
    s += R"( "response": )";
    s.append(input);
    s += "\n}";
    return s;
}

// What parse_usage_document treats as an envelope (usage_parser.cpp, is_envelope): an input
// that is one already is not wrapped again for the comparison.
bool looks_like_envelope(const nlohmann::json& doc) {
    if (!doc.is_object()) return false;
    auto it = doc.find("response");
    return it != doc.end() && it->is_object() && !it->empty();
}

bool is_litellm_row(const nlohmann::json& doc) {
    auto has = [&](const char* k) { return doc.contains(k) && !doc[k].is_null(); };
    return doc.is_object() && (has("call_type") || (has("spend") && has("startTime")));
}

}  // namespace

int cb::fuzz::parse_usage_input(const char* format, const uint8_t* data, size_t size) {
    static const UsageFormat target = usage_format_from_name(format);
    g_format = target;
    g_auto = target == UsageFormat::auto_detect;
    std::string_view text(reinterpret_cast<const char*>(data), size);

    // 1. The payload as sent.
    std::vector<UsageRecord> records;
    try {
        records = parse_usage_text(text, g_format);
    } catch (const Error& e) {
        check_error(e, kParseStates);
        return 0;
    }
    for (const UsageRecord& r : records) {
        check_record(r);
        if (r.rejection) {
            // A part rejected alone (an OTLP span): a documented error, and its piece of the
            // payload is a JSON object the rejection row can keep (jsonb).
            check_error(*r.rejection, kParseStates);
            if (r.piece.empty()) fuzz_fail("a rejected record without its piece");
            nlohmann::json piece = read_json(r.piece);
            if (!piece.is_object()) fuzz_fail("a rejected piece that is not an object", r.piece);
            continue;
        }
        check_priced(r);
    }

    // 2. With ingest's attrs argument: same records, and its keys win.
    std::vector<UsageRecord> with_attrs = parse_usage_text(text, g_format, R"({"team": "fuzz", "user": "u1"})");
    if (with_attrs.size() != records.size()) fuzz_fail("attrs argument changed the number of records");
    for (size_t i = 0; i < records.size(); ++i) {
        if (!same_tokens(with_attrs[i], records[i])) fuzz_fail("attrs argument changed the tokens");
        if (with_attrs[i].attrs.value("team", "") != "fuzz" || with_attrs[i].attrs.value("user", "") != "u1")
            fuzz_fail("attrs argument does not win", with_attrs[i].attrs.dump());
        check_record(with_attrs[i]);
    }

    // 3. Wrapped in an envelope: the same tokens, the envelope's provider, model, time, tier,
    // request id and attrs. Only for a non-empty object that is not an envelope or a LiteLLM
    // row already (those have their own meaning at the top level).
    nlohmann::json doc = read_json(text);  // parsed above, so it reads
    if (!doc.is_object() || doc.empty() || looks_like_envelope(doc) || is_litellm_row(doc)) return 0;
    std::vector<UsageRecord> wrapped;
    try {
        wrapped = parse_usage_text(envelope_of(text), UsageFormat::auto_detect);
    } catch (const Error& e) {
        // One level deeper: a document at the depth limit no longer reads.
        if (std::strcmp(e.sqlstate(), sqlstate::program_limit_exceeded) == 0) return 0;
        fuzz_fail("the envelope of an accepted payload is rejected", std::string(e.sqlstate()) + ": " + e.what());
    }
    if (wrapped.size() != records.size()) fuzz_fail("envelope changed the number of records");
    for (size_t i = 0; i < records.size(); ++i) {
        const UsageRecord& w = wrapped[i];
        check_record(w);
        if (!same_tokens(w, records[i])) fuzz_fail("envelope changed the tokens");
        if (std::strcmp(w.format, records[i].format) != 0) fuzz_fail("envelope changed the format", w.format);
        if (w.provider != "anthropic" || w.model != "m" || w.service_tier != "flex" ||
            !w.occurred_at || format_iso_timestamp(*w.occurred_at) != "2026-11-02T03:04:05.678000Z")
            fuzz_fail("envelope values do not win", w.provider + " " + w.model + " " + w.service_tier);
        std::string want_id = records.size() == 1 ? "env-1" : "env-1:" + records[i].request_id;
        if (w.request_id != want_id) fuzz_fail("envelope request_id", w.request_id);
        if (w.attrs.value("app", "") != "bot") fuzz_fail("envelope attrs do not win", w.attrs.dump());
        check_priced(w);
    }
    return 0;
}
