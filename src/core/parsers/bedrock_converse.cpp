// parse_bedrock_converse: a Bedrock Converse API response
//   {"output":{..},"stopReason":..,"usage":{"inputTokens","outputTokens","totalTokens",
//    "cacheReadInputTokens","cacheWriteInputTokens","cacheDetails"?},"metrics":{"latencyMs"},
//    "serviceTier"?:{"type"}}
// or a ConverseStream metadata event {"metadata":{"usage":{..},"metrics":{..}}}.
//
// Bedrock reports the cache OUTSIDE inputTokens:
//   input          <- usage.inputTokens
//   cache_read     <- usage.cacheReadInputTokens
//   cache_write    <- usage.cacheWriteInputTokens, or its ttl "5m" part when usage.cacheDetails
//                     ([{"ttl":"5m"|"1h","inputTokens":n}]) splits it
//   cache_write_1h <- the ttl "1h" part of usage.cacheDetails
//   output         <- usage.outputTokens
//   requests       =  1
// The response names no model and has no id: model stays "" (the envelope gives it).
// service_tier <- serviceTier.type (Bedrock's "default" means standard).
#include "core/error.hpp"
#include "core/usage_json.hpp"
#include "core/usage_record.hpp"
#include "core/utf8.hpp"

#include <string>

namespace cb::core {

namespace {

namespace uj = usage_json;
using json = nlohmann::json;
constexpr std::string_view kFormat = "bedrock_converse";

}  // namespace

void parse_bedrock_converse(const nlohmann::json& doc, std::vector<UsageRecord>& out) {
    if (!doc.is_object()) uj::not_this_format(kFormat, std::string("expected a JSON object, not ") + doc.type_name());
    const json* base = &doc;
    std::string where;  // "" or "metadata"
    const json* usage = uj::object_member(doc, "usage", "");
    if (!usage) {
        if (const json* meta = uj::object_member(doc, "metadata", "")) {
            base = meta;
            where = "metadata";
            usage = uj::object_member(*meta, "usage", where);
        }
    }
    if (!usage) uj::not_this_format(kFormat, "no usage object (nor metadata.usage)");
    if (!usage->contains("inputTokens") && !usage->contains("outputTokens"))
        uj::not_this_format(kFormat, "usage has neither inputTokens nor outputTokens");
    const std::string uw = where.empty() ? "usage" : where + ".usage";

    UsageRecord r;
    r.provider = "bedrock";
    r.tokens.set(TokenClass::input, uj::count(*usage, "inputTokens", uw));
    r.tokens.set(TokenClass::cache_read, uj::count(*usage, "cacheReadInputTokens", uw));
    const bool has_write = uj::member(*usage, "cacheWriteInputTokens", uw) != nullptr;
    const int64_t write = uj::count(*usage, "cacheWriteInputTokens", uw);
    int64_t write_5m = write;
    int64_t write_1h = 0;
    const json* details = uj::array_member(*usage, "cacheDetails", uw);
    if (details && !details->empty()) {
        write_5m = 0;
        for (size_t i = 0; i < details->size(); ++i) {
            const json& d = (*details)[i];
            const std::string dw = uw + ".cacheDetails[" + std::to_string(i) + "]";
            if (!d.is_object())
                throw Error(sqlstate::invalid_text_representation, dw + " must be a JSON object, not " + d.type_name());
            const std::string ttl = uj::text(d, "ttl", dw);
            const int64_t n = uj::count(d, "inputTokens", dw);
            if (ttl == "5m")
                write_5m = uj::plus(write_5m, n, dw);
            else if (ttl == "1h")
                write_1h = uj::plus(write_1h, n, dw);
            else
                throw Error(sqlstate::invalid_text_representation,
                            dw + ".ttl \"" + utf8_clip(ttl, 40) + "\" is not a known cache TTL", {},
                            "known TTLs: 5m, 1h");
        }
        const int64_t sum = uj::plus(write_5m, write_1h, uw + ".cacheDetails");
        if (has_write && sum != write)
            throw Error(sqlstate::invalid_text_representation,
                        uw + ".cacheDetails (5m " + std::to_string(write_5m) + " + 1h " + std::to_string(write_1h) +
                            ") does not add up to " + uw + ".cacheWriteInputTokens (" + std::to_string(write) + ")",
                        "cacheDetails is a breakdown of the cache writes by TTL");
    }
    r.tokens.set(TokenClass::cache_write, write_5m);
    r.tokens.set(TokenClass::cache_write_1h, write_1h);
    r.tokens.set(TokenClass::output, uj::count(*usage, "outputTokens", uw));
    r.tokens.set(TokenClass::requests, 1);
    if (const json* tier = uj::object_member(*base, "serviceTier", where))
        r.service_tier = uj::text(*tier, "type", where.empty() ? "serviceTier" : where + ".serviceTier");
    out.push_back(std::move(r));
}

}  // namespace cb::core
