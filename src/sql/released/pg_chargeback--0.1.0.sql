-- pg_chargeback: exact LLM cost accounting, budgets and chargeback inside PostgreSQL.
-- This file is built from src/sql/0.1.0/*.sql by the Makefile; edit those, not the result.

-- complain if script is sourced in psql, rather than via CREATE EXTENSION
\echo Use "CREATE EXTENSION pg_chargeback" to load this file. \quit

COMMENT ON SCHEMA chargeback IS 'pg_chargeback: priced, owned and allocated LLM usage';
-- token_usage: non-negative token counts per usage class (see README "Token-pricing types").

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

CREATE FUNCTION chargeback.token_usage_to_jsonb(chargeback.token_usage) RETURNS jsonb
    AS 'MODULE_PATHNAME', 'cb_token_usage_to_jsonb' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION chargeback.token_usage_from_jsonb(jsonb) RETURNS chargeback.token_usage
    AS 'MODULE_PATHNAME', 'cb_token_usage_from_jsonb' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE CAST (chargeback.token_usage AS jsonb) WITH FUNCTION chargeback.token_usage_to_jsonb(chargeback.token_usage);
CREATE CAST (jsonb AS chargeback.token_usage) WITH FUNCTION chargeback.token_usage_from_jsonb(jsonb);
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

CREATE FUNCTION chargeback.token_rates_to_jsonb(chargeback.token_rates) RETURNS jsonb
    AS 'MODULE_PATHNAME', 'cb_token_rates_to_jsonb' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION chargeback.token_rates_from_jsonb(jsonb) RETURNS chargeback.token_rates
    AS 'MODULE_PATHNAME', 'cb_token_rates_from_jsonb' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE CAST (chargeback.token_rates AS jsonb) WITH FUNCTION chargeback.token_rates_to_jsonb(chargeback.token_rates);
CREATE CAST (jsonb AS chargeback.token_rates) WITH FUNCTION chargeback.token_rates_from_jsonb(jsonb);

CREATE FUNCTION chargeback.is_currency(text) RETURNS boolean
    AS 'MODULE_PATHNAME', 'cb_is_currency' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION chargeback.is_currency(text) IS 'true for an ISO 4217 currency code such as USD';
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
-- Provider and service-tier names as the price catalog stores them.

CREATE FUNCTION chargeback.normalize_provider(text) RETURNS text
    AS 'MODULE_PATHNAME', 'cb_normalize_provider' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION chargeback.normalize_provider(text) IS
    'lower-case provider name; OpenTelemetry and LiteLLM names map onto openai, anthropic, google, bedrock, azure, ...';
CREATE FUNCTION chargeback.normalize_service_tier(text) RETURNS text
    AS 'MODULE_PATHNAME', 'cb_normalize_service_tier' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION chargeback.normalize_service_tier(text) IS
    'standard, batch, flex or priority (OpenAI default/auto and Bedrock on_demand are standard)';
-- The effective-dated price catalog, model aliases and price lookup.

CREATE TABLE chargeback.price (
    price_id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    provider text NOT NULL,
    model text NOT NULL CHECK (btrim(model) <> ''),
    service_tier text NOT NULL DEFAULT 'standard'
        CHECK (service_tier IN ('standard', 'batch', 'flex', 'priority')),
    min_prompt_tokens bigint NOT NULL DEFAULT 0 CHECK (min_prompt_tokens >= 0),
    rates chargeback.token_rates NOT NULL,
    valid_from timestamptz NOT NULL,
    valid_to timestamptz CHECK (valid_to > valid_from),
    source text NOT NULL DEFAULT 'manual',
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX price_key_idx ON chargeback.price (provider, model, service_tier, min_prompt_tokens, valid_from);
COMMENT ON TABLE chargeback.price IS
    'token price catalog: one row per (provider, model, service_tier, min_prompt_tokens) and validity range; ranges never overlap';
COMMENT ON COLUMN chargeback.price.min_prompt_tokens IS
    'long-context tier: this row prices the whole request when its prompt exceeds this many tokens';
COMMENT ON COLUMN chargeback.price.valid_to IS 'exclusive end; NULL while current';
COMMENT ON COLUMN chargeback.price.source IS 'builtin, litellm, manual, or any label of the loader';

CREATE TABLE chargeback.model_alias (
    alias_id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    provider text NOT NULL,
    pattern text NOT NULL CHECK (pattern <> '' AND ('' ~ pattern) IS NOT NULL),
    model text NOT NULL CHECK (btrim(model) <> ''),
    priority int NOT NULL DEFAULT 0,
    description text
);
COMMENT ON TABLE chargeback.model_alias IS
    'maps reported model names (deployment names, snapshots) to catalog models: pattern is a POSIX regex searched in the reported name; higher priority wins';

-- Serializes writers of one price key (provider, model, tier, threshold) until commit.
CREATE FUNCTION chargeback.lock_price_key(provider text, model text, service_tier text, min_prompt_tokens bigint)
RETURNS void LANGUAGE sql VOLATILE
AS $$
    SELECT pg_advisory_xact_lock(hashtextextended(
        format('chargeback.price %s %s %s %s', provider, model, service_tier, min_prompt_tokens), 0))
$$;

-- Providers and tiers are stored normalized, and validity ranges of one key never overlap.
-- The advisory lock serializes writers of the same key so two sessions cannot both insert
-- overlapping rows (each checks after the other has committed).
CREATE FUNCTION chargeback.price_before_write() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, chargeback
AS $$
DECLARE
    other chargeback.price;
BEGIN
    NEW.provider := chargeback.normalize_provider(NEW.provider);
    NEW.service_tier := chargeback.normalize_service_tier(NEW.service_tier);
    PERFORM chargeback.lock_price_key(NEW.provider, NEW.model, NEW.service_tier, NEW.min_prompt_tokens);
    SELECT * INTO other FROM chargeback.price p
     WHERE p.provider = NEW.provider AND p.model = NEW.model
       AND p.service_tier = NEW.service_tier AND p.min_prompt_tokens = NEW.min_prompt_tokens
       AND p.price_id IS DISTINCT FROM NEW.price_id
       AND tstzrange(p.valid_from, p.valid_to) && tstzrange(NEW.valid_from, NEW.valid_to)
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION USING
            ERRCODE = 'exclusion_violation',
            MESSAGE = format('price of %s %s (%s tier, min_prompt_tokens %s) for [%s, %s) overlaps price %s for [%s, %s)',
                             NEW.provider, NEW.model, NEW.service_tier, NEW.min_prompt_tokens,
                             NEW.valid_from, coalesce(NEW.valid_to::text, 'open'), other.price_id,
                             other.valid_from, coalesce(other.valid_to::text, 'open')),
            HINT = 'use chargeback.set_price(), which closes the current price before opening the next';
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER price_before_write BEFORE INSERT OR UPDATE ON chargeback.price
    FOR EACH ROW EXECUTE FUNCTION chargeback.price_before_write();

CREATE FUNCTION chargeback.model_alias_before_write() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, chargeback
AS $$
BEGIN
    NEW.provider := chargeback.normalize_provider(NEW.provider);
    RETURN NEW;
END
$$;

CREATE TRIGGER model_alias_before_write BEFORE INSERT OR UPDATE ON chargeback.model_alias
    FOR EACH ROW EXECUTE FUNCTION chargeback.model_alias_before_write();

-- Every backend caches the catalog; a change tells them all to reload it.
CREATE FUNCTION chargeback.catalog_changed() RETURNS trigger
    AS 'MODULE_PATHNAME', 'cb_catalog_changed' LANGUAGE C;
CREATE TRIGGER price_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON chargeback.price
    FOR EACH STATEMENT EXECUTE FUNCTION chargeback.catalog_changed();
CREATE TRIGGER model_alias_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON chargeback.model_alias
    FOR EACH STATEMENT EXECUTE FUNCTION chargeback.catalog_changed();

-- set_price: closes the current row of the key at valid_from and opens a new one. History
-- is never rewritten: a valid_from at or before the current row's start is refused.
-- Setting the rates the current row already has changes nothing and returns its id.
CREATE FUNCTION chargeback.set_price(
    provider text, model text, rates chargeback.token_rates,
    valid_from timestamptz DEFAULT now(), service_tier text DEFAULT 'standard',
    min_prompt_tokens bigint DEFAULT 0, source text DEFAULT 'manual')
RETURNS bigint
LANGUAGE plpgsql
SET search_path = pg_catalog, chargeback
AS $$
#variable_conflict use_column
DECLARE
    p_provider text := chargeback.normalize_provider(set_price.provider);
    p_tier text := chargeback.normalize_service_tier(set_price.service_tier);
    cur chargeback.price;
    new_id bigint;
BEGIN
    IF set_price.model IS NULL OR btrim(set_price.model) = '' OR set_price.rates IS NULL
       OR set_price.valid_from IS NULL OR set_price.min_prompt_tokens IS NULL
       OR set_price.min_prompt_tokens < 0 THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
            MESSAGE = format('set_price needs a model, rates, valid_from and min_prompt_tokens >= 0 (got model %L, valid_from %L, min_prompt_tokens %L)',
                             set_price.model, set_price.valid_from, set_price.min_prompt_tokens);
    END IF;
    PERFORM chargeback.lock_price_key(p_provider, set_price.model, p_tier, set_price.min_prompt_tokens);
    SELECT * INTO cur FROM chargeback.price p
     WHERE p.provider = p_provider AND p.model = set_price.model AND p.service_tier = p_tier
       AND p.min_prompt_tokens = set_price.min_prompt_tokens AND p.valid_to IS NULL
     FOR UPDATE;
    IF FOUND THEN
        IF set_price.valid_from <= cur.valid_from THEN
            RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
                MESSAGE = format('cannot set the price of %s %s (%s tier) from %s: current price %s starts at %s',
                                 p_provider, set_price.model, p_tier, set_price.valid_from,
                                 cur.price_id, cur.valid_from),
                HINT = 'history is never rewritten: give a valid_from after the current price''s start, or correct the row with UPDATE';
        END IF;
        IF cur.rates = set_price.rates THEN
            RETURN cur.price_id;
        END IF;
        UPDATE chargeback.price p SET valid_to = set_price.valid_from WHERE p.price_id = cur.price_id;
    END IF;
    INSERT INTO chargeback.price (provider, model, service_tier, min_prompt_tokens, rates, valid_from, source)
    VALUES (p_provider, set_price.model, p_tier, set_price.min_prompt_tokens, set_price.rates,
            set_price.valid_from, coalesce(set_price.source, 'manual'))
    RETURNING price_id INTO new_id;
    RETURN new_id;
END
$$;
COMMENT ON FUNCTION chargeback.set_price(text, text, chargeback.token_rates, timestamptz, text, bigint, text) IS
    'close the current price of (provider, model, service_tier, min_prompt_tokens) at valid_from and open a new one';

-- Lookups through the backend's cached catalog (reloaded when the catalog changes).
CREATE FUNCTION chargeback.price_for(
    provider text, model text, at timestamptz DEFAULT now(),
    service_tier text DEFAULT 'standard', prompt_tokens bigint DEFAULT 0)
RETURNS chargeback.token_rates
    AS 'MODULE_PATHNAME', 'cb_price_for' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION chargeback.price_for(text, text, timestamptz, text, bigint) IS
    'the catalog rates for a request (NULL when none): exact model, then aliases, then date/version suffixes; requested tier, else standard';

CREATE FUNCTION chargeback.price_id_for(
    provider text, model text, at timestamptz DEFAULT now(),
    service_tier text DEFAULT 'standard', prompt_tokens bigint DEFAULT 0)
RETURNS bigint
    AS 'MODULE_PATHNAME', 'cb_price_id_for' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION chargeback.price_id_for(text, text, timestamptz, text, bigint) IS
    'the chargeback.price row price_for() would use (NULL when none)';

CREATE FUNCTION chargeback.list_cost(
    provider text, model text, at timestamptz, service_tier text, tokens chargeback.token_usage)
RETURNS numeric
    AS 'MODULE_PATHNAME', 'cb_list_cost' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION chargeback.list_cost(text, text, timestamptz, text, chargeback.token_usage) IS
    'catalog price of a request; its prompt size picks the long-context row (NULL when unpriced)';

CREATE FUNCTION chargeback.resolve_model(provider text, model text) RETURNS text
    AS 'MODULE_PATHNAME', 'cb_resolve_model' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION chargeback.resolve_model(text, text) IS
    'the catalog model a reported model name resolves to (NULL when none)';

CREATE FUNCTION chargeback.cache_stats(
    OUT cache text, OUT loads bigint, OUT entries bigint, OUT lookups bigint, OUT hits bigint)
RETURNS SETOF record
    AS 'MODULE_PATHNAME', 'cb_cache_stats' LANGUAGE C VOLATILE PARALLEL RESTRICTED;
COMMENT ON FUNCTION chargeback.cache_stats() IS
    'this backend''s catalog cache: times loaded, rows held, model-name lookups and cache hits';
-- Importing a published price catalog (LiteLLM's model_prices_and_context_window.json).

CREATE FUNCTION chargeback.parse_price_catalog(catalog jsonb, format text DEFAULT 'litellm',
    OUT provider text, OUT model text, OUT service_tier text, OUT min_prompt_tokens bigint,
    OUT rates chargeback.token_rates, OUT entry text)
RETURNS SETOF record
    AS 'MODULE_PATHNAME', 'cb_parse_price_catalog' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION chargeback.parse_price_catalog(jsonb, text) IS
    'the price rows a catalog yields (per-token costs become exact per-1M rates); bad entries are skipped whole with a WARNING';

-- Applies each row through set_price() unless the price in force at valid_from already has
-- exactly these rates, so re-importing an unchanged catalog changes nothing.
CREATE FUNCTION chargeback.import_prices(catalog jsonb, format text DEFAULT 'litellm',
    valid_from timestamptz DEFAULT now())
RETURNS integer
LANGUAGE plpgsql
SET search_path = pg_catalog, chargeback
AS $$
DECLARE
    r record;
    current_rates chargeback.token_rates;
    changed integer := 0;
BEGIN
    FOR r IN SELECT * FROM chargeback.parse_price_catalog(import_prices.catalog, import_prices.format)
             ORDER BY 1, 2, 3, 4
    LOOP
        SELECT p.rates INTO current_rates FROM chargeback.price p
         WHERE p.provider = r.provider AND p.model = r.model AND p.service_tier = r.service_tier
           AND p.min_prompt_tokens = r.min_prompt_tokens
           AND p.valid_from <= import_prices.valid_from
           AND (p.valid_to IS NULL OR p.valid_to > import_prices.valid_from);
        IF FOUND AND current_rates = r.rates THEN
            CONTINUE;
        END IF;
        PERFORM chargeback.set_price(r.provider, r.model, r.rates, import_prices.valid_from,
                                     r.service_tier, r.min_prompt_tokens, import_prices.format);
        changed := changed + 1;
    END LOOP;
    RETURN changed;
END
$$;
COMMENT ON FUNCTION chargeback.import_prices(jsonb, text, timestamptz) IS
    'import a LiteLLM price catalog; returns the number of price rows opened (0 when nothing changed)';
-- The organisation: units in a hierarchy, who belongs where and when, and ownership rules.

CREATE TABLE chargeback.org_unit (
    org_unit_id integer GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    code text NOT NULL CHECK (btrim(code) <> '' AND code = btrim(code)),
    name text NOT NULL,
    kind text NOT NULL DEFAULT 'department',
    parent_id integer REFERENCES chargeback.org_unit (org_unit_id),
    cost_center text,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX org_unit_code_idx ON chargeback.org_unit (lower(code));
CREATE INDEX org_unit_parent_idx ON chargeback.org_unit (parent_id);
COMMENT ON TABLE chargeback.org_unit IS
    'departments, teams and cost pools; codes are matched case-insensitively; unattributed is built in';
COMMENT ON COLUMN chargeback.org_unit.cost_center IS 'general-ledger cost center charged for this unit';

-- The built-in unit that owns what no rule, membership or explicit owner claims.
INSERT INTO chargeback.org_unit (code, name, kind) VALUES ('unattributed', 'Unattributed', 'pool');

-- A unit can never be its own ancestor. The walk is iterative and bounded.
CREATE FUNCTION chargeback.org_unit_check_parent() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, chargeback
AS $$
DECLARE
    cur integer := NEW.parent_id;
    steps integer := 0;
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.code = 'unattributed' AND NEW.code <> 'unattributed' THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
            MESSAGE = 'the built-in unit unattributed cannot be renamed';
    END IF;
    WHILE cur IS NOT NULL LOOP
        IF cur = NEW.org_unit_id THEN
            RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
                MESSAGE = format('org unit %s cannot have parent %s: that would make a cycle', NEW.code, NEW.parent_id);
        END IF;
        steps := steps + 1;
        IF steps > 1000 THEN
            RAISE EXCEPTION USING ERRCODE = 'program_limit_exceeded',
                MESSAGE = 'org unit hierarchy is deeper than 1000 levels';
        END IF;
        SELECT parent_id INTO cur FROM chargeback.org_unit WHERE org_unit_id = cur;
    END LOOP;
    RETURN NEW;
END
$$;
CREATE TRIGGER org_unit_check_parent BEFORE INSERT OR UPDATE ON chargeback.org_unit
    FOR EACH ROW EXECUTE FUNCTION chargeback.org_unit_check_parent();

CREATE FUNCTION chargeback.org_unit_protect() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, chargeback
AS $$
BEGIN
    IF OLD.code = 'unattributed' THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
            MESSAGE = 'the built-in unit unattributed cannot be deleted';
    END IF;
    RETURN OLD;
END
$$;
CREATE TRIGGER org_unit_protect BEFORE DELETE ON chargeback.org_unit
    FOR EACH ROW EXECUTE FUNCTION chargeback.org_unit_protect();

-- All units below a unit, the unit itself included (for org_unit budgets and viewers).
CREATE FUNCTION chargeback.org_unit_descendants(root integer) RETURNS SETOF integer
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, chargeback
AS $$
    WITH RECURSIVE tree(id, depth) AS (
        SELECT root, 0
        UNION ALL
        SELECT u.org_unit_id, t.depth + 1 FROM chargeback.org_unit u JOIN tree t ON u.parent_id = t.id
        WHERE t.depth < 1000
    )
    SELECT id FROM tree
$$;

CREATE TABLE chargeback.membership (
    membership_id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    principal text NOT NULL CHECK (principal <> ''),
    org_unit_id integer NOT NULL REFERENCES chargeback.org_unit (org_unit_id),
    valid_from timestamptz NOT NULL DEFAULT '-infinity',
    valid_to timestamptz CHECK (valid_to > valid_from)
);
CREATE INDEX membership_principal_idx ON chargeback.membership (principal, valid_from);
COMMENT ON TABLE chargeback.membership IS
    'who belongs to which unit, when: a principal (the user attribute of a request) is in one unit at a time';

-- Serializes changes to one principal's memberships until commit.
CREATE FUNCTION chargeback.lock_membership(principal text) RETURNS void LANGUAGE sql VOLATILE
AS $$ SELECT pg_advisory_xact_lock(hashtextextended('chargeback.membership ' || principal, 0)) $$;

-- A principal is in one unit at a time: ranges of one principal never overlap.
CREATE FUNCTION chargeback.membership_check_overlap() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, chargeback
AS $$
DECLARE
    other chargeback.membership;
BEGIN
    PERFORM chargeback.lock_membership(NEW.principal);
    SELECT * INTO other FROM chargeback.membership m
     WHERE m.principal = NEW.principal AND m.membership_id IS DISTINCT FROM NEW.membership_id
       AND tstzrange(m.valid_from, m.valid_to) && tstzrange(NEW.valid_from, NEW.valid_to)
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'exclusion_violation',
            MESSAGE = format('membership of %s from %s overlaps membership %s (from %s to %s)',
                             NEW.principal, NEW.valid_from, other.membership_id, other.valid_from,
                             coalesce(other.valid_to::text, 'open')),
            HINT = 'end the current membership first: chargeback.move_member() does both';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER membership_check_overlap BEFORE INSERT OR UPDATE ON chargeback.membership
    FOR EACH ROW EXECUTE FUNCTION chargeback.membership_check_overlap();

-- move_member: closes the principal's current membership at `at` and opens one in the new
-- unit (people move mid-month; usage before `at` stays with the old unit).
CREATE FUNCTION chargeback.move_member(principal text, org_unit text, at timestamptz DEFAULT now())
RETURNS bigint
LANGUAGE plpgsql
SET search_path = pg_catalog, chargeback
AS $$
DECLARE
    unit integer;
    new_id bigint;
BEGIN
    SELECT u.org_unit_id INTO unit FROM chargeback.org_unit u WHERE lower(u.code) = lower(move_member.org_unit);
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
            MESSAGE = format('unknown org unit %L', move_member.org_unit);
    END IF;
    PERFORM chargeback.lock_membership(move_member.principal);
    UPDATE chargeback.membership m SET valid_to = move_member.at
     WHERE m.principal = move_member.principal AND m.valid_from < move_member.at
       AND (m.valid_to IS NULL OR m.valid_to > move_member.at);
    INSERT INTO chargeback.membership (principal, org_unit_id, valid_from)
    VALUES (move_member.principal, unit, move_member.at) RETURNING membership_id INTO new_id;
    RETURN new_id;
END
$$;

-- Raises a clear error (rather than returning false) for a match that is not a flat object.
CREATE FUNCTION chargeback.valid_rule_match(jsonb) RETURNS boolean
    AS 'MODULE_PATHNAME', 'cb_valid_rule_match' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE TABLE chargeback.ownership_rule (
    rule_id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    priority integer NOT NULL DEFAULT 0,
    match jsonb NOT NULL CHECK (chargeback.valid_rule_match(match)),
    org_unit_id integer NOT NULL REFERENCES chargeback.org_unit (org_unit_id),
    project text,
    valid_from timestamptz NOT NULL DEFAULT '-infinity',
    valid_to timestamptz CHECK (valid_to > valid_from),
    description text
);
COMMENT ON TABLE chargeback.ownership_rule IS
    'who owns requests whose attributes contain match (jsonb @>); highest priority wins, then lowest rule_id';

-- Attribution is cached per backend; a change to units, memberships or rules reloads it.
CREATE TRIGGER org_unit_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON chargeback.org_unit
    FOR EACH STATEMENT EXECUTE FUNCTION chargeback.catalog_changed();
CREATE TRIGGER membership_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON chargeback.membership
    FOR EACH STATEMENT EXECUTE FUNCTION chargeback.catalog_changed();
CREATE TRIGGER ownership_rule_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON chargeback.ownership_rule
    FOR EACH STATEMENT EXECUTE FUNCTION chargeback.catalog_changed();

-- resolve_owner: who would own a request with these attributes at that time, and why.
CREATE FUNCTION chargeback.resolve_owner(attrs jsonb, at timestamptz DEFAULT now(),
    OUT org_unit_id integer, OUT project text, OUT reason text)
RETURNS SETOF record
    AS 'MODULE_PATHNAME', 'cb_resolve_owner' LANGUAGE C STABLE STRICT PARALLEL SAFE ROWS 1;
COMMENT ON FUNCTION chargeback.resolve_owner(jsonb, timestamptz) IS
    'owner of a request: explicit org_unit/department attribute, else the highest-priority matching rule (reason rule:<id>), else the principal''s membership, else unattributed';
-- Usage: every request, priced and owned, partitioned by accounting period (month).

CREATE TABLE chargeback.usage (
    usage_id bigint NOT NULL,
    occurred_at timestamptz NOT NULL,
    request_id text,
    provider text NOT NULL,
    model text NOT NULL,
    service_tier text NOT NULL DEFAULT 'standard',
    principal text,
    org_unit_id integer NOT NULL,
    project text,
    activity_type text,
    activity_id text,
    attrs jsonb NOT NULL DEFAULT '{}',
    tokens chargeback.token_usage NOT NULL,
    list_cost numeric,
    cost numeric,
    currency text,
    period date NOT NULL,
    status text NOT NULL CHECK (status IN ('priced', 'unpriced')),
    source text NOT NULL,
    ingested_at timestamptz NOT NULL DEFAULT now(),
    price_id bigint,
    owner_reason text NOT NULL,
    owner_rule_id bigint,
    adjusts_period date,
    PRIMARY KEY (usage_id, period)
) PARTITION BY RANGE (period);
-- Usage arrives roughly in time order: a BRIN index finds time ranges (reprice, late
-- arrivals) at a fraction of a b-tree's cost on the ingest path. Reports read the rollups.
CREATE INDEX usage_occurred_idx ON chargeback.usage USING brin (occurred_at);
-- Cached per backend: bulk ingest takes thousands of ids per batch.
CREATE SEQUENCE chargeback.usage_usage_id_seq CACHE 100 OWNED BY chargeback.usage.usage_id;
ALTER TABLE chargeback.usage ALTER COLUMN usage_id SET DEFAULT nextval('chargeback.usage_usage_id_seq');
COMMENT ON TABLE chargeback.usage IS
    'one row per request (or usage-report bucket): tokens, exact list price and cost, owner; partitioned by month';
COMMENT ON COLUMN chargeback.usage.period IS 'accounting month (first day) the usage is booked in';
COMMENT ON COLUMN chargeback.usage.list_cost IS 'catalog price of the request, exact; NULL when unpriced';
COMMENT ON COLUMN chargeback.usage.cost IS 'cost charged (list cost today); NULL when unpriced';
COMMENT ON COLUMN chargeback.usage.status IS 'priced, or unpriced when no catalog price matched (see chargeback.unpriced_usage)';
COMMENT ON COLUMN chargeback.usage.adjusts_period IS
    'for usage that arrived after its month was closed: that month (the row is booked into the next open one as an adjustment)';
COMMENT ON COLUMN chargeback.usage.owner_reason IS 'explicit, rule, membership or unattributed (see chargeback.explain)';

-- (provider, request_id) is unique across every partition: the usage table cannot carry
-- such an index (its key must include the period), so this table does. Re-ingesting a
-- request finds its row here and charges nothing.
CREATE TABLE chargeback.usage_request (
    provider text COLLATE "C" NOT NULL,
    request_id text COLLATE "C" NOT NULL,
    usage_id bigint NOT NULL,
    PRIMARY KEY (provider, request_id)
);
COMMENT ON TABLE chargeback.usage_request IS 'the usage row of each (provider, request_id): makes re-ingestion idempotent';

CREATE TABLE chargeback.usage_duplicate (
    provider text NOT NULL,
    request_id text NOT NULL,
    usage_id bigint NOT NULL,
    source text NOT NULL,
    seen_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE chargeback.usage_duplicate IS 'requests sent again after they were recorded: dropped, never charged twice';

CREATE TABLE chargeback.usage_rejected (
    rejected_id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    payload text,
    attrs text,
    format text,
    sqlstate text NOT NULL,
    error text NOT NULL,
    rejected_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE chargeback.usage_rejected IS
    'bulk rows that could not be ingested, with the SQLSTATE and message; the rest of their batch landed';

-- Partitions are made on demand, one per month; ensure_partitions() makes them ahead of time.
CREATE FUNCTION chargeback.ensure_partitions(first_period date, last_period date) RETURNS integer
LANGUAGE plpgsql
SET search_path = pg_catalog, chargeback
AS $$
DECLARE
    p date := date_trunc('month', first_period)::date;
    made integer := 0;
    name text;
BEGIN
    WHILE p <= last_period LOOP
        name := format('usage_%s', to_char(p, 'YYYY_MM'));
        IF to_regclass('chargeback.' || name) IS NULL THEN
            PERFORM pg_advisory_xact_lock(hashtextextended('chargeback.usage partition ' || name, 0));
            IF to_regclass('chargeback.' || name) IS NULL THEN
                EXECUTE format('CREATE TABLE chargeback.%I PARTITION OF chargeback.usage FOR VALUES FROM (%L) TO (%L)',
                               name, p, (p + interval '1 month')::date);
                made := made + 1;
            END IF;
        END IF;
        p := (p + interval '1 month')::date;
    END LOOP;
    RETURN made;
END
$$;
COMMENT ON FUNCTION chargeback.ensure_partitions(date, date) IS
    'creates the monthly usage partitions from first_period to last_period that do not exist yet';

-- Usage whose model no catalog price matched: visible, never dropped; fix the catalog and
-- run chargeback.reprice().
CREATE VIEW chargeback.unpriced_usage AS
SELECT provider, model, service_tier, count(*) AS requests,
       chargeback.sum(tokens) AS tokens, min(occurred_at) AS first_seen, max(occurred_at) AS last_seen
FROM chargeback.usage
WHERE status = 'unpriced'
GROUP BY provider, model, service_tier;
COMMENT ON VIEW chargeback.unpriced_usage IS 'models used without a catalog price, to fix with set_price() or model_alias, then reprice()';
-- Ingestion: parse_usage(), ingest(), and the bulk path through the usage_inbox views.

CREATE FUNCTION chargeback.period_of(at timestamptz) RETURNS date
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
    SELECT (date_trunc('month', at, coalesce(nullif(current_setting('chargeback.timezone', true), ''), 'UTC'))
            AT TIME ZONE coalesce(nullif(current_setting('chargeback.timezone', true), ''), 'UTC'))::date
$$;
COMMENT ON FUNCTION chargeback.period_of(timestamptz) IS
    'the accounting month of a time, in the chargeback.timezone setting (default UTC)';

CREATE FUNCTION chargeback.parse_usage(payload jsonb, format text DEFAULT 'auto',
    OUT provider text, OUT model text, OUT occurred_at timestamptz, OUT request_id text,
    OUT service_tier text, OUT tokens chargeback.token_usage, OUT attrs jsonb)
RETURNS SETOF record
    AS 'MODULE_PATHNAME', 'cb_parse_usage' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION chargeback.parse_usage(jsonb, text) IS
    'the usage rows a provider payload, canonical row or envelope holds (pure: nothing is stored)';

CREATE FUNCTION chargeback.ingest(payload jsonb, attrs jsonb DEFAULT '{}', format text DEFAULT 'auto')
RETURNS bigint
    AS 'MODULE_PATHNAME', 'cb_ingest' LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION chargeback.ingest(jsonb, jsonb, text) IS
    'parse, price, attribute and store one payload; returns its usage_id (the recorded one for a repeated request)';

-- The bulk path: COPY JSON lines into usage_inbox (or raw text lines into usage_inbox_text,
-- where even invalid JSON lands in usage_rejected). Nothing is stored in the views: each row
-- is ingested in the same statement, or rejected with its reason. The payload column is
-- json rather than jsonb: COPY only validates it and hands the text on, instead of building a
-- jsonb tree that would be turned back into text at once (jsonb values still insert fine).
CREATE VIEW chargeback.usage_inbox AS
    SELECT NULL::json AS payload, NULL::jsonb AS attrs, NULL::text AS format WHERE false;
ALTER VIEW chargeback.usage_inbox ALTER COLUMN format SET DEFAULT 'auto';
COMMENT ON VIEW chargeback.usage_inbox IS
    'COPY or INSERT usage payloads here: each row is ingested in the same statement, or lands in usage_rejected';
CREATE VIEW chargeback.usage_inbox_text AS
    SELECT NULL::text AS payload, NULL::jsonb AS attrs, NULL::text AS format WHERE false;
ALTER VIEW chargeback.usage_inbox_text ALTER COLUMN format SET DEFAULT 'auto';
COMMENT ON VIEW chargeback.usage_inbox_text IS
    'like usage_inbox for raw text lines: a line that is not JSON is rejected instead of failing the COPY';

CREATE FUNCTION chargeback.usage_inbox_insert() RETURNS trigger
    AS 'MODULE_PATHNAME', 'cb_usage_inbox_insert' LANGUAGE C;
CREATE FUNCTION chargeback.usage_inbox_flush() RETURNS trigger
    AS 'MODULE_PATHNAME', 'cb_usage_inbox_flush' LANGUAGE C;
CREATE TRIGGER usage_inbox_insert INSTEAD OF INSERT ON chargeback.usage_inbox
    FOR EACH ROW EXECUTE FUNCTION chargeback.usage_inbox_insert();
CREATE TRIGGER usage_inbox_flush AFTER INSERT ON chargeback.usage_inbox
    FOR EACH STATEMENT EXECUTE FUNCTION chargeback.usage_inbox_flush();
CREATE TRIGGER usage_inbox_insert INSTEAD OF INSERT ON chargeback.usage_inbox_text
    FOR EACH ROW EXECUTE FUNCTION chargeback.usage_inbox_insert();
CREATE TRIGGER usage_inbox_flush AFTER INSERT ON chargeback.usage_inbox_text
    FOR EACH STATEMENT EXECUTE FUNCTION chargeback.usage_inbox_flush();
-- Every number explains itself: explain() and reprice().

CREATE FUNCTION chargeback.explain(usage_id bigint) RETURNS jsonb
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, chargeback
AS $$
    SELECT jsonb_build_object(
        'usage_id', u.usage_id,
        'request_id', u.request_id,
        'occurred_at', u.occurred_at,
        'period', u.period,
        'provider', u.provider,
        'model', u.model,
        'catalog_model', p.model,
        'service_tier', u.service_tier,
        'source', u.source,
        'status', u.status,
        'tokens', u.tokens::jsonb,
        'owner', jsonb_build_object(
            'org_unit', o.code,
            'name', o.name,
            'cost_center', o.cost_center,
            'project', u.project,
            'principal', u.principal,
            'reason', u.owner_reason,
            'rule', (SELECT jsonb_build_object('rule_id', r.rule_id, 'priority', r.priority, 'match', r.match,
                                               'description', r.description)
                     FROM chargeback.ownership_rule r WHERE r.rule_id = u.owner_rule_id),
            'membership', (SELECT jsonb_build_object('membership_id', m.membership_id, 'valid_from', m.valid_from,
                                                     'valid_to', m.valid_to)
                           FROM chargeback.membership m
                           WHERE u.owner_reason = 'membership' AND m.principal = u.principal
                             AND m.valid_from <= u.occurred_at AND (m.valid_to IS NULL OR m.valid_to > u.occurred_at))),
        'price', CASE WHEN p.price_id IS NULL THEN NULL ELSE jsonb_build_object(
            'price_id', p.price_id, 'model', p.model, 'service_tier', p.service_tier,
            'min_prompt_tokens', p.min_prompt_tokens, 'valid_from', p.valid_from, 'valid_to', p.valid_to,
            'source', p.source, 'rates', p.rates::jsonb) END,
        'lines', (SELECT coalesce(jsonb_agg(jsonb_build_object(
                        'class', c.class, 'tokens', c.n, 'rate', c.rate,
                        'cost', trim_scale(CASE WHEN c.class IN ('requests', 'web_searches') THEN c.n * c.rate
                                                ELSE c.n * c.rate / 1000000 END)) ORDER BY c.ord), '[]'::jsonb)
                  FROM (SELECT k.class, k.ord, chargeback.tokens(u.tokens, k.class) AS n,
                               chargeback.rate(p.rates, k.class) AS rate
                        FROM unnest(ARRAY['input', 'cache_read', 'cache_write', 'cache_write_1h', 'output',
                                          'reasoning', 'audio_input', 'audio_output', 'image_input',
                                          'image_output', 'requests', 'web_searches']) WITH ORDINALITY AS k(class, ord)) c
                  WHERE c.n <> 0 AND p.price_id IS NOT NULL),
        'list_cost', u.list_cost,
        'cost', u.cost,
        'currency', u.currency)
    FROM chargeback.usage u
    JOIN chargeback.org_unit o ON o.org_unit_id = u.org_unit_id
    LEFT JOIN chargeback.price p ON p.price_id = u.price_id
    WHERE u.usage_id = explain.usage_id
$$;
COMMENT ON FUNCTION chargeback.explain(bigint) IS
    'why a usage row costs what it costs and who owns it: owner and reason/rule, price row, rates, cost per class';

-- reprice: prices usage in [since, until) again from the current catalog (after a fix, a
-- new alias, a corrected row). Returns the number of rows whose price changed.
CREATE FUNCTION chargeback.reprice(since timestamptz, until timestamptz) RETURNS bigint
LANGUAGE plpgsql
SET search_path = pg_catalog, chargeback
AS $$
DECLARE
    changed bigint;
BEGIN
    WITH fresh AS (
        SELECT u.usage_id, u.period,
               chargeback.price_id_for(u.provider, u.model, u.occurred_at, u.service_tier,
                                       chargeback.prompt_tokens(u.tokens)) AS price_id
        FROM chargeback.usage u
        WHERE u.occurred_at >= reprice.since AND u.occurred_at < reprice.until
          -- closed months are frozen: their final run already billed these rows
          AND NOT EXISTS (SELECT 1 FROM chargeback.period c WHERE c.period = u.period AND c.status = 'closed')
    ), priced AS (
        SELECT f.usage_id, f.period, f.price_id, p.rates
        FROM fresh f LEFT JOIN chargeback.price p ON p.price_id = f.price_id
    )
    UPDATE chargeback.usage u
       SET price_id = q.price_id,
           list_cost = chargeback.cost(u.tokens, q.rates),
           cost = chargeback.cost(u.tokens, q.rates),
           currency = chargeback.currency(q.rates),
           status = CASE WHEN q.price_id IS NULL THEN 'unpriced' ELSE 'priced' END
      FROM priced q
     WHERE u.usage_id = q.usage_id AND u.period = q.period
       AND (u.price_id IS DISTINCT FROM q.price_id OR u.list_cost IS DISTINCT FROM chargeback.cost(u.tokens, q.rates));
    GET DIAGNOSTICS changed = ROW_COUNT;
    RETURN changed;
END
$$;
COMMENT ON FUNCTION chargeback.reprice(timestamptz, timestamptz) IS
    'prices the usage of [since, until) again from the current catalog; returns the number of rows changed';
-- Budgets: spend counted in the same transaction as the usage, alerts once per threshold,
-- and hard caps enforced before requests through authorize() and reservations.

-- The start of the budget period containing `at`, in the chargeback.timezone setting.
CREATE FUNCTION chargeback.budget_period_start(period text, at timestamptz) RETURNS date
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
    SELECT (date_trunc(period, at, coalesce(nullif(current_setting('chargeback.timezone', true), ''), 'UTC'))
            AT TIME ZONE coalesce(nullif(current_setting('chargeback.timezone', true), ''), 'UTC'))::date
$$;

-- The last day of the period that starts on `start`.
CREATE FUNCTION chargeback.budget_period_end(period text, start date) RETURNS date
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT (start + CASE period WHEN 'day' THEN interval '1 day' WHEN 'week' THEN interval '1 week'
                                WHEN 'month' THEN interval '1 month' WHEN 'quarter' THEN interval '3 months'
                                ELSE interval '1 year' END)::date - 1
$$;

CREATE TABLE chargeback.budget (
    budget_id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    name text NOT NULL UNIQUE,
    scope text NOT NULL,
    scope_value text,
    period text NOT NULL DEFAULT 'month',
    amount numeric NOT NULL,
    currency text NOT NULL DEFAULT 'USD',
    thresholds numeric[] NOT NULL DEFAULT '{0.5,0.8,1.0}',
    enforcement text NOT NULL DEFAULT 'alert',
    valid_from timestamptz NOT NULL DEFAULT '-infinity',
    valid_to timestamptz,
    created_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE chargeback.budget IS
    'spending limits per scope (global, org_unit with its descendants, project, principal, provider, model) and period; alert or block';

-- Definitions are checked with errors that say what is wrong (a CHECK would only name itself).
CREATE FUNCTION chargeback.budget_before_write() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, chargeback
AS $$
DECLARE
    t numeric;
BEGIN
    IF NEW.scope NOT IN ('global', 'org_unit', 'project', 'principal', 'provider', 'model') THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
            MESSAGE = format('unknown budget scope %L', NEW.scope),
            HINT = 'scopes: global, org_unit, project, principal, provider, model';
    END IF;
    IF NEW.scope = 'global' THEN
        NEW.scope_value := NULL;
    ELSIF NEW.scope_value IS NULL OR NEW.scope_value = '' THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
            MESSAGE = format('budget %L of scope %s needs a scope_value', NEW.name, NEW.scope);
    ELSIF NEW.scope = 'org_unit' AND NOT EXISTS (SELECT 1 FROM chargeback.org_unit u WHERE lower(u.code) = lower(NEW.scope_value)) THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
            MESSAGE = format('budget %L: unknown org unit %L', NEW.name, NEW.scope_value);
    ELSIF NEW.scope = 'provider' THEN
        NEW.scope_value := chargeback.normalize_provider(NEW.scope_value);
    END IF;
    IF NEW.period NOT IN ('day', 'week', 'month', 'quarter', 'year') THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
            MESSAGE = format('unknown budget period %L', NEW.period),
            HINT = 'periods: day, week, month, quarter, year';
    END IF;
    IF NEW.amount IS NULL OR NEW.amount < 0 THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
            MESSAGE = format('budget %L: amount must be zero or more, not %s', NEW.name, NEW.amount);
    END IF;
    IF NEW.enforcement NOT IN ('alert', 'block') THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
            MESSAGE = format('unknown budget enforcement %L', NEW.enforcement), HINT = 'alert or block';
    END IF;
    IF cardinality(NEW.thresholds) = 0 THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
            MESSAGE = format('budget %L needs at least one threshold', NEW.name);
    END IF;
    FOREACH t IN ARRAY NEW.thresholds LOOP
        IF t IS NULL OR t <= 0 OR t > 10 THEN
            RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
                MESSAGE = format('budget %L: threshold %s is outside (0, 10]', NEW.name, t),
                HINT = 'thresholds are fractions of the amount: 0.5 is half, 1.0 the whole';
        END IF;
    END LOOP;
    NEW.thresholds := ARRAY(SELECT DISTINCT x FROM unnest(NEW.thresholds) x ORDER BY x);
    IF NOT chargeback.is_currency(NEW.currency) THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
            MESSAGE = format('budget %L: unknown currency %L', NEW.name, NEW.currency);
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER budget_before_write BEFORE INSERT OR UPDATE ON chargeback.budget
    FOR EACH ROW EXECUTE FUNCTION chargeback.budget_before_write();

-- Spend per budget and day, kept current by the triggers on usage (a rollup, not a scan).
CREATE TABLE chargeback.budget_spend (
    budget_id bigint NOT NULL REFERENCES chargeback.budget ON DELETE CASCADE,
    day date NOT NULL,
    spend numeric NOT NULL DEFAULT 0,
    PRIMARY KEY (budget_id, day)
);
COMMENT ON TABLE chargeback.budget_spend IS 'spend per budget and day (in chargeback.timezone), maintained as usage lands';

CREATE TABLE chargeback.budget_event (
    event_id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    budget_id bigint NOT NULL REFERENCES chargeback.budget ON DELETE CASCADE,
    period_start date NOT NULL,
    kind text NOT NULL CHECK (kind IN ('threshold', 'forecast')),
    threshold numeric NOT NULL,
    spend numeric NOT NULL,
    amount numeric NOT NULL,
    forecast numeric,
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (budget_id, period_start, kind, threshold)
);
COMMENT ON TABLE chargeback.budget_event IS
    'one row per (budget, period, threshold) crossed, and one per projected overrun; each also sent as NOTIFY chargeback_budget';

-- Holds of estimated cost against budgets, made by authorize() before a request.
CREATE SEQUENCE chargeback.reservation_id_seq;
CREATE TABLE chargeback.reservation (
    reservation_id bigint NOT NULL DEFAULT nextval('chargeback.reservation_id_seq'),
    budget_id bigint NOT NULL REFERENCES chargeback.budget ON DELETE CASCADE,
    period_start date NOT NULL,
    amount numeric NOT NULL CHECK (amount >= 0),
    request_id text,
    attrs jsonb NOT NULL DEFAULT '{}',
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL DEFAULT now() + interval '10 minutes',
    settled_at timestamptz,
    settled_usage_id bigint,
    PRIMARY KEY (reservation_id, budget_id)
);
CREATE INDEX reservation_open_idx ON chargeback.reservation (budget_id, period_start) WHERE settled_at IS NULL;
CREATE INDEX reservation_request_idx ON chargeback.reservation (request_id) WHERE settled_at IS NULL;
COMMENT ON TABLE chargeback.reservation IS
    'estimated cost held against a budget until the request''s usage arrives (settled) or the hold expires; never counted once settled or expired';

-- The units each org_unit budget covers (the unit and its descendants), kept current by
-- statement triggers on budget and org_unit, so matching usage to budgets is a plain join.
CREATE TABLE chargeback.budget_unit (
    budget_id bigint NOT NULL REFERENCES chargeback.budget ON DELETE CASCADE,
    org_unit_id integer NOT NULL,
    PRIMARY KEY (budget_id, org_unit_id)
);
CREATE INDEX budget_unit_unit_idx ON chargeback.budget_unit (org_unit_id);

CREATE FUNCTION chargeback.refresh_budget_units() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, chargeback
AS $$
BEGIN
    DELETE FROM chargeback.budget_unit;
    INSERT INTO chargeback.budget_unit (budget_id, org_unit_id)
    SELECT DISTINCT b.budget_id, x
    FROM chargeback.budget b JOIN chargeback.org_unit u ON lower(u.code) = lower(b.scope_value),
         LATERAL chargeback.org_unit_descendants(u.org_unit_id) x
    WHERE b.scope = 'org_unit';
    RETURN NULL;
END
$$;
CREATE TRIGGER budget_units_on_budget AFTER INSERT OR UPDATE OR DELETE ON chargeback.budget
    FOR EACH STATEMENT EXECUTE FUNCTION chargeback.refresh_budget_units();
CREATE TRIGGER budget_units_on_org_unit AFTER INSERT OR UPDATE OR DELETE ON chargeback.org_unit
    FOR EACH STATEMENT EXECUTE FUNCTION chargeback.refresh_budget_units();

-- The budgets that apply to usage of this owner, project, principal, provider and model at
-- `at`. An org_unit budget covers the unit and all its descendants.
CREATE FUNCTION chargeback.applicable_budgets(at timestamptz, org_unit_id integer, project text,
                                              principal text, provider text, model text)
RETURNS SETOF chargeback.budget
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, chargeback
AS $$
    SELECT b.* FROM chargeback.budget b
    WHERE b.valid_from <= at AND (b.valid_to IS NULL OR b.valid_to > at)
      AND CASE b.scope
            WHEN 'global' THEN true
            WHEN 'org_unit' THEN EXISTS (SELECT 1 FROM chargeback.budget_unit bu
                                         WHERE bu.budget_id = b.budget_id AND bu.org_unit_id = applicable_budgets.org_unit_id)
            WHEN 'project' THEN b.scope_value = applicable_budgets.project
            WHEN 'principal' THEN b.scope_value = applicable_budgets.principal
            WHEN 'provider' THEN b.scope_value = applicable_budgets.provider
            WHEN 'model' THEN b.scope_value = applicable_budgets.model
                              OR b.scope_value = chargeback.resolve_model(applicable_budgets.provider, applicable_budgets.model)
          END
$$;

-- A budget's spend, and its open holds, in the period starting at period_start.
CREATE FUNCTION chargeback.budget_spent(budget_id bigint, period_start date) RETURNS numeric
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, chargeback
AS $$
    SELECT coalesce(sum(s.spend), 0) FROM chargeback.budget_spend s JOIN chargeback.budget b USING (budget_id)
    WHERE s.budget_id = budget_spent.budget_id
      AND s.day BETWEEN budget_spent.period_start AND chargeback.budget_period_end(b.period, budget_spent.period_start)
$$;
CREATE FUNCTION chargeback.budget_held(budget_id bigint, period_start date) RETURNS numeric
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, chargeback
AS $$
    SELECT coalesce(sum(r.amount), 0) FROM chargeback.reservation r
    WHERE r.budget_id = budget_held.budget_id AND r.period_start = budget_held.period_start
      AND r.settled_at IS NULL AND r.expires_at > now()
$$;

-- Every hold is checked here, whether authorize() or a plain INSERT made it: a block budget
-- whose spend + open holds + this hold would exceed its amount refuses it with SQLSTATE
-- CB001. The advisory lock serializes holds on one budget, so concurrent callers cannot
-- jointly overspend; the check reads committed holds with a fresh snapshot, which only READ
-- COMMITTED gives.
CREATE FUNCTION chargeback.reservation_before_insert() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, chargeback
AS $$
DECLARE
    b chargeback.budget;
    spent numeric;
    held numeric;
BEGIN
    SELECT * INTO b FROM chargeback.budget WHERE budget_id = NEW.budget_id;
    NEW.period_start := coalesce(NEW.period_start, chargeback.budget_period_start(b.period, now()));
    IF b.enforcement <> 'block' THEN
        RETURN NEW;
    END IF;
    IF current_setting('transaction_isolation') <> 'read committed' THEN
        RAISE EXCEPTION USING ERRCODE = 'CB002',
            MESSAGE = 'holds on a block budget need READ COMMITTED isolation',
            HINT = 'call chargeback.authorize() outside REPEATABLE READ and SERIALIZABLE transactions';
    END IF;
    PERFORM pg_advisory_xact_lock(hashtext('chargeback.budget'), NEW.budget_id::integer);
    spent := chargeback.budget_spent(NEW.budget_id, NEW.period_start);
    held := chargeback.budget_held(NEW.budget_id, NEW.period_start);
    IF spent + held + NEW.amount > b.amount THEN
        RAISE EXCEPTION USING ERRCODE = 'CB001',
            MESSAGE = format('budget %s (%s from %s) would be exceeded: spend %s + held %s + request %s > %s %s',
                             b.name, b.period, NEW.period_start, spent, held, NEW.amount, b.amount, b.currency),
            DETAIL = format('remaining %s %s', greatest(b.amount - spent - held, 0), b.currency),
            HINT = 'the request is not authorized; raise the budget, or wait for the next period';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER reservation_before_insert BEFORE INSERT ON chargeback.reservation
    FOR EACH ROW EXECUTE FUNCTION chargeback.reservation_before_insert();

-- authorize: the pre-request check for gateways. Estimates the cost from the catalog and
-- holds it against every applicable budget; a block budget that would be exceeded denies.
CREATE FUNCTION chargeback.authorize(attrs jsonb, provider text, model text, estimate chargeback.token_usage,
                                     service_tier text DEFAULT 'standard', ttl interval DEFAULT '10 minutes')
RETURNS TABLE (reservation_id bigint, allowed boolean, reason text, estimated_cost numeric)
LANGUAGE plpgsql
SET search_path = pg_catalog, chargeback
AS $$
DECLARE
    o record;
    cost numeric;
    rid bigint := nextval('chargeback.reservation_id_seq');
    n integer;
    msg text;
    p_provider text := chargeback.normalize_provider(authorize.provider);
BEGIN
    SELECT * INTO o FROM chargeback.resolve_owner(coalesce(authorize.attrs, '{}'), now());
    cost := chargeback.list_cost(p_provider, authorize.model, now(), authorize.service_tier, authorize.estimate);
    IF cost IS NULL THEN
        -- Nothing to hold: the usage will still be recorded (unpriced) when it arrives.
        RETURN QUERY SELECT NULL::bigint, true, 'allowed: no catalog price for this model, nothing held', NULL::numeric;
        RETURN;
    END IF;
    BEGIN
        -- In budget_id order, so two callers lock shared budgets in the same order.
        INSERT INTO chargeback.reservation (reservation_id, budget_id, amount, request_id, attrs, expires_at)
        SELECT rid, b.budget_id, cost, authorize.attrs->>'request_id', coalesce(authorize.attrs, '{}'),
               now() + authorize.ttl
        FROM chargeback.applicable_budgets(now(), o.org_unit_id, coalesce(authorize.attrs->>'project', o.project),
                                           coalesce(authorize.attrs->>'user', authorize.attrs->>'principal'),
                                           p_provider, authorize.model) b
        ORDER BY b.budget_id;
        GET DIAGNOSTICS n = ROW_COUNT;
    EXCEPTION WHEN SQLSTATE 'CB001' THEN
        GET STACKED DIAGNOSTICS msg = MESSAGE_TEXT;
        RETURN QUERY SELECT NULL::bigint, false, msg, cost;
        RETURN;
    END;
    RETURN QUERY SELECT CASE WHEN n > 0 THEN rid END, true,
        CASE WHEN n = 0 THEN 'allowed: no budget applies' ELSE format('allowed: %s held on %s budget(s)', cost, n) END,
        cost;
END
$$;
COMMENT ON FUNCTION chargeback.authorize(jsonb, text, text, chargeback.token_usage, text, interval) IS
    'pre-request check: holds the estimated cost on every applicable budget; a block budget that would be exceeded denies (reason names it)';

-- Usage changes budget spend in the same statement: one set-based pass per statement over
-- the transition table (inserted rows count +cost, deleted rows -cost, updates both).
-- Crossing a threshold writes one budget_event per (budget, period, threshold) and sends
-- NOTIFY chargeback_budget; usage whose request_id or attrs.reservation_id matches an open
-- hold settles it. Recorded usage is never refused: it already happened.
CREATE FUNCTION chargeback.usage_budget_sync() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, chargeback
AS $$
DECLARE
    delta_sql text;
    tz text := coalesce(nullif(current_setting('chargeback.timezone', true), ''), 'UTC');
    ev record;
    touched bigint[];
BEGIN
    IF NOT EXISTS (SELECT 1 FROM chargeback.budget) AND NOT EXISTS (SELECT 1 FROM chargeback.reservation WHERE settled_at IS NULL) THEN
        RETURN NULL;
    END IF;
    delta_sql := CASE TG_OP
        WHEN 'INSERT' THEN 'SELECT occurred_at, org_unit_id, project, principal, provider, model, cost AS delta FROM new_rows WHERE cost IS NOT NULL'
        WHEN 'DELETE' THEN 'SELECT occurred_at, org_unit_id, project, principal, provider, model, -cost AS delta FROM old_rows WHERE cost IS NOT NULL'
        ELSE 'SELECT occurred_at, org_unit_id, project, principal, provider, model, cost AS delta FROM new_rows WHERE cost IS NOT NULL
              UNION ALL
              SELECT occurred_at, org_unit_id, project, principal, provider, model, -cost FROM old_rows WHERE cost IS NOT NULL'
    END;
    IF EXISTS (SELECT 1 FROM chargeback.budget) THEN
        EXECUTE format($q$
            WITH d AS (%s),
            hits AS (
                SELECT b.budget_id, d.occurred_at, d.delta FROM d JOIN chargeback.budget b ON b.scope = 'global'
                UNION ALL SELECT u.budget_id, d.occurred_at, d.delta FROM d JOIN chargeback.budget_unit u USING (org_unit_id)
                UNION ALL SELECT b.budget_id, d.occurred_at, d.delta FROM d JOIN chargeback.budget b ON b.scope = 'project' AND b.scope_value = d.project
                UNION ALL SELECT b.budget_id, d.occurred_at, d.delta FROM d JOIN chargeback.budget b ON b.scope = 'principal' AND b.scope_value = d.principal
                UNION ALL SELECT b.budget_id, d.occurred_at, d.delta FROM d JOIN chargeback.budget b ON b.scope = 'provider' AND b.scope_value = d.provider
                UNION ALL SELECT b.budget_id, d.occurred_at, d.delta FROM d JOIN chargeback.budget b ON b.scope = 'model'
                          AND (b.scope_value = d.model OR b.scope_value = chargeback.resolve_model(d.provider, d.model))),
            up AS (
                INSERT INTO chargeback.budget_spend AS s (budget_id, day, spend)
                SELECT h.budget_id, (h.occurred_at AT TIME ZONE %L)::date, sum(h.delta)
                FROM hits h JOIN chargeback.budget b USING (budget_id)
                WHERE b.valid_from <= h.occurred_at AND (b.valid_to IS NULL OR b.valid_to > h.occurred_at)
                GROUP BY 1, 2
                ON CONFLICT (budget_id, day) DO UPDATE SET spend = s.spend + EXCLUDED.spend
                RETURNING budget_id)
            -- Only the budgets this statement changed can have crossed anything.
            SELECT array_agg(DISTINCT budget_id) FROM up
        $q$, delta_sql, tz) INTO touched;

        -- Thresholds crossed in the current period of each budget, once each.
        FOR ev IN
            WITH cur AS (
                SELECT b.*, chargeback.budget_period_start(b.period, now()) AS ps FROM chargeback.budget b
                WHERE b.budget_id = ANY (touched)
                  AND b.valid_from <= now() AND (b.valid_to IS NULL OR b.valid_to > now())),
            spent AS (SELECT cur.*, chargeback.budget_spent(cur.budget_id, cur.ps) AS spend FROM cur),
            crossed AS (
                INSERT INTO chargeback.budget_event (budget_id, period_start, kind, threshold, spend, amount)
                SELECT s.budget_id, s.ps, 'threshold', t, s.spend, s.amount
                FROM spent s, unnest(s.thresholds) t
                WHERE s.spend >= t * s.amount
                ON CONFLICT DO NOTHING
                RETURNING *)
            SELECT c.*, b.name, b.currency FROM crossed c JOIN chargeback.budget b USING (budget_id)
        LOOP
            PERFORM pg_notify('chargeback_budget', json_build_object(
                'event', 'threshold', 'budget_id', ev.budget_id, 'budget', ev.name, 'period_start', ev.period_start,
                'threshold', ev.threshold, 'spend', ev.spend, 'amount', ev.amount, 'currency', ev.currency)::text);
        END LOOP;

        -- A projected overrun of the current period (week or longer), once per period.
        FOR ev IN
            WITH cur AS (
                SELECT b.budget_id, b.amount, b.period, chargeback.budget_period_start(b.period, now()) AS ps
                FROM chargeback.budget b
                WHERE b.budget_id = ANY (touched)
                  AND b.period <> 'day' AND b.valid_from <= now() AND (b.valid_to IS NULL OR b.valid_to > now())
                  AND NOT EXISTS (SELECT 1 FROM chargeback.budget_event e WHERE e.budget_id = b.budget_id
                                  AND e.kind = 'forecast' AND e.period_start = chargeback.budget_period_start(b.period, now()))),
            projected AS (
                SELECT cur.*, chargeback.budget_spent(cur.budget_id, cur.ps) AS spend,
                       (SELECT (chargeback.forecast(d.day, d.spend, chargeback.budget_period_end(cur.period, cur.ps))->>'projected')::numeric
                        FROM chargeback.budget_spend d
                        WHERE d.budget_id = cur.budget_id AND d.day BETWEEN cur.ps AND chargeback.budget_period_end(cur.period, cur.ps)) AS forecast
                FROM cur),
            made AS (
                INSERT INTO chargeback.budget_event (budget_id, period_start, kind, threshold, spend, amount, forecast)
                SELECT p.budget_id, p.ps, 'forecast', 1, p.spend, p.amount, p.forecast
                FROM projected p WHERE p.forecast > p.amount
                ON CONFLICT DO NOTHING
                RETURNING *)
            SELECT m.*, b.name, b.currency FROM made m JOIN chargeback.budget b USING (budget_id)
        LOOP
            PERFORM pg_notify('chargeback_budget', json_build_object(
                'event', 'forecast', 'budget_id', ev.budget_id, 'budget', ev.name, 'period_start', ev.period_start,
                'forecast', ev.forecast, 'spend', ev.spend, 'amount', ev.amount, 'currency', ev.currency)::text);
        END LOOP;
    END IF;

    IF TG_OP <> 'DELETE' AND EXISTS (SELECT 1 FROM chargeback.reservation WHERE settled_at IS NULL) THEN
        UPDATE chargeback.reservation r SET settled_at = now(), settled_usage_id = n.usage_id
        FROM new_rows n WHERE r.settled_at IS NULL AND n.request_id IS NOT NULL AND r.request_id = n.request_id;
        UPDATE chargeback.reservation r SET settled_at = now(), settled_usage_id = n.usage_id
        FROM new_rows n WHERE r.settled_at IS NULL AND n.attrs ? 'reservation_id'
          AND (n.attrs->>'reservation_id') ~ '^[0-9]{1,18}$' AND r.reservation_id = (n.attrs->>'reservation_id')::bigint;
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER usage_budget_insert AFTER INSERT ON chargeback.usage
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION chargeback.usage_budget_sync();
CREATE TRIGGER usage_budget_update AFTER UPDATE ON chargeback.usage
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION chargeback.usage_budget_sync();
CREATE TRIGGER usage_budget_delete AFTER DELETE ON chargeback.usage
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION chargeback.usage_budget_sync();

-- A new or changed budget counts the usage already recorded in its current period, with one
-- scan of that period's usage (budget_unit is not refreshed yet when this row trigger runs).
CREATE FUNCTION chargeback.budget_backfill() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, chargeback
AS $$
DECLARE
    tz text := coalesce(nullif(current_setting('chargeback.timezone', true), ''), 'UTC');
    ps date := chargeback.budget_period_start(NEW.period, now());
    units integer[];
BEGIN
    IF NEW.scope = 'org_unit' THEN
        units := ARRAY(SELECT chargeback.org_unit_descendants(u.org_unit_id) FROM chargeback.org_unit u
                       WHERE lower(u.code) = lower(NEW.scope_value));
    END IF;
    DELETE FROM chargeback.budget_spend WHERE budget_id = NEW.budget_id;
    INSERT INTO chargeback.budget_spend (budget_id, day, spend)
    SELECT NEW.budget_id, (u.occurred_at AT TIME ZONE tz)::date, sum(u.cost)
    FROM chargeback.usage u
    WHERE u.cost IS NOT NULL
      AND u.period >= (date_trunc('month', ps) - interval '1 month')::date
      AND u.occurred_at >= (ps::timestamp AT TIME ZONE tz)
      AND u.occurred_at >= NEW.valid_from AND (NEW.valid_to IS NULL OR u.occurred_at < NEW.valid_to)
      AND CASE NEW.scope
            WHEN 'global' THEN true
            WHEN 'org_unit' THEN u.org_unit_id = ANY (units)
            WHEN 'project' THEN u.project = NEW.scope_value
            WHEN 'principal' THEN u.principal = NEW.scope_value
            WHEN 'provider' THEN u.provider = NEW.scope_value
            WHEN 'model' THEN u.model = NEW.scope_value OR chargeback.resolve_model(u.provider, u.model) = NEW.scope_value
          END
    GROUP BY 1, 2;
    RETURN NULL;
END
$$;
CREATE TRIGGER budget_backfill AFTER INSERT OR UPDATE OF scope, scope_value, period, valid_from, valid_to ON chargeback.budget
    FOR EACH ROW EXECUTE FUNCTION chargeback.budget_backfill();
-- forecast(day, amount, period_end): the period-end projection of spend from daily amounts.

CREATE FUNCTION chargeback.forecast_accum(internal, date, numeric, date) RETURNS internal
    AS 'MODULE_PATHNAME', 'cb_forecast_accum' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION chargeback.forecast_final(internal) RETURNS jsonb
    AS 'MODULE_PATHNAME', 'cb_forecast_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE AGGREGATE chargeback.forecast(day date, amount numeric, period_end date) (
    SFUNC = chargeback.forecast_accum,
    STYPE = internal,
    FINALFUNC = chargeback.forecast_final,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE chargeback.forecast(date, numeric, date) IS
    'projected total at period_end from daily amounts, {"projected", "low", "high"}: a robust trend (Theil-Sen), so one spike barely moves it and steady growth is projected growing';

-- Budget status: the current period of every budget in force.
CREATE VIEW chargeback.budget_status AS
SELECT b.budget_id, b.name, p.period_start, p.period_end, b.amount, s.spend, s.reserved,
       b.amount - s.spend - s.reserved AS remaining,
       CASE WHEN b.amount > 0 THEN round(s.spend / b.amount, 4) END AS pct_used,
       f.forecast,
       f.forecast - b.amount AS projected_variance,
       CASE WHEN s.spend > b.amount THEN 'over'
            WHEN f.forecast > b.amount THEN 'forecast_over'
            WHEN s.spend >= b.thresholds[1] * b.amount THEN 'warning'
            ELSE 'ok' END AS state
FROM chargeback.budget b
CROSS JOIN LATERAL (SELECT chargeback.budget_period_start(b.period, now()) AS period_start) p0
CROSS JOIN LATERAL (SELECT p0.period_start, chargeback.budget_period_end(b.period, p0.period_start) AS period_end) p
CROSS JOIN LATERAL (SELECT chargeback.budget_spent(b.budget_id, p.period_start) AS spend,
                           chargeback.budget_held(b.budget_id, p.period_start) AS reserved) s
CROSS JOIN LATERAL (SELECT coalesce((chargeback.forecast(d.day, d.spend, p.period_end)->>'projected')::numeric, 0) AS forecast
                    FROM chargeback.budget_spend d
                    WHERE d.budget_id = b.budget_id AND d.day BETWEEN p.period_start AND p.period_end) f
WHERE b.valid_from <= now() AND (b.valid_to IS NULL OR b.valid_to > now());
COMMENT ON VIEW chargeback.budget_status IS
    'each budget''s current period: amount, spend, open holds, remaining, share used, forecast at period end, projected variance, state (ok, warning, forecast_over, over)';
-- Allocation: largest-remainder shares (allocate, allocate_agg), the tables a chargeback run
-- reads (periods, rules, fixed charges, invoices, outcomes) and the ones it writes (runs, lines).

-- allocate(total, weight, minor_unit): this row's share of the partition's total, in
-- proportion to weight, rounded to minor_unit by largest remainder so that the partition's
-- shares sum exactly to total. Ties go by the window's ORDER BY. NULL weights take no part
-- (their rows get NULL); when every weight is zero the total is split evenly; a negative
-- total (a credit) is split as the mirror of the positive one.
CREATE FUNCTION chargeback.allocate(total numeric, weight numeric, minor_unit numeric DEFAULT 0.01)
RETURNS numeric
    AS 'MODULE_PATHNAME', 'cb_allocate' LANGUAGE C WINDOW IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION chargeback.allocate(numeric, numeric, numeric) IS
    'window function: this row''s share of total by weight, largest-remainder rounded to minor_unit; the partition''s shares sum exactly to total';

CREATE FUNCTION chargeback.allocate_agg_accum(internal, text, numeric, numeric, numeric) RETURNS internal
    AS 'MODULE_PATHNAME', 'cb_allocate_agg_accum' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION chargeback.allocate_agg_accum(internal, text, numeric, numeric) RETURNS internal
    AS 'MODULE_PATHNAME', 'cb_allocate_agg_accum' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION chargeback.allocate_agg_combine(internal, internal) RETURNS internal
    AS 'MODULE_PATHNAME', 'cb_allocate_agg_combine' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION chargeback.allocate_agg_serialize(internal) RETURNS bytea
    AS 'MODULE_PATHNAME', 'cb_allocate_agg_serialize' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION chargeback.allocate_agg_deserialize(bytea, internal) RETURNS internal
    AS 'MODULE_PATHNAME', 'cb_allocate_agg_deserialize' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION chargeback.allocate_agg_final(internal) RETURNS jsonb
    AS 'MODULE_PATHNAME', 'cb_allocate_agg_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;

-- allocate_agg(key, weight, total, minor_unit) -> {key: amount}: weights of equal keys add
-- up; ties go to the smaller key (byte order), so the result depends neither on input order
-- nor on parallel workers.
CREATE AGGREGATE chargeback.allocate_agg(key text, weight numeric, total numeric, minor_unit numeric) (
    SFUNC = chargeback.allocate_agg_accum,
    STYPE = internal,
    FINALFUNC = chargeback.allocate_agg_final,
    COMBINEFUNC = chargeback.allocate_agg_combine,
    SERIALFUNC = chargeback.allocate_agg_serialize,
    DESERIALFUNC = chargeback.allocate_agg_deserialize,
    PARALLEL = SAFE
);
CREATE AGGREGATE chargeback.allocate_agg(key text, weight numeric, total numeric) (
    SFUNC = chargeback.allocate_agg_accum,
    STYPE = internal,
    FINALFUNC = chargeback.allocate_agg_final,
    COMBINEFUNC = chargeback.allocate_agg_combine,
    SERIALFUNC = chargeback.allocate_agg_serialize,
    DESERIALFUNC = chargeback.allocate_agg_deserialize,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE chargeback.allocate_agg(text, numeric, numeric, numeric) IS
    '{key: amount}: total split by the summed weight of each key, largest-remainder rounded to minor_unit';
COMMENT ON AGGREGATE chargeback.allocate_agg(text, numeric, numeric) IS
    '{key: amount}: total split by the summed weight of each key, largest-remainder rounded to cents';

-- Accounting periods (months). A period without a row is open. Closing freezes its final run.
CREATE TABLE chargeback.period (
    period date PRIMARY KEY CHECK (period = date_trunc('month', period)::date),
    status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
    final_run_id bigint,
    changed_at timestamptz NOT NULL DEFAULT now(),
    changed_by text NOT NULL DEFAULT current_user
);
COMMENT ON TABLE chargeback.period IS
    'accounting months; closed ones are frozen and late usage for them is booked into the next open month';

-- Every close and reopen, with who did it and why (reopening is an admin act).
CREATE TABLE chargeback.period_event (
    period date NOT NULL,
    action text NOT NULL CHECK (action IN ('close', 'reopen')),
    run_id bigint,
    reason text,
    at timestamptz NOT NULL DEFAULT now(),
    actor text NOT NULL DEFAULT current_user
);
COMMENT ON TABLE chargeback.period_event IS 'who closed or reopened which period, when and why';

-- The central AI cost center: the unit of kind 'central' (at most one). The central model
-- charges it everything, and the journal credits it.
CREATE UNIQUE INDEX org_unit_one_central_idx ON chargeback.org_unit ((true)) WHERE kind = 'central';

CREATE TABLE chargeback.allocation_rule (
    rule_id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    name text NOT NULL,
    step integer NOT NULL DEFAULT 1,
    source text NOT NULL,
    method text NOT NULL DEFAULT 'proportional'
        CHECK (method IN ('proportional', 'even', 'fixed', 'headcount', 'tokens', 'requests')),
    targets text[],
    weights jsonb,
    valid_from date NOT NULL DEFAULT '-infinity',
    valid_to date CHECK (valid_to > valid_from),
    created_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE chargeback.allocation_rule IS
    'how shared cost moves: rules run in step order (step-down); rules with the same step are solved together (reciprocal)';
COMMENT ON COLUMN chargeback.allocation_rule.source IS
    'org unit code whose cost is shared out, unattributed, fixed (all fixed charges) or fixed:<provider>';
COMMENT ON COLUMN chargeback.allocation_rule.method IS
    'weights: proportional (direct cost), even, fixed (weights), headcount (members), tokens, requests';
COMMENT ON COLUMN chargeback.allocation_rule.targets IS
    'org unit codes receiving the cost (weights include their descendants); NULL = every unit with direct cost';
COMMENT ON COLUMN chargeback.allocation_rule.weights IS 'for method fixed: {"unit code": percent or any positive weight}';

CREATE TABLE chargeback.fixed_charge (
    fixed_charge_id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    period date NOT NULL CHECK (period = date_trunc('month', period)::date),
    provider text NOT NULL,
    description text NOT NULL,
    amount numeric NOT NULL,
    currency text NOT NULL DEFAULT 'USD' CHECK (chargeback.is_currency(currency))
);
COMMENT ON TABLE chargeback.fixed_charge IS
    'charges not metered per request (seat licences, commitments), allocated by rules with source fixed or proportionally';

CREATE TABLE chargeback.invoice (
    provider text NOT NULL,
    period date NOT NULL CHECK (period = date_trunc('month', period)::date),
    amount numeric NOT NULL,
    currency text NOT NULL DEFAULT 'USD' CHECK (chargeback.is_currency(currency)),
    reference text,
    PRIMARY KEY (provider, period, currency)
);
COMMENT ON TABLE chargeback.invoice IS
    'what the provider billed for a month: runs tie out to it, the difference to metered cost becomes true_up lines';

CREATE TABLE chargeback.activity_outcome (
    period date NOT NULL CHECK (period = date_trunc('month', period)::date),
    org_unit_id integer NOT NULL REFERENCES chargeback.org_unit (org_unit_id),
    activity_type text NOT NULL,
    units numeric NOT NULL CHECK (units >= 0),
    PRIMARY KEY (period, org_unit_id, activity_type)
);
COMMENT ON TABLE chargeback.activity_outcome IS
    'business outcomes per month (tickets resolved, opportunities, pull requests) for cost per outcome';

CREATE TABLE chargeback.allocation_run (
    run_id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    period date NOT NULL,
    model text NOT NULL CHECK (model IN ('central', 'department', 'activity')),
    status text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'final')),
    metered numeric NOT NULL DEFAULT 0,
    fixed numeric NOT NULL DEFAULT 0,
    total numeric NOT NULL DEFAULT 0,
    lines integer NOT NULL DEFAULT 0,
    created_at timestamptz NOT NULL DEFAULT now(),
    created_by text NOT NULL DEFAULT current_user
);
CREATE INDEX allocation_run_period_idx ON chargeback.allocation_run (period, model);
COMMENT ON TABLE chargeback.allocation_run IS
    'one chargeback run of a period and model; a rerun replaces the draft, close_period makes the final one';
COMMENT ON COLUMN chargeback.allocation_run.total IS 'what the lines sum to: invoices where recorded, else metered cost plus fixed charges, in minor units';

CREATE TABLE chargeback.allocation_line (
    line_id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    run_id bigint NOT NULL REFERENCES chargeback.allocation_run (run_id) ON DELETE CASCADE,
    period date NOT NULL,
    org_unit_id integer NOT NULL REFERENCES chargeback.org_unit (org_unit_id),
    project text,
    activity_type text,
    component text NOT NULL CHECK (component IN ('direct', 'shared', 'fixed', 'true_up', 'adjustment')),
    source text NOT NULL,
    amount numeric NOT NULL,
    currency text NOT NULL,
    basis jsonb NOT NULL
);
CREATE INDEX allocation_line_run_idx ON chargeback.allocation_line (run_id, org_unit_id);
COMMENT ON TABLE chargeback.allocation_line IS
    'the bill: amounts per owner, project or activity and component, in minor units; a run''s lines sum exactly to its total';
COMMENT ON COLUMN chargeback.allocation_line.basis IS
    'why this amount (FOCUS style): method, ratio, source pool, exact amount before rounding, rule and step';
-- Chargeback runs: run_allocation() (drafts), close_period() (the frozen final run),
-- reopen_period(), late usage booking, and the journal.

-- The accounting periods usage is booked into. Each ingest batch holds its periods' rows
-- FOR SHARE until commit, so close_period() (FOR UPDATE) waits for in-flight ingests and
-- its final run sees them; a batch that arrives after a close books into the next open
-- month. Under REPEATABLE READ a concurrent close makes the batch fail with 40001 (retry).
CREATE FUNCTION chargeback.book_periods(periods date[], OUT natural_period date, OUT booked_period date)
RETURNS SETOF record
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, chargeback
AS $$
DECLARE
    p date;
    b date;
    st text;
    steps integer;
BEGIN
    FOREACH p IN ARRAY periods LOOP
        b := p;
        steps := 0;
        LOOP
            INSERT INTO chargeback.period AS t (period) VALUES (b) ON CONFLICT DO NOTHING;
            SELECT t.status INTO st FROM chargeback.period t WHERE t.period = b FOR SHARE;
            EXIT WHEN st = 'open';
            b := (b + interval '1 month')::date;
            steps := steps + 1;
            IF steps > 1200 THEN
                RAISE EXCEPTION USING ERRCODE = 'program_limit_exceeded',
                    MESSAGE = format('no open accounting period within 100 years after %s', p);
            END IF;
        END LOOP;
        PERFORM chargeback.ensure_partitions(b, b);
        natural_period := p;
        booked_period := b;
        RETURN NEXT;
    END LOOP;
END
$$;
COMMENT ON FUNCTION chargeback.book_periods(date[]) IS
    'the open period each usage month is booked into (itself, or the next open month when it is closed); locks them until commit';

-- Serializes runs, closes and reopens of one period until commit.
CREATE FUNCTION chargeback.lock_allocation(period date) RETURNS void LANGUAGE sql VOLATILE
AS $$ SELECT pg_advisory_xact_lock(hashtextextended('chargeback.allocation ' || period, 0)) $$;

-- Everything one run needs, as one document for the allocation engine (C++).
CREATE FUNCTION chargeback.allocation_input(period date, model text) RETURNS jsonb
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, chargeback
AS $$
DECLARE
    p date := allocation_input.period;
    doc jsonb;
BEGIN
    SELECT jsonb_build_object(
        'model', allocation_input.model,
        'units', (SELECT jsonb_agg(jsonb_build_object('id', u.org_unit_id, 'code', u.code, 'parent', u.parent_id,
                                                      'kind', u.kind) ORDER BY u.org_unit_id)
                    FROM chargeback.org_unit u),
        'costs', (SELECT coalesce(jsonb_agg(jsonb_build_object(
                            'unit', c.org_unit_id, 'project', c.project, 'activity', c.activity_type,
                            'provider', c.provider, 'currency', c.currency, 'adjusts', c.adjusts_period,
                            'cost', c.cost, 'requests', c.requests, 'tokens', c.tokens)), '[]')
                    -- From the daily rollup (kept in the same transaction as the usage), not
                    -- from raw usage: a run reads thousands of rows, not millions. A day
                    -- outside the booking period is late usage of that earlier month.
                    FROM (SELECT r.org_unit_id, nullif(r.project, '') AS project,
                                 nullif(r.activity_type, '') AS activity_type, r.provider, r.currency,
                                 CASE WHEN date_trunc('month', r.day)::date <> r.period
                                      THEN date_trunc('month', r.day)::date END AS adjusts_period,
                                 sum(r.cost) AS cost, sum(r.requests - r.unpriced) AS requests,
                                 sum(r.total_tokens) AS tokens
                            FROM chargeback.daily_rollup r
                           WHERE r.period = p AND r.currency <> '' AND r.requests > r.unpriced
                           GROUP BY 1, 2, 3, 4, 5, 6) c),
        'fixed', (SELECT coalesce(jsonb_agg(jsonb_build_object('provider', f.provider, 'description', f.description,
                                                               'amount', f.amount, 'currency', f.currency)
                                            ORDER BY f.fixed_charge_id), '[]')
                    FROM chargeback.fixed_charge f WHERE f.period = p),
        'invoices', (SELECT coalesce(jsonb_agg(jsonb_build_object('provider', i.provider, 'amount', i.amount,
                                                                  'currency', i.currency)), '[]')
                       FROM chargeback.invoice i WHERE i.period = p),
        'rules', (SELECT coalesce(jsonb_agg(jsonb_build_object('rule_id', r.rule_id, 'name', r.name, 'step', r.step,
                                                               'source', r.source, 'method', r.method,
                                                               'targets', to_jsonb(r.targets), 'weights', r.weights)
                                            ORDER BY r.step, r.rule_id), '[]')
                    FROM chargeback.allocation_rule r
                   WHERE r.valid_from <= p AND (r.valid_to IS NULL OR r.valid_to > p)),
        'headcount', (SELECT coalesce(jsonb_object_agg(h.org_unit_id, h.n), '{}')
                        FROM (SELECT m.org_unit_id, count(DISTINCT m.principal) AS n
                                FROM chargeback.membership m
                               WHERE tstzrange(m.valid_from, m.valid_to) && tstzrange(p, (p + interval '1 month')::date)
                               GROUP BY m.org_unit_id) h),
        'outcomes', (SELECT coalesce(jsonb_agg(jsonb_build_object('unit', o.org_unit_id, 'activity', o.activity_type,
                                                                  'units', o.units)), '[]')
                       FROM chargeback.activity_outcome o WHERE o.period = p))
      INTO doc;
    RETURN doc;
END
$$;
COMMENT ON FUNCTION chargeback.allocation_input(date, text) IS
    'the input document of a run: usage grouped per owner, project, activity and provider, fixed charges, invoices, rules, headcount, outcomes';

-- The allocation engine: pure function of the input document (C++, exact rationals, rounded
-- once at the end by largest remainder so the lines sum exactly to the run total).
CREATE FUNCTION chargeback.allocation_compute(input jsonb,
    OUT org_unit_id integer, OUT project text, OUT activity_type text, OUT component text,
    OUT source text, OUT amount numeric, OUT currency text, OUT basis jsonb)
RETURNS SETOF record
    AS 'MODULE_PATHNAME', 'cb_allocation_compute' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION chargeback.allocation_compute(jsonb) IS
    'the lines of a run computed from an allocation_input() document (nothing is stored)';

-- Writes one run of a period; the caller holds the period's lock.
CREATE FUNCTION chargeback.allocation_write(period date, model text, final boolean) RETURNS bigint
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, chargeback
AS $$
DECLARE
    p date := allocation_write.period;
    run bigint;
    doc jsonb;
BEGIN
    IF allocation_write.model IS NULL OR allocation_write.model NOT IN ('central', 'department', 'activity') THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
            MESSAGE = format('unknown allocation model %L', allocation_write.model),
            HINT = 'models: central, department, activity';
    END IF;
    doc := chargeback.allocation_input(p, allocation_write.model);
    INSERT INTO chargeback.allocation_run (period, model, status)
    VALUES (p, allocation_write.model, 'draft') RETURNING run_id INTO run;
    INSERT INTO chargeback.allocation_line (run_id, period, org_unit_id, project, activity_type, component,
                                           source, amount, currency, basis)
    SELECT run, p, l.org_unit_id, l.project, l.activity_type, l.component, l.source, l.amount, l.currency, l.basis
      FROM chargeback.allocation_compute(doc) l;
    UPDATE chargeback.allocation_run r
       SET metered = coalesce((SELECT sum((c->>'cost')::numeric) FROM jsonb_array_elements(doc->'costs') c), 0),
           fixed = coalesce((SELECT sum((f->>'amount')::numeric) FROM jsonb_array_elements(doc->'fixed') f), 0),
           total = written.total,
           lines = written.lines,
           status = CASE WHEN final THEN 'final' ELSE 'draft' END
      FROM (SELECT coalesce(sum(l.amount), 0) AS total, count(*) AS lines
              FROM chargeback.allocation_line l WHERE l.run_id = run) written
     WHERE r.run_id = run;
    RETURN run;
END
$$;

-- run_allocation: a draft run of the period in one model; a rerun replaces that draft.
CREATE FUNCTION chargeback.run_allocation(period date, model text DEFAULT 'department') RETURNS bigint
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, chargeback
AS $$
DECLARE
    p date := date_trunc('month', run_allocation.period)::date;
    st text;
BEGIN
    IF p IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'null_value_not_allowed', MESSAGE = 'run_allocation needs a period';
    END IF;
    -- One run of a period at a time; the period row (if any) must stay open meanwhile.
    PERFORM chargeback.lock_allocation(p);
    SELECT t.status INTO st FROM chargeback.period t WHERE t.period = p FOR SHARE;
    IF st = 'closed' THEN
        RAISE EXCEPTION USING ERRCODE = 'CB003',
            MESSAGE = format('period %s is closed', to_char(p, 'YYYY-MM')),
            HINT = 'its final run is frozen; chargeback.reopen_period() reopens it (an admin act that is recorded)';
    END IF;
    DELETE FROM chargeback.allocation_run r
     WHERE r.period = p AND r.model = run_allocation.model AND r.status = 'draft';
    RETURN chargeback.allocation_write(p, run_allocation.model, false);
END
$$;
COMMENT ON FUNCTION chargeback.run_allocation(date, text) IS
    'draft chargeback run of a month in model central, department or activity; replaces the previous draft of that model';

-- close_period: waits for in-flight ingests of the month, writes its final run and freezes it.
CREATE FUNCTION chargeback.close_period(period date, model text DEFAULT 'department') RETURNS bigint
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, chargeback
AS $$
DECLARE
    p date := date_trunc('month', close_period.period)::date;
    st text;
    run bigint;
BEGIN
    IF p IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'null_value_not_allowed', MESSAGE = 'close_period needs a period';
    END IF;
    -- The final run must see every ingest that committed before the close: a snapshot taken
    -- before the lock (REPEATABLE READ) would miss them.
    IF current_setting('transaction_isolation') <> 'read committed' THEN
        RAISE EXCEPTION USING ERRCODE = 'CB002',
            MESSAGE = format('close_period needs READ COMMITTED, not %s', current_setting('transaction_isolation')),
            HINT = 'run it in its own READ COMMITTED transaction';
    END IF;
    PERFORM chargeback.lock_allocation(p);
    INSERT INTO chargeback.period AS t (period) VALUES (p) ON CONFLICT DO NOTHING;
    SELECT t.status INTO st FROM chargeback.period t WHERE t.period = p FOR UPDATE;
    IF st = 'closed' THEN
        RAISE EXCEPTION USING ERRCODE = 'CB003',
            MESSAGE = format('period %s is already closed', to_char(p, 'YYYY-MM')),
            HINT = 'chargeback.reopen_period() reopens it (an admin act that is recorded)';
    END IF;
    DELETE FROM chargeback.allocation_run r WHERE r.period = p AND r.status = 'draft';
    run := chargeback.allocation_write(p, close_period.model, true);
    UPDATE chargeback.period t SET status = 'closed', final_run_id = run, changed_at = now(), changed_by = current_user
     WHERE t.period = p;
    INSERT INTO chargeback.period_event (period, action, run_id) VALUES (p, 'close', run);
    RETURN run;
END
$$;
COMMENT ON FUNCTION chargeback.close_period(date, text) IS
    'final chargeback run of a month; its lines are frozen and later usage for the month is booked into the next open one';

-- reopen_period: an admin act, recorded with its reason. The old final run stays frozen as
-- history; the next close writes a new one.
CREATE FUNCTION chargeback.reopen_period(period date, reason text) RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, chargeback
AS $$
DECLARE
    p date := date_trunc('month', reopen_period.period)::date;
    st text;
BEGIN
    IF reason IS NULL OR btrim(reason) = '' THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
            MESSAGE = 'reopening a period needs a reason', HINT = 'it is recorded in chargeback.period_event';
    END IF;
    PERFORM chargeback.lock_allocation(p);
    SELECT t.status INTO st FROM chargeback.period t WHERE t.period = p FOR UPDATE;
    IF st IS DISTINCT FROM 'closed' THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
            MESSAGE = format('period %s is not closed', to_char(p, 'YYYY-MM'));
    END IF;
    UPDATE chargeback.period t SET status = 'open', changed_at = now(), changed_by = current_user WHERE t.period = p;
    INSERT INTO chargeback.period_event (period, action, run_id, reason)
    SELECT p, 'reopen', t.final_run_id, reopen_period.reason FROM chargeback.period t WHERE t.period = p;
END
$$;
COMMENT ON FUNCTION chargeback.reopen_period(date, text) IS
    'reopens a closed month (recorded with the reason); its final run stays as history';

-- Final runs are frozen: their runs and lines cannot be changed, added or removed (SQLSTATE
-- CB003). Lines are checked once per statement, through its transition tables: a run writes
-- and a rerun deletes thousands of lines, which a per-row lookup would slow down.
CREATE FUNCTION chargeback.allocation_frozen() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, chargeback
AS $$
DECLARE
    run bigint;
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        IF EXISTS (SELECT 1 FROM chargeback.allocation_run r WHERE r.status = 'final') THEN
            RAISE EXCEPTION USING ERRCODE = 'CB003',
                MESSAGE = format('cannot truncate %s: it holds the lines of final runs', TG_TABLE_NAME);
        END IF;
        RETURN NULL;
    END IF;
    IF TG_TABLE_NAME = 'allocation_run' THEN
        IF OLD.status = 'final' THEN
            RAISE EXCEPTION USING ERRCODE = 'CB003',
                MESSAGE = format('allocation run %s is the final run of %s and cannot be changed', OLD.run_id,
                                 to_char(OLD.period, 'YYYY-MM')),
                HINT = 'closed periods are frozen; reopen_period() and a new close write a new final run';
        END IF;
        RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
    END IF;
    -- allocation_line, once per statement.
    IF TG_OP = 'INSERT' THEN
        SELECT min(r.run_id) INTO run FROM chargeback.allocation_run r
         WHERE r.status = 'final' AND r.run_id IN (SELECT l.run_id FROM new_lines l);
    ELSIF TG_OP = 'UPDATE' THEN
        SELECT min(r.run_id) INTO run FROM chargeback.allocation_run r
         WHERE r.status = 'final'
           AND r.run_id IN (SELECT l.run_id FROM old_lines l UNION SELECT l.run_id FROM new_lines l);
    ELSE
        SELECT min(r.run_id) INTO run FROM chargeback.allocation_run r
         WHERE r.status = 'final' AND r.run_id IN (SELECT l.run_id FROM old_lines l);
    END IF;
    IF run IS NOT NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'CB003',
            MESSAGE = format('allocation run %s is final: its lines cannot be changed', run),
            HINT = 'closed periods are frozen; reopen_period() and a new close write a new final run';
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER allocation_line_frozen_insert AFTER INSERT ON chargeback.allocation_line
    REFERENCING NEW TABLE AS new_lines FOR EACH STATEMENT EXECUTE FUNCTION chargeback.allocation_frozen();
CREATE TRIGGER allocation_line_frozen_update AFTER UPDATE ON chargeback.allocation_line
    REFERENCING OLD TABLE AS old_lines NEW TABLE AS new_lines FOR EACH STATEMENT EXECUTE FUNCTION chargeback.allocation_frozen();
CREATE TRIGGER allocation_line_frozen_delete AFTER DELETE ON chargeback.allocation_line
    REFERENCING OLD TABLE AS old_lines FOR EACH STATEMENT EXECUTE FUNCTION chargeback.allocation_frozen();
CREATE TRIGGER allocation_line_no_truncate BEFORE TRUNCATE ON chargeback.allocation_line
    FOR EACH STATEMENT EXECUTE FUNCTION chargeback.allocation_frozen();
CREATE TRIGGER allocation_run_frozen BEFORE UPDATE OR DELETE ON chargeback.allocation_run
    FOR EACH ROW EXECUTE FUNCTION chargeback.allocation_frozen();
CREATE TRIGGER allocation_run_no_truncate BEFORE TRUNCATE ON chargeback.allocation_run
    FOR EACH STATEMENT EXECUTE FUNCTION chargeback.allocation_frozen();

-- The general-ledger cost center of a unit: its own, else its nearest ancestor's, else its code.
CREATE FUNCTION chargeback.cost_center_of(org_unit_id integer) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, chargeback
AS $$
    WITH RECURSIVE up(id, cost_center, depth) AS (
        SELECT u.parent_id, u.cost_center, 0 FROM chargeback.org_unit u WHERE u.org_unit_id = cost_center_of.org_unit_id
        UNION ALL
        SELECT u.parent_id, u.cost_center, up.depth + 1 FROM chargeback.org_unit u JOIN up ON u.org_unit_id = up.id
        WHERE up.cost_center IS NULL AND up.depth < 1000
    )
    SELECT coalesce((SELECT up.cost_center FROM up WHERE up.cost_center IS NOT NULL ORDER BY up.depth LIMIT 1),
                    (SELECT u.code FROM chargeback.org_unit u WHERE u.org_unit_id = cost_center_of.org_unit_id))
$$;
COMMENT ON FUNCTION chargeback.cost_center_of(integer) IS
    'the cost center a unit posts to: its own, else its nearest ancestor''s, else its code';

-- The journal: per run, debit each consuming cost center with its net charge and credit the
-- central AI cost center with the sum, so debits equal credits to the cent.
CREATE VIEW chargeback.journal AS
WITH net AS (
    SELECT r.period, r.run_id, r.model, l.currency, l.org_unit_id, sum(l.amount) AS amount
      FROM chargeback.allocation_run r
      JOIN chargeback.allocation_line l ON l.run_id = r.run_id
     WHERE r.status = 'final'
        OR (r.status = 'draft' AND NOT EXISTS (SELECT 1 FROM chargeback.period t WHERE t.period = r.period AND t.status = 'closed'))
     GROUP BY r.period, r.run_id, r.model, l.currency, l.org_unit_id
), central AS (
    SELECT u.org_unit_id, chargeback.cost_center_of(u.org_unit_id) AS cost_center, u.code
      FROM chargeback.org_unit u WHERE u.kind = 'central'
)
SELECT n.period, n.run_id, 'AI services expense'::text AS account,
       chargeback.cost_center_of(u.org_unit_id) AS cost_center, u.code AS org_unit,
       CASE WHEN n.amount > 0 THEN n.amount ELSE 0 END AS debit,
       CASE WHEN n.amount < 0 THEN -n.amount ELSE 0 END AS credit,
       format('%s chargeback %s (%s model, run %s)', n.currency, to_char(n.period, 'YYYY-MM'), n.model, n.run_id) AS memo
  FROM net n JOIN chargeback.org_unit u ON u.org_unit_id = n.org_unit_id
 WHERE n.amount <> 0 AND n.org_unit_id IS DISTINCT FROM (SELECT c.org_unit_id FROM central c)
UNION ALL
SELECT n.period, n.run_id, 'AI services expense'::text,
       coalesce((SELECT c.cost_center FROM central c), 'CENTRAL-AI'),
       coalesce((SELECT c.code FROM central c), 'central'),
       CASE WHEN sum(n.amount) < 0 THEN -sum(n.amount) ELSE 0 END,
       CASE WHEN sum(n.amount) > 0 THEN sum(n.amount) ELSE 0 END,
       format('%s chargeback %s (%s model, run %s): central AI cost center', n.currency, to_char(n.period, 'YYYY-MM'),
              n.model, n.run_id)
  FROM net n
 WHERE n.org_unit_id IS DISTINCT FROM (SELECT c.org_unit_id FROM central c)
 GROUP BY n.period, n.run_id, n.model, n.currency
HAVING sum(n.amount) <> 0;
COMMENT ON VIEW chargeback.journal IS
    'balanced general-ledger entries per run: debit each consuming cost center, credit the central AI cost center; sum(debit) = sum(credit)';
COMMENT ON COLUMN chargeback.journal.account IS 'expense account the entries post to';
COMMENT ON COLUMN chargeback.journal.cost_center IS 'the unit''s cost center (see cost_center_of); the credit line is the central AI cost center';
COMMENT ON COLUMN chargeback.journal.debit IS 'amount charged to the cost center, in the run currency';
COMMENT ON COLUMN chargeback.journal.credit IS 'amount relieved from the cost center (the central one, or a unit with a net credit)';
-- The daily rollup: usage summed per day and owner, kept current by statement triggers on
-- chargeback.usage, so that showback reads thousands of rows instead of millions.

-- One row per (period, day, owner, project, activity, provider, model, tier, currency).
-- Missing project, activity_type and currency are stored as '' (key columns cannot be NULL);
-- the views show them as NULL again.
CREATE TABLE chargeback.daily_rollup (
    period date NOT NULL,
    day date NOT NULL,
    org_unit_id integer NOT NULL,
    project text NOT NULL,
    activity_type text NOT NULL,
    provider text NOT NULL,
    model text NOT NULL,
    service_tier text NOT NULL,
    currency text NOT NULL,
    requests bigint NOT NULL,
    tokens chargeback.token_usage NOT NULL,
    total_tokens bigint NOT NULL,
    cost numeric NOT NULL,
    list_cost numeric NOT NULL,
    unpriced bigint NOT NULL,
    -- Internal: ON CONFLICT DO UPDATE sees the proposed row only through EXCLUDED, which has
    -- the table's columns, so this is how a statement hands over the tokens it takes away
    -- (token_usage counts cannot be negative). Always '' once a statement is done.
    tokens_removed chargeback.token_usage NOT NULL DEFAULT '',
    PRIMARY KEY (period, day, org_unit_id, project, activity_type, provider, model, service_tier, currency)
);
-- showback compares each month with the previous one: this finds the previous month's rows.
CREATE INDEX daily_rollup_next_period_idx ON chargeback.daily_rollup (((period + interval '1 month')::date));
COMMENT ON TABLE chargeback.daily_rollup IS
    'usage per accounting period, day (in chargeback.timezone), owner, project, activity, provider, model, tier and currency; maintained as usage is inserted, updated or deleted (see chargeback.rebuild_daily_rollup)';
COMMENT ON COLUMN chargeback.daily_rollup.period IS 'accounting month the usage is booked in (usage.period)';
COMMENT ON COLUMN chargeback.daily_rollup.day IS 'day the usage occurred, in chargeback.timezone at the time it was recorded';
COMMENT ON COLUMN chargeback.daily_rollup.org_unit_id IS 'owner (chargeback.org_unit)';
COMMENT ON COLUMN chargeback.daily_rollup.provider IS 'provider (usage.provider)';
COMMENT ON COLUMN chargeback.daily_rollup.model IS 'model as reported (usage.model)';
COMMENT ON COLUMN chargeback.daily_rollup.service_tier IS 'service tier: standard, batch, flex or priority';
COMMENT ON COLUMN chargeback.daily_rollup.project IS 'project, '''' for none';
COMMENT ON COLUMN chargeback.daily_rollup.activity_type IS 'business activity, '''' for none';
COMMENT ON COLUMN chargeback.daily_rollup.currency IS 'currency of the cost, '''' for unpriced usage';
COMMENT ON COLUMN chargeback.daily_rollup.requests IS 'usage rows (a usage-report bucket counts once; tokens.requests has the requests providers reported)';
COMMENT ON COLUMN chargeback.daily_rollup.tokens IS 'tokens per usage class, summed';
COMMENT ON COLUMN chargeback.daily_rollup.total_tokens IS 'total_tokens(tokens): the token classes, without requests and web searches';
COMMENT ON COLUMN chargeback.daily_rollup.cost IS 'cost of the priced usage, exact; unpriced usage adds nothing';
COMMENT ON COLUMN chargeback.daily_rollup.list_cost IS 'list cost of the priced usage, exact';
COMMENT ON COLUMN chargeback.daily_rollup.unpriced IS 'usage rows without a price (cost NULL), counted in requests and tokens but not in cost';
COMMENT ON COLUMN chargeback.daily_rollup.tokens_removed IS 'internal to the maintenance triggers; always empty';

-- The day of a usage time in the chargeback.timezone setting (default UTC).
CREATE FUNCTION chargeback.day_of(at timestamptz) RETURNS date
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
    SELECT (at AT TIME ZONE coalesce(nullif(current_setting('chargeback.timezone', true), ''), 'UTC'))::date
$$;
COMMENT ON FUNCTION chargeback.day_of(timestamptz) IS 'the calendar day of a time in the chargeback.timezone setting (default UTC)';

-- One set-based pass per statement. Inserted rows add to their key, deleted rows take away
-- from theirs, an update does both (a reprice changes cost in place, re-owning moves the
-- amounts from the old owner's row to the new one's). Keys are written in key order, so two
-- statements touching the same keys lock them in the same order and cannot deadlock; the
-- additive ON CONFLICT DO UPDATE re-reads a row a concurrent statement changed, so no update
-- is lost. A row whose requests reach zero is deleted.
CREATE FUNCTION chargeback.usage_rollup_sync() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, chargeback
AS $$
DECLARE
    tz text := coalesce(nullif(current_setting('chargeback.timezone', true), ''), 'UTC');
    emptied tid[];
    new_part text := $n$
        SELECT n.period, (n.occurred_at AT TIME ZONE %1$L)::date AS day, n.org_unit_id,
               coalesce(n.project, '') AS project, coalesce(n.activity_type, '') AS activity_type,
               n.provider, n.model, n.service_tier, coalesce(n.currency, '') AS currency,
               1 AS sign, n.tokens, n.cost, n.list_cost
        FROM new_rows n
        UNION ALL
$n$;
    broken bigint;
BEGIN
    IF TG_OP = 'INSERT' THEN
        -- The ingest path: only additions.
        INSERT INTO chargeback.daily_rollup AS r
            (period, day, org_unit_id, project, activity_type, provider, model, service_tier, currency,
             requests, tokens, total_tokens, cost, list_cost, unpriced)
        SELECT g.period, g.day, g.org_unit_id, g.project, g.activity_type, g.provider, g.model, g.service_tier, g.currency,
               g.requests, g.tokens, chargeback.total_tokens(g.tokens), g.cost, g.list_cost, g.unpriced
        FROM (SELECT n.period, (n.occurred_at AT TIME ZONE tz)::date AS day, n.org_unit_id,
                     coalesce(n.project, '') AS project, coalesce(n.activity_type, '') AS activity_type,
                     n.provider, n.model, n.service_tier, coalesce(n.currency, '') AS currency,
                     count(*) AS requests, chargeback.sum(n.tokens) AS tokens,
                     coalesce(sum(n.cost), 0) AS cost, coalesce(sum(n.list_cost), 0) AS list_cost,
                     count(*) FILTER (WHERE n.cost IS NULL) AS unpriced
              FROM new_rows n
              GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9
              ORDER BY 1, 2, 3, 4, 5, 6, 7, 8, 9) g (period, day, org_unit_id, project, activity_type, provider, model,
                                                     service_tier, currency, requests, tokens, cost, list_cost, unpriced)
        ON CONFLICT (period, day, org_unit_id, project, activity_type, provider, model, service_tier, currency)
        DO UPDATE SET requests = r.requests + EXCLUDED.requests,
                      tokens = r.tokens + EXCLUDED.tokens,
                      total_tokens = r.total_tokens + EXCLUDED.total_tokens,
                      cost = r.cost + EXCLUDED.cost,
                      list_cost = r.list_cost + EXCLUDED.list_cost,
                      unpriced = r.unpriced + EXCLUDED.unpriced;
        RETURN NULL;
    END IF;

    -- UPDATE and DELETE: signed deltas per key, old rows negative. Keys whose delta is nil
    -- (an update that changed neither owner, amounts nor tokens) are skipped.
    EXECUTE format($q$
    WITH d AS (
%1$s        SELECT o.period, (o.occurred_at AT TIME ZONE %2$L)::date AS day, o.org_unit_id,
               coalesce(o.project, '') AS project, coalesce(o.activity_type, '') AS activity_type,
               o.provider, o.model, o.service_tier, coalesce(o.currency, '') AS currency,
               -1 AS sign, o.tokens, o.cost, o.list_cost
        FROM old_rows o),
    g AS (
        SELECT period, day, org_unit_id, project, activity_type, provider, model, service_tier, currency,
               sum(sign) AS requests,
               coalesce(chargeback.sum(tokens) FILTER (WHERE sign > 0), '') AS added,
               coalesce(chargeback.sum(tokens) FILTER (WHERE sign < 0), '') AS removed,
               coalesce(sum(sign * cost), 0) AS cost, coalesce(sum(sign * list_cost), 0) AS list_cost,
               coalesce(sum(sign) FILTER (WHERE cost IS NULL), 0) AS unpriced
        FROM d
        GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9),
    up AS (
        INSERT INTO chargeback.daily_rollup AS r
            (period, day, org_unit_id, project, activity_type, provider, model, service_tier, currency,
             requests, tokens, total_tokens, cost, list_cost, unpriced, tokens_removed)
        SELECT period, day, org_unit_id, project, activity_type, provider, model, service_tier, currency,
               requests, added, chargeback.total_tokens(added) - chargeback.total_tokens(removed),
               cost, list_cost, unpriced, removed
        FROM g
        WHERE NOT (requests = 0 AND cost = 0 AND list_cost = 0 AND unpriced = 0 AND added = removed)
        ORDER BY period, day, org_unit_id, project, activity_type, provider, model, service_tier, currency
        ON CONFLICT (period, day, org_unit_id, project, activity_type, provider, model, service_tier, currency)
        DO UPDATE SET requests = r.requests + EXCLUDED.requests,
                      tokens = (r.tokens + EXCLUDED.tokens) - EXCLUDED.tokens_removed,
                      total_tokens = r.total_tokens + EXCLUDED.total_tokens,
                      cost = r.cost + EXCLUDED.cost,
                      list_cost = r.list_cost + EXCLUDED.list_cost,
                      unpriced = r.unpriced + EXCLUDED.unpriced
        RETURNING r.ctid, r.requests, r.tokens_removed, r.unpriced)
    SELECT array_agg(ctid) FILTER (WHERE requests = 0),
           count(*) FILTER (WHERE requests < 0 OR unpriced < 0 OR tokens_removed <> '')
    FROM up
    $q$, CASE WHEN TG_OP = 'UPDATE' THEN format(new_part, tz) END, tz) INTO emptied, broken;
    IF broken > 0 THEN
        -- Usage was taken away from a key the rollup does not hold: it was changed behind
        -- the triggers' back (a partition written or truncated directly).
        RAISE EXCEPTION USING ERRCODE = 'data_corrupted',
            MESSAGE = format('chargeback.daily_rollup is out of step with chargeback.usage (%s keys)', broken),
            HINT = 'run SELECT chargeback.rebuild_daily_rollup(); then repeat the statement';
    END IF;
    IF emptied IS NOT NULL THEN
        DELETE FROM chargeback.daily_rollup WHERE ctid = ANY (emptied) AND requests = 0;
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER usage_rollup_insert AFTER INSERT ON chargeback.usage
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION chargeback.usage_rollup_sync();
CREATE TRIGGER usage_rollup_update AFTER UPDATE ON chargeback.usage
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION chargeback.usage_rollup_sync();
CREATE TRIGGER usage_rollup_delete AFTER DELETE ON chargeback.usage
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION chargeback.usage_rollup_sync();

-- TRUNCATE of usage empties the rollup with it.
CREATE FUNCTION chargeback.usage_rollup_truncate() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, chargeback
AS $$
BEGIN
    TRUNCATE chargeback.daily_rollup;
    RETURN NULL;
END
$$;
CREATE TRIGGER usage_rollup_truncate AFTER TRUNCATE ON chargeback.usage
    FOR EACH STATEMENT EXECUTE FUNCTION chargeback.usage_rollup_truncate();

-- Rebuilds the rollup from usage (after partitions were dropped, detached or written
-- directly, which the triggers on chargeback.usage do not see). Blocks usage writers meanwhile.
CREATE FUNCTION chargeback.rebuild_daily_rollup() RETURNS bigint
LANGUAGE plpgsql
SET search_path = pg_catalog, chargeback
AS $$
DECLARE
    tz text := coalesce(nullif(current_setting('chargeback.timezone', true), ''), 'UTC');
    n bigint;
BEGIN
    LOCK TABLE chargeback.usage IN SHARE MODE;
    DELETE FROM chargeback.daily_rollup;
    INSERT INTO chargeback.daily_rollup
        (period, day, org_unit_id, project, activity_type, provider, model, service_tier, currency,
         requests, tokens, total_tokens, cost, list_cost, unpriced)
    SELECT g.period, g.day, g.org_unit_id, g.project, g.activity_type, g.provider, g.model, g.service_tier, g.currency,
           g.requests, g.tokens, chargeback.total_tokens(g.tokens), g.cost, g.list_cost, g.unpriced
    FROM (SELECT u.period, (u.occurred_at AT TIME ZONE tz)::date, u.org_unit_id,
                 coalesce(u.project, ''), coalesce(u.activity_type, ''), u.provider, u.model, u.service_tier,
                 coalesce(u.currency, ''), count(*), chargeback.sum(u.tokens),
                 coalesce(sum(u.cost), 0), coalesce(sum(u.list_cost), 0), count(*) FILTER (WHERE u.cost IS NULL)
          FROM chargeback.usage u
          GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9) g (period, day, org_unit_id, project, activity_type, provider, model,
                                                 service_tier, currency, requests, tokens, cost, list_cost, unpriced);
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END
$$;
COMMENT ON FUNCTION chargeback.rebuild_daily_rollup() IS
    'recomputes chargeback.daily_rollup from chargeback.usage (needed only after partitions were changed directly); returns the rows written';
-- Showback and reporting views, in plain SQL types for BI tools. All read the daily rollup
-- (chargeback.daily_rollup), never raw usage. Org units are shown by their code.

-- daily_spend: spend per day, owner, project, provider and model.
CREATE VIEW chargeback.daily_spend AS
SELECT r.day, o.code AS org_unit, nullif(r.project, '') AS project, r.provider, r.model,
       sum(r.requests)::bigint AS requests, sum(r.total_tokens)::bigint AS total_tokens, sum(r.cost) AS cost
FROM chargeback.daily_rollup r
JOIN chargeback.org_unit o USING (org_unit_id)
GROUP BY r.day, o.code, r.project, r.provider, r.model;
COMMENT ON VIEW chargeback.daily_spend IS
    'spend per day (in chargeback.timezone), org unit, project, provider and model; read from the daily rollup, which triggers keep current as usage lands';
COMMENT ON COLUMN chargeback.daily_spend.day IS 'day the usage occurred, in chargeback.timezone';
COMMENT ON COLUMN chargeback.daily_spend.org_unit IS 'org unit code of the owner';
COMMENT ON COLUMN chargeback.daily_spend.project IS 'project, NULL for none';
COMMENT ON COLUMN chargeback.daily_spend.provider IS 'provider (openai, anthropic, google, bedrock, ...)';
COMMENT ON COLUMN chargeback.daily_spend.model IS 'model as reported by the provider or gateway';
COMMENT ON COLUMN chargeback.daily_spend.requests IS 'usage rows recorded (a usage-report bucket counts once)';
COMMENT ON COLUMN chargeback.daily_spend.total_tokens IS 'tokens of every class (not requests or web searches)';
COMMENT ON COLUMN chargeback.daily_spend.cost IS 'exact cost of the priced usage; unpriced usage adds 0 (see chargeback.data_quality)';

-- showback: one row per month, owner, project, provider and model with usage that month,
-- its share of the month's cost and the change against the same key the month before. Every
-- rollup row counts once for its own month (cost) and once for the next (prev_cost).
CREATE VIEW chargeback.showback AS
SELECT s.period, o.code AS org_unit, o.name AS org_unit_name, nullif(s.project, '') AS project, s.provider, s.model,
       s.requests, s.total_tokens, s.tokens, s.cost,
       s.cost / nullif(sum(s.cost) OVER (PARTITION BY s.period), 0) AS share,
       s.prev_cost, s.cost - s.prev_cost AS change
FROM (SELECT x.period, x.org_unit_id, x.project, x.provider, x.model,
             sum(x.requests) FILTER (WHERE x.cur)::bigint AS requests,
             sum(x.total_tokens) FILTER (WHERE x.cur)::bigint AS total_tokens,
             chargeback.sum(x.tokens) FILTER (WHERE x.cur) AS tokens,
             coalesce(sum(x.cost) FILTER (WHERE x.cur), 0) AS cost,
             coalesce(sum(x.cost) FILTER (WHERE NOT x.cur), 0) AS prev_cost
      FROM (SELECT r.period, r.org_unit_id, r.project, r.provider, r.model, true AS cur,
                   r.requests, r.total_tokens, r.tokens, r.cost
            FROM chargeback.daily_rollup r
            UNION ALL
            SELECT (r.period + interval '1 month')::date, r.org_unit_id, r.project, r.provider, r.model, false,
                   0, 0, NULL, r.cost
            FROM chargeback.daily_rollup r) x
      GROUP BY x.period, x.org_unit_id, x.project, x.provider, x.model
      HAVING bool_or(x.cur)) s
JOIN chargeback.org_unit o USING (org_unit_id);
COMMENT ON VIEW chargeback.showback IS
    'monthly showback per org unit, project, provider and model: usage, exact cost, share of the month''s total cost and change against the previous month; read from the daily rollup';
COMMENT ON COLUMN chargeback.showback.period IS 'accounting month (first day)';
COMMENT ON COLUMN chargeback.showback.org_unit IS 'org unit code of the owner';
COMMENT ON COLUMN chargeback.showback.org_unit_name IS 'org unit name';
COMMENT ON COLUMN chargeback.showback.project IS 'project, NULL for none';
COMMENT ON COLUMN chargeback.showback.provider IS 'provider (openai, anthropic, google, bedrock, ...)';
COMMENT ON COLUMN chargeback.showback.model IS 'model as reported by the provider or gateway';
COMMENT ON COLUMN chargeback.showback.requests IS 'usage rows recorded (a usage-report bucket counts once)';
COMMENT ON COLUMN chargeback.showback.total_tokens IS 'tokens of every class (not requests or web searches)';
COMMENT ON COLUMN chargeback.showback.tokens IS 'tokens per usage class (token_usage; cast to jsonb for a per-class object)';
COMMENT ON COLUMN chargeback.showback.cost IS 'exact cost of the priced usage; unpriced usage adds 0 (see chargeback.data_quality)';
COMMENT ON COLUMN chargeback.showback.share IS
    'cost / the month''s total cost, 0..1, unrounded (the shares of a month sum to 1 to within 1e-15); NULL when the month cost nothing';
COMMENT ON COLUMN chargeback.showback.prev_cost IS 'cost of the same org unit, project, provider and model the month before; 0 when it had none';
COMMENT ON COLUMN chargeback.showback.change IS 'cost - prev_cost';

-- unit_costs: cost per business outcome, from usage tagged with an activity_type and the
-- outcomes recorded in chargeback.activity_outcome.
CREATE VIEW chargeback.unit_costs AS
SELECT c.period, o.code AS org_unit, c.activity_type, c.cost, a.units,
       CASE WHEN a.units > 0 THEN round(c.cost / a.units, 6) END AS cost_per_unit
FROM (SELECT r.period, r.org_unit_id, r.activity_type, sum(r.cost) AS cost
      FROM chargeback.daily_rollup r
      WHERE r.activity_type <> ''
      GROUP BY r.period, r.org_unit_id, r.activity_type) c
JOIN chargeback.org_unit o USING (org_unit_id)
LEFT JOIN chargeback.activity_outcome a
       ON a.period = c.period AND a.org_unit_id = c.org_unit_id AND a.activity_type = c.activity_type;
COMMENT ON VIEW chargeback.unit_costs IS
    'cost per business outcome (per ticket resolved, opportunity, pull request): cost of usage tagged with an activity_type over the units in chargeback.activity_outcome';
COMMENT ON COLUMN chargeback.unit_costs.period IS 'accounting month (first day)';
COMMENT ON COLUMN chargeback.unit_costs.org_unit IS 'org unit code of the owner';
COMMENT ON COLUMN chargeback.unit_costs.activity_type IS 'business activity the usage was tagged with (attrs.activity_type)';
COMMENT ON COLUMN chargeback.unit_costs.cost IS 'exact cost of the month''s usage of this unit and activity';
COMMENT ON COLUMN chargeback.unit_costs.units IS 'outcomes recorded in chargeback.activity_outcome; NULL when none were recorded';
COMMENT ON COLUMN chargeback.unit_costs.cost_per_unit IS 'cost / units rounded to 6 decimals (half away from zero); NULL when units is 0 or missing';

-- Product names for FOCUS: the service, who provides it and who invoices it.
CREATE FUNCTION chargeback.focus_service(provider text, OUT service_name text, OUT provider_name text, OUT invoice_issuer text)
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT CASE provider
             WHEN 'openai' THEN 'OpenAI API' WHEN 'anthropic' THEN 'Claude API' WHEN 'google' THEN 'Gemini API'
             WHEN 'bedrock' THEN 'Amazon Bedrock' WHEN 'azure' THEN 'Azure OpenAI' WHEN 'mistral' THEN 'Mistral AI API'
             WHEN 'cohere' THEN 'Cohere API' WHEN 'openrouter' THEN 'OpenRouter API' ELSE provider || ' API' END,
           CASE provider
             WHEN 'openai' THEN 'OpenAI' WHEN 'anthropic' THEN 'Anthropic' WHEN 'google' THEN 'Google'
             WHEN 'bedrock' THEN 'Amazon Web Services' WHEN 'azure' THEN 'Microsoft' WHEN 'mistral' THEN 'Mistral AI'
             WHEN 'cohere' THEN 'Cohere' WHEN 'openrouter' THEN 'OpenRouter' ELSE provider END,
           CASE provider
             WHEN 'openai' THEN 'OpenAI' WHEN 'anthropic' THEN 'Anthropic' WHEN 'google' THEN 'Google'
             WHEN 'bedrock' THEN 'Amazon Web Services' WHEN 'azure' THEN 'Microsoft' WHEN 'mistral' THEN 'Mistral AI'
             WHEN 'cohere' THEN 'Cohere' WHEN 'openrouter' THEN 'OpenRouter' ELSE provider END
$$;
COMMENT ON FUNCTION chargeback.focus_service(text) IS
    'FOCUS ServiceName, ServiceProviderName and InvoiceIssuerName of a provider (the provider name itself for providers not known)';

-- focus: one row per charge (per daily rollup row) in FinOps FOCUS 1.x column names.
CREATE VIEW chargeback.focus AS
SELECT r.cost AS "BilledCost",
       r.cost AS "EffectiveCost",
       r.list_cost AS "ListCost",
       r.cost AS "ContractedCost",
       coalesce(nullif(r.currency, ''), 'USD') AS "BillingCurrency",
       'Usage'::text AS "ChargeCategory",
       CASE WHEN date_trunc('month', r.day)::date <> r.period THEN 'Correction' END AS "ChargeClass",
       format('%s %s (%s): %s tokens in %s requests%s', r.provider, r.model, r.service_tier, r.total_tokens, r.requests,
              CASE WHEN r.unpriced > 0 THEN format(', %s unpriced', r.unpriced) ELSE '' END) AS "ChargeDescription",
       t.day_start AS "ChargePeriodStart",
       t.day_end AS "ChargePeriodEnd",
       t.month_start AS "BillingPeriodStart",
       t.month_end AS "BillingPeriodEnd",
       'AI and Machine Learning'::text AS "ServiceCategory",
       'Generative AI'::text AS "ServiceSubcategory",
       s.service_name AS "ServiceName",
       s.provider_name AS "ServiceProviderName",
       s.invoice_issuer AS "InvoiceIssuerName",
       r.provider || '/' || m.sku_model || '/' || r.service_tier AS "SkuId",
       p.price_id::text AS "SkuPriceId",
       r.total_tokens::numeric AS "ConsumedQuantity",
       'Tokens'::text AS "ConsumedUnit",
       r.total_tokens * 0.000001 AS "PricingQuantity",
       '1000000 Tokens'::text AS "PricingUnit",
       CASE WHEN r.total_tokens > 0 AND r.unpriced < r.requests THEN round(r.list_cost * 1000000 / r.total_tokens, 6) END AS "ListUnitPrice",
       o.code AS "SubAccountId",
       o.name AS "SubAccountName",
       jsonb_strip_nulls(jsonb_build_object('x_Department', o.code, 'x_Project', nullif(r.project, ''),
                                            'x_CostCenter', o.cost_center, 'x_Activity', nullif(r.activity_type, ''))) AS "Tags"
FROM chargeback.daily_rollup r
JOIN chargeback.org_unit o USING (org_unit_id)
CROSS JOIN LATERAL (SELECT coalesce(nullif(current_setting('chargeback.timezone', true), ''), 'UTC') AS tz) z
CROSS JOIN LATERAL (SELECT r.day::timestamp AT TIME ZONE z.tz AS day_start,
                           (r.day + 1)::timestamp AT TIME ZONE z.tz AS day_end,
                           r.period::timestamp AT TIME ZONE z.tz AS month_start,
                           (r.period + interval '1 month') AT TIME ZONE z.tz AS month_end) t
CROSS JOIN LATERAL chargeback.focus_service(r.provider) s
CROSS JOIN LATERAL (SELECT coalesce(chargeback.resolve_model(r.provider, r.model), r.model) AS sku_model) m
LEFT JOIN LATERAL (SELECT c.price_id FROM chargeback.price c
                   WHERE c.provider = r.provider AND c.model = m.sku_model AND c.service_tier = r.service_tier
                     AND c.min_prompt_tokens = 0 AND c.valid_from < t.day_end
                     AND (c.valid_to IS NULL OR c.valid_to > t.day_start)
                   ORDER BY c.valid_from DESC LIMIT 1) p ON true;
COMMENT ON VIEW chargeback.focus IS
    'FinOps FOCUS 1.x export: one Usage charge per day, org unit, project, activity, provider, model, tier and currency (a daily rollup row)';
COMMENT ON COLUMN chargeback.focus."BilledCost" IS 'cost charged, exact; 0 for unpriced usage';
COMMENT ON COLUMN chargeback.focus."EffectiveCost" IS 'cost after discounts and commitments: the cost charged (no amortization)';
COMMENT ON COLUMN chargeback.focus."ListCost" IS 'cost at catalog list prices, exact';
COMMENT ON COLUMN chargeback.focus."ContractedCost" IS 'cost at the prices in force: the cost charged';
COMMENT ON COLUMN chargeback.focus."BillingCurrency" IS 'ISO 4217 currency of the costs (USD for unpriced usage)';
COMMENT ON COLUMN chargeback.focus."ChargeCategory" IS 'always Usage';
COMMENT ON COLUMN chargeback.focus."ChargeClass" IS 'Correction for usage of a closed month booked into a later one, else NULL';
COMMENT ON COLUMN chargeback.focus."ChargeDescription" IS 'provider, model, tier, tokens and requests of the charge';
COMMENT ON COLUMN chargeback.focus."ChargePeriodStart" IS 'start of the day the usage occurred (inclusive), in chargeback.timezone';
COMMENT ON COLUMN chargeback.focus."ChargePeriodEnd" IS 'end of that day (exclusive)';
COMMENT ON COLUMN chargeback.focus."BillingPeriodStart" IS 'start of the accounting month (inclusive), in chargeback.timezone';
COMMENT ON COLUMN chargeback.focus."BillingPeriodEnd" IS 'end of the accounting month (exclusive)';
COMMENT ON COLUMN chargeback.focus."ServiceCategory" IS 'always AI and Machine Learning';
COMMENT ON COLUMN chargeback.focus."ServiceSubcategory" IS 'always Generative AI';
COMMENT ON COLUMN chargeback.focus."ServiceName" IS 'the provider''s product (OpenAI API, Claude API, Gemini API, Amazon Bedrock, ...)';
COMMENT ON COLUMN chargeback.focus."ServiceProviderName" IS 'who makes the service available (OpenAI, Anthropic, Google, Amazon Web Services, ...)';
COMMENT ON COLUMN chargeback.focus."InvoiceIssuerName" IS 'who invoices the usage';
COMMENT ON COLUMN chargeback.focus."SkuId" IS 'provider/catalog model/service tier';
COMMENT ON COLUMN chargeback.focus."SkuPriceId" IS 'price_id of the catalog row in force for the SKU that day (the latest when prices changed during the day); NULL when unpriced';
COMMENT ON COLUMN chargeback.focus."ConsumedQuantity" IS 'tokens of every class';
COMMENT ON COLUMN chargeback.focus."ConsumedUnit" IS 'always Tokens';
COMMENT ON COLUMN chargeback.focus."PricingQuantity" IS 'tokens / 1000000, exact';
COMMENT ON COLUMN chargeback.focus."PricingUnit" IS 'always 1000000 Tokens';
COMMENT ON COLUMN chargeback.focus."ListUnitPrice" IS
    'blended list price per 1M tokens over the classes used (ListCost / PricingQuantity), rounded to 6 decimals; NULL without priced tokens';
COMMENT ON COLUMN chargeback.focus."SubAccountId" IS 'org unit code of the owner';
COMMENT ON COLUMN chargeback.focus."SubAccountName" IS 'org unit name of the owner';
COMMENT ON COLUMN chargeback.focus."Tags" IS 'x_Department (org unit code), x_Project, x_CostCenter, x_Activity; absent keys have no value';

-- data_quality: what needs attention, at a glance (all periods).
CREATE VIEW chargeback.data_quality AS
SELECT 'unpriced'::text AS check_name, coalesce(sum(r.unpriced), 0)::bigint AS rows, NULL::numeric AS cost,
       'usage without a catalog price: recorded, costed 0; see chargeback.unpriced_usage, fix with set_price() or model_alias, then reprice()'::text AS detail
FROM chargeback.daily_rollup r
UNION ALL
SELECT 'unattributed', coalesce(sum(r.requests), 0)::bigint, coalesce(sum(r.cost), 0),
       'usage owned by the built-in unit unattributed: no explicit owner, ownership rule or membership matched'
FROM chargeback.daily_rollup r JOIN chargeback.org_unit o USING (org_unit_id)
WHERE o.code = 'unattributed'
UNION ALL
SELECT 'rejected', count(*), NULL,
       'bulk rows that could not be ingested (chargeback.usage_rejected)'
       || coalesce(': ' || (SELECT string_agg(format('%s x %s', n, sqlstate), ', ' ORDER BY n DESC, sqlstate)
                            FROM (SELECT sqlstate, count(*) AS n FROM chargeback.usage_rejected GROUP BY sqlstate) e), '')
FROM chargeback.usage_rejected
UNION ALL
SELECT 'duplicate_dropped', count(*), coalesce(sum(u.cost), 0),
       'requests sent again after they were recorded, dropped and never charged twice (chargeback.usage_duplicate); cost is what they would have added'
FROM chargeback.usage_duplicate d
LEFT JOIN chargeback.usage u ON u.usage_id = d.usage_id
UNION ALL
-- Late usage: usage of a closed month booked into a later open one. Such a row keeps its
-- occurred_at while its period moves on (usage.adjusts_period names the month it adjusts),
-- so its day is outside its period: the rollup finds it without scanning raw usage (which
-- has no index on adjusts_period). sql/showback.sql checks that the two agree.
SELECT 'late', coalesce(sum(r.requests), 0)::bigint, coalesce(sum(r.cost), 0),
       'usage of a closed month booked into the next open one as an adjustment (FOCUS ChargeClass Correction)'
FROM chargeback.daily_rollup r
WHERE date_trunc('month', r.day)::date <> r.period;
COMMENT ON VIEW chargeback.data_quality IS
    'data-quality checks over all periods: unpriced, unattributed, rejected, duplicate-dropped and late usage';
COMMENT ON COLUMN chargeback.data_quality.check_name IS 'unpriced, unattributed, rejected, duplicate_dropped or late';
COMMENT ON COLUMN chargeback.data_quality.rows IS 'usage rows (or rejected input rows) the check found';
COMMENT ON COLUMN chargeback.data_quality.cost IS 'cost involved; NULL where there is none (unpriced and rejected rows have no cost)';
COMMENT ON COLUMN chargeback.data_quality.detail IS 'what the check means and where to look';
-- Jobs: the periodic work of pg_chargeback (maintenance, a draft allocation of the running
-- month, closing the previous month), scheduled with pg_cron when it is installed here.
-- pg_cron is optional: every call into it goes through EXECUTE, so this script and these
-- functions do not need the cron schema to exist.

-- What every job needs done regularly, cheap enough to run every few minutes.
CREATE FUNCTION chargeback.maintenance() RETURNS jsonb
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, chargeback
AS $$
DECLARE
    cur date := chargeback.period_of(now());
    made integer;
    purged bigint;
BEGIN
    -- Usage partitions are otherwise made by the first row of each month, inside an ingest
    -- transaction: that CREATE TABLE ... PARTITION OF locks the partitioned table, and every
    -- ingest of the new month waits for it. Made ahead of time, the first of the month is
    -- an ordinary insert. The current month too, in case the job did not run last month.
    made := chargeback.ensure_partitions(cur, (cur + interval '1 month')::date);

    -- Settled and expired holds no longer count against any budget (budget_held() reads
    -- open, unexpired holds only), but they stay in the table, and an expired hold that
    -- was never settled stays in the open-holds index that authorize() and every usage
    -- insert read. A week of them is kept to explain recent denials and settlements.
    DELETE FROM chargeback.reservation
    WHERE settled_at < now() - interval '7 days'
       OR (settled_at IS NULL AND expires_at < now() - interval '7 days');
    GET DIAGNOSTICS purged = ROW_COUNT;

    RETURN jsonb_build_object('partitions_made', made, 'reservations_purged', purged);
END
$$;
COMMENT ON FUNCTION chargeback.maintenance() IS
    'periodic upkeep: makes the usage partitions of this and next month, deletes holds settled or expired more than 7 days ago; returns {partitions_made, reservations_purged}';

-- The standard jobs. pg_cron keys jobs by (name, user), so calling this again updates
-- them in place. Times in a cron schedule are pg_cron's time zone (GMT before pg_cron 1.5).
CREATE FUNCTION chargeback.schedule_jobs(close_day integer DEFAULT 3, model text DEFAULT 'department',
                                         maintenance_schedule text DEFAULT '*/5 * * * *',
                                         draft_schedule text DEFAULT '17 * * * *')
