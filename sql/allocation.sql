-- Chargeback runs: direct cost, fixed charges, invoice true-up, step-down and reciprocal
-- rules, the three models, the journal, closing a period, late usage, reopening. Its months
-- are in 2022 and 2023: long past, so no usage that other tests record at the current time
-- (or at the pinned clocks of the faketime runs) falls into them, and after the months
-- sql/archive.sql archives.
SET search_path = chargeback, public;

-- 1 per 1M input tokens: a request of N million input tokens costs exactly N.
SELECT set_price('allocco', 'am', 'input=1 output=4', '2022-01-01') > 0 AS priced;
INSERT INTO org_unit (code, name, kind, cost_center) VALUES ('a-ai-center', 'Corporate AI', 'central', 'CC-900');
INSERT INTO org_unit (code, name, cost_center) VALUES ('a-marketing', 'Marketing', 'CC-100'), ('a-sales', 'Sales', 'CC-200'),
    ('a-engineering', 'Engineering', 'CC-300'), ('a-platform', 'Platform', 'CC-400');
INSERT INTO org_unit (code, name, parent_id) SELECT 'a-eng-backend', 'Backend', org_unit_id FROM org_unit WHERE code = 'a-engineering';

CREATE FUNCTION pg_temp.use(id text, at text, dept text, project text, activity text, millions numeric) RETURNS bigint
LANGUAGE sql AS $$
    SELECT chargeback.ingest(jsonb_build_object('provider', 'allocco', 'model', 'am', 'request_id', id,
        'occurred_at', at, 'tokens', jsonb_build_object('input', millions * 1000000),
        'attrs', jsonb_strip_nulls(jsonb_build_object('department', dept, 'project', project, 'activity_type', activity))))
$$;

-- October: marketing 10, sales 20, backend 30, platform 9 (internal tooling), 1 unowned.
SELECT count(pg_temp.use(id, at, d, p, a, m)) AS requests
FROM (VALUES ('o1', '2022-10-03T10:00:00Z', 'a-marketing', 'campaigns', 'campaign', 4),
             ('o2', '2022-10-04T10:00:00Z', 'a-marketing', 'campaigns', 'campaign', 6),
             ('o3', '2022-10-05T10:00:00Z', 'a-sales', 'pipeline', 'opportunity', 20),
             ('o4', '2022-10-06T10:00:00Z', 'a-eng-backend', 'api', 'pull_request', 30),
             ('o5', '2022-10-07T10:00:00Z', 'a-platform', 'tooling', NULL, 9),
             ('o6', '2022-10-08T10:00:00Z', NULL, NULL, NULL, 1)) v(id, at, d, p, a, m);
-- Seats (a fixed charge) and the invoice: 76.00 = 70 metered + 5 seats + 1 to true up.
INSERT INTO fixed_charge (period, provider, description, amount) VALUES ('2022-10-01', 'allocco', 'seats', 5.00);
INSERT INTO invoice (provider, period, amount) VALUES ('allocco', '2022-10-01', 76.00);
-- Step 1: platform's cost to the units it serves, by their direct cost; step 2: unowned
-- cost evenly to three departments.
INSERT INTO allocation_rule (name, step, source, method) VALUES ('a-platform to users', 1, 'a-platform', 'proportional');
INSERT INTO allocation_rule (name, step, source, method, targets)
VALUES ('unattributed evenly', 2, 'unattributed', 'even', '{a-marketing,a-sales,a-engineering}');

SELECT run_allocation('2022-10-01') AS oct_run \gset
-- Every line, with the exact amount before rounding. Hand check: fixed and true-up follow
-- metered cost (marketing 10/70 of 5 = 0.714285..., of 1 = 0.142857...); platform's pool is
-- 9 + 9/70*5 + 9/70*1 = 9.771428..., marketing takes 10/60 of it = 1.628571...; the
-- unowned pool 1 + 1/70*6 = 1.085714... goes a third each.
SELECT o.code, l.project, l.component, l.source, l.amount, l.basis->>'exact' AS exact, l.basis->>'ratio' AS ratio
FROM allocation_line l JOIN org_unit o USING (org_unit_id) WHERE run_id = :oct_run
ORDER BY o.code, l.component, l.source;
-- The run ties out to the invoice to the cent; per owner totals.
SELECT total, metered, fixed, lines, totals FROM allocation_run WHERE run_id = :oct_run;
SELECT sum(amount) AS lines_sum FROM allocation_line WHERE run_id = :oct_run;
SELECT o.code, sum(l.amount) AS charged FROM allocation_line l JOIN org_unit o USING (org_unit_id)
WHERE run_id = :oct_run GROUP BY o.code ORDER BY o.code;
-- Every line explains itself.
SELECT basis FROM allocation_line WHERE run_id = :oct_run AND component = 'shared' AND amount > 0 ORDER BY line_id LIMIT 1;
-- The journal balances: debit each consuming cost center (backend posts to its parent's
-- CC-300), credit the central AI cost center.
SELECT cost_center, org_unit, debit, credit FROM journal WHERE run_id = :oct_run ORDER BY credit, cost_center, org_unit;
SELECT sum(debit) = sum(credit) AS balanced, sum(debit) AS debit FROM journal WHERE run_id = :oct_run;

