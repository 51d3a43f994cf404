// parse_gemini: a Gemini API or Vertex AI generateContent response.
//
// usageMetadata.promptTokenCount INCLUDES cachedContentTokenCount; toolUsePromptTokenCount
// (the input the model gave its tools) is outside it and is counted as input;
// candidatesTokenCount EXCLUDES thoughtsTokenCount. The *TokensDetails arrays break counts
// down by modality ({"modality": TEXT|IMAGE|AUDIO|VIDEO|DOCUMENT, "tokenCount": n}).
// Gemini bills VIDEO and DOCUMENT input at the text rate, so only AUDIO and IMAGE are split out.
//
//   cache_read   <- cachedContentTokenCount
//   audio_input  <- AUDIO in promptTokensDetails - AUDIO in cacheTokensDetails
//   image_input  <- IMAGE in promptTokensDetails - IMAGE in cacheTokensDetails
//   input        <- promptTokenCount - cachedContentTokenCount - audio_input - image_input
//                   + toolUsePromptTokenCount
//   audio_output <- AUDIO in candidatesTokensDetails
//   image_output <- IMAGE in candidatesTokensDetails
//   output       <- candidatesTokenCount - audio_output - image_output
//   reasoning    <- thoughtsTokenCount
//   requests     =  1
// model <- modelVersion, request_id <- responseId, occurred_at <- createTime (Vertex).
// Vertex's usageMetadata.trafficType is kept in attrs.traffic_type; ON_DEMAND_PRIORITY and
// ON_DEMAND_FLEX set service_tier priority / flex.
// provider: the channel that bills the call. Only Vertex AI's GenerateContentResponse has
// createTime and usageMetadata.trafficType (the Gemini API's has neither), so a response with
// either is `vertex_ai`, any other `google` (the Gemini API). An envelope's provider wins.
#include "core/error.hpp"
#include "core/usage_json.hpp"
#include "core/usage_record.hpp"

#include <string>

namespace cb::core {

namespace {

namespace uj = usage_json;
using json = nlohmann::json;
constexpr std::string_view kFormat = "gemini";

struct Modalities {
    int64_t audio = 0;
    int64_t image = 0;
};

// Sums the AUDIO and IMAGE entries of usageMetadata.<key> (absent = none).
Modalities modalities(const json& usage, const char* key) {
    Modalities m;
    const json* list = uj::array_member(usage, key, "usageMetadata");
    if (!list) return m;
    for (size_t i = 0; i < list->size(); ++i) {
        const json& e = (*list)[i];
        const std::string what = std::string("usageMetadata.") + key + "[" + std::to_string(i) + "]";
        if (!e.is_object())
            throw Error(sqlstate::invalid_text_representation, what + " must be a JSON object, not " + e.type_name());
        const std::string modality = uj::text(e, "modality", what);
        const int64_t n = uj::count(e, "tokenCount", what);
        if (modality == "AUDIO")
            m.audio = uj::plus(m.audio, n, what);
        else if (modality == "IMAGE")
            m.image = uj::plus(m.image, n, what);
        // TEXT, VIDEO, DOCUMENT, MODALITY_UNSPECIFIED and anything new: billed as input text.
    }
    return m;
}

}  // namespace

void parse_gemini(const nlohmann::json& doc, std::vector<UsageRecord>& out) {
    if (!doc.is_object()) uj::not_this_format(kFormat, std::string("expected a JSON object, not ") + doc.type_name());
    const json* usage = uj::object_member(doc, "usageMetadata", "");
    if (!usage) uj::not_this_format(kFormat, "no usageMetadata object");

    const int64_t prompt = uj::count(*usage, "promptTokenCount", "usageMetadata");
    const int64_t cached = uj::count(*usage, "cachedContentTokenCount", "usageMetadata");
    const int64_t candidates = uj::count(*usage, "candidatesTokenCount", "usageMetadata");
    const int64_t thoughts = uj::count(*usage, "thoughtsTokenCount", "usageMetadata");
    const int64_t tool_prompt = uj::count(*usage, "toolUsePromptTokenCount", "usageMetadata");
    const Modalities p = modalities(*usage, "promptTokensDetails");
    const Modalities c = modalities(*usage, "cacheTokensDetails");
    const Modalities o = modalities(*usage, "candidatesTokensDetails");

    const int64_t uncached = uj::minus(prompt, cached, "usageMetadata.promptTokenCount",
                                       "usageMetadata.cachedContentTokenCount");
    const int64_t audio_in = uj::minus(p.audio, c.audio, "the AUDIO tokens of usageMetadata.promptTokensDetails",
                                       "the AUDIO tokens of usageMetadata.cacheTokensDetails");
    const int64_t image_in = uj::minus(p.image, c.image, "the IMAGE tokens of usageMetadata.promptTokensDetails",
                                       "the IMAGE tokens of usageMetadata.cacheTokensDetails");
    const int64_t media_in = uj::plus(audio_in, image_in, "usageMetadata.promptTokensDetails");
    const int64_t text_in = uj::minus(uncached, media_in,
                                      "the uncached prompt (usageMetadata.promptTokenCount - cachedContentTokenCount)",
                                      "its uncached AUDIO and IMAGE tokens (usageMetadata.promptTokensDetails)");
    const int64_t input = uj::plus(text_in, tool_prompt, "usageMetadata.toolUsePromptTokenCount");
    const int64_t media_out = uj::plus(o.audio, o.image, "usageMetadata.candidatesTokensDetails");
    const int64_t output = uj::minus(candidates, media_out, "usageMetadata.candidatesTokenCount",
                                     "the AUDIO and IMAGE tokens of usageMetadata.candidatesTokensDetails");

    UsageRecord r;
    r.model = uj::text(doc, "modelVersion", "");
    r.request_id = uj::text(doc, "responseId", "");
    r.occurred_at = uj::time(doc, "createTime", "");
    const std::string traffic = uj::text(*usage, "trafficType", "usageMetadata");
    r.provider = r.occurred_at || !traffic.empty() ? "vertex_ai" : "google";
    if (!traffic.empty()) {
        r.attrs["traffic_type"] = traffic;
        if (traffic == "ON_DEMAND_PRIORITY")
            r.service_tier = "priority";
        else if (traffic == "ON_DEMAND_FLEX")
            r.service_tier = "flex";
    }
    r.tokens.set(TokenClass::input, input);
    r.tokens.set(TokenClass::cache_read, cached);
    r.tokens.set(TokenClass::output, output);
    r.tokens.set(TokenClass::reasoning, thoughts);
    r.tokens.set(TokenClass::audio_input, audio_in);
    r.tokens.set(TokenClass::image_input, image_in);
    r.tokens.set(TokenClass::audio_output, o.audio);
    r.tokens.set(TokenClass::image_output, o.image);
    r.tokens.set(TokenClass::requests, 1);
    out.push_back(std::move(r));
}

}  // namespace cb::core