RETURNS TABLE (jobname text, schedule text, command text, scheduled boolean)
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, chargeback
AS $$
DECLARE
    names text[] := ARRAY['chargeback-maintenance', 'chargeback-draft-allocation', 'chargeback-close'];
    schedules text[];
    commands text[];
    have_cron boolean := EXISTS (SELECT 1 FROM pg_catalog.pg_extension WHERE extname = 'pg_cron');
    cron_db text := nullif(current_setting('cron.database_name', true), '');
    statements text[] := '{}';
    i integer;
BEGIN
    IF schedule_jobs.close_day IS NULL OR schedule_jobs.close_day NOT BETWEEN 1 AND 28 THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
            MESSAGE = format('close_day must be between 1 and 28, not %s', coalesce(schedule_jobs.close_day::text, 'NULL')),
            HINT = 'the previous month is closed at 02:00 on this day of every month; days 29 to 31 are not in every month';
    END IF;
    IF schedule_jobs.model IS NULL OR schedule_jobs.model NOT IN ('central', 'department', 'activity') THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
            MESSAGE = format('unknown allocation model %s', coalesce(quote_literal(schedule_jobs.model), 'NULL')),
            HINT = 'models: central, department, activity';
    END IF;
    -- pg_cron checks a schedule when it is given one; without pg_cron here the statements
    -- run elsewhere later, so catch the common mistakes now: five fields, or @hourly etc.
    FOR i IN 1..2 LOOP
        DECLARE
            arg text := (ARRAY['maintenance_schedule', 'draft_schedule'])[i];
            val text := (ARRAY[schedule_jobs.maintenance_schedule, schedule_jobs.draft_schedule])[i];
        BEGIN
            IF val IS NULL OR val !~ '^\s*(\S+\s+){4}\S+\s*$' AND val !~ '^\s*@[a-z]+\s*$' THEN
                RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
                    MESSAGE = format('%s %s is not a cron schedule', arg, coalesce(quote_literal(val), 'NULL')),
                    HINT = 'five fields: minute hour day-of-month month day-of-week, as in ''*/5 * * * *''';
            END IF;
        END;
    END LOOP;

    schedules := ARRAY[schedule_jobs.maintenance_schedule, schedule_jobs.draft_schedule,
                       format('0 2 %s * *', schedule_jobs.close_day)];
    -- The month is period_of(now()): the accounting month in chargeback.timezone, the same
    -- one ingestion books usage into (a bare date_trunc would use the job's session zone).
    commands := ARRAY[
        'SELECT chargeback.maintenance()',
        format('SELECT chargeback.run_allocation(chargeback.period_of(now()), %L)', schedule_jobs.model),
        format('SELECT chargeback.close_period((chargeback.period_of(now()) - interval %L)::date, %L)',
               '1 month', schedule_jobs.model)];

    IF have_cron THEN
        FOR i IN 1..3 LOOP
            EXECUTE 'SELECT cron.schedule($1, $2, $3)' USING names[i], schedules[i], commands[i];
        END LOOP;
    ELSE
        -- Not an error: pg_cron runs its jobs from one database (cron.database_name) and
        -- can start them in any other. Say exactly what to run there.
        FOR i IN 1..3 LOOP
            statements := statements || format('SELECT cron.schedule_in_database(%L, %L, %L, %L);',
                                               names[i], schedules[i], commands[i], current_database());
        END LOOP;
        RAISE NOTICE USING
            MESSAGE = format('pg_cron is not installed in database "%s": the chargeback jobs are not scheduled; run these statements in %s',
                             current_database(),
                             CASE WHEN cron_db IS NULL THEN 'the database where pg_cron is installed'
                                  ELSE format('database "%s" (cron.database_name)', cron_db) END),
            DETAIL = array_to_string(statements, E'\n'),
            HINT = CASE
                WHEN cron_db = current_database() THEN
                    'pg_cron is loaded for this database but not created in it: CREATE EXTENSION pg_cron, then call chargeback.schedule_jobs() again'
                WHEN cron_db IS NULL THEN
                    'pg_cron is not loaded on this server (shared_preload_libraries); it runs its jobs from the database named by cron.database_name, by default postgres'
                ELSE
                    'cron.schedule_in_database() needs a superuser or an explicit GRANT; pg_cron names jobs per user, so the same user cannot hold these jobs for two databases'
            END;
    END IF;

    RETURN QUERY
        SELECT n, s, c, have_cron
        FROM unnest(names, schedules, commands) WITH ORDINALITY AS t(n, s, c, ord)
        ORDER BY ord;
END
$$;
COMMENT ON FUNCTION chargeback.schedule_jobs(integer, text, text, text) IS
    'schedules the standard pg_cron jobs (chargeback-maintenance, chargeback-draft-allocation, chargeback-close at 02:00 on close_day); without pg_cron in this database, a NOTICE gives the statements to run in the pg_cron database';

CREATE FUNCTION chargeback.unschedule_jobs() RETURNS integer
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, chargeback
AS $$
DECLARE
    names text[] := ARRAY['chargeback-maintenance', 'chargeback-draft-allocation', 'chargeback-close'];
    removed integer;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_extension WHERE extname = 'pg_cron') THEN
        RAISE NOTICE USING
            MESSAGE = format('pg_cron is not installed in database "%s": no job to remove here', current_database()),
            DETAIL = format('jobs scheduled for this database from the pg_cron database are removed there with: SELECT cron.unschedule(jobid) FROM cron.job WHERE jobname IN (%s) AND database = %L;',
                            (SELECT string_agg(quote_literal(n), ', ') FROM unnest(names) n), current_database());
        RETURN 0;
    END IF;
    -- The jobs schedule_jobs() made: pg_cron keys them by name and user.
    EXECUTE 'SELECT count(cron.unschedule(jobid)) FROM cron.job WHERE jobname = ANY ($1) AND username = current_user'
        INTO removed USING names;
    RETURN removed;
