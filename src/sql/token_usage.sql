-- token_usage: non-negative token counts per usage class (docs/pricing.md).

CREATE TYPE chargeback.token_usage;

CREATE FUNCTION chargeback.token_usage_in(cstring) RETURNS chargeback.token_usage
    AS 'MODULE_PATHNAME', 'cb_token_usage_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION chargeback.token_usage_out(chargeback.token_usage) RETURNS cstring
    AS 'MODULE_PATHNAME', 'cb_token_usage_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION chargeback.token_usage_recv(internal) RETURNS chargeback.token_usage
    AS 'MODULE_PATHNAME', 'cb_token_usage_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION chargeback.token_usage_send(chargeback.token_usage) RETURNS bytea
    AS 'MODULE_PATHNAME', 'cb_token_usage_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE TYPE chargeback.token_usage (
    INPUT = chargeback.token_usage_in,
    OUTPUT = chargeback.token_usage_out,
    RECEIVE = chargeback.token_usage_recv,
    SEND = chargeback.token_usage_send,
    INTERNALLENGTH = 96,
    ALIGNMENT = double,
    STORAGE = plain
);
COMMENT ON TYPE chargeback.token_usage IS
    'token counts per class: input cache_read cache_write cache_write_1h output reasoning audio_input audio_output image_input image_output requests web_searches';

CREATE FUNCTION chargeback.token_usage_eq(chargeback.token_usage, chargeback.token_usage) RETURNS boolean
    AS 'MODULE_PATHNAME', 'cb_token_usage_eq' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION chargeback.token_usage_ne(chargeback.token_usage, chargeback.token_usage) RETURNS boolean
    AS 'MODULE_PATHNAME', 'cb_token_usage_ne' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION chargeback.token_usage_add(chargeback.token_usage, chargeback.token_usage)
    RETURNS chargeback.token_usage
    AS 'MODULE_PATHNAME', 'cb_token_usage_add' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
-- a - b class by class; 22003 when b holds more of a class than a (counts never go negative).
CREATE FUNCTION chargeback.token_usage_sub(chargeback.token_usage, chargeback.token_usage)
    RETURNS chargeback.token_usage
    AS 'MODULE_PATHNAME', 'cb_token_usage_sub' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE OPERATOR chargeback.= (
    LEFTARG = chargeback.token_usage, RIGHTARG = chargeback.token_usage,
    FUNCTION = chargeback.token_usage_eq, COMMUTATOR = OPERATOR(chargeback.=),
    NEGATOR = OPERATOR(chargeback.<>), RESTRICT = eqsel, JOIN = eqjoinsel
);
CREATE OPERATOR chargeback.<> (
    LEFTARG = chargeback.token_usage, RIGHTARG = chargeback.token_usage,
    FUNCTION = chargeback.token_usage_ne, COMMUTATOR = OPERATOR(chargeback.<>),
    NEGATOR = OPERATOR(chargeback.=), RESTRICT = neqsel, JOIN = neqjoinsel
);
CREATE OPERATOR chargeback.+ (
    LEFTARG = chargeback.token_usage, RIGHTARG = chargeback.token_usage,
    FUNCTION = chargeback.token_usage_add, COMMUTATOR = OPERATOR(chargeback.+)
);
CREATE OPERATOR chargeback.- (
    LEFTARG = chargeback.token_usage, RIGHTARG = chargeback.token_usage,
    FUNCTION = chargeback.token_usage_sub
);

-- sum(token_usage): the transition function also serves as the combine function, so the
-- aggregate runs in parallel workers (the state is the fixed-length value itself).
CREATE FUNCTION chargeback.token_usage_accum(chargeback.token_usage, chargeback.token_usage)
    RETURNS chargeback.token_usage
    AS 'MODULE_PATHNAME', 'cb_token_usage_accum' LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE AGGREGATE chargeback.sum(chargeback.token_usage) (
    SFUNC = chargeback.token_usage_accum,
    STYPE = chargeback.token_usage,
    COMBINEFUNC = chargeback.token_usage_accum,
    PARALLEL = SAFE
);

CREATE FUNCTION chargeback.tokens(chargeback.token_usage, class text) RETURNS bigint
    AS 'MODULE_PATHNAME', 'cb_token_usage_tokens' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION chargeback.tokens(chargeback.token_usage, text) IS 'count of one usage class';
CREATE FUNCTION chargeback.total_tokens(chargeback.token_usage) RETURNS bigint
    AS 'MODULE_PATHNAME', 'cb_token_usage_total' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION chargeback.total_tokens(chargeback.token_usage) IS
    'sum of the token classes (requests and web_searches are units, not tokens)';
CREATE FUNCTION chargeback.prompt_tokens(chargeback.token_usage) RETURNS bigint
    AS 'MODULE_PATHNAME', 'cb_token_usage_prompt' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION chargeback.prompt_tokens(chargeback.token_usage) IS
    'input + cache_read + cache_write + cache_write_1h: the prompt size that picks long-context prices';
-- The prompt size that prices a stored usage row: its prompt_tokens(), clamped into the
-- attrs' "context_window" bucket "<lo>-<hi>" when it has one (Anthropic's usage report: a
-- row sums many requests, each of which was within the bucket). The same rule as ingestion's
-- (priced_prompt_tokens in src/core/usage_pipeline.cpp); reprice() uses it.
CREATE FUNCTION chargeback.priced_prompt_tokens(tokens chargeback.token_usage, attrs jsonb) RETURNS bigint
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, chargeback, pg_temp
AS $$
    SELECT CASE WHEN b.hi IS NULL OR b.hi <= b.lo THEN q.p
                ELSE least(greatest(q.p, CASE WHEN b.lo > 0 THEN b.lo + 1 ELSE 0 END), b.hi) END
    FROM (SELECT chargeback.prompt_tokens(tokens) AS p) q
    LEFT JOIN LATERAL (
        SELECT m[1]::bigint * CASE pg_catalog.lower(m[2]) WHEN 'k' THEN 1000 WHEN 'm' THEN 1000000 ELSE 1 END AS lo,
               m[3]::bigint * CASE pg_catalog.lower(m[4]) WHEN 'k' THEN 1000 WHEN 'm' THEN 1000000 ELSE 1 END AS hi
        FROM pg_catalog.regexp_match(CASE WHEN pg_catalog.jsonb_typeof(attrs -> 'context_window') = 'string'
                                          THEN attrs ->> 'context_window' END,
                                     '^([0-9]{1,9})([kKmM]?)-([0-9]{1,9})([kKmM]?)$') AS m
    ) b ON true
$$;
COMMENT ON FUNCTION chargeback.priced_prompt_tokens(chargeback.token_usage, jsonb) IS
    'the prompt size that picks long-context prices for a usage row: prompt_tokens(), clamped into attrs.context_window ("0-200k", "200k-1M") when given';

CREATE FUNCTION chargeback.token_usage_to_jsonb(chargeback.token_usage) RETURNS jsonb
    AS 'MODULE_PATHNAME', 'cb_token_usage_to_jsonb' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION chargeback.token_usage_from_jsonb(jsonb) RETURNS chargeback.token_usage
    AS 'MODULE_PATHNAME', 'cb_token_usage_from_jsonb' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE CAST (chargeback.token_usage AS jsonb) WITH FUNCTION chargeback.token_usage_to_jsonb(chargeback.token_usage);
CREATE CAST (jsonb AS chargeback.token_usage) WITH FUNCTION chargeback.token_usage_from_jsonb(jsonb);
