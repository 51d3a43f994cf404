// libFuzzer target: token_usage text input. Whatever parses must format and parse back to
// the same value (and the same text), and survive the jsonb round trip.
#include "fuzz_common.hpp"

#include "core/token_json.hpp"
#include "core/token_usage.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

using namespace cb::core;
using cb::fuzz::expect_state;
using cb::fuzz::fuzz_fail;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    TokenUsage u;
    try {
        u = parse_token_usage(text);
    } catch (const Error& e) {
        expect_state(e, {sqlstate::invalid_text_representation, sqlstate::numeric_value_out_of_range});
        return 0;
    }
    for (int i = 0; i < kTokenClassCount; ++i)
        if (u.count[i] < 0) fuzz_fail("negative count", std::string(text));

    // Text round trip. An Error here escapes on purpose: canonical output must parse.
    std::string out = format_token_usage(u);
    TokenUsage back = parse_token_usage(out);
    if (!usage_equal(u, back)) fuzz_fail("format/parse round trip changed the value", out);
    if (format_token_usage(back) != out) fuzz_fail("format is not canonical", out);

    // jsonb round trip.
    std::string js = token_usage_to_json(u);
    if (!usage_equal(token_usage_from_json(js), u)) fuzz_fail("jsonb round trip", js);

    // Derived values: errors only as documented.
    try {
        int64_t t = total_tokens(u);
        if (t < 0) fuzz_fail("negative total_tokens", out);
    } catch (const Error& e) {
        expect_state(e, {sqlstate::numeric_value_out_of_range});
    }
    int64_t p = prompt_tokens(u);
    if (p < 0 || p < u.get(TokenClass::input)) fuzz_fail("prompt_tokens", out);
    try {
        TokenUsage twice = add_usage(u, u);
        for (int i = 0; i < kTokenClassCount; ++i)
            if (twice.count[i] != 2 * u.count[i]) fuzz_fail("add_usage", out);
    } catch (const Error& e) {
        expect_state(e, {sqlstate::numeric_value_out_of_range});
    }
    return 0;
}
