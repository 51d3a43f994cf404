#include "provider.hpp"

#include "error.hpp"

namespace cb::core {

namespace {

std::string lower_trimmed(std::string_view s) {
    size_t b = 0, e = s.size();
    while (b < e && (s[b] == ' ' || s[b] == '\t')) ++b;
    while (e > b && (s[e - 1] == ' ' || s[e - 1] == '\t')) --e;
    std::string out(s.substr(b, e - b));
    for (char& c : out)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return out;
}

struct Alias {
    const char* from;
    const char* to;
};

// The catalog prices a channel, the one that bills the call: the Gemini API (`google`) and
// Vertex AI (`vertex_ai`, Gemini and the partner models such as Claude on Vertex) are billed
// apart and at different prices, and so are Azure OpenAI (`azure`) and Azure AI Foundry's
// model inference (`azure_ai`: Claude, Llama, Mistral, DeepSeek, ... on Azure). The
// OpenTelemetry GenAI names (gen_ai.provider.name) map onto them: gcp.gemini -> google,
// gcp.vertex_ai -> vertex_ai, azure.ai.openai -> azure, azure.ai.inference -> azure_ai;
// gcp.gen_ai ("any Google generative AI endpoint") says no channel and stays with google.
constexpr Alias kProviderAliases[] = {
    {"gcp.gemini", "google"},          {"gcp.gen_ai", "google"},         {"gemini", "google"},
    {"google_genai", "google"},        {"google.genai", "google"},       {"google_ai_studio", "google"},
    {"gcp.vertex_ai", "vertex_ai"},    {"vertexai", "vertex_ai"},        {"vertex", "vertex_ai"},
    {"google_vertex_ai", "vertex_ai"}, {"google.vertex_ai", "vertex_ai"}, {"aws.bedrock", "bedrock"},
    {"aws_bedrock", "bedrock"},        {"amazon_bedrock", "bedrock"},    {"bedrock_converse", "bedrock"},
    {"azure.ai.openai", "azure"},      {"az.ai.openai", "azure"},        {"azure_openai", "azure"},
    {"azure.ai.inference", "azure_ai"}, {"az.ai.inference", "azure_ai"}, {"azure_ai_foundry", "azure_ai"},
    {"mistral_ai", "mistral"},         {"mistralai", "mistral"},         {"cohere_chat", "cohere"},
    {"text-completion-openai", "openai"},
};

}  // namespace

std::string normalize_provider(std::string_view name) {
    std::string p = lower_trimmed(name);
    for (const Alias& a : kProviderAliases)
        if (p == a.from) return a.to;
    bool ok = !p.empty() && p.size() <= 63 &&
              ((p[0] >= 'a' && p[0] <= 'z') || (p[0] >= '0' && p[0] <= '9'));
    for (char c : p)
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-'))
            ok = false;
    if (!ok)
        throw Error(sqlstate::invalid_parameter_value,
                    "invalid provider name \"" + std::string(name) + "\"",
                    {}, "use a lower-case word such as openai, anthropic, google, vertex_ai, bedrock, azure, azure_ai");
    return p;
}

std::string normalize_service_tier(std::string_view tier) {
    std::string t = lower_trimmed(tier);
    // Committed capacity (OpenAI scale tier, Bedrock reserved) is priced at the standard
    // list price: what the usage is worth, which is what showback and allocation need.
    if (t == "standard" || t == "default" || t == "auto" || t == "on_demand" || t == "ondemand" ||
        t == "standard_only" || t == "scale" || t == "reserved" || t.empty())
        return "standard";
    if (t == "batch" || t == "batches") return "batch";
    // Anthropic's usage report groups by priority_on_demand (Priority Tier bought on demand)
    // and flex_discount as well: priced at the priority and flex rows.
    if (t == "flex" || t == "flex_discount") return "flex";
    if (t == "priority" || t == "priority_on_demand") return "priority";
    throw Error(sqlstate::invalid_parameter_value,
                "invalid service tier \"" + std::string(tier) + "\"",
                {}, "valid service tiers: standard, batch, flex, priority");
}

}  // namespace cb::core
