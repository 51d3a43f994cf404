-- cost(token_usage, token_rates): the exact cost of a request, in currency units.

CREATE FUNCTION chargeback.cost(chargeback.token_usage, chargeback.token_rates) RETURNS numeric
    AS 'MODULE_PATHNAME', 'cb_cost' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION chargeback.cost(chargeback.token_usage, chargeback.token_rates) IS
    'exact cost: sum over classes of count * rate / 1M (count * rate for requests, web_searches)';

CREATE OPERATOR chargeback.* (
    LEFTARG = chargeback.token_usage, RIGHTARG = chargeback.token_rates,
    FUNCTION = chargeback.cost
);

-- The operators of token_usage and token_rates live in schema chargeback; they are also
-- created in schema public (when it exists) so that `tokens + tokens`, `usage * rates` and
-- `rates * 0.85` work with the default search_path. They only take our own types, so they
-- can never capture an operator of anything else.
DO $$
BEGIN
    IF to_regnamespace('public') IS NULL THEN
        RETURN;
    END IF;
    CREATE OPERATOR public.= (
        LEFTARG = chargeback.token_usage, RIGHTARG = chargeback.token_usage,
        FUNCTION = chargeback.token_usage_eq, COMMUTATOR = OPERATOR(public.=),
        NEGATOR = OPERATOR(public.<>), RESTRICT = eqsel, JOIN = eqjoinsel);
    CREATE OPERATOR public.<> (
        LEFTARG = chargeback.token_usage, RIGHTARG = chargeback.token_usage,
        FUNCTION = chargeback.token_usage_ne, COMMUTATOR = OPERATOR(public.<>),
        NEGATOR = OPERATOR(public.=), RESTRICT = neqsel, JOIN = neqjoinsel);
    CREATE OPERATOR public.+ (
        LEFTARG = chargeback.token_usage, RIGHTARG = chargeback.token_usage,
        FUNCTION = chargeback.token_usage_add, COMMUTATOR = OPERATOR(public.+));
    CREATE OPERATOR public.= (
        LEFTARG = chargeback.token_rates, RIGHTARG = chargeback.token_rates,
        FUNCTION = chargeback.token_rates_eq, COMMUTATOR = OPERATOR(public.=),
        NEGATOR = OPERATOR(public.<>), RESTRICT = eqsel, JOIN = eqjoinsel);
    CREATE OPERATOR public.<> (
        LEFTARG = chargeback.token_rates, RIGHTARG = chargeback.token_rates,
        FUNCTION = chargeback.token_rates_ne, COMMUTATOR = OPERATOR(public.<>),
        NEGATOR = OPERATOR(public.=), RESTRICT = neqsel, JOIN = neqjoinsel);
    CREATE OPERATOR public.* (
        LEFTARG = chargeback.token_rates, RIGHTARG = numeric,
        FUNCTION = chargeback.token_rates_mul, COMMUTATOR = OPERATOR(public.*));
    CREATE OPERATOR public.* (
        LEFTARG = numeric, RIGHTARG = chargeback.token_rates,
        FUNCTION = chargeback.numeric_mul_token_rates, COMMUTATOR = OPERATOR(public.*));
    CREATE OPERATOR public.* (
        LEFTARG = chargeback.token_usage, RIGHTARG = chargeback.token_rates,
        FUNCTION = chargeback.cost);
END
$$;
