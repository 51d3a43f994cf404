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