-- A rerun replaces the draft of that model.
SELECT run_allocation('2022-10-01') > :oct_run AS rerun;
SELECT count(*) AS department_drafts FROM allocation_run WHERE period = '2022-10-01' AND model = 'department';

-- Central model: everything is charged to the central AI cost center; the units keep their
-- direct lines (their showback) and net to zero. Its journal has nothing to charge back.
SELECT run_allocation('2022-10-01', 'central') AS central_run \gset
SELECT o.code, sum(l.amount) AS net, sum(l.amount) FILTER (WHERE component = 'direct') AS direct
FROM allocation_line l JOIN org_unit o USING (org_unit_id) WHERE run_id = :central_run GROUP BY o.code ORDER BY o.code;
SELECT count(*) AS journal_lines FROM journal WHERE run_id = :central_run;

-- Activity model: lines per activity; shared cost follows each unit's activity mix; outcomes
-- (tickets, opportunities, pull requests) sit in the basis for cost per outcome.
INSERT INTO activity_outcome (period, org_unit_id, activity_type, units)
SELECT '2022-10-01', org_unit_id, 'pull_request', 12 FROM org_unit WHERE code = 'a-eng-backend';
SELECT run_allocation('2022-10-01', 'activity') AS activity_run \gset
SELECT o.code, l.activity_type, sum(l.amount) AS amount, max(l.basis->>'outcome_units') AS outcome_units
FROM allocation_line l JOIN org_unit o USING (org_unit_id) WHERE run_id = :activity_run
GROUP BY o.code, l.activity_type ORDER BY o.code, l.activity_type;
SELECT sum(amount) AS activity_total FROM allocation_line WHERE run_id = :activity_run;

-- Bad runs are refused clearly.
SELECT run_allocation('2022-10-01', 'tribal');
INSERT INTO allocation_rule (name, step, source, method) VALUES ('ghost', 9, 'nowhere', 'even');
SELECT run_allocation('2022-10-01');
DELETE FROM allocation_rule WHERE name = 'ghost';
\set VERBOSITY terse
INSERT INTO allocation_rule (name, step, source, method) VALUES ('bad method', 9, 'a-sales', 'astrology');
\set VERBOSITY default

-- Closing October: the final run is frozen (SQLSTATE CB003).
BEGIN ISOLATION LEVEL REPEATABLE READ;
SELECT close_period('2022-10-01');
ROLLBACK;
SELECT close_period('2022-10-01') AS final_run \gset
SELECT status, final_run_id = :final_run AS is_final FROM period WHERE period = '2022-10-01';
SELECT count(*) AS drafts_left FROM allocation_run WHERE period = '2022-10-01' AND status = 'draft';
UPDATE allocation_line SET amount = amount + 1 WHERE run_id = :final_run;
DELETE FROM allocation_line WHERE run_id = :final_run;
INSERT INTO allocation_line (run_id, period, org_unit_id, component, source, amount, currency, basis)
SELECT run_id, period, org_unit_id, 'direct', 'forged', 1.00, currency, '{}' FROM allocation_line WHERE run_id = :final_run LIMIT 1;
DELETE FROM allocation_run WHERE run_id = :final_run;
TRUNCATE allocation_line;
SELECT run_allocation('2022-10-01');
SELECT close_period('2022-10-01');

-- Late usage for October lands in November as an adjustment; October's bill stays as closed.
SELECT pg_temp.use('late-1', '2022-10-30T23:00:00Z', 'a-sales', 'pipeline', 'opportunity', 2) > 0 AS ingested;
SELECT period, adjusts_period, cost FROM usage WHERE request_id = 'late-1';
SELECT pg_temp.use('n1', '2022-11-02T09:00:00Z', 'a-marketing', 'campaigns', 'campaign', 3) > 0 AS ingested;
SELECT run_allocation('2022-11-01') AS nov_run \gset
SELECT o.code, l.component, l.source, l.amount, l.basis->>'adjusts_period' AS adjusts
FROM allocation_line l JOIN org_unit o USING (org_unit_id) WHERE run_id = :nov_run ORDER BY o.code, l.component;
SELECT sum(amount) AS oct_final_total FROM allocation_line WHERE run_id = :final_run;
-- Re-pricing leaves closed months alone: a price correction from Oct 5 reprices only the
-- late request (booked in open November), not the October rows billed by the final run.
SELECT set_price('allocco', 'am', 'input=2', '2022-10-05') > 0 AS corrected;
SELECT set_price('allocco', 'am', 'input=1 output=4', '2022-11-01') > 0 AS restored;
SELECT reprice('2022-10-01', '2022-11-01') AS repriced;
SELECT request_id, period, cost FROM usage WHERE request_id IN ('o3', 'o4', 'late-1') ORDER BY request_id;

