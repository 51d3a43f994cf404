-- Reconciliation against what the providers report (src/sql/reconcile.sql): the cost a
-- payload reported, kept exactly beside the exact cost, and its drift per day, provider and
-- model; the providers' daily cost reports as invoice lines, imported idempotently, and their
-- variance against the metered cost per day. Costs by hand in the comments (prices per 1M
-- tokens). Dates are in March 2019.
SET search_path = chargeback, public;
SET timezone = 'UTC';
SELECT last_value AS usage_id_last, is_called AS usage_id_called FROM usage_usage_id_seq \gset
CREATE FUNCTION pg_temp.error_of(sql text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE sql;
    RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE || ': ' || SQLERRM;
END
$$;

SELECT set_price('openrouter', 'rc-model-a', 'input=2 output=10', '2019-01-01 00:00+00') > 0 AS router_priced,
       set_price('openai', 'rc-model-o', 'input=2 output=10', '2019-01-01 00:00+00') > 0 AS openai_priced,
       set_price('anthropic', 'rc-claude', 'input=3 output=15', '2019-01-01 00:00+00') > 0 AS anthropic_priced;
INSERT INTO org_unit (code, name) VALUES ('rc-a', 'Reconcile A'), ('rc-b', 'Reconcile B');

-- 1. Reported cost beside the exact cost.
-- 2019-03-01, rc-a: rc-1 costs 1000 x 2 + 500 x 10 = 0.007 and reported 0.0075; rc-2 costs
-- 2000 x 2 = 0.004 and reported 0.0039; rc-3 costs 500 x 2 = 0.001 and reported nothing.
SELECT ingest('{"provider": "openrouter", "model": "rc-model-a", "request_id": "rc-1", "occurred_at": "2019-03-01T10:00:00Z",
                "tokens": {"input": 1000, "output": 500}, "reported_cost": 0.0075, "attrs": {"department": "rc-a"}}') > 0 AS rc_1,
       ingest('{"provider": "openrouter", "model": "rc-model-a", "request_id": "rc-2", "occurred_at": "2019-03-01T11:00:00Z",
                "tokens": {"input": 2000}, "reported_cost": "0.0039", "attrs": {"department": "rc-a"}}') > 0 AS rc_2,
       ingest('{"provider": "openrouter", "model": "rc-model-a", "request_id": "rc-3", "occurred_at": "2019-03-01T12:00:00Z",
                "tokens": {"input": 500}, "attrs": {"department": "rc-a"}}') > 0 AS rc_3;
-- 2019-03-02, rc-b: an OpenRouter response of a BYOK request: OpenRouter's fee 0.0001 plus
-- the upstream's 0.003 = 0.0031 reported; it costs 1000 x 2 + 100 x 10 = 0.003.
SELECT ingest('{"id": "gen-rc-4", "provider": "OpenAI", "model": "rc-model-a", "object": "chat.completion",
                "created": 1551528000, "choices": [],
                "usage": {"prompt_tokens": 1000, "completion_tokens": 100, "cost": 0.0001, "is_byok": true,
                          "cost_details": {"upstream_inference_cost": 0.003}}}',
              '{"department": "rc-b"}') > 0 AS rc_4;
-- The bulk path: a LiteLLM spend log row (spend 0.00125; it costs 500 x 2 = 0.001), an
-- unpriced model with a reported cost, and a negative reported cost (rejected, the rest lands).
INSERT INTO usage_inbox (payload, attrs, format) VALUES
    ('{"request_id": "rc-5", "call_type": "acompletion", "startTime": "2019-03-02T13:00:00Z", "model": "rc-model-a",
       "custom_llm_provider": "openrouter", "prompt_tokens": 500, "completion_tokens": 0, "spend": 0.00125}', '{"department": "rc-b"}', 'auto'),
    ('{"provider": "openrouter", "model": "rc-unknown", "request_id": "rc-6", "occurred_at": "2019-03-02T14:00:00Z",
       "tokens": {"input": 10}, "reported_cost": 0.5}', '{"department": "rc-b"}', 'auto'),
    ('{"provider": "openrouter", "model": "rc-model-a", "request_id": "rc-7", "occurred_at": "2019-03-02T15:00:00Z",
       "tokens": {"input": 10}, "reported_cost": -1}', '{"department": "rc-b"}', 'auto');
