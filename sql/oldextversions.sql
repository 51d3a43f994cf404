-- The upgrade path, in the style of contrib's oldextversions tests: install the first
-- release, give it data, ALTER EXTENSION ... UPDATE, and compare every member object of the
-- extension with a fresh install of the current version. Runs in its own databases.
CREATE DATABASE cb_upgraded;
CREATE DATABASE cb_fresh;

-- Definitions of every object that belongs to the extension, one line each.
\set members 'SELECT md5(string_agg(d, E''\n'' ORDER BY d)) AS fp, count(*) AS n FROM (SELECT pg_describe_object(classid, objid, objsubid) || coalesce('' '' || CASE classid WHEN ''pg_proc''::regclass THEN (SELECT CASE prokind WHEN ''a'' THEN pg_get_function_arguments(oid) || '' '' || pg_get_function_result(oid) ELSE pg_get_functiondef(oid) END FROM pg_proc WHERE oid = objid) WHEN ''pg_class''::regclass THEN (SELECT string_agg(attname || '' '' || format_type(atttypid, atttypmod) || '' '' || attnotnull || coalesce('' '' || pg_get_expr(adbin, adrelid), ''''), '', '' ORDER BY attnum) FROM pg_attribute LEFT JOIN pg_attrdef ON adrelid = attrelid AND adnum = attnum WHERE attrelid = objid AND attnum > 0 AND NOT attisdropped) || coalesce('' '' || pg_get_viewdef(objid), '''') END, '''') AS d FROM pg_depend WHERE refclassid = ''pg_extension''::regclass AND refobjid = (SELECT oid FROM pg_extension WHERE extname = ''pg_chargeback'') AND deptype = ''e'') m'

-- And everything else a fresh install and an upgrade must agree on: function bodies, search
-- paths and ACLs, columns with defaults and comments, triggers, indexes, constraints,
-- row-security policies, views, types, operators, casts and the tables pg_dump dumps.
\set catalog 'SELECT md5(string_agg(d, E''\n'' ORDER BY d)) AS fp, count(*) AS n FROM (SELECT ''proc '' || p.oid::regprocedure::text || '' '' || md5(CASE WHEN prokind = ''a'' THEN '''' ELSE pg_get_functiondef(p.oid) END) || '' '' || coalesce(proacl::text, ''-'') || '' '' || coalesce(obj_description(p.oid, ''pg_proc''), ''-'') FROM pg_proc p WHERE pronamespace = ''chargeback''::regnamespace UNION ALL SELECT ''rel '' || c.relname || '' '' || c.relkind::text || '' '' || coalesce(c.relacl::text, ''-'') || '' '' || c.relrowsecurity || '' '' || coalesce(obj_description(c.oid, ''pg_class''), ''-'') || coalesce(array_to_string(c.reloptions, '',''), '''') FROM pg_class c WHERE c.relnamespace = ''chargeback''::regnamespace AND NOT c.relispartition AND c.relkind NOT IN (''i'', ''I'') UNION ALL SELECT ''col '' || a.attrelid::regclass || ''.'' || a.attname || '' '' || format_type(a.atttypid, a.atttypmod) || '' '' || a.attnotnull || '' '' || coalesce(pg_get_expr(d.adbin, d.adrelid), ''-'') || '' '' || coalesce(col_description(a.attrelid, a.attnum), ''-'') || coalesce(a.attacl::text, '''') FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum WHERE c.relnamespace = ''chargeback''::regnamespace AND a.attnum > 0 AND NOT a.attisdropped AND NOT c.relispartition AND c.relkind NOT IN (''i'', ''I'') UNION ALL SELECT ''trigger '' || pg_get_triggerdef(t.oid) || '' '' || t.tgenabled::text FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid WHERE c.relnamespace = ''chargeback''::regnamespace AND NOT t.tgisinternal AND NOT c.relispartition UNION ALL SELECT ''index '' || pg_get_indexdef(i.indexrelid) FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid WHERE c.relnamespace = ''chargeback''::regnamespace AND NOT c.relispartition UNION ALL SELECT ''constraint '' || conrelid::regclass || '' '' || conname || '' '' || pg_get_constraintdef(oid) FROM pg_constraint WHERE connamespace = ''chargeback''::regnamespace AND NOT EXISTS (SELECT 1 FROM pg_class pc WHERE pc.oid = conrelid AND pc.relispartition) UNION ALL SELECT ''policy '' || polrelid::regclass || '' '' || polname || '' '' || polcmd::text || '' '' || polroles::text || '' '' || coalesce(pg_get_expr(polqual, polrelid), ''-'') || '' '' || coalesce(pg_get_expr(polwithcheck, polrelid), ''-'') FROM pg_policy UNION ALL SELECT ''view '' || c.relname || '' '' || md5(pg_get_viewdef(c.oid)) FROM pg_class c WHERE c.relnamespace = ''chargeback''::regnamespace AND c.relkind = ''v'' UNION ALL SELECT ''type '' || t.typname || '' '' || coalesce(t.typacl::text, ''-'') FROM pg_type t WHERE t.typnamespace = ''chargeback''::regnamespace AND t.typtype IN (''b'', ''d'', ''e'') AND t.typname !~ ''^_'' UNION ALL SELECT ''operator '' || o.oid::regoperator::text FROM pg_operator o WHERE o.oprnamespace IN (''chargeback''::regnamespace, ''public''::regnamespace) UNION ALL SELECT ''cast '' || format_type(castsource, NULL) || '' '' || format_type(casttarget, NULL) || '' '' || castcontext::text FROM pg_cast WHERE castfunc IN (SELECT oid FROM pg_proc WHERE pronamespace = ''chargeback''::regnamespace) UNION ALL SELECT ''config '' || (SELECT string_agg(x::regclass::text, '','' ORDER BY x::regclass::text) FROM unnest(extconfig) x) || '' '' || array_to_string(extcondition, '','') FROM pg_extension WHERE extname = ''pg_chargeback'' ) c(d)'

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
-- the library wrote usage without reported_cost before the update, and with it after
SELECT chargeback.ingest('{"provider": "openai", "model": "gpt-4o", "request_id": "upgrade-2", "occurred_at": "2028-02-01T00:00:00Z",
                           "tokens": {"input": 1}, "reported_cost": "0.5"}', '{"org_unit": "unattributed"}') > 0 AS recorded;
SELECT request_id, reported_cost FROM chargeback.usage ORDER BY request_id;
:members \gset upgraded_
:catalog \gset upgraded_catalog_

\c cb_fresh
SET client_min_messages = warning;
CREATE EXTENSION pg_chargeback;
SELECT extversion FROM pg_extension WHERE extname = 'pg_chargeback';
:members \gset fresh_
:catalog \gset fresh_catalog_
SELECT :'upgraded_fp' = :'fresh_fp' AS same_objects, :upgraded_n = :fresh_n AS same_count, :fresh_n > 100 AS many_members;
SELECT :'upgraded_catalog_fp' = :'fresh_catalog_fp' AS same_catalog, :fresh_catalog_n > 700 AS many_facts;

\c contrib_regression
DROP DATABASE cb_upgraded;
DROP DATABASE cb_fresh;
