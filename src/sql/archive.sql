-- Retention: archive_usage() takes the usage partitions of closed months out of
-- chargeback.usage. Everything finance reads is kept, because none of it reads raw usage:
-- showback, daily_spend, FOCUS and statements read the daily rollup; runs, lines and the
-- journal are their own tables; budgets read budget_spend. What goes is the per-request
-- detail (explain() of an archived request finds nothing) and re-pricing of those months.
--
-- The (provider, request_id) claims of archived months stay in usage_request: a request sent
-- again after its month was archived is still recognised and dropped (usage_duplicate),
-- never charged twice. They cost about a third of the usage rows' space; DELETE them by
-- usage_id range when that guarantee is no longer wanted.

CREATE TABLE chargeback.usage_archive (
    period date PRIMARY KEY,
    archived_at timestamptz NOT NULL DEFAULT now(),
    archived_by text NOT NULL DEFAULT session_user,
    mode text NOT NULL CHECK (mode IN ('detach', 'drop')),
    table_name text,
    requests bigint NOT NULL,
    cost numeric
);
COMMENT ON TABLE chargeback.usage_archive IS
    'one row per accounting month whose raw usage archive_usage() took out of chargeback.usage (its rollup, runs and budgets stay)';
COMMENT ON COLUMN chargeback.usage_archive.table_name IS
    'the detached partition, now a plain table readable by its owner only (mode detach): dump it, move it, or drop it; NULL when dropped';
SELECT chargeback.dump_config('chargeback.usage_archive');

-- Detaches (mode 'detach', the default) or drops (mode 'drop') the usage partition of every
-- closed month before `before`; returns how many. A detached partition is renamed
-- usage_archived_YYYY_MM and stays in schema chargeback, readable by the owner only. Months
-- that are open are never touched, whatever `before` says.
CREATE FUNCTION chargeback.archive_usage(before date, mode text DEFAULT 'detach') RETURNS integer
LANGUAGE plpgsql VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, chargeback, pg_temp
AS $$
DECLARE
    part record;
    n integer := 0;
    kept text;
    requests bigint;
    cost numeric;
BEGIN
    IF archive_usage.before IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'null_value_not_allowed',
            MESSAGE = 'archive_usage() needs a date: months before it are archived',
            HINT = 'e.g. SELECT chargeback.archive_usage((date_trunc(''month'', now()) - interval ''13 months'')::date)';
    END IF;
    IF archive_usage.mode IS NULL OR archive_usage.mode NOT IN ('detach', 'drop') THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
            MESSAGE = format('unknown archive mode %s', coalesce(quote_literal(archive_usage.mode), 'NULL')),
            HINT = 'modes: detach (keep the partition as a plain table), drop';
    END IF;
    FOR part IN
        SELECT c.oid::regclass AS rel, t.period
        FROM pg_catalog.pg_inherits h
        JOIN pg_catalog.pg_class c ON c.oid = h.inhrelid
        JOIN chargeback.period t ON t.period = to_date(substr(c.relname, 7), 'YYYY_MM')
        WHERE h.inhparent = 'chargeback.usage'::regclass AND c.relname ~ '^usage_[0-9]{4}_[0-9]{2}$'
          AND t.status = 'closed' AND t.period < date_trunc('month', archive_usage.before)::date
        ORDER BY t.period
    LOOP
        -- The month stays closed while it is archived: a reopen waits for this to commit.
        PERFORM 1 FROM chargeback.period t WHERE t.period = part.period AND t.status = 'closed' FOR UPDATE;
        IF NOT FOUND THEN
            CONTINUE;
        END IF;
        EXECUTE format('SELECT count(*), sum(u.cost) FROM %s u', part.rel) INTO requests, cost;
        EXECUTE format('ALTER TABLE chargeback.usage DETACH PARTITION %s', part.rel);
        IF archive_usage.mode = 'drop' THEN
            EXECUTE format('DROP TABLE %s', part.rel);
            kept := NULL;
        ELSE
            kept := format('usage_archived_%s', to_char(part.period, 'YYYY_MM'));
            EXECUTE format('ALTER TABLE %s RENAME TO %I', part.rel, kept);
            EXECUTE format('REVOKE ALL ON chargeback.%I FROM PUBLIC', kept);
            kept := 'chargeback.' || kept;
        END IF;
        INSERT INTO chargeback.usage_archive (period, mode, table_name, requests, cost)
        VALUES (part.period, archive_usage.mode, kept, requests, cost)
        ON CONFLICT (period) DO UPDATE
            SET archived_at = now(), archived_by = session_user, mode = EXCLUDED.mode,
                table_name = EXCLUDED.table_name,
                requests = chargeback.usage_archive.requests + EXCLUDED.requests,
                cost = chargeback.usage_archive.cost + EXCLUDED.cost;
        n := n + 1;
    END LOOP;
    RETURN n;
END
$$;
COMMENT ON FUNCTION chargeback.archive_usage(date, text) IS
    'detaches (or drops) the usage partitions of closed months before a date; rollup, runs, journal, budgets and statements stay; returns how many';
