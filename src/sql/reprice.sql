-- Re-pricing usage after a catalog fix.

-- reprice: prices usage in [since, until) again from the current catalog (after a fix, a
-- new alias, a corrected row). Returns the number of rows whose price changed. Closed
-- months are frozen, and a re-price is serialized with close_period() (the open periods
-- are held FOR SHARE), so a final run never bills a cost that changes under it
-- (test/isolation/specs/reprice_close_race.spec).
CREATE FUNCTION chargeback.reprice(since timestamptz, until timestamptz) RETURNS bigint
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, chargeback, pg_temp
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
                                       chargeback.priced_prompt_tokens(u.tokens, u.attrs)) AS price_id
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
COMMENT ON FUNCTION chargeback.reprice(timestamptz, timestamptz) IS
    'prices the usage of [since, until) again from the current catalog; returns the number of rows changed';
