-- Access: the four roles, row-level security through every view, SECURITY DEFINER hygiene,
-- what PUBLIC may run, and the audit log. Test roles are NOLOGIN members of the chargeback
-- roles; SET ROLE acts as each. The database is shared with the other tests: this test's
-- org units are sec-*, its provider secco, its month September 2023 (plus one request now,
-- for budgets). Roles belong to the cluster: the test roles are dropped at the end.
SET search_path = chargeback, public;
SET timezone = 'UTC';
SET client_min_messages = notice;

-- The roles: NOLOGIN, no special attributes; an admin has the analyst's privileges.
SELECT rolname, rolcanlogin, rolsuper, rolcreaterole, rolcreatedb, rolbypassrls, rolinherit
FROM pg_roles WHERE rolname IN ('chargeback_admin', 'chargeback_ingest', 'chargeback_analyst', 'chargeback_viewer')
ORDER BY rolname;
SELECT pg_has_role('chargeback_admin', 'chargeback_analyst', 'USAGE') AS admin_reads_all,
       pg_has_role('chargeback_analyst', 'chargeback_admin', 'USAGE') AS analyst_is_admin,
       pg_has_role('chargeback_viewer', 'chargeback_analyst', 'USAGE') AS viewer_reads_all;

CREATE ROLE sec_ingest NOLOGIN IN ROLE chargeback_ingest;
CREATE ROLE sec_admin NOLOGIN IN ROLE chargeback_admin;
CREATE ROLE sec_analyst NOLOGIN IN ROLE chargeback_analyst;
CREATE ROLE sec_emea NOLOGIN IN ROLE chargeback_viewer;     -- scoped to sec-emea (and below)
CREATE ROLE sec_sales NOLOGIN IN ROLE chargeback_viewer;    -- scoped to sec-emea-sales
CREATE ROLE sec_unscoped NOLOGIN IN ROLE chargeback_viewer; -- a viewer without a scope
CREATE ROLE sec_group NOLOGIN IN ROLE chargeback_viewer;    -- a group role with a scope ...
CREATE ROLE sec_member NOLOGIN IN ROLE sec_group;           -- ... and a member of it
CREATE ROLE sec_nobody NOLOGIN;                             -- PUBLIC only

-- The organisation: sec-corp > sec-emea > sec-emea-sales, sec-emea-support; sec-corp > sec-amer.
INSERT INTO org_unit (code, name, cost_center) VALUES ('sec-corp', 'Sec Corp', 'CC-S00');
INSERT INTO org_unit (code, name, parent_id, cost_center)
SELECT 'sec-emea', 'Sec EMEA', org_unit_id, 'CC-S10' FROM org_unit WHERE code = 'sec-corp'
UNION ALL SELECT 'sec-amer', 'Sec Americas', org_unit_id, 'CC-S20' FROM org_unit WHERE code = 'sec-corp';
INSERT INTO org_unit (code, name, parent_id)
SELECT 'sec-emea-sales', 'Sec EMEA Sales', org_unit_id FROM org_unit WHERE code = 'sec-emea'
UNION ALL SELECT 'sec-emea-support', 'Sec EMEA Support', org_unit_id FROM org_unit WHERE code = 'sec-emea';
SELECT set_price('secco', 's1', 'input=1 output=2', '2023-01-01') > 0 AS priced;

-- chargeback_ingest: ingest(), the usage_inbox bulk path and authorize() work without any
-- table privilege (they are SECURITY DEFINER); everything else is refused.
SET ROLE sec_ingest;
SELECT ingest('{"provider": "secco", "model": "s1", "request_id": "sec-r1", "occurred_at": "2023-09-05T10:00:00Z",
                "tokens": {"input": 1000000, "requests": 1},
                "attrs": {"department": "sec-emea-sales", "project": "sec-p1", "activity_type": "deal"}}') IS NOT NULL AS ingested;
