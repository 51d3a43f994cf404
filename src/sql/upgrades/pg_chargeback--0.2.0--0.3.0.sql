-- pg_chargeback 0.2.0 -> 0.3.0. Written by hand: it says what it adds, replaces and alters.
-- The current definition of every object is in src/sql/<feature>.sql; a fresh install of
-- 0.3.0 and an upgrade through every release give the same objects (sql/oldextversions.sql).

-- complain if script is sourced in psql, rather than via ALTER EXTENSION
\echo Use "ALTER EXTENSION pg_chargeback UPDATE TO '0.3.0'" to load this file. \quit

-- Security (issue 19). A function with SET search_path that does not list pg_temp searches
-- the caller's temporary schema FIRST for types and tables: a role with only
-- chargeback_ingest made a temporary domain named date whose check ran as the extension's
-- owner inside ingest(). Every function now lists pg_temp last; the three SQL functions that
-- are inlined (and so take no SET) name their types schema-qualified.

-- Added: row locks that only the extension's roles can take, replacing advisory locks with
-- predictable keys that any role could hold (schema.sql).
-- Locks that serialize the extension's own writers until commit (holds on one budget, runs
-- of one period, writers of one price key or one principal's memberships, the first writer
-- of a new month's partition): a row per key, locked FOR UPDATE. Not advisory locks, whose
-- keys anyone may take (pg_advisory_lock is PUBLIC): a viewer holding a predictable key
-- stalled every authorize() on a budget, runs, closes and the first ingest of a month.
-- Only the extension's owner (its SECURITY DEFINER entry points) and admins may lock.
CREATE TABLE chargeback.xact_lock (
    key text COLLATE "C" PRIMARY KEY
);
COMMENT ON TABLE chargeback.xact_lock IS
    'one row per lock key the extension has taken (chargeback.xact_lock()); holds no data and is not dumped';
CREATE FUNCTION chargeback.xact_lock(key text) RETURNS void
LANGUAGE plpgsql VOLATILE STRICT
SECURITY DEFINER
SET search_path = pg_catalog, chargeback, pg_temp
AS $$
BEGIN
    INSERT INTO chargeback.xact_lock AS l (key) VALUES (xact_lock.key) ON CONFLICT DO NOTHING;
    PERFORM 1 FROM chargeback.xact_lock l WHERE l.key = xact_lock.key FOR UPDATE;
END
$$;
COMMENT ON FUNCTION chargeback.xact_lock(text) IS
    'internal: takes the lock of key until the transaction ends (a row lock only the extension''s roles can take)';

-- Added: restores load every table as dumped, in any order, with no setting (schema.sql):
-- a plain pg_restore, pg_restore -j and --load-via-partition-root dumps work.
-- A restore loads every table as dumped (src/pg/restore.cpp): in a restoring session each
-- INSERT or COPY into a dumped table runs with session_replication_role = replica, so no
-- foreign key is checked (pg_restore -j loads tables in parallel, in any order) and no
-- trigger fires but those marked ENABLE ALWAYS: nothing restored is logged again (audit),
-- counted again (rollup, budget spend: pg_dump --load-via-partition-root loads usage
-- through its parent) or refused (hold limits, frozen runs). restoring() says whether this
-- session restores: a superuser's running pg_restore or a pg_dump script (both turn
-- check_function_bodies and row_security off), or one that sets chargeback.restoring = on.
CREATE FUNCTION chargeback.restoring() RETURNS boolean
    AS 'MODULE_PATHNAME', 'cb_restoring' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION chargeback.restoring() IS
    'true while this superuser session restores a dump (pg_restore or a pg_dump script, or chargeback.restoring = on)';
CREATE FUNCTION chargeback.restore_statement() RETURNS trigger
    AS 'MODULE_PATHNAME', 'cb_restore_statement' LANGUAGE C;
COMMENT ON FUNCTION chargeback.restore_statement() IS
    'statement trigger of every dumped table: a restoring session loads its rows with foreign keys and ordinary triggers off';
-- The pair of restore triggers on one table (the AFTER one ENABLE ALWAYS: it fires in replica
-- mode to switch back).
CREATE FUNCTION chargeback.restore_as_dumped(tbl regclass) RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    EXECUTE format('CREATE TRIGGER restore_begin BEFORE INSERT ON %s FOR EACH STATEMENT '
                   'EXECUTE FUNCTION chargeback.restore_statement()', tbl);
    EXECUTE format('CREATE TRIGGER restore_end AFTER INSERT ON %s FOR EACH STATEMENT '
                   'EXECUTE FUNCTION chargeback.restore_statement()', tbl);
    EXECUTE format('ALTER TABLE %s ENABLE ALWAYS TRIGGER restore_end', tbl);
END
$$;
COMMENT ON FUNCTION chargeback.restore_as_dumped(regclass) IS
    'extension scripts only: gives a dumped table the restore triggers (chargeback.restore_statement())';
CREATE OR REPLACE FUNCTION chargeback.dump_config(tbl regclass, filter text DEFAULT '') RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    seq regclass;
BEGIN
    PERFORM pg_catalog.pg_extension_config_dump(tbl, filter);
    FOR seq IN
        SELECT d.objid::regclass FROM pg_catalog.pg_depend d JOIN pg_catalog.pg_class c ON c.oid = d.objid
         WHERE d.classid = 'pg_catalog.pg_class'::regclass AND d.refclassid = 'pg_catalog.pg_class'::regclass
           AND d.refobjid = tbl AND d.deptype IN ('a', 'i') AND c.relkind = 'S'
         ORDER BY 1
    LOOP
        PERFORM pg_catalog.pg_extension_config_dump(seq, '');
    END LOOP;
    PERFORM chargeback.restore_as_dumped(tbl);
END
$$;

SELECT chargeback.restore_as_dumped(t)
FROM unnest((SELECT extconfig FROM pg_catalog.pg_extension WHERE extname = 'pg_chargeback')) t
WHERE (SELECT c.relkind FROM pg_catalog.pg_class c WHERE c.oid = t) IN ('r', 'p')
ORDER BY t::regclass::text;
SELECT chargeback.restore_as_dumped('chargeback.usage');
ALTER TABLE chargeback.price ENABLE ALWAYS TRIGGER price_before_restore;
ALTER TABLE chargeback.org_unit ENABLE ALWAYS TRIGGER org_unit_before_restore;
ALTER TABLE chargeback.budget ENABLE ALWAYS TRIGGER budget_units_on_budget;
ALTER TABLE chargeback.org_unit ENABLE ALWAYS TRIGGER budget_units_on_org_unit;
-- Replaced: checks a restore used to pass, now dead (a restore fires neither trigger).
CREATE OR REPLACE FUNCTION chargeback.allocation_frozen() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, chargeback, pg_temp
AS $$
DECLARE
    run bigint;
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        IF EXISTS (SELECT 1 FROM chargeback.allocation_run r WHERE r.status = 'final') THEN
            RAISE EXCEPTION USING ERRCODE = 'CB003',
                MESSAGE = format('cannot truncate %s: it holds the lines of final runs', TG_TABLE_NAME);
        END IF;
        RETURN NULL;
    END IF;
    IF TG_TABLE_NAME = 'allocation_run' THEN
        IF OLD.status = 'final' THEN
            RAISE EXCEPTION USING ERRCODE = 'CB003',
                MESSAGE = format('allocation run %s is the final run of %s and cannot be changed', OLD.run_id,
                                 to_char(OLD.period, 'YYYY-MM')),
                HINT = 'closed periods are frozen; reopen_period() and a new close write a new final run';
        END IF;
        RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
    END IF;
    -- allocation_line, once per statement.
    IF TG_OP = 'INSERT' THEN
        SELECT min(r.run_id) INTO run FROM chargeback.allocation_run r
         WHERE r.status = 'final' AND r.run_id IN (SELECT l.run_id FROM new_lines l);
    ELSIF TG_OP = 'UPDATE' THEN
        SELECT min(r.run_id) INTO run FROM chargeback.allocation_run r
         WHERE r.status = 'final'
           AND r.run_id IN (SELECT l.run_id FROM old_lines l UNION SELECT l.run_id FROM new_lines l);
    ELSE
        SELECT min(r.run_id) INTO run FROM chargeback.allocation_run r
         WHERE r.status = 'final' AND r.run_id IN (SELECT l.run_id FROM old_lines l);
    END IF;
    IF run IS NOT NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'CB003',
            MESSAGE = format('allocation run %s is final: its lines cannot be changed', run),
            HINT = 'closed periods are frozen; reopen_period() and a new close write a new final run';
    END IF;
    RETURN NULL;
