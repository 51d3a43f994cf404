-- Budgets: spend counted in the same transaction as the usage, one event per threshold,
-- hard caps through authorize() and reservations. (Times are "now": no dates are printed.)
SET search_path = chargeback, public;

-- A provider and model of our own, priced at 2.5 / 10 per 1M tokens since yesterday.
SELECT set_price('budgetco', 'bm', 'input=2.5 output=10', now() - interval '1 day') > 0 AS priced;
INSERT INTO org_unit (code, name) VALUES ('growth', 'Growth');
INSERT INTO org_unit (code, name, parent_id) SELECT 'growth-emea', 'Growth EMEA', org_unit_id FROM org_unit WHERE code = 'growth';

-- Definitions are checked.
INSERT INTO budget (name, scope, amount) VALUES ('bad', 'galaxy', 1);
INSERT INTO budget (name, scope, amount) VALUES ('bad', 'global', -1);
INSERT INTO budget (name, scope, amount, period) VALUES ('bad', 'global', 1, 'fortnight');
INSERT INTO budget (name, scope, amount, thresholds) VALUES ('bad', 'global', 1, '{0.5,0}');
INSERT INTO budget (name, scope, amount, thresholds) VALUES ('bad', 'global', 1, '{11}');
INSERT INTO budget (name, scope, amount, enforcement) VALUES ('bad', 'global', 1, 'shout');
INSERT INTO budget (name, scope, scope_value, amount) VALUES ('bad', 'org_unit', 'nowhere', 1);
INSERT INTO budget (name, scope, amount) VALUES ('bad', 'project', 1);
INSERT INTO budget (name, scope, amount, currency) VALUES ('bad', 'global', 1, 'XYZ');

-- A hard cap for Growth (it covers Growth EMEA), an alert budget for one project, a daily
-- provider budget.
INSERT INTO budget (name, scope, scope_value, amount, enforcement) VALUES ('growth cap', 'org_unit', 'growth', 1.00, 'block');
INSERT INTO budget (name, scope, scope_value, amount, thresholds) VALUES ('launch', 'project', 'launch', 0.50, '{1.0,0.5}');
INSERT INTO budget (name, scope, scope_value, period, amount) VALUES ('budgetco daily', 'provider', 'BudgetCo', 'day', 1000);
SELECT name, scope, scope_value, period, amount, thresholds, enforcement FROM budget ORDER BY budget_id;

-- Usage lands: 200000 input + 10000 output = (200000*2.5 + 10000*10)/1e6 = 0.60,
-- counted by Growth (through its child unit), the project and the provider budget.
SELECT ingest(jsonb_build_object('provider', 'budgetco', 'model', 'bm', 'request_id', 'bud-1',
                                 'tokens', jsonb_build_object('input', 200000, 'output', 10000),
                                 'attrs', jsonb_build_object('department', 'growth-emea', 'project', 'launch'))) > 0 AS ingested;
SELECT b.name, sum(s.spend) AS spend FROM budget_spend s JOIN budget b USING (budget_id) GROUP BY b.name ORDER BY b.name;
-- 0.60 crosses half of Growth's 1.00 and both thresholds of the 0.50 project budget: one
-- event each (and one projected overrun where the trend passes the amount).
SELECT b.name, e.kind, e.threshold, e.spend, e.amount FROM budget_event e JOIN budget b USING (budget_id)
WHERE e.kind = 'threshold' ORDER BY b.name, e.threshold;
-- More usage below the next threshold adds no event.
SELECT ingest(jsonb_build_object('provider', 'budgetco', 'model', 'bm', 'request_id', 'bud-2',
                                 'tokens', jsonb_build_object('input', 40000),
                                 'attrs', jsonb_build_object('department', 'growth'))) > 0 AS ingested;
SELECT count(*) AS threshold_events FROM budget_event WHERE kind = 'threshold';

-- authorize(): Growth has 1.00 - 0.70 = 0.30 left. A request estimated at 100000 input
-- tokens (0.25) is held; a second one would exceed the cap and is denied with the
-- budget, spend, holds and amount named.
SELECT reservation_id IS NOT NULL AS held, allowed, reason, estimated_cost
FROM authorize('{"department": "growth", "request_id": "bud-3"}', 'budgetco', 'bm-2026-01-01', 'input=100000');
SELECT reservation_id IS NOT NULL AS held, allowed, regexp_replace(reason, 'from [0-9-]+', 'from <period>') AS reason, estimated_cost
FROM authorize('{"department": "growth"}', 'budgetco', 'bm', 'input=100000');
-- Usage outside every budget, and an unknown model, are allowed without a hold.
SELECT reservation_id IS NOT NULL AS held, allowed, reason FROM authorize('{"department": "unattributed"}', 'anthropic', 'claude-haiku-4-5', 'input=10');
SELECT reservation_id IS NOT NULL AS held, allowed, reason FROM authorize('{"department": "growth"}', 'acme', 'mystery', 'input=10');