COPY usage_inbox (payload) FROM stdin;
{"provider": "secco", "model": "s1", "request_id": "sec-r2", "occurred_at": "2023-09-06T10:00:00Z", "tokens": {"input": 2000000, "requests": 1}, "attrs": {"department": "sec-emea-support", "activity_type": "ticket"}}
{"provider": "secco", "model": "s1", "request_id": "sec-r3", "occurred_at": "2023-09-07T10:00:00Z", "tokens": {"input": 4000000, "requests": 1}, "attrs": {"department": "sec-amer"}}
{"provider": "secco", "model": "s1", "request_id": "sec-r4", "occurred_at": "2023-09-08T10:00:00Z", "tokens": {"input": 8000000, "requests": 1}, "attrs": {}}
{"provider": "secco", "model": "s1", "request_id": "sec-r5", "occurred_at": "2023-09-09T10:00:00Z", "tokens": {"input": 500000, "requests": 1}, "attrs": {"department": "sec-emea"}}
{"provider": "secco", "model": "mystery", "request_id": "sec-r6", "occurred_at": "2023-09-10T10:00:00Z", "tokens": {"input": 1000, "requests": 1}, "attrs": {"department": "sec-emea-sales"}}
{"provider": "secco", "model": "s1", "request_id": "sec-r1", "occurred_at": "2023-09-05T10:00:00Z", "tokens": {"input": 1000000, "requests": 1}, "attrs": {"department": "sec-emea-sales"}}
{"provider": "secco", "model": "s1", "request_id": "sec-bad", "tokens": {"input": -1}}
\.
-- The bulk path's row trigger runs as its caller and switches to the owner only around its
-- SQL, with the fixed search_path: a caller's temporary tables named like ours are not
-- written, and the caller's user and search_path are theirs again after the COPY (of a
-- repeated request, which writes only its duplicate log row).
CREATE TEMP TABLE usage (usage_id bigint);
CREATE TEMP TABLE usage_request (usage_id bigint);
SET search_path = pg_temp, public;
COPY chargeback.usage_inbox (payload) FROM stdin;
{"provider": "secco", "model": "s1", "request_id": "sec-r3", "occurred_at": "2023-09-07T10:00:00Z", "tokens": {"input": 4000000, "requests": 1}, "attrs": {"department": "sec-amer"}}
\.
SELECT (SELECT count(*) FROM pg_temp.usage) + (SELECT count(*) FROM pg_temp.usage_request) AS temp_rows_written,
       current_user, current_setting('search_path') AS search_path;
DROP TABLE pg_temp.usage, pg_temp.usage_request;
SET search_path = chargeback, public;
-- one request this month, so that budgets have spend
SELECT ingest(jsonb_build_object('provider', 'secco', 'model', 's1', 'request_id', 'sec-n1', 'occurred_at', now(),
                                 'tokens', '{"input": 1000000, "requests": 1}'::jsonb,
                                 'attrs', '{"department": "sec-emea-sales"}'::jsonb)) IS NOT NULL AS ingested_now;
SELECT allowed, reason FROM authorize('{"department": "sec-amer"}', 'secco', 'mystery', 'input=10');
SELECT count(*) FROM usage;
SELECT count(*) FROM usage_rejected;
SELECT * FROM parse_usage('{"provider": "secco", "model": "s1", "occurred_at": "2023-09-01T00:00:00Z", "tokens": {"input": 1}}', 'canonical');
SELECT count(*) FROM showback;
SELECT set_price('secco', 's1', 'input=0', '2023-02-01');
INSERT INTO price (provider, model, rates, valid_from) VALUES ('secco', 's9', 'input=0', '2023-01-01');
SELECT grant_view('sec_ingest', 'sec-corp');
RESET ROLE;

-- What the ingest role recorded: attributed, priced, the duplicate dropped, the bad line rejected.
SELECT u.request_id, o.code AS owner, u.cost, u.status FROM usage u JOIN org_unit o USING (org_unit_id)
WHERE u.provider = 'secco' AND u.request_id <> 'sec-n1' ORDER BY u.request_id;
SELECT count(*) AS duplicates FROM usage_duplicate WHERE request_id = 'sec-r1';

-- Scoping viewers (an admin act). Unknown roles and units are errors with a hint.
SET ROLE sec_admin;
SELECT grant_view('no_such_role', 'sec-emea');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT grant_view('sec_emea', 'no-such-unit');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT grant_view('sec_emea', 'SEC-EMEA') AS units;     -- codes are case-insensitive: sec-emea and its 2 children
SELECT grant_view('sec_sales', 'sec-emea-sales') AS units;
SELECT grant_view('sec_group', 'sec-amer') AS units;
SELECT grant_view('sec_nobody', 'sec-amer') AS units;   -- not a viewer: a notice says so
SELECT revoke_view('sec_nobody') AS revoked;
SELECT role, o.code FROM view_grant JOIN org_unit o USING (org_unit_id) WHERE role::text LIKE 'sec\_%' ORDER BY role::text, 2;

