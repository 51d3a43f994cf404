-- Importing a published price catalog (LiteLLM's model_prices_and_context_window.json).

CREATE FUNCTION chargeback.parse_price_catalog(catalog jsonb, format text DEFAULT 'litellm',
    OUT provider text, OUT model text, OUT service_tier text, OUT min_prompt_tokens bigint,
    OUT rates chargeback.token_rates, OUT entry text)
RETURNS SETOF record
    AS 'MODULE_PATHNAME', 'cb_parse_price_catalog' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION chargeback.parse_price_catalog(jsonb, text) IS
    'the price rows a catalog yields (per-token costs become exact per-1M rates); bad entries are skipped whole with a WARNING';

CREATE FUNCTION chargeback.price_catalog_notes(catalog jsonb, format text DEFAULT 'litellm',
    OUT entry text, OUT field text, OUT reason text)
RETURNS SETOF record
    AS 'MODULE_PATHNAME', 'cb_price_catalog_notes' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION chargeback.price_catalog_notes(jsonb, text) IS
    'what of a catalog is not imported as it stands, with the reason: entries skipped (bad costs), entries and fields priced per second, character, page and the like, regional variants, rates rounded to 6 decimals';

-- The price rows a catalog gives, at the time each takes effect: LiteLLM's JSON (parse_price_catalog,
-- every row from valid_from), or format 'rows', a JSON array of {provider, model, service_tier,
-- min_prompt_tokens, rates, valid_from} (the CLI's CSV: each row may carry its own valid_from).
CREATE FUNCTION chargeback.price_rows_of(catalog jsonb, format text, default_from timestamptz)
RETURNS TABLE (provider text, model text, service_tier text, min_prompt_tokens bigint, rates chargeback.token_rates,
               valid_from timestamptz, entry text)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, chargeback, pg_temp
AS $$
BEGIN
    IF price_rows_of.format = 'rows' THEN
        IF jsonb_typeof(price_rows_of.catalog) IS DISTINCT FROM 'array' THEN
            RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
                MESSAGE = format('a rows price catalog is a JSON array, not a JSON %s', coalesce(jsonb_typeof(price_rows_of.catalog), 'NULL')),
                HINT = 'each element: {"provider", "model", "service_tier", "min_prompt_tokens", "rates", "valid_from"}';
        END IF;
        RETURN QUERY
            SELECT chargeback.normalize_provider(x.e->>'provider'), x.e->>'model',
                   chargeback.normalize_service_tier(coalesce(nullif(x.e->>'service_tier', ''), 'standard')),
                   coalesce(nullif(x.e->>'min_prompt_tokens', '')::bigint, 0),
                   (x.e->>'rates')::chargeback.token_rates,
                   coalesce(nullif(x.e->>'valid_from', '')::timestamptz, price_rows_of.default_from),
                   format('row %s', x.n)
            FROM jsonb_array_elements(price_rows_of.catalog) WITH ORDINALITY x (e, n);
    ELSE
        RETURN QUERY
            SELECT c.provider, c.model, c.service_tier, c.min_prompt_tokens, c.rates, price_rows_of.default_from, c.entry
            FROM chargeback.parse_price_catalog(price_rows_of.catalog, price_rows_of.format) c;
    END IF;
END
$$;
COMMENT ON FUNCTION chargeback.price_rows_of(jsonb, text, timestamptz) IS
    'internal: the price rows of a catalog (litellm, or rows: a JSON array of {provider, model, service_tier, min_prompt_tokens, rates, valid_from}) with the time each takes effect';

-- What importing a catalog would do, row by row, writing nothing: `open` (no price in force
-- then), `change` (the price in force differs), `unchanged`. Classes the source does not
-- price keep their rate in force (token_rates_merge: LiteLLM has no web search price for most
-- models, and the catalog's must not become 0); `kept` names them. import_prices() applies
-- this plan; `chargeback prices diff` prints it.
CREATE FUNCTION chargeback.price_import_plan(catalog jsonb, format text DEFAULT 'litellm',
    valid_from timestamptz DEFAULT now())
RETURNS TABLE (action text, provider text, model text, service_tier text, min_prompt_tokens bigint,
               valid_from timestamptz, current_rates chargeback.token_rates, rates chargeback.token_rates,
               kept text, entry text)
LANGUAGE sql STABLE
SET search_path = pg_catalog, chargeback, pg_temp
AS $$
    SELECT CASE WHEN c.rates IS NULL THEN 'open' WHEN c.rates = m.rates THEN 'unchanged' ELSE 'change' END,
           s.provider, s.model, s.service_tier, s.min_prompt_tokens, s.valid_from, c.rates, m.rates,
           (SELECT string_agg(format('%s=%s', k, c.rates::jsonb->>k), ' ' ORDER BY k)
            FROM jsonb_object_keys(c.rates::jsonb) k
            WHERE k <> 'currency' AND NOT (s.rates::jsonb ? k) AND m.rates::jsonb ? k),
           s.entry
    FROM chargeback.price_rows_of(price_import_plan.catalog, price_import_plan.format, price_import_plan.valid_from) s
    LEFT JOIN LATERAL (SELECT p.rates FROM chargeback.price p
                       WHERE p.provider = s.provider AND p.model = s.model AND p.service_tier = s.service_tier
                         AND p.min_prompt_tokens = s.min_prompt_tokens
                         AND p.valid_from <= s.valid_from AND (p.valid_to IS NULL OR p.valid_to > s.valid_from)) c ON true
    CROSS JOIN LATERAL (SELECT CASE WHEN c.rates IS NULL THEN s.rates ELSE chargeback.token_rates_merge(c.rates, s.rates) END AS rates) m
    ORDER BY s.provider, s.model, s.service_tier, s.min_prompt_tokens, s.valid_from
$$;
COMMENT ON FUNCTION chargeback.price_import_plan(jsonb, text, timestamptz) IS
    'what import_prices() would do, row by row, writing nothing: open, change or unchanged, the rates in force and the new ones (classes the source does not price kept, named in `kept`)';

-- Applies the plan through set_price(), so re-importing an unchanged catalog changes nothing;
-- a NOTICE names the classes kept, and one counts what the source has that is not imported.
CREATE FUNCTION chargeback.import_prices(catalog jsonb, format text DEFAULT 'litellm',
    valid_from timestamptz DEFAULT now())
RETURNS integer
LANGUAGE plpgsql
SET search_path = pg_catalog, chargeback, pg_temp
AS $$
DECLARE
    r record;
    changed integer := 0;
    skipped_entries bigint := 0;
    skipped_fields bigint := 0;
BEGIN
    FOR r IN SELECT * FROM chargeback.price_import_plan(import_prices.catalog, import_prices.format, import_prices.valid_from) p
             WHERE p.action <> 'unchanged'
    LOOP
        IF r.kept IS NOT NULL THEN
            RAISE NOTICE 'price of % % (% tier%): kept % (not priced by the source)', r.provider, r.model,
                r.service_tier, CASE WHEN r.min_prompt_tokens > 0 THEN format(', above %s tokens', r.min_prompt_tokens) ELSE '' END,
                r.kept;
        END IF;
        PERFORM chargeback.set_price(r.provider, r.model, r.rates, r.valid_from, r.service_tier, r.min_prompt_tokens,
                                     CASE WHEN import_prices.format = 'rows' THEN 'import' ELSE import_prices.format END);
        changed := changed + 1;
    END LOOP;
    IF import_prices.format <> 'rows' THEN
        SELECT count(DISTINCT n.entry) FILTER (WHERE n.field IS NULL), count(*) FILTER (WHERE n.field IS NOT NULL)
          INTO skipped_entries, skipped_fields
        FROM chargeback.price_catalog_notes(import_prices.catalog, import_prices.format) n;
    END IF;
    IF skipped_entries + skipped_fields > 0 THEN
        RAISE NOTICE 'price catalog: % price rows opened; % entries and % fields not imported as they stand',
            changed, skipped_entries, skipped_fields
            USING HINT = 'chargeback.price_catalog_notes(catalog) lists them with the reason';
    END IF;
    RETURN changed;
END
$$;
COMMENT ON FUNCTION chargeback.import_prices(jsonb, text, timestamptz) IS
    'import a price catalog (litellm: LiteLLM''s model_prices_and_context_window.json; rows: a JSON array of {provider, model, service_tier, min_prompt_tokens, rates, valid_from}); returns the number of price rows opened (0 when nothing changed)';
