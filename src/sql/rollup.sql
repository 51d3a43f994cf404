-- The daily rollup: usage summed per day and owner, kept current by statement triggers on
-- chargeback.usage, so that showback reads thousands of rows instead of millions.

-- One row per (period, day, owner, project, activity, provider, model, tier, currency).
-- Missing project, activity_type and currency are stored as '' (key columns cannot be NULL);
-- the views show them as NULL again.
CREATE TABLE chargeback.daily_rollup (
    period date NOT NULL,
    day date NOT NULL,
    org_unit_id integer NOT NULL,
    project text NOT NULL,
    activity_type text NOT NULL,
    provider text NOT NULL,
    model text NOT NULL,
    service_tier text NOT NULL,
    currency text NOT NULL,
    requests bigint NOT NULL,
    tokens chargeback.token_usage NOT NULL,
    total_tokens bigint NOT NULL,
    cost numeric NOT NULL,
    list_cost numeric NOT NULL,
    unpriced bigint NOT NULL,
    -- Internal: ON CONFLICT DO UPDATE sees the proposed row only through EXCLUDED, which has
    -- the table's columns, so this is how a statement hands over the tokens it takes away
    -- (token_usage counts cannot be negative). Always '' once a statement is done.
    tokens_removed chargeback.token_usage NOT NULL DEFAULT '',
    -- The catalog row that priced the usage (usage.price_id; 0 for unpriced usage): the FOCUS
    -- views price each token class from it, so a key mixes no prices (a price change during
    -- the day, a long-context row, a flex request priced by the standard row).
    price_id bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (period, day, org_unit_id, project, activity_type, provider, model, service_tier, currency, price_id)
);
-- showback compares each month with the previous one: this finds the previous month's rows.
CREATE INDEX daily_rollup_next_period_idx ON chargeback.daily_rollup (((period + interval '1 month')::date));
COMMENT ON TABLE chargeback.daily_rollup IS
    'usage per accounting period, day (in chargeback.timezone), owner, project, activity, provider, model, tier and currency; maintained as usage is inserted, updated or deleted (see chargeback.rebuild_daily_rollup)';
