-- The upgrade path, in the style of contrib's oldextversions tests: install the first
-- release, give it data, ALTER EXTENSION ... UPDATE, and compare every member object of the
-- extension with a fresh install of the current version. Runs in its own databases.
CREATE DATABASE cb_upgraded;
CREATE DATABASE cb_fresh;

-- Definitions of every object that belongs to the extension, one line each.
\set members 'SELECT md5(string_agg(d, E''\n'' ORDER BY d)) AS fp, count(*) AS n FROM (SELECT pg_describe_object(classid, objid, objsubid) || coalesce('' '' || CASE classid WHEN ''pg_proc''::regclass THEN (SELECT CASE prokind WHEN ''a'' THEN pg_get_function_arguments(oid) || '' '' || pg_get_function_result(oid) ELSE pg_get_functiondef(oid) END FROM pg_proc WHERE oid = objid) WHEN ''pg_class''::regclass THEN (SELECT string_agg(attname || '' '' || format_type(atttypid, atttypmod) || '' '' || attnotnull || coalesce('' '' || pg_get_expr(adbin, adrelid), ''''), '', '' ORDER BY attnum) FROM pg_attribute LEFT JOIN pg_attrdef ON adrelid = attrelid AND adnum = attnum WHERE attrelid = objid AND attnum > 0 AND NOT attisdropped) || coalesce('' '' || pg_get_viewdef(objid), '''') END, '''') AS d FROM pg_depend WHERE refclassid = ''pg_extension''::regclass AND refobjid = (SELECT oid FROM pg_extension WHERE extname = ''pg_chargeback'') AND deptype = ''e'') m'

\c cb_upgraded
SET client_min_messages = warning;
CREATE EXTENSION pg_chargeback VERSION '0.1.0';
SELECT extversion FROM pg_extension WHERE extname = 'pg_chargeback';
-- usage recorded under 0.1.0
SELECT count(*) FROM chargeback.ingest('{"id": "chatcmpl-upgrade-1", "model": "gpt-4o-2024-08-06", "created": 1830297600, "usage": {"prompt_tokens": 1000000, "completion_tokens": 100000, "prompt_tokens_details": {"cached_tokens": 200000}}}', '{"org_unit": "unattributed"}', 'openai_chat');
SELECT sum(cost) AS cost_before FROM chargeback.usage \gset
-- and a closed month, whose final run the upgrade gives its per-currency header
SELECT chargeback.close_period('2028-01-01') > 0 AS closed;
ALTER EXTENSION pg_chargeback UPDATE;
SELECT extversion FROM pg_extension WHERE extname = 'pg_chargeback';
-- the data is still there and the extension still works
SELECT sum(cost) = :cost_before AS same_cost, count(*) AS requests FROM chargeback.usage;
SELECT chargeback.cost('input=1000000 output=1000'::chargeback.token_usage, 'input=2.5 output=10'::chargeback.token_rates);
SELECT status, total, lines, totals FROM chargeback.allocation_run;
:members \gset upgraded_

\c cb_fresh
SET client_min_messages = warning;
CREATE EXTENSION pg_chargeback;
SELECT extversion FROM pg_extension WHERE extname = 'pg_chargeback';
:members \gset fresh_
SELECT :'upgraded_fp' = :'fresh_fp' AS same_objects, :upgraded_n = :fresh_n AS same_count, :fresh_n > 100 AS many_members;

\c contrib_regression
DROP DATABASE cb_upgraded;
DROP DATABASE cb_fresh;
