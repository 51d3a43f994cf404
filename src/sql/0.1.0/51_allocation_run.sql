-- Chargeback runs: run_allocation() (drafts), close_period() (the frozen final run),
-- reopen_period(), late usage booking, and the journal.

-- The accounting periods usage is booked into. Each ingest batch holds its periods' rows
-- FOR SHARE until commit, so close_period() (FOR UPDATE) waits for in-flight ingests and
-- its final run sees them; a batch that arrives after a close books into the next open
-- month. Under REPEATABLE READ a concurrent close makes the batch fail with 40001 (retry).
CREATE FUNCTION chargeback.book_periods(periods date[], OUT natural_period date, OUT booked_period date)
RETURNS SETOF record
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, chargeback
AS $$
DECLARE
    p date;
    b date;
    st text;
    steps integer;
BEGIN
    FOREACH p IN ARRAY periods LOOP
        b := p;
        steps := 0;
        LOOP
            INSERT INTO chargeback.period AS t (period) VALUES (b) ON CONFLICT DO NOTHING;
            SELECT t.status INTO st FROM chargeback.period t WHERE t.period = b FOR SHARE;
            EXIT WHEN st = 'open';
            b := (b + interval '1 month')::date;
            steps := steps + 1;
            IF steps > 1200 THEN
                RAISE EXCEPTION USING ERRCODE = 'program_limit_exceeded',
                    MESSAGE = format('no open accounting period within 100 years after %s', p);
            END IF;
        END LOOP;
        PERFORM chargeback.ensure_partitions(b, b);
        natural_period := p;
        booked_period := b;
        RETURN NEXT;
    END LOOP;
END
$$;
COMMENT ON FUNCTION chargeback.book_periods(date[]) IS
    'the open period each usage month is booked into (itself, or the next open month when it is closed); locks them until commit';

-- Serializes runs, closes and reopens of one period until commit.
CREATE FUNCTION chargeback.lock_allocation(period date) RETURNS void LANGUAGE sql VOLATILE
AS $$ SELECT pg_advisory_xact_lock(hashtextextended('chargeback.allocation ' || period, 0)) $$;

-- Everything one run needs, as one document for the allocation engine (C++).
CREATE FUNCTION chargeback.allocation_input(period date, model text) RETURNS jsonb
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, chargeback
AS $$
DECLARE
    p date := allocation_input.period;
    doc jsonb;
BEGIN
    SELECT jsonb_build_object(
        'model', allocation_input.model,
        'units', (SELECT jsonb_agg(jsonb_build_object('id', u.org_unit_id, 'code', u.code, 'parent', u.parent_id,
                                                      'kind', u.kind) ORDER BY u.org_unit_id)
                    FROM chargeback.org_unit u),
        'costs', (SELECT coalesce(jsonb_agg(jsonb_build_object(
                            'unit', c.org_unit_id, 'project', c.project, 'activity', c.activity_type,
                            'provider', c.provider, 'currency', c.currency, 'adjusts', c.adjusts_period,
                            'cost', c.cost, 'requests', c.requests, 'tokens', c.tokens)), '[]')
                    -- From the daily rollup (kept in the same transaction as the usage), not
                    -- from raw usage: a run reads thousands of rows, not millions. A day
                    -- outside the booking period is late usage of that earlier month.
                    FROM (SELECT r.org_unit_id, nullif(r.project, '') AS project,
                                 nullif(r.activity_type, '') AS activity_type, r.provider, r.currency,
                                 CASE WHEN date_trunc('month', r.day)::date <> r.period
                                      THEN date_trunc('month', r.day)::date END AS adjusts_period,
                                 sum(r.cost) AS cost, sum(r.requests - r.unpriced) AS requests,
                                 sum(r.total_tokens) AS tokens
                            FROM chargeback.daily_rollup r
                           WHERE r.period = p AND r.currency <> '' AND r.requests > r.unpriced
                           GROUP BY 1, 2, 3, 4, 5, 6) c),
        'fixed', (SELECT coalesce(jsonb_agg(jsonb_build_object('provider', f.provider, 'description', f.description,
                                                               'amount', f.amount, 'currency', f.currency)
                                            ORDER BY f.fixed_charge_id), '[]')
                    FROM chargeback.fixed_charge f WHERE f.period = p),
        'invoices', (SELECT coalesce(jsonb_agg(jsonb_build_object('provider', i.provider, 'amount', i.amount,
                                                                  'currency', i.currency)), '[]')
                       FROM chargeback.invoice i WHERE i.period = p),
        'rules', (SELECT coalesce(jsonb_agg(jsonb_build_object('rule_id', r.rule_id, 'name', r.name, 'step', r.step,
                                                               'source', r.source, 'method', r.method,
                                                               'targets', to_jsonb(r.targets), 'weights', r.weights)
                                            ORDER BY r.step, r.rule_id), '[]')
                    FROM chargeback.allocation_rule r
                   WHERE r.valid_from <= p AND (r.valid_to IS NULL OR r.valid_to > p)),
        'headcount', (SELECT coalesce(jsonb_object_agg(h.org_unit_id, h.n), '{}')
                        FROM (SELECT m.org_unit_id, count(DISTINCT m.principal) AS n
                                FROM chargeback.membership m
                               WHERE tstzrange(m.valid_from, m.valid_to) && tstzrange(p, (p + interval '1 month')::date)
                               GROUP BY m.org_unit_id) h),
        'outcomes', (SELECT coalesce(jsonb_agg(jsonb_build_object('unit', o.org_unit_id, 'activity', o.activity_type,
                                                                  'units', o.units)), '[]')
                       FROM chargeback.activity_outcome o WHERE o.period = p))
      INTO doc;
    RETURN doc;