-- The request runs; its usage (same request_id) settles the hold, and spend replaces it.
SELECT ingest(jsonb_build_object('provider', 'budgetco', 'model', 'bm', 'request_id', 'bud-3',
                                 'tokens', jsonb_build_object('input', 80000),
                                 'attrs', jsonb_build_object('department', 'growth'))) > 0 AS ingested;
SELECT b.name, r.amount, r.settled_at IS NOT NULL AS settled FROM reservation r JOIN budget b USING (budget_id) ORDER BY b.name;
-- (The forecast depends on the day of the month: only its direction is shown.)
SELECT name, amount, spend, reserved, remaining, pct_used, forecast >= spend AS forecast_ahead,
       CASE WHEN period_start = period_end THEN state ELSE (state <> 'ok')::text END AS state_or_alerting
FROM budget_status ORDER BY name;

-- No hold outlives chargeback.max_hold_ttl (1 hour unless a superuser raises it): 22023.
\set VERBOSITY sqlstate
SELECT * FROM authorize('{"department": "growth"}', 'budgetco', 'bm', 'input=10', 'standard', '2 hours');
\set VERBOSITY default
BEGIN;
SET LOCAL chargeback.max_hold_ttl = '3h';
SELECT reservation_id IS NOT NULL AS held_for_two_hours, chargeback.max_hold_ttl()
FROM authorize('{"department": "growth"}', 'budgetco', 'bm', 'input=10', 'standard', '2 hours');
ROLLBACK;

-- A hold that expired counts for nothing, without any job running.
INSERT INTO reservation (budget_id, amount, expires_at)
SELECT budget_id, 0.05, now() - interval '1 second' FROM budget WHERE name = 'growth cap';
SELECT reserved FROM budget_status WHERE name = 'growth cap';
-- A plain INSERT that would overspend a block budget fails with SQLSTATE CB001.
\set VERBOSITY sqlstate
INSERT INTO reservation (budget_id, amount) SELECT budget_id, 0.5 FROM budget WHERE name = 'growth cap';
\set VERBOSITY default
-- An attrs.reservation_id settles the hold too.
SELECT reservation_id AS rid FROM authorize('{"department": "growth"}', 'budgetco', 'bm', 'input=10000') \gset
SELECT ingest(jsonb_build_object('provider', 'budgetco', 'model', 'bm', 'request_id', 'bud-4',
                                 'tokens', jsonb_build_object('input', 10000),
                                 'attrs', jsonb_build_object('department', 'growth', 'reservation_id', :rid))) > 0 AS ingested;
SELECT settled_at IS NOT NULL AS settled FROM reservation WHERE reservation_id = :rid;

-- Re-pricing and deleting usage move spend too.
SELECT set_price('budgetco', 'bm', 'input=5 output=20', now() - interval '1 hour') > 0 AS price_doubled;
SELECT reprice(now() - interval '1 hour', now() + interval '1 hour') AS repriced;
SELECT name, spend FROM budget_status WHERE name IN ('growth cap', 'launch') ORDER BY name;
DELETE FROM usage WHERE request_id = 'bud-1';
SELECT name, spend FROM budget_status WHERE name IN ('growth cap', 'launch') ORDER BY name;
-- Recorded usage is never refused, even far over a block budget.
SELECT ingest(jsonb_build_object('provider', 'budgetco', 'model', 'bm', 'request_id', 'bud-5',
                                 'tokens', jsonb_build_object('input', 1000000),
                                 'attrs', jsonb_build_object('department', 'growth'))) > 0 AS recorded;
SELECT name, spend > amount AS over, state FROM budget_status WHERE name = 'growth cap';
SELECT count(*) FILTER (WHERE e.kind = 'threshold') AS growth_threshold_events FROM budget_event e JOIN budget b USING (budget_id) WHERE b.name = 'growth cap';

-- One bulk statement whose rows straddle a budget's start: 'windowed from noon' counts only
-- the 13:00 row of the two (same day, owner and project); 'windowed' counts both.
SELECT set_price('budgetwin', 'bw', 'input=2.5 output=10', '2026-01-01') > 0 AS priced_in_march;
INSERT INTO budget (name, scope, scope_value, amount) VALUES ('windowed', 'project', 'windowed', 100);
INSERT INTO budget (name, scope, scope_value, amount, valid_from)
VALUES ('windowed from noon', 'project', 'windowed', 100, '2026-03-15 12:00+00');
INSERT INTO usage_inbox (payload)
SELECT jsonb_build_object('provider', 'budgetwin', 'model', 'bw', 'request_id', 'bud-window-' || h,
                          'occurred_at', format('2026-03-15T%s:00:00Z', h), 'tokens', jsonb_build_object('input', 100000 * h),
                          'attrs', jsonb_build_object('department', 'growth', 'project', 'windowed'))
FROM unnest(ARRAY[11, 13]) h;
SELECT b.name, s.day, s.spend FROM budget_spend s JOIN budget b USING (budget_id)
WHERE b.name LIKE 'windowed%' ORDER BY b.name, s.day;

