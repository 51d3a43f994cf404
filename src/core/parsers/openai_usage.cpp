// OpenAI's organization Usage API for completions (GET /v1/organization/usage/completions): a
// `page` of time buckets, or a single `bucket`, each with grouped results.
//
// Per result (object "organization.usage.completions.result"), one record:
//   input_tokens (includes cached, cache-write, audio and image input)
//     input        = input_tokens - input_cached_tokens - input_cache_write_tokens
//                    - input_audio_tokens - input_image_tokens
//     cache_read   = input_cached_tokens
//     cache_write  = input_cache_write_tokens
//     audio_input  = input_audio_tokens
//     image_input  = input_image_tokens
//   output_tokens (includes audio and image output; reasoning is not broken out and stays here)
//     output       = output_tokens - output_audio_tokens - output_image_tokens
//     audio_output = output_audio_tokens
//     image_output = output_image_tokens
//   requests = num_model_requests
//   occurred_at = the bucket's start_time; model; provider "openai"
//   service_tier = "batch" when batch is true, else the result's service_tier, else ""
//   attrs: openai_project_id (project_id), user (user_id), api_key (api_key_id) when set
//   request_id = "openai_usage:<start_time>:<project_id>:<user_id>:<api_key_id>:<model>:<batch>:
//                <service_tier>" (empty text for null keys): deterministic, so importing the
//                same export twice yields the same ids.
// Results whose counts are all zero are skipped.
//
// The older API reference described input_audio_tokens as including cached audio and
// input_cached_tokens as text only; the current one has input_cached_tokens across all
// modalities and input_audio_tokens / input_image_tokens as uncached only. Under either
// reading the subtraction above leaves the uncached text tokens in `input`.
//
// The 2026 shape adds input_uncached_tokens (input_tokens - input_cached_tokens -
// input_cache_write_tokens) and per-modality splits: input_text_tokens, input_audio_tokens and
// input_image_tokens (uncached, summing to input_uncached_tokens), input_cached_text_tokens,
// input_cached_audio_tokens, input_cached_image_tokens (summing to input_cached_tokens),
// output_text_tokens, output_audio_tokens, output_image_tokens (summing to output_tokens).
// When input_uncached_tokens is there it is the base of `input` (input = input_uncached_tokens
// - input_audio_tokens - input_image_tokens), and a row whose input_tokens is not
// uncached + cached + cache-write is refused (22P02) rather than priced one way or the other.
// Cached audio and image are cache reads (cache_read: the catalog prices cached tokens per
// model, not per modality); the cached split is kept in attrs.cached_audio_tokens /
// cached_image_tokens when non-zero. service_tier: "default" and "scale" are the standard
// price, "flex" and "priority" their rows, batch = true the batch row.
#include "openai_common.hpp"

