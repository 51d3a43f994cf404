-- The effective-dated price catalog: set_price() keeps history, ranges never overlap,
-- service tiers and long-context tiers pick the right row.
SET search_path = chargeback, public;
SET timezone = 'UTC';

-- A provider of our own, so the built-in catalog does not get in the way.
SELECT set_price('acme', 'acme-large', 'input=2 cache_read=0.5 output=8', '2026-01-01') AS first_id \gset
SELECT set_price('acme', 'acme-large', 'input=1.5 cache_read=0.4 output=6', '2026-03-01') AS second_id \gset
-- History is kept: the first row is closed where the second opens.
SELECT provider, model, service_tier, rates, valid_from, valid_to, source
FROM price WHERE provider = 'acme' ORDER BY valid_from;

-- Lookups by time: before the catalog, in the first range, at the boundary (valid_to is
-- exclusive), after.
SELECT price_for('acme', 'acme-large', '2025-12-31') AS before_any,
       price_for('acme', 'acme-large', '2026-02-28 23:59:59') AS february,
       price_for('acme', 'acme-large', '2026-03-01') AS march_first;
SELECT price_id_for('acme', 'acme-large', '2026-02-01') = :first_id AS first_row,
       price_id_for('acme', 'acme-large', '2026-06-01') = :second_id AS second_row;

-- Setting the same rates again changes nothing and returns the current row.
SELECT set_price('acme', 'acme-large', 'input=1.5 cache_read=0.4 output=6', '2026-04-01') = :second_id AS unchanged;
SELECT count(*) AS rows_for_acme FROM price WHERE provider = 'acme';

-- History is never rewritten: a start at or before the current row's is refused.
SELECT set_price('acme', 'acme-large', 'input=9 output=9', '2026-02-01');
-- Nor can an INSERT or UPDATE create overlapping ranges.
INSERT INTO price (provider, model, rates, valid_from, valid_to)
VALUES ('acme', 'acme-large', 'input=7', '2026-02-15', '2026-02-20');
UPDATE price SET valid_to = '2026-03-02' WHERE price_id = :first_id;
-- Names are normalized on the way in.
INSERT INTO price (provider, model, service_tier, rates, valid_from)
VALUES ('ACME', 'acme-small', 'default', 'input=0.1 output=0.4', '2026-01-01') RETURNING provider, service_tier;
INSERT INTO price (provider, model, rates, valid_from) VALUES ('not a provider!', 'x', 'input=1', '2026-01-01');
SELECT set_price('acme', 'acme-large', 'input=1', '2026-05-01', 'overnight');
SELECT set_price('acme', '', 'input=1', '2026-01-01');

-- Service tiers: the requested tier's row, else the standard tier's.
SELECT set_price('acme', 'acme-large', 'input=0.75 cache_read=0.2 output=3', '2026-03-01', 'batch') IS NOT NULL AS batch_set;
SELECT price_for('acme', 'acme-large', '2026-06-01', 'batch') AS batch,
       price_for('acme', 'acme-large', '2026-06-01', 'flex') AS flex_falls_back,
       price_for('acme', 'acme-large', '2026-02-01', 'batch') AS batch_before_it_existed,
       price_for('acme', 'acme-large', '2026-06-01', 'default') AS openai_default_is_standard;

-- Long context: a row with min_prompt_tokens = N prices the whole request when the prompt
-- exceeds N tokens.
SELECT set_price('acme', 'acme-large', 'input=3 cache_read=0.8 output=12', '2026-03-01', 'standard', 200000) IS NOT NULL AS long_context_set;
SELECT price_for('acme', 'acme-large', '2026-06-01', 'standard', 200000) AS at_limit,
       price_for('acme', 'acme-large', '2026-06-01', 'standard', 200001) AS above_limit;
-- list_cost() takes the prompt size from the usage itself:
-- 150000 input + 60000 cache_read = 210000 prompt tokens > 200000, so the long-context row:
-- (150000*3 + 60000*0.8 + 1000*12) / 1e6 = (450000 + 48000 + 12000) / 1e6 = 0.51
SELECT list_cost('acme', 'acme-large', '2026-06-01', 'standard',
                 'input=150000 cache_read=60000 output=1000') AS long_request,
       list_cost('acme', 'acme-large', '2026-06-01', 'standard',
                 'input=1000 output=1000') AS short_request,
       list_cost('acme', 'nonexistent', '2026-06-01', 'standard', 'input=1') AS unpriced;

-- OpenTelemetry provider names map onto the catalog's.
SELECT normalize_provider('gcp.vertex_ai') AS vertex, normalize_provider('aws.bedrock') AS bedrock,
       normalize_provider('azure.ai.openai') AS azure, normalize_provider(' OpenAI ') AS openai;
SELECT price_for('gcp.gemini', 'gemini-2.5-pro', '2026-06-01') = price_for('google', 'gemini-2.5-pro', '2026-06-01') AS otel_name_same_price;