END
$$;
COMMENT ON FUNCTION chargeback.allocation_input(date, text) IS
    'the input document of a run: usage grouped per owner, project, activity and provider, fixed charges, invoices, rules, headcount, outcomes';

-- The allocation engine: pure function of the input document (C++, exact rationals, rounded
-- once at the end by largest remainder so the lines sum exactly to the run total).
CREATE FUNCTION chargeback.allocation_compute(input jsonb,
    OUT org_unit_id integer, OUT project text, OUT activity_type text, OUT component text,
    OUT source text, OUT amount numeric, OUT currency text, OUT basis jsonb)
RETURNS SETOF record
    AS 'MODULE_PATHNAME', 'cb_allocation_compute' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION chargeback.allocation_compute(jsonb) IS
    'the lines of a run computed from an allocation_input() document (nothing is stored)';

-- Writes one run of a period; the caller holds the period's lock.
CREATE FUNCTION chargeback.allocation_write(period date, model text, final boolean) RETURNS bigint
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, chargeback
AS $$
DECLARE
    p date := allocation_write.period;
    run bigint;
    doc jsonb;
BEGIN
    IF allocation_write.model IS NULL OR allocation_write.model NOT IN ('central', 'department', 'activity') THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
            MESSAGE = format('unknown allocation model %L', allocation_write.model),
            HINT = 'models: central, department, activity';
    END IF;
    doc := chargeback.allocation_input(p, allocation_write.model);
    INSERT INTO chargeback.allocation_run (period, model, status)
    VALUES (p, allocation_write.model, 'draft') RETURNING run_id INTO run;
    INSERT INTO chargeback.allocation_line (run_id, period, org_unit_id, project, activity_type, component,
                                           source, amount, currency, basis)
    SELECT run, p, l.org_unit_id, l.project, l.activity_type, l.component, l.source, l.amount, l.currency, l.basis
      FROM chargeback.allocation_compute(doc) l;
    UPDATE chargeback.allocation_run r
       SET metered = coalesce((SELECT sum((c->>'cost')::numeric) FROM jsonb_array_elements(doc->'costs') c), 0),
           fixed = coalesce((SELECT sum((f->>'amount')::numeric) FROM jsonb_array_elements(doc->'fixed') f), 0),
           total = written.total,
           lines = written.lines,
           status = CASE WHEN final THEN 'final' ELSE 'draft' END
      FROM (SELECT coalesce(sum(l.amount), 0) AS total, count(*) AS lines
              FROM chargeback.allocation_line l WHERE l.run_id = run) written
     WHERE r.run_id = run;
    RETURN run;
END
$$;

