// libFuzzer target: JSON input to the LiteLLM catalog import and to the jsonb casts of
// token_usage and token_rates. Imported rows must be well-formed and their rates must
// round-trip through the text form.
#include "fuzz_common.hpp"

#include "core/litellm_catalog.hpp"
#include "core/provider.hpp"
#include "core/token_json.hpp"
#include "core/token_rates.hpp"
#include "core/token_usage.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

using namespace cb::core;
using cb::fuzz::expect_state;
using cb::fuzz::fuzz_fail;

namespace {

void check_import(const CatalogImport& imp) {
    for (const ImportedPrice& p : imp.prices) {
        if (p.entry.empty() || p.model.empty()) fuzz_fail("empty entry or model", p.entry);
        if (normalize_provider(p.provider) != p.provider) fuzz_fail("provider not normalized", p.provider);
        if (p.service_tier != "standard" && p.service_tier != "batch" && p.service_tier != "flex" &&
            p.service_tier != "priority")
            fuzz_fail("bad service tier", p.service_tier);
        if (p.min_prompt_tokens < 0) fuzz_fail("negative min_prompt_tokens", p.entry);
        if (p.rates.currency_code() != "USD") fuzz_fail("import currency", p.entry);
        if (!(p.rates.is_set(TokenClass::input) || p.rates.is_set(TokenClass::output)))
            fuzz_fail("row prices neither input nor output", p.entry);
        for (int i = 0; i < kTokenClassCount; ++i)
            if (p.rates.micro[i] < 0 || p.rates.micro[i] > kMaxRateMicro)
                fuzz_fail("rate out of range", p.entry);
        // Not inside a try: canonical text must parse.
        std::string out = format_token_rates(p.rates);
        if (!rates_equal(parse_token_rates(out), p.rates)) fuzz_fail("imported rates round trip", out);
    }
    for (const ImportProblem& pr : imp.skipped)
        if (pr.reason.empty()) fuzz_fail("problem without a reason", pr.entry);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);

    std::optional<CatalogImport> imp;
    try {
        imp = parse_litellm_catalog(text);
    } catch (const Error& e) {
        expect_state(e, {sqlstate::invalid_json_text, sqlstate::untranslatable_character, sqlstate::program_limit_exceeded,
                         sqlstate::invalid_parameter_value});
    }
    if (imp) check_import(*imp);

    std::optional<TokenUsage> u;
    try {
        u = token_usage_from_json(text);
    } catch (const Error& e) {
        expect_state(e, {sqlstate::invalid_json_text, sqlstate::untranslatable_character, sqlstate::program_limit_exceeded,
                         sqlstate::invalid_text_representation, sqlstate::numeric_value_out_of_range});
    }
    if (u) {
        for (int i = 0; i < kTokenClassCount; ++i)
            if (u->count[i] < 0) fuzz_fail("negative count from jsonb");
        if (!usage_equal(token_usage_from_json(token_usage_to_json(*u)), *u)) fuzz_fail("usage jsonb round trip");
        if (!usage_equal(parse_token_usage(format_token_usage(*u)), *u)) fuzz_fail("usage text round trip");
    }

    std::optional<TokenRates> r;
    try {
        r = token_rates_from_json(text);
    } catch (const Error& e) {
        expect_state(e, {sqlstate::invalid_json_text, sqlstate::untranslatable_character, sqlstate::program_limit_exceeded,
                         sqlstate::invalid_text_representation, sqlstate::numeric_value_out_of_range});
    }
    if (r) {
        std::string out = format_token_rates(*r);
        if (!rates_equal(parse_token_rates(out), *r)) fuzz_fail("rates text round trip", out);
        if (!rates_equal(token_rates_from_json(token_rates_to_json(*r)), *r)) fuzz_fail("rates jsonb round trip", out);
    }
    return 0;
}
