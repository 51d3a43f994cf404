-- pg_chargeback 0.2.0 -> 0.3.0. Written by hand: it says what it adds, replaces and alters.
-- The current definition of every object is in src/sql/<feature>.sql; a fresh install of
-- 0.3.0 and an upgrade through every release give the same objects (sql/oldextversions.sql).

-- complain if script is sourced in psql, rather than via ALTER EXTENSION
\echo Use "ALTER EXTENSION pg_chargeback UPDATE TO '0.3.0'" to load this file. \quit

-- Security (issue 19). A function with SET search_path that does not list pg_temp searches
-- the caller's temporary schema FIRST for types and tables: a role with only
-- chargeback_ingest made a temporary domain named date whose check ran as the extension's
-- owner inside ingest(). Every function now lists pg_temp last; the five SQL functions that
-- are inlined (and so take no SET) name their types schema-qualified.

-- Added: row locks that only the extension's roles can take, replacing advisory locks with
-- predictable keys that any role could hold (schema.sql).
-- Locks that serialize the extension's own writers until commit (holds on one budget, runs
-- of one period, writers of one price key or one principal's memberships, the first writer
-- of a new month's partition): a row per key, locked FOR UPDATE. Not advisory locks, whose
-- keys anyone may take (pg_advisory_lock is PUBLIC): a viewer holding a predictable key
-- stalled every authorize() on a budget, runs, closes and the first ingest of a month.
-- Only the extension's owner (its SECURITY DEFINER entry points) and admins may lock.
CREATE TABLE chargeback.xact_lock (
    key text COLLATE "C" PRIMARY KEY
);
COMMENT ON TABLE chargeback.xact_lock IS
    'one row per lock key the extension has taken (chargeback.xact_lock()); holds no data and is not dumped';
CREATE FUNCTION chargeback.xact_lock(key text) RETURNS void
LANGUAGE plpgsql VOLATILE STRICT
SECURITY DEFINER
SET search_path = pg_catalog, chargeback, pg_temp
AS $$
BEGIN
    INSERT INTO chargeback.xact_lock AS l (key) VALUES (xact_lock.key) ON CONFLICT DO NOTHING;
    PERFORM 1 FROM chargeback.xact_lock l WHERE l.key = xact_lock.key FOR UPDATE;
END
$$;
COMMENT ON FUNCTION chargeback.xact_lock(text) IS
    'internal: takes the lock of key until the transaction ends (a row lock only the extension''s roles can take)';

-- Replaced: the lock helpers and their callers take chargeback.xact_lock() instead of an
-- advisory lock (price.sql, attribution.sql, allocation.sql, budget.sql, usage.sql).
CREATE OR REPLACE FUNCTION chargeback.lock_price_key(provider text, model text, service_tier text, min_prompt_tokens bigint)
RETURNS void LANGUAGE sql VOLATILE
SET search_path = pg_catalog, chargeback, pg_temp
AS $$
    SELECT chargeback.xact_lock(format('price %s %s %s %s', provider, model, service_tier, min_prompt_tokens))
$$;
CREATE OR REPLACE FUNCTION chargeback.lock_membership(principal text) RETURNS void LANGUAGE sql VOLATILE
SET search_path = pg_catalog, chargeback, pg_temp
AS $$ SELECT chargeback.xact_lock('membership ' || principal) $$;
CREATE OR REPLACE FUNCTION chargeback.lock_allocation(period date) RETURNS void LANGUAGE sql VOLATILE
SET search_path = pg_catalog, chargeback, pg_temp
AS $$ SELECT chargeback.xact_lock('allocation ' || to_char(period, 'YYYY-MM-DD')) $$;
CREATE OR REPLACE FUNCTION chargeback.ensure_partitions(first_period date, last_period date) RETURNS integer
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, chargeback, pg_temp
AS $$
DECLARE
    p date := date_trunc('month', first_period)::date;
    made integer := 0;
    name text;
BEGIN
    WHILE p <= last_period LOOP
        name := format('usage_%s', to_char(p, 'YYYY_MM'));
        IF to_regclass('chargeback.' || name) IS NULL THEN
            PERFORM chargeback.xact_lock('usage partition ' || name);
            IF to_regclass('chargeback.' || name) IS NULL THEN
                EXECUTE format('CREATE TABLE chargeback.%I PARTITION OF chargeback.usage FOR VALUES FROM (%L) TO (%L)',
                               name, p, (p + interval '1 month')::date);
                -- Usage arrives roughly in time order: BRIN finds time ranges (reprice, late
                -- arrivals) at a fraction of a b-tree's cost on the ingest path.
                EXECUTE format('ALTER TABLE chargeback.%I ADD PRIMARY KEY (usage_id, period)', name);
                EXECUTE format('CREATE INDEX ON chargeback.%I USING brin (occurred_at)', name);
                made := made + 1;
            END IF;
        END IF;
        p := (p + interval '1 month')::date;
    END LOOP;
    RETURN made;
