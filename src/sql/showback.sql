-- Showback and reporting views, in plain SQL types for BI tools (the FOCUS exports are in focus.sql). All read the daily rollup
-- (chargeback.daily_rollup), never raw usage. Org units are shown by their code.

-- daily_spend: spend per day, owner, project, provider and model.
CREATE VIEW chargeback.daily_spend AS
SELECT r.day, o.code AS org_unit, nullif(r.project, '') AS project, r.provider, r.model,
       sum(r.requests)::bigint AS requests, sum(r.total_tokens)::bigint AS total_tokens, sum(r.cost) AS cost
FROM chargeback.daily_rollup r
JOIN chargeback.org_unit o USING (org_unit_id)
GROUP BY r.day, o.code, r.project, r.provider, r.model;
COMMENT ON VIEW chargeback.daily_spend IS
    'spend per day (in chargeback.timezone), org unit, project, provider and model; read from the daily rollup, which triggers keep current as usage lands';
COMMENT ON COLUMN chargeback.daily_spend.day IS 'day the usage occurred, in chargeback.timezone';
COMMENT ON COLUMN chargeback.daily_spend.org_unit IS 'org unit code of the owner';
COMMENT ON COLUMN chargeback.daily_spend.project IS 'project, NULL for none';
COMMENT ON COLUMN chargeback.daily_spend.provider IS 'provider (openai, anthropic, google, bedrock, ...)';
COMMENT ON COLUMN chargeback.daily_spend.model IS 'model as reported by the provider or gateway';
COMMENT ON COLUMN chargeback.daily_spend.requests IS 'usage rows recorded (a usage-report bucket counts once)';
COMMENT ON COLUMN chargeback.daily_spend.total_tokens IS 'tokens of every class (not requests or web searches)';
COMMENT ON COLUMN chargeback.daily_spend.cost IS 'exact cost of the priced usage; unpriced usage adds 0 (see chargeback.data_quality)';

-- showback: one row per month, owner, project, provider and model with usage that month,
-- its share of the month's cost and the change against the same key the month before. Every
-- rollup row counts once for its own month (cost) and once for the next (prev_cost).
CREATE VIEW chargeback.showback AS
SELECT s.period, o.code AS org_unit, o.name AS org_unit_name, nullif(s.project, '') AS project, s.provider, s.model,
       s.requests, s.total_tokens, s.tokens, s.cost,
       s.cost / nullif(sum(s.cost) OVER (PARTITION BY s.period), 0) AS share,
       s.prev_cost, s.cost - s.prev_cost AS change
FROM (SELECT x.period, x.org_unit_id, x.project, x.provider, x.model,
             sum(x.requests) FILTER (WHERE x.cur)::bigint AS requests,
             sum(x.total_tokens) FILTER (WHERE x.cur)::bigint AS total_tokens,
             chargeback.sum(x.tokens) FILTER (WHERE x.cur) AS tokens,
             coalesce(sum(x.cost) FILTER (WHERE x.cur), 0) AS cost,
             coalesce(sum(x.cost) FILTER (WHERE NOT x.cur), 0) AS prev_cost
      FROM (SELECT r.period, r.org_unit_id, r.project, r.provider, r.model, true AS cur,
                   r.requests, r.total_tokens, r.tokens, r.cost
            FROM chargeback.daily_rollup r
            UNION ALL
            SELECT (r.period + interval '1 month')::date, r.org_unit_id, r.project, r.provider, r.model, false,
                   0, 0, NULL, r.cost
            FROM chargeback.daily_rollup r) x
      GROUP BY x.period, x.org_unit_id, x.project, x.provider, x.model
      HAVING bool_or(x.cur)) s
JOIN chargeback.org_unit o USING (org_unit_id);
COMMENT ON VIEW chargeback.showback IS
    'monthly showback per org unit, project, provider and model: usage, exact cost, share of the month''s total cost and change against the previous month; read from the daily rollup';
