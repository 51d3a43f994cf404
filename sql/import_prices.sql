-- Importing LiteLLM's model_prices_and_context_window.json: per-token floats become exact
-- per-1M rates; tiers and long-context rows; bad entries are skipped whole; re-importing
-- changes nothing.
SET search_path = chargeback, public;
SET timezone = 'UTC';

\set catalog `cat test/fixtures/litellm_catalog_sample.json`

-- What the catalog yields, before anything is written.
SELECT provider, model, service_tier, min_prompt_tokens, rates
FROM parse_price_catalog(:'catalog'::jsonb)
ORDER BY provider, model, service_tier, min_prompt_tokens;

-- Importing it writes those rows, except the 3 that already match the built-in catalog
-- (gemini-2.5-pro standard and long context, Bedrock Claude Haiku 4.5); bad entries are
-- reported and skipped.
SELECT import_prices(:'catalog'::jsonb, 'litellm', '2026-01-01') AS imported;
SELECT count(*) AS litellm_rows FROM price WHERE source = 'litellm';
-- The imported price is what lookups now return for that time.
SELECT price_for('anthropic', 'claude-sonnet-4-5-20250929', '2026-01-02') AS sonnet,
       price_for('anthropic', 'claude-sonnet-4-5', '2026-01-02', 'standard', 250000) AS sonnet_long_context;
-- Nothing of a broken entry landed.
SELECT count(*) AS broken_rows FROM price WHERE model LIKE 'broken%';

-- Re-importing the same catalog changes nothing, even at a later date.
SELECT import_prices(:'catalog'::jsonb, 'litellm', '2026-02-01') AS reimported;
SELECT count(*) AS litellm_rows FROM price WHERE source = 'litellm';

-- A changed price opens a new row and closes the old one.
SELECT import_prices('{"gpt-4o": {"litellm_provider": "openai", "input_cost_per_token": 2e-06, "output_cost_per_token": 8e-06}}'::jsonb,
                     'litellm', '2026-03-01') AS changed;
SELECT rates, valid_from, valid_to, source FROM price
WHERE provider = 'openai' AND model = 'gpt-4o' AND service_tier = 'standard' AND valid_from >= '2026-01-01'
ORDER BY valid_from;

-- Errors.
SELECT import_prices('[1, 2]'::jsonb);
SELECT import_prices('{}'::jsonb, 'openrouter_models');

-- Classes the source does not price keep their rate in force, and a NOTICE says so: the
-- catalog prices Claude web searches at 0.01 per search, LiteLLM's entry has token rates only.
SELECT set_price('anthropic', 'claude-haiku-4-5', 'input=1 cache_read=0.1 output=5 web_searches=0.01', '2026-01-01') > 0 AS seeded;
SELECT import_prices('{"claude-haiku-4-5": {"litellm_provider": "anthropic", "input_cost_per_token": 1.2e-06,
                                             "output_cost_per_token": 6e-06}}'::jsonb, 'litellm', '2026-04-01') AS changed;
SELECT rates, valid_from, source FROM price
WHERE provider = 'anthropic' AND model = 'claude-haiku-4-5' AND service_tier = 'standard' AND min_prompt_tokens = 0
  AND valid_from >= '2026-01-01' ORDER BY valid_from;
-- In another currency nothing is mixed in: the source's rates alone.
SELECT token_rates_merge('input=1 web_searches=0.01 USD', 'input=150 JPY') AS other_currency,
       token_rates_merge('input=1 web_searches=0.01', 'input=2 output=8') AS merged,
       token_rates_merge('input=1 output=4', 'input=2 output=0') AS zero_is_a_price;

-- Nothing the import leaves out is silent: price_catalog_notes() lists it with the reason,
-- and import_prices() says how much in a NOTICE.
SELECT * FROM price_catalog_notes('{
    "tts-1": {"litellm_provider": "openai", "input_cost_per_character": 1.5e-05},
    "azure/eu/gpt-4o": {"litellm_provider": "azure", "input_cost_per_token": 2.75e-06, "output_cost_per_token": 1.1e-05},
    "gpt-4o-search": {"litellm_provider": "openai", "input_cost_per_token": 2.5e-06, "output_cost_per_token": 1e-05,
                      "input_cost_per_audio_per_second": 1e-04, "cache_read_input_token_cost": 1.23456789e-07,
                      "search_context_cost_per_query": {"search_context_size_low": 0.03, "search_context_size_medium": 0.035}},
    "bad": {"litellm_provider": "openai", "input_cost_per_token": -1}
}'::jsonb) ORDER BY entry, field NULLS FIRST;
SELECT import_prices('{"gpt-4o-search": {"litellm_provider": "openai", "input_cost_per_token": 2.5e-06, "output_cost_per_token": 1e-05,
                                          "input_cost_per_audio_per_second": 1e-04,
                                          "search_context_cost_per_query": {"search_context_size_low": 0.03, "search_context_size_medium": 0.035}},
                       "tts-1": {"litellm_provider": "openai", "input_cost_per_character": 1.5e-05}}'::jsonb,
                     'litellm', '2026-05-01') AS opened;
SELECT price_for('openai', 'gpt-4o-search', '2026-05-02') AS per_search_medium;

-- The plan, which import_prices() applies and `chargeback prices diff` prints: open, change or
-- unchanged per row, writing nothing.
SELECT action, provider, model, service_tier, min_prompt_tokens, current_rates, rates, kept
FROM price_import_plan('{"gpt-4o-search": {"litellm_provider": "openai", "input_cost_per_token": 3e-06, "output_cost_per_token": 1e-05},
                         "brand-new": {"litellm_provider": "openai", "input_cost_per_token": 1e-06, "output_cost_per_token": 2e-06}}'::jsonb,
                       'litellm', '2026-06-01');
SELECT count(*) AS nothing_written FROM price WHERE model = 'brand-new';
-- Format rows (the CLI's CSV): each row with its own valid_from; a later row of the same key
-- opens after the earlier one.
SELECT import_prices('[{"provider": "csvco", "model": "m1", "rates": "input=1 output=2", "valid_from": "2026-01-01T00:00:00Z"},
                       {"provider": "csvco", "model": "m1", "rates": "input=1.5 output=2", "valid_from": "2026-03-01T00:00:00Z"},
                       {"provider": "csvco", "model": "m1", "service_tier": "batch", "min_prompt_tokens": "0", "rates": "input=0.5"}]'::jsonb,
                     'rows', '2026-02-01') AS opened;
SELECT model, service_tier, rates, valid_from, valid_to, source FROM price WHERE provider = 'csvco' ORDER BY service_tier, valid_from;
SELECT import_prices('{"not": "an array"}'::jsonb, 'rows');
SELECT import_prices('[{"provider": "csvco", "model": "m2", "rates": "input=abc"}]'::jsonb, 'rows');