END
$$;
CREATE OR REPLACE FUNCTION chargeback.reservation_before_insert() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, chargeback, pg_temp
AS $$
DECLARE
    b chargeback.budget;
    longest interval;
    restoring boolean;
    spent numeric;
    held numeric;
BEGIN
    SELECT * INTO b FROM chargeback.budget WHERE budget_id = NEW.budget_id;
    NEW.period_start := coalesce(NEW.period_start, chargeback.budget_period_start(b.period, now()));
    -- (A restore loads holds as they were made, under whatever limit held then.)
    -- max_hold_ttl() first: it loads the module, which refuses a chargeback.restoring that a
    -- non-superuser set before it loaded.
    longest := chargeback.max_hold_ttl();
    restoring := coalesce(current_setting('chargeback.restoring', true), 'off') = 'on';
    IF NEW.settled_at IS NULL AND NEW.expires_at > now() + longest AND NOT restoring THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
            MESSAGE = format('a hold until %s is longer than chargeback.max_hold_ttl (%s)', NEW.expires_at, longest),
            HINT = 'ask for a shorter ttl; a superuser can raise chargeback.max_hold_ttl';
    END IF;
    -- A restore loads open holds as they were made too: recorded usage may have taken the
    -- budget's spend past what they allowed since.
    IF restoring OR b.enforcement <> 'block' OR NEW.settled_at IS NOT NULL OR NEW.expires_at <= now() THEN
        RETURN NEW;
    END IF;
    IF current_setting('transaction_isolation') <> 'read committed' THEN
        RAISE EXCEPTION USING ERRCODE = 'CB002',
            MESSAGE = 'holds on a block budget need READ COMMITTED isolation',
            HINT = 'call chargeback.authorize() outside REPEATABLE READ and SERIALIZABLE transactions';
    END IF;
    PERFORM chargeback.xact_lock('budget ' || NEW.budget_id);
    SELECT chargeback.budget_spent(NEW.budget_id, NEW.period_start), chargeback.budget_held(NEW.budget_id, NEW.period_start)
      INTO spent, held;
    IF spent + held + NEW.amount > b.amount THEN
        RAISE EXCEPTION USING ERRCODE = 'CB001',
            MESSAGE = format('budget %s (%s from %s) would be exceeded: spend %s + held %s + request %s > %s %s',
                             b.name, b.period, NEW.period_start, spent, held, NEW.amount, b.amount, b.currency),
            DETAIL = format('remaining %s %s', greatest(b.amount - spent - held, 0), b.currency),
            HINT = 'the request is not authorized; raise the budget, or wait for the next period';
    END IF;
    RETURN NEW;
END
$$;

-- Replaced: inlined SQL functions name their types schema-qualified (ingest.sql, rollup.sql,
-- budget.sql).
CREATE OR REPLACE FUNCTION chargeback.period_of(at timestamptz) RETURNS date
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
    SELECT (date_trunc('month', at, coalesce(nullif(current_setting('chargeback.timezone', true), ''), 'UTC'))
            AT TIME ZONE coalesce(nullif(current_setting('chargeback.timezone', true), ''), 'UTC'))::pg_catalog.date
$$;
CREATE OR REPLACE FUNCTION chargeback.day_of(at timestamptz) RETURNS date
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
    SELECT (at AT TIME ZONE coalesce(nullif(current_setting('chargeback.timezone', true), ''), 'UTC'))::pg_catalog.date
$$;
CREATE OR REPLACE FUNCTION chargeback.budget_period_start(period text, at timestamptz) RETURNS date
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
    SELECT (date_trunc(period, at, coalesce(nullif(current_setting('chargeback.timezone', true), ''), 'UTC'))
            AT TIME ZONE coalesce(nullif(current_setting('chargeback.timezone', true), ''), 'UTC'))::pg_catalog.date
$$;
CREATE OR REPLACE FUNCTION chargeback.budget_period_end(period text, start date) RETURNS date
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT (start + CASE period WHEN 'day' THEN '1 day'::pg_catalog.interval WHEN 'week' THEN '1 week'::pg_catalog.interval
                                WHEN 'month' THEN '1 month'::pg_catalog.interval WHEN 'quarter' THEN '3 months'::pg_catalog.interval
                                ELSE '1 year'::pg_catalog.interval END)::pg_catalog.date - 1
$$;

-- Replaced: authorize() refuses a hold that holds nothing (a ttl that is not positive, a NULL
-- tier, provider, model or estimate) instead of answering allowed (budget.sql).
CREATE OR REPLACE FUNCTION chargeback.authorize(attrs jsonb, provider text, model text, estimate chargeback.token_usage,
                                     service_tier text DEFAULT 'standard', ttl interval DEFAULT '10 minutes')
