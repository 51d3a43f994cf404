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
