-- cost(token_usage, token_rates): the exact cost of a request, in currency units.

CREATE FUNCTION chargeback.cost(chargeback.token_usage, chargeback.token_rates) RETURNS numeric
    AS 'MODULE_PATHNAME', 'cb_cost' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION chargeback.cost(chargeback.token_usage, chargeback.token_rates) IS
    'exact cost: sum over classes of count * rate / 1M (count * rate for requests, web_searches)';

CREATE OPERATOR chargeback.* (
    LEFTARG = chargeback.token_usage, RIGHTARG = chargeback.token_rates,
    FUNCTION = chargeback.cost
);
