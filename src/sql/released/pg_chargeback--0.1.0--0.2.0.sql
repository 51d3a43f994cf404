-- pg_chargeback 0.1.0 -> 0.2.0. Built from src/sql/0.2.0/*.sql by the Makefile; edit those.
-- A fresh CREATE EXTENSION runs pg_chargeback--0.1.0.sql and then this script, so a new
-- install and an upgraded one are the same by construction (test: sql/oldextversions.sql).

-- complain if script is sourced in psql, rather than via ALTER EXTENSION
\echo Use "ALTER EXTENSION pg_chargeback UPDATE TO '0.2.0'" to load this file. \quit
-- Backup and restore: what pg_dump keeps, and how a restore loads it into a fresh install.
--
-- pg_dump does not dump the contents of an extension's tables unless the extension asks
-- (pg_extension_config_dump). A restore runs CREATE EXTENSION (which seeds the built-in
-- price catalog and the unattributed unit, and creates every table with its triggers), then
-- COPYs the dumped rows into those tables with the triggers live. So every table that holds
-- user data is registered here, with its sequence, and the few triggers that would refuse or
-- re-count restored rows tell a restored row from a new one (below).
--
-- Dumped: everything users entered or the extension recorded, including the derived tables
-- daily_rollup and budget_spend. pg_dump reads all tables in one snapshot, and the usage
-- partitions are restored by COPY straight into each partition, which fires none of the
-- statement triggers on chargeback.usage: the restored rollup and spend are the dumped ones,
-- counted once. Not dumped: budget_unit, which the statement triggers on budget and org_unit
-- recompute whole while those two tables are restored.
-- Usage partitions are made at run time, are not members of the extension, and are dumped
-- by pg_dump like any table of the database (definition, data, and attached to the parent).

-- Registers a table of the extension, and the sequences its columns own (serial and identity),
-- for pg_dump. Only callable from the extension's scripts (pg_extension_config_dump checks);
-- a new table is one line: SELECT chargeback.dump_config('chargeback.new_table');
CREATE FUNCTION chargeback.dump_config(tbl regclass, filter text DEFAULT '') RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog
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
END
$$;
COMMENT ON FUNCTION chargeback.dump_config(regclass, text) IS
    'extension scripts only: registers a table and its owned sequences so pg_dump dumps their contents';

-- Price catalog. Every row is dumped, the built-in ones too: set_price() closes built-in rows
-- (valid_to) and users correct them with UPDATE, and a restore that kept the seeded rows
-- instead would give an open built-in row overlapping the user's next one. Ordered by
-- price_id so that the built-in rows, the oldest, are loaded first (the filter is spliced
-- after FROM in pg_dump's COPY (SELECT ...) query).
SELECT chargeback.dump_config('chargeback.price', 'WHERE true ORDER BY price_id');
SELECT chargeback.dump_config('chargeback.model_alias');
-- The organisation; the built-in unattributed unit is dumped too (its cost center and parent
-- can be set) and replaces the seeded one on restore.
SELECT chargeback.dump_config('chargeback.org_unit');
SELECT chargeback.dump_config('chargeback.membership');
SELECT chargeback.dump_config('chargeback.ownership_rule');
-- Usage: the parent has no rows of its own (its partitions are ordinary tables to pg_dump);
-- its id sequence, the (provider, request_id) claims, duplicates and rejections are here.
SELECT pg_catalog.pg_extension_config_dump('chargeback.usage_usage_id_seq', '');
SELECT chargeback.dump_config('chargeback.usage_request');
SELECT chargeback.dump_config('chargeback.usage_duplicate');
SELECT chargeback.dump_config('chargeback.usage_rejected');
-- Budgets.
SELECT chargeback.dump_config('chargeback.budget');
SELECT chargeback.dump_config('chargeback.budget_spend');
SELECT chargeback.dump_config('chargeback.budget_event');
SELECT chargeback.dump_config('chargeback.reservation');
SELECT pg_catalog.pg_extension_config_dump('chargeback.reservation_id_seq', '');
-- Allocation.
SELECT chargeback.dump_config('chargeback.period');
SELECT chargeback.dump_config('chargeback.period_event');
SELECT chargeback.dump_config('chargeback.allocation_rule');
SELECT chargeback.dump_config('chargeback.fixed_charge');
SELECT chargeback.dump_config('chargeback.invoice');
SELECT chargeback.dump_config('chargeback.activity_outcome');
SELECT chargeback.dump_config('chargeback.allocation_run');
SELECT chargeback.dump_config('chargeback.allocation_line');
-- Showback.
SELECT chargeback.dump_config('chargeback.daily_rollup');

-- Restoring over the seeded rows --------------------------------------------------------

-- A built-in price row loaded over a built-in row of the same price_id is a restore putting
-- back the dumped catalog: the rows CREATE EXTENSION seeded give way to it, all of them,
-- since the dump has every built-in row that still existed, closed or corrected as it was.
-- The dump is ordered by price_id, so this happens at its first built-in row, before any
-- other row is loaded (nothing restored is deleted: dumped ids are unique, so no later row
-- collides). It works in pg_restore --single-transaction too, where the seeded rows are of
-- the same transaction. Anything else keeps failing as before (duplicate key).
CREATE FUNCTION chargeback.price_before_restore() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, chargeback
AS $$
BEGIN
    IF NEW.source = 'builtin'
       AND EXISTS (SELECT 1 FROM chargeback.price p WHERE p.price_id = NEW.price_id AND p.source = 'builtin') THEN
        DELETE FROM chargeback.price p WHERE p.source = 'builtin';
    END IF;
    RETURN NEW;
END
$$;
-- Named to fire before price_before_write (triggers fire in name order).
CREATE TRIGGER price_before_restore BEFORE INSERT ON chargeback.price
    FOR EACH ROW EXECUTE FUNCTION chargeback.price_before_restore();

-- The unattributed unit loaded with the id of the seeded one replaces it in place.
CREATE FUNCTION chargeback.org_unit_before_restore() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, chargeback
AS $$
BEGIN
    IF NEW.code = 'unattributed'
       AND EXISTS (SELECT 1 FROM chargeback.org_unit u WHERE u.org_unit_id = NEW.org_unit_id AND u.code = 'unattributed') THEN
        UPDATE chargeback.org_unit u
           SET name = NEW.name, kind = NEW.kind, parent_id = NEW.parent_id, cost_center = NEW.cost_center,
               created_at = NEW.created_at
         WHERE u.org_unit_id = NEW.org_unit_id;
        RETURN NULL;
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER org_unit_before_restore BEFORE INSERT ON chargeback.org_unit
    FOR EACH ROW EXECUTE FUNCTION chargeback.org_unit_before_restore();

-- Usage partitions ---------------------------------------------------------------------

-- pg_dump restores a runtime partition as CREATE TABLE, then ATTACH PARTITION, then (after
-- the data) its primary key and indexes. With indexes on the parent, which CREATE EXTENSION
-- has made by then, ATTACH PARTITION already builds them on the partition, and the dumped
-- ones fail ("multiple primary keys", "relation already exists"): pg_restore reports errors,
-- and with --exit-on-error or --single-transaction the restore stops. So the parent carries
-- no index: each partition gets its own primary key and BRIN index when it is made, which is
-- what every query used anyway (the parent's were only templates for its partitions).
CREATE OR REPLACE FUNCTION chargeback.ensure_partitions(first_period date, last_period date) RETURNS integer
LANGUAGE plpgsql
SET search_path = pg_catalog, chargeback
AS $$
DECLARE
    p date := date_trunc('month', first_period)::date;
    made integer := 0;
    name text;
BEGIN
    WHILE p <= last_period LOOP
        name := format('usage_%s', to_char(p, 'YYYY_MM'));
        IF to_regclass('chargeback.' || name) IS NULL THEN
            PERFORM pg_advisory_xact_lock(hashtextextended('chargeback.usage partition ' || name, 0));
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

-- Partitions made by 0.1.0 keep their indexes: detached, they become their own, and the
-- parent's are dropped before the partitions are attached again.
DO $$
DECLARE
    parts text[];
    bounds text[];
    i integer;
BEGIN
    SELECT array_agg(c.oid::regclass::text ORDER BY c.relname), array_agg(pg_get_expr(c.relpartbound, c.oid) ORDER BY c.relname)
      INTO parts, bounds
      FROM pg_inherits h JOIN pg_class c ON c.oid = h.inhrelid
     WHERE h.inhparent = 'chargeback.usage'::regclass;
    FOR i IN 1 .. coalesce(cardinality(parts), 0) LOOP
        EXECUTE format('ALTER TABLE chargeback.usage DETACH PARTITION %s', parts[i]);
    END LOOP;
    ALTER TABLE chargeback.usage DROP CONSTRAINT usage_pkey;
    DROP INDEX chargeback.usage_occurred_idx;
    FOR i IN 1 .. coalesce(cardinality(parts), 0) LOOP
        EXECUTE format('ALTER TABLE chargeback.usage ATTACH PARTITION %s %s', parts[i], bounds[i]);
    END LOOP;
END
$$;

-- Final runs ----------------------------------------------------------------------------

-- A final run's lines are frozen, but a restore loads them after their run (its status
-- already 'final'). Lines may go into a final run only whole: in one statement, into a run
-- that had none, exactly as many as the run records (allocation_run.lines) and summing to its
-- total. Anything else is refused as before (SQLSTATE CB003). The body keeps 0.1.0's line
-- numbers, which error CONTEXT lines show (expected/allocation.out).
CREATE OR REPLACE FUNCTION chargeback.allocation_frozen() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, chargeback
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
        SELECT min(r.run_id) INTO run FROM chargeback.allocation_run r JOIN (SELECT l.run_id, count(*) AS n, sum(l.amount) AS amount FROM new_lines l GROUP BY 1) n USING (run_id)
         WHERE r.status = 'final' AND NOT (n.n = r.lines
                                           -- a checksum of the whole set: what the run's currencies sum to together
                                           AND n.amount = (SELECT sum((t.v ->> 'total')::numeric) FROM jsonb_each(r.totals) t(k, v))
                                           AND (SELECT count(*) FROM chargeback.allocation_line x WHERE x.run_id = r.run_id) = r.lines);
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

-- Holds ---------------------------------------------------------------------------------

-- A settled or expired hold holds nothing, so it is not checked against its budget: a
-- restore loads past holds of a block budget that its restored spend may already exceed.
-- reservation_before_insert() says so in 40_budget_hold_snapshot.sql.
-- reprice() (0.2.0) is serialized with close_period(): 0.1.0 could re-price rows of a month
-- whose close was running, so the final run billed the old cost while usage showed the new
-- one (test/isolation/specs/reprice_close_race.spec).
CREATE OR REPLACE FUNCTION chargeback.reprice(since timestamptz, until timestamptz) RETURNS bigint
LANGUAGE plpgsql
SET search_path = pg_catalog, chargeback
AS $$
DECLARE
    changed bigint;
BEGIN
    -- A month being closed must not change under its final run: hold the open periods FOR
    -- SHARE until commit (close_period() takes its row FOR UPDATE, so it waits for this, and
    -- this waits for a close in flight). The UPDATE below is a new statement, so under READ
    -- COMMITTED its snapshot sees a close that committed while this one waited.
    -- Rows of [since, until) are booked into their own month or a later one; a month before
    -- is held too, in case chargeback.timezone has changed since they were booked.
    PERFORM 1 FROM chargeback.period c
     WHERE c.status = 'open' AND c.period >= (chargeback.period_of(reprice.since) - interval '1 month')::date
     ORDER BY c.period FOR SHARE;
    WITH fresh AS (
        SELECT u.usage_id, u.period,
               chargeback.price_id_for(u.provider, u.model, u.occurred_at, u.service_tier,
                                       chargeback.prompt_tokens(u.tokens)) AS price_id
        FROM chargeback.usage u
        WHERE u.occurred_at >= reprice.since AND u.occurred_at < reprice.until
          -- closed months are frozen: their final run already billed these rows
          AND NOT EXISTS (SELECT 1 FROM chargeback.period c WHERE c.period = u.period AND c.status = 'closed')
    ), priced AS (
        SELECT f.usage_id, f.period, f.price_id, p.rates
        FROM fresh f LEFT JOIN chargeback.price p ON p.price_id = f.price_id
    )
    UPDATE chargeback.usage u
       SET price_id = q.price_id,
           list_cost = chargeback.cost(u.tokens, q.rates),
           cost = chargeback.cost(u.tokens, q.rates),
           currency = chargeback.currency(q.rates),
           status = CASE WHEN q.price_id IS NULL THEN 'unpriced' ELSE 'priced' END
      FROM priced q
     WHERE u.usage_id = q.usage_id AND u.period = q.period
       AND (u.price_id IS DISTINCT FROM q.price_id OR u.list_cost IS DISTINCT FROM chargeback.cost(u.tokens, q.rates));
    GET DIAGNOSTICS changed = ROW_COUNT;
    RETURN changed;
END
$$;
-- Holds on a block budget: spend and open holds are read in one statement, so with one
-- snapshot. 0.1.0 read them in two; an ingest that committed in between (adding its cost
-- to the spend and settling its hold) was then counted in neither, and the new hold could
-- take the budget past its amount by up to that request's cost (found by test/t/007_load.pl:
-- 2.0034 of 2.00). A settled or expired hold holds nothing, so it is not checked against
-- its budget: a restore loads past holds of a block budget that its restored spend may
-- already exceed (test/t/005_dump_restore.pl), and so does a restore (chargeback.restoring)
-- with open ones.
-- No open hold outlives chargeback.max_hold_ttl (default 1 hour, a superuser setting): the
-- ingest role could otherwise tie up a block budget with a long ttl.
CREATE FUNCTION chargeback.max_hold_ttl() RETURNS interval
    AS 'MODULE_PATHNAME', 'cb_max_hold_ttl' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION chargeback.max_hold_ttl() IS 'the chargeback.max_hold_ttl setting: the longest an open hold may last';

CREATE OR REPLACE FUNCTION chargeback.reservation_before_insert() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, chargeback
AS $$
DECLARE
    b chargeback.budget;
    longest interval;
    restoring boolean;
    spent numeric;
    held numeric;
BEGIN
    SELECT * INTO b FROM chargeback.budget WHERE budget_id = NEW.budget_id;
    NEW.period_start := coalesce(NEW.period_start, chargeback.budget_period_start(b.period, now()));
    -- (A restore loads holds as they were made, under whatever limit held then.)
    -- max_hold_ttl() first: it loads the module, which refuses a chargeback.restoring that a
    -- non-superuser set before it loaded.
    longest := chargeback.max_hold_ttl();
    restoring := coalesce(current_setting('chargeback.restoring', true), 'off') = 'on';
    IF NEW.settled_at IS NULL AND NEW.expires_at > now() + longest AND NOT restoring THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
            MESSAGE = format('a hold until %s is longer than chargeback.max_hold_ttl (%s)', NEW.expires_at, longest),
            HINT = 'ask for a shorter ttl; a superuser can raise chargeback.max_hold_ttl';
    END IF;
    -- A restore loads open holds as they were made too: recorded usage may have taken the
    -- budget's spend past what they allowed since.
    IF restoring OR b.enforcement <> 'block' OR NEW.settled_at IS NOT NULL OR NEW.expires_at <= now() THEN
        RETURN NEW;
    END IF;
    IF current_setting('transaction_isolation') <> 'read committed' THEN
        RAISE EXCEPTION USING ERRCODE = 'CB002',
            MESSAGE = 'holds on a block budget need READ COMMITTED isolation',
            HINT = 'call chargeback.authorize() outside REPEATABLE READ and SERIALIZABLE transactions';
    END IF;
    PERFORM pg_advisory_xact_lock(hashtext('chargeback.budget'), NEW.budget_id::integer);
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
-- Budget spend (0.2.0): the trigger on chargeback.usage is C (src/pg/budget_spend.cpp). It
-- matches a statement's rows to budgets in one pass over its transition tables and sums them
-- per (budget, day); this function adds those sums and raises the events. 0.1.0 joined every
-- row to the budget table once per scope, in a query built with EXECUTE for every statement.
CREATE FUNCTION chargeback.budget_apply_spend(p_budget bigint[], p_day date[], p_delta numeric[]) RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, chargeback
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
        PERFORM pg_notify('chargeback_budget', json_build_object(
            'event', 'threshold', 'budget_id', ev.budget_id, 'budget', ev.name, 'period_start', ev.period_start,
            'threshold', ev.threshold, 'spend', ev.spend, 'amount', ev.amount, 'currency', ev.currency)::text);
    END LOOP;

    -- A projected overrun of the current period (week or longer), once per period.
    FOR ev IN
        WITH cur AS (
            SELECT b.budget_id, b.amount, b.period, chargeback.budget_period_start(b.period, now()) AS ps
            FROM chargeback.budget b
            WHERE b.budget_id = ANY (touched)
              AND b.period <> 'day' AND b.valid_from <= now() AND (b.valid_to IS NULL OR b.valid_to > now())
              AND NOT EXISTS (SELECT 1 FROM chargeback.budget_event e WHERE e.budget_id = b.budget_id
                              AND e.kind = 'forecast' AND e.period_start = chargeback.budget_period_start(b.period, now()))),
        projected AS (
            SELECT cur.*, chargeback.budget_spent(cur.budget_id, cur.ps) AS spend,
                   (SELECT (chargeback.forecast(d.day, d.spend, chargeback.budget_period_end(cur.period, cur.ps))->>'projected')::numeric
                    FROM chargeback.budget_spend d
                    WHERE d.budget_id = cur.budget_id AND d.day BETWEEN cur.ps AND chargeback.budget_period_end(cur.period, cur.ps)) AS forecast
            FROM cur),
        made AS (
            INSERT INTO chargeback.budget_event (budget_id, period_start, kind, threshold, spend, amount, forecast)
            SELECT p.budget_id, p.ps, 'forecast', 1, p.spend, p.amount, p.forecast
            FROM projected p WHERE p.forecast > p.amount
            ON CONFLICT DO NOTHING
            RETURNING *)
        SELECT m.*, b.name, b.currency FROM made m JOIN chargeback.budget b USING (budget_id)
    LOOP
        PERFORM pg_notify('chargeback_budget', json_build_object(
            'event', 'forecast', 'budget_id', ev.budget_id, 'budget', ev.name, 'period_start', ev.period_start,
            'forecast', ev.forecast, 'spend', ev.spend, 'amount', ev.amount, 'currency', ev.currency)::text);
    END LOOP;
END
$$;
COMMENT ON FUNCTION chargeback.budget_apply_spend(bigint[], date[], numeric[]) IS
    'internal: adds spend per (budget, day), in that order, and records the thresholds and forecast overruns it crosses';

CREATE OR REPLACE FUNCTION chargeback.usage_budget_sync() RETURNS trigger
    AS 'MODULE_PATHNAME', 'cb_usage_budget_sync' LANGUAGE C;
COMMENT ON FUNCTION chargeback.usage_budget_sync() IS
    'trigger: keeps budget_spend current as usage is inserted, re-priced or removed (one pass a statement)';

-- Holds are settled by the usage that answers them, matched on request_id or
-- attrs.reservation_id; its own trigger since the budget trigger became C.
CREATE FUNCTION chargeback.usage_settle_holds() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, chargeback
AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM chargeback.reservation WHERE settled_at IS NULL) THEN
        UPDATE chargeback.reservation r SET settled_at = now(), settled_usage_id = n.usage_id
        FROM new_rows n WHERE r.settled_at IS NULL AND n.request_id IS NOT NULL AND r.request_id = n.request_id;
        UPDATE chargeback.reservation r SET settled_at = now(), settled_usage_id = n.usage_id
        FROM new_rows n WHERE r.settled_at IS NULL AND n.attrs ? 'reservation_id'
          AND (n.attrs->>'reservation_id') ~ '^[0-9]{1,18}$' AND r.reservation_id = (n.attrs->>'reservation_id')::bigint;
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER usage_settle_holds_insert AFTER INSERT ON chargeback.usage
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION chargeback.usage_settle_holds();
CREATE TRIGGER usage_settle_holds_update AFTER UPDATE ON chargeback.usage
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION chargeback.usage_settle_holds();

-- The budget trigger caches the budgets per backend; a change to them or to the units they
-- cover reloads it.
CREATE TRIGGER budget_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON chargeback.budget
    FOR EACH STATEMENT EXECUTE FUNCTION chargeback.catalog_changed();
CREATE TRIGGER budget_unit_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON chargeback.budget_unit
    FOR EACH STATEMENT EXECUTE FUNCTION chargeback.catalog_changed();
-- A new or changed budget (0.2.0) locks usage against concurrent ingestion while it counts
-- what is already recorded, so that no request is missed between the two; 0.1.0 could miss
-- usage recorded while the budget was being created (test/isolation/specs/budget_cache.spec).
CREATE OR REPLACE FUNCTION chargeback.budget_backfill() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, chargeback
AS $$
DECLARE
    tz text := coalesce(nullif(current_setting('chargeback.timezone', true), ''), 'UTC');
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
    SELECT NEW.budget_id, (u.occurred_at AT TIME ZONE tz)::date, sum(u.cost)
    FROM chargeback.usage u
    WHERE u.cost IS NOT NULL
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
-- A run's header per currency (0.2.0). The allocation engine runs each currency on its own,
-- so a month with, say, USD invoices and an EUR fixed charge has lines in both; 0.1.0's
-- header added them into one metered, fixed and total. Now `totals` holds them per
-- currency, and metered, fixed and total are filled only when there is one currency. (No
-- `currency` column: queries joining runs to their lines name the lines' currency unqualified.)
ALTER TABLE chargeback.allocation_run
    ADD COLUMN totals jsonb NOT NULL DEFAULT '{}',
    ALTER COLUMN metered DROP NOT NULL,
    ALTER COLUMN fixed DROP NOT NULL,
    ALTER COLUMN total DROP NOT NULL;
COMMENT ON COLUMN chargeback.allocation_run.totals IS 'per currency: metered cost, fixed charges, what the lines sum to, and how many lines, e.g. {"USD": {"metered": 70.5, "fixed": 5, "total": 76, "lines": 12}}';
COMMENT ON COLUMN chargeback.allocation_run.metered IS 'metered cost of the period when the run has one currency (NULL otherwise: see totals)';
COMMENT ON COLUMN chargeback.allocation_run.fixed IS 'fixed charges of the period when the run has one currency (NULL otherwise: see totals)';
COMMENT ON COLUMN chargeback.allocation_run.total IS 'what the lines sum to (invoices where recorded, else metered cost plus fixed charges) when the run has one currency (NULL otherwise: see totals)';

-- Runs written before the upgrade: their lines give each currency's total (and a run in one
-- currency keeps its metered and fixed); a run with more than one loses the sums that mixed
-- them. (Final runs are frozen against changes;
-- this one is the upgrade's own.)
ALTER TABLE chargeback.allocation_run DISABLE TRIGGER allocation_run_frozen;
UPDATE chargeback.allocation_run r
   SET metered = CASE WHEN h.currencies <= 1 THEN r.metered END,
       fixed = CASE WHEN h.currencies <= 1 THEN r.fixed END,
       total = CASE WHEN h.currencies <= 1 THEN r.total END,
       totals = CASE WHEN h.currencies = 1
                     THEN jsonb_build_object(h.currency, h.totals -> h.currency || jsonb_build_object('metered', r.metered, 'fixed', r.fixed))
                     ELSE h.totals END
  FROM (SELECT x.run_id, count(*) AS currencies, min(x.currency) AS currency,
               jsonb_object_agg(x.currency, jsonb_build_object('total', x.total, 'lines', x.lines)) AS totals
          FROM (SELECT l.run_id, l.currency, sum(l.amount) AS total, count(*) AS lines
                  FROM chargeback.allocation_line l GROUP BY 1, 2) x
         GROUP BY x.run_id) h
 WHERE h.run_id = r.run_id;
ALTER TABLE chargeback.allocation_run ENABLE TRIGGER allocation_run_frozen;

CREATE OR REPLACE FUNCTION chargeback.allocation_write(period date, model text, final boolean) RETURNS bigint
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, chargeback
AS $$
DECLARE
    p date := allocation_write.period;
    run bigint;
    doc jsonb;
BEGIN
    IF allocation_write.model IS NULL OR allocation_write.model NOT IN ('central', 'department', 'activity') THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
            MESSAGE = format('unknown allocation model %L', allocation_write.model),
            HINT = 'models: central, department, activity';
    END IF;
    doc := chargeback.allocation_input(p, allocation_write.model);
    INSERT INTO chargeback.allocation_run (period, model, status)
    VALUES (p, allocation_write.model, 'draft') RETURNING run_id INTO run;
    INSERT INTO chargeback.allocation_line (run_id, period, org_unit_id, project, activity_type, component,
                                           source, amount, currency, basis)
    SELECT run, p, l.org_unit_id, l.project, l.activity_type, l.component, l.source, l.amount, l.currency, l.basis
      FROM chargeback.allocation_compute(doc) l;
    -- The header per currency (the engine runs each currency on its own; no currency is
    -- added to another): totals has one entry per currency, and metered, fixed and total are
    -- filled when the run has a single currency.
    WITH parts AS (
        SELECT c->>'currency' AS currency, (c->>'cost')::numeric AS metered,
               0::numeric AS fixed, 0::numeric AS total, 0 AS lines
          FROM jsonb_array_elements(doc->'costs') c
        UNION ALL
        SELECT f->>'currency', 0, (f->>'amount')::numeric, 0, 0
          FROM jsonb_array_elements(doc->'fixed') f
        UNION ALL
        SELECT l.currency, 0, 0, l.amount, 1 FROM chargeback.allocation_line l WHERE l.run_id = run),
    per_currency AS (
        SELECT p.currency, sum(p.metered) AS metered, sum(p.fixed) AS fixed, sum(p.total) AS total,
               sum(p.lines)::integer AS lines
          FROM parts p GROUP BY p.currency),
    header AS (
        SELECT count(*) AS currencies,
               coalesce(sum(c.metered), 0) AS metered, coalesce(sum(c.fixed), 0) AS fixed,
               coalesce(sum(c.total), 0) AS total, coalesce(sum(c.lines), 0)::integer AS lines,
               coalesce(jsonb_object_agg(c.currency, jsonb_build_object('metered', c.metered, 'fixed', c.fixed,
                                                                        'total', c.total, 'lines', c.lines)), '{}') AS totals
          FROM per_currency c)
    UPDATE chargeback.allocation_run r
       SET metered = CASE WHEN h.currencies <= 1 THEN h.metered END,
           fixed = CASE WHEN h.currencies <= 1 THEN h.fixed END,
           total = CASE WHEN h.currencies <= 1 THEN h.total END,
           lines = h.lines,
           totals = h.totals,
           status = CASE WHEN final THEN 'final' ELSE 'draft' END
      FROM header h
     WHERE r.run_id = run;
    RETURN run;
END
$$;

-- The showback statement: statement_html(period, org_unit) gathers everything a department
-- leader's page needs with SQL, from the reporting views and tables only (SECURITY INVOKER,
-- so under row-level security the page shows only what the caller may see), and hands one
-- jsonb document to the C++ renderer (src/core/statement_html.cpp). Every sum, change and
-- percentage is computed here in numeric and passed as text: the renderer prints amounts
-- exactly as given and only sizes the charts from them.

-- The renderer: a pure function of the document (see src/core/statement_html.hpp).
CREATE FUNCTION chargeback.render_statement(doc jsonb) RETURNS text
    AS 'MODULE_PATHNAME', 'cb_render_statement' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION chargeback.render_statement(jsonb) IS
    'renders a statement_data() document as a self-contained HTML page with inline SVG charts (no script, no external resource)';

-- The document: the unit and its descendants, their month's spend by project and by model
-- (the 12 largest, the rest folded into one row), every day of the month, the month-end
-- forecast, their month/quarter/year budgets, cost per outcome, and the latest allocation run.
CREATE FUNCTION chargeback.statement_data(period date, org_unit text) RETURNS jsonb
LANGUAGE plpgsql STABLE PARALLEL SAFE STRICT
SET search_path = pg_catalog, chargeback
AS $$
DECLARE
    tz text := coalesce(nullif(current_setting('chargeback.timezone', true), ''), 'UTC');
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
        -- Missing days count as no spend: the forecast starts on the first of the month.
        'forecast', CASE WHEN as_of < p_end AND last_day IS NOT NULL THEN
                        -- The band is an estimate: to the cent is plenty (the projection stays exact).
                        (SELECT jsonb_build_object('projected', f->>'projected', 'low', round((f->>'low')::numeric, 2)::text,
                                                   'high', round((f->>'high')::numeric, 2)::text)
                         FROM (SELECT chargeback.forecast(d.day, d.cost, p_end) AS f FROM days d WHERE d.day <= as_of) x)
                    END,
        'budgets', (SELECT coalesce(jsonb_agg(jsonb_build_object(
                               'name', b.name, 'scope_value', b.scope_value, 'period', b.period,
                               'period_start', b.ps, 'period_end', b.pe, 'amount', b.amount::text, 'currency', b.currency,
                               'spend', b.spend::text,
                               'pct_used', CASE WHEN b.amount > 0 THEN round(100 * b.spend / b.amount, 1)::text END,
                               'forecast', b.forecast::text,
                               -- the states of chargeback.budget_status
                               'state', CASE WHEN b.spend > b.amount THEN 'over'
                                             WHEN b.forecast > b.amount THEN 'forecast_over'
                                             WHEN b.spend >= b.thresholds[1] * b.amount THEN 'warning'
                                             ELSE 'ok' END)
                           ORDER BY b.name), '[]')
                    FROM (SELECT bb.*, bs.spend,
                                 coalesce(bf.forecast, bs.spend) AS forecast
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
                          LEFT JOIN LATERAL (SELECT (chargeback.forecast(g.day::date, coalesce(s.spend, 0), bb.pe)->>'projected')::numeric AS forecast
                                             FROM generate_series(bb.ps, ba.as_of, interval '1 day') g(day)
                                             LEFT JOIN chargeback.budget_spend s ON s.budget_id = bb.budget_id AND s.day = g.day::date
                                             WHERE ba.as_of < bb.pe AND bl.last_day IS NOT NULL) bf ON true) b),
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
COMMENT ON FUNCTION chargeback.statement_data(date, text) IS
    'the document chargeback.statement_html() renders: a unit''s (and its descendants'') month from the showback views, budgets, unit_costs and the latest allocation run';

CREATE FUNCTION chargeback.statement_html(period date, org_unit text) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE STRICT
SET search_path = pg_catalog, chargeback
AS $$ SELECT chargeback.render_statement(chargeback.statement_data(statement_html.period, statement_html.org_unit)) $$;
COMMENT ON FUNCTION chargeback.statement_html(date, text) IS
    'a self-contained HTML showback statement of an org unit and its descendants for the month containing period: total and change, spend by project and model, daily trend with forecast, budgets, cost per outcome and the latest allocation run, with inline SVG charts; security invoker (reads only what the caller may read); unknown org unit: 22023';
-- Access (README "Security"): the four roles of pg_chargeback.
--   chargeback_admin    changes the catalog, the organisation, rules, budgets, allocation
--                       inputs and periods, and runs allocations; member of chargeback_analyst
--                       (an admin reads what it changes)
--   chargeback_ingest   records usage and asks for holds: ingest(), authorize(), COPY into
--                       usage_inbox; reads nothing
--   chargeback_analyst  reads everything
--   chargeback_viewer   reads the reports of the org units it is scoped to (grant_view()),
--                       through row-level security
-- Roles belong to the cluster, not to a database or the extension: they are made here only
-- when missing (another database may have made them), NOLOGIN, and stay when the extension
-- is dropped. Existing roles of these names are used as they are. Privileges are granted in
-- 89_privileges.sql, once every object exists.
DO $$
DECLARE
    r text;
    comments text[] := ARRAY[
        'pg_chargeback: changes prices, org units, memberships, rules, budgets, allocation inputs and periods; runs allocations (member of chargeback_analyst)',
        'pg_chargeback: ingests usage and authorizes requests (ingest(), authorize(), COPY into usage_inbox); reads nothing',
        'pg_chargeback: reads everything',
        'pg_chargeback: reads the usage, reports and budgets of the org units it is scoped to (chargeback.grant_view)'];
    i integer := 0;
BEGIN
    FOREACH r IN ARRAY ARRAY['chargeback_admin', 'chargeback_ingest', 'chargeback_analyst', 'chargeback_viewer'] LOOP
        i := i + 1;
        IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = r) THEN
            EXECUTE format('CREATE ROLE %I NOLOGIN', r);
            EXECUTE format('COMMENT ON ROLE %I IS %L', r, comments[i]);
        END IF;
    END LOOP;
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_auth_members m
                   WHERE m.roleid = 'chargeback_analyst'::regrole AND m.member = 'chargeback_admin'::regrole) THEN
        GRANT chargeback_analyst TO chargeback_admin;
    END IF;
END
$$;
-- Row-level security: a viewer sees the org units it is scoped to and their descendants;
-- analysts and admins see everything. Superusers and the tables' owner (the extension's
-- definer functions run as it) are not subject to row security.

-- Which role may see which org unit (and everything below it).
CREATE TABLE chargeback.view_grant (
    role regrole NOT NULL,
    org_unit_id integer NOT NULL REFERENCES chargeback.org_unit (org_unit_id) ON DELETE CASCADE,
    granted_at timestamptz NOT NULL DEFAULT now(),
    granted_by text NOT NULL DEFAULT session_user,
    PRIMARY KEY (role, org_unit_id)
);
COMMENT ON TABLE chargeback.view_grant IS
    'viewer scopes made by chargeback.grant_view(): members of role see the org unit and its descendants';
COMMENT ON COLUMN chargeback.view_grant.role IS
    'the role (by OID, as PostgreSQL''s own grants: a role created later under a dropped role''s name gets nothing); every role that has its privileges (pg_has_role USAGE) gets the scope';

-- True for members of chargeback_analyst (admins are members too): no row filter.
CREATE FUNCTION chargeback.sees_all() RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, chargeback, pg_temp
AS $$
    SELECT pg_catalog.pg_has_role('chargeback_analyst', 'USAGE')
$$;
COMMENT ON FUNCTION chargeback.sees_all() IS
    'true when the current role reads every org unit (chargeback_analyst, which chargeback_admin is a member of)';

-- The org units the current role may read: everything for analysts, else the units of its
-- grants (to itself or to any role whose privileges it has) and their descendants. Security
-- invoker on purpose: it must see the calling role (current_user is the owner inside a
-- SECURITY DEFINER function); it reads view_grant (whose policy shows a role its own rows)
-- and org_unit. Policies call it in an uncorrelated subquery, so it runs once per query.
CREATE FUNCTION chargeback.visible_org_units() RETURNS integer[]
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, chargeback, pg_temp
AS $$
    SELECT CASE WHEN chargeback.sees_all()
                THEN (SELECT coalesce(array_agg(u.org_unit_id ORDER BY u.org_unit_id), '{}') FROM chargeback.org_unit u)
                ELSE (SELECT coalesce(array_agg(DISTINCT d ORDER BY d), '{}')
                      FROM chargeback.view_grant g
                      CROSS JOIN LATERAL chargeback.org_unit_descendants(g.org_unit_id) d
                      WHERE pg_catalog.pg_has_role(g.role::oid, 'USAGE'))
           END
$$;
COMMENT ON FUNCTION chargeback.visible_org_units() IS
    'org_unit_ids the current role may read: all for analysts and admins, else the units granted by grant_view() and their descendants';

-- The budgets the current role may read (budget's own policy decides; see below).
CREATE FUNCTION chargeback.visible_budgets() RETURNS bigint[]
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, chargeback, pg_temp
AS $$
    SELECT coalesce(array_agg(b.budget_id ORDER BY b.budget_id), '{}') FROM chargeback.budget b
$$;
COMMENT ON FUNCTION chargeback.visible_budgets() IS
    'budget_ids the current role may read: all for analysts and admins, else the org_unit budgets of units it may read';

-- grant_view: scopes a role to an org unit and its descendants.
CREATE FUNCTION chargeback.grant_view(role name, org_unit text) RETURNS integer
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, chargeback, pg_temp
AS $$
DECLARE
    unit integer;
    n integer;
BEGIN
    IF grant_view.role IS NULL OR NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles r WHERE r.rolname = grant_view.role) THEN
        RAISE EXCEPTION USING ERRCODE = 'undefined_object',
            MESSAGE = format('role %s does not exist', coalesce(quote_ident(grant_view.role), 'NULL')),
            HINT = 'role names are case-sensitive here; create the role first, e.g. CREATE ROLE marketing_viewers NOLOGIN IN ROLE chargeback_viewer';
    END IF;
    SELECT u.org_unit_id INTO unit FROM chargeback.org_unit u WHERE lower(u.code) = lower(grant_view.org_unit);
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
            MESSAGE = format('unknown org unit %s', coalesce(quote_literal(grant_view.org_unit), 'NULL')),
            HINT = 'give the code of a chargeback.org_unit (matched case-insensitively)';
    END IF;
    INSERT INTO chargeback.view_grant (role, org_unit_id)
    SELECT r.oid::regrole, unit FROM pg_catalog.pg_roles r WHERE r.rolname = grant_view.role ON CONFLICT DO NOTHING;
    IF NOT pg_catalog.pg_has_role(grant_view.role, 'chargeback_viewer', 'USAGE')
       AND NOT pg_catalog.pg_has_role(grant_view.role, 'chargeback_analyst', 'USAGE') THEN
        RAISE NOTICE USING
            MESSAGE = format('role %s is scoped to %s but has no privileges of chargeback_viewer', quote_ident(grant_view.role),
                             grant_view.org_unit),
            HINT = format('GRANT chargeback_viewer TO %s; lets it read the reports', quote_ident(grant_view.role));
    END IF;
    SELECT count(*) INTO n FROM chargeback.org_unit_descendants(unit);
    RETURN n;
END
$$;
COMMENT ON FUNCTION chargeback.grant_view(name, text) IS
    'scopes a role (and every role with its privileges) to an org unit and its descendants; returns how many units that is';

-- revoke_view: removes a scope (every scope of the role when org_unit is NULL).
CREATE FUNCTION chargeback.revoke_view(role name, org_unit text DEFAULT NULL) RETURNS integer
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, chargeback, pg_temp
AS $$
DECLARE
    n integer;
BEGIN
    IF revoke_view.org_unit IS NOT NULL
       AND NOT EXISTS (SELECT 1 FROM chargeback.org_unit u WHERE lower(u.code) = lower(revoke_view.org_unit)) THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
            MESSAGE = format('unknown org unit %s', quote_literal(revoke_view.org_unit)),
            HINT = 'give the code of a chargeback.org_unit (matched case-insensitively), or NULL for every scope of the role';
    END IF;
    DELETE FROM chargeback.view_grant g
     WHERE g.role::oid = (SELECT r.oid FROM pg_catalog.pg_roles r WHERE r.rolname = revoke_view.role)
       AND (revoke_view.org_unit IS NULL
            OR g.org_unit_id = (SELECT u.org_unit_id FROM chargeback.org_unit u WHERE lower(u.code) = lower(revoke_view.org_unit)));
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END
$$;
COMMENT ON FUNCTION chargeback.revoke_view(name, text) IS
    'removes the scope of a role on an org unit (all its scopes when org_unit is NULL); returns the grants removed';

-- The policies. Reading: analysts see every row, others the rows of their units. Both
-- functions sit in uncorrelated subqueries, so each runs once per query (an InitPlan) and
-- a row costs one array lookup; for analysts the first operand short-circuits the test.
-- Writing: only admins, and only where they write as themselves (allocation lines through
-- run_allocation() and close_period(), outcomes, budgets, scopes); usage, its rollup and
-- the budget bookkeeping are written only by the owner (ingest, authorize, reprice and the
-- maintenance triggers are SECURITY DEFINER), which row security does not apply to.
ALTER TABLE chargeback.usage ENABLE ROW LEVEL SECURITY;
CREATE POLICY usage_read ON chargeback.usage FOR SELECT
    USING ((SELECT chargeback.sees_all()) OR org_unit_id = ANY ((SELECT chargeback.visible_org_units())::integer[]));

ALTER TABLE chargeback.daily_rollup ENABLE ROW LEVEL SECURITY;
CREATE POLICY daily_rollup_read ON chargeback.daily_rollup FOR SELECT
    USING ((SELECT chargeback.sees_all()) OR org_unit_id = ANY ((SELECT chargeback.visible_org_units())::integer[]));

ALTER TABLE chargeback.allocation_line ENABLE ROW LEVEL SECURITY;
CREATE POLICY allocation_line_read ON chargeback.allocation_line FOR SELECT
    USING ((SELECT chargeback.sees_all()) OR org_unit_id = ANY ((SELECT chargeback.visible_org_units())::integer[]));
CREATE POLICY allocation_line_admin ON chargeback.allocation_line TO chargeback_admin USING (true) WITH CHECK (true);

ALTER TABLE chargeback.activity_outcome ENABLE ROW LEVEL SECURITY;
CREATE POLICY activity_outcome_read ON chargeback.activity_outcome FOR SELECT
    USING ((SELECT chargeback.sees_all()) OR org_unit_id = ANY ((SELECT chargeback.visible_org_units())::integer[]));
CREATE POLICY activity_outcome_admin ON chargeback.activity_outcome TO chargeback_admin USING (true) WITH CHECK (true);

-- A viewer sees the org_unit budgets of its units (not global, project, principal, provider
-- or model budgets, nor the budget of a parent unit: those count other units' spend).
ALTER TABLE chargeback.budget ENABLE ROW LEVEL SECURITY;
CREATE POLICY budget_read ON chargeback.budget FOR SELECT
    USING ((SELECT chargeback.sees_all())
           OR (scope = 'org_unit'
               AND EXISTS (SELECT 1 FROM chargeback.org_unit u
                           WHERE lower(u.code) = lower(budget.scope_value)
                             AND u.org_unit_id = ANY ((SELECT chargeback.visible_org_units())::integer[]))));
CREATE POLICY budget_admin ON chargeback.budget TO chargeback_admin USING (true) WITH CHECK (true);

-- Spend, events and holds follow their budget.
ALTER TABLE chargeback.budget_spend ENABLE ROW LEVEL SECURITY;
CREATE POLICY budget_spend_read ON chargeback.budget_spend FOR SELECT
    USING ((SELECT chargeback.sees_all()) OR budget_id = ANY ((SELECT chargeback.visible_budgets())::bigint[]));
ALTER TABLE chargeback.budget_event ENABLE ROW LEVEL SECURITY;
CREATE POLICY budget_event_read ON chargeback.budget_event FOR SELECT
    USING ((SELECT chargeback.sees_all()) OR budget_id = ANY ((SELECT chargeback.visible_budgets())::bigint[]));
ALTER TABLE chargeback.reservation ENABLE ROW LEVEL SECURITY;
CREATE POLICY reservation_read ON chargeback.reservation FOR SELECT
    USING ((SELECT chargeback.sees_all()) OR budget_id = ANY ((SELECT chargeback.visible_budgets())::bigint[]));

-- Rejected input and dropped duplicates carry no trusted owner: analysts only (a viewer's
-- data_quality shows 0 for them).
ALTER TABLE chargeback.usage_rejected ENABLE ROW LEVEL SECURITY;
CREATE POLICY usage_rejected_read ON chargeback.usage_rejected FOR SELECT USING ((SELECT chargeback.sees_all()));
ALTER TABLE chargeback.usage_duplicate ENABLE ROW LEVEL SECURITY;
CREATE POLICY usage_duplicate_read ON chargeback.usage_duplicate FOR SELECT USING ((SELECT chargeback.sees_all()));

-- A role reads its own scopes (visible_org_units() reads them as the caller).
ALTER TABLE chargeback.view_grant ENABLE ROW LEVEL SECURITY;
CREATE POLICY view_grant_read ON chargeback.view_grant FOR SELECT
    USING ((SELECT chargeback.sees_all()) OR pg_catalog.pg_has_role(view_grant.role::oid, 'USAGE'));
CREATE POLICY view_grant_admin ON chargeback.view_grant TO chargeback_admin USING (true) WITH CHECK (true);

-- Views run with the rights of their owner in PostgreSQL 15, which row security does not
-- apply to: every view reads as its caller instead (the inbox views select nothing; an
-- INSERT into them runs the SECURITY DEFINER ingest triggers). A view added later is
-- caught by sql/security.sql.
DO $$
DECLARE
    v regclass;
BEGIN
    FOR v IN SELECT c.oid::regclass FROM pg_catalog.pg_class c
             WHERE c.relnamespace = 'chargeback'::regnamespace AND c.relkind = 'v'
               AND c.relname NOT IN ('usage_inbox', 'usage_inbox_text')
             ORDER BY c.relname
    LOOP
        EXECUTE format('ALTER VIEW %s SET (security_invoker = true)', v);
    END LOOP;
END
$$;

-- Kept by pg_dump (src/sql/0.2.0/10_dump.sql).
SELECT chargeback.dump_config('chargeback.view_grant');
-- The audit log: every change to prices, aliases, org units, memberships, ownership rules,
-- budgets, allocation rules, fixed charges, invoices, outcomes, periods and viewer scopes,
-- one row per changed row, written by statement-level triggers from their transition tables
-- (import_prices() and bulk loads write thousands of rows in few statements).

CREATE TABLE chargeback.audit_log (
    audit_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at timestamptz NOT NULL DEFAULT statement_timestamp(),
    actor text NOT NULL DEFAULT session_user,
    role text DEFAULT nullif(current_setting('role'), 'none'),
    object text NOT NULL,
    action text NOT NULL CHECK (action IN ('insert', 'update', 'delete', 'truncate')),
    old jsonb,
    new jsonb,
    xact xid8 NOT NULL DEFAULT pg_current_xact_id()
);
CREATE INDEX audit_log_object_idx ON chargeback.audit_log (object, at);
COMMENT ON TABLE chargeback.audit_log IS
    'who changed which catalog, organisation, rule, budget or period row, when, from what to what; only superusers can change or delete entries';
COMMENT ON COLUMN chargeback.audit_log.at IS 'start of the statement that made the change';
COMMENT ON COLUMN chargeback.audit_log.actor IS 'session_user: the role that logged in (SET ROLE and SECURITY DEFINER functions do not change it)';
COMMENT ON COLUMN chargeback.audit_log.role IS 'the role set with SET ROLE at the time, NULL when none';
COMMENT ON COLUMN chargeback.audit_log.object IS 'table changed: price, model_alias, org_unit, membership, ownership_rule, budget, allocation_rule, fixed_charge, invoice, activity_outcome, period, view_grant';
COMMENT ON COLUMN chargeback.audit_log.old IS 'the row before (update, delete), as jsonb';
COMMENT ON COLUMN chargeback.audit_log.new IS 'the row after (insert, update), as jsonb';
COMMENT ON COLUMN chargeback.audit_log.xact IS 'transaction that made the change (groups the rows of one change)';

-- One trigger function for every audited table; TG_ARGV holds the table's key columns, which
-- pair the old and new rows of an UPDATE (a row whose key changed is logged as an update
-- with only old or only new). Rows an UPDATE left unchanged are not logged. SECURITY
-- DEFINER: nobody else may write the log.
CREATE FUNCTION chargeback.audit_changes() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, chargeback, pg_temp
AS $$
DECLARE
    keys text[] := TG_ARGV;
BEGIN
    -- A restore (PGOPTIONS='-c chargeback.restoring=on' pg_restore ..., as a superuser) loads
    -- the audit log as it was dumped; logging the restored rows again would add entries and
    -- collide with the dumped ids (pg_dump sets sequences after the data).
    IF current_setting('chargeback.restoring', true) = 'on'
       AND (SELECT r.rolsuper FROM pg_catalog.pg_roles r WHERE r.rolname = session_user) THEN
        RETURN NULL;
    END IF;
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
COMMENT ON FUNCTION chargeback.audit_changes() IS
    'statement trigger: writes the changed rows of its table to chargeback.audit_log (arguments: the key columns)';

DO $$
DECLARE
    t record;
BEGIN
    FOR t IN SELECT * FROM (VALUES
        ('price', '''price_id'''), ('model_alias', '''alias_id'''), ('org_unit', '''org_unit_id'''),
        ('membership', '''membership_id'''), ('ownership_rule', '''rule_id'''), ('budget', '''budget_id'''),
        ('allocation_rule', '''rule_id'''), ('fixed_charge', '''fixed_charge_id'''),
        ('invoice', '''provider'', ''period'', ''currency'''),
        ('activity_outcome', '''period'', ''org_unit_id'', ''activity_type'''),
        ('period', '''period'''), ('view_grant', '''role'', ''org_unit_id''')) AS v (tab, keys)
    LOOP
        EXECUTE format('CREATE TRIGGER audit_insert AFTER INSERT ON chargeback.%I REFERENCING NEW TABLE AS new_rows '
                       'FOR EACH STATEMENT EXECUTE FUNCTION chargeback.audit_changes(%s)', t.tab, t.keys);
        EXECUTE format('CREATE TRIGGER audit_update AFTER UPDATE ON chargeback.%I REFERENCING OLD TABLE AS old_rows '
                       'NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION chargeback.audit_changes(%s)', t.tab, t.keys);
        EXECUTE format('CREATE TRIGGER audit_delete AFTER DELETE ON chargeback.%I REFERENCING OLD TABLE AS old_rows '
                       'FOR EACH STATEMENT EXECUTE FUNCTION chargeback.audit_changes(%s)', t.tab, t.keys);
        EXECUTE format('CREATE TRIGGER audit_truncate AFTER TRUNCATE ON chargeback.%I '
                       'FOR EACH STATEMENT EXECUTE FUNCTION chargeback.audit_changes()', t.tab);
    END LOOP;
END
$$;

-- The log cannot be changed, except by a superuser's own session (to purge old entries):
-- not by the owner's SECURITY DEFINER functions on behalf of others, not by any grant.
CREATE FUNCTION chargeback.audit_log_protect() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, chargeback, pg_temp
AS $$
BEGIN
    IF NOT coalesce((SELECT r.rolsuper FROM pg_catalog.pg_roles r WHERE r.rolname = session_user), false) THEN
        RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege',
            MESSAGE = format('chargeback.audit_log is append-only: %s is not allowed', lower(TG_OP)),
            HINT = 'only a superuser session can remove audit entries';
    END IF;
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END
$$;
CREATE TRIGGER audit_log_protect BEFORE UPDATE OR DELETE ON chargeback.audit_log
    FOR EACH ROW EXECUTE FUNCTION chargeback.audit_log_protect();
CREATE TRIGGER audit_log_protect_truncate BEFORE TRUNCATE ON chargeback.audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION chargeback.audit_log_protect();

-- Kept by pg_dump (src/sql/0.2.0/10_dump.sql); a restore sets chargeback.restoring (above).
SELECT chargeback.dump_config('chargeback.audit_log');
-- SECURITY DEFINER: the few entry points that must do more than their caller may. Each runs
-- as the extension's owner with a fixed search_path (pg_temp last, so no temporary object
-- can stand in for ours), takes no SQL text from the caller, and is executable only by the
-- roles named in 89_privileges.sql (trigger functions cannot be called directly at all).
-- sql/security.sql lists them and fails on one without a fixed search_path.

-- Ingestion for chargeback_ingest, which reads nothing: parse, price, attribute and write
-- usage, its rollup, budget spend and holds.
ALTER FUNCTION chargeback.ingest(jsonb, jsonb, text)
    SECURITY DEFINER SET search_path = pg_catalog, chargeback, pg_temp;
-- usage_inbox_insert, the row trigger, is not: it parses, prices and owns each row in C++,
-- and runs its few SQL statements (cache loads, batch writes) as the owner with this same
-- search_path itself (src/pg/owner_scope.hpp), instead of switching both for every row.
ALTER FUNCTION chargeback.usage_inbox_flush()
    SECURITY DEFINER SET search_path = pg_catalog, chargeback, pg_temp;
ALTER FUNCTION chargeback.authorize(jsonb, text, text, chargeback.token_usage, text, interval)
    SECURITY DEFINER SET search_path = pg_catalog, chargeback, pg_temp;

-- Admin acts on usage and its derived tables, which no role may write directly: re-pricing
-- (usage is a fact; only its price follows the catalog), rebuilding the rollup, making
-- partitions (needs the owner of chargeback.usage) and purging old holds.
ALTER FUNCTION chargeback.reprice(timestamptz, timestamptz)
    SECURITY DEFINER SET search_path = pg_catalog, chargeback, pg_temp;
ALTER FUNCTION chargeback.rebuild_daily_rollup()
    SECURITY DEFINER SET search_path = pg_catalog, chargeback, pg_temp;
ALTER FUNCTION chargeback.ensure_partitions(date, date)
    SECURITY DEFINER SET search_path = pg_catalog, chargeback, pg_temp;
ALTER FUNCTION chargeback.maintenance()
    SECURITY DEFINER SET search_path = pg_catalog, chargeback, pg_temp;

-- Triggers an admin's change of budgets and org units fires: they keep budget_unit and
-- budget_spend, which are derived and not writable by admins.
ALTER FUNCTION chargeback.refresh_budget_units()
    SECURITY DEFINER SET search_path = pg_catalog, chargeback, pg_temp;
ALTER FUNCTION chargeback.budget_backfill()
    SECURITY DEFINER SET search_path = pg_catalog, chargeback, pg_temp;
-- Privileges (README "Security" has the table of roles and rights). Runs after every object
-- of the release exists. Functions are executable by PUBLIC only when pure and harmless;
-- everything else is granted to the role that needs it.

GRANT USAGE ON SCHEMA chargeback TO PUBLIC;

-- Functions: nothing for PUBLIC, then the pure ones back (types and their I/O, operators,
-- casts and aggregates, cost(), parsers that store nothing, allocate() and allocate_agg(),
-- the allocation engine's pure computation, name normalization, calendar helpers, the
-- hold ttl setting).
REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA chargeback FROM PUBLIC;
DO $$
DECLARE
    f regprocedure;
BEGIN
    FOR f IN SELECT p.oid::regprocedure FROM pg_catalog.pg_proc p
             WHERE p.pronamespace = 'chargeback'::regnamespace
               AND (p.proname ~ '^token_(usage|rates)_' OR p.proname ~ '^allocate_agg'
                    OR p.proname IN ('sum', 'tokens', 'total_tokens', 'prompt_tokens', 'rate', 'currency',
                                     'numeric_mul_token_rates', 'is_currency', 'cost', 'normalize_provider',
                                     'normalize_service_tier', 'parse_usage', 'parse_price_catalog', 'valid_rule_match',
                                     'allocate', 'allocation_compute', 'forecast', 'forecast_accum', 'forecast_final',
                                     'period_of', 'day_of', 'budget_period_start', 'budget_period_end', 'focus_service',
                                     'max_hold_ttl'))
             ORDER BY p.oid::regprocedure::text
    LOOP
        EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO PUBLIC', f);
    END LOOP;
END
$$;

-- chargeback_ingest: records usage and asks for holds, reads nothing.
GRANT EXECUTE ON FUNCTION chargeback.ingest(jsonb, jsonb, text),
                          chargeback.authorize(jsonb, text, text, chargeback.token_usage, text, interval)
    TO chargeback_ingest;
GRANT INSERT ON chargeback.usage_inbox, chargeback.usage_inbox_text TO chargeback_ingest;

-- chargeback_viewer: the reports of its units. Views read as their caller, so the viewer
-- also reads the tables under them, filtered by row security; price and model_alias (the
-- catalog, which focus shows) and org_unit (names and cost centers that label the rows)
-- are reference data, not spend. Of a run it reads what the journal shows, not its totals.
GRANT SELECT ON chargeback.showback, chargeback.daily_spend, chargeback.unit_costs, chargeback.focus,
                chargeback.data_quality, chargeback.budget_status, chargeback.journal, chargeback.unpriced_usage
    TO chargeback_viewer;
GRANT SELECT ON chargeback.usage, chargeback.daily_rollup, chargeback.allocation_line, chargeback.activity_outcome,
                chargeback.budget, chargeback.budget_spend, chargeback.budget_event, chargeback.reservation,
                chargeback.usage_rejected, chargeback.usage_duplicate, chargeback.view_grant,
                chargeback.org_unit, chargeback.price, chargeback.model_alias, chargeback.period
    TO chargeback_viewer;
-- Of a run, what the journal and statements show: its identity, not its totals (the whole
-- company's).
GRANT SELECT (run_id, period, model, status, created_at) ON chargeback.allocation_run TO chargeback_viewer;
GRANT EXECUTE ON FUNCTION chargeback.sees_all(), chargeback.visible_org_units(), chargeback.visible_budgets(),
                          chargeback.org_unit_descendants(integer), chargeback.cost_center_of(integer),
                          chargeback.budget_spent(bigint, date), chargeback.budget_held(bigint, date),
                          chargeback.resolve_model(text, text)
    TO chargeback_viewer;

-- chargeback_analyst: reads everything (every table and view of the schema; usage through
-- chargeback.usage, not its partitions), and the lookups.
DO $$
DECLARE
    t regclass;
BEGIN
    FOR t IN SELECT c.oid::regclass FROM pg_catalog.pg_class c
             WHERE c.relnamespace = 'chargeback'::regnamespace AND c.relkind IN ('r', 'p', 'v') AND NOT c.relispartition
               AND c.relname NOT IN ('usage_inbox', 'usage_inbox_text')
             ORDER BY c.relname
    LOOP
        EXECUTE format('GRANT SELECT ON %s TO chargeback_analyst', t);
    END LOOP;
END
$$;
GRANT EXECUTE ON FUNCTION chargeback.sees_all(), chargeback.visible_org_units(), chargeback.visible_budgets(),
                          chargeback.org_unit_descendants(integer), chargeback.cost_center_of(integer),
                          chargeback.budget_spent(bigint, date), chargeback.budget_held(bigint, date),
                          chargeback.applicable_budgets(timestamptz, integer, text, text, text, text),
                          chargeback.explain(bigint),
                          chargeback.price_for(text, text, timestamptz, text, bigint),
                          chargeback.price_id_for(text, text, timestamptz, text, bigint),
                          chargeback.list_cost(text, text, timestamptz, text, chargeback.token_usage),
                          chargeback.resolve_model(text, text), chargeback.resolve_owner(jsonb, timestamptz),
                          chargeback.cache_stats(), chargeback.selftest_boundary(text)
    TO chargeback_analyst;

-- chargeback_admin (a member of chargeback_analyst): the catalog, the organisation, rules,
-- budgets, allocation inputs, periods and runs, viewer scopes. Usage, its rollup and the
-- budget bookkeeping are written only by the extension (ingest, reprice, triggers).
GRANT INSERT, UPDATE, DELETE ON chargeback.price, chargeback.model_alias, chargeback.org_unit, chargeback.membership,
                                chargeback.ownership_rule, chargeback.budget, chargeback.allocation_rule,
                                chargeback.fixed_charge, chargeback.invoice, chargeback.activity_outcome
    TO chargeback_admin;
GRANT INSERT, UPDATE ON chargeback.period TO chargeback_admin;
GRANT INSERT ON chargeback.period_event TO chargeback_admin;
GRANT INSERT, UPDATE, DELETE ON chargeback.allocation_run TO chargeback_admin;
GRANT INSERT ON chargeback.allocation_line TO chargeback_admin;
GRANT INSERT, DELETE ON chargeback.view_grant TO chargeback_admin;
GRANT EXECUTE ON FUNCTION chargeback.set_price(text, text, chargeback.token_rates, timestamptz, text, bigint, text),
                          chargeback.import_prices(jsonb, text, timestamptz),
                          chargeback.lock_price_key(text, text, text, bigint),
                          chargeback.move_member(text, text, timestamptz),
                          chargeback.lock_membership(text),
                          chargeback.reprice(timestamptz, timestamptz),
                          chargeback.run_allocation(date, text), chargeback.close_period(date, text),
                          chargeback.reopen_period(date, text), chargeback.lock_allocation(date),
                          chargeback.allocation_input(date, text), chargeback.allocation_write(date, text, boolean),
                          chargeback.rebuild_daily_rollup(), chargeback.ensure_partitions(date, date),
                          chargeback.maintenance(), chargeback.schedule_jobs(integer, text, text, text),
                          chargeback.unschedule_jobs(),
                          chargeback.grant_view(name, text), chargeback.revoke_view(name, text)
    TO chargeback_admin;

-- statement_html(period, org_unit) renders what its caller may read (SECURITY INVOKER over
-- the views above): for viewers and analysts.
GRANT EXECUTE ON FUNCTION chargeback.statement_html(date, text), chargeback.statement_data(date, text),
                          chargeback.render_statement(jsonb)
    TO chargeback_viewer, chargeback_analyst;