COMMENT ON COLUMN chargeback.daily_rollup.period IS 'accounting month the usage is booked in (usage.period)';
COMMENT ON COLUMN chargeback.daily_rollup.day IS 'day the usage occurred, in chargeback.timezone at the time it was recorded';
COMMENT ON COLUMN chargeback.daily_rollup.org_unit_id IS 'owner (chargeback.org_unit)';
COMMENT ON COLUMN chargeback.daily_rollup.provider IS 'provider (usage.provider)';
COMMENT ON COLUMN chargeback.daily_rollup.model IS 'model as reported (usage.model)';
COMMENT ON COLUMN chargeback.daily_rollup.service_tier IS 'service tier: standard, batch, flex or priority';
COMMENT ON COLUMN chargeback.daily_rollup.project IS 'project, '''' for none';
COMMENT ON COLUMN chargeback.daily_rollup.activity_type IS 'business activity, '''' for none';
COMMENT ON COLUMN chargeback.daily_rollup.currency IS 'currency of the cost, '''' for unpriced usage';
COMMENT ON COLUMN chargeback.daily_rollup.requests IS 'usage rows (a usage-report bucket counts once; tokens.requests has the requests providers reported)';
COMMENT ON COLUMN chargeback.daily_rollup.tokens IS 'tokens per usage class, summed';
COMMENT ON COLUMN chargeback.daily_rollup.total_tokens IS 'total_tokens(tokens): the token classes, without requests and web searches';
COMMENT ON COLUMN chargeback.daily_rollup.cost IS 'cost of the priced usage, exact; unpriced usage adds nothing';
COMMENT ON COLUMN chargeback.daily_rollup.list_cost IS 'list cost of the priced usage, exact';
COMMENT ON COLUMN chargeback.daily_rollup.unpriced IS 'usage rows without a price (cost NULL), counted in requests and tokens but not in cost';
COMMENT ON COLUMN chargeback.daily_rollup.tokens_removed IS 'internal to the maintenance triggers; always empty';
COMMENT ON COLUMN chargeback.daily_rollup.price_id IS 'catalog price row that priced the usage (usage.price_id), 0 for unpriced usage';
SELECT chargeback.dump_config('chargeback.daily_rollup');

-- One pass per statement over its transition tables, in C (src/pg/rollup.cpp): inserted rows
-- add to their key, deleted rows take away from theirs, an update does both (a reprice
-- changes cost in place, re-owning moves the amounts from the old owner's row to the new
-- one's); keys whose delta is nil are skipped. The sums go in with one upsert, in key order,
-- so two statements touching the same keys lock them in the same order and cannot deadlock;
-- the additive ON CONFLICT DO UPDATE re-reads a row a concurrent statement changed, so no
-- update is lost. A row whose requests reach zero is deleted; usage taken from a key the
-- rollup does not hold raises data_corrupted (usage changed behind the triggers' back).
CREATE FUNCTION chargeback.usage_rollup_sync() RETURNS trigger
    AS 'MODULE_PATHNAME', 'cb_usage_rollup_sync' LANGUAGE C;
COMMENT ON FUNCTION chargeback.usage_rollup_sync() IS
    'trigger: keeps daily_rollup current as usage is inserted, updated or deleted (one pass a statement)';
CREATE TRIGGER usage_rollup_insert AFTER INSERT ON chargeback.usage
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION chargeback.usage_rollup_sync();
CREATE TRIGGER usage_rollup_update AFTER UPDATE ON chargeback.usage
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION chargeback.usage_rollup_sync();
CREATE TRIGGER usage_rollup_delete AFTER DELETE ON chargeback.usage
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION chargeback.usage_rollup_sync();

-- TRUNCATE of usage empties the rollup with it.
CREATE FUNCTION chargeback.usage_rollup_truncate() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, chargeback, pg_temp
AS $$
BEGIN
    TRUNCATE chargeback.daily_rollup;
    RETURN NULL;
END
$$;
CREATE TRIGGER usage_rollup_truncate AFTER TRUNCATE ON chargeback.usage
    FOR EACH STATEMENT EXECUTE FUNCTION chargeback.usage_rollup_truncate();

-- Rebuilds the rollup from usage (after partitions were dropped, detached or written
-- directly, which the triggers on chargeback.usage do not see). Blocks usage writers meanwhile.
CREATE FUNCTION chargeback.rebuild_daily_rollup() RETURNS bigint
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
        (period, day, org_unit_id, project, activity_type, provider, model, service_tier, currency, price_id,
         requests, tokens, total_tokens, cost, list_cost, unpriced)
    SELECT g.period, g.day, g.org_unit_id, g.project, g.activity_type, g.provider, g.model, g.service_tier, g.currency,
           g.price_id, g.requests, g.tokens, chargeback.total_tokens(g.tokens), g.cost, g.list_cost, g.unpriced
    FROM (SELECT u.period, chargeback.day_of(u.occurred_at), u.org_unit_id,
                 coalesce(u.project, ''), coalesce(u.activity_type, ''), u.provider, u.model, u.service_tier,
                 coalesce(u.currency, ''), coalesce(u.price_id, 0), count(*), chargeback.sum(u.tokens),
                 coalesce(sum(u.cost), 0), coalesce(sum(u.list_cost), 0), count(*) FILTER (WHERE u.cost IS NULL)
          FROM chargeback.usage u
          WHERE NOT EXISTS (SELECT 1 FROM chargeback.usage_archive a WHERE a.period = u.period)
          GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10) g (period, day, org_unit_id, project, activity_type, provider, model,
                                                     service_tier, currency, price_id, requests, tokens, cost, list_cost,
                                                     unpriced);
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END
$$;
COMMENT ON FUNCTION chargeback.rebuild_daily_rollup() IS
    'recomputes chargeback.daily_rollup from chargeback.usage (needed only after partitions were changed directly), but for archived months; returns the rows written';
