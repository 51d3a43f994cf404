-- forecast(day, amount, period_end): the period-end projection of spend from the period's own
-- daily amounts; forecast(day, amount, period_end, period_start): the same with the days before
-- period_start as history. Both {"projected", "low", "high", "method", "state"}.

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
    'projected total at period_end from the period''s daily amounts, {"projected", "low", "high", "method", "state"}: a robust trend (Theil-Sen), so one spike barely moves it and steady growth is projected growing; with fewer than 3 observed days state insufficient_history (a run rate, band +-50% of the rest)';

CREATE FUNCTION chargeback.forecast_accum(internal, date, numeric, date, date) RETURNS internal
    AS 'MODULE_PATHNAME', 'cb_forecast_history_accum' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION chargeback.forecast_final(internal, date, numeric, date, date) RETURNS jsonb
    AS 'MODULE_PATHNAME', 'cb_forecast_history_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE AGGREGATE chargeback.forecast(day date, amount numeric, period_end date, period_start date) (
    SFUNC = chargeback.forecast_accum,
    STYPE = internal,
    FINALFUNC = chargeback.forecast_final,
    FINALFUNC_EXTRA,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE chargeback.forecast(date, numeric, date, date) IS
    'projected total at period_end, {"projected", "low", "high", "method", "state"}: days before period_start (up to 56) are history (level, trend, weekly profile), days from it the spend so far; low/high an 80% prediction interval; state insufficient_history (a run rate, band +-50% of the rest) with fewer than 7 history days and fewer than 3 period days';