-- The forecast aggregate: flat spend of 10 a day for 10 days of a 30-day month projects 300;
-- steady growth projects more than its run rate; one spike barely moves it.
SELECT forecast(d::date, 10, date '2026-04-30') FROM generate_series(date '2026-04-01', date '2026-04-10', interval '1 day') d;
SELECT (forecast(d::date, 10 + 2 * extract(day FROM d)::int, date '2026-04-30')->>'projected')::numeric
       > sum(10 + 2 * extract(day FROM d)::int) * 3 AS growth_projected_growing
FROM generate_series(date '2026-04-01', date '2026-04-10', interval '1 day') d;
SELECT forecast(d::date, CASE WHEN d = '2026-04-05' THEN 500 ELSE 10 END, date '2026-04-30')->>'projected' AS with_spike
FROM generate_series(date '2026-04-01', date '2026-04-10', interval '1 day') d;
SELECT forecast(d, 10, date '2026-04-30') IS NULL AS no_rows FROM (SELECT date '2026-04-01' WHERE false) s(d);
SELECT forecast(d::date, 10, date '2026-04-05') FROM generate_series(date '2026-04-01', date '2026-04-10', interval '1 day') d;

-- A hold that holds nothing is refused, never "allowed" (0.2.0 answered allowed = true for
-- these and held nothing).
SELECT * FROM chargeback.authorize('{}', 'openai', 'gpt-4o', 'input=1', 'standard', '0');
SELECT * FROM chargeback.authorize('{}', 'openai', 'gpt-4o', 'input=1', 'standard', '-1 minute');
SELECT * FROM chargeback.authorize('{}', 'openai', 'gpt-4o', 'input=1', NULL);

-- A budget counts only spend in its own currency (no exchange rate is applied): a model
-- priced in JPY neither passes a USD cap nor counts as USD spend (0.2.0 compared 30 JPY with
-- a 10 USD cap and added JPY to USD). A JPY budget counts it.
SELECT set_price('yenco', 'y1', 'input=30000000 JPY', '2020-01-01') > 0 AS priced_in_yen;
INSERT INTO budget (name, scope, scope_value, period, amount, enforcement) VALUES ('yen cap in usd', 'provider', 'yenco', 'month', 10, 'block');
SELECT allowed, reason FROM authorize('{}', 'yenco', 'y1', 'input=1');
SELECT ingest('{"provider": "yenco", "model": "y1", "request_id": "yen-1", "tokens": {"input": 1}}') > 0 AS recorded;
INSERT INTO budget (name, scope, scope_value, period, amount, currency) VALUES ('yen alert in jpy', 'provider', 'yenco', 'month', 100, 'JPY');
SELECT ingest('{"provider": "yenco", "model": "y1", "request_id": "yen-2", "tokens": {"input": 1}}') > 0 AS recorded;
SELECT b.name, b.currency, s.spend FROM budget_status s JOIN budget b USING (budget_id) WHERE b.name LIKE 'yen%' ORDER BY b.name;
DELETE FROM budget WHERE name LIKE 'yen%';

-- The scope rule SQL calls (chargeback.budget_covers, src/core/budget_match.cpp): half-open
-- validity, open ends, NULLs that cover nothing, a model budget by reported or resolved name.
SELECT chargeback.budget_covers('project', 'p1', '2026-01-01 00:00+00', '2026-02-01 00:00+00', t, false, 'p1', NULL, 'openai', 'm', NULL) AS covers,
       t AT TIME ZONE 'UTC' AS utc
FROM unnest(ARRAY['2025-12-31 23:59:59.999999+00', '2026-01-01 00:00:00+00', '2026-01-31 23:59:59.999999+00',
                  '2026-02-01 00:00:00+00']::timestamptz[]) t;
SELECT chargeback.budget_covers('global', NULL, NULL, NULL, now(), false, NULL, NULL, NULL, NULL, NULL) AS global_open,
       chargeback.budget_covers('project', NULL, NULL, NULL, now(), false, 'p1', NULL, NULL, NULL, NULL) AS null_value,
       chargeback.budget_covers('project', 'p1', NULL, NULL, now(), false, NULL, NULL, NULL, NULL, NULL) AS null_project,
       chargeback.budget_covers('org_unit', 'eng', NULL, NULL, now(), true, NULL, NULL, NULL, NULL, NULL) AS unit_covered,
       chargeback.budget_covers('org_unit', 'eng', NULL, NULL, now(), false, NULL, NULL, NULL, NULL, NULL) AS unit_not_covered,
       chargeback.budget_covers('model', 'gpt-5', NULL, NULL, now(), false, NULL, NULL, 'openai', 'gpt-5-2026-01-01', 'gpt-5') AS by_resolved,
       chargeback.budget_covers('principal', 'ann', NULL, 'infinity', 'infinity', false, NULL, 'ann', NULL, NULL, NULL) AS open_end_infinity;
SELECT chargeback.budget_covers('team', 'x', NULL, NULL, now(), false, NULL, NULL, NULL, NULL, NULL);
