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

-- Applies each row through set_price() unless the price in force at valid_from already has
-- exactly these rates, so re-importing an unchanged catalog changes nothing. Classes the
-- source does not price keep their rate in force (token_rates_merge: LiteLLM has no web
-- search price for most models, and the catalog's must not become 0); a NOTICE names them.
CREATE FUNCTION chargeback.import_prices(catalog jsonb, format text DEFAULT 'litellm',
    valid_from timestamptz DEFAULT now())
RETURNS integer
LANGUAGE plpgsql
SET search_path = pg_catalog, chargeback, pg_temp
AS $$
DECLARE
    r record;
    current_rates chargeback.token_rates;
    new_rates chargeback.token_rates;
    kept text;
    changed integer := 0;
    skipped_entries bigint;
    skipped_fields bigint;
BEGIN
    FOR r IN SELECT * FROM chargeback.parse_price_catalog(import_prices.catalog, import_prices.format)
             ORDER BY 1, 2, 3, 4
    LOOP
        SELECT p.rates INTO current_rates FROM chargeback.price p
         WHERE p.provider = r.provider AND p.model = r.model AND p.service_tier = r.service_tier
           AND p.min_prompt_tokens = r.min_prompt_tokens
           AND p.valid_from <= import_prices.valid_from
           AND (p.valid_to IS NULL OR p.valid_to > import_prices.valid_from);
        new_rates := r.rates;
        IF FOUND THEN
            new_rates := chargeback.token_rates_merge(current_rates, r.rates);
            IF current_rates = new_rates THEN
                CONTINUE;
            END IF;
            SELECT string_agg(format('%s=%s', k, current_rates::jsonb->>k), ' ' ORDER BY k) INTO kept
            FROM jsonb_object_keys(current_rates::jsonb) k
            WHERE k <> 'currency' AND NOT (r.rates::jsonb ? k) AND new_rates::jsonb ? k;
            IF kept IS NOT NULL THEN
                RAISE NOTICE 'price of % % (% tier%): kept % (not priced by the source)', r.provider, r.model,
                    r.service_tier, CASE WHEN r.min_prompt_tokens > 0 THEN format(', above %s tokens', r.min_prompt_tokens) ELSE '' END,
                    kept;
            END IF;
        END IF;
        PERFORM chargeback.set_price(r.provider, r.model, new_rates, import_prices.valid_from,
                                     r.service_tier, r.min_prompt_tokens, import_prices.format);
        changed := changed + 1;
    END LOOP;
    SELECT count(DISTINCT n.entry) FILTER (WHERE n.field IS NULL), count(*) FILTER (WHERE n.field IS NOT NULL)
      INTO skipped_entries, skipped_fields
    FROM chargeback.price_catalog_notes(import_prices.catalog, import_prices.format) n;
    IF skipped_entries + skipped_fields > 0 THEN
        RAISE NOTICE 'price catalog: % price rows opened; % entries and % fields not imported as they stand',
            changed, skipped_entries, skipped_fields
            USING HINT = 'chargeback.price_catalog_notes(catalog) lists them with the reason';
    END IF;
    RETURN changed;
END
$$;
COMMENT ON FUNCTION chargeback.import_prices(jsonb, text, timestamptz) IS
    'import a LiteLLM price catalog; returns the number of price rows opened (0 when nothing changed)';