-- run_allocation: a draft run of the period in one model; a rerun replaces that draft.
CREATE FUNCTION chargeback.run_allocation(period date, model text DEFAULT 'department') RETURNS bigint
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, chargeback
AS $$
DECLARE
    p date := date_trunc('month', run_allocation.period)::date;
    st text;
BEGIN
    IF p IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'null_value_not_allowed', MESSAGE = 'run_allocation needs a period';
    END IF;
    -- One run of a period at a time; the period row (if any) must stay open meanwhile.
    PERFORM chargeback.lock_allocation(p);
    SELECT t.status INTO st FROM chargeback.period t WHERE t.period = p FOR SHARE;
    IF st = 'closed' THEN
        RAISE EXCEPTION USING ERRCODE = 'CB003',
            MESSAGE = format('period %s is closed', to_char(p, 'YYYY-MM')),
            HINT = 'its final run is frozen; chargeback.reopen_period() reopens it (an admin act that is recorded)';
    END IF;
    DELETE FROM chargeback.allocation_run r
     WHERE r.period = p AND r.model = run_allocation.model AND r.status = 'draft';
    RETURN chargeback.allocation_write(p, run_allocation.model, false);
END
$$;
COMMENT ON FUNCTION chargeback.run_allocation(date, text) IS
    'draft chargeback run of a month in model central, department or activity; replaces the previous draft of that model';

-- close_period: waits for in-flight ingests of the month, writes its final run and freezes it.
CREATE FUNCTION chargeback.close_period(period date, model text DEFAULT 'department') RETURNS bigint
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, chargeback
AS $$
DECLARE
    p date := date_trunc('month', close_period.period)::date;
    st text;
    run bigint;
BEGIN
    IF p IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'null_value_not_allowed', MESSAGE = 'close_period needs a period';
    END IF;
    -- The final run must see every ingest that committed before the close: a snapshot taken
    -- before the lock (REPEATABLE READ) would miss them.
    IF current_setting('transaction_isolation') <> 'read committed' THEN
        RAISE EXCEPTION USING ERRCODE = 'CB002',
            MESSAGE = format('close_period needs READ COMMITTED, not %s', current_setting('transaction_isolation')),
            HINT = 'run it in its own READ COMMITTED transaction';
    END IF;
    PERFORM chargeback.lock_allocation(p);
    INSERT INTO chargeback.period AS t (period) VALUES (p) ON CONFLICT DO NOTHING;
    SELECT t.status INTO st FROM chargeback.period t WHERE t.period = p FOR UPDATE;
    IF st = 'closed' THEN
        RAISE EXCEPTION USING ERRCODE = 'CB003',
            MESSAGE = format('period %s is already closed', to_char(p, 'YYYY-MM')),
            HINT = 'chargeback.reopen_period() reopens it (an admin act that is recorded)';
    END IF;
    DELETE FROM chargeback.allocation_run r WHERE r.period = p AND r.status = 'draft';
    run := chargeback.allocation_write(p, close_period.model, true);
    UPDATE chargeback.period t SET status = 'closed', final_run_id = run, changed_at = now(), changed_by = current_user
     WHERE t.period = p;
    INSERT INTO chargeback.period_event (period, action, run_id) VALUES (p, 'close', run);
    RETURN run;
END
$$;
COMMENT ON FUNCTION chargeback.close_period(date, text) IS
    'final chargeback run of a month; its lines are frozen and later usage for the month is booked into the next open one';

-- reopen_period: an admin act, recorded with its reason. The old final run stays frozen as
-- history; the next close writes a new one.
CREATE FUNCTION chargeback.reopen_period(period date, reason text) RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, chargeback
AS $$
DECLARE
    p date := date_trunc('month', reopen_period.period)::date;
    st text;
BEGIN
    IF reason IS NULL OR btrim(reason) = '' THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
            MESSAGE = 'reopening a period needs a reason', HINT = 'it is recorded in chargeback.period_event';
    END IF;
    PERFORM chargeback.lock_allocation(p);
    SELECT t.status INTO st FROM chargeback.period t WHERE t.period = p FOR UPDATE;
    IF st IS DISTINCT FROM 'closed' THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
            MESSAGE = format('period %s is not closed', to_char(p, 'YYYY-MM'));
    END IF;
    UPDATE chargeback.period t SET status = 'open', changed_at = now(), changed_by = current_user WHERE t.period = p;
    INSERT INTO chargeback.period_event (period, action, run_id, reason)
    SELECT p, 'reopen', t.final_run_id, reopen_period.reason FROM chargeback.period t WHERE t.period = p;
