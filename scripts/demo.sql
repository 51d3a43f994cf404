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

\echo
\echo '== An organisation, its rules, and usage landing through the bulk inbox'
INSERT INTO org_unit (code, name, cost_center) VALUES
    ('marketing', 'Marketing', 'CC-2100'), ('engineering', 'Engineering', 'CC-3100'),
    ('customer-success', 'Customer Success', 'CC-2300');
INSERT INTO membership (principal, org_unit_id) SELECT 'ana@acme.test', org_unit_id FROM org_unit WHERE code = 'marketing';
INSERT INTO ownership_rule (priority, match, org_unit_id, project, description)
SELECT 100, '{"app": "support-bot"}', org_unit_id, 'support-automation', 'support bot' FROM org_unit WHERE code = 'customer-success';
INSERT INTO ownership_rule (priority, match, org_unit_id, project, description)
SELECT 100, '{"app": "coding-assistant"}', org_unit_id, 'dev-productivity', 'coding assistant' FROM org_unit WHERE code = 'engineering';
INSERT INTO budget (name, scope, scope_value, amount, enforcement) VALUES ('marketing cap', 'org_unit', 'marketing', 0.05, 'block');

INSERT INTO usage_inbox (payload) VALUES
 ('{"provider": "openai", "attrs": {"app": "support-bot"}, "response": {"id": "chatcmpl-demo-1", "object": "chat.completion", "created": 1767225600, "model": "gpt-4o-2024-08-06", "service_tier": "default", "usage": {"prompt_tokens": 4600, "completion_tokens": 350, "prompt_tokens_details": {"cached_tokens": 3400}}}}'),
 ('{"provider": "anthropic", "attrs": {"app": "coding-assistant", "activity_type": "pull_request", "activity_id": "PR-481"}, "response": {"id": "msg_demo_2", "type": "message", "model": "claude-sonnet-4-5-20250929", "usage": {"input_tokens": 900, "cache_creation_input_tokens": 12000, "cache_read_input_tokens": 48000, "output_tokens": 1800}}}'),
 ('{"provider": "google", "attrs": {"user": "ana@acme.test"}, "response": {"responseId": "demo-3", "modelVersion": "gemini-2.5-flash", "usageMetadata": {"promptTokenCount": 15000, "candidatesTokenCount": 900, "thoughtsTokenCount": 2500}}}'),
 ('{"provider": "openai", "attrs": {"app": "support-bot"}, "response": {"id": "chatcmpl-demo-1", "object": "chat.completion", "created": 1767225600, "model": "gpt-4o-2024-08-06", "usage": {"prompt_tokens": 4600, "completion_tokens": 350, "prompt_tokens_details": {"cached_tokens": 3400}}}}'),
 ('{"provider": "openai", "response": {"object": "chat.completion", "usage": {"prompt_tokens": -3}}}');

SELECT u.source, u.model, o.code AS owner, u.project, u.owner_reason, u.tokens, u.list_cost
FROM usage u JOIN org_unit o USING (org_unit_id) ORDER BY u.usage_id;
\echo 'A repeated request is not charged twice; a bad line is rejected with its reason:'
SELECT provider, request_id FROM usage_duplicate;
SELECT sqlstate, error FROM usage_rejected;

\echo
\echo '== explain(): why the support-bot answer costs what it costs'
SELECT jsonb_pretty(explain(usage_id) -> 'owner') AS owner, jsonb_pretty(explain(usage_id) -> 'lines') AS lines
FROM usage WHERE request_id = 'chatcmpl-demo-1';

\echo
\echo '== A hard cap: Marketing may spend 0.05 USD this month'
SELECT name, amount, spend, remaining, state FROM budget_status;
SELECT allowed, estimated_cost, reason FROM authorize('{"user": "ana@acme.test"}', 'google', 'gemini-2.5-flash', 'input=20000 output=2000');
SELECT allowed, estimated_cost, regexp_replace(reason, ' \(month from [0-9-]+\)', '') AS reason
FROM authorize('{"user": "ana@acme.test"}', 'anthropic', 'claude-opus-4-1', 'input=20000 output=2000');
