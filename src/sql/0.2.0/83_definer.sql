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
