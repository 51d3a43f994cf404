// chargeback.cost(token_usage, token_rates) and the operator token_usage * token_rates.
#include "datum.hpp"

#include "core/cost.hpp"

using namespace cb::pg;

CB_FUNCTION(cb_cost) {
    const cb::core::TokenUsage* u = usage_arg(fcinfo, 0);
    const cb::core::TokenRates* r = rates_arg(fcinfo, 1);
    return guarded([&] { return numeric_datum(cb::core::cost_text(*u, *r)); });
}
