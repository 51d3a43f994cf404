-- token_rates: a price per usage class per 1M tokens (per unit for requests and
-- web_searches), at most 6 decimals, plus an ISO 4217 currency.

CREATE TYPE chargeback.token_rates;

CREATE FUNCTION chargeback.token_rates_in(cstring) RETURNS chargeback.token_rates
    AS 'MODULE_PATHNAME', 'cb_token_rates_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION chargeback.token_rates_out(chargeback.token_rates) RETURNS cstring
    AS 'MODULE_PATHNAME', 'cb_token_rates_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION chargeback.token_rates_recv(internal) RETURNS chargeback.token_rates
    AS 'MODULE_PATHNAME', 'cb_token_rates_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION chargeback.token_rates_send(chargeback.token_rates) RETURNS bytea
    AS 'MODULE_PATHNAME', 'cb_token_rates_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE TYPE chargeback.token_rates (
    INPUT = chargeback.token_rates_in,
    OUTPUT = chargeback.token_rates_out,
    RECEIVE = chargeback.token_rates_recv,
    SEND = chargeback.token_rates_send,
    INTERNALLENGTH = 104,
    ALIGNMENT = double,
    STORAGE = plain
);
COMMENT ON TYPE chargeback.token_rates IS
    'price per class in currency units per 1M tokens (per unit for requests, web_searches), e.g. ''input=3 cache_read=0.3 output=15 USD''';

CREATE FUNCTION chargeback.token_rates_eq(chargeback.token_rates, chargeback.token_rates) RETURNS boolean
    AS 'MODULE_PATHNAME', 'cb_token_rates_eq' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION chargeback.token_rates_ne(chargeback.token_rates, chargeback.token_rates) RETURNS boolean
    AS 'MODULE_PATHNAME', 'cb_token_rates_ne' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE OPERATOR chargeback.= (
    LEFTARG = chargeback.token_rates, RIGHTARG = chargeback.token_rates,
    FUNCTION = chargeback.token_rates_eq, COMMUTATOR = OPERATOR(chargeback.=),
    NEGATOR = OPERATOR(chargeback.<>), RESTRICT = eqsel, JOIN = eqjoinsel
);
CREATE OPERATOR chargeback.<> (
    LEFTARG = chargeback.token_rates, RIGHTARG = chargeback.token_rates,
    FUNCTION = chargeback.token_rates_ne, COMMUTATOR = OPERATOR(chargeback.<>),
    NEGATOR = OPERATOR(chargeback.=), RESTRICT = neqsel, JOIN = neqjoinsel
);

CREATE FUNCTION chargeback.rate(chargeback.token_rates, class text) RETURNS numeric
    AS 'MODULE_PATHNAME', 'cb_token_rates_rate' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION chargeback.rate(chargeback.token_rates, text) IS
    'rate of one class after the fallback rules (reasoning -> output, cache_* -> input, ...)';
CREATE FUNCTION chargeback.currency(chargeback.token_rates) RETURNS text
    AS 'MODULE_PATHNAME', 'cb_token_rates_currency' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION chargeback.token_rates_mul(chargeback.token_rates, numeric) RETURNS chargeback.token_rates
    AS 'MODULE_PATHNAME', 'cb_token_rates_mul' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION chargeback.numeric_mul_token_rates(numeric, chargeback.token_rates) RETURNS chargeback.token_rates
    AS 'MODULE_PATHNAME', 'cb_numeric_mul_token_rates' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE OPERATOR chargeback.* (
    LEFTARG = chargeback.token_rates, RIGHTARG = numeric,
    FUNCTION = chargeback.token_rates_mul, COMMUTATOR = OPERATOR(chargeback.*)
);
CREATE OPERATOR chargeback.* (
    LEFTARG = numeric, RIGHTARG = chargeback.token_rates,
    FUNCTION = chargeback.numeric_mul_token_rates, COMMUTATOR = OPERATOR(chargeback.*)
);

CREATE FUNCTION chargeback.token_rates_merge(base chargeback.token_rates, update chargeback.token_rates)
RETURNS chargeback.token_rates
    AS 'MODULE_PATHNAME', 'cb_token_rates_merge' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION chargeback.token_rates_merge(chargeback.token_rates, chargeback.token_rates) IS
    'update over base: the classes update sets, and those only base sets kept (update alone in another currency)';

CREATE FUNCTION chargeback.token_rates_to_jsonb(chargeback.token_rates) RETURNS jsonb
    AS 'MODULE_PATHNAME', 'cb_token_rates_to_jsonb' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION chargeback.token_rates_from_jsonb(jsonb) RETURNS chargeback.token_rates
    AS 'MODULE_PATHNAME', 'cb_token_rates_from_jsonb' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE CAST (chargeback.token_rates AS jsonb) WITH FUNCTION chargeback.token_rates_to_jsonb(chargeback.token_rates);
CREATE CAST (jsonb AS chargeback.token_rates) WITH FUNCTION chargeback.token_rates_from_jsonb(jsonb);

CREATE FUNCTION chargeback.is_currency(text) RETURNS boolean
    AS 'MODULE_PATHNAME', 'cb_is_currency' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION chargeback.is_currency(text) IS 'true for an ISO 4217 currency code such as USD';
