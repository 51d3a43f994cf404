-- Exchange rates and the reporting currency (src/sql/fx.sql): effective-dated exact rates,
-- half-open validity, a clear error for a missing rate, and conversion that keeps a run's
-- lines summing to its converted total. Dates are in 2021 (any date the test runs on).
SET search_path = chargeback, public;
SET timezone = 'UTC';

SELECT set_fx_rate('USD', 'EUR', 0.92, '2021-01-01 00:00+00') > 0 AS opened,
       set_fx_rate('usd', 'eur', 0.95, '2021-07-01 00:00+00') > 0 AS next_opened;
SELECT from_currency, to_currency, rate, valid_from, valid_to FROM fx_rate ORDER BY valid_from;
-- Half-open: the old rate up to, not including, 2021-07-01.
SELECT fx_rate_at('USD', 'EUR', '2021-06-30 23:59:59.999999+00') AS june, fx_rate_at('USD', 'EUR', '2021-07-01 00:00+00') AS july,
       fx_rate_at('EUR', 'EUR', '1999-01-01') AS same_currency;
-- No rate: an error naming the pair and the time, never 1 (nor the inverse of EUR->USD).
SELECT fx_rate_at('USD', 'EUR', '2020-12-31 23:59:59+00');
SELECT fx_rate_at('EUR', 'USD', '2021-03-01 00:00+00');
DO $$ BEGIN PERFORM chargeback.fx_rate_at('USD', 'EUR', '2020-06-01'); EXCEPTION WHEN SQLSTATE 'CB004' THEN RAISE NOTICE 'SQLSTATE CB004'; END $$;
-- A correction at the same valid_from replaces the rate; a rate before a later one is refused.
SELECT set_fx_rate('USD', 'EUR', 0.951, '2021-07-01 00:00+00') > 0 AS corrected;
SELECT rate FROM fx_rate WHERE valid_from = '2021-07-01 00:00+00';
SELECT set_fx_rate('USD', 'EUR', 0.9, '2021-03-01 00:00+00');
SELECT set_fx_rate('USD', 'EUR', 0, '2021-09-01 00:00+00');
SELECT set_fx_rate('USD', 'US', 1.1, '2021-09-01 00:00+00');
-- Overlapping rows are refused however they are written.
INSERT INTO fx_rate (from_currency, to_currency, rate, valid_from, valid_to)
VALUES ('USD', 'EUR', 0.5, '2021-06-01 00:00+00', '2021-08-01 00:00+00');
-- Every change is in the audit log.
SELECT action, count(*) FROM audit_log WHERE object = 'fx_rate' GROUP BY action ORDER BY action;

-- The minor unit of a currency, and the reporting currency setting.
SELECT minor_unit('USD') AS usd, minor_unit('JPY') AS jpy, minor_unit('BHD') AS bhd;
SELECT minor_unit('ZZZ');
SHOW chargeback.reporting_currency;
SET chargeback.reporting_currency = 'eur';
SET chargeback.reporting_currency = 'EUR';
SELECT reporting_currency();

-- convert_share(): each line converted and rounded so that the lines sum to the converted
-- total (92.00 EUR for 100.00 USD at 0.92), not to the sum of lines rounded alone (91.99).
SELECT v.amount, convert_share(v.amount, 0.92, 0.01) OVER (ORDER BY v.n) AS eur
FROM (VALUES (1, 33.33), (2, 33.33), (3, 33.33), (4, 0.01)) v (n, amount);
SELECT round(sum(round(v.amount * 0.92, 2)), 2) AS rounded_alone, sum(s.eur) AS converted
FROM (VALUES (1, 33.33), (2, 33.33), (3, 33.33), (4, 0.01)) v (n, amount)
JOIN (SELECT n, convert_share(a, 0.92, 0.01) OVER (ORDER BY n) AS eur
      FROM (VALUES (1, 33.33), (2, 33.33), (3, 33.33), (4, 0.01)) w (n, a)) s USING (n);
SELECT convert_share(a, r, 0.01) OVER () FROM (VALUES (1.0, 0.9), (2.0, 0.8)) v (a, r);

-- A run's lines in the reporting currency: per line currency the converted lines sum to the
-- converted total at the rate in force at the start of the run's month.
INSERT INTO org_unit (code, name) VALUES ('fx-a', 'FX A'), ('fx-b', 'FX B');
INSERT INTO allocation_run (period, model) VALUES ('2021-03-01', 'department') RETURNING run_id AS fx_run \gset
INSERT INTO allocation_line (run_id, period, org_unit_id, component, source, amount, currency, basis)
SELECT :fx_run, '2021-03-01', o.org_unit_id, c, 'test', a, 'USD', '{}'
FROM (VALUES ('fx-a', 'direct', 33.33), ('fx-a', 'shared', 33.33), ('fx-b', 'direct', 33.33), ('fx-b', 'true_up', 0.01),
             ('fx-b', 'adjustment', -5.55)) v (code, c, a)