END
$$;
CREATE OR REPLACE FUNCTION chargeback.audit_changes() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, chargeback, pg_temp
AS $$
DECLARE
    keys text[] := TG_ARGV;
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        INSERT INTO chargeback.audit_log (object, action) VALUES (TG_TABLE_NAME, 'truncate');
    ELSIF TG_OP = 'INSERT' THEN
        INSERT INTO chargeback.audit_log (object, action, new)
        SELECT TG_TABLE_NAME, 'insert', to_jsonb(n) FROM new_rows n;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO chargeback.audit_log (object, action, old)
        SELECT TG_TABLE_NAME, 'delete', to_jsonb(o) FROM old_rows o;
    ELSE
        INSERT INTO chargeback.audit_log (object, action, old, new)
        SELECT TG_TABLE_NAME, 'update', o.j, n.j
        FROM (SELECT to_jsonb(o) AS j FROM old_rows o) o
        FULL JOIN (SELECT to_jsonb(n) AS j FROM new_rows n) n
               ON (SELECT jsonb_agg(o.j -> k) FROM unnest(keys) k) = (SELECT jsonb_agg(n.j -> k) FROM unnest(keys) k)
        WHERE o.j IS DISTINCT FROM n.j;
    END IF;
    RETURN NULL;
END
$$;

-- Added: retention of raw usage (archive.sql).
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

-- Replaced: the lock helpers and their callers take chargeback.xact_lock() instead of an
-- advisory lock (price.sql, attribution.sql, allocation.sql, budget.sql, usage.sql).
CREATE OR REPLACE FUNCTION chargeback.lock_price_key(provider text, model text, service_tier text, min_prompt_tokens bigint)
RETURNS void LANGUAGE sql VOLATILE
SET search_path = pg_catalog, chargeback, pg_temp
AS $$
    SELECT chargeback.xact_lock(format('price %s %s %s %s', provider, model, service_tier, min_prompt_tokens))
$$;
CREATE OR REPLACE FUNCTION chargeback.lock_membership(principal text) RETURNS void LANGUAGE sql VOLATILE
SET search_path = pg_catalog, chargeback, pg_temp
AS $$ SELECT chargeback.xact_lock('membership ' || principal) $$;
CREATE OR REPLACE FUNCTION chargeback.lock_allocation(period date) RETURNS void LANGUAGE sql VOLATILE
SET search_path = pg_catalog, chargeback, pg_temp
AS $$ SELECT chargeback.xact_lock('allocation ' || to_char(period, 'YYYY-MM-DD')) $$;
CREATE OR REPLACE FUNCTION chargeback.ensure_partitions(first_period date, last_period date) RETURNS integer
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, chargeback, pg_temp
AS $$
DECLARE
    p date := date_trunc('month', first_period)::date;
    made integer := 0;
    name text;
BEGIN
    WHILE p <= last_period LOOP
        name := format('usage_%s', to_char(p, 'YYYY_MM'));
        IF to_regclass('chargeback.' || name) IS NULL THEN
            PERFORM chargeback.xact_lock('usage partition ' || name);
            IF to_regclass('chargeback.' || name) IS NULL THEN
                EXECUTE format('CREATE TABLE chargeback.%I PARTITION OF chargeback.usage FOR VALUES FROM (%L) TO (%L)',
                               name, p, (p + interval '1 month')::date);
                -- Usage arrives roughly in time order: BRIN finds time ranges (reprice, late
                -- arrivals) at a fraction of a b-tree's cost on the ingest path.
                EXECUTE format('ALTER TABLE chargeback.%I ADD PRIMARY KEY (usage_id, period)', name);
                EXECUTE format('CREATE INDEX ON chargeback.%I USING brin (occurred_at)', name);
                made := made + 1;
            END IF;
        END IF;
        p := (p + interval '1 month')::date;
    END LOOP;
    RETURN made;
END
$$;

-- Added: who may settle a hold (budget.sql): only usage recorded by the same login for the
-- same provider. Holds made before the upgrade have neither (NULL: any, as before) and
-- expire within chargeback.max_hold_ttl.
ALTER TABLE chargeback.reservation ADD COLUMN holder text, ADD COLUMN provider text;
ALTER TABLE chargeback.reservation ALTER COLUMN holder SET DEFAULT session_user;
COMMENT ON COLUMN chargeback.reservation.reservation_id IS
    'random (authorize() draws it), so that no caller can guess another''s hold';
COMMENT ON COLUMN chargeback.reservation.holder IS 'session_user that made the hold: only its usage settles it (NULL: any)';
COMMENT ON COLUMN chargeback.reservation.provider IS 'provider of the held request: only that provider''s usage settles it (NULL: any)';


-- Replaced: holds take the budget's xact_lock (budget.sql); authorize()
-- draws random hold ids and records the provider; it refuses
-- a hold that holds nothing (a ttl that is not positive, a NULL tier, provider, model or
-- estimate) instead of answering allowed.
CREATE OR REPLACE FUNCTION chargeback.reservation_before_insert() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, chargeback, pg_temp
AS $$
DECLARE
    b chargeback.budget;
    longest interval;
    spent numeric;
    held numeric;
BEGIN
    SELECT * INTO b FROM chargeback.budget WHERE budget_id = NEW.budget_id;
    NEW.period_start := coalesce(NEW.period_start, chargeback.budget_period_start(b.period, now()));
    longest := chargeback.max_hold_ttl();
    IF NEW.settled_at IS NULL AND NEW.expires_at > now() + longest THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
            MESSAGE = format('a hold until %s is longer than chargeback.max_hold_ttl (%s)', NEW.expires_at, longest),
            HINT = 'ask for a shorter ttl; a superuser can raise chargeback.max_hold_ttl';
    END IF;
    IF b.enforcement <> 'block' OR NEW.settled_at IS NOT NULL OR NEW.expires_at <= now() THEN
        RETURN NEW;
    END IF;
    IF current_setting('transaction_isolation') <> 'read committed' THEN
        RAISE EXCEPTION USING ERRCODE = 'CB002',
            MESSAGE = 'holds on a block budget need READ COMMITTED isolation',
            HINT = 'call chargeback.authorize() outside REPEATABLE READ and SERIALIZABLE transactions';
    END IF;
    PERFORM chargeback.xact_lock('budget ' || NEW.budget_id);
    SELECT chargeback.budget_spent(NEW.budget_id, NEW.period_start), chargeback.budget_held(NEW.budget_id, NEW.period_start)
      INTO spent, held;
    IF spent + held + NEW.amount > b.amount THEN
        RAISE EXCEPTION USING ERRCODE = 'CB001',
            MESSAGE = format('budget %s (%s from %s) would be exceeded: spend %s + held %s + request %s > %s %s',
                             b.name, b.period, NEW.period_start, spent, held, NEW.amount, b.amount, b.currency),
            DETAIL = format('remaining %s %s', greatest(b.amount - spent - held, 0), b.currency),
            HINT = 'the request is not authorized; raise the budget, or wait for the next period';
    END IF;
    RETURN NEW;
END
$$;
CREATE OR REPLACE FUNCTION chargeback.authorize(attrs jsonb, provider text, model text, estimate chargeback.token_usage,
                                     service_tier text DEFAULT 'standard', ttl interval DEFAULT '10 minutes')
RETURNS TABLE (reservation_id bigint, allowed boolean, reason text, estimated_cost numeric)
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, chargeback, pg_temp
AS $$
DECLARE
    o record;
    cost numeric;
    -- A random positive id (62 bits), not the next of a sequence: a hold's id is what usage
    -- quotes (attrs.reservation_id) to settle it, so it must not be guessable.
    rid bigint := ('x' || substr(md5(gen_random_uuid()::text), 1, 16))::bit(64)::bigint & 4611686018427387903;
    n integer;
    msg text;
    cur text;
    other record;
    p_provider text := chargeback.normalize_provider(authorize.provider);
