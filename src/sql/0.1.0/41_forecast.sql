-- forecast(day, amount, period_end): the period-end projection of spend from daily amounts.

CREATE FUNCTION chargeback.forecast_accum(internal, date, numeric, date) RETURNS internal
    AS 'MODULE_PATHNAME', 'cb_forecast_accum' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION chargeback.forecast_final(internal) RETURNS jsonb
    AS 'MODULE_PATHNAME', 'cb_forecast_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE AGGREGATE chargeback.forecast(day date, amount numeric, period_end date) (
    SFUNC = chargeback.forecast_accum,
    STYPE = internal,
    FINALFUNC = chargeback.forecast_final,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE chargeback.forecast(date, numeric, date) IS
    'projected total at period_end from daily amounts, {"projected", "low", "high"}: a robust trend (Theil-Sen), so one spike barely moves it and steady growth is projected growing';

-- Budget status: the current period of every budget in force.
CREATE VIEW chargeback.budget_status AS
SELECT b.budget_id, b.name, p.period_start, p.period_end, b.amount, s.spend, s.reserved,
       b.amount - s.spend - s.reserved AS remaining,
       CASE WHEN b.amount > 0 THEN round(s.spend / b.amount, 4) END AS pct_used,
       f.forecast,
       f.forecast - b.amount AS projected_variance,
       CASE WHEN s.spend > b.amount THEN 'over'
            WHEN f.forecast > b.amount THEN 'forecast_over'
            WHEN s.spend >= b.thresholds[1] * b.amount THEN 'warning'
            ELSE 'ok' END AS state
FROM chargeback.budget b
CROSS JOIN LATERAL (SELECT chargeback.budget_period_start(b.period, now()) AS period_start) p0
CROSS JOIN LATERAL (SELECT p0.period_start, chargeback.budget_period_end(b.period, p0.period_start) AS period_end) p
CROSS JOIN LATERAL (SELECT chargeback.budget_spent(b.budget_id, p.period_start) AS spend,
                           chargeback.budget_held(b.budget_id, p.period_start) AS reserved) s
CROSS JOIN LATERAL (SELECT coalesce((chargeback.forecast(d.day, d.spend, p.period_end)->>'projected')::numeric, 0) AS forecast
                    FROM chargeback.budget_spend d
                    WHERE d.budget_id = b.budget_id AND d.day BETWEEN p.period_start AND p.period_end) f
WHERE b.valid_from <= now() AND (b.valid_to IS NULL OR b.valid_to > now());
COMMENT ON VIEW chargeback.budget_status IS
    'each budget''s current period: amount, spend, open holds, remaining, share used, forecast at period end, projected variance, state (ok, warning, forecast_over, over)';