SELECT sqlstate, error FROM usage_rejected WHERE payload LIKE '%rc-7%';
-- 2019-03-03, rc-b: the provider charged less than the catalog price: rc-10 costs 1000 x 2 =
-- 0.002 and reported 0.0015.
SELECT ingest('{"provider": "openrouter", "model": "rc-model-a", "request_id": "rc-10", "occurred_at": "2019-03-03T09:00:00Z",
                "tokens": {"input": 1000}, "reported_cost": 0.0015}', '{"department": "rc-b"}') > 0 AS rc_10;
-- Kept exactly as reported (no binary floating point, no rounding).
SELECT ingest('{"provider": "openrouter", "model": "rc-unknown", "request_id": "rc-8", "occurred_at": "2019-03-02T16:00:00Z",
                "tokens": {"input": 1}, "reported_cost": 0.123456789012345678901234567890}', '{"department": "rc-b"}') > 0 AS rc_8;
SELECT request_id, cost, reported_cost, source FROM usage WHERE request_id LIKE 'rc-%' OR request_id = 'gen-rc-4' ORDER BY request_id;
-- explain() shows it beside the cost.
SELECT e->'cost' AS cost, e->'reported_cost' AS reported_cost FROM usage u, explain(u.usage_id) e WHERE u.request_id = 'rc-1';
-- Hostile: a clear SQLSTATE naming the field.
SELECT pg_temp.error_of($$SELECT chargeback.ingest('{"provider": "openrouter", "model": "rc-model-a", "request_id": "rc-9",
    "occurred_at": "2019-03-02T16:00:00Z", "tokens": {"input": 1}, "reported_cost": "12,5"}')$$) AS not_a_decimal;
SELECT pg_temp.error_of($$SELECT chargeback.ingest('{"id": "gen-rc-9", "model": "rc-model-a", "object": "chat.completion",
    "created": 1551528000, "usage": {"prompt_tokens": 1, "cost": true}}')$$) AS not_a_number;

-- Drift per day, provider and model: reported - cost over the rows that have both.
-- 2019-03-01: cost 0.007 + 0.004 = 0.011, reported 0.0075 + 0.0039 = 0.0114, drift
-- +0.0004 (ratio 0.0004 / 0.011 = 0.036364); rc-3 has no reported cost (0.001, excluded).
-- 2019-03-02: cost 0.003 + 0.001 = 0.004, reported 0.0031 + 0.00125 = 0.00435, drift
-- +0.00035 (ratio 0.0875). rc-unknown (rc-6, rc-8): reported but unpriced, nothing to compare.
-- 2019-03-03: negative, 0.0015 - 0.002 = -0.0005 (ratio -0.25).
SELECT day, provider, model, cost, reported_cost, drift, drift_ratio, requests, not_reported, not_reported_cost, not_compared
FROM cost_drift WHERE provider = 'openrouter' AND day BETWEEN '2019-03-01' AND '2019-03-31' ORDER BY day, model;

-- A viewer sees the drift of its units only (row security under the view).
CREATE ROLE rc_viewer NOLOGIN IN ROLE chargeback_viewer;
SELECT grant_view('rc_viewer', 'rc-a') AS units;
SET ROLE rc_viewer;
SELECT day, model, cost, reported_cost, drift FROM cost_drift ORDER BY day, model;
SELECT pg_temp.error_of('SELECT count(*) FROM chargeback.invoice_line') AS viewer_reads_lines;
SELECT pg_temp.error_of('SELECT count(*) FROM chargeback.cost_report_variance') AS viewer_reads_variance;
SELECT pg_temp.error_of($$SELECT chargeback.import_cost_report('openai', '{"data": []}')$$) AS viewer_imports;
RESET ROLE;

-- 2. Cost reports as daily invoice lines. Metered: openai 2019-03-01 1000 x 2 + 500 x 10 =
-- 0.007 and 2000 x 2 = 0.004 (0.011), 2019-03-02 1000 x 2 = 0.002; anthropic 2019-03-01
-- 400000 x 3 + 10000 x 15 = 1.35.
SELECT ingest('{"provider": "openai", "model": "rc-model-o", "request_id": "rc-o1", "occurred_at": "2019-03-01T09:00:00Z",
                "tokens": {"input": 1000, "output": 500}}') > 0 AS o1,
       ingest('{"provider": "openai", "model": "rc-model-o", "request_id": "rc-o2", "occurred_at": "2019-03-01T23:59:59Z",
                "tokens": {"input": 2000}}') > 0 AS o2,
       ingest('{"provider": "openai", "model": "rc-model-o", "request_id": "rc-o3", "occurred_at": "2019-03-02T00:00:00Z",
                "tokens": {"input": 1000}}') > 0 AS o3,
       ingest('{"provider": "anthropic", "model": "rc-claude", "request_id": "rc-a1", "occurred_at": "2019-03-01T08:00:00Z",
                "tokens": {"input": 400000, "output": 10000}}') > 0 AS a1;
-- The OpenAI page: three lines (test/fixtures/cost_reports/README.md); the same page again
-- changes nothing.
\set openai_page `cat test/fixtures/cost_reports/openai_costs.json`
\set anthropic_page `cat test/fixtures/cost_reports/anthropic_cost_report.json`
SELECT import_cost_report('openai', :'openai_page') AS imported, import_cost_report('OpenAI', :'openai_page') AS imported_again;
-- Anthropic: amounts in cents, so "123.78912" is 1.2378912 USD.
SELECT import_cost_report('anthropic', :'anthropic_page') AS imported, import_cost_report('anthropic', :'anthropic_page') AS imported_again;
SELECT provider, day, currency, line_item, model, project, amount FROM invoice_line ORDER BY provider, day, amount;
-- Per day: openai 2019-03-01 0.0111 reported against 0.011 metered (+0.0001), 2019-03-02
-- 0.0042 against 0.002 (+0.0022); anthropic 1.7128912 against 1.35 (+0.3628912).
SELECT day, period, provider, currency, reported, cost, variance, lines, requests
FROM cost_report_variance WHERE provider IN ('openai', 'anthropic') ORDER BY provider, day;
-- Summed over the month, the variance is the part of a true-up the report explains by day.
SELECT provider, sum(reported) AS reported, sum(cost) AS cost, sum(variance) AS variance
FROM cost_report_variance WHERE period = '2019-03-01' AND provider IN ('openai', 'anthropic') GROUP BY provider ORDER BY provider;
-- A later report of a day replaces it (0.0042 -> 0.0045: one line changed) ...
SELECT import_cost_report('openai', '{"object": "bucket", "start_time": 1551484800, "end_time": 1551571200, "results": [
    {"object": "organization.costs.result", "amount": {"value": 0.0045, "currency": "usd"}, "line_item": null, "project_id": null}]}') AS revised;
SELECT day, reported, variance FROM cost_report_variance WHERE provider = 'openai' ORDER BY day;
-- ... and a day the report no longer charges loses its lines.
SELECT import_cost_report('openai', '{"object": "page", "data": [{"object": "bucket", "start_time": 1551484800,
    "end_time": 1551571200, "results": []}], "has_more": false}') AS emptied;