-- The admin's other work: prices, rules, memberships, budgets, outcomes, a chargeback run.
SELECT set_price('secco', 's1', 'input=1 output=3', '2023-10-01') > 0 AS repriced;
INSERT INTO ownership_rule (priority, match, org_unit_id, description)
SELECT 10, '{"app": "sec-bot"}', org_unit_id, 'sec bot' FROM org_unit WHERE code = 'sec-amer';
SELECT move_member('sec-alice', 'sec-emea-sales', '2023-01-01') > 0 AS moved;
INSERT INTO budget (name, scope, scope_value, amount, enforcement) VALUES
    ('sec emea', 'org_unit', 'sec-emea', 1.50, 'block'),
    ('sec amer', 'org_unit', 'sec-amer', 100, 'alert'),
    ('sec corp', 'org_unit', 'sec-corp', 100, 'alert'),
    ('sec project', 'project', 'sec-p1', 100, 'alert');
UPDATE budget SET amount = 1.25 WHERE name = 'sec emea';
INSERT INTO activity_outcome (period, org_unit_id, activity_type, units)
SELECT date '2023-09-01', org_unit_id, 'deal', 4 FROM org_unit WHERE code = 'sec-emea-sales'
UNION ALL SELECT date '2023-09-01', org_unit_id, 'ticket', 2 FROM org_unit WHERE code = 'sec-emea-support';
SELECT run_allocation('2023-09-01') > 0 AS ran;
-- re-pricing and maintenance run as the owner (SECURITY DEFINER): usage and partitions
-- are not the admin's to write
SELECT reprice('2023-09-01', '2023-10-01') AS repriced_rows;
SELECT maintenance() ? 'partitions_made' AS maintained;
-- ... but it cannot write usage, its rollup or the audit log directly
UPDATE usage SET cost = 0 WHERE provider = 'secco';
DELETE FROM daily_rollup WHERE provider = 'secco';
DELETE FROM audit_log;
TRUNCATE audit_log;
RESET ROLE;

-- A request to a unit now: the hold lands on the block budget of sec-emea, and usage that
-- crosses its thresholds writes budget events.
SET ROLE sec_ingest;
SELECT allowed, reason FROM authorize('{"department": "sec-emea-support"}', 'secco', 's1', 'input=100000');
SELECT allowed, reason ~ '^budget sec emea .* would be exceeded: spend 1 \+ held 0.1 \+ request 1 > 1.25 USD$' AS names_the_budget
FROM authorize('{"department": "sec-emea-support"}', 'secco', 's1', 'input=1000000');
SELECT ingest(jsonb_build_object('provider', 'secco', 'model', 's1', 'request_id', 'sec-n2', 'occurred_at', now(),
                                 'tokens', '{"input": 200000, "requests": 1}'::jsonb,
                                 'attrs', '{"department": "sec-emea-support"}'::jsonb)) IS NOT NULL AS ingested_now;
-- How long a hold may last is not the ingest role's to choose.
SET chargeback.max_hold_ttl = '30d';
RESET ROLE;

-- Every view and table a viewer reads, as (object, org unit, rows, cost): the same query
-- for each role below. Views and tables with no org unit column report their own rows.
CREATE TEMP VIEW sec_seen AS
          SELECT 'usage' AS object, o.code AS org_unit, count(*) AS n, sum(u.cost) AS cost
          FROM usage u JOIN org_unit o USING (org_unit_id) WHERE u.provider = 'secco' GROUP BY 2
UNION ALL SELECT 'daily_rollup', o.code, sum(r.requests), sum(r.cost)
          FROM daily_rollup r JOIN org_unit o USING (org_unit_id) WHERE r.provider = 'secco' GROUP BY 2
