-- pg_chargeback demo: price real-looking requests from four providers with the built-in
-- catalog, exactly, and show where each number comes from.
\set QUIET on
\pset footer off
CREATE EXTENSION pg_chargeback;
SET search_path = chargeback, public;

\echo
\echo '== The built-in price catalog (list prices, USD per 1M tokens)'
SELECT provider, count(DISTINCT model) AS models, count(*) AS price_rows,
       string_agg(DISTINCT service_tier, ', ') AS tiers
FROM price GROUP BY provider ORDER BY provider;

\echo
\echo '== Sample requests as gateways report them (dated model names, cache and reasoning tokens)'
CREATE TEMP TABLE sample_request (request text, provider text, model text, service_tier text, tokens token_usage);
INSERT INTO sample_request VALUES
 ('support bot answer',        'openai',    'gpt-4o-2024-08-06',            'default',  'input=1200 cache_read=3400 output=350'),
 ('coding agent step',         'anthropic', 'claude-sonnet-4-5-20250929',   'standard', 'input=900 cache_write=12000 cache_read=48000 output=1800'),
 ('contract review (long)',    'anthropic', 'claude-sonnet-4-5-20250929',   'standard', 'input=230000 output=4000'),
 ('sales email draft',         'openai',    'gpt-5-mini-2025-08-07',        'flex',     'input=800 output=600 reasoning=1400'),
 ('nightly summarisation',     'openai',    'gpt-4.1-2025-04-14',           'batch',    'input=50000 output=3000'),
 ('meeting notes',             'google',    'gemini-2.5-flash',             'standard', 'input=15000 output=900 reasoning=2500'),
 ('finance Q&A',               'bedrock',   'us.anthropic.claude-haiku-4-5-20251001-v1:0', 'standard', 'input=3000 output=500'),
 ('research with web search',  'anthropic', 'claude-haiku-4-5',             'standard', 'input=4000 output=800 web_searches=3'),
 ('unknown internal model',    'acme',      'acme-llm-7b',                  'standard', 'input=1000 output=100');

SELECT request, provider, resolve_model(provider, model) AS catalog_model,
       normalize_service_tier(service_tier) AS tier, tokens,
       list_cost(provider, model, now(), service_tier, tokens) AS cost_usd
FROM sample_request;

\echo
\echo '== Every number explains itself: the price row and the per-class arithmetic of one request'
SELECT r.request, p.price_id, p.model, p.service_tier, p.min_prompt_tokens, p.rates, p.valid_from::date
FROM sample_request r
JOIN price p ON p.price_id = price_id_for(r.provider, r.model, now(), r.service_tier, prompt_tokens(r.tokens))
WHERE r.request = 'contract review (long)';
SELECT c AS class, tokens(r.tokens, c) AS tokens,
       rate(price_for(r.provider, r.model, now(), r.service_tier, prompt_tokens(r.tokens)), c) AS rate_per_1m,
       tokens(r.tokens, c) * rate(price_for(r.provider, r.model, now(), r.service_tier, prompt_tokens(r.tokens)), c) / 1000000 AS cost
FROM sample_request r, unnest(ARRAY['input', 'output']) c
WHERE r.request = 'contract review (long)';

\echo
\echo '== A negotiated 15% discount on one model, effective next month'
SELECT set_price('openai', 'gpt-4o', price_for('openai', 'gpt-4o') * 0.85,
                 date_trunc('month', now()) + interval '1 month') AS new_price_id;
SELECT valid_from::date, valid_to::date, rates FROM price
WHERE provider = 'openai' AND model = 'gpt-4o' AND service_tier = 'standard' ORDER BY valid_from;

\echo
\echo '== Total of the samples (exact, no floating point): unpriced requests are NULL, never guessed'
SELECT sum(list_cost(provider, model, now(), service_tier, tokens)) AS priced_total_usd,
       count(*) FILTER (WHERE list_cost(provider, model, now(), service_tier, tokens) IS NULL) AS unpriced_requests
FROM sample_request;
