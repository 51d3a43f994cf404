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