UNION ALL SELECT 'showback', s.org_unit, sum(s.requests), sum(s.cost) FROM showback s WHERE s.provider = 'secco' GROUP BY 2
UNION ALL SELECT 'daily_spend', d.org_unit, sum(d.requests), sum(d.cost) FROM daily_spend d WHERE d.provider = 'secco' GROUP BY 2
UNION ALL SELECT 'unit_costs', c.org_unit, count(*), sum(c.cost) FROM unit_costs c WHERE c.org_unit LIKE 'sec-%' GROUP BY 2
UNION ALL SELECT 'focus', f."SubAccountId", count(*), sum(f."BilledCost") FROM focus f WHERE f."ServiceName" = 'secco API' GROUP BY 2
UNION ALL SELECT 'allocation_line', o.code, count(*), sum(l.amount)
          FROM allocation_line l JOIN org_unit o USING (org_unit_id) WHERE l.period = '2023-09-01' AND o.code LIKE 'sec-%' GROUP BY 2
UNION ALL SELECT 'journal', j.org_unit, count(*), sum(j.debit) FROM journal j
          WHERE j.period = '2023-09-01' AND j.debit > 0 AND j.org_unit LIKE 'sec-%' GROUP BY 2
UNION ALL SELECT 'activity_outcome', o.code, count(*), sum(a.units)
          FROM activity_outcome a JOIN org_unit o USING (org_unit_id) WHERE o.code LIKE 'sec-%' GROUP BY 2
UNION ALL SELECT 'budget', b.scope_value, count(*), sum(b.amount) FROM budget b WHERE b.name LIKE 'sec %' GROUP BY 2
UNION ALL SELECT 'budget_status', b.name, count(*), sum(b.spend) FROM budget_status b WHERE b.name LIKE 'sec %' GROUP BY 2
UNION ALL SELECT 'budget_spend', b.name, count(*), sum(s.spend)
          FROM budget_spend s JOIN budget b USING (budget_id) WHERE b.name LIKE 'sec %' GROUP BY 2
UNION ALL SELECT 'budget_event', b.name, count(*), NULL FROM budget_event e JOIN budget b USING (budget_id)
          WHERE b.name LIKE 'sec %' AND e.kind = 'threshold' GROUP BY 2
UNION ALL SELECT 'reservation', b.name, count(*), sum(r.amount)
          FROM reservation r JOIN budget b USING (budget_id) WHERE b.name LIKE 'sec %' GROUP BY 2
UNION ALL SELECT 'unpriced_usage', p.model, sum(p.requests), NULL FROM unpriced_usage p WHERE p.provider = 'secco' GROUP BY 2
UNION ALL SELECT 'data_quality', q.check_name, sum(q.rows), NULL FROM data_quality q
          WHERE q.check_name IN ('rejected', 'duplicate_dropped') GROUP BY 2
UNION ALL SELECT 'usage_rejected', NULL, count(*), NULL FROM usage_rejected
UNION ALL SELECT 'view_grant', g.role::text, count(*), NULL FROM view_grant g WHERE g.role::text LIKE 'sec\_%' GROUP BY 2;
GRANT SELECT ON sec_seen TO PUBLIC;
CREATE FUNCTION pg_temp.secco_cost() RETURNS numeric LANGUAGE sql STABLE
AS $$ SELECT sum(cost) FROM chargeback.showback WHERE provider = 'secco' $$;
-- A security_invoker view over the views: it reads as the role that queries it.
ALTER VIEW sec_seen SET (security_invoker = true);

-- The analyst sees everything.
SET ROLE sec_analyst;
SELECT object, org_unit, n, cost FROM sec_seen WHERE object NOT IN ('data_quality', 'usage_rejected') ORDER BY 1, 2;
SELECT object, n > 0 AS some FROM sec_seen WHERE object IN ('data_quality', 'usage_rejected') ORDER BY 1, 2;
-- ... and changes nothing
SELECT set_price('secco', 's1', 'input=0', '2024-01-01');
INSERT INTO org_unit (code, name) VALUES ('sec-rogue', 'Rogue');
SELECT run_allocation('2023-09-01');
RESET ROLE;

