-- Temporary objects never run as the extension's owner. PostgreSQL searches the session's
-- temporary schema FIRST for types and tables unless a search_path lists pg_temp
-- explicitly: in 0.2.0 a role with only chargeback_ingest made a temporary domain named
-- date whose check ran as the owner inside ingest(), and so became superuser. Here a role
-- with only chargeback_ingest, then one with only chargeback_admin, shadow every type and
-- relation name the extension uses with temporary objects that call a probe, then drive
-- every entry point. The probe raises when it runs as anyone but its creator, so any
-- escalation shows up as an error below (or, on the bulk path, as a rejected row).
SET timezone = 'UTC';
SET client_min_messages = warning;
SELECT current_user AS superuser \gset

-- Catalog checks. Every SQL and PL/pgSQL function of the extension has a search_path that
-- ends with pg_temp, but the inlined SQL functions (a SET would stop their inlining),
-- whose bodies name every type schema-qualified; every SECURITY DEFINER function, C ones
-- included, has one too.
SELECT p.oid::regprocedure AS function_without_pg_temp_last
FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang
WHERE p.pronamespace = 'chargeback'::regnamespace
  AND (l.lanname IN ('sql', 'plpgsql') OR p.prosecdef)
  AND NOT EXISTS (SELECT 1 FROM unnest(p.proconfig) c WHERE c ~ '^search_path=.*, pg_temp$')
  AND p.proname NOT IN ('budget_period_start', 'budget_period_end', 'focus_service', 'focus_model', 'focus_datetime')
ORDER BY 1;
SELECT p.proname AS inlined_function, p.proconfig IS NULL AS no_set,
       p.prosrc !~ '::(?!pg_catalog\.)' AND p.prosrc !~* '\m(date|interval|text|numeric|timestamptz?|jsonb?)\s+''' AS types_qualified
FROM pg_proc p
WHERE p.pronamespace = 'chargeback'::regnamespace
  AND p.proname IN ('budget_period_start', 'budget_period_end', 'focus_service', 'focus_model', 'focus_datetime')
ORDER BY 1;

CREATE ROLE tmp_ingest LOGIN IN ROLE chargeback_ingest;
CREATE ROLE tmp_admin LOGIN IN ROLE chargeback_admin;
INSERT INTO chargeback.org_unit (code, name) VALUES ('tmp-unit', 'Temp probe unit');
SELECT chargeback.set_price('tmpco', 't1', 'input=1 output=2', '2023-01-01') > 0 AS priced;
INSERT INTO chargeback.budget (name, scope, scope_value, period, amount, enforcement)
VALUES ('tmp block', 'provider', 'tmpco', 'year', 1000, 'block');

-- The shadows, made by the session's role (run once per role below): a probe, a domain named
-- like every type the extension's SQL names, and a view named like every relation.
\set shadows 'CREATE FUNCTION pg_temp.probe(v anyelement) RETURNS boolean LANGUAGE plpgsql AS $p$ BEGIN IF current_user <> session_user THEN RAISE EXCEPTION ''temporary object ran as % (session of %)'', current_user, session_user; END IF; RETURN true; END $p$; DO $d$ DECLARE t text; BEGIN FOREACH t IN ARRAY ARRAY[''date'', ''text'', ''jsonb'', ''json'', ''numeric'', ''int2'', ''int4'', ''int8'', ''float8'', ''timestamptz'', ''timestamp'', ''bool'', ''interval'', ''regclass'', ''regrole'', ''name'', ''oid'', ''xid8'', ''bytea'', ''varchar''] LOOP EXECUTE format(''CREATE DOMAIN pg_temp.%I AS pg_catalog.%I CHECK (pg_temp.probe(VALUE))'', t, t); END LOOP; EXECUTE ''CREATE DOMAIN pg_temp.token_usage AS chargeback.token_usage CHECK (pg_temp.probe(VALUE))''; EXECUTE ''CREATE DOMAIN pg_temp.token_rates AS chargeback.token_rates CHECK (pg_temp.probe(VALUE))''; FOREACH t IN ARRAY ARRAY[''usage'', ''usage_request'', ''usage_duplicate'', ''usage_rejected'', ''price'', ''model_alias'', ''org_unit'', ''membership'', ''ownership_rule'', ''budget'', ''budget_spend'', ''budget_event'', ''budget_unit'', ''reservation'', ''period'', ''period_event'', ''allocation_rule'', ''allocation_run'', ''allocation_line'', ''fixed_charge'', ''invoice'', ''activity_outcome'', ''daily_rollup'', ''audit_log'', ''view_grant'', ''xact_lock'', ''new_rows'', ''old_rows'', ''new_lines'', ''old_lines''] LOOP EXECUTE format(''CREATE VIEW pg_temp.%I AS SELECT 1 AS x WHERE pg_temp.probe(1)'', t); END LOOP; END $d$'

