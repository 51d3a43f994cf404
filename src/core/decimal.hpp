// Exact fixed-point decimals: text <-> a scaled __int128. Money never touches binary
// floating point; even provider JSON numbers such as 3e-06 are read from their text.
#pragma once
#include "pure.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace cb::core {

using int128 = __int128;

// Largest value any 128-bit quantity here may reach before we call it an overflow.
inline constexpr int128 kInt128Max = (static_cast<int128>(INT64_MAX) << 64) | UINT64_MAX;

int128 pow10_128(int exponent);  // 0 <= exponent <= 38

struct ParsedDecimal {
    bool negative = false;
    // value = mantissa * 10^-scale; scale is negative for trailing integer zeros ("100" is
    // mantissa 1, scale -2)
    int128 mantissa = 0;
    int scale = 0;
};

enum class Rounding { reject, half_up };

// Parses [-]digits[.digits][e[+-]digits] (a JSON/numeric lexeme). Returns nullopt on bad
// syntax. Sets *overflow when the value needs more than 38 significant digits.
std::optional<ParsedDecimal> parse_decimal(std::string_view text, bool* overflow);

// value * 10^target_scale as an integer. With Rounding::reject, returns nullopt when
// digits beyond target_scale are non-zero; with half_up, rounds half away from zero.
// Sets *overflow when |result| would exceed limit.
std::optional<int128> rescale(const ParsedDecimal& d, int target_scale, Rounding rounding,
                              int128 limit, bool* overflow);

// Writes v * 10^-scale as plain decimal text, trimming trailing fractional zeros.
std::string format_scaled(int128 v, int scale);

// 1234567 -> "1,234,567" (a leading '-' kept); anything but a plain integer is returned as is.
// The CLI's tables and the statements group counts with it.
std::string group_digits(const std::string& digits);
// Appends the same to out without allocating a temporary (hot path of cost()).
void append_scaled(std::string& out, int128 v, int scale);

// Divides a by b (b > 0) rounding half away from zero.
int128 div_round_half_up(int128 a, int128 b);

// Checked arithmetic: false on overflow beyond +-kInt128Max.
bool checked_mul(int128 a, int128 b, int128* out);
bool checked_add(int128 a, int128 b, int128* out);

}  // namespace cb::core