COMMENT ON COLUMN chargeback.showback.period IS 'accounting month (first day)';
COMMENT ON COLUMN chargeback.showback.org_unit IS 'org unit code of the owner';
COMMENT ON COLUMN chargeback.showback.org_unit_name IS 'org unit name';
COMMENT ON COLUMN chargeback.showback.project IS 'project, NULL for none';
COMMENT ON COLUMN chargeback.showback.provider IS 'provider (openai, anthropic, google, bedrock, ...)';
COMMENT ON COLUMN chargeback.showback.model IS 'model as reported by the provider or gateway';
COMMENT ON COLUMN chargeback.showback.requests IS 'usage rows recorded (a usage-report bucket counts once)';
COMMENT ON COLUMN chargeback.showback.total_tokens IS 'tokens of every class (not requests or web searches)';
COMMENT ON COLUMN chargeback.showback.tokens IS 'tokens per usage class (token_usage; cast to jsonb for a per-class object)';
COMMENT ON COLUMN chargeback.showback.cost IS 'exact cost of the priced usage; unpriced usage adds 0 (see chargeback.data_quality)';
COMMENT ON COLUMN chargeback.showback.share IS
    'cost / the month''s total cost, 0..1, unrounded (the shares of a month sum to 1 to within 1e-15); NULL when the month cost nothing';
COMMENT ON COLUMN chargeback.showback.prev_cost IS 'cost of the same org unit, project, provider and model the month before; 0 when it had none';
COMMENT ON COLUMN chargeback.showback.change IS 'cost - prev_cost';

-- A month's showback in one currency (default: the reporting currency): the cost of each
-- currency converted exactly (cost x the rate in force at the start of the month, no
-- rounding: showback amounts are exact), beside the cost in its own currency. A missing rate
-- is error CB004 naming the pair and the time.
CREATE FUNCTION chargeback.showback_in(period date, currency text DEFAULT chargeback.reporting_currency())
RETURNS TABLE (period date, org_unit text, org_unit_name text, project text, provider text, model text,
               requests bigint, total_tokens bigint, cost numeric, cost_currency text, rate numeric,
               converted numeric, converted_currency text)
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, chargeback, pg_temp
AS $$
    SELECT s.period, o.code, o.name, nullif(s.project, ''), s.provider, s.model, s.requests, s.total_tokens, s.cost,
           s.currency, x.rate, s.cost * x.rate, upper(showback_in.currency)
    FROM (SELECT r.period, r.org_unit_id, r.project, r.provider, r.model, r.currency,
                 sum(r.requests)::bigint AS requests, sum(r.total_tokens)::bigint AS total_tokens, sum(r.cost) AS cost
          FROM chargeback.daily_rollup r
          WHERE r.period = date_trunc('month', showback_in.period)::date AND r.currency <> ''
          GROUP BY r.period, r.org_unit_id, r.project, r.provider, r.model, r.currency) s
    JOIN chargeback.org_unit o USING (org_unit_id)
    CROSS JOIN LATERAL (SELECT chargeback.fx_rate_at(s.currency, showback_in.currency,
                                                     s.period::timestamp AT TIME ZONE chargeback.accounting_timezone()) AS rate) x
    ORDER BY o.code, s.project, s.provider, s.model, s.currency
$$;
COMMENT ON FUNCTION chargeback.showback_in(date, text) IS
    'a month''s priced showback per org unit, project, provider, model and currency, converted into a currency (default the reporting currency) at the rate in force at the start of the month; exact, unrounded';

-- unit_costs: cost per business outcome, from usage tagged with an activity_type and the
-- outcomes recorded in chargeback.activity_outcome.
CREATE VIEW chargeback.unit_costs AS
SELECT c.period, o.code AS org_unit, c.activity_type, c.cost, a.units,
       CASE WHEN a.units > 0 THEN round(c.cost / a.units, 6) END AS cost_per_unit
FROM (SELECT r.period, r.org_unit_id, r.activity_type, sum(r.cost) AS cost
      FROM chargeback.daily_rollup r
      WHERE r.activity_type <> ''
      GROUP BY r.period, r.org_unit_id, r.activity_type) c
