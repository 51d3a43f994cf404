-- Model names as providers report them: dated snapshots, provider prefixes, deployment
-- names through model_alias, and the per-backend cache behind all of it.
SET search_path = chargeback, public;
SET timezone = 'UTC';

-- Dated snapshots and version suffixes resolve to the catalog's base model; the longest
-- base wins (gpt-4o-mini, not gpt-4o); a word that is not a version does not match.
SELECT m AS reported, resolve_model('openai', m) AS resolved
FROM unnest(ARRAY['gpt-4o', 'gpt-4o-2024-08-06', 'gpt-4o-mini-2024-07-18', 'openai/gpt-4.1-2025-04-14',
                  'gpt-4o-audio-preview', 'gpt-5-2025-08-07', 'o3-2025-04-16']) m;
SELECT m AS reported, resolve_model('anthropic', m) AS resolved
FROM unnest(ARRAY['claude-sonnet-4-5-20250929', 'claude-haiku-4-5-20251001', 'claude-3-5-haiku-latest',
                  'claude-opus-4-1-20250805', 'claude-sonnet-4-5@20250929', 'claude-unknown-1']) m;
SELECT resolve_model('bedrock', 'us.anthropic.claude-sonnet-4-5-20250929-v1:0') AS bedrock_profile;

-- An Azure deployment name means nothing to the catalog until an alias says what it is.
SELECT set_price('azure', 'gpt-4o', 'input=2.5 cache_read=1.25 output=10', '2026-01-01') IS NOT NULL AS azure_priced;
SELECT price_for('azure', 'prod-chat-east', '2026-06-01') AS before_alias;
INSERT INTO model_alias (provider, pattern, model, priority, description)
VALUES ('azure', '^prod-chat-', 'gpt-4o', 10, 'production chat deployments'),
       ('azure', 'chat', 'gpt-4o-mini', 1, 'everything else called chat');
-- test-chat matches only the low-priority alias, whose gpt-4o-mini has no azure price in
-- force: a name without a price is no resolution (the next rule is tried; here none).
SELECT price_for('azure', 'prod-chat-east', '2026-06-01') AS after_alias,
       resolve_model('azure', 'prod-chat-east') AS high_priority_alias,
       resolve_model('azure', 'test-chat') AS low_priority_alias;
-- An exact catalog model beats any alias.
SELECT resolve_model('azure', 'gpt-4o') AS exact;
-- A pattern must be a valid regular expression.
INSERT INTO model_alias (provider, pattern, model) VALUES ('azure', '(unclosed', 'gpt-4o');

-- The catalog is cached per backend: pricing 20000 requests reads no catalog row again and
-- resolves each of the 3 distinct model names once (cache_stats() itself loaded it).
SELECT loads AS loads_before, lookups AS lookups_before, lookups - hits AS resolutions_before
FROM cache_stats() \gset
SELECT count(*) AS priced, sum(cost) > 0 AS has_cost
FROM (SELECT list_cost('openai', (ARRAY['gpt-4o-2024-08-06', 'gpt-4o-mini', 'gpt-5'])[1 + i % 3],
                       '2026-06-01', 'standard', format('input=%s output=%s', i, i % 500)::token_usage) AS cost
      FROM generate_series(1, 20000) i) s;
SELECT loads - :loads_before AS catalog_reads, lookups - :lookups_before AS lookups,
       lookups - hits - :resolutions_before AS resolutions
FROM cache_stats();
-- A catalog change invalidates the cache: the next lookup sees it.
SELECT set_price('openai', 'gpt-4o-mini', 'input=0.1 output=0.5', '2026-07-01') IS NOT NULL AS changed;
SELECT price_for('openai', 'gpt-4o-mini', '2026-07-02') AS new_price;
SELECT loads - :loads_before AS catalog_reads FROM cache_stats();
-- So does a rolled-back change, which leaves the old price in force.
BEGIN;
SELECT set_price('openai', 'gpt-4o-mini', 'input=99 output=99', '2026-08-01') IS NOT NULL AS in_transaction;
SELECT price_for('openai', 'gpt-4o-mini', '2026-08-02') AS inside;
ROLLBACK;
SELECT price_for('openai', 'gpt-4o-mini', '2026-08-02') AS after_rollback;

-- Resolution at the usage time: a name counts only where it has a price in force. Pricing the
-- dated name from January must not unprice December usage that the undated name priced, at
-- ingest or on reprice; from January on the dated row prices it (valid_from inclusive).
SELECT last_value AS usage_id_last, is_called AS usage_id_called FROM usage_usage_id_seq \gset
SELECT set_price('histco', 'sonnet-x', 'input=3 output=15', '2025-01-01 00:00+00') IS NOT NULL AS undated;
SELECT ingest('{"provider": "histco", "model": "sonnet-x-20250929", "request_id": "hist-1",
                "occurred_at": "2025-12-20T10:00:00Z", "tokens": {"input": 1000000}}') > 0 AS december;
SELECT set_price('histco', 'sonnet-x-20250929', 'input=4 output=20', '2026-01-01 00:00+00') IS NOT NULL AS dated;
SELECT ingest('{"provider": "histco", "model": "sonnet-x-20250929", "request_id": "hist-2",
                "occurred_at": "2025-12-31T23:59:59.999999Z", "tokens": {"input": 1000000}}') > 0 AS late_december,
       ingest('{"provider": "histco", "model": "sonnet-x-20250929", "request_id": "hist-3",
                "occurred_at": "2026-01-01T00:00:00Z", "tokens": {"input": 1000000}}') > 0 AS january;
SELECT reprice('2025-12-01 00:00+00', '2026-02-01 00:00+00') >= 0 AS repriced;
SELECT request_id, status, cost, resolve_model(provider, model, occurred_at) AS resolved
FROM usage WHERE provider = 'histco' ORDER BY request_id;
SELECT resolve_model('histco', 'sonnet-x-20250929', '2025-12-31 23:59:59.999999+00') AS before_dated,
       resolve_model('histco', 'sonnet-x-20250929', '2026-01-01 00:00+00') AS dated_from,
       resolve_model('histco', 'sonnet-x-20250929', '2024-12-31 00:00+00') AS before_any,
       price_for('histco', 'sonnet-x-20250929', '2025-12-15 00:00+00') AS december_price;
-- Leaves nothing for the tests after it (their expected usage ids start at 1).
DELETE FROM usage WHERE provider = 'histco';
DELETE FROM price WHERE provider = 'histco';
SELECT setval('usage_usage_id_seq', :usage_id_last, :'usage_id_called') IS NOT NULL AS ids_restored;