-- Reopening is an admin act with a reason, and it is recorded; the old final run stays.
SELECT reopen_period('2022-10-01', '');
SELECT reopen_period('2022-10-01', 'invoice corrected by the provider');
SELECT action, reason IS NOT NULL AS has_reason, run_id = :final_run AS of_final_run FROM period_event ORDER BY at, action;
SELECT close_period('2022-10-01') > :final_run AS new_final_run;
SELECT count(*) AS final_runs FROM allocation_run WHERE period = '2022-10-01' AND status = 'final';

-- December: IT and HR serve each other (the reciprocal method, solved exactly), then ops.
-- T_it = 100 + 0.1 T_hr and T_hr = 50 + 0.2 T_it: ops receives 0.8 T_it + 0.9 T_hr = 150.
INSERT INTO org_unit (code, name) VALUES ('a-it', 'IT'), ('a-hr', 'HR'), ('a-ops', 'Operations');
SELECT count(pg_temp.use(id, '2022-12-05T10:00:00Z', d, NULL, NULL, m)) AS requests
FROM (VALUES ('d1', 'a-it', 100), ('d2', 'a-hr', 50), ('d3', 'a-ops', 850)) v(id, d, m);
UPDATE allocation_rule SET valid_to = '2022-12-01';
INSERT INTO allocation_rule (name, step, source, method, weights, valid_from) VALUES
    ('it services', 1, 'a-it', 'fixed', '{"a-hr": 20, "a-ops": 80}', '2022-12-01'),
    ('hr services', 1, 'a-hr', 'fixed', '{"a-it": 10, "a-ops": 90}', '2022-12-01');
SELECT run_allocation('2022-12-01') AS dec_run \gset
SELECT o.code, l.component, l.source, l.amount, l.basis->>'pool' AS pool
FROM allocation_line l JOIN org_unit o USING (org_unit_id) WHERE run_id = :dec_run ORDER BY o.code, l.component, l.source;
SELECT o.code, sum(l.amount) AS charged FROM allocation_line l JOIN org_unit o USING (org_unit_id)
WHERE run_id = :dec_run GROUP BY o.code ORDER BY o.code;
-- Units that send all of their cost to each other have no solution.
UPDATE allocation_rule SET weights = '{"a-hr": 100}' WHERE name = 'it services';
UPDATE allocation_rule SET weights = '{"a-it": 100}' WHERE name = 'hr services';
SELECT run_allocation('2022-12-01');

-- A month with lines in two currencies (USD usage, an EUR fixed charge): each currency is
-- allocated on its own, and the run's header keeps them apart (no single-currency total).
SELECT count(pg_temp.use('f1', '2023-02-03T10:00:00Z', 'a-marketing', NULL, NULL, 12)) AS requests;
INSERT INTO fixed_charge (period, provider, description, amount, currency) VALUES ('2023-02-01', 'allocco', 'EU seats', 9.00, 'EUR');
SELECT run_allocation('2023-02-01') AS feb_run \gset
SELECT metered, fixed, total, lines, totals FROM allocation_run WHERE run_id = :feb_run;
SELECT l.currency, sum(l.amount) AS lines_sum, (r.totals -> l.currency ->> 'total')::numeric AS header_total
FROM allocation_line l JOIN allocation_run r USING (run_id) WHERE l.run_id = :feb_run GROUP BY l.currency, r.totals ORDER BY 1;

-- The allocation engine bounds its input (54000, named) and honours cancellation: 51 rules
-- in one step (one exact linear system) are refused up front; 50 are computed, and a
-- statement timeout stops them (0.2.0 ran such inputs for seconds past statement_timeout).
CREATE TEMP TABLE engine_doc AS
SELECT n, jsonb_build_object('model', 'department',
  'units', (SELECT jsonb_agg(jsonb_build_object('id', i, 'code', 'u' || i, 'parent', null, 'kind', 'department')) FROM generate_series(1, 56) i),
  'costs', (SELECT jsonb_agg(jsonb_build_object('unit', i, 'provider', 'x', 'currency', 'USD', 'cost', 100 + i)) FROM generate_series(1, 56) i),
  'rules', (SELECT jsonb_agg(jsonb_build_object('rule_id', i, 'name', 'r' || i, 'step', 1, 'source', 'u' || i, 'method', 'fixed',
            'targets', (SELECT jsonb_agg('u' || j) FROM generate_series(1, 56) j WHERE j <> i),
            'weights', (SELECT jsonb_object_agg('u' || j, 1 + (i * 7 + j * 3) % 17) FROM generate_series(1, 56) j WHERE j <> i)))
            FROM generate_series(1, n) i)) AS doc
FROM (VALUES (50), (51)) v(n);
SELECT count(*) FROM allocation_compute((SELECT doc FROM engine_doc WHERE n = 51));
SET statement_timeout = '20ms';
SELECT count(*) FROM allocation_compute((SELECT doc FROM engine_doc WHERE n = 50));
RESET statement_timeout;
