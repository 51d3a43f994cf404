-- The budget trigger (C, one pass over a statement's transition tables) against the
-- matching rule written out in plain SQL: every scope, org units with descendants, model
-- budgets by reported and by resolved name, validity windows that start or end mid-day,
-- days in a non-UTC chargeback.timezone, unpriced rows, and inserts, re-pricing updates
-- and deletes of more rows than the trigger reads at once. Runs in its own database so
-- that global budgets see only this test's usage.
CREATE DATABASE cb_budget_spend;
\c cb_budget_spend
SET client_min_messages = warning;
CREATE EXTENSION pg_chargeback;
SET search_path = chargeback, public;
SET chargeback.timezone = 'America/New_York';

SELECT set_price('bsx', 'bsx-model', 'input=2.5 output=10', '2026-01-01') > 0 AS priced;
INSERT INTO org_unit (code, name) VALUES ('bs-parent', 'Parent'), ('bs-other', 'Other');
INSERT INTO org_unit (code, name, parent_id) SELECT 'bs-child', 'Child', org_unit_id FROM org_unit WHERE code = 'bs-parent';

INSERT INTO budget (name, scope, scope_value, amount, valid_from, valid_to) VALUES
    ('all', 'global', NULL, 1e6, '-infinity', NULL),
    ('all from mid-march', 'global', NULL, 1e6, '2026-03-10 15:30+00', NULL),
    ('parent', 'org_unit', 'bs-parent', 1e6, '-infinity', NULL),
    ('child', 'org_unit', 'bs-child', 1e6, '-infinity', NULL),
    ('p1', 'project', 'p1', 1e6, '-infinity', NULL),
    ('p2 until the 20th', 'project', 'p2', 1e6, '-infinity', '2026-03-20 06:00+00'),
    ('u1', 'principal', 'u1@bs.test', 1e6, '-infinity', NULL),
    ('bsx', 'provider', 'bsx', 1e6, '-infinity', NULL),
    ('model by catalog name', 'model', 'bsx-model', 1e6, '-infinity', NULL),
    ('model by reported name', 'model', 'bsx-model-2026-01-01', 1e6, '-infinity', NULL);

-- What budget_spend must hold: the rule in SQL, row by row.
CREATE VIEW pg_temp.expected_spend AS
SELECT b.budget_id, (u.occurred_at AT TIME ZONE 'America/New_York')::date AS day, sum(u.cost) AS spend
FROM usage u JOIN budget b
  ON b.valid_from <= u.occurred_at AND (b.valid_to IS NULL OR b.valid_to > u.occurred_at)
 AND CASE b.scope
         WHEN 'global' THEN true
         WHEN 'org_unit' THEN u.org_unit_id IN (  -- the unit and its descendants, from org_unit itself
             WITH RECURSIVE sub(id) AS (SELECT o.org_unit_id FROM org_unit o WHERE o.code = b.scope_value
                                        UNION ALL SELECT o.org_unit_id FROM org_unit o JOIN sub ON o.parent_id = sub.id)
             SELECT id FROM sub)
         WHEN 'project' THEN b.scope_value = u.project
         WHEN 'principal' THEN b.scope_value = u.principal
         WHEN 'provider' THEN b.scope_value = u.provider
         WHEN 'model' THEN b.scope_value = u.model OR b.scope_value = resolve_model(u.provider, u.model)
     END
WHERE u.cost IS NOT NULL
GROUP BY 1, 2;
CREATE VIEW pg_temp.spend_check AS
SELECT count(*) FILTER (WHERE e.spend IS DISTINCT FROM s.spend) AS mismatches,
       count(*) FILTER (WHERE e.spend IS NOT NULL) AS budget_days,
       count(DISTINCT e.budget_id) AS budgets_hit
FROM pg_temp.expected_spend e FULL JOIN (SELECT * FROM budget_spend WHERE spend <> 0) s USING (budget_id, day);

-- 24000 requests over March, hours chosen so that New York days differ from UTC days:
-- three units, two projects and none, some principals, dated and plain model names, and
-- an unknown model (unpriced).
INSERT INTO usage_inbox (payload)
SELECT jsonb_build_object(
    'provider', 'bsx',
    'model', (ARRAY['bsx-model', 'bsx-model-2026-01-01', 'bsx-mystery'])[1 + i % 3],
    'request_id', 'bsx-' || i,
    'occurred_at', to_char((timestamptz '2026-03-01 00:00+00' + (i * 217 % 44640) * interval '1 minute') AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
    'tokens', jsonb_build_object('input', 1000 + i % 777, 'output', i % 300),
    'attrs', jsonb_strip_nulls(jsonb_build_object(
        'department', (ARRAY['bs-parent', 'bs-child', 'bs-other'])[1 + i % 3],
        'project', (ARRAY['p1', 'p2', NULL, 'p3'])[1 + i % 4],
        'user', CASE WHEN i % 5 <> 0 THEN 'u' || (i % 7) || '@bs.test' END)))
FROM generate_series(1, 24000) i;
SELECT count(*) AS rows, count(*) FILTER (WHERE cost IS NULL) AS unpriced FROM usage;
SELECT * FROM pg_temp.spend_check;

-- A re-price from the 15th (one UPDATE of more priced rows than the trigger reads at once)
-- moves spend by the difference.
SELECT set_price('bsx', 'bsx-model', 'input=5 output=20', '2026-03-15') > 0 AS price_doubled;
SELECT reprice('2026-03-15', '2026-04-01') AS repriced;
SELECT * FROM pg_temp.spend_check;

-- Re-owning rows moves their spend between units: every row moves on to the next unit.
UPDATE usage u SET org_unit_id = n.org_unit_id
FROM org_unit o, org_unit n
WHERE o.org_unit_id = u.org_unit_id
  AND n.code = CASE o.code WHEN 'bs-parent' THEN 'bs-child' WHEN 'bs-child' THEN 'bs-other' ELSE 'bs-parent' END;
SELECT * FROM pg_temp.spend_check;

-- Deleting takes spend away; a rolled back statement leaves it as it was.
DELETE FROM usage WHERE request_id LIKE '%7';
SELECT * FROM pg_temp.spend_check;
BEGIN;
DELETE FROM usage WHERE request_id LIKE '%3';
SAVEPOINT s;
DELETE FROM usage;
ROLLBACK TO SAVEPOINT s;
COMMIT;
SELECT * FROM pg_temp.spend_check;
SELECT sum(spend) = (SELECT sum(cost) FROM usage) AS global_equals_usage FROM budget_spend JOIN budget USING (budget_id) WHERE name = 'all';

-- A time of infinity (only the owner's own INSERT can store one) counts on the day SQL gives
-- it, infinity, in UTC as in any other zone (in UTC it once reached the time zone code
-- with no zone: a crash).
SET chargeback.timezone = 'UTC';
INSERT INTO usage (usage_id, occurred_at, provider, model, org_unit_id, attrs, tokens, list_cost, cost, currency,
                   period, status, source, owner_reason)
VALUES (nextval('usage_usage_id_seq'), 'infinity', 'bsx', 'bsx-model', 1, '{}', 'input=1', 1, 1, 'USD',
        '2026-03-01', 'priced', 'canonical', 'unattributed');
SELECT b.name, s.day, s.spend FROM budget_spend s JOIN budget b USING (budget_id) WHERE s.day = 'infinity' ORDER BY b.name;
SET chargeback.timezone = 'America/New_York';
SELECT * FROM pg_temp.spend_check;

\c contrib_regression
DROP DATABASE cb_budget_spend;