BEGIN
    -- A hold that holds nothing must not say allowed: 0.2.0 answered allowed = true for a
    -- zero or negative ttl and for a NULL tier, holding nothing.
    IF authorize.ttl IS NULL OR authorize.ttl <= interval '0' THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
            MESSAGE = format('ttl must be a positive interval, not %s', coalesce(authorize.ttl::text, 'NULL')),
            HINT = 'give how long the hold may last, e.g. ''10 minutes'' (at most chargeback.max_hold_ttl)';
    END IF;
    IF authorize.service_tier IS NULL OR authorize.provider IS NULL OR authorize.model IS NULL OR authorize.estimate IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'null_value_not_allowed',
            MESSAGE = 'authorize() needs a provider, a model, an estimate and a service tier, not NULL',
            HINT = 'the default tier is standard';
    END IF;
    SELECT * INTO o FROM chargeback.resolve_owner(coalesce(authorize.attrs, '{}'), now());
    cost := chargeback.list_cost(p_provider, authorize.model, now(), authorize.service_tier, authorize.estimate);
    IF cost IS NULL THEN
        -- Nothing to hold: the usage will still be recorded (unpriced) when it arrives.
        RETURN QUERY SELECT NULL::bigint, true, 'allowed: no catalog price for this model, nothing held', NULL::numeric;
        RETURN;
    END IF;
    -- A budget counts only spend in its own currency (no exchange rate is applied): a block
    -- budget kept in another currency than the request's price cannot say whether the
    -- request fits, so it denies; other budgets in other currencies hold nothing.
    cur := chargeback.currency(chargeback.price_for(p_provider, authorize.model, now(), authorize.service_tier,
                                                    chargeback.prompt_tokens(authorize.estimate)));
    SELECT b.name, b.currency INTO other
    FROM chargeback.applicable_budgets(now(), o.org_unit_id, coalesce(authorize.attrs->>'project', o.project),
                                       coalesce(authorize.attrs->>'user', authorize.attrs->>'principal'),
                                       p_provider, authorize.model) b
    WHERE b.enforcement = 'block' AND b.currency <> cur
    ORDER BY b.budget_id LIMIT 1;
    IF FOUND THEN
        RETURN QUERY SELECT NULL::bigint, false,
            format('denied: budget %s caps spend in %s, and this request is priced in %s', other.name, other.currency, cur),
            cost;
        RETURN;
    END IF;
    BEGIN
        -- In budget_id order, so two callers lock shared budgets in the same order.
        INSERT INTO chargeback.reservation (reservation_id, budget_id, amount, request_id, attrs, expires_at, provider)
        SELECT rid, b.budget_id, cost, authorize.attrs->>'request_id', coalesce(authorize.attrs, '{}'),
               now() + authorize.ttl, p_provider
        FROM chargeback.applicable_budgets(now(), o.org_unit_id, coalesce(authorize.attrs->>'project', o.project),
                                           coalesce(authorize.attrs->>'user', authorize.attrs->>'principal'),
                                           p_provider, authorize.model) b
        WHERE b.currency = cur
        ORDER BY b.budget_id;
        GET DIAGNOSTICS n = ROW_COUNT;
    EXCEPTION WHEN SQLSTATE 'CB001' THEN
        GET STACKED DIAGNOSTICS msg = MESSAGE_TEXT;
        RETURN QUERY SELECT NULL::bigint, false, msg, cost;
        RETURN;
    END;
    RETURN QUERY SELECT CASE WHEN n > 0 THEN rid END, true,
        CASE WHEN n = 0 THEN 'allowed: no budget applies' ELSE format('allowed: %s held on %s budget(s)', cost, n) END,
        cost;
END
$$;

-- Replaced: the inlined SQL functions name their types schema-qualified (budget.sql).
CREATE OR REPLACE FUNCTION chargeback.budget_period_start(period text, at timestamptz) RETURNS date
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
    SELECT (date_trunc(period, at, chargeback.accounting_timezone()) AT TIME ZONE chargeback.accounting_timezone())::pg_catalog.date
$$;
CREATE OR REPLACE FUNCTION chargeback.budget_period_end(period text, start date) RETURNS date
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT (start + CASE period WHEN 'day' THEN '1 day'::pg_catalog.interval WHEN 'week' THEN '1 week'::pg_catalog.interval
                                WHEN 'month' THEN '1 month'::pg_catalog.interval WHEN 'quarter' THEN '3 months'::pg_catalog.interval
                                ELSE '1 year'::pg_catalog.interval END)::pg_catalog.date - 1
$$;

-- Replaced: budget notifications carry the event's id and kind, no figures: any role may
-- LISTEN on the channel (budget_spend.sql, budget.sql).
CREATE OR REPLACE FUNCTION chargeback.budget_apply_spend(p_budget bigint[], p_day date[], p_delta numeric[]) RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, chargeback, pg_temp
AS $$
DECLARE
    touched bigint[];
    ev record;
BEGIN
    WITH up AS (
        INSERT INTO chargeback.budget_spend AS s (budget_id, day, spend)
        SELECT * FROM unnest(p_budget, p_day, p_delta)
        ON CONFLICT (budget_id, day) DO UPDATE SET spend = s.spend + EXCLUDED.spend
        RETURNING budget_id)
    -- Only the budgets this statement changed can have crossed anything.
    SELECT array_agg(DISTINCT budget_id) INTO touched FROM up;

    -- Thresholds crossed in the current period of each budget, once each.
    FOR ev IN
        WITH cur AS (
            SELECT b.*, chargeback.budget_period_start(b.period, now()) AS ps FROM chargeback.budget b
            WHERE b.budget_id = ANY (touched)
              AND b.valid_from <= now() AND (b.valid_to IS NULL OR b.valid_to > now())),
        spent AS (SELECT cur.*, chargeback.budget_spent(cur.budget_id, cur.ps) AS spend FROM cur),
        crossed AS (
            INSERT INTO chargeback.budget_event (budget_id, period_start, kind, threshold, spend, amount)
            SELECT s.budget_id, s.ps, 'threshold', t, s.spend, s.amount
            FROM spent s, unnest(s.thresholds) t
            WHERE s.spend >= t * s.amount
            ON CONFLICT DO NOTHING
            RETURNING *)
        SELECT c.*, b.name, b.currency FROM crossed c JOIN chargeback.budget b USING (budget_id)
    LOOP
        PERFORM pg_notify('chargeback_budget', json_build_object('event_id', ev.event_id, 'kind', 'threshold')::text);
    END LOOP;

    -- A projected overrun of the current period (week or longer), once per period, from the
    -- period so far and the budget's trailing 8 weeks, and only from a forecast with enough
    -- data (not insufficient_history): the period's one event is not spent on a run rate of
    -- its first day.
    FOR ev IN
        WITH cur AS (
            SELECT b.budget_id, b.amount, b.period, chargeback.budget_period_start(b.period, now()) AS ps
            FROM chargeback.budget b
            WHERE b.budget_id = ANY (touched)
              AND b.period <> 'day' AND b.valid_from <= now() AND (b.valid_to IS NULL OR b.valid_to > now())
              AND NOT EXISTS (SELECT 1 FROM chargeback.budget_event e WHERE e.budget_id = b.budget_id
                              AND e.kind = 'forecast' AND e.period_start = chargeback.budget_period_start(b.period, now()))),
        projected AS (
            SELECT cur.*, chargeback.budget_spent(cur.budget_id, cur.ps) AS spend, fc.f
            FROM cur
            CROSS JOIN LATERAL (SELECT chargeback.budget_period_end(cur.period, cur.ps) AS pe) e
            CROSS JOIN LATERAL (
                SELECT chargeback.forecast(h.day, h.spend, e.pe, cur.ps) AS f
                FROM (SELECT d.day, d.spend FROM chargeback.budget_spend d
                      WHERE d.budget_id = cur.budget_id AND d.day BETWEEN cur.ps - 56 AND e.pe
                      UNION ALL
                      SELECT least(greatest(chargeback.day_of(now()), cur.ps), e.pe), 0) h) fc),
        made AS (
            INSERT INTO chargeback.budget_event (budget_id, period_start, kind, threshold, spend, amount, forecast)
            SELECT p.budget_id, p.ps, 'forecast', 1, p.spend, p.amount, (p.f->>'projected')::numeric
            FROM projected p
            WHERE p.f->>'state' <> 'insufficient_history' AND (p.f->>'projected')::numeric > p.amount
            ON CONFLICT DO NOTHING
            RETURNING *)
        SELECT m.*, b.name, b.currency FROM made m JOIN chargeback.budget b USING (budget_id)
    LOOP
        PERFORM pg_notify('chargeback_budget', json_build_object('event_id', ev.event_id, 'kind', 'forecast')::text);
    END LOOP;
END
$$;
COMMENT ON TABLE chargeback.budget_event IS
    'one row per (budget, period, threshold) crossed, and one per projected overrun; each also sent as NOTIFY chargeback_budget with {"event_id", "kind"} (no figures)';

