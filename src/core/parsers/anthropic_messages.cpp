// parse_anthropic_messages: an Anthropic Messages API response (type "message"), or the final
// "message_delta" event of a stream.
//
// Anthropic reports the prompt in disjoint parts: usage.input_tokens is the UNCACHED input only;
// cache writes (usage.cache_creation_input_tokens, split by TTL in usage.cache_creation) and
// cache reads (usage.cache_read_input_tokens) are outside it. usage.output_tokens includes
// extended thinking (Anthropic does not break thinking out), so it all stays output.
//
//   input          <- usage.input_tokens
//   cache_read     <- usage.cache_read_input_tokens
//   cache_write    <- usage.cache_creation.ephemeral_5m_input_tokens
//                     (usage.cache_creation_input_tokens when the split is absent)
//   cache_write_1h <- usage.cache_creation.ephemeral_1h_input_tokens
//   output         <- usage.output_tokens
//   web_searches   <- usage.server_tool_use.web_search_requests
//   requests       =  1
// The response carries no time: occurred_at stays empty (the envelope or ingest supplies it).
#include "core/error.hpp"
#include "core/usage_json.hpp"
#include "core/usage_record.hpp"
#include "core/utf8.hpp"
#include "token_classes.hpp"

#include <string>

namespace cb::core {

namespace {

namespace uj = usage_json;
constexpr std::string_view kFormat = "anthropic_messages";

}  // namespace

void parse_anthropic_messages(const nlohmann::json& doc, std::vector<UsageRecord>& out) {
    if (!doc.is_object()) uj::not_this_format(kFormat, std::string("expected a JSON object, not ") + doc.type_name());
    const std::string type = uj::text(doc, "type", "");
    // The final streaming event carries the cumulative usage (no id or model); message_start
    // only carries a partial count and is not accepted.
    const bool delta = type == "message_delta";
    if (!type.empty() && type != "message" && !delta)
        uj::not_this_format(kFormat, "type is \"" + utf8_clip(type, 40) + "\", expected \"message\"");
    if (type.empty() && uj::member(doc, "object", ""))
        uj::not_this_format(kFormat, "no type \"message\" (the document has an \"object\" member)");
    const nlohmann::json* usage = uj::object_member(doc, "usage", "");
    if (!usage) uj::not_this_format(kFormat, "no usage object");
    if (!usage->contains("input_tokens") && !usage->contains("output_tokens"))
        uj::not_this_format(kFormat, "usage has neither input_tokens nor output_tokens");

    UsageRecord r;
    r.provider = "anthropic";
    if (!delta) {
        r.request_id = uj::text(doc, "id", "");
        r.model = uj::text(doc, "model", "");
    }
    r.service_tier = uj::text(*usage, "service_tier", "usage");

    const int64_t input = uj::count(*usage, "input_tokens", "usage");
    const int64_t cache_read = uj::count(*usage, "cache_read_input_tokens", "usage");
    const bool has_total = uj::member(*usage, "cache_creation_input_tokens", "usage") != nullptr;
    const int64_t total_write = uj::count(*usage, "cache_creation_input_tokens", "usage");
    int64_t write_5m = total_write;
    int64_t write_1h = 0;
    const nlohmann::json* split = uj::object_member(*usage, "cache_creation", "usage");
    if (split && (uj::member(*split, "ephemeral_5m_input_tokens", "usage.cache_creation") ||
                  uj::member(*split, "ephemeral_1h_input_tokens", "usage.cache_creation"))) {
        write_5m = uj::count(*split, "ephemeral_5m_input_tokens", "usage.cache_creation");
        write_1h = uj::count(*split, "ephemeral_1h_input_tokens", "usage.cache_creation");
        const int64_t sum = uj::plus(write_5m, write_1h, "usage.cache_creation");
        if (has_total && sum != total_write)
            throw Error(sqlstate::invalid_text_representation,
                        "usage.cache_creation (ephemeral_5m_input_tokens " + std::to_string(write_5m) +
                            " + ephemeral_1h_input_tokens " + std::to_string(write_1h) +
                            ") does not add up to usage.cache_creation_input_tokens (" +
                            std::to_string(total_write) + ")",
                        "the TTL split is a breakdown of the cache writes");
    }
    const int64_t output = uj::count(*usage, "output_tokens", "usage");
    int64_t web_searches = 0;
    if (const nlohmann::json* tools = uj::object_member(*usage, "server_tool_use", "usage"))
        web_searches = uj::count(*tools, "web_search_requests", "usage.server_tool_use");

    parsers::set_anthropic_classes(r.tokens, {input, cache_read, write_5m, write_1h, output, web_searches});
    out.push_back(std::move(r));
}

}  // namespace cb::core