-- A viewer scoped to sec-emea sees sec-emea, sec-emea-sales and sec-emea-support: their
-- usage, rollup, reports, lines, outcomes and budgets, in every view, and nothing else
-- (no sec-amer, no unattributed usage, not the global sec-corp or project budgets, no
-- rejected input or dropped duplicates). showback's share is of what it sees.
SET ROLE sec_emea;
SELECT object, org_unit, n, cost FROM sec_seen ORDER BY 1, 2;
SELECT org_unit, project, cost, share FROM showback WHERE provider = 'secco' AND period = '2023-09-01' ORDER BY 1, 2;
SELECT org_unit, cost_center, debit, credit FROM journal WHERE period = '2023-09-01' AND org_unit LIKE 'sec-%' ORDER BY 1;
SELECT sum(debit) = sum(credit) AS journal_balanced FROM journal WHERE period = '2023-09-01';
-- and through a SECURITY INVOKER function reading the views (as statement_html() does)
SELECT pg_temp.secco_cost() AS secco_cost_seen;
-- and its statements: its own unit's page draws charts; a unit it may not see has no usage
SELECT h LIKE '%<svg%' AS charts, h LIKE '%No usage was recorded%' AS empty
FROM statement_html('2023-09-01', 'sec-emea') h;
SELECT h LIKE '%No usage was recorded%' AS empty FROM statement_html('2023-09-01', 'sec-amer') h;
-- its units' allocation lines, but not their basis (pool totals and ratios of other units)
SELECT count(*) > 0 AS lines_seen, sum(amount) > 0 AS amounts_seen FROM allocation_line WHERE period = '2023-09-01';
SELECT basis FROM allocation_line LIMIT 1;
-- what it may not do
SELECT chargeback.explain(min(usage_id)) FROM usage;
SELECT set_price('secco', 's1', 'input=0', '2024-01-01');
SELECT grant_view('sec_emea', 'sec-corp');
INSERT INTO view_grant (role, org_unit_id) SELECT 'sec_emea', org_unit_id FROM org_unit WHERE code = 'sec-corp';
SELECT count(*) FROM membership;
SELECT count(*) FROM audit_log;
SELECT count(*) FROM chargeback.usage_2023_09;
RESET ROLE;

-- A viewer scoped to a leaf sees the leaf only.
SET ROLE sec_sales;
SELECT object, org_unit, n, cost FROM sec_seen ORDER BY 1, 2;
RESET ROLE;

-- A scope given to a group role is every member's.
SET ROLE sec_member;
SELECT object, org_unit, n, cost FROM sec_seen WHERE object IN ('usage', 'showback', 'budget_status', 'view_grant') ORDER BY 1, 2;
RESET ROLE;

-- A viewer without a scope sees nothing at all.
SET ROLE sec_unscoped;
SELECT object, org_unit, n, cost FROM sec_seen ORDER BY 1, 2;
SELECT visible_org_units() AS units, visible_budgets() AS budgets, sees_all();
RESET ROLE;

-- PUBLIC runs the pure functions (types, operators, cost, allocate) and nothing else.
SET ROLE sec_nobody;
SELECT cost('input=1000000 output=1000'::token_usage, 'input=2.5 output=10'::token_rates) AS cost,
       'input=1 output=2'::token_usage + 'input=3'::token_usage AS added;
SELECT allocate(10, w) OVER (ORDER BY w) FROM (VALUES (1), (2)) v (w);
SELECT count(*) AS parsed FROM parse_usage('{"provider": "secco", "model": "s1", "occurred_at": "2023-09-01T00:00:00Z", "tokens": {"input": 1}}', 'canonical');
SELECT ingest('{}');
SELECT * FROM authorize('{}', 'secco', 's1', 'input=1');
SELECT set_price('secco', 's1', 'input=0', '2024-01-01');
SELECT run_allocation('2023-09-01');
SELECT grant_view('sec_nobody', 'sec-corp');
SELECT price_for('secco', 's1');
SELECT resolve_owner('{"department": "sec-amer"}');
SELECT count(*) FROM showback;
SELECT count(*) FROM price;
INSERT INTO usage_inbox (payload) VALUES ('{}');
RESET ROLE;

-- The admin's changes are in the audit log: who (session_user, the role set), what, before
-- and after. Prices: the September row closed, the October row opened.
SELECT object, action, actor = session_user AS session_actor, role,
       old ->> 'valid_to' AS old_valid_to, new ->> 'valid_to' AS new_valid_to, new ->> 'rates' AS new_rates