-- Replaced: budget_unit is refreshed under a lock, so that two loads at once (a parallel
-- restore of budget and org_unit) cannot both miss each other's rows (budget.sql); only a
-- hold's holder settles it (budget_spend.sql); a budget counts only usage priced in its own
-- currency, and a block budget in another currency than a request's price denies it
-- (budget.sql, budget_spend.sql, and the budget trigger in C); rebuild_daily_rollup() keeps the
-- rollup of archived months (rollup.sql).
CREATE OR REPLACE FUNCTION chargeback.refresh_budget_units() RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, chargeback, pg_temp
AS $$
BEGIN
    -- Two transactions changing budgets and units at once (a parallel restore loads both
    -- tables together) would each miss the other's rows: the lock makes the second wait for
    -- the first to commit, and its statements below then see both.
    LOCK TABLE chargeback.budget_unit IN SHARE ROW EXCLUSIVE MODE;
    DELETE FROM chargeback.budget_unit;
    INSERT INTO chargeback.budget_unit (budget_id, org_unit_id)
    SELECT DISTINCT b.budget_id, x
    FROM chargeback.budget b JOIN chargeback.org_unit u ON lower(u.code) = lower(b.scope_value),
         LATERAL chargeback.org_unit_descendants(u.org_unit_id) x
    WHERE b.scope = 'org_unit';
    RETURN NULL;
END
$$;
CREATE OR REPLACE FUNCTION chargeback.usage_settle_holds() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, chargeback, pg_temp
AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM chargeback.reservation WHERE settled_at IS NULL) THEN
        -- Only the holder's own usage for the same provider settles a hold.
        UPDATE chargeback.reservation r SET settled_at = now(), settled_usage_id = n.usage_id
        FROM new_rows n WHERE r.settled_at IS NULL AND n.request_id IS NOT NULL AND r.request_id = n.request_id
          AND (r.holder IS NULL OR r.holder = session_user) AND (r.provider IS NULL OR r.provider = n.provider);
        UPDATE chargeback.reservation r SET settled_at = now(), settled_usage_id = n.usage_id
        FROM new_rows n WHERE r.settled_at IS NULL AND n.attrs ? 'reservation_id'
          AND r.reservation_id = CASE WHEN (n.attrs->>'reservation_id') ~ '^[0-9]{1,19}$'
                                           AND (n.attrs->>'reservation_id')::numeric <= 9223372036854775807
                                      THEN (n.attrs->>'reservation_id')::bigint END
          AND (r.holder IS NULL OR r.holder = session_user) AND (r.provider IS NULL OR r.provider = n.provider);
    END IF;
    RETURN NULL;
END
$$;
CREATE OR REPLACE FUNCTION chargeback.schedule_jobs(close_day integer DEFAULT 3, model text DEFAULT 'department',
                                         maintenance_schedule text DEFAULT '*/5 * * * *',
                                         draft_schedule text DEFAULT '17 * * * *')
