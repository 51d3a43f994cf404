-- The built-in catalog loaded at CREATE EXTENSION: current list prices, dated, source builtin.
SET search_path = chargeback, public;
SET timezone = 'UTC';

SELECT provider, count(DISTINCT model) AS models, count(*) AS price_rows,
       array_agg(DISTINCT service_tier ORDER BY service_tier) AS tiers,
       count(*) FILTER (WHERE min_prompt_tokens > 0) AS long_context_rows
FROM price WHERE source = 'builtin' GROUP BY provider ORDER BY provider;
SELECT count(DISTINCT (provider, model)) >= 25 AS at_least_25_models,
       min(valid_from) = max(valid_from) AS one_date, min(valid_from) AS dated,
       bool_and(valid_to IS NULL) AS all_current
FROM price WHERE source = 'builtin';

-- A few list prices a finance team would check by hand.
SELECT provider, model, service_tier, min_prompt_tokens, rates FROM price
WHERE source = 'builtin' AND (provider, model) IN (('openai', 'gpt-4o'), ('anthropic', 'claude-sonnet-4-5'),
                                                  ('google', 'gemini-2.5-pro'))
ORDER BY provider, model, service_tier, min_prompt_tokens;

-- Typical requests, priced end to end:
-- gpt-4o, 1200 input of which 1000 cached, 300 output: (200*2.5 + 1000*1.25 + 300*10)/1e6 = 0.00475
SELECT list_cost('openai', 'gpt-4o-2024-08-06', '2026-06-01', 'default',
                 'input=200 cache_read=1000 output=300') AS gpt_4o,
-- claude-sonnet-4-5 with a 5-minute cache write: (500*3 + 2000*3.75 + 4000*0.3 + 800*15)/1e6 = 0.0222
       list_cost('anthropic', 'claude-sonnet-4-5-20250929', '2026-06-01', 'standard',
                 'input=500 cache_write=2000 cache_read=4000 output=800') AS sonnet,
-- gemini-2.5-flash with thinking tokens at the output rate: (10000*0.3 + 500*2.5 + 2000*2.5)/1e6 = 0.00925
       list_cost('google', 'gemini-2.5-flash', '2026-06-01', 'standard',
                 'input=10000 output=500 reasoning=2000') AS gemini_flash;
