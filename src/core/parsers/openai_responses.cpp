// OpenAI Responses API: a `response` object (POST /v1/responses, or the `response` of a
// response.completed stream event once unwrapped).
//
//   id -> request_id, model, created_at (unix seconds) -> occurred_at, service_tier as reported
//   usage.input_tokens (includes cached reads and cache writes)
//     input       = input_tokens - input_tokens_details.cached_tokens - .cache_write_tokens
//     cache_read  = input_tokens_details.cached_tokens
//     cache_write = input_tokens_details.cache_write_tokens (GPT-5.6 and later bill cache
//                   writes, at 1.25x the input rate)
//   usage.output_tokens (includes reasoning)
//     output     = output_tokens - output_tokens_details.reasoning_tokens
//     reasoning  = output_tokens_details.reasoning_tokens
//   web_searches = number of output[] items of type "web_search_call" (billed per call)
//   requests = 1
//   attrs: the string values of `metadata` (metadata {"department":"sales"} ->
//   attrs.department), then `user` -> attrs.user (the explicit field wins over a metadata key).
#include "openai_common.hpp"

namespace cb::core {

namespace {

using json = nlohmann::json;
namespace uj = usage_json;

int64_t count_web_search_calls(const json& doc) {
    const json* output = uj::array_member(doc, "output", "");
    if (!output) return 0;
    int64_t n = 0;
    for (size_t i = 0; i < output->size(); ++i) {
        const json& item = (*output)[i];
        std::string where = "output[" + std::to_string(i) + "]";
        if (!item.is_object())
            throw Error(sqlstate::invalid_text_representation,
                        where + " must be a JSON object, not " + item.type_name());
        if (uj::text(item, "type", where) == "web_search_call") ++n;
    }
    return n;
}

}  // namespace

void parse_openai_responses(const json& doc, std::vector<UsageRecord>& out) {
    parsers::expect_object_kind(doc, "openai_responses", "response");
    const json* usage = uj::object_member(doc, "usage", "");
    if (!usage) uj::not_this_format("openai_responses", "no usage object");
    if (!usage->contains("input_tokens") && !usage->contains("output_tokens"))
        uj::not_this_format("openai_responses", "usage has neither input_tokens nor output_tokens");

    int64_t input = uj::count(*usage, "input_tokens", "usage");
    int64_t cached = 0, cache_write = 0;
    if (const json* d = uj::object_member(*usage, "input_tokens_details", "usage")) {
        cached = uj::count(*d, "cached_tokens", "usage.input_tokens_details");
        cache_write = uj::count(*d, "cache_write_tokens", "usage.input_tokens_details");
    }
    int64_t output = uj::count(*usage, "output_tokens", "usage");
    int64_t reasoning = 0;
    if (const json* d = uj::object_member(*usage, "output_tokens_details", "usage"))
        reasoning = uj::count(*d, "reasoning_tokens", "usage.output_tokens_details");

    UsageRecord r;
    r.provider = "openai";
    r.model = uj::text(doc, "model", "");
    r.request_id = uj::text(doc, "id", "");
    r.occurred_at = uj::time(doc, "created_at", "");
    r.service_tier = uj::text(doc, "service_tier", "");
    r.tokens.set(TokenClass::input,
                 parsers::remainder_of(input, "usage.input_tokens",
                                       {{cached, "usage.input_tokens_details.cached_tokens"},
                                        {cache_write, "usage.input_tokens_details.cache_write_tokens"}}));
    r.tokens.set(TokenClass::cache_read, cached);
    r.tokens.set(TokenClass::cache_write, cache_write);
    r.tokens.set(TokenClass::output, uj::minus(output, reasoning, "usage.output_tokens",
                                               "usage.output_tokens_details.reasoning_tokens"));
    r.tokens.set(TokenClass::reasoning, reasoning);
    r.tokens.set(TokenClass::web_searches, count_web_search_calls(doc));
    r.tokens.set(TokenClass::requests, 1);

    if (const json* md = uj::object_member(doc, "metadata", "")) {
        for (auto it = md->begin(); it != md->end(); ++it)
            if (it.value().is_string() && !it.value().get_ref<const std::string&>().empty())
                r.attrs[it.key()] = it.value();
    }
    parsers::copy_text_attr(r.attrs, "user", doc, "user", "");
    out.push_back(std::move(r));
}

}  // namespace cb::core