SELECT day, sum(amount) FROM invoice_line WHERE provider = 'openai' GROUP BY day ORDER BY day;
-- Every change is audited.
SELECT action, count(*) FROM audit_log WHERE object = 'invoice_line' GROUP BY action ORDER BY action;

-- Hostile reports: a clear SQLSTATE and the key.
SELECT pg_temp.error_of($$SELECT chargeback.import_cost_report('mistral', '{"data": []}')$$) AS provider;
SELECT pg_temp.error_of($$SELECT chargeback.import_cost_report('openai', '[]')$$) AS not_an_object;
SELECT pg_temp.error_of($$SELECT chargeback.import_cost_report('openai', '{"object": "page"}')$$) AS no_data;
SELECT pg_temp.error_of($$SELECT chargeback.import_cost_report('openai', '{"object": "page", "data": [{"object": "bucket",
    "start_time": 1551398400, "end_time": 1551484800, "results": [{"object": "organization.costs.result", "line_item": "x"}]}]}')$$) AS no_amount;
SELECT pg_temp.error_of($$SELECT chargeback.import_cost_report('openai', '{"object": "page", "data": [{"object": "bucket",
    "start_time": 1551398400, "end_time": 1551402000, "results": []}]}')$$) AS one_hour;
SELECT pg_temp.error_of($$SELECT chargeback.import_cost_report('openai', '{"object": "page", "data": [{"object": "bucket",
    "start_time": "yesterday", "end_time": 1551484800, "results": []}]}')$$) AS bad_time;
