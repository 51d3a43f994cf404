-- Showback: the daily rollup stays equal to a scan of usage through inserts, a reprice,
-- re-owning, a move to a later period and deletes; the views on top of it. The database is
-- shared with the other tests, so printed figures are for this test's provider (showco, in
-- May and June 2024) and data_quality is shown as the change this test made.
SET search_path = chargeback, public;
SET timezone = 'UTC';
-- The jobs test drops a usage partition directly, which no trigger on usage sees: the
-- rollup is rebuilt first (see rebuild_daily_rollup; it is checked again further down).
SELECT rebuild_daily_rollup() >= 0 AS rebuilt;

CREATE TEMP TABLE dq_before AS SELECT * FROM data_quality;

-- The rollup against a scan of usage: both differences must be empty.
CREATE TEMP VIEW rollup_vs_usage AS
WITH scan AS (
    SELECT period, day_of(occurred_at) AS day, org_unit_id, coalesce(project, '') AS project,
           coalesce(activity_type, '') AS activity_type, provider, model, service_tier, coalesce(currency, '') AS currency,
           coalesce(price_id, 0) AS price_id, count(*) AS requests, chargeback.sum(tokens)::text AS tokens, total_tokens(chargeback.sum(tokens)) AS total_tokens,
           coalesce(sum(cost), 0) AS cost, coalesce(sum(list_cost), 0) AS list_cost, count(*) FILTER (WHERE cost IS NULL) AS unpriced
    FROM usage GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10),
roll AS (
    SELECT period, day, org_unit_id, project, activity_type, provider, model, service_tier, currency, price_id,
           requests, tokens::text, total_tokens, cost, list_cost, unpriced
    FROM daily_rollup)
SELECT 'missing from the rollup' AS problem, a.* FROM (TABLE scan EXCEPT TABLE roll) a
UNION ALL
SELECT 'not in usage', b.* FROM (TABLE roll EXCEPT TABLE scan) b;

-- This test's rollup rows.
CREATE TEMP VIEW showco_rollup AS
SELECT r.period, r.day, o.code AS owner, r.project, r.activity_type, r.model, r.requests, r.tokens, r.total_tokens,
       r.cost, r.list_cost, r.unpriced
FROM daily_rollup r JOIN org_unit o USING (org_unit_id)
WHERE r.provider = 'showco';

-- A provider of our own: sm at 2 / 8 and sl at 10 / 30 per 1M tokens; mystery has no price.
SELECT set_price('showco', 'sm', 'input=2 output=8', '2024-01-01') > 0 AS priced;
SELECT set_price('showco', 'sl', 'input=10 output=30', '2024-01-01') > 0 AS priced;
INSERT INTO org_unit (code, name, cost_center) VALUES ('sb-sales', 'Sales', 'CC-100'), ('sb-support', 'Customer Support', 'CC-200');

