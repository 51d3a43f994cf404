-- Holds on a block budget: spend and open holds are read in one statement, so with one
-- snapshot. 0.1.0 read them in two; an ingest that committed in between (adding its cost
-- to the spend and settling its hold) was then counted in neither, and the new hold could
-- take the budget past its amount by up to that request's cost (found by test/t/007_load.pl:
-- 2.0034 of 2.00). A settled or expired hold holds nothing, so it is not checked against
-- its budget: a restore loads past holds of a block budget that its restored spend may
-- already exceed (test/t/005_dump_restore.pl), and so does a restore (chargeback.restoring)
-- with open ones.
-- No open hold outlives chargeback.max_hold_ttl (default 1 hour, a superuser setting): the
-- ingest role could otherwise tie up a block budget with a long ttl.
CREATE FUNCTION chargeback.max_hold_ttl() RETURNS interval
    AS 'MODULE_PATHNAME', 'cb_max_hold_ttl' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION chargeback.max_hold_ttl() IS 'the chargeback.max_hold_ttl setting: the longest an open hold may last';

CREATE OR REPLACE FUNCTION chargeback.reservation_before_insert() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, chargeback
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
    PERFORM pg_advisory_xact_lock(hashtext('chargeback.budget'), NEW.budget_id::integer);
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