SELECT pg_temp.error_of($$SELECT chargeback.import_cost_report('openai', '{"object": "page", "data": [{"object": "bucket",
    "start_time": 1551398400, "end_time": 1551484800, "results": [{"object": "organization.usage.completions.result",
    "input_tokens": 5}]}]}')$$) AS usage_page;
SELECT pg_temp.error_of($$SELECT chargeback.import_cost_report('anthropic', '{"data": [{"starting_at": "2019-03-01T00:00:00Z",
    "ending_at": "2019-03-02T00:00:00Z", "results": [{"currency": "USD", "amount": "12,5"}]}]}')$$) AS bad_amount;
SELECT pg_temp.error_of($$SELECT chargeback.import_cost_report('anthropic', '{"data": [{"starting_at": "2019-03-01T00:00:00Z",
    "ending_at": "2019-03-02T00:00:00Z", "results": [{"amount": "12"}]}]}')$$) AS no_currency;
SELECT pg_temp.error_of($$SELECT chargeback.import_cost_report('anthropic', '{"data": [{"starting_at": "2019-03-01T00:00:00Z",
    "results": []}]}')$$) AS no_end;
SELECT pg_temp.error_of($$SELECT chargeback.import_cost_report('anthropic', '{"data": [{"starting_at": "2019-03-01T00:00:00Z",
    "ending_at": "2019-03-02T00:00:00Z"}]}')$$) AS no_results;
-- A page whose first bucket would empty 2019-03-01 but whose second is refused: nothing of it
-- is imported.
SELECT pg_temp.error_of($$SELECT chargeback.import_cost_report('openai', '{"object": "page", "data": [
    {"object": "bucket", "start_time": 1551398400, "end_time": 1551484800, "results": []},
    {"object": "bucket", "start_time": "x", "end_time": 1551571200, "results": []}]}')$$) AS second_bucket;
-- A failed import changes nothing.
SELECT count(*) AS lines, sum(amount) AS total FROM invoice_line;

-- Leaves nothing for the tests after it.
SELECT revoke_view('rc_viewer') AS revoked;
DROP ROLE rc_viewer;
DELETE FROM invoice_line;
DELETE FROM usage WHERE request_id LIKE 'rc-%' OR request_id = 'gen-rc-4';
DELETE FROM usage_request WHERE request_id LIKE 'rc-%' OR request_id = 'gen-rc-4';
DELETE FROM usage_rejected WHERE payload LIKE '%rc-7%';
DELETE FROM price WHERE model IN ('rc-model-a', 'rc-model-o', 'rc-claude');
DELETE FROM org_unit WHERE code IN ('rc-a', 'rc-b');
DELETE FROM period WHERE period = '2019-03-01' AND status = 'open';
SELECT setval('usage_usage_id_seq', :usage_id_last, :'usage_id_called') IS NOT NULL AS ids_restored;