FROM audit_log WHERE object = 'price' AND coalesce(new, old) ->> 'provider' = 'secco' ORDER BY audit_id;
SELECT object, action, role, coalesce(new, old) ->> 'name' AS name, old ->> 'amount' AS old_amount, new ->> 'amount' AS new_amount
FROM audit_log WHERE object = 'budget' AND coalesce(new, old) ->> 'name' LIKE 'sec %' ORDER BY audit_id;
SELECT object, action, role, coalesce(new, old) ->> 'principal' AS principal
FROM audit_log WHERE object = 'membership' AND coalesce(new, old) ->> 'principal' = 'sec-alice' ORDER BY audit_id;
SELECT object, action, role, new ->> 'description' AS description
FROM audit_log WHERE object = 'ownership_rule' AND new ->> 'description' = 'sec bot' ORDER BY audit_id;
SELECT object, action, role, coalesce(new, old) ->> 'role' AS grantee
FROM audit_log WHERE object = 'view_grant' AND coalesce(new, old) ->> 'role' LIKE 'sec\_%' ORDER BY audit_id;
SELECT object, action, role, new ->> 'code' AS code
FROM audit_log WHERE object = 'org_unit' AND new ->> 'code' LIKE 'sec-%' ORDER BY audit_id;
SELECT object, action, role, new ->> 'activity_type' AS activity
FROM audit_log WHERE object = 'activity_outcome' AND new ->> 'period' = '2023-09-01' ORDER BY audit_id;
-- the ingest role's first usage of September 2023 opened that period
SELECT object, action, role, new ->> 'status' AS status FROM audit_log WHERE object = 'period' AND new ->> 'period' = '2023-09-01';
-- an UPDATE that changes nothing logs nothing; a change logs old and new
SELECT count(*) AS before FROM audit_log WHERE object = 'allocation_rule' \gset
INSERT INTO allocation_rule (name, source, method, valid_from, valid_to) VALUES ('sec rule', 'sec-corp', 'even', '2023-01-01', '2023-02-01');
UPDATE allocation_rule SET name = name WHERE name = 'sec rule';
UPDATE allocation_rule SET method = 'proportional' WHERE name = 'sec rule';
DELETE FROM allocation_rule WHERE name = 'sec rule';
SELECT action, old ->> 'method' AS old_method, new ->> 'method' AS new_method
FROM audit_log WHERE object = 'allocation_rule' ORDER BY audit_id OFFSET :before;
-- closing and reopening a month (admin acts) are updates of its period row
SET ROLE sec_admin;
SELECT close_period('2023-09-01') > 0 AS closed;
SELECT reopen_period('2023-09-01', 'sec: a late invoice');
RESET ROLE;
SELECT action, role, old ->> 'status' AS old_status, new ->> 'status' AS new_status
FROM audit_log WHERE object = 'period' AND coalesce(new, old) ->> 'period' = '2023-09-01' ORDER BY audit_id;
-- fixed charges and invoices too
INSERT INTO fixed_charge (period, provider, description, amount) VALUES ('2023-09-01', 'secco', 'sec seats', 10);
INSERT INTO invoice (provider, period, amount) VALUES ('secco', '2023-09-01', 17);
UPDATE invoice SET amount = 17.5 WHERE provider = 'secco';
SELECT object, action, old ->> 'amount' AS old_amount, new ->> 'amount' AS new_amount
FROM audit_log WHERE object IN ('fixed_charge', 'invoice') AND coalesce(new, old) ->> 'provider' = 'secco' ORDER BY audit_id;
DELETE FROM fixed_charge WHERE provider = 'secco';
DELETE FROM invoice WHERE provider = 'secco';

-- Catalog checks. Every SECURITY DEFINER function has a fixed search_path that starts with
-- pg_catalog and ends with pg_temp; these are all of them.
SELECT p.oid::regprocedure AS definer_without_fixed_search_path FROM pg_proc p
WHERE p.pronamespace = 'chargeback'::regnamespace AND p.prosecdef
  AND NOT EXISTS (SELECT 1 FROM unnest(p.proconfig) c WHERE c ~ '^search_path=pg_catalog, .*pg_temp$');