END
$$;
COMMENT ON FUNCTION chargeback.unschedule_jobs() IS
    'removes the standard pg_cron jobs of the current user made by schedule_jobs(); returns how many were removed';
-- pg_chargeback: built-in list-price catalog
--
-- List prices of current LLM models as published by the providers on their
-- own pricing pages (OpenAI API pricing, Anthropic Claude pricing, Google
-- Gemini Developer API pricing, AWS Bedrock pricing), as of 2025-11-01.
-- Every row is inserted with source 'builtin' and
-- valid_from '2025-11-01 00:00:00+00', the date this list is asserted.
-- The catalog is a starting point, not a contract: providers change prices,
-- and negotiated discounts, credits or regional surcharges are not included.
-- To correct, extend or replace it (new prices, negotiated rates, other
-- regions or models), use chargeback.set_price() or chargeback.import_prices()
-- rather than editing these rows.
--
-- Rates are USD per 1M tokens (requests: per request; web_searches: per
-- single search). Only token classes that differ from their fallback are
-- written: reasoning -> output; cache_read, cache_write, cache_write_1h,
-- audio_input, image_input -> input; audio_output, image_output -> output.
-- service_tier: standard | batch | flex | priority.
-- min_prompt_tokens = N: the row prices the whole request when the prompt
-- exceeds N tokens (long-context tier).
-- Model names are the undated base names used by the providers; dated snapshots
-- (e.g. claude-sonnet-4-5-20250929) resolve to them. Bedrock rows use the
-- Bedrock model IDs.