JOIN org_unit o ON o.code = v.code;
SELECT o.code, l.component, l.amount, l.line_currency, l.rate, l.converted, l.converted_currency
FROM allocation_lines_in(:fx_run) l JOIN org_unit o USING (org_unit_id) ORDER BY l.line_id;
SELECT sum(amount) AS usd, sum(converted) AS eur, round(sum(amount) * 0.92, 2) AS converted_total
FROM allocation_lines_in(:fx_run, 'EUR');
-- A month with no rate in force is an error, not a silent conversion.
UPDATE allocation_line SET period = '2020-12-01' WHERE run_id = :fx_run;
SELECT count(*) FROM allocation_lines_in(:fx_run, 'EUR');
RESET chargeback.reporting_currency;
DELETE FROM allocation_run WHERE run_id = :fx_run;
DELETE FROM org_unit WHERE code IN ('fx-a', 'fx-b');

-- The journal in a currency: the same balanced entries, each run converted first (the lines of
-- a currency sum to its converted total, so debits still equal credits to the cent).
INSERT INTO org_unit (code, name) VALUES ('fx-c', 'FX C'), ('fx-d', 'FX D');
INSERT INTO allocation_run (period, model) VALUES ('2021-04-01', 'department') RETURNING run_id AS fx_run2 \gset
INSERT INTO allocation_line (run_id, period, org_unit_id, component, source, amount, currency, basis)
SELECT :fx_run2, '2021-04-01', o.org_unit_id, 'direct', 'test', a, 'USD', '{}'
FROM (VALUES ('fx-c', 33.33), ('fx-c', 33.33), ('fx-d', 33.34)) v (code, a) JOIN org_unit o ON o.code = v.code;
SELECT org_unit, debit, credit, regexp_replace(memo, 'run [0-9]+', 'run N') AS memo FROM journal_in('EUR') WHERE run_id = :fx_run2 AND org_unit LIKE 'fx-%' ORDER BY org_unit;
SELECT sum(debit) = sum(credit) AS balanced, sum(debit) AS eur FROM journal_in('EUR') WHERE run_id = :fx_run2;
SELECT org_unit, debit, credit, regexp_replace(memo, 'run [0-9]+', 'run N') AS memo FROM journal WHERE run_id = :fx_run2 AND org_unit LIKE 'fx-%' ORDER BY org_unit;
DELETE FROM allocation_run WHERE run_id = :fx_run2;
DELETE FROM org_unit WHERE code IN ('fx-c', 'fx-d');

-- Showback in a currency: each currency's cost times the month's rate, exactly (no rounding).
SELECT last_value AS usage_id_last, is_called AS usage_id_called FROM usage_usage_id_seq \gset
SELECT set_price('fxco', 'fx-model', 'input=1000000', '2021-01-01 00:00+00') > 0 AS priced;
INSERT INTO org_unit (code, name) VALUES ('fx-e', 'FX E');
SELECT ingest('{"provider": "fxco", "model": "fx-model", "request_id": "fx-1", "occurred_at": "2021-05-03T10:00:00Z",
                "tokens": {"input": 3}, "attrs": {"department": "fx-e"}}') > 0 AS recorded;
SELECT org_unit, provider, model, cost, cost_currency, rate, converted, converted_currency
FROM showback_in('2021-05-01', 'EUR') WHERE org_unit = 'fx-e';
SELECT count(*) FROM showback_in('2020-05-01', 'EUR');
SELECT org_unit, cost, converted FROM showback_in('2021-05-01', 'USD') WHERE org_unit = 'fx-e';
-- The statement names the month's total in the reporting currency when costs are in another,
-- says why when no rate is in force, and shows nothing more when they are all in it.
SET chargeback.reporting_currency = 'EUR';
SELECT regexp_match(statement_html('2021-05-01', 'fx-e'), 'id="reporting-total"><span>([^<]*)</span><b[^>]*>([^<]*)</b>') AS eur;
SET chargeback.reporting_currency = 'JPY';
SELECT substring(statement_html('2021-05-01', 'fx-e') FROM '<p class="muted" id="reporting-missing">([^<]*)</p>') AS jpy;
SET chargeback.reporting_currency = 'USD';
SELECT statement_html('2021-05-01', 'fx-e') NOT LIKE '%reporting-%' AS all_in_usd;
RESET chargeback.reporting_currency;
-- Leaves nothing for the tests after it.
DELETE FROM usage WHERE provider = 'fxco';
DELETE FROM usage_request WHERE provider = 'fxco';
DELETE FROM price WHERE provider = 'fxco';
DELETE FROM org_unit WHERE code = 'fx-e';
SELECT setval('usage_usage_id_seq', :usage_id_last, :'usage_id_called') IS NOT NULL AS ids_restored;
