-- plpgsql_check (a static checker of PL/pgSQL) over every PL/pgSQL function of the extension
-- that is not a trigger: no error and no warning. (A trigger refers to its transition tables
-- only on the branches of the events that have them, which a static check cannot follow.)
-- schedule_jobs() and unschedule_jobs() read pg_cron's schema, absent here:
-- test/t/002_pg_cron.pl runs them with pg_cron.
CREATE EXTENSION plpgsql_check;
SELECT p.oid::regprocedure AS function, c.lineno, c.sqlstate, c.message, c.level
FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang
CROSS JOIN LATERAL plpgsql_check_function_tb(p.oid, fatal_errors => false, other_warnings => true,
                                             extra_warnings => false, performance_warnings => false) c
WHERE p.pronamespace = 'chargeback'::regnamespace AND l.lanname = 'plpgsql' AND p.prorettype <> 'trigger'::regtype
  AND NOT (c.sqlstate IN ('3F000', '42P01') AND c.message ~ '"cron')
ORDER BY 1, 2;
SELECT count(*) > 20 AS functions_checked
FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang
WHERE p.pronamespace = 'chargeback'::regnamespace AND l.lanname = 'plpgsql' AND p.prorettype <> 'trigger'::regtype;
DROP EXTENSION plpgsql_check;