INSERT INTO chargeback.price
    (provider, model, service_tier, min_prompt_tokens, rates, valid_from, source)
VALUES
    -- OpenAI (platform.openai.com/docs/pricing, text tokens).
    --   Cached input is billed at the cache_read rate; OpenAI has no cache-write
    --   charge, so cache_write is left to its fallback (= input). Reasoning tokens
    --   are billed as output (fallback). web_searches = web search tool calls,
    --   $10 / 1k calls, for the models that support the tool.
    --   batch: Batch API, 50% of input and output. The Batch table publishes a
    --   discounted cached-input price only for the gpt-5 family; for the other
    --   models cached tokens in a batch are billed as batch input (fallback).
    --   flex / priority: service_tier=flex / priority as published.
    ('openai', 'gpt-5', 'standard', 0, 'input=1.25 cache_read=0.125 output=10 web_searches=0.01 USD', '2025-11-01 00:00:00+00', 'builtin'),
    ('openai', 'gpt-5-mini', 'standard', 0, 'input=0.25 cache_read=0.025 output=2 web_searches=0.01 USD', '2025-11-01 00:00:00+00', 'builtin'),
    ('openai', 'gpt-5-nano', 'standard', 0, 'input=0.05 cache_read=0.005 output=0.4 web_searches=0.01 USD', '2025-11-01 00:00:00+00', 'builtin'),
    ('openai', 'gpt-4.1', 'standard', 0, 'input=2 cache_read=0.5 output=8 web_searches=0.01 USD', '2025-11-01 00:00:00+00', 'builtin'),
    ('openai', 'gpt-4.1-mini', 'standard', 0, 'input=0.4 cache_read=0.1 output=1.6 web_searches=0.01 USD', '2025-11-01 00:00:00+00', 'builtin'),
    ('openai', 'gpt-4.1-nano', 'standard', 0, 'input=0.1 cache_read=0.025 output=0.4 USD', '2025-11-01 00:00:00+00', 'builtin'),
    ('openai', 'gpt-4o', 'standard', 0, 'input=2.5 cache_read=1.25 output=10 web_searches=0.01 USD', '2025-11-01 00:00:00+00', 'builtin'),
    ('openai', 'gpt-4o-mini', 'standard', 0, 'input=0.15 cache_read=0.075 output=0.6 web_searches=0.01 USD', '2025-11-01 00:00:00+00', 'builtin'),
    ('openai', 'o3', 'standard', 0, 'input=2 cache_read=0.5 output=8 web_searches=0.01 USD', '2025-11-01 00:00:00+00', 'builtin'),
    ('openai', 'o4-mini', 'standard', 0, 'input=1.1 cache_read=0.275 output=4.4 web_searches=0.01 USD', '2025-11-01 00:00:00+00', 'builtin'),
    ('openai', 'o3-mini', 'standard', 0, 'input=1.1 cache_read=0.55 output=4.4 USD', '2025-11-01 00:00:00+00', 'builtin'),
    ('openai', 'o1', 'standard', 0, 'input=15 cache_read=7.5 output=60 USD', '2025-11-01 00:00:00+00', 'builtin'),
    ('openai', 'gpt-5', 'batch', 0, 'input=0.625 cache_read=0.0625 output=5 web_searches=0.01 USD', '2025-11-01 00:00:00+00', 'builtin'),
    ('openai', 'gpt-5-mini', 'batch', 0, 'input=0.125 cache_read=0.0125 output=1 web_searches=0.01 USD', '2025-11-01 00:00:00+00', 'builtin'),
    ('openai', 'gpt-5-nano', 'batch', 0, 'input=0.025 cache_read=0.0025 output=0.2 web_searches=0.01 USD', '2025-11-01 00:00:00+00', 'builtin'),
    ('openai', 'gpt-4.1', 'batch', 0, 'input=1 output=4 web_searches=0.01 USD', '2025-11-01 00:00:00+00', 'builtin'),
    ('openai', 'gpt-4.1-mini', 'batch', 0, 'input=0.2 output=0.8 web_searches=0.01 USD', '2025-11-01 00:00:00+00', 'builtin'),
    ('openai', 'gpt-4.1-nano', 'batch', 0, 'input=0.05 output=0.2 USD', '2025-11-01 00:00:00+00', 'builtin'),
    ('openai', 'gpt-4o', 'batch', 0, 'input=1.25 output=5 web_searches=0.01 USD', '2025-11-01 00:00:00+00', 'builtin'),
    ('openai', 'gpt-4o-mini', 'batch', 0, 'input=0.075 output=0.3 web_searches=0.01 USD', '2025-11-01 00:00:00+00', 'builtin'),
    ('openai', 'o3', 'batch', 0, 'input=1 output=4 web_searches=0.01 USD', '2025-11-01 00:00:00+00', 'builtin'),
    ('openai', 'o4-mini', 'batch', 0, 'input=0.55 output=2.2 web_searches=0.01 USD', '2025-11-01 00:00:00+00', 'builtin'),
    ('openai', 'o3-mini', 'batch', 0, 'input=0.55 output=2.2 USD', '2025-11-01 00:00:00+00', 'builtin'),
    ('openai', 'o1', 'batch', 0, 'input=7.5 output=30 USD', '2025-11-01 00:00:00+00', 'builtin'),
    ('openai', 'gpt-5', 'flex', 0, 'input=0.625 cache_read=0.0625 output=5 web_searches=0.01 USD', '2025-11-01 00:00:00+00', 'builtin'),
    ('openai', 'gpt-5-mini', 'flex', 0, 'input=0.125 cache_read=0.0125 output=1 web_searches=0.01 USD', '2025-11-01 00:00:00+00', 'builtin'),
    ('openai', 'gpt-5-nano', 'flex', 0, 'input=0.025 cache_read=0.0025 output=0.2 web_searches=0.01 USD', '2025-11-01 00:00:00+00', 'builtin'),
    ('openai', 'o3', 'flex', 0, 'input=1 cache_read=0.25 output=4 web_searches=0.01 USD', '2025-11-01 00:00:00+00', 'builtin'),
    ('openai', 'o4-mini', 'flex', 0, 'input=0.55 cache_read=0.138 output=2.2 web_searches=0.01 USD', '2025-11-01 00:00:00+00', 'builtin'),
    ('openai', 'gpt-5', 'priority', 0, 'input=2.5 cache_read=0.25 output=20 web_searches=0.01 USD', '2025-11-01 00:00:00+00', 'builtin'),
    ('openai', 'gpt-5-mini', 'priority', 0, 'input=0.45 cache_read=0.045 output=3.6 web_searches=0.01 USD', '2025-11-01 00:00:00+00', 'builtin'),
    ('openai', 'gpt-4.1', 'priority', 0, 'input=3.5 cache_read=0.875 output=14 web_searches=0.01 USD', '2025-11-01 00:00:00+00', 'builtin'),
    ('openai', 'gpt-4.1-mini', 'priority', 0, 'input=0.7 cache_read=0.175 output=2.8 web_searches=0.01 USD', '2025-11-01 00:00:00+00', 'builtin'),
    ('openai', 'gpt-4.1-nano', 'priority', 0, 'input=0.2 cache_read=0.05 output=0.8 USD', '2025-11-01 00:00:00+00', 'builtin'),
    ('openai', 'gpt-4o', 'priority', 0, 'input=4.25 cache_read=2.125 output=17 web_searches=0.01 USD', '2025-11-01 00:00:00+00', 'builtin'),
    ('openai', 'gpt-4o-mini', 'priority', 0, 'input=0.25 cache_read=0.125 output=1 web_searches=0.01 USD', '2025-11-01 00:00:00+00', 'builtin'),
    ('openai', 'o3', 'priority', 0, 'input=3.5 cache_read=0.875 output=14 web_searches=0.01 USD', '2025-11-01 00:00:00+00', 'builtin'),
    ('openai', 'o4-mini', 'priority', 0, 'input=2 cache_read=0.5 output=8 web_searches=0.01 USD', '2025-11-01 00:00:00+00', 'builtin'),

    -- OpenAI embeddings: input only (no output tokens); batch = 50%.
    ('openai', 'text-embedding-3-small', 'standard', 0, 'input=0.02 output=0 USD', '2025-11-01 00:00:00+00', 'builtin'),
    ('openai', 'text-embedding-3-large', 'standard', 0, 'input=0.13 output=0 USD', '2025-11-01 00:00:00+00', 'builtin'),
    ('openai', 'text-embedding-3-small', 'batch', 0, 'input=0.01 output=0 USD', '2025-11-01 00:00:00+00', 'builtin'),
    ('openai', 'text-embedding-3-large', 'batch', 0, 'input=0.065 output=0 USD', '2025-11-01 00:00:00+00', 'builtin'),

    -- Anthropic (Claude API, docs.claude.com/en/docs/about-claude/pricing).
    --   cache_write = 5-minute cache write (1.25x input), cache_write_1h = 1-hour
    --   cache write (2x input), cache_read = cache hits and refreshes (0.1x input);
    --   Claude Haiku 3 uses its own published cache prices (0.30 / 0.50 / 0.03).
    --   web_searches = web search tool, $10 / 1k searches (not offered for Haiku 3).
    --   batch: Message Batches API, 50% of every token rate (the caching multipliers
    --   stack with the batch discount).
    --   min_prompt_tokens = 200000: long-context pricing of Sonnet 4.5 and Sonnet 4
    --   (1M-context beta): when the prompt (input + cache reads + cache writes)
    --   exceeds 200k tokens the whole request is billed at input 6 / output 22.50,
    --   caching multipliers applied on top.
    ('anthropic', 'claude-opus-4-5', 'standard', 0, 'input=5 cache_read=0.5 cache_write=6.25 cache_write_1h=10 output=25 web_searches=0.01 USD', '2025-11-01 00:00:00+00', 'builtin'),
    ('anthropic', 'claude-opus-4-1', 'standard', 0, 'input=15 cache_read=1.5 cache_write=18.75 cache_write_1h=30 output=75 web_searches=0.01 USD', '2025-11-01 00:00:00+00', 'builtin'),
    ('anthropic', 'claude-opus-4', 'standard', 0, 'input=15 cache_read=1.5 cache_write=18.75 cache_write_1h=30 output=75 web_searches=0.01 USD', '2025-11-01 00:00:00+00', 'builtin'),
    ('anthropic', 'claude-sonnet-4-5', 'standard', 0, 'input=3 cache_read=0.3 cache_write=3.75 cache_write_1h=6 output=15 web_searches=0.01 USD', '2025-11-01 00:00:00+00', 'builtin'),
    ('anthropic', 'claude-sonnet-4', 'standard', 0, 'input=3 cache_read=0.3 cache_write=3.75 cache_write_1h=6 output=15 web_searches=0.01 USD', '2025-11-01 00:00:00+00', 'builtin'),
    ('anthropic', 'claude-3-7-sonnet', 'standard', 0, 'input=3 cache_read=0.3 cache_write=3.75 cache_write_1h=6 output=15 web_searches=0.01 USD', '2025-11-01 00:00:00+00', 'builtin'),
    ('anthropic', 'claude-haiku-4-5', 'standard', 0, 'input=1 cache_read=0.1 cache_write=1.25 cache_write_1h=2 output=5 web_searches=0.01 USD', '2025-11-01 00:00:00+00', 'builtin'),
    ('anthropic', 'claude-3-5-haiku', 'standard', 0, 'input=0.8 cache_read=0.08 cache_write=1 cache_write_1h=1.6 output=4 web_searches=0.01 USD', '2025-11-01 00:00:00+00', 'builtin'),
    ('anthropic', 'claude-3-haiku', 'standard', 0, 'input=0.25 cache_read=0.03 cache_write=0.3 cache_write_1h=0.5 output=1.25 USD', '2025-11-01 00:00:00+00', 'builtin'),
    ('anthropic', 'claude-opus-4-5', 'batch', 0, 'input=2.5 cache_read=0.25 cache_write=3.125 cache_write_1h=5 output=12.5 web_searches=0.01 USD', '2025-11-01 00:00:00+00', 'builtin'),
    ('anthropic', 'claude-opus-4-1', 'batch', 0, 'input=7.5 cache_read=0.75 cache_write=9.375 cache_write_1h=15 output=37.5 web_searches=0.01 USD', '2025-11-01 00:00:00+00', 'builtin'),
    ('anthropic', 'claude-opus-4', 'batch', 0, 'input=7.5 cache_read=0.75 cache_write=9.375 cache_write_1h=15 output=37.5 web_searches=0.01 USD', '2025-11-01 00:00:00+00', 'builtin'),
    ('anthropic', 'claude-sonnet-4-5', 'batch', 0, 'input=1.5 cache_read=0.15 cache_write=1.875 cache_write_1h=3 output=7.5 web_searches=0.01 USD', '2025-11-01 00:00:00+00', 'builtin'),
    ('anthropic', 'claude-sonnet-4', 'batch', 0, 'input=1.5 cache_read=0.15 cache_write=1.875 cache_write_1h=3 output=7.5 web_searches=0.01 USD', '2025-11-01 00:00:00+00', 'builtin'),
    ('anthropic', 'claude-3-7-sonnet', 'batch', 0, 'input=1.5 cache_read=0.15 cache_write=1.875 cache_write_1h=3 output=7.5 web_searches=0.01 USD', '2025-11-01 00:00:00+00', 'builtin'),
    ('anthropic', 'claude-haiku-4-5', 'batch', 0, 'input=0.5 cache_read=0.05 cache_write=0.625 cache_write_1h=1 output=2.5 web_searches=0.01 USD', '2025-11-01 00:00:00+00', 'builtin'),
    ('anthropic', 'claude-3-5-haiku', 'batch', 0, 'input=0.4 cache_read=0.04 cache_write=0.5 cache_write_1h=0.8 output=2 web_searches=0.01 USD', '2025-11-01 00:00:00+00', 'builtin'),
    ('anthropic', 'claude-3-haiku', 'batch', 0, 'input=0.125 cache_read=0.015 cache_write=0.15 cache_write_1h=0.25 output=0.625 USD', '2025-11-01 00:00:00+00', 'builtin'),
    ('anthropic', 'claude-sonnet-4-5', 'standard', 200000, 'input=6 cache_read=0.6 cache_write=7.5 cache_write_1h=12 output=22.5 web_searches=0.01 USD', '2025-11-01 00:00:00+00', 'builtin'),
    ('anthropic', 'claude-sonnet-4', 'standard', 200000, 'input=6 cache_read=0.6 cache_write=7.5 cache_write_1h=12 output=22.5 web_searches=0.01 USD', '2025-11-01 00:00:00+00', 'builtin'),
    ('anthropic', 'claude-sonnet-4-5', 'batch', 200000, 'input=3 cache_read=0.3 cache_write=3.75 cache_write_1h=6 output=11.25 web_searches=0.01 USD', '2025-11-01 00:00:00+00', 'builtin'),
    ('anthropic', 'claude-sonnet-4', 'batch', 200000, 'input=3 cache_read=0.3 cache_write=3.75 cache_write_1h=6 output=11.25 web_searches=0.01 USD', '2025-11-01 00:00:00+00', 'builtin'),

    -- Google Gemini API (ai.google.dev/gemini-api/docs/pricing, paid tier).
    --   cache_read = context caching price per 1M cached tokens (text/image/video);
    --   cache storage ($/1M tokens per hour) and Grounding with Google Search are
    --   billed separately and are not token classes here. Thinking tokens are
    --   billed as output (fallback). audio_input is written where audio input is
    --   priced differently from text.
    --   batch: Batch Mode, 50% of input and output; the context caching price is
    --   the same as in standard mode.
    --   min_prompt_tokens = 200000: prompts longer than 200k tokens
    --   (gemini-3-pro-preview, gemini-2.5-pro).
    --   gemini-2.0-flash image_output: image output at $30 / 1M tokens
    --   ($0.039 per 1024x1024 image).
    ('google', 'gemini-3-pro-preview', 'standard', 0, 'input=2 cache_read=0.2 output=12 USD', '2025-11-01 00:00:00+00', 'builtin'),
    ('google', 'gemini-3-pro-preview', 'standard', 200000, 'input=4 cache_read=0.4 output=18 USD', '2025-11-01 00:00:00+00', 'builtin'),
    ('google', 'gemini-2.5-pro', 'standard', 0, 'input=1.25 cache_read=0.125 output=10 USD', '2025-11-01 00:00:00+00', 'builtin'),
    ('google', 'gemini-2.5-pro', 'standard', 200000, 'input=2.5 cache_read=0.25 output=15 USD', '2025-11-01 00:00:00+00', 'builtin'),
    ('google', 'gemini-2.5-flash', 'standard', 0, 'input=0.3 cache_read=0.03 output=2.5 audio_input=1 USD', '2025-11-01 00:00:00+00', 'builtin'),
    ('google', 'gemini-2.5-flash-lite', 'standard', 0, 'input=0.1 cache_read=0.01 output=0.4 audio_input=0.3 USD', '2025-11-01 00:00:00+00', 'builtin'),
    ('google', 'gemini-2.0-flash', 'standard', 0, 'input=0.1 cache_read=0.025 output=0.4 audio_input=0.7 image_output=30 USD', '2025-11-01 00:00:00+00', 'builtin'),
    ('google', 'gemini-2.0-flash-lite', 'standard', 0, 'input=0.075 output=0.3 USD', '2025-11-01 00:00:00+00', 'builtin'),
    ('google', 'gemini-3-pro-preview', 'batch', 0, 'input=1 cache_read=0.2 output=6 USD', '2025-11-01 00:00:00+00', 'builtin'),
    ('google', 'gemini-3-pro-preview', 'batch', 200000, 'input=2 cache_read=0.4 output=9 USD', '2025-11-01 00:00:00+00', 'builtin'),
    ('google', 'gemini-2.5-pro', 'batch', 0, 'input=0.625 cache_read=0.125 output=5 USD', '2025-11-01 00:00:00+00', 'builtin'),
    ('google', 'gemini-2.5-pro', 'batch', 200000, 'input=1.25 cache_read=0.25 output=7.5 USD', '2025-11-01 00:00:00+00', 'builtin'),
    ('google', 'gemini-2.5-flash', 'batch', 0, 'input=0.15 cache_read=0.03 output=1.25 audio_input=0.5 USD', '2025-11-01 00:00:00+00', 'builtin'),
    ('google', 'gemini-2.5-flash-lite', 'batch', 0, 'input=0.05 cache_read=0.01 output=0.2 audio_input=0.15 USD', '2025-11-01 00:00:00+00', 'builtin'),
    ('google', 'gemini-2.0-flash', 'batch', 0, 'input=0.05 cache_read=0.025 output=0.2 audio_input=0.35 image_output=15 USD', '2025-11-01 00:00:00+00', 'builtin'),
    ('google', 'gemini-2.0-flash-lite', 'batch', 0, 'input=0.0375 output=0.15 USD', '2025-11-01 00:00:00+00', 'builtin'),

    -- AWS Bedrock, on-demand, us-east-1 (aws.amazon.com/bedrock/pricing).
    --   Model names are Bedrock model IDs. Claude Sonnet 4.5 and Haiku 4.5 are
    --   priced at the list (global cross-region inference) rate; geographic or
    --   in-region inference profiles (us.*) are billed 10% higher - override with
    --   chargeback.set_price() if you use them. Bedrock prompt caching:
    --   cache_write = cache write (5-minute TTL), cache_read = cache read; Amazon
    --   Nova charges no cache-write premium (fallback = input) and bills cache reads
    --   at 25% of input. Claude 3.5 Sonnet v2 is listed at its price on
    --   2025-11-01 ($3 / $15); AWS moved it to extended-access pricing
    --   ($6 / $30) on 2025-12-01.
    --   batch: Bedrock batch inference, 50% of on-demand input and output (no
    --   prompt caching in batch).
    --   min_prompt_tokens = 200000: Claude Sonnet 4.5 long-context (1M) pricing.
    ('bedrock', 'anthropic.claude-sonnet-4-5-20250929-v1:0', 'standard', 0, 'input=3 cache_read=0.3 cache_write=3.75 output=15 USD', '2025-11-01 00:00:00+00', 'builtin'),
    ('bedrock', 'anthropic.claude-haiku-4-5-20251001-v1:0', 'standard', 0, 'input=1 cache_read=0.1 cache_write=1.25 output=5 USD', '2025-11-01 00:00:00+00', 'builtin'),
    ('bedrock', 'anthropic.claude-opus-4-1-20250805-v1:0', 'standard', 0, 'input=15 cache_read=1.5 cache_write=18.75 output=75 USD', '2025-11-01 00:00:00+00', 'builtin'),
    ('bedrock', 'anthropic.claude-3-5-sonnet-20241022-v2:0', 'standard', 0, 'input=3 output=15 USD', '2025-11-01 00:00:00+00', 'builtin'),
    ('bedrock', 'anthropic.claude-3-haiku-20240307-v1:0', 'standard', 0, 'input=0.25 output=1.25 USD', '2025-11-01 00:00:00+00', 'builtin'),
    ('bedrock', 'amazon.nova-pro-v1:0', 'standard', 0, 'input=0.8 cache_read=0.2 output=3.2 USD', '2025-11-01 00:00:00+00', 'builtin'),
    ('bedrock', 'amazon.nova-lite-v1:0', 'standard', 0, 'input=0.06 cache_read=0.015 output=0.24 USD', '2025-11-01 00:00:00+00', 'builtin'),
    ('bedrock', 'amazon.nova-micro-v1:0', 'standard', 0, 'input=0.035 cache_read=0.00875 output=0.14 USD', '2025-11-01 00:00:00+00', 'builtin'),
    ('bedrock', 'meta.llama3-3-70b-instruct-v1:0', 'standard', 0, 'input=0.72 output=0.72 USD', '2025-11-01 00:00:00+00', 'builtin'),
    ('bedrock', 'anthropic.claude-sonnet-4-5-20250929-v1:0', 'standard', 200000, 'input=6 cache_read=0.6 cache_write=7.5 output=22.5 USD', '2025-11-01 00:00:00+00', 'builtin'),
    ('bedrock', 'anthropic.claude-sonnet-4-5-20250929-v1:0', 'batch', 0, 'input=1.5 output=7.5 USD', '2025-11-01 00:00:00+00', 'builtin'),
    ('bedrock', 'anthropic.claude-haiku-4-5-20251001-v1:0', 'batch', 0, 'input=0.5 output=2.5 USD', '2025-11-01 00:00:00+00', 'builtin'),
    ('bedrock', 'anthropic.claude-opus-4-1-20250805-v1:0', 'batch', 0, 'input=7.5 output=37.5 USD', '2025-11-01 00:00:00+00', 'builtin'),
    ('bedrock', 'anthropic.claude-3-5-sonnet-20241022-v2:0', 'batch', 0, 'input=1.5 output=7.5 USD', '2025-11-01 00:00:00+00', 'builtin'),
    ('bedrock', 'anthropic.claude-3-haiku-20240307-v1:0', 'batch', 0, 'input=0.125 output=0.625 USD', '2025-11-01 00:00:00+00', 'builtin'),
    ('bedrock', 'amazon.nova-pro-v1:0', 'batch', 0, 'input=0.4 output=1.6 USD', '2025-11-01 00:00:00+00', 'builtin'),
    ('bedrock', 'amazon.nova-lite-v1:0', 'batch', 0, 'input=0.03 output=0.12 USD', '2025-11-01 00:00:00+00', 'builtin'),
    ('bedrock', 'amazon.nova-micro-v1:0', 'batch', 0, 'input=0.0175 output=0.07 USD', '2025-11-01 00:00:00+00', 'builtin');
-- Diagnostics.

CREATE FUNCTION chargeback.selftest_boundary(mode text) RETURNS integer
    AS 'MODULE_PATHNAME', 'cb_selftest_boundary' LANGUAGE C VOLATILE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION chargeback.selftest_boundary(text) IS
    'raises an error from 50 C++ frames deep (core_error, pg_error, bad_alloc, std_exception) to prove the C++/PostgreSQL boundary; live returns C++ objects leaked by earlier errors (always 0)';
