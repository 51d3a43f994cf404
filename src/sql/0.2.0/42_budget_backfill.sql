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
