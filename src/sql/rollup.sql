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

-- One set-based pass per statement. Inserted rows add to their key, deleted rows take away
-- from theirs, an update does both (a reprice changes cost in place, re-owning moves the
-- amounts from the old owner's row to the new one's). Keys are written in key order, so two
-- statements touching the same keys lock them in the same order and cannot deadlock; the
-- additive ON CONFLICT DO UPDATE re-reads a row a concurrent statement changed, so no update
-- is lost. A row whose requests reach zero is deleted.
CREATE FUNCTION chargeback.usage_rollup_sync() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, chargeback, pg_temp
AS $$
DECLARE
    emptied tid[];
    new_part text := $n$
        SELECT n.period, chargeback.day_of(n.occurred_at) AS day, n.org_unit_id,
               coalesce(n.project, '') AS project, coalesce(n.activity_type, '') AS activity_type,
               n.provider, n.model, n.service_tier, coalesce(n.currency, '') AS currency, coalesce(n.price_id, 0) AS price_id,
               1 AS sign, n.tokens, n.cost, n.list_cost
        FROM new_rows n
        UNION ALL
$n$;
    broken bigint;
BEGIN
    IF TG_OP = 'INSERT' THEN
        -- The ingest path: only additions.
        INSERT INTO chargeback.daily_rollup AS r
            (period, day, org_unit_id, project, activity_type, provider, model, service_tier, currency, price_id,
             requests, tokens, total_tokens, cost, list_cost, unpriced)
        SELECT g.period, g.day, g.org_unit_id, g.project, g.activity_type, g.provider, g.model, g.service_tier, g.currency,
               g.price_id, g.requests, g.tokens, chargeback.total_tokens(g.tokens), g.cost, g.list_cost, g.unpriced
        FROM (SELECT n.period, chargeback.day_of(n.occurred_at) AS day, n.org_unit_id,
                     coalesce(n.project, '') AS project, coalesce(n.activity_type, '') AS activity_type,
                     n.provider, n.model, n.service_tier, coalesce(n.currency, '') AS currency,
                     coalesce(n.price_id, 0) AS price_id, count(*) AS requests, chargeback.sum(n.tokens) AS tokens,
                     coalesce(sum(n.cost), 0) AS cost, coalesce(sum(n.list_cost), 0) AS list_cost,
                     count(*) FILTER (WHERE n.cost IS NULL) AS unpriced
              FROM new_rows n
              GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10
              ORDER BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10) g (period, day, org_unit_id, project, activity_type, provider, model,
                                                         service_tier, currency, price_id, requests, tokens, cost, list_cost,
                                                         unpriced)
        ON CONFLICT (period, day, org_unit_id, project, activity_type, provider, model, service_tier, currency, price_id)
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
               o.provider, o.model, o.service_tier, coalesce(o.currency, '') AS currency, coalesce(o.price_id, 0) AS price_id,
               -1 AS sign, o.tokens, o.cost, o.list_cost
        FROM old_rows o),
    g AS (
        SELECT period, day, org_unit_id, project, activity_type, provider, model, service_tier, currency, price_id,
               sum(sign) AS requests,
               coalesce(chargeback.sum(tokens) FILTER (WHERE sign > 0), '') AS added,
               coalesce(chargeback.sum(tokens) FILTER (WHERE sign < 0), '') AS removed,
               coalesce(sum(sign * cost), 0) AS cost, coalesce(sum(sign * list_cost), 0) AS list_cost,
               coalesce(sum(sign) FILTER (WHERE cost IS NULL), 0) AS unpriced
        FROM d
        GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10),
    up AS (
        INSERT INTO chargeback.daily_rollup AS r
            (period, day, org_unit_id, project, activity_type, provider, model, service_tier, currency, price_id,
             requests, tokens, total_tokens, cost, list_cost, unpriced, tokens_removed)
        SELECT period, day, org_unit_id, project, activity_type, provider, model, service_tier, currency, price_id,
               requests, added, chargeback.total_tokens(added) - chargeback.total_tokens(removed),
               cost, list_cost, unpriced, removed
        FROM g
        WHERE NOT (requests = 0 AND cost = 0 AND list_cost = 0 AND unpriced = 0 AND added = removed)
        ORDER BY period, day, org_unit_id, project, activity_type, provider, model, service_tier, currency, price_id
        ON CONFLICT (period, day, org_unit_id, project, activity_type, provider, model, service_tier, currency, price_id)
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