-- May and June 2024. Costs by hand:
--   m1 sm 100000 in + 10000 out = 0.28        m2 sl 50000 + 5000 = 0.65       m3 sl 10000 = 0.10
--   j1 sm 200000 + 20000 = 0.56               j2 sm 100000 = 0.20 (same day and key as j1)
--   j3 sl 100000 + 10000 = 1.30               j4 sl 20000 + 2000 = 0.26       j5 sm 50000 + 5000 = 0.14
--   j6 sm 10000 + 1000 = 0.028 (no owner)     j7 mystery: unpriced
-- plus j1 sent again (a duplicate) and a line with a negative count (rejected).
COPY usage_inbox (payload) FROM stdin;
{"provider": "showco", "model": "sm", "request_id": "sb-m1", "occurred_at": "2024-05-10T10:00:00Z", "tokens": {"input": 100000, "output": 10000, "requests": 1}, "attrs": {"department": "sb-sales", "project": "crm"}}
{"provider": "showco", "model": "sl", "request_id": "sb-m2", "occurred_at": "2024-05-20T10:00:00Z", "tokens": {"input": 50000, "output": 5000, "requests": 1}, "attrs": {"department": "sb-support", "project": "helpdesk", "activity_type": "ticket"}}
{"provider": "showco", "model": "sl", "request_id": "sb-m3", "occurred_at": "2024-05-31T12:00:00Z", "tokens": {"input": 10000, "requests": 1}, "attrs": {"department": "sb-support", "project": "helpdesk", "activity_type": "ticket"}}
{"provider": "showco", "model": "sm", "request_id": "sb-j1", "occurred_at": "2024-06-03T09:00:00Z", "tokens": {"input": 200000, "output": 20000, "requests": 1}, "attrs": {"department": "sb-sales", "project": "crm"}}
{"provider": "showco", "model": "sm", "request_id": "sb-j2", "occurred_at": "2024-06-03T15:00:00Z", "tokens": {"input": 100000, "requests": 1}, "attrs": {"department": "sb-sales", "project": "crm"}}
{"provider": "showco", "model": "sl", "request_id": "sb-j3", "occurred_at": "2024-06-04T08:00:00Z", "tokens": {"input": 100000, "output": 10000, "requests": 1}, "attrs": {"department": "sb-support", "project": "helpdesk", "activity_type": "ticket"}}
{"provider": "showco", "model": "sl", "request_id": "sb-j4", "occurred_at": "2024-06-05T08:00:00Z", "tokens": {"input": 20000, "output": 2000, "requests": 1}, "attrs": {"department": "sb-support", "project": "helpdesk", "activity_type": "ticket"}}
{"provider": "showco", "model": "sm", "request_id": "sb-j5", "occurred_at": "2024-06-06T08:00:00Z", "tokens": {"input": 50000, "output": 5000, "requests": 1}, "attrs": {"department": "sb-sales", "project": "pipeline", "activity_type": "opportunity"}}
{"provider": "showco", "model": "sm", "request_id": "sb-j6", "occurred_at": "2024-06-07T08:00:00Z", "tokens": {"input": 10000, "output": 1000, "requests": 1}, "attrs": {}}
{"provider": "showco", "model": "mystery", "request_id": "sb-j7", "occurred_at": "2024-06-07T09:00:00Z", "tokens": {"input": 1000, "output": 100, "requests": 1}, "attrs": {"department": "sb-sales", "project": "crm"}}
{"provider": "showco", "model": "sm", "request_id": "sb-j1", "occurred_at": "2024-06-03T09:00:00Z", "tokens": {"input": 200000, "output": 20000, "requests": 1}, "attrs": {"department": "sb-sales", "project": "crm"}}
{"provider": "showco", "model": "sm", "request_id": "sb-bad", "tokens": {"input": -1}}
\.

SELECT * FROM rollup_vs_usage;
SELECT * FROM showco_rollup ORDER BY period, day, owner, project, model;

-- A reprice: sm costs 3 instead of 2 per 1M input tokens from June. j1 0.76, j2 0.30,
-- j5 0.19, j6 0.038; May stays.
SELECT set_price('showco', 'sm', 'input=3 output=8', '2024-06-01') > 0 AS priced;
SELECT reprice('2024-06-01', '2024-07-01') AS repriced;
SELECT * FROM rollup_vs_usage;
SELECT period, owner, model, sum(requests) AS requests, sum(cost) AS cost FROM showco_rollup
GROUP BY 1, 2, 3 ORDER BY 1, 2, 3;

-- Re-owning: j6 (unattributed) goes to Sales, j2 to Support. j2 leaves the row it shared
-- with j1 (2 requests -> 1) for a new Support row.
UPDATE usage SET org_unit_id = (SELECT org_unit_id FROM org_unit WHERE code = 'sb-sales') WHERE request_id = 'sb-j6';
UPDATE usage SET org_unit_id = (SELECT org_unit_id FROM org_unit WHERE code = 'sb-support') WHERE request_id = 'sb-j2';
SELECT * FROM rollup_vs_usage;
SELECT day, owner, project, model, requests, tokens, cost FROM showco_rollup WHERE day IN ('2024-06-03', '2024-06-07') ORDER BY 1, 2, 3, 4;