RETURNS TABLE (reservation_id bigint, allowed boolean, reason text, estimated_cost numeric)
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, chargeback, pg_temp
AS $$
DECLARE
    o record;
    cost numeric;
    rid bigint := nextval('chargeback.reservation_id_seq');
    n integer;
    msg text;
    p_provider text := chargeback.normalize_provider(authorize.provider);
BEGIN
    -- A hold that holds nothing must not say allowed: 0.2.0 answered allowed = true for a
    -- zero or negative ttl and for a NULL tier, holding nothing.
    IF authorize.ttl IS NULL OR authorize.ttl <= interval '0' THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
            MESSAGE = format('ttl must be a positive interval, not %s', coalesce(authorize.ttl::text, 'NULL')),
            HINT = 'give how long the hold may last, e.g. ''10 minutes'' (at most chargeback.max_hold_ttl)';
    END IF;
    IF authorize.service_tier IS NULL OR authorize.provider IS NULL OR authorize.model IS NULL OR authorize.estimate IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'null_value_not_allowed',
            MESSAGE = 'authorize() needs a provider, a model, an estimate and a service tier, not NULL',
            HINT = 'the default tier is standard';
    END IF;
    SELECT * INTO o FROM chargeback.resolve_owner(coalesce(authorize.attrs, '{}'), now());
    cost := chargeback.list_cost(p_provider, authorize.model, now(), authorize.service_tier, authorize.estimate);
    IF cost IS NULL THEN
        -- Nothing to hold: the usage will still be recorded (unpriced) when it arrives.
        RETURN QUERY SELECT NULL::bigint, true, 'allowed: no catalog price for this model, nothing held', NULL::numeric;
        RETURN;
    END IF;
    BEGIN
        -- In budget_id order, so two callers lock shared budgets in the same order.
        INSERT INTO chargeback.reservation (reservation_id, budget_id, amount, request_id, attrs, expires_at)
        SELECT rid, b.budget_id, cost, authorize.attrs->>'request_id', coalesce(authorize.attrs, '{}'),
               now() + authorize.ttl
        FROM chargeback.applicable_budgets(now(), o.org_unit_id, coalesce(authorize.attrs->>'project', o.project),
                                           coalesce(authorize.attrs->>'user', authorize.attrs->>'principal'),
                                           p_provider, authorize.model) b
        ORDER BY b.budget_id;
        GET DIAGNOSTICS n = ROW_COUNT;
    EXCEPTION WHEN SQLSTATE 'CB001' THEN
        GET STACKED DIAGNOSTICS msg = MESSAGE_TEXT;
        RETURN QUERY SELECT NULL::bigint, false, msg, cost;
        RETURN;
    END;
    RETURN QUERY SELECT CASE WHEN n > 0 THEN rid END, true,
        CASE WHEN n = 0 THEN 'allowed: no budget applies' ELSE format('allowed: %s held on %s budget(s)', cost, n) END,
        cost;
END
$$;

-- Replaced: budget notifications carry the event's id and kind, no figures: any role may
-- LISTEN on the channel (budget_spend.sql, budget.sql).
CREATE OR REPLACE FUNCTION chargeback.budget_apply_spend(p_budget bigint[], p_day date[], p_delta numeric[]) RETURNS void
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
        PERFORM pg_notify('chargeback_budget', json_build_object('event_id', ev.event_id, 'kind', 'forecast')::text);
    END LOOP;
END
$$;
COMMENT ON TABLE chargeback.budget_event IS
    'one row per (budget, period, threshold) crossed, and one per projected overrun; each also sent as NOTIFY chargeback_budget with {"event_id", "kind"} (no figures)';

