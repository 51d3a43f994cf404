// libFuzzer target: token_rates text input. Whatever parses must format and parse back to
// the same value (and the same text), survive the jsonb round trip, and price a usage
// without wrapping.
#include "fuzz_common.hpp"

#include "core/cost.hpp"
#include "core/currency.hpp"
#include "core/token_json.hpp"
#include "core/token_rates.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

using namespace cb::core;
using cb::fuzz::expect_state;
using cb::fuzz::fuzz_fail;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    TokenRates r;
    try {
        r = parse_token_rates(text);
    } catch (const Error& e) {
        expect_state(e, {sqlstate::invalid_text_representation, sqlstate::numeric_value_out_of_range});
        return 0;
    }
    // Invariants of the on-disk form.
    for (int i = 0; i < kTokenClassCount; ++i) {
        if (r.micro[i] < 0 || r.micro[i] > kMaxRateMicro) fuzz_fail("rate out of range", std::string(text));
        if (!r.is_set(static_cast<TokenClass>(i)) && r.micro[i] != 0)
            fuzz_fail("unset class with a rate", std::string(text));
    }
    if (r.set_mask >> kTokenClassCount) fuzz_fail("stray set_mask bits", std::string(text));
    if (!is_currency_code(r.currency_code())) fuzz_fail("bad currency", std::string(text));
    if (r.pad[0] || r.pad[1] || r.pad[2]) fuzz_fail("padding not zero", std::string(text));

    // Text round trip. An Error here escapes on purpose: canonical output must parse.
    std::string out = format_token_rates(r);
    TokenRates back = parse_token_rates(out);
    if (!rates_equal(r, back)) fuzz_fail("format/parse round trip changed the value", out);
    if (format_token_rates(back) != out) fuzz_fail("format is not canonical", out);

    // jsonb round trip.
    std::string js = token_rates_to_json(r);
    if (!rates_equal(token_rates_from_json(js), r)) fuzz_fail("jsonb round trip", js);

    // Scaling down never overflows; scaling by 1 is the identity.
    if (!rates_equal(scale_rates(r, "1"), r)) fuzz_fail("scale by 1", out);
    TokenRates d = scale_rates(r, "0.85");
    for (int i = 0; i < kTokenClassCount; ++i)
        if (d.micro[i] > r.micro[i] || d.micro[i] < 0) fuzz_fail("scale by 0.85", out);

    // Costs: exact or 22003, never a wrap.
    TokenUsage u{};
    for (int i = 0; i < kTokenClassCount; ++i) u.count[i] = INT64_MAX;
    try {
        int128 c = cost_pico(u, r);
        if (c < 0) fuzz_fail("negative cost", out);
    } catch (const Error& e) {
        expect_state(e, {sqlstate::numeric_value_out_of_range});
    }
    TokenUsage one{};
    for (int i = 0; i < kTokenClassCount; ++i) one.count[i] = 1;
    int128 c1 = cost_pico(one, r);
    if (c1 < 0) fuzz_fail("negative cost", out);
    return 0;
}
