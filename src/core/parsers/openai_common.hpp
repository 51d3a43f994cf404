// Helpers shared by the parsers of OpenAI-shaped usage (openai_chat, openai_responses,
// openai_usage, litellm, openrouter). Internal to src/core/parsers: nothing outside includes it.
//
// The OpenAI family reports nested counts: a total (prompt_tokens) with parts broken out of it
// (cached_tokens, audio_tokens). The record holds disjoint classes, so the part of the total
// that is not broken out is total - sum(parts), and parts larger than their total are an
// impossible document (22P02 naming the fields), never a negative count.
#pragma once
#include "core/pure.hpp"
#include "core/error.hpp"
#include "core/token_usage.hpp"
#include "core/usage_json.hpp"
#include "core/usage_record.hpp"
#include "core/utf8.hpp"
#include "token_classes.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>

namespace cb::core::parsers {

using json = nlohmann::json;
namespace uj = usage_json;

// "what.key" (or "key" at the top level), as usage_json names fields in its errors.
inline std::string field_name(std::string_view what, std::string_view key) {
    std::string s(what);
    if (!s.empty()) s += '.';
    s += key;
    return s;
}

struct Part {
    int64_t value;
    std::string name;
};

// whole - (sum of parts): the share of `whole` that no part breaks out. Throws 22P02 naming
// the parts and the whole when the parts exceed it, 22003 if their sum overflows.
inline int64_t remainder_of(int64_t whole, const std::string& whole_name, std::initializer_list<Part> parts) {
    int64_t sum = 0;
    std::string names;
    for (const Part& p : parts) {
        if (p.value == 0) continue;
        sum = uj::plus(sum, p.value, p.name);
        if (!names.empty()) names += " + ";
        names += p.name;
    }
    if (sum == 0) return whole;
    return uj::minus(whole, sum, whole_name, names);
}

// Copies a string member into attrs[attr] when present and non-empty.
inline void copy_text_attr(json& attrs, const char* attr, const json& obj, std::string_view key,
                           std::string_view what) {
    std::string v = uj::text(obj, key, what);
    if (!v.empty()) attrs[attr] = std::move(v);
}

// Throws not_this_format unless the document's "object" is absent or one of `a`, `b`.
inline void expect_object_kind(const json& doc, const char* format, std::string_view a,
                               std::string_view b = {}) {
    const json* o = uj::member(doc, "object", "");
    if (!o) return;
    if (o->is_string()) {
        const std::string& s = o->get_ref<const std::string&>();
        if (s == a || (!b.empty() && s == b)) return;
        uj::not_this_format(format, "object is \"" + utf8_clip(s, 80) + "\", expected \"" + std::string(a) +
                                        "\"" + (b.empty() ? std::string() : " or \"" + std::string(b) + "\""));
    }
    uj::not_this_format(format, std::string("object must be a string, not ") + o->type_name());
}

// The disjoint classes of a Chat Completions `usage` object (OpenAI's CompletionUsage, which
// OpenRouter and other OpenAI-compatible gateways reuse):
//   prompt_tokens      INCLUDES prompt_tokens_details.cached_tokens, .audio_tokens and (OpenRouter,
//                      models with explicit cache-write pricing) .cache_write_tokens;
//   completion_tokens  INCLUDES completion_tokens_details.reasoning_tokens, .audio_tokens and
//                      .image_tokens (image output, OpenRouter).
// Accepted/rejected prediction tokens stay in output: they are billed as completion tokens.
inline TokenUsage chat_usage_tokens(const json& usage, const std::string& what) {
    int64_t prompt = uj::count(usage, "prompt_tokens", what);
    int64_t completion = uj::count(usage, "completion_tokens", what);

    int64_t cached = 0, cache_write = 0, audio_in = 0;
    std::string ptd_name = field_name(what, "prompt_tokens_details");
    if (const json* ptd = uj::object_member(usage, "prompt_tokens_details", what)) {
        cached = uj::count(*ptd, "cached_tokens", ptd_name);
        cache_write = uj::count(*ptd, "cache_write_tokens", ptd_name);
        audio_in = uj::count(*ptd, "audio_tokens", ptd_name);
    }
    int64_t reasoning = 0, audio_out = 0, image_out = 0;
    std::string ctd_name = field_name(what, "completion_tokens_details");
    if (const json* ctd = uj::object_member(usage, "completion_tokens_details", what)) {
        reasoning = uj::count(*ctd, "reasoning_tokens", ctd_name);
        audio_out = uj::count(*ctd, "audio_tokens", ctd_name);
        image_out = uj::count(*ctd, "image_tokens", ctd_name);
    }

    int64_t input = remainder_of(prompt, field_name(what, "prompt_tokens"),
                                 {{cached, field_name(ptd_name, "cached_tokens")},
                                  {cache_write, field_name(ptd_name, "cache_write_tokens")},
                                  {audio_in, field_name(ptd_name, "audio_tokens")}});
    int64_t output = remainder_of(completion, field_name(what, "completion_tokens"),
                                  {{reasoning, field_name(ctd_name, "reasoning_tokens")},
                                   {audio_out, field_name(ctd_name, "audio_tokens")},
                                   {image_out, field_name(ctd_name, "image_tokens")}});
    return chat_classes({input, cached, cache_write, audio_in, output, reasoning, audio_out, image_out});
}

// A Chat Completions response (or the final streamed chunk, the one carrying usage) as sent
// by OpenAI or an OpenAI-compatible gateway: id, model, created, service_tier, usage, and the
// request's `user` when echoed.
inline UsageRecord parse_chat_completion(const json& doc, const char* format, const char* provider) {
    expect_object_kind(doc, format, "chat.completion", "chat.completion.chunk");
    const json* usage = uj::object_member(doc, "usage", "");
    if (!usage) uj::not_this_format(format, "no usage object");
    if (!usage->contains("prompt_tokens") && !usage->contains("completion_tokens"))
        uj::not_this_format(format, "usage has neither prompt_tokens nor completion_tokens");

    UsageRecord r;
    r.provider = provider;
    r.model = uj::text(doc, "model", "");
    r.request_id = uj::text(doc, "id", "");
    r.occurred_at = uj::time(doc, "created", "");
    r.service_tier = uj::text(doc, "service_tier", "");
    r.tokens = chat_usage_tokens(*usage, "usage");
    copy_text_attr(r.attrs, "user", doc, "user", "");
    return r;
}

}  // namespace cb::core::parsers