JOIN chargeback.org_unit o USING (org_unit_id)
LEFT JOIN chargeback.activity_outcome a
       ON a.period = c.period AND a.org_unit_id = c.org_unit_id AND a.activity_type = c.activity_type;
COMMENT ON VIEW chargeback.unit_costs IS
    'cost per business outcome (per ticket resolved, opportunity, pull request): cost of usage tagged with an activity_type over the units in chargeback.activity_outcome';
COMMENT ON COLUMN chargeback.unit_costs.period IS 'accounting month (first day)';
COMMENT ON COLUMN chargeback.unit_costs.org_unit IS 'org unit code of the owner';
COMMENT ON COLUMN chargeback.unit_costs.activity_type IS 'business activity the usage was tagged with (attrs.activity_type)';
COMMENT ON COLUMN chargeback.unit_costs.cost IS 'exact cost of the month''s usage of this unit and activity';
COMMENT ON COLUMN chargeback.unit_costs.units IS 'outcomes recorded in chargeback.activity_outcome; NULL when none were recorded';
COMMENT ON COLUMN chargeback.unit_costs.cost_per_unit IS 'cost / units rounded to 6 decimals (half away from zero); NULL when units is 0 or missing';

-- data_quality: what needs attention, at a glance (all periods).
CREATE VIEW chargeback.data_quality AS
SELECT 'unpriced'::text AS check_name, coalesce(sum(r.unpriced), 0)::bigint AS rows, NULL::numeric AS cost,
       'usage without a catalog price: recorded, costed 0; see chargeback.unpriced_usage, fix with set_price() or model_alias, then reprice()'::text AS detail
FROM chargeback.daily_rollup r
UNION ALL
SELECT 'unattributed', coalesce(sum(r.requests), 0)::bigint, coalesce(sum(r.cost), 0),
       'usage owned by the built-in unit unattributed: no explicit owner, ownership rule or membership matched'
FROM chargeback.daily_rollup r JOIN chargeback.org_unit o USING (org_unit_id)
WHERE o.code = 'unattributed'
UNION ALL
SELECT 'rejected', count(*), NULL,
       'bulk rows that could not be ingested (chargeback.usage_rejected)'
       || coalesce(': ' || (SELECT string_agg(format('%s x %s', n, sqlstate), ', ' ORDER BY n DESC, sqlstate)
                            FROM (SELECT sqlstate, count(*) AS n FROM chargeback.usage_rejected GROUP BY sqlstate) e), '')
FROM chargeback.usage_rejected
UNION ALL
SELECT 'duplicate_dropped', count(*), coalesce(sum(u.cost), 0),
       'requests sent again after they were recorded, dropped and never charged twice (chargeback.usage_duplicate); cost is what they would have added'
FROM chargeback.usage_duplicate d
LEFT JOIN chargeback.usage u ON u.usage_id = d.usage_id
UNION ALL
-- Late usage: usage of a closed month booked into a later open one. Such a row keeps its
-- occurred_at while its period moves on (usage.adjusts_period names the month it adjusts),
-- so its day is outside its period: the rollup finds it without scanning raw usage (which
-- has no index on adjusts_period). sql/showback.sql checks that the two agree.
SELECT 'late', coalesce(sum(r.requests), 0)::bigint, coalesce(sum(r.cost), 0),
       'usage of a closed month booked into the next open one as an adjustment (FOCUS ChargeClass Correction)'
FROM chargeback.daily_rollup r
WHERE date_trunc('month', r.day)::date <> r.period;
COMMENT ON VIEW chargeback.data_quality IS
    'data-quality checks over all periods: unpriced, unattributed, rejected, duplicate-dropped and late usage';
COMMENT ON COLUMN chargeback.data_quality.check_name IS 'unpriced, unattributed, rejected, duplicate_dropped or late';
COMMENT ON COLUMN chargeback.data_quality.rows IS 'usage rows (or rejected input rows) the check found';
COMMENT ON COLUMN chargeback.data_quality.cost IS 'cost involved; NULL where there is none (unpriced and rejected rows have no cost)';
COMMENT ON COLUMN chargeback.data_quality.detail IS 'what the check means and where to look';
