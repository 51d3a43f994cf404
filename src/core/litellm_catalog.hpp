// Import of LiteLLM's model_prices_and_context_window.json (an object keyed by model name,
// prices in USD per token) into catalog rows priced per 1M tokens. Every cost is read from
// its exact decimal text and scaled by 1e6 without binary floating point.
//
// One entry gives a standard row, a row per service tier it prices (suffixes _batches,
// _flex, _priority) and a long-context row per "_above_<N>k_tokens" threshold. An entry
// with a bad cost (negative, not a number, out of range) is skipped as a whole and reported;
// everything else the import does not use is reported as a note (never silently dropped):
// entries that price nothing per token, request or query, regional or deployment variants,
// fields priced per second, character, pixel, image or page, uplifts, and rates rounded to
// the catalog's 6 decimals per 1M.
#pragma once
#include "pure.hpp"
#include "token_rates.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace cb::core {

struct ImportedPrice {
    std::string entry;  // the LiteLLM key
    std::string provider, model, service_tier;
    int64_t min_prompt_tokens;
    TokenRates rates;
};

struct ImportProblem {
    std::string entry, reason;
};

// Something of the source that was not imported as it stands (field empty for a whole entry).
struct ImportNote {
    std::string entry, field, reason;
};

struct CatalogImport {
    std::vector<ImportedPrice> prices;
    std::vector<ImportProblem> skipped;
    std::vector<ImportNote> notes;
};

// Parses LiteLLM's model_prices_and_context_window.json (an object keyed by model name).
// Output is deterministic: entries in key (byte) order; within an entry standard, batch,
// flex, priority, each followed by its long-context rows by ascending threshold.
// Throws 22032/54000 for malformed JSON (read_json) and 22023 when the top level is not an
// object.
CatalogImport parse_litellm_catalog(std::string_view json_text);

}  // namespace cb::core
