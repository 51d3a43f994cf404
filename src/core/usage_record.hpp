// One usage record as parsed from a provider or gateway payload, before pricing and
// attribution, and the parsers that produce them (one per format, in parsers/).
#pragma once
#include "pure.hpp"
#include "error.hpp"
#include "timestamp.hpp"
#include "token_usage.hpp"

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cb::core {

struct UsageRecord {
    std::string provider;      // catalog provider name (normalize_provider), "" if the payload does not say
    std::string model;         // as reported (resolution to a catalog model happens when pricing)
    std::optional<Timestamp> occurred_at;
    std::string request_id;    // "" when the payload has none
    std::string service_tier;  // as reported ("" = standard); normalized when stored
    TokenUsage tokens{};       // disjoint classes
    nlohmann::json attrs = nlohmann::json::object();  // context the payload carries: user, api_key, project, ...
    // The provider's or gateway's own cost of this record, as exact decimal text in USD
    // (usage_json::decimal), "" when the payload carries none: OpenRouter usage.cost (plus
    // cost_details.upstream_inference_cost for BYOK), LiteLLM spend / response_cost, a
    // canonical row's or an envelope's reported_cost. Stored beside the exact cost
    // (chargeback.usage.reported_cost), never used to price.
    std::string reported_cost;
    const char* format = "";   // the format it was parsed as (set by parse_usage_document)
    // Records judged one by one (OTLP spans): `piece` is the part of the payload this record
    // came from, as a payload of its own (a one-span OTLP export with the span's ancestors),
    // and a record that cannot be recorded is rejected alone, with `piece` as the rejected
    // payload, while the others of the payload land. "" for formats judged whole.
    std::string piece;
    // Set by such a parser for a part it could not read (the record has nothing else then):
    // the error the whole payload would otherwise have raised.
    std::optional<Error> rejection;
};

// A payload that yields records but no usable one raises its first rejection, as a payload of
// one bad record always did: throws a copy of it when every record of `records` (at least
// one) is a rejection. ingest() and parse_usage() call this; the bulk path does not (it keeps
// one usage_rejected row per rejected record).
void raise_if_all_rejected(const std::vector<UsageRecord>& records);

enum class UsageFormat {
    openai_chat,
    openai_responses,
    openai_usage,
    anthropic_messages,
    anthropic_usage,
    gemini,
    bedrock_converse,
    bedrock_log,
    otlp,
    litellm,
    openrouter,
    canonical,
    auto_detect,
};

// "openai_chat", ... and "auto"; throws 22023 naming the valid formats for anything else.
UsageFormat usage_format_from_name(std::string_view name);
const char* usage_format_name(UsageFormat f);
const std::string& usage_format_list();

// Each parser reads the provider's own document (never the envelope) and appends records.
// They throw Error: 22P02 for wrong JSON types or impossible counts (cached > prompt),
// 22003 for counts beyond bigint, 22023 for a document that is not this format. parse_otlp
// throws only for the document's structure; a bad span becomes a record with `rejection` set.
using UsageParser = void (*)(const nlohmann::json& doc, std::vector<UsageRecord>& out);
void parse_openai_chat(const nlohmann::json& doc, std::vector<UsageRecord>& out);
void parse_openai_responses(const nlohmann::json& doc, std::vector<UsageRecord>& out);
void parse_openai_usage(const nlohmann::json& doc, std::vector<UsageRecord>& out);
void parse_anthropic_messages(const nlohmann::json& doc, std::vector<UsageRecord>& out);
void parse_anthropic_usage(const nlohmann::json& doc, std::vector<UsageRecord>& out);
void parse_gemini(const nlohmann::json& doc, std::vector<UsageRecord>& out);
void parse_bedrock_converse(const nlohmann::json& doc, std::vector<UsageRecord>& out);
void parse_bedrock_log(const nlohmann::json& doc, std::vector<UsageRecord>& out);
void parse_otlp(const nlohmann::json& doc, std::vector<UsageRecord>& out);
void parse_litellm(const nlohmann::json& doc, std::vector<UsageRecord>& out);
void parse_openrouter(const nlohmann::json& doc, std::vector<UsageRecord>& out);
void parse_canonical(const nlohmann::json& doc, std::vector<UsageRecord>& out);

// The format of a provider document, from its shape; throws 22023 when nothing matches.
UsageFormat detect_usage_format(const nlohmann::json& doc);

// Parses a payload: a provider document, a canonical row, or an envelope
// {"provider","model","occurred_at","request_id","service_tier","attrs":{..},"response":{..}}
// around a provider document. What the envelope says wins over the response. `extra_attrs`
// (an object, may be null) is merged over the attributes (ingest's attrs argument wins).
std::vector<UsageRecord> parse_usage_document(const nlohmann::json& payload, UsageFormat format,
                                              const nlohmann::json* extra_attrs = nullptr);
// The same from JSON text (read with read_json: exact numbers, bounded depth). Lines the fast
// path covers (parse_usage_text_fast, usage_fast.hpp) are read without a tree, with the same
// result; the others, and every error, by parse_usage_text_tree.
std::vector<UsageRecord> parse_usage_text(std::string_view payload, UsageFormat format,
                                          std::string_view extra_attrs_json = {});
// The tree parser alone (read_json, then the format's parser): the reference the fast path is
// tested against.
std::vector<UsageRecord> parse_usage_text_tree(std::string_view payload, UsageFormat format,
                                               std::string_view extra_attrs_json = {});

}  // namespace cb::core