END
$$;
COMMENT ON FUNCTION chargeback.reopen_period(date, text) IS
    'reopens a closed month (recorded with the reason); its final run stays as history';

-- Final runs are frozen: their runs and lines cannot be changed, added or removed (SQLSTATE
-- CB003). Lines are checked once per statement, through its transition tables: a run writes
-- and a rerun deletes thousands of lines, which a per-row lookup would slow down.
CREATE FUNCTION chargeback.allocation_frozen() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, chargeback
AS $$
DECLARE
    run bigint;
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        IF EXISTS (SELECT 1 FROM chargeback.allocation_run r WHERE r.status = 'final') THEN
            RAISE EXCEPTION USING ERRCODE = 'CB003',
                MESSAGE = format('cannot truncate %s: it holds the lines of final runs', TG_TABLE_NAME);
        END IF;
        RETURN NULL;
    END IF;
    IF TG_TABLE_NAME = 'allocation_run' THEN
        IF OLD.status = 'final' THEN
            RAISE EXCEPTION USING ERRCODE = 'CB003',
                MESSAGE = format('allocation run %s is the final run of %s and cannot be changed', OLD.run_id,
                                 to_char(OLD.period, 'YYYY-MM')),
                HINT = 'closed periods are frozen; reopen_period() and a new close write a new final run';
        END IF;
        RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
    END IF;
    -- allocation_line, once per statement.
    IF TG_OP = 'INSERT' THEN
        SELECT min(r.run_id) INTO run FROM chargeback.allocation_run r
         WHERE r.status = 'final' AND r.run_id IN (SELECT l.run_id FROM new_lines l);
    ELSIF TG_OP = 'UPDATE' THEN
        SELECT min(r.run_id) INTO run FROM chargeback.allocation_run r
         WHERE r.status = 'final'
           AND r.run_id IN (SELECT l.run_id FROM old_lines l UNION SELECT l.run_id FROM new_lines l);
    ELSE
        SELECT min(r.run_id) INTO run FROM chargeback.allocation_run r
         WHERE r.status = 'final' AND r.run_id IN (SELECT l.run_id FROM old_lines l);
    END IF;
    IF run IS NOT NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'CB003',
            MESSAGE = format('allocation run %s is final: its lines cannot be changed', run),
            HINT = 'closed periods are frozen; reopen_period() and a new close write a new final run';
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER allocation_line_frozen_insert AFTER INSERT ON chargeback.allocation_line
    REFERENCING NEW TABLE AS new_lines FOR EACH STATEMENT EXECUTE FUNCTION chargeback.allocation_frozen();
CREATE TRIGGER allocation_line_frozen_update AFTER UPDATE ON chargeback.allocation_line
    REFERENCING OLD TABLE AS old_lines NEW TABLE AS new_lines FOR EACH STATEMENT EXECUTE FUNCTION chargeback.allocation_frozen();
CREATE TRIGGER allocation_line_frozen_delete AFTER DELETE ON chargeback.allocation_line
    REFERENCING OLD TABLE AS old_lines FOR EACH STATEMENT EXECUTE FUNCTION chargeback.allocation_frozen();
CREATE TRIGGER allocation_line_no_truncate BEFORE TRUNCATE ON chargeback.allocation_line
    FOR EACH STATEMENT EXECUTE FUNCTION chargeback.allocation_frozen();
CREATE TRIGGER allocation_run_frozen BEFORE UPDATE OR DELETE ON chargeback.allocation_run
    FOR EACH ROW EXECUTE FUNCTION chargeback.allocation_frozen();
CREATE TRIGGER allocation_run_no_truncate BEFORE TRUNCATE ON chargeback.allocation_run
    FOR EACH STATEMENT EXECUTE FUNCTION chargeback.allocation_frozen();