RETURNS TABLE (jobname text, schedule text, command text, scheduled boolean)
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, chargeback, pg_temp
AS $$
DECLARE
    names text[] := ARRAY['chargeback-maintenance', 'chargeback-draft-allocation', 'chargeback-close'];
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

    schedules := ARRAY[schedule_jobs.maintenance_schedule, schedule_jobs.draft_schedule,
                       format('0 2 %s * *', schedule_jobs.close_day)];
    -- The month is period_of(now()): the accounting month in chargeback.timezone, the same
    -- one ingestion books usage into (a bare date_trunc would use the job's session zone).
    commands := ARRAY[
        'SELECT chargeback.maintenance()',
        format('SELECT chargeback.run_allocation(chargeback.period_of(now()), %L)', schedule_jobs.model),
        format('SELECT chargeback.close_period((chargeback.period_of(now()) - interval %L)::date, %L)',
               '1 month', schedule_jobs.model)];

    IF have_cron THEN
        FOR i IN 1..3 LOOP
            EXECUTE 'SELECT cron.schedule($1, $2, $3)' USING names[i], schedules[i], commands[i];
        END LOOP;
    ELSE
        -- Not an error: pg_cron runs its jobs from one database (cron.database_name) and
        -- can start them in any other. Say exactly what to run there.
        FOR i IN 1..3 LOOP
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
CREATE OR REPLACE FUNCTION chargeback.statement_data(period date, org_unit text) RETURNS jsonb
LANGUAGE plpgsql STABLE PARALLEL SAFE STRICT
SET search_path = pg_catalog, chargeback, pg_temp
AS $$
DECLARE
    tz text := chargeback.accounting_timezone();
    p_start date := date_trunc('month', statement_data.period)::date;
    p_end date := (date_trunc('month', statement_data.period) + interval '1 month')::date - 1;
    prev date := (date_trunc('month', statement_data.period) - interval '1 month')::date;
    today date := chargeback.day_of(now());
    root chargeback.org_unit;
    ids integer[];
    codes text[];
    total numeric;
    prev_total numeric;
    n_requests bigint;
    n_tokens bigint;
    last_day date;
    as_of date;
    run chargeback.allocation_run;
    doc jsonb;
BEGIN
    SELECT * INTO root FROM chargeback.org_unit u WHERE lower(u.code) = lower(statement_data.org_unit);
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
            MESSAGE = format('unknown org unit %L', statement_data.org_unit),
            HINT = 'org unit codes are in chargeback.org_unit (matched case-insensitively)';
    END IF;
    -- The statement of a unit covers its descendants (as an org_unit budget does).
    SELECT array_agg(u.org_unit_id ORDER BY u.code), array_agg(u.code ORDER BY u.code) INTO ids, codes
    FROM chargeback.org_unit_descendants(root.org_unit_id) d JOIN chargeback.org_unit u ON u.org_unit_id = d;

    SELECT coalesce(sum(s.cost) FILTER (WHERE s.period = p_start), 0), coalesce(sum(s.cost) FILTER (WHERE s.period = prev), 0),
           coalesce(sum(s.requests) FILTER (WHERE s.period = p_start), 0), coalesce(sum(s.total_tokens) FILTER (WHERE s.period = p_start), 0)
    INTO total, prev_total, n_requests, n_tokens
    FROM chargeback.showback s WHERE s.period IN (p_start, prev) AND s.org_unit = ANY (codes);

    -- The figures run to the last day of the month, or to today while the month is under way
    -- (to the last day with usage if that is later); the forecast covers the rest.
    SELECT max(d.day) INTO last_day FROM chargeback.daily_spend d
    WHERE d.day BETWEEN p_start AND p_end AND d.org_unit = ANY (codes);
    as_of := least(p_end, greatest(p_start, today, last_day));

    SELECT r.run_id, r.model, r.status INTO run.run_id, run.model, run.status
    FROM chargeback.allocation_run r WHERE r.period = p_start ORDER BY r.run_id DESC LIMIT 1;

    WITH days AS (
        SELECT g.day::date AS day, coalesce(x.cost, 0) AS cost
        FROM generate_series(p_start, p_end, interval '1 day') g(day)
        LEFT JOIN (SELECT d.day, sum(d.cost) AS cost FROM chargeback.daily_spend d
                   WHERE d.day BETWEEN p_start AND p_end AND d.org_unit = ANY (codes)
                   GROUP BY d.day) x ON x.day = g.day::date),
    grouped AS (
        SELECT GROUPING(s.project) = 1 AS by_model, s.project, s.provider, s.model, sum(s.cost) AS cost,
               sum(s.requests) AS requests, sum(s.total_tokens) AS total_tokens
        FROM chargeback.showback s WHERE s.period = p_start AND s.org_unit = ANY (codes)
        GROUP BY GROUPING SETS ((s.project), (s.provider, s.model))),
    ranked AS (
        -- Rows of each breakdown by cost; beyond 13 rows, the 13th and later fold into one.
        SELECT r.*,
               count(*) OVER w > 13 AND row_number() OVER (w ORDER BY r.cost DESC, r.project, r.provider, r.model) > 12 AS folded
        FROM grouped r WINDOW w AS (PARTITION BY r.by_model)),
    breakdown AS (
        SELECT k.by_model, k.folded, min(k.cost) FILTER (WHERE NOT k.folded) AS sort_cost,
               CASE WHEN k.folded THEN NULL ELSE k.project END AS project,
               CASE WHEN k.folded THEN NULL ELSE k.provider END AS provider,
               CASE WHEN k.folded THEN NULL ELSE k.model END AS model,
               CASE WHEN k.folded THEN count(*) ELSE 0 END AS others,
               sum(k.cost) AS cost, sum(k.requests) AS requests, sum(k.total_tokens) AS total_tokens
        FROM ranked k
        GROUP BY k.by_model, k.folded, 4, 5, 6)
    SELECT jsonb_build_object(
        'org_unit', jsonb_build_object('code', root.code, 'name', root.name),
        'units', (SELECT jsonb_agg(jsonb_build_object('code', u.code, 'name', u.name) ORDER BY u.code)
                  FROM chargeback.org_unit u WHERE u.org_unit_id = ANY (ids)),
        'period', p_start, 'period_end', p_end, 'as_of', as_of,
        'total', total::text, 'prev_total', prev_total::text, 'change', (total - prev_total)::text,
        'change_pct', CASE WHEN prev_total <> 0 THEN round(100 * (total - prev_total) / prev_total, 1)::text END,
        'requests', n_requests, 'total_tokens', n_tokens,
        'by_project', (SELECT coalesce(jsonb_agg(jsonb_build_object(
                                  'project', b.project, 'others', b.others, 'cost', b.cost::text,
                                  'share_pct', CASE WHEN total <> 0 THEN round(100 * b.cost / total, 1)::text END,
                                  'requests', b.requests::bigint, 'total_tokens', b.total_tokens::bigint)
                              ORDER BY b.folded, b.sort_cost DESC, b.project NULLS LAST), '[]')
                       FROM breakdown b WHERE NOT b.by_model),
        'by_model', (SELECT coalesce(jsonb_agg(jsonb_build_object(
                                'provider', b.provider, 'model', b.model, 'others', b.others, 'cost', b.cost::text,
                                'share_pct', CASE WHEN total <> 0 THEN round(100 * b.cost / total, 1)::text END,
                                'requests', b.requests::bigint, 'total_tokens', b.total_tokens::bigint)
                            ORDER BY b.folded, b.sort_cost DESC, b.provider, b.model), '[]')
                     FROM breakdown b WHERE b.by_model),
        'daily', (SELECT jsonb_agg(jsonb_build_object('day', d.day, 'cost', d.cost::text) ORDER BY d.day) FROM days d),
        -- Missing days count as no spend; the 8 weeks before the month are history.
        'forecast', CASE WHEN as_of < p_end AND last_day IS NOT NULL THEN
                        -- The band is an estimate: to the cent is plenty (the projection stays exact).
                        (SELECT jsonb_build_object('projected', f->>'projected', 'low', round((f->>'low')::numeric, 2)::text,
                                                   'high', round((f->>'high')::numeric, 2)::text,
                                                   'method', f->>'method', 'state', f->>'state')
                         FROM (SELECT chargeback.forecast(h.day, h.cost, p_end, p_start) AS f
                               FROM (SELECT d.day, d.cost FROM days d WHERE d.day <= as_of
                                     UNION ALL
                                     SELECT d.day, sum(d.cost) FROM chargeback.daily_spend d
                                     WHERE d.day BETWEEN p_start - 56 AND p_start - 1 AND d.org_unit = ANY (codes)
                                     GROUP BY d.day) h) x)
                    END,
        'budgets', (SELECT coalesce(jsonb_agg(jsonb_build_object(
                               'name', b.name, 'scope_value', b.scope_value, 'period', b.period,
                               'period_start', b.ps, 'period_end', b.pe, 'amount', b.amount::text, 'currency', b.currency,
                               'spend', b.spend::text,
                               'pct_used', CASE WHEN b.amount > 0 THEN round(100 * b.spend / b.amount, 1)::text END,
                               'forecast', b.forecast::text,
                               'state', chargeback.budget_state(b.spend, b.amount, b.thresholds[1], b.forecast,
                                                                b.forecast_state))
                           ORDER BY b.name), '[]')
                    FROM (SELECT bb.*, bs.spend,
                                 coalesce(bf.forecast, bs.spend) AS forecast, bf.forecast_state
                          FROM (SELECT b.*, bp.ps, chargeback.budget_period_end(b.period, bp.ps) AS pe
                                FROM chargeback.budget b
                                JOIN chargeback.org_unit u ON lower(u.code) = lower(b.scope_value)
                                CROSS JOIN LATERAL (SELECT chargeback.budget_period_start(b.period, p_start::timestamp AT TIME ZONE tz) AS ps) bp
                                WHERE b.scope = 'org_unit' AND u.org_unit_id = ANY (ids)
                                  AND b.period IN ('month', 'quarter', 'year')
                                  AND b.valid_from < ((p_end + 1)::timestamp AT TIME ZONE tz)
                                  AND (b.valid_to IS NULL OR b.valid_to > (p_start::timestamp AT TIME ZONE tz))) bb
                          CROSS JOIN LATERAL (SELECT chargeback.budget_spent(bb.budget_id, bb.ps) AS spend) bs
                          -- A budget period still under way (as the month above) is forecast to its end.
                          CROSS JOIN LATERAL (SELECT max(s.day) AS last_day FROM chargeback.budget_spend s
                                              WHERE s.budget_id = bb.budget_id AND s.day BETWEEN bb.ps AND bb.pe) bl
                          CROSS JOIN LATERAL (SELECT least(bb.pe, greatest(bb.ps, today, bl.last_day)) AS as_of) ba
                          -- with the budget's 8 weeks before its period as history
                          LEFT JOIN LATERAL (SELECT (x.f->>'projected')::numeric AS forecast, x.f->>'state' AS forecast_state
                                             FROM (SELECT chargeback.forecast(h.day, h.spend, bb.pe, bb.ps) AS f
                                                   FROM (SELECT s.day, s.spend FROM chargeback.budget_spend s
                                                         WHERE s.budget_id = bb.budget_id AND s.day BETWEEN bb.ps - 56 AND ba.as_of
                                                         UNION ALL
                                                         SELECT ba.as_of, 0) h
                                                   WHERE ba.as_of < bb.pe AND bl.last_day IS NOT NULL) x) bf ON true) b),
        'unit_costs', (SELECT coalesce(jsonb_agg(jsonb_build_object(
                                  'org_unit', c.org_unit, 'activity_type', c.activity_type, 'cost', c.cost::text,
                                  'units', c.units::text, 'cost_per_unit', c.cost_per_unit::text)
                              ORDER BY c.org_unit, c.activity_type), '[]')
                       FROM chargeback.unit_costs c WHERE c.period = p_start AND c.org_unit = ANY (codes)),
        'allocation', CASE WHEN run.run_id IS NOT NULL THEN jsonb_build_object(
            'run_id', run.run_id, 'model', run.model, 'status', run.status,
            'total', (SELECT coalesce(sum(l.amount), 0)::text FROM chargeback.allocation_line l
                      WHERE l.run_id = run.run_id AND l.org_unit_id = ANY (ids)),
            'components', (SELECT coalesce(jsonb_agg(jsonb_build_object('component', c.component, 'currency', c.currency,
                                                                        'amount', c.amount::text)
                                                     ORDER BY array_position(ARRAY['direct', 'shared', 'fixed', 'true_up', 'adjustment'], c.component), c.currency), '[]')
                           FROM (SELECT l.component, l.currency, sum(l.amount) AS amount FROM chargeback.allocation_line l
                                 WHERE l.run_id = run.run_id AND l.org_unit_id = ANY (ids)
                                 GROUP BY l.component, l.currency) c),
            'lines', (SELECT coalesce(jsonb_agg(jsonb_build_object('org_unit', c.code, 'component', c.component,
                                                                   'source', c.source, 'currency', c.currency,
                                                                   'amount', c.amount::text)
                                                ORDER BY c.code, array_position(ARRAY['direct', 'shared', 'fixed', 'true_up', 'adjustment'], c.component), c.source, c.currency), '[]')
                      FROM (SELECT o.code, l.component, l.source, l.currency, sum(l.amount) AS amount
                            FROM chargeback.allocation_line l JOIN chargeback.org_unit o USING (org_unit_id)
                            WHERE l.run_id = run.run_id AND l.org_unit_id = ANY (ids)
                            GROUP BY o.code, l.component, l.source, l.currency) c))
        END)
    INTO doc;
    RETURN doc;
END
$$;
CREATE OR REPLACE FUNCTION chargeback.usage_rollup_sync() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, chargeback, pg_temp
AS $$
DECLARE
    emptied tid[];
    new_part text := $n$
        SELECT n.period, chargeback.day_of(n.occurred_at) AS day, n.org_unit_id,
               coalesce(n.project, '') AS project, coalesce(n.activity_type, '') AS activity_type,
               n.provider, n.model, n.service_tier, coalesce(n.currency, '') AS currency,
               1 AS sign, n.tokens, n.cost, n.list_cost
        FROM new_rows n
        UNION ALL
$n$;
    broken bigint;
BEGIN
    IF TG_OP = 'INSERT' THEN
        -- The ingest path: only additions.
        INSERT INTO chargeback.daily_rollup AS r
            (period, day, org_unit_id, project, activity_type, provider, model, service_tier, currency,
             requests, tokens, total_tokens, cost, list_cost, unpriced)
        SELECT g.period, g.day, g.org_unit_id, g.project, g.activity_type, g.provider, g.model, g.service_tier, g.currency,
               g.requests, g.tokens, chargeback.total_tokens(g.tokens), g.cost, g.list_cost, g.unpriced
        FROM (SELECT n.period, chargeback.day_of(n.occurred_at) AS day, n.org_unit_id,
                     coalesce(n.project, '') AS project, coalesce(n.activity_type, '') AS activity_type,
                     n.provider, n.model, n.service_tier, coalesce(n.currency, '') AS currency,
                     count(*) AS requests, chargeback.sum(n.tokens) AS tokens,
                     coalesce(sum(n.cost), 0) AS cost, coalesce(sum(n.list_cost), 0) AS list_cost,
                     count(*) FILTER (WHERE n.cost IS NULL) AS unpriced
              FROM new_rows n
              GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9
              ORDER BY 1, 2, 3, 4, 5, 6, 7, 8, 9) g (period, day, org_unit_id, project, activity_type, provider, model,
                                                     service_tier, currency, requests, tokens, cost, list_cost, unpriced)
        ON CONFLICT (period, day, org_unit_id, project, activity_type, provider, model, service_tier, currency)
        DO UPDATE SET requests = r.requests + EXCLUDED.requests,
                      tokens = r.tokens + EXCLUDED.tokens,
                      total_tokens = r.total_tokens + EXCLUDED.total_tokens,
                      cost = r.cost + EXCLUDED.cost,
                      list_cost = r.list_cost + EXCLUDED.list_cost,
                      unpriced = r.unpriced + EXCLUDED.unpriced;
        RETURN NULL;
    END IF;

    -- UPDATE and DELETE: signed deltas per key, old rows negative. Keys whose delta is nil
    -- (an update that changed neither owner, amounts nor tokens) are skipped.
    EXECUTE format($q$
    WITH d AS (
%1$s        SELECT o.period, chargeback.day_of(o.occurred_at) AS day, o.org_unit_id,
               coalesce(o.project, '') AS project, coalesce(o.activity_type, '') AS activity_type,
               o.provider, o.model, o.service_tier, coalesce(o.currency, '') AS currency,
               -1 AS sign, o.tokens, o.cost, o.list_cost
        FROM old_rows o),
    g AS (
        SELECT period, day, org_unit_id, project, activity_type, provider, model, service_tier, currency,
               sum(sign) AS requests,
               coalesce(chargeback.sum(tokens) FILTER (WHERE sign > 0), '') AS added,
               coalesce(chargeback.sum(tokens) FILTER (WHERE sign < 0), '') AS removed,
               coalesce(sum(sign * cost), 0) AS cost, coalesce(sum(sign * list_cost), 0) AS list_cost,
               coalesce(sum(sign) FILTER (WHERE cost IS NULL), 0) AS unpriced
        FROM d
        GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9),
    up AS (
        INSERT INTO chargeback.daily_rollup AS r
            (period, day, org_unit_id, project, activity_type, provider, model, service_tier, currency,
             requests, tokens, total_tokens, cost, list_cost, unpriced, tokens_removed)
        SELECT period, day, org_unit_id, project, activity_type, provider, model, service_tier, currency,
               requests, added, chargeback.total_tokens(added) - chargeback.total_tokens(removed),
               cost, list_cost, unpriced, removed
        FROM g
        WHERE NOT (requests = 0 AND cost = 0 AND list_cost = 0 AND unpriced = 0 AND added = removed)
        ORDER BY period, day, org_unit_id, project, activity_type, provider, model, service_tier, currency
        ON CONFLICT (period, day, org_unit_id, project, activity_type, provider, model, service_tier, currency)
        DO UPDATE SET requests = r.requests + EXCLUDED.requests,
                      tokens = (r.tokens + EXCLUDED.tokens) - EXCLUDED.tokens_removed,
                      total_tokens = r.total_tokens + EXCLUDED.total_tokens,
                      cost = r.cost + EXCLUDED.cost,
                      list_cost = r.list_cost + EXCLUDED.list_cost,
                      unpriced = r.unpriced + EXCLUDED.unpriced
        RETURNING r.ctid, r.requests, r.tokens_removed, r.unpriced)
    SELECT array_agg(ctid) FILTER (WHERE requests = 0),
           count(*) FILTER (WHERE requests < 0 OR unpriced < 0 OR tokens_removed <> '')
    FROM up
    $q$, CASE WHEN TG_OP = 'UPDATE' THEN new_part END) INTO emptied, broken;
    IF broken > 0 THEN
        -- Usage was taken away from a key the rollup does not hold: it was changed behind
        -- the triggers' back (a partition written or truncated directly).
        RAISE EXCEPTION USING ERRCODE = 'data_corrupted',
            MESSAGE = format('chargeback.daily_rollup is out of step with chargeback.usage (%s keys)', broken),
            HINT = 'run SELECT chargeback.rebuild_daily_rollup(); then repeat the statement';
    END IF;
    IF emptied IS NOT NULL THEN
        DELETE FROM chargeback.daily_rollup WHERE ctid = ANY (emptied) AND requests = 0;
    END IF;
    RETURN NULL;
END
$$;
CREATE OR REPLACE FUNCTION chargeback.rebuild_daily_rollup() RETURNS bigint
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, chargeback, pg_temp
AS $$
DECLARE
    n bigint;
BEGIN
    LOCK TABLE chargeback.usage IN SHARE MODE;
    -- Months whose raw usage was archived keep their rollup: it is all that is left of them.
    DELETE FROM chargeback.daily_rollup r
     WHERE NOT EXISTS (SELECT 1 FROM chargeback.usage_archive a WHERE a.period = r.period);
    INSERT INTO chargeback.daily_rollup
        (period, day, org_unit_id, project, activity_type, provider, model, service_tier, currency,
         requests, tokens, total_tokens, cost, list_cost, unpriced)
    SELECT g.period, g.day, g.org_unit_id, g.project, g.activity_type, g.provider, g.model, g.service_tier, g.currency,
           g.requests, g.tokens, chargeback.total_tokens(g.tokens), g.cost, g.list_cost, g.unpriced
    FROM (SELECT u.period, chargeback.day_of(u.occurred_at), u.org_unit_id,
                 coalesce(u.project, ''), coalesce(u.activity_type, ''), u.provider, u.model, u.service_tier,
                 coalesce(u.currency, ''), count(*), chargeback.sum(u.tokens),
                 coalesce(sum(u.cost), 0), coalesce(sum(u.list_cost), 0), count(*) FILTER (WHERE u.cost IS NULL)
          FROM chargeback.usage u
          WHERE NOT EXISTS (SELECT 1 FROM chargeback.usage_archive a WHERE a.period = u.period)
          GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9) g (period, day, org_unit_id, project, activity_type, provider, model,
                                                 service_tier, currency, requests, tokens, cost, list_cost, unpriced);
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END
$$;
CREATE OR REPLACE FUNCTION chargeback.budget_backfill() RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, chargeback, pg_temp
AS $$
DECLARE
    tz text := chargeback.accounting_timezone();
    ps date := chargeback.budget_period_start(NEW.period, now());
    units integer[];
BEGIN
    -- Usage recorded while this budget is uncommitted would be seen neither by this scan
    -- (not committed yet) nor by its own trigger (the budget is not visible to it): wait for
    -- the ingest transactions in flight and hold new ones until this one commits.
    LOCK TABLE chargeback.usage IN SHARE MODE;
    IF NEW.scope = 'org_unit' THEN
        units := ARRAY(SELECT chargeback.org_unit_descendants(u.org_unit_id) FROM chargeback.org_unit u
                       WHERE lower(u.code) = lower(NEW.scope_value));
    END IF;
    DELETE FROM chargeback.budget_spend WHERE budget_id = NEW.budget_id;
    INSERT INTO chargeback.budget_spend (budget_id, day, spend)
    SELECT NEW.budget_id, chargeback.day_of(u.occurred_at), sum(u.cost)
    FROM chargeback.usage u
    WHERE u.cost IS NOT NULL AND u.currency = NEW.currency
      AND u.period >= (date_trunc('month', ps) - interval '1 month')::date
      AND u.occurred_at >= (ps::timestamp AT TIME ZONE tz)
      AND u.occurred_at >= NEW.valid_from AND (NEW.valid_to IS NULL OR u.occurred_at < NEW.valid_to)
      AND CASE NEW.scope
            WHEN 'global' THEN true
            WHEN 'org_unit' THEN u.org_unit_id = ANY (units)
            WHEN 'project' THEN u.project = NEW.scope_value
            WHEN 'principal' THEN u.principal = NEW.scope_value
            WHEN 'provider' THEN u.provider = NEW.scope_value
            WHEN 'model' THEN u.model = NEW.scope_value OR chargeback.resolve_model(u.provider, u.model) = NEW.scope_value
          END
    GROUP BY 1, 2;
    RETURN NULL;
END
$$;
DROP TRIGGER budget_backfill ON chargeback.budget;
CREATE TRIGGER budget_backfill AFTER INSERT OR UPDATE OF scope, scope_value, period, valid_from, valid_to, currency ON chargeback.budget
    FOR EACH ROW EXECUTE FUNCTION chargeback.budget_backfill();
COMMENT ON FUNCTION chargeback.rebuild_daily_rollup() IS
    'recomputes chargeback.daily_rollup from chargeback.usage (needed only after partitions were changed directly), but for archived months; returns the rows written';

-- Altered: pg_temp last in the search_path of every other function that sets one.
ALTER FUNCTION chargeback.allocation_input(date,text) SET search_path = pg_catalog, chargeback, pg_temp;
ALTER FUNCTION chargeback.allocation_write(date,text,boolean) SET search_path = pg_catalog, chargeback, pg_temp;
ALTER FUNCTION chargeback.applicable_budgets(timestamp with time zone,integer,text,text,text,text) SET search_path = pg_catalog, chargeback, pg_temp;
ALTER FUNCTION chargeback.book_periods(date[]) SET search_path = pg_catalog, chargeback, pg_temp;
ALTER FUNCTION chargeback.budget_before_write() SET search_path = pg_catalog, chargeback, pg_temp;
ALTER FUNCTION chargeback.budget_held(bigint,date) SET search_path = pg_catalog, chargeback, pg_temp;
ALTER FUNCTION chargeback.budget_spent(bigint,date) SET search_path = pg_catalog, chargeback, pg_temp;
ALTER FUNCTION chargeback.close_period(date,text) SET search_path = pg_catalog, chargeback, pg_temp;
ALTER FUNCTION chargeback.cost_center_of(integer) SET search_path = pg_catalog, chargeback, pg_temp;
ALTER FUNCTION chargeback.explain(bigint) SET search_path = pg_catalog, chargeback, pg_temp;
ALTER FUNCTION chargeback.import_prices(jsonb,text,timestamp with time zone) SET search_path = pg_catalog, chargeback, pg_temp;
ALTER FUNCTION chargeback.membership_check_overlap() SET search_path = pg_catalog, chargeback, pg_temp;
ALTER FUNCTION chargeback.model_alias_before_write() SET search_path = pg_catalog, chargeback, pg_temp;
ALTER FUNCTION chargeback.move_member(text,text,timestamp with time zone) SET search_path = pg_catalog, chargeback, pg_temp;
ALTER FUNCTION chargeback.org_unit_before_restore() SET search_path = pg_catalog, chargeback, pg_temp;
ALTER FUNCTION chargeback.org_unit_check_parent() SET search_path = pg_catalog, chargeback, pg_temp;
ALTER FUNCTION chargeback.org_unit_descendants(integer) SET search_path = pg_catalog, chargeback, pg_temp;
ALTER FUNCTION chargeback.org_unit_protect() SET search_path = pg_catalog, chargeback, pg_temp;
ALTER FUNCTION chargeback.price_before_restore() SET search_path = pg_catalog, chargeback, pg_temp;
ALTER FUNCTION chargeback.price_before_write() SET search_path = pg_catalog, chargeback, pg_temp;
ALTER FUNCTION chargeback.reopen_period(date,text) SET search_path = pg_catalog, chargeback, pg_temp;
ALTER FUNCTION chargeback.run_allocation(date,text) SET search_path = pg_catalog, chargeback, pg_temp;
ALTER FUNCTION chargeback.set_price(text,text,chargeback.token_rates,timestamp with time zone,text,bigint,text) SET search_path = pg_catalog, chargeback, pg_temp;
ALTER FUNCTION chargeback.statement_html(date,text) SET search_path = pg_catalog, chargeback, pg_temp;
ALTER FUNCTION chargeback.unschedule_jobs() SET search_path = pg_catalog, chargeback, pg_temp;
ALTER FUNCTION chargeback.usage_rollup_truncate() SET search_path = pg_catalog, chargeback, pg_temp;

-- Added: the history-aware forecast (forecast.sql, issue 21): days before period_start are
-- history. The 3-argument aggregate keeps its definition; its C final function now also
-- answers "method" and "state" (insufficient_history on fewer than 3 days, never a band wider
-- than the data supports).
CREATE FUNCTION chargeback.forecast_accum(internal, date, numeric, date, date) RETURNS internal
    AS 'MODULE_PATHNAME', 'cb_forecast_history_accum' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION chargeback.forecast_final(internal, date, numeric, date, date) RETURNS jsonb
    AS 'MODULE_PATHNAME', 'cb_forecast_history_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE AGGREGATE chargeback.forecast(day date, amount numeric, period_end date, period_start date) (
    SFUNC = chargeback.forecast_accum,
    STYPE = internal,
    FINALFUNC = chargeback.forecast_final,
    FINALFUNC_EXTRA,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE chargeback.forecast(date, numeric, date, date) IS
    'projected total at period_end, {"projected", "low", "high", "method", "state"}: days before period_start (up to 56) are history (level, trend, weekly profile), days from it the spend so far; low/high an 80% prediction interval; state insufficient_history (a run rate, band +-50% of the rest) with fewer than 7 history days and fewer than 3 period days';
COMMENT ON AGGREGATE chargeback.forecast(date, numeric, date) IS
    'projected total at period_end from the period''s daily amounts, {"projected", "low", "high", "method", "state"}: a robust trend (Theil-Sen), so one spike barely moves it and steady growth is projected growing; with fewer than 3 observed days state insufficient_history (a run rate, band +-50% of the rest)';

-- Added: one home for the accounting calendar (src/pg/calendar.cpp); period_of() and
-- day_of() become C (ingest.sql, rollup.sql), and one home for a budget's state (budget.sql).
CREATE FUNCTION chargeback.accounting_timezone() RETURNS text
    AS 'MODULE_PATHNAME', 'cb_accounting_timezone' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION chargeback.accounting_timezone() IS
    'the time zone of accounting periods: the chargeback.timezone setting (a superuser''s), UTC by default';
CREATE OR REPLACE FUNCTION chargeback.period_of(at timestamptz) RETURNS date
    AS 'MODULE_PATHNAME', 'cb_period_of' LANGUAGE C STABLE STRICT PARALLEL SAFE;
CREATE OR REPLACE FUNCTION chargeback.day_of(at timestamptz) RETURNS date
    AS 'MODULE_PATHNAME', 'cb_day_of' LANGUAGE C STABLE STRICT PARALLEL SAFE;
CREATE FUNCTION chargeback.budget_state(spend numeric, amount numeric, warn_at numeric, forecast numeric,
                                        forecast_state text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, chargeback, pg_temp
AS $$
    SELECT CASE WHEN spend > amount THEN 'over'
                WHEN forecast > amount AND forecast_state IS DISTINCT FROM 'insufficient_history' THEN 'forecast_over'
                WHEN spend >= warn_at * amount THEN 'warning'
                WHEN forecast > amount THEN 'insufficient_history'
                ELSE 'ok' END
$$;
COMMENT ON FUNCTION chargeback.budget_state(numeric, numeric, numeric, numeric, text) IS
    'state of a budget period: over, forecast_over, warning, insufficient_history or ok';

-- Replaced: budget_status forecasts from the period and 8 weeks of history, says when it has
-- too little data, and shows the band (four columns added at the end); the FOCUS view reads
-- accounting_timezone() (budget.sql, showback.sql).
CREATE OR REPLACE VIEW chargeback.budget_status WITH (security_invoker = true) AS
SELECT b.budget_id, b.name, p.period_start, p.period_end, b.amount, s.spend, s.reserved,
       b.amount - s.spend - s.reserved AS remaining,
       CASE WHEN b.amount > 0 THEN round(s.spend / b.amount, 4) END AS pct_used,
       f.forecast,
       f.forecast - b.amount AS projected_variance,
       chargeback.budget_state(s.spend, b.amount, b.thresholds[1], f.forecast, f.forecast_state) AS state,
       f.forecast_low, f.forecast_high, f.forecast_method, f.forecast_state
FROM chargeback.budget b
CROSS JOIN LATERAL (SELECT chargeback.budget_period_start(b.period, now()) AS period_start) p0
CROSS JOIN LATERAL (SELECT p0.period_start, chargeback.budget_period_end(b.period, p0.period_start) AS period_end) p
CROSS JOIN LATERAL (SELECT chargeback.budget_spent(b.budget_id, p.period_start) AS spend,
                           chargeback.budget_held(b.budget_id, p.period_start) AS reserved) s
-- The period's spend so far with the budget's trailing 8 weeks as history (so the 1st of a
-- month already has a projection from the weeks before); a zero row on today makes the days
-- since the last spend count as days without spend.
CROSS JOIN LATERAL (SELECT (x.f->>'projected')::numeric AS forecast, (x.f->>'low')::numeric AS forecast_low,
                           (x.f->>'high')::numeric AS forecast_high, x.f->>'method' AS forecast_method,
                           x.f->>'state' AS forecast_state
                    FROM (SELECT chargeback.forecast(h.day, h.spend, p.period_end, p.period_start) AS f
                          FROM (SELECT d.day, d.spend FROM chargeback.budget_spend d
                                WHERE d.budget_id = b.budget_id AND d.day BETWEEN p.period_start - 56 AND p.period_end
                                UNION ALL
                                SELECT least(greatest(chargeback.day_of(now()), p.period_start), p.period_end), 0) h) x) f
WHERE b.valid_from <= now() AND (b.valid_to IS NULL OR b.valid_to > now());
COMMENT ON VIEW chargeback.budget_status IS
    'each budget''s current period: amount, spend, open holds, remaining, share used, forecast at period end (from the period so far and 8 weeks of history), projected variance, state (ok, warning, insufficient_history: projected over but too little data to say, forecast_over, over), the forecast''s 80% band, method and state';
CREATE OR REPLACE VIEW chargeback.focus WITH (security_invoker = true) AS
SELECT r.cost AS "BilledCost",
       r.cost AS "EffectiveCost",
       r.list_cost AS "ListCost",
       r.cost AS "ContractedCost",
       coalesce(nullif(r.currency, ''), 'USD') AS "BillingCurrency",
       'Usage'::text AS "ChargeCategory",
       CASE WHEN date_trunc('month', r.day)::date <> r.period THEN 'Correction' END AS "ChargeClass",
       format('%s %s (%s): %s tokens in %s requests%s', r.provider, r.model, r.service_tier, r.total_tokens, r.requests,
              CASE WHEN r.unpriced > 0 THEN format(', %s unpriced', r.unpriced) ELSE '' END) AS "ChargeDescription",
       t.day_start AS "ChargePeriodStart",
       t.day_end AS "ChargePeriodEnd",
       t.month_start AS "BillingPeriodStart",
       t.month_end AS "BillingPeriodEnd",
       'AI and Machine Learning'::text AS "ServiceCategory",
       'Generative AI'::text AS "ServiceSubcategory",
       s.service_name AS "ServiceName",
       s.provider_name AS "ServiceProviderName",
       s.invoice_issuer AS "InvoiceIssuerName",
       r.provider || '/' || m.sku_model || '/' || r.service_tier AS "SkuId",
       p.price_id::text AS "SkuPriceId",
       r.total_tokens::numeric AS "ConsumedQuantity",
       'Tokens'::text AS "ConsumedUnit",
       r.total_tokens * 0.000001 AS "PricingQuantity",
       '1000000 Tokens'::text AS "PricingUnit",
       CASE WHEN r.total_tokens > 0 AND r.unpriced < r.requests THEN round(r.list_cost * 1000000 / r.total_tokens, 6) END AS "ListUnitPrice",
       o.code AS "SubAccountId",
       o.name AS "SubAccountName",
       jsonb_strip_nulls(jsonb_build_object('x_Department', o.code, 'x_Project', nullif(r.project, ''),
                                            'x_CostCenter', o.cost_center, 'x_Activity', nullif(r.activity_type, ''))) AS "Tags"
FROM chargeback.daily_rollup r
JOIN chargeback.org_unit o USING (org_unit_id)
CROSS JOIN LATERAL (SELECT chargeback.accounting_timezone() AS tz) z
CROSS JOIN LATERAL (SELECT r.day::timestamp AT TIME ZONE z.tz AS day_start,
                           (r.day + 1)::timestamp AT TIME ZONE z.tz AS day_end,
                           r.period::timestamp AT TIME ZONE z.tz AS month_start,
                           (r.period + interval '1 month') AT TIME ZONE z.tz AS month_end) t
CROSS JOIN LATERAL chargeback.focus_service(r.provider) s
CROSS JOIN LATERAL (SELECT coalesce(chargeback.resolve_model(r.provider, r.model), r.model) AS sku_model) m
LEFT JOIN LATERAL (SELECT c.price_id FROM chargeback.price c
                   WHERE c.provider = r.provider AND c.model = m.sku_model AND c.service_tier = r.service_tier
                     AND c.min_prompt_tokens = 0 AND c.valid_from < t.day_end
                     AND (c.valid_to IS NULL OR c.valid_to > t.day_start)
                   ORDER BY c.valid_from DESC LIMIT 1) p ON true;
COMMENT ON VIEW chargeback.focus IS
    'FinOps FOCUS 1.x export: one Usage charge per day, org unit, project, activity, provider, model, tier and currency (a daily rollup row)';

-- Privileges of the new objects (privileges.sql).
REVOKE EXECUTE ON FUNCTION chargeback.xact_lock(text), chargeback.archive_usage(date, text),
                           chargeback.restore_as_dumped(regclass), chargeback.restore_statement() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION chargeback.xact_lock(text), chargeback.archive_usage(date, text) TO chargeback_admin;
GRANT SELECT ON chargeback.xact_lock, chargeback.usage_archive TO chargeback_analyst;
REVOKE EXECUTE ON FUNCTION chargeback.restoring() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION chargeback.restoring() TO PUBLIC;
REVOKE EXECUTE ON FUNCTION chargeback.accounting_timezone(), chargeback.budget_state(numeric, numeric, numeric, numeric, text),
                           chargeback.forecast_accum(internal, date, numeric, date, date),
                           chargeback.forecast_final(internal, date, numeric, date, date),
                           chargeback.forecast(date, numeric, date, date) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION chargeback.accounting_timezone(), chargeback.budget_state(numeric, numeric, numeric, numeric, text),
                          chargeback.forecast_accum(internal, date, numeric, date, date),
                          chargeback.forecast_final(internal, date, numeric, date, date),
                          chargeback.forecast(date, numeric, date, date) TO PUBLIC;
-- The allocation engine is for admins (run_allocation() is not a definer function): its
-- input can be made to cost seconds of CPU (now bounded and cancellable).
REVOKE EXECUTE ON FUNCTION chargeback.allocation_compute(jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION chargeback.allocation_compute(jsonb) TO chargeback_admin;
-- Viewers read their units' allocation lines without their basis (pool totals, ratios and
-- weights from which other units' costs follow).
REVOKE SELECT ON chargeback.allocation_line FROM chargeback_viewer;
GRANT SELECT (line_id, run_id, period, org_unit_id, project, activity_type, component, source, amount, currency)
    ON chargeback.allocation_line TO chargeback_viewer;

-- ingest() says what it returns for a payload of many rows (an OTLP export, a usage-report page).
COMMENT ON FUNCTION chargeback.ingest(jsonb, jsonb, text) IS
    'parse, price, attribute and store one payload; returns the usage_id of its first recorded row in payload order (the recorded one for a repeated request, NULL when it holds no usage); parse_usage() lists every row, usage_inbox records them all; bad spans of an OTLP export go to usage_rejected';