SELECT p.oid::regprocedure AS security_definer, array_to_string(p.proconfig, ' ') AS config FROM pg_proc p
WHERE p.pronamespace = 'chargeback'::regnamespace AND p.prosecdef ORDER BY p.oid::regprocedure::text;
-- No dynamic SQL built by concatenation: every EXECUTE in a PL/pgSQL function of the
-- extension either runs a constant with USING parameters or builds its text with format()
-- or quote_*(). A heuristic over the source: an EXECUTE whose statement (up to its
-- semicolon) has || without format( or quote_ is flagged.
SELECT p.oid::regprocedure AS concatenated_execute, m[1] AS statement
FROM pg_proc p, regexp_matches(p.prosrc, '\mEXECUTE\M([^;]*)', 'gi') m
WHERE p.pronamespace = 'chargeback'::regnamespace AND p.prolang = (SELECT oid FROM pg_language WHERE lanname = 'plpgsql')
  AND m[1] ~ '\|\|' AND m[1] !~* '(format|quote_ident|quote_literal|quote_nullable)\s*\(';
SELECT p.oid::regprocedure AS dynamic_sql FROM pg_proc p
WHERE p.pronamespace = 'chargeback'::regnamespace AND p.prosrc ~* '\mEXECUTE\M' ORDER BY p.oid::regprocedure::text;
-- Every view reads as its caller (except the inbox views, which read nothing).
SELECT c.oid::regclass AS view_without_security_invoker FROM pg_class c
WHERE c.relnamespace = 'chargeback'::regnamespace AND c.relkind = 'v'
  AND c.relname NOT IN ('usage_inbox', 'usage_inbox_text')
  AND NOT coalesce('security_invoker=true' = ANY (c.reloptions), false);
-- Tables under row security, and their policies.
SELECT c.relname AS table_name, string_agg(p.polname || CASE WHEN p.polroles <> '{0}' THEN ' (admins)' ELSE '' END, ', ' ORDER BY p.polname) AS policies
FROM pg_class c LEFT JOIN pg_policy p ON p.polrelid = c.oid
WHERE c.relnamespace = 'chargeback'::regnamespace AND c.relrowsecurity GROUP BY 1 ORDER BY 1;
-- What PUBLIC may execute: pure functions only (IMMUTABLE, but for three calendar helpers
-- that read the chargeback.timezone setting).
SELECT string_agg(DISTINCT p.proname, ' ' ORDER BY p.proname) AS public_functions FROM pg_proc p
WHERE p.pronamespace = 'chargeback'::regnamespace AND has_function_privilege('sec_nobody', p.oid, 'EXECUTE');
SELECT p.oid::regprocedure AS public_and_stable FROM pg_proc p
WHERE p.pronamespace = 'chargeback'::regnamespace AND has_function_privilege('sec_nobody', p.oid, 'EXECUTE')
  AND p.provolatile <> 'i' ORDER BY p.oid::regprocedure::text;
-- What no role may execute directly: triggers and internals.
SELECT string_agg(p.proname, ' ' ORDER BY p.proname) AS internal_functions FROM pg_proc p
WHERE p.pronamespace = 'chargeback'::regnamespace
  AND NOT has_function_privilege('sec_nobody', p.oid, 'EXECUTE')
  AND NOT has_function_privilege('sec_admin', p.oid, 'EXECUTE')
  AND NOT has_function_privilege('sec_analyst', p.oid, 'EXECUTE')
  AND NOT has_function_privilege('sec_ingest', p.oid, 'EXECUTE')
  AND NOT has_function_privilege('sec_emea', p.oid, 'EXECUTE');
-- The table privileges of the roles (analyst: SELECT on everything; admin also writes).
SELECT c.relname AS table_name,
       concat_ws(' ', CASE WHEN has_table_privilege('sec_ingest', c.oid, 'SELECT') THEN 'ingest:r' END,
                      CASE WHEN has_table_privilege('sec_ingest', c.oid, 'INSERT') THEN 'ingest:a' END,
                      CASE WHEN has_table_privilege('sec_emea', c.oid, 'SELECT') THEN 'viewer:r'
                           WHEN has_any_column_privilege('sec_emea', c.oid, 'SELECT') THEN 'viewer:r(columns)' END,
                      CASE WHEN has_table_privilege('sec_analyst', c.oid, 'SELECT') THEN 'analyst:r' END,
                      'admin:' || nullif(concat(CASE WHEN has_table_privilege('sec_admin', c.oid, 'INSERT') THEN 'a' END,
                                                CASE WHEN has_table_privilege('sec_admin', c.oid, 'UPDATE') THEN 'w' END,
                                                CASE WHEN has_table_privilege('sec_admin', c.oid, 'DELETE') THEN 'd' END,
                                                CASE WHEN has_table_privilege('sec_admin', c.oid, 'TRUNCATE') THEN 'D' END), ''),
                      CASE WHEN has_table_privilege('sec_nobody', c.oid, 'SELECT,INSERT,UPDATE,DELETE,TRUNCATE') THEN 'PUBLIC!' END) AS rights
FROM pg_class c
WHERE c.relnamespace = 'chargeback'::regnamespace AND c.relkind IN ('r', 'p', 'v') AND NOT c.relispartition
ORDER BY 1;

-- The policy is computed once per query: the viewer's plan evaluates visible_org_units()
-- in an InitPlan, and the scan filters with an array lookup.
CREATE FUNCTION pg_temp.plan_of(q text) RETURNS SETOF text LANGUAGE plpgsql AS $$
BEGIN
    RETURN QUERY EXECUTE 'EXPLAIN (COSTS OFF) ' || q;
END
$$;
SET ROLE sec_emea;
SELECT btrim(regexp_replace(l, '\$[0-9]+', '$n', 'g')) AS plan_line
FROM pg_temp.plan_of('SELECT count(*) FROM chargeback.daily_rollup') l WHERE l ~ 'Filter|InitPlan';
SELECT count(*) FILTER (WHERE l ~ 'InitPlan') AS initplans, count(*) FILTER (WHERE l ~ 'SubPlan') AS subplans
FROM pg_temp.plan_of('SELECT * FROM chargeback.showback WHERE period = ''2023-09-01''') l;
RESET ROLE;

-- A scope names its role by OID, as PostgreSQL's own grants do: a role created later under
-- a dropped role's name sees nothing, and the dropped role's scope is inert until removed.
CREATE ROLE sec_reused IN ROLE chargeback_viewer;
SELECT grant_view('sec_reused', 'sec-amer') > 0 AS scoped;
SET ROLE sec_reused;
SELECT count(*) AS usage_seen_by_the_first FROM usage;
RESET ROLE;
DROP ROLE sec_reused;
CREATE ROLE sec_reused IN ROLE chargeback_viewer;
SET ROLE sec_reused;
SELECT count(*) AS usage_seen_by_the_second FROM usage;
RESET ROLE;
SELECT count(*) AS inert_scopes FROM view_grant WHERE role::oid NOT IN (SELECT oid FROM pg_roles);
DELETE FROM view_grant WHERE role::oid NOT IN (SELECT oid FROM pg_roles);
DROP ROLE sec_reused;

-- Accounting settings are a superuser's: an admin (or the ingest role) cannot move the
-- accounting day or month, raise the payload cap or book usage years ahead. (0.2.0 let any
-- session set chargeback.timezone: an ingest session moved a daily budget's day.)
SET ROLE sec_admin;
SET chargeback.timezone = 'Europe/Paris';
SET chargeback.max_payload_bytes = '1GB';
SET chargeback.max_future_skew = '24855d';
RESET ROLE;
-- The allocation engine is for admins only (its input can cost seconds of CPU).
SELECT has_function_privilege('sec_ingest', 'chargeback.allocation_compute(jsonb)', 'EXECUTE') AS ingest_may_compute,
       has_function_privilege('sec_nobody', 'chargeback.allocation_compute(jsonb)', 'EXECUTE') AS public_may_compute,
       has_function_privilege('sec_admin', 'chargeback.allocation_compute(jsonb)', 'EXECUTE') AS admin_may_compute;

-- Clean up the test roles (the chargeback roles stay: they belong to the cluster).
SELECT revoke_view(r) FROM unnest(ARRAY['sec_emea', 'sec_sales', 'sec_group']) r;
DROP ROLE sec_ingest, sec_admin, sec_analyst, sec_emea, sec_sales, sec_unscoped, sec_member, sec_group, sec_nobody;
