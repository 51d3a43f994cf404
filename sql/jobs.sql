-- Jobs: schedule_jobs() in a database without pg_cron (nothing fails; a NOTICE gives the
-- statements to run in the pg_cron database), its argument checks, and what the
-- maintenance job does: next month's usage partition, old holds purged, recent ones kept.
SET search_path = chargeback, public;

SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_cron') AS have_pg_cron;

-- The three standard jobs, not scheduled here.
SELECT * FROM schedule_jobs();
SELECT jobname, schedule, command, scheduled
FROM schedule_jobs(close_day => 28, model => 'activity', maintenance_schedule => '@hourly', draft_schedule => '0 */6 * * *');
SELECT unschedule_jobs();

-- Bad arguments: SQLSTATE 22023, the value named, a hint.
DO $$
DECLARE
    call text;
    st text;
    msg text;
    hint text;
BEGIN
    FOREACH call IN ARRAY ARRAY[
        'schedule_jobs(close_day => 0)',
        'schedule_jobs(close_day => 29)',
        'schedule_jobs(close_day => NULL)',
        'schedule_jobs(model => ''tribal'')',
        'schedule_jobs(model => ''department''''); DROP TABLE x; --'')',
        'schedule_jobs(model => NULL)',
        'schedule_jobs(maintenance_schedule => ''every 5 minutes'')',
        'schedule_jobs(draft_schedule => '''')'] LOOP
        BEGIN
            EXECUTE 'SELECT * FROM chargeback.' || call;
            RAISE NOTICE '%: no error', call;
        EXCEPTION WHEN OTHERS THEN
            GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT, hint = PG_EXCEPTION_HINT;
            RAISE NOTICE E'%\n  % %\n  hint: %', call, st, msg, hint;
        END;
    END LOOP;
END
$$;

-- maintenance(). Next month's partition is dropped first if an earlier test made it, so
-- the call below must make it; dates are not printed.
DO $$
DECLARE
    nxt text := 'chargeback.usage_' || to_char(chargeback.period_of(now()) + interval '1 month', 'YYYY_MM');
BEGIN
    IF to_regclass(nxt) IS NOT NULL THEN
        EXECUTE 'DROP TABLE ' || nxt;
    END IF;
END
$$;
CREATE TEMP TABLE parts_before AS
SELECT count(*) AS n FROM pg_inherits WHERE inhparent = 'chargeback.usage'::regclass;

-- Holds on an alert budget (no cap to check), with explicit times: two settled or expired
-- more than 7 days ago (purged), the rest recent or still open (kept).
INSERT INTO budget (name, scope, scope_value, amount) VALUES ('jobs holds', 'project', 'jobs', 100);
INSERT INTO reservation (budget_id, amount, request_id, created_at, expires_at, settled_at)
SELECT b.budget_id, 1, h.request_id, now() - h.created_ago, now() - h.expires_ago, now() - h.settled_ago
FROM budget b, (VALUES
    ('jobs-expired-8d',  interval '8 days 10 minutes', interval '8 days',  NULL::interval),
    ('jobs-settled-8d',  interval '9 days',            interval '8 days',  interval '8 days 23 hours'),
    ('jobs-expired-2d',  interval '2 days 10 minutes', interval '2 days',  NULL),
    ('jobs-settled-1d',  interval '1 day',             interval '1 day',   interval '1 day'),
    ('jobs-open',        interval '0',                 interval '-10 minutes', NULL),
    ('jobs-long-hold',   interval '10 days',           interval '-50 minutes', NULL)
) AS h(request_id, created_ago, expires_ago, settled_ago)
WHERE b.name = 'jobs holds';

CREATE TEMP TABLE m AS SELECT maintenance() AS r;
SELECT (r->>'partitions_made')::int >= 1 AS made_partitions,
       (r->>'partitions_made')::int = (SELECT count(*) FROM pg_inherits WHERE inhparent = 'chargeback.usage'::regclass)
                                      - (SELECT n FROM parts_before) AS counted_right,
       r->'reservations_purged' AS reservations_purged
FROM m;
SELECT to_regclass('chargeback.usage_' || to_char(period_of(now()), 'YYYY_MM')) IS NOT NULL AS this_month,
       to_regclass('chargeback.usage_' || to_char(period_of(now()) + interval '1 month', 'YYYY_MM')) IS NOT NULL AS next_month;
SELECT request_id FROM reservation WHERE request_id LIKE 'jobs-%' ORDER BY request_id;
-- A second run has nothing to do.
SELECT maintenance();
-- Usage of next month lands in the partition made ahead of time.
SELECT ingest(jsonb_build_object('provider', 'openai', 'model', 'gpt-4o', 'request_id', 'jobs-next-month',
                                 'occurred_at', date_trunc('month', now()) + interval '1 month 1 hour',
                                 'tokens', jsonb_build_object('input', 10))) AS next_usage_id \gset
SELECT tableoid::regclass = to_regclass('chargeback.usage_' || to_char(period_of(now()) + interval '1 month', 'YYYY_MM')) AS in_next_partition
FROM usage WHERE usage_id = :next_usage_id;
