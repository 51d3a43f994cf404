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
