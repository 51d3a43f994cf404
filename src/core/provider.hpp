// Provider and service-tier names as the catalog stores them.
#pragma once
#include "pure.hpp"

#include <string>
#include <string_view>

namespace cb::core {

// Lower-cases and maps aliases onto the catalog's provider names, one per billing channel:
// OpenTelemetry's gcp.gemini -> google (the Gemini API), gcp.vertex_ai -> vertex_ai (Vertex
// AI), aws.bedrock -> bedrock, azure.ai.openai -> azure (Azure OpenAI), azure.ai.inference ->
// azure_ai (Azure AI Foundry); LiteLLM's gemini -> google, and so on. Any other word made of [a-z0-9_.-]
// is a provider of the user's own. Throws 22023 for an empty or malformed name.
std::string normalize_provider(std::string_view name);

// standard | batch | flex | priority; the providers' own spellings map onto them
// (OpenAI's "default" and "auto", Bedrock's "on_demand" -> standard). Throws 22023.
std::string normalize_service_tier(std::string_view tier);

}  // namespace cb::core
