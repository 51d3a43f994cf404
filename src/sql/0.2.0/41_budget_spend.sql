-- Budget spend (0.2.0): the statement's rows are matched to budgets by one PL/pgSQL function
-- with static SQL, whose plan is kept for the session; 0.1.0 built the query with EXECUTE
-- and planned it again for every statement (every 5000 rows on the bulk path).
CREATE FUNCTION chargeback.budget_add_spend(p_at timestamptz[], p_unit integer[], p_project text[],
                                            p_principal text[], p_provider text[], p_model text[],
                                            p_delta numeric[], p_tz text) RETURNS bigint[]
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, chargeback
AS $$
DECLARE
    touched bigint[];
BEGIN
    WITH d AS (
        SELECT * FROM unnest(p_at, p_unit, p_project, p_principal, p_provider, p_model, p_delta)
                      AS r(occurred_at, org_unit_id, project, principal, provider, model, delta)),
    hits AS (
        SELECT b.budget_id, d.occurred_at, d.delta FROM d JOIN chargeback.budget b ON b.scope = 'global'
        UNION ALL SELECT u.budget_id, d.occurred_at, d.delta FROM d JOIN chargeback.budget_unit u USING (org_unit_id)
        UNION ALL SELECT b.budget_id, d.occurred_at, d.delta FROM d JOIN chargeback.budget b ON b.scope = 'project' AND b.scope_value = d.project
        UNION ALL SELECT b.budget_id, d.occurred_at, d.delta FROM d JOIN chargeback.budget b ON b.scope = 'principal' AND b.scope_value = d.principal
        UNION ALL SELECT b.budget_id, d.occurred_at, d.delta FROM d JOIN chargeback.budget b ON b.scope = 'provider' AND b.scope_value = d.provider
        UNION ALL SELECT b.budget_id, d.occurred_at, d.delta FROM d JOIN chargeback.budget b ON b.scope = 'model'
                  AND (b.scope_value = d.model OR b.scope_value = chargeback.resolve_model(d.provider, d.model))),
    up AS (
        INSERT INTO chargeback.budget_spend AS s (budget_id, day, spend)
        SELECT h.budget_id, (h.occurred_at AT TIME ZONE p_tz)::date, sum(h.delta)
        FROM hits h JOIN chargeback.budget b USING (budget_id)
        WHERE b.valid_from <= h.occurred_at AND (b.valid_to IS NULL OR b.valid_to > h.occurred_at)
        GROUP BY 1, 2
        ON CONFLICT (budget_id, day) DO UPDATE SET spend = s.spend + EXCLUDED.spend
        RETURNING budget_id)
    -- Only the budgets this statement changed can have crossed anything.
    SELECT array_agg(DISTINCT budget_id) INTO touched FROM up;
    RETURN touched;
END
$$;
COMMENT ON FUNCTION chargeback.budget_add_spend(timestamptz[], integer[], text[], text[], text[], text[], numeric[], text) IS
    'internal: adds usage deltas (one array element per row) to the spend of every budget they fall under; returns the budgets changed';

CREATE OR REPLACE FUNCTION chargeback.usage_budget_sync() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, chargeback
AS $$
DECLARE
    tz text := coalesce(nullif(current_setting('chargeback.timezone', true), ''), 'UTC');
    ev record;
    touched bigint[];
BEGIN
    IF NOT EXISTS (SELECT 1 FROM chargeback.budget) AND NOT EXISTS (SELECT 1 FROM chargeback.reservation WHERE settled_at IS NULL) THEN
        RETURN NULL;
    END IF;
    IF EXISTS (SELECT 1 FROM chargeback.budget) THEN
        -- Inserted rows count +cost, deleted rows -cost, updates both.
        IF TG_OP <> 'DELETE' THEN
            SELECT chargeback.budget_add_spend(array_agg(occurred_at), array_agg(org_unit_id), array_agg(project),
                                               array_agg(principal), array_agg(provider), array_agg(model),
                                               array_agg(cost), tz)
            INTO touched FROM new_rows WHERE cost IS NOT NULL;
        END IF;
        IF TG_OP <> 'INSERT' THEN
            SELECT touched || chargeback.budget_add_spend(array_agg(occurred_at), array_agg(org_unit_id), array_agg(project),
                                                          array_agg(principal), array_agg(provider), array_agg(model),
                                                          array_agg(-cost), tz)
            INTO touched FROM old_rows WHERE cost IS NOT NULL;
        END IF;

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
    END IF;

    IF TG_OP <> 'DELETE' AND EXISTS (SELECT 1 FROM chargeback.reservation WHERE settled_at IS NULL) THEN
        UPDATE chargeback.reservation r SET settled_at = now(), settled_usage_id = n.usage_id
        FROM new_rows n WHERE r.settled_at IS NULL AND n.request_id IS NOT NULL AND r.request_id = n.request_id;
        UPDATE chargeback.reservation r SET settled_at = now(), settled_usage_id = n.usage_id
        FROM new_rows n WHERE r.settled_at IS NULL AND n.attrs ? 'reservation_id'
          AND (n.attrs->>'reservation_id') ~ '^[0-9]{1,18}$' AND r.reservation_id = (n.attrs->>'reservation_id')::bigint;
    END IF;
    RETURN NULL;
END
$$;