-- Altered: pg_temp last in the search_path of every other function that sets one.
ALTER FUNCTION chargeback.dump_config(regclass, text) SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION chargeback.allocation_frozen() SET search_path = pg_catalog, chargeback, pg_temp;
ALTER FUNCTION chargeback.allocation_input(date,text) SET search_path = pg_catalog, chargeback, pg_temp;
ALTER FUNCTION chargeback.allocation_write(date,text,boolean) SET search_path = pg_catalog, chargeback, pg_temp;
ALTER FUNCTION chargeback.applicable_budgets(timestamp with time zone,integer,text,text,text,text) SET search_path = pg_catalog, chargeback, pg_temp;
ALTER FUNCTION chargeback.book_periods(date[]) SET search_path = pg_catalog, chargeback, pg_temp;
ALTER FUNCTION chargeback.budget_before_write() SET search_path = pg_catalog, chargeback, pg_temp;
ALTER FUNCTION chargeback.budget_held(bigint,date) SET search_path = pg_catalog, chargeback, pg_temp;
ALTER FUNCTION chargeback.budget_spent(bigint,date) SET search_path = pg_catalog, chargeback, pg_temp;
ALTER FUNCTION chargeback.close_period(date,text) SET search_path = pg_catalog, chargeback, pg_temp;
ALTER FUNCTION chargeback.cost_center_of(integer) SET search_path = pg_catalog, chargeback, pg_temp;
ALTER FUNCTION chargeback.explain(bigint) SET search_path = pg_catalog, chargeback, pg_temp;
ALTER FUNCTION chargeback.import_prices(jsonb,text,timestamp with time zone) SET search_path = pg_catalog, chargeback, pg_temp;
ALTER FUNCTION chargeback.membership_check_overlap() SET search_path = pg_catalog, chargeback, pg_temp;
ALTER FUNCTION chargeback.model_alias_before_write() SET search_path = pg_catalog, chargeback, pg_temp;
ALTER FUNCTION chargeback.move_member(text,text,timestamp with time zone) SET search_path = pg_catalog, chargeback, pg_temp;
ALTER FUNCTION chargeback.org_unit_before_restore() SET search_path = pg_catalog, chargeback, pg_temp;
ALTER FUNCTION chargeback.org_unit_check_parent() SET search_path = pg_catalog, chargeback, pg_temp;
ALTER FUNCTION chargeback.org_unit_descendants(integer) SET search_path = pg_catalog, chargeback, pg_temp;
ALTER FUNCTION chargeback.org_unit_protect() SET search_path = pg_catalog, chargeback, pg_temp;
ALTER FUNCTION chargeback.price_before_restore() SET search_path = pg_catalog, chargeback, pg_temp;
ALTER FUNCTION chargeback.price_before_write() SET search_path = pg_catalog, chargeback, pg_temp;
ALTER FUNCTION chargeback.reopen_period(date,text) SET search_path = pg_catalog, chargeback, pg_temp;
ALTER FUNCTION chargeback.run_allocation(date,text) SET search_path = pg_catalog, chargeback, pg_temp;
ALTER FUNCTION chargeback.schedule_jobs(integer,text,text,text) SET search_path = pg_catalog, chargeback, pg_temp;
ALTER FUNCTION chargeback.set_price(text,text,chargeback.token_rates,timestamp with time zone,text,bigint,text) SET search_path = pg_catalog, chargeback, pg_temp;
ALTER FUNCTION chargeback.statement_data(date,text) SET search_path = pg_catalog, chargeback, pg_temp;
ALTER FUNCTION chargeback.statement_html(date,text) SET search_path = pg_catalog, chargeback, pg_temp;
ALTER FUNCTION chargeback.unschedule_jobs() SET search_path = pg_catalog, chargeback, pg_temp;
ALTER FUNCTION chargeback.usage_rollup_sync() SET search_path = pg_catalog, chargeback, pg_temp;
ALTER FUNCTION chargeback.usage_rollup_truncate() SET search_path = pg_catalog, chargeback, pg_temp;
ALTER FUNCTION chargeback.usage_settle_holds() SET search_path = pg_catalog, chargeback, pg_temp;

-- Privileges of the new lock function (privileges.sql).
REVOKE EXECUTE ON FUNCTION chargeback.xact_lock(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION chargeback.xact_lock(text) TO chargeback_admin;
GRANT SELECT ON chargeback.xact_lock TO chargeback_analyst;

-- Added: the history-aware forecast (forecast.sql, issue 21). The 3-argument aggregate keeps
-- its definition; its C final function now also answers "method" and "state".
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
COMMENT ON AGGREGATE chargeback.forecast(date, numeric, date) IS
    'projected total at period_end from the period''s daily amounts, {"projected", "low", "high", "method", "state"}: a robust trend (Theil-Sen), so one spike barely moves it and steady growth is projected growing; with fewer than 3 observed days state insufficient_history (a run rate, band +-50% of the rest)';
COMMENT ON AGGREGATE chargeback.forecast(date, numeric, date, date) IS
    'projected total at period_end, {"projected", "low", "high", "method", "state"}: days before period_start (up to 56) are history (level, trend, weekly profile), days from it the spend so far; low/high an 80% prediction interval; state insufficient_history (a run rate, band +-50% of the rest) with fewer than 7 history days and fewer than 3 period days';
-- Privileges as privileges.sql gives every forecast function: EXECUTE to PUBLIC, explicitly.
REVOKE EXECUTE ON FUNCTION chargeback.forecast_accum(internal, date, numeric, date, date),
                           chargeback.forecast_final(internal, date, numeric, date, date),
                           chargeback.forecast(date, numeric, date, date) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION chargeback.forecast_accum(internal, date, numeric, date, date),
                          chargeback.forecast_final(internal, date, numeric, date, date),
                          chargeback.forecast(date, numeric, date, date) TO PUBLIC;
