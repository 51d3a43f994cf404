-- Jobs: the periodic work of pg_chargeback (maintenance, a draft allocation of the running
-- month, closing the previous month, checking yesterday's spend for anomalies), scheduled
-- with pg_cron when it is installed here.
-- pg_cron is optional: every call into it goes through EXECUTE, so this script and these
-- functions do not need the cron schema to exist.

-- What every job needs done regularly, cheap enough to run every few minutes.
CREATE FUNCTION chargeback.maintenance() RETURNS jsonb
LANGUAGE plpgsql VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, chargeback, pg_temp
AS $$
DECLARE
    cur date := chargeback.period_of(now());
    made integer;
    purged bigint;
BEGIN
    -- Usage partitions are otherwise made by the first row of each month, inside an ingest
    -- transaction: that CREATE TABLE ... PARTITION OF locks the partitioned table, and every
    -- ingest of the new month waits for it. Made ahead of time, the first of the month is
    -- an ordinary insert. The current month too, in case the job did not run last month.
    made := chargeback.ensure_partitions(cur, (cur + interval '1 month')::date);

    -- Settled and expired holds no longer count against any budget (budget_held() reads
    -- open, unexpired holds only), but they stay in the table, and an expired hold that
    -- was never settled stays in the open-holds index that authorize() and every usage
    -- insert read. A week of them is kept to explain recent denials and settlements.
    DELETE FROM chargeback.reservation
    WHERE settled_at < now() - interval '7 days'
       OR (settled_at IS NULL AND expires_at < now() - interval '7 days');
    GET DIAGNOSTICS purged = ROW_COUNT;

    RETURN jsonb_build_object('partitions_made', made, 'reservations_purged', purged);
END
$$;
COMMENT ON FUNCTION chargeback.maintenance() IS
    'periodic upkeep: makes the usage partitions of this and next month, deletes holds settled or expired more than 7 days ago; returns {partitions_made, reservations_purged}';

-- The standard jobs. pg_cron keys jobs by (name, user), so calling this again updates
-- them in place. Times in a cron schedule are pg_cron's time zone (GMT before pg_cron 1.5).
CREATE FUNCTION chargeback.schedule_jobs(close_day integer DEFAULT 3, model text DEFAULT 'department',
                                         maintenance_schedule text DEFAULT '*/5 * * * *',
                                         draft_schedule text DEFAULT '17 * * * *')
RETURNS TABLE (jobname text, schedule text, command text, scheduled boolean)
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, chargeback, pg_temp
AS $$
DECLARE
    names text[] := ARRAY['chargeback-maintenance', 'chargeback-draft-allocation', 'chargeback-close',
                          'chargeback-anomalies'];
    schedules text[];
    commands text[];
    have_cron boolean := EXISTS (SELECT 1 FROM pg_catalog.pg_extension WHERE extname = 'pg_cron');
    cron_db text := nullif(current_setting('cron.database_name', true), '');
    statements text[] := '{}'::text[];
BEGIN
    IF schedule_jobs.close_day IS NULL OR schedule_jobs.close_day NOT BETWEEN 1 AND 28 THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
            MESSAGE = format('close_day must be between 1 and 28, not %s', coalesce(schedule_jobs.close_day::text, 'NULL')),
            HINT = 'the previous month is closed at 02:00 on this day of every month; days 29 to 31 are not in every month';
    END IF;
    IF schedule_jobs.model IS NULL OR schedule_jobs.model NOT IN ('central', 'department', 'activity') THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
            MESSAGE = format('unknown allocation model %s', coalesce(quote_literal(schedule_jobs.model), 'NULL')),
            HINT = 'models: central, department, activity';
    END IF;
    -- pg_cron checks a schedule when it is given one; without pg_cron here the statements
    -- run elsewhere later, so catch the common mistakes now: five fields, or @hourly etc.
    FOR i IN 1..2 LOOP
        DECLARE
            arg text := (ARRAY['maintenance_schedule', 'draft_schedule'])[i];
            val text := (ARRAY[schedule_jobs.maintenance_schedule, schedule_jobs.draft_schedule])[i];
        BEGIN
            IF val IS NULL OR val !~ '^\s*(\S+\s+){4}\S+\s*$' AND val !~ '^\s*@[a-z]+\s*$' THEN
                RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
                    MESSAGE = format('%s %s is not a cron schedule', arg, coalesce(quote_literal(val), 'NULL')),
                    HINT = 'five fields: minute hour day-of-month month day-of-week, as in ''*/5 * * * *''';
            END IF;
        END;
    END LOOP;

    -- Anomalies at 01:10: detect_anomalies() checks yesterday in chargeback.timezone, a day
    -- that is over whatever pg_cron's own time zone.
    schedules := ARRAY[schedule_jobs.maintenance_schedule, schedule_jobs.draft_schedule,
                       format('0 2 %s * *', schedule_jobs.close_day), '10 1 * * *'];
    -- The month is period_of(now()): the accounting month in chargeback.timezone, the same
    -- one ingestion books usage into (a bare date_trunc would use the job's session zone).
    commands := ARRAY[
        'SELECT chargeback.maintenance()',
        format('SELECT chargeback.run_allocation(chargeback.period_of(now()), %L)', schedule_jobs.model),
        format('SELECT chargeback.close_period((chargeback.period_of(now()) - interval %L)::date, %L)',
               '1 month', schedule_jobs.model),
        'SELECT chargeback.detect_anomalies()'];

    IF have_cron THEN
        FOR i IN 1..cardinality(names) LOOP
            EXECUTE 'SELECT cron.schedule($1, $2, $3)' USING names[i], schedules[i], commands[i];
        END LOOP;
    ELSE
        -- Not an error: pg_cron runs its jobs from one database (cron.database_name) and
        -- can start them in any other. Say exactly what to run there.
        FOR i IN 1..cardinality(names) LOOP
            statements := statements || format('SELECT cron.schedule_in_database(%L, %L, %L, %L);',
                                               names[i], schedules[i], commands[i], current_database());
        END LOOP;
        RAISE NOTICE USING
            MESSAGE = format('pg_cron is not installed in database "%s": the chargeback jobs are not scheduled; run these statements in %s',
                             current_database(),
                             CASE WHEN cron_db IS NULL THEN 'the database where pg_cron is installed'
                                  ELSE format('database "%s" (cron.database_name)', cron_db) END),
            DETAIL = array_to_string(statements, E'\n'),
            HINT = CASE
                WHEN cron_db = current_database() THEN
                    'pg_cron is loaded for this database but not created in it: CREATE EXTENSION pg_cron, then call chargeback.schedule_jobs() again'
                WHEN cron_db IS NULL THEN
                    'pg_cron is not loaded on this server (shared_preload_libraries); it runs its jobs from the database named by cron.database_name, by default postgres'
                ELSE
                    'cron.schedule_in_database() needs a superuser or an explicit GRANT; pg_cron names jobs per user, so the same user cannot hold these jobs for two databases'
            END;
    END IF;

    RETURN QUERY
        SELECT n, s, c, have_cron
        FROM unnest(names, schedules, commands) WITH ORDINALITY AS t(n, s, c, ord)
        ORDER BY ord;
END
$$;
COMMENT ON FUNCTION chargeback.schedule_jobs(integer, text, text, text) IS
    'schedules the standard pg_cron jobs (chargeback-maintenance, chargeback-draft-allocation, chargeback-close at 02:00 on close_day, chargeback-anomalies at 01:10); without pg_cron in this database, a NOTICE gives the statements to run in the pg_cron database';

CREATE FUNCTION chargeback.unschedule_jobs() RETURNS integer
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, chargeback, pg_temp
AS $$
DECLARE
    names text[] := ARRAY['chargeback-maintenance', 'chargeback-draft-allocation', 'chargeback-close',
                          'chargeback-anomalies'];
    removed integer;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_extension WHERE extname = 'pg_cron') THEN
        RAISE NOTICE USING
            MESSAGE = format('pg_cron is not installed in database "%s": no job to remove here', current_database()),
            DETAIL = format('jobs scheduled for this database from the pg_cron database are removed there with: SELECT cron.unschedule(jobid) FROM cron.job WHERE jobname IN (%s) AND database = %L;',
                            (SELECT string_agg(quote_literal(n), ', ') FROM unnest(names) n), current_database());
        RETURN 0;
    END IF;
    -- The jobs schedule_jobs() made: pg_cron keys them by name and user.
    EXECUTE 'SELECT count(cron.unschedule(jobid)) FROM cron.job WHERE jobname = ANY ($1) AND username = current_user'
        INTO removed USING names;
    RETURN removed;
END
$$;
COMMENT ON FUNCTION chargeback.unschedule_jobs() IS
    'removes the standard pg_cron jobs of the current user made by schedule_jobs(); returns how many were removed';