-- The general-ledger cost center of a unit: its own, else its nearest ancestor's, else its code.
CREATE FUNCTION chargeback.cost_center_of(org_unit_id integer) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, chargeback
AS $$
    WITH RECURSIVE up(id, cost_center, depth) AS (
        SELECT u.parent_id, u.cost_center, 0 FROM chargeback.org_unit u WHERE u.org_unit_id = cost_center_of.org_unit_id
        UNION ALL
        SELECT u.parent_id, u.cost_center, up.depth + 1 FROM chargeback.org_unit u JOIN up ON u.org_unit_id = up.id
        WHERE up.cost_center IS NULL AND up.depth < 1000
    )
    SELECT coalesce((SELECT up.cost_center FROM up WHERE up.cost_center IS NOT NULL ORDER BY up.depth LIMIT 1),
                    (SELECT u.code FROM chargeback.org_unit u WHERE u.org_unit_id = cost_center_of.org_unit_id))
$$;
COMMENT ON FUNCTION chargeback.cost_center_of(integer) IS
    'the cost center a unit posts to: its own, else its nearest ancestor''s, else its code';

-- The journal: per run, debit each consuming cost center with its net charge and credit the
-- central AI cost center with the sum, so debits equal credits to the cent.
CREATE VIEW chargeback.journal AS
WITH net AS (
    SELECT r.period, r.run_id, r.model, l.currency, l.org_unit_id, sum(l.amount) AS amount
      FROM chargeback.allocation_run r
      JOIN chargeback.allocation_line l ON l.run_id = r.run_id
     WHERE r.status = 'final'
        OR (r.status = 'draft' AND NOT EXISTS (SELECT 1 FROM chargeback.period t WHERE t.period = r.period AND t.status = 'closed'))
     GROUP BY r.period, r.run_id, r.model, l.currency, l.org_unit_id
), central AS (
    SELECT u.org_unit_id, chargeback.cost_center_of(u.org_unit_id) AS cost_center, u.code
      FROM chargeback.org_unit u WHERE u.kind = 'central'
)
SELECT n.period, n.run_id, 'AI services expense'::text AS account,
       chargeback.cost_center_of(u.org_unit_id) AS cost_center, u.code AS org_unit,
       CASE WHEN n.amount > 0 THEN n.amount ELSE 0 END AS debit,
       CASE WHEN n.amount < 0 THEN -n.amount ELSE 0 END AS credit,
       format('%s chargeback %s (%s model, run %s)', n.currency, to_char(n.period, 'YYYY-MM'), n.model, n.run_id) AS memo
  FROM net n JOIN chargeback.org_unit u ON u.org_unit_id = n.org_unit_id
 WHERE n.amount <> 0 AND n.org_unit_id IS DISTINCT FROM (SELECT c.org_unit_id FROM central c)
UNION ALL
SELECT n.period, n.run_id, 'AI services expense'::text,
       coalesce((SELECT c.cost_center FROM central c), 'CENTRAL-AI'),
       coalesce((SELECT c.code FROM central c), 'central'),
       CASE WHEN sum(n.amount) < 0 THEN -sum(n.amount) ELSE 0 END,
       CASE WHEN sum(n.amount) > 0 THEN sum(n.amount) ELSE 0 END,
       format('%s chargeback %s (%s model, run %s): central AI cost center', n.currency, to_char(n.period, 'YYYY-MM'),
              n.model, n.run_id)
  FROM net n
 WHERE n.org_unit_id IS DISTINCT FROM (SELECT c.org_unit_id FROM central c)
 GROUP BY n.period, n.run_id, n.model, n.currency
HAVING sum(n.amount) <> 0;
COMMENT ON VIEW chargeback.journal IS
    'balanced general-ledger entries per run: debit each consuming cost center, credit the central AI cost center; sum(debit) = sum(credit)';
COMMENT ON COLUMN chargeback.journal.account IS 'expense account the entries post to';
COMMENT ON COLUMN chargeback.journal.cost_center IS 'the unit''s cost center (see cost_center_of); the credit line is the central AI cost center';
COMMENT ON COLUMN chargeback.journal.debit IS 'amount charged to the cost center, in the run currency';
COMMENT ON COLUMN chargeback.journal.credit IS 'amount relieved from the cost center (the central one, or a unit with a net credit)';
