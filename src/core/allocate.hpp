// The SQL allocate() window function and allocate_agg() aggregate on exact decimal text:
// split a total in proportion to weights, rounded to a minor unit by largest remainder.
//
// Rules (the same for both):
//   - total must be a whole number of minor units (round it first); minor_unit > 0;
//   - weights are >= 0; a NULL weight takes no part (its row gets NULL, its key nothing);
//   - when every weight is zero, the total is split evenly;
//   - a negative total (a credit) is split as the mirror of the positive one;
//   - equal remainders go to the earlier row (window ORDER BY) or the smaller key (bytes).
#pragma once
#include "pure.hpp"

#include "rational.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cb::core {

// One window partition: weights[i] == nullptr is SQL NULL. Returns each row's share as
// decimal text with the minor unit's digits, or nullopt for NULL weights.
std::vector<std::optional<std::string>> allocate_shares(std::string_view total, std::string_view minor_unit,
                                                        const std::vector<const char*>& weights);

// The same shares for the window function's hot path: share i is value[i] * 10^-scale when
// state[i] == 1 (it fits 64 bits), text[i] when state[i] == 2, SQL NULL when state[i] == 0.
struct ScaledShares {
    int scale = 0;
    std::vector<int64_t> value;
    std::vector<unsigned char> state;
    std::vector<std::string> text;
};
ScaledShares allocate_scaled(std::string_view total, std::string_view minor_unit, const std::vector<const char*>& weights);

// Currency conversion of one window partition (the SQL convert_share()): each amount times
// rate, rounded to the minor unit so that the converted amounts sum exactly to the converted
// partition total, round(sum(amounts) * rate) half away from zero; each is the floor or the
// ceiling of its exact value, the missing units going to the largest fractional parts (ties
// to the earlier row): the largest remainder rule of allocation, for signed amounts. NULL
// amounts take no part. rate > 0, else Error 22023.
std::vector<std::optional<std::string>> convert_shares(const std::vector<const char*>& amounts, std::string_view rate,
                                                       std::string_view minor_unit);

// allocate_agg's state: summed weight per key, the total and the minor unit.
class KeyedAllocation {
public:
    // Adds a row; total and minor_unit must be the same on every row.
    void add(std::string_view key, std::string_view weight, std::string_view total, std::string_view minor_unit);
    void merge(const KeyedAllocation& other);  // combine function (parallel workers)
    std::string serialize() const;
    static KeyedAllocation deserialize(std::string_view bytes);
    // {"key": amount, ...} as JSON text; nullopt when no row had a total.
    std::optional<std::string> result_json() const;

private:
    void set_parameters(const std::string& total, const std::string& minor_unit);
    std::optional<std::string> total_;
    std::optional<std::string> minor_;
    std::map<std::string, Rational> weights_;
};

}  // namespace cb::core
