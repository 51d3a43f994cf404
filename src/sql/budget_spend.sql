-- Budget spend: kept in the same statement as the usage that changes it.

-- Adds the statement's sums per (budget, day), in key order, then records the thresholds
-- crossed (one budget_event per budget, period and threshold) and projected overruns (once
-- per period), each with a NOTIFY chargeback_budget. Any role may LISTEN (and NOTIFY), so
-- the payload carries no figure: only the event's id and kind, which a listener looks up in
-- chargeback.budget_event (under row security: a viewer finds only its units' events); an
-- id that budget_event does not hold, or holds with another kind, is a forged notification.
CREATE FUNCTION chargeback.budget_apply_spend(p_budget bigint[], p_day date[], p_delta numeric[]) RETURNS void
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
COMMENT ON FUNCTION chargeback.budget_apply_spend(bigint[], date[], numeric[]) IS
    'internal: adds spend per (budget, day), in that order, and records the thresholds and forecast overruns it crosses';

-- Usage changes budget spend in the same statement. The trigger is C
-- (src/pg/budget_spend.cpp): one pass over the statement's transition tables (inserted rows
-- count +cost, deleted rows -cost, updates both) matches rows to budgets (budgets cached per
-- backend) and sums them per (budget, day); budget_apply_spend() adds the sums and raises the
-- events. Recorded usage is never refused: it already happened.
CREATE FUNCTION chargeback.usage_budget_sync() RETURNS trigger
    AS 'MODULE_PATHNAME', 'cb_usage_budget_sync' LANGUAGE C;
COMMENT ON FUNCTION chargeback.usage_budget_sync() IS
    'trigger: keeps budget_spend current as usage is inserted, re-priced or removed (one pass a statement)';
CREATE TRIGGER usage_budget_insert AFTER INSERT ON chargeback.usage
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION chargeback.usage_budget_sync();
CREATE TRIGGER usage_budget_update AFTER UPDATE ON chargeback.usage
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION chargeback.usage_budget_sync();
CREATE TRIGGER usage_budget_delete AFTER DELETE ON chargeback.usage
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION chargeback.usage_budget_sync();

-- Holds are settled by the usage that answers them, matched on request_id or
-- attrs.reservation_id (a statement trigger of its own, beside the C budget trigger).
CREATE FUNCTION chargeback.usage_settle_holds() RETURNS trigger
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

-- A new or changed budget counts the usage already recorded in its current period, with one
-- scan of that period's usage (budget_unit is not refreshed yet when this row trigger runs).
-- It locks usage against concurrent ingestion while it counts, so that no request is missed
-- between the two (test/isolation/specs/budget_cache.spec).
CREATE FUNCTION chargeback.budget_backfill() RETURNS trigger
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
      AND chargeback.budget_covers(NEW.scope, NEW.scope_value, NEW.valid_from, NEW.valid_to, u.occurred_at,
                                   u.org_unit_id = ANY (units), u.project, u.principal, u.provider, u.model,
                                   CASE WHEN NEW.scope = 'model' THEN chargeback.resolve_model(u.provider, u.model, u.occurred_at) END)
    GROUP BY 1, 2;
    RETURN NULL;
END
$$;
CREATE TRIGGER budget_backfill AFTER INSERT OR UPDATE OF scope, scope_value, period, valid_from, valid_to, currency ON chargeback.budget
    FOR EACH ROW EXECUTE FUNCTION chargeback.budget_backfill();