-- As the ingest role: ingest(), COPY into both inboxes, authorize() on a block budget, and
-- settling the hold with the usage that answers it.
\c - tmp_ingest
SET timezone = 'UTC';
:shadows;
SELECT chargeback.ingest('{"provider": "tmpco", "model": "t1", "request_id": "tmp-1", "occurred_at": "2023-10-02T00:00:00Z", "tokens": {"input": 1000}, "attrs": {"department": "tmp-unit", "project": "p"}}') > 0 AS ingested;
COPY chargeback.usage_inbox (payload) FROM stdin;
{"provider": "tmpco", "model": "t1", "request_id": "tmp-2", "occurred_at": "2023-10-03T00:00:00Z", "tokens": {"input": 1000}, "attrs": {"department": "tmp-unit"}}
\.
COPY chargeback.usage_inbox_text (payload) FROM stdin;
{"provider": "tmpco", "model": "t1", "request_id": "tmp-3", "occurred_at": "2023-10-04T00:00:00Z", "tokens": {"input": 1000}, "attrs": {"department": "tmp-unit"}}
\.
SELECT allowed, reservation_id IS NOT NULL AS held
FROM chargeback.authorize('{"department": "tmp-unit", "request_id": "tmp-4"}', 'tmpco', 't1', 'input=1000', 'standard', '5 minutes');
SELECT chargeback.ingest('{"provider": "tmpco", "model": "t1", "request_id": "tmp-4", "tokens": {"input": 1000}, "attrs": {"department": "tmp-unit"}}') > 0 AS settled_by_usage;

-- As an admin: the catalog (set_price, import_prices), re-pricing, the organisation, a budget
-- (its backfill), runs, a close, the statement and the maintenance job.
\c - tmp_admin
SET timezone = 'UTC';
:shadows;
SELECT chargeback.set_price('tmpco', 't1', 'input=1.5 output=2', '2023-10-03') > 0 AS price_changed;
SELECT chargeback.import_prices('{"tmp-model": {"litellm_provider": "tmpco", "input_cost_per_token": 0.000001, "output_cost_per_token": 0.000002}}', 'litellm', '2023-01-01') AS imported;
SELECT chargeback.reprice('2023-10-01', '2023-11-01') AS repriced;
SELECT chargeback.move_member('tmp-person', 'tmp-unit', '2023-01-01') > 0 AS moved;
INSERT INTO chargeback.budget (name, scope, scope_value, period, amount) VALUES ('tmp alert', 'org_unit', 'tmp-unit', 'month', 5);
SELECT chargeback.run_allocation('2023-10-01') > 0 AS drafted;
SELECT chargeback.close_period('2023-10-01') > 0 AS closed;
SELECT length(chargeback.statement_html('2023-10-01', 'tmp-unit')) > 1000 AS statement;
SELECT chargeback.maintenance() ? 'partitions_made' AS maintained;
-- A restore is a superuser's: an admin's session with the settings pg_restore uses is not one.
SET check_function_bodies = off;
SET row_security = off;
SELECT chargeback.restoring() AS admin_passes_for_a_restore;

-- Back as the superuser, in a new session (no shadows): everything landed, nothing was
-- rejected by a probe, and the temporary objects were never run by the owner.
\c - :superuser
SET timezone = 'UTC';
SELECT request_id, cost FROM chargeback.usage WHERE provider = 'tmpco' ORDER BY request_id;
SELECT count(*) AS rejected_by_a_probe FROM chargeback.usage_rejected WHERE error LIKE 'temporary object ran as%';
SELECT count(*) AS open_holds FROM chargeback.reservation r JOIN chargeback.budget b USING (budget_id)
WHERE b.name = 'tmp block' AND r.settled_at IS NULL;

-- Clean up (the other tests share the database).
DELETE FROM chargeback.budget WHERE name LIKE 'tmp %';
DROP OWNED BY tmp_ingest, tmp_admin;
DROP ROLE tmp_ingest;
DROP ROLE tmp_admin;