-- An update that changes no amount or owner leaves the rollup alone.
UPDATE usage SET attrs = attrs || '{"reviewed": true}' WHERE request_id LIKE 'sb-j%';
SELECT * FROM rollup_vs_usage;

-- Late usage: m3 (31 May) booked into June as an adjustment, the way close_period books
-- usage that arrives after its month was closed (the row moves to June's partition).
UPDATE usage SET period = '2024-06-01', adjusts_period = '2024-05-01' WHERE request_id = 'sb-m3';
SELECT * FROM rollup_vs_usage;
SELECT period, day, owner, requests, cost FROM showco_rollup WHERE day = '2024-05-31';

-- A delete: j4 was alone on its key, so the row goes.
DELETE FROM usage WHERE request_id = 'sb-j4';
SELECT * FROM rollup_vs_usage;
SELECT count(*) AS rows_for_5_june FROM showco_rollup WHERE day = '2024-06-05';
SELECT count(*) AS empty_or_broken_rows FROM daily_rollup WHERE requests <= 0 OR tokens_removed <> '';

-- Usage changed behind the triggers' back is reported, not silently mis-counted.
BEGIN;
DELETE FROM daily_rollup WHERE provider = 'showco' AND day = '2024-06-06';
DELETE FROM usage WHERE request_id = 'sb-j5';
ROLLBACK;
-- rebuild_daily_rollup() recomputes it from usage.
BEGIN;
DELETE FROM daily_rollup;
SELECT rebuild_daily_rollup() > 0 AS rebuilt;
SELECT * FROM rollup_vs_usage;
ROLLBACK;
-- The trigger counts days in chargeback.timezone, as day_of() does: with the rollup rebuilt in
-- Tokyo time (j2, 15:00 UTC, is on the 4th there), a re-owning and a delete keep it equal.
BEGIN;
SET LOCAL chargeback.timezone = 'Asia/Tokyo';
DELETE FROM daily_rollup;
SELECT rebuild_daily_rollup() > 0 AS rebuilt;
UPDATE usage SET org_unit_id = (SELECT org_unit_id FROM org_unit WHERE code = 'sb-sales') WHERE request_id = 'sb-j2';
DELETE FROM usage WHERE request_id = 'sb-j5';
SELECT * FROM rollup_vs_usage;
SELECT day, owner, requests FROM showco_rollup WHERE day IN ('2024-06-03', '2024-06-04') AND model = 'sm' ORDER BY 1, 2;
ROLLBACK;
-- TRUNCATE of usage empties the rollup.
BEGIN;
TRUNCATE usage;
SELECT count(*) AS rollup_rows_after_truncate FROM daily_rollup;
ROLLBACK;

-- daily_spend.
SELECT * FROM daily_spend WHERE provider = 'showco' ORDER BY day, org_unit, project, model;

-- showback. June: sales crm sm 0.76 (j1), sales crm mystery 0 (unpriced), sales pipeline
-- 0.19, sales (no project) sm 0.038, support crm sm 0.30 (j2), support helpdesk sl
-- 1.30 + 0.10 (m3, late) = 1.40; total 2.688. May: sales crm sm 0.28, support helpdesk sl 0.65.
SELECT period, org_unit, org_unit_name, project, model, requests, total_tokens, tokens, cost,
       round(share, 6) AS share, prev_cost, change
FROM showback WHERE provider = 'showco' ORDER BY period, org_unit, project, model;
-- Shares sum to 1 in every month (to within 1e-15: they are unrounded quotients; only this
-- test has usage in these months).
SELECT period, round(sum(share), 15) = 1 AS shares_sum_to_1, sum(cost) AS total
FROM showback WHERE period IN ('2024-05-01', '2024-06-01') GROUP BY period ORDER BY period;
-- The same through a filter on one unit (the share is still of the whole month).
SELECT org_unit, project, model, cost, round(share, 6) AS share FROM showback
WHERE period = '2024-06-01' AND org_unit = 'sb-support' ORDER BY project, model;

-- unit_costs: June tickets 1.40 / 4 = 0.35; opportunities recorded as 0 units and May
-- tickets with none recorded have no cost per unit.
INSERT INTO activity_outcome (period, org_unit_id, activity_type, units)
SELECT date '2024-06-01', org_unit_id, 'ticket', 4 FROM org_unit WHERE code = 'sb-support'
UNION ALL SELECT '2024-06-01', org_unit_id, 'opportunity', 0 FROM org_unit WHERE code = 'sb-sales'
UNION ALL SELECT '2024-07-01', org_unit_id, 'ticket', 3 FROM org_unit WHERE code = 'sb-support';
SELECT * FROM unit_costs WHERE org_unit LIKE 'sb-%' ORDER BY period, org_unit, activity_type;
-- cost_per_unit is rounded to 6 decimals: 1.40 / 3 units.
UPDATE activity_outcome SET units = 3 WHERE period = '2024-06-01' AND activity_type = 'ticket';
SELECT cost, units, cost_per_unit FROM unit_costs WHERE org_unit = 'sb-support' AND period = '2024-06-01';

-- focus: the FOCUS exports (sql/focus.sql checks them rule by rule); this test's rows tie
-- out to usage, one row per priced token class; unpriced usage (mystery) is not exported.
SELECT (SELECT sum("BilledCost") FROM focus WHERE "x_Provider" = 'showco')
       = (SELECT sum(cost) FROM usage WHERE provider = 'showco') AS billed_ties_out,
       (SELECT sum("ListCost") FROM focus_1_2 WHERE "x_Provider" = 'showco')
       = (SELECT sum(list_cost) FROM usage WHERE provider = 'showco') AS list_ties_out,
       (SELECT sum("BilledCost") FROM focus WHERE "x_Provider" = 'showco' AND "x_BillingPeriod" = '2024-06-01') AS june_billed;
SELECT "ChargePeriodStart", "ChargePeriodEnd", "BillingPeriodStart", "ChargeClass", "SubAccountId", "SkuId", "SkuMeter",
       "ConsumedQuantity", "PricingQuantity", "ListUnitPrice", "BilledCost", "Tags"
FROM focus_1_2 WHERE "x_Provider" = 'showco' AND "x_BillingPeriod" = '2024-06-01'
ORDER BY "ChargePeriodStart", "SubAccountId", "SkuId", "Tags"::text, "SkuMeter";
SELECT count(*) AS unpriced_rows_exported FROM focus_1_2 WHERE "x_Provider" = 'showco' AND "x_Model" = 'mystery';

-- data_quality, as the change this test made: the unpriced j7, the duplicate j1 (it would
-- have added 0.76 at today's price), the rejected line, the late m3; j6 was unattributed
-- until it was re-owned.
SELECT d.check_name, d.rows - b.rows AS new_rows, round(d.cost - b.cost, 6) AS new_cost
FROM data_quality d JOIN dq_before b USING (check_name) ORDER BY d.check_name;
SELECT check_name, detail FROM data_quality WHERE check_name IN ('unpriced', 'late') ORDER BY 1;
-- The late check (from the rollup: a day outside its period) agrees with usage.adjusts_period.
SELECT (SELECT rows FROM data_quality WHERE check_name = 'late') = (SELECT count(*) FROM usage WHERE adjusts_period IS NOT NULL) AS late_agrees;

-- Every view and column is commented (BI tools show them).
SELECT c.relname, a.attname FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid
WHERE c.relnamespace = 'chargeback'::regnamespace
  AND c.relname IN ('daily_rollup', 'daily_spend', 'showback', 'unit_costs', 'focus', 'focus_1_2', 'focus_invoice_detail',
                    'focus_billing_period', 'data_quality')
  AND a.attnum > 0 AND NOT a.attisdropped
  AND (col_description(c.oid, a.attnum) IS NULL OR obj_description(c.oid, 'pg_class') IS NULL);