namespace cb::core {

namespace {

using json = nlohmann::json;
namespace uj = usage_json;
using parsers::field_name;

constexpr const char* kFormat = "openai_usage";
constexpr const char* kResultObject = "organization.usage.completions.result";

void parse_result(const json& res, const std::string& where, const std::string& start_text,
                  const std::optional<Timestamp>& start, std::vector<UsageRecord>& out) {
    if (!res.is_object())
        throw Error(sqlstate::invalid_text_representation,
                    where + " must be a JSON object, not " + res.type_name());
    std::string kind = uj::text(res, "object", where);
    if (!kind.empty() && kind != kResultObject)
        uj::not_this_format(kFormat, where + ".object is \"" + utf8_clip(kind, 80) +
                                         "\": only completions usage (" + kResultObject + ") is read");

    int64_t input = uj::count(res, "input_tokens", where);
    int64_t cached = uj::count(res, "input_cached_tokens", where);
    int64_t cache_write = uj::count(res, "input_cache_write_tokens", where);
    int64_t audio_in = uj::count(res, "input_audio_tokens", where);
    int64_t image_in = uj::count(res, "input_image_tokens", where);
    int64_t output = uj::count(res, "output_tokens", where);
    int64_t audio_out = uj::count(res, "output_audio_tokens", where);
    int64_t image_out = uj::count(res, "output_image_tokens", where);
    int64_t requests = uj::count(res, "num_model_requests", where);
    const bool has_uncached = uj::member(res, "input_uncached_tokens", where) != nullptr;
    int64_t uncached = uj::count(res, "input_uncached_tokens", where);
    int64_t cached_audio = uj::count(res, "input_cached_audio_tokens", where);
    int64_t cached_image = uj::count(res, "input_cached_image_tokens", where);

    TokenUsage t = zero_usage();
    if (has_uncached) {
        const int64_t parts = uj::plus(uj::plus(uncached, cached, field_name(where, "input_cached_tokens")),
                                       cache_write, field_name(where, "input_cache_write_tokens"));
        if (parts != input)
            throw Error(sqlstate::invalid_text_representation,
                        field_name(where, "input_tokens") + " (" + std::to_string(input) +
                            ") is not input_uncached_tokens + input_cached_tokens + input_cache_write_tokens (" +
                            std::to_string(parts) + ")");
        t.set(TokenClass::input, parsers::remainder_of(uncached, field_name(where, "input_uncached_tokens"),
                                                       {{audio_in, field_name(where, "input_audio_tokens")},
                                                        {image_in, field_name(where, "input_image_tokens")}}));
    } else {
        t.set(TokenClass::input, parsers::remainder_of(input, field_name(where, "input_tokens"),
                                                       {{cached, field_name(where, "input_cached_tokens")},
                                                        {cache_write, field_name(where, "input_cache_write_tokens")},
                                                        {audio_in, field_name(where, "input_audio_tokens")},
                                                        {image_in, field_name(where, "input_image_tokens")}}));
    }
    t.set(TokenClass::cache_read, cached);
    t.set(TokenClass::cache_write, cache_write);
    t.set(TokenClass::audio_input, audio_in);
    t.set(TokenClass::image_input, image_in);
    t.set(TokenClass::output, parsers::remainder_of(output, field_name(where, "output_tokens"),
                                                    {{audio_out, field_name(where, "output_audio_tokens")},
                                                     {image_out, field_name(where, "output_image_tokens")}}));
    t.set(TokenClass::audio_output, audio_out);
    t.set(TokenClass::image_output, image_out);
    t.set(TokenClass::requests, requests);

    bool any = false;
    for (int i = 0; i < kTokenClassCount; ++i) any = any || t.count[i] != 0;
    if (!any) return;

    std::string batch_text;
    bool batch = false;
    if (const json* b = uj::member(res, "batch", where)) {
        if (!b->is_boolean())
            throw Error(sqlstate::invalid_text_representation,
                        field_name(where, "batch") + " must be a boolean, not " + b->type_name());
        batch = b->get<bool>();
        batch_text = batch ? "true" : "false";
    }
    std::string project = uj::text(res, "project_id", where);
    std::string user = uj::text(res, "user_id", where);
    std::string api_key = uj::text(res, "api_key_id", where);
    std::string tier = uj::text(res, "service_tier", where);

    UsageRecord r;
    r.provider = "openai";
    r.model = uj::text(res, "model", where);
    r.occurred_at = start;
    r.service_tier = batch ? "batch" : tier;
    r.tokens = t;
    r.request_id = "openai_usage:" + start_text + ":" + project + ":" + user + ":" + api_key + ":" + r.model +
                   ":" + batch_text + ":" + tier;
    if (!project.empty()) r.attrs["openai_project_id"] = project;
    if (!user.empty()) r.attrs["user"] = user;
    if (!api_key.empty()) r.attrs["api_key"] = api_key;
    if (cached_audio != 0) r.attrs["cached_audio_tokens"] = cached_audio;
    if (cached_image != 0) r.attrs["cached_image_tokens"] = cached_image;
    out.push_back(std::move(r));
}

void parse_bucket(const json& bucket, const std::string& where, std::vector<UsageRecord>& out) {
    if (!bucket.is_object())
        throw Error(sqlstate::invalid_text_representation,
                    where + " must be a JSON object, not " + bucket.type_name());
    std::string kind = uj::text(bucket, "object", where);
    if (kind != "bucket")
        uj::not_this_format(kFormat, (where.empty() ? std::string("object") : field_name(where, "object")) +
                                         " is \"" + utf8_clip(kind, 80) + "\", expected \"bucket\"");
    const json* results = uj::array_member(bucket, "results", where);
    if (!results) uj::not_this_format(kFormat, (where.empty() ? std::string("the bucket") : where) +
                                                   " has no results array");
    std::string start_text = uj::text(bucket, "start_time", where);
    std::optional<Timestamp> start = uj::time(bucket, "start_time", where);
    std::string prefix = field_name(where, "results");
    for (size_t i = 0; i < results->size(); ++i)
        parse_result((*results)[i], prefix + "[" + std::to_string(i) + "]", start_text, start, out);
}

}  // namespace

void parse_openai_usage(const json& doc, std::vector<UsageRecord>& out) {
    std::string kind = uj::text(doc, "object", "");
    if (kind == "bucket") {
        parse_bucket(doc, "", out);
        return;
    }
    if (kind != "page")
        uj::not_this_format(kFormat, kind.empty() ? std::string("no object field (expected \"page\" or \"bucket\")")
                                                  : "object is \"" + utf8_clip(kind, 80) +
                                                        "\", expected \"page\" or \"bucket\"");
    const json* data = uj::array_member(doc, "data", "");
    if (!data) uj::not_this_format(kFormat, "the page has no data array");
    for (size_t i = 0; i < data->size(); ++i) parse_bucket((*data)[i], "data[" + std::to_string(i) + "]", out);
}

}  // namespace cb::core
