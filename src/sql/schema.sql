-- pg_chargeback: exact LLM cost accounting, budgets and chargeback inside PostgreSQL.
-- pg_chargeback--<version>.sql is built from src/sql/*.sql by the Makefile, in the order
-- of SQL_SOURCES there; edit those files, not the result.

-- complain if script is sourced in psql, rather than via CREATE EXTENSION
\echo Use "CREATE EXTENSION pg_chargeback" to load this file. \quit

COMMENT ON SCHEMA chargeback IS 'pg_chargeback: priced, owned and allocated LLM usage';

-- Backup and restore: what pg_dump keeps, and how a restore loads it into a fresh install.
--
-- pg_dump does not dump the contents of an extension's tables unless the extension asks
-- (pg_extension_config_dump). A restore runs CREATE EXTENSION (which seeds the built-in
-- price catalog and the unattributed unit, and creates every table with its triggers), then
-- COPYs the dumped rows into those tables. So every table that holds user data is
-- registered beside its definition with dump_config() (below), with its sequence, and is
-- loaded as dumped: foreign keys and the extension's ordinary triggers are off for restored
-- rows (restore_statement(), below); the dumped catalog replaces the seeded one
-- (price_before_restore, org_unit_before_restore) and budget_unit is rebuilt
-- (refresh_budget_units), the only triggers that are ENABLE ALWAYS.
--
-- Dumped: everything users entered or the extension recorded, including the derived tables
-- daily_rollup and budget_spend. pg_dump reads all tables in one snapshot, and the usage
-- partitions are restored by COPY straight into each partition, which fires none of the
-- statement triggers on chargeback.usage: the restored rollup and spend are the dumped ones,
-- counted once. Not dumped: budget_unit, which the statement triggers on budget and org_unit
-- recompute whole while those two tables are restored.
-- Usage partitions are made at run time, are not members of the extension, and are dumped
-- by pg_dump like any table of the database (definition, data, and attached to the parent).

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

-- Registers a table of the extension, and the sequences its columns own (serial and identity),
-- for pg_dump, and gives it the restore triggers. Only callable from the extension's scripts
-- (pg_extension_config_dump checks); a new table is one line:
-- SELECT chargeback.dump_config('chargeback.new_table');
CREATE FUNCTION chargeback.dump_config(tbl regclass, filter text DEFAULT '') RETURNS void
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
COMMENT ON FUNCTION chargeback.dump_config(regclass, text) IS
    'extension scripts only: registers a table and its owned sequences so pg_dump dumps their contents';

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
