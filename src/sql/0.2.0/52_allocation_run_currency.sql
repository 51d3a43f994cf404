-- A run's header per currency (0.2.0). The allocation engine runs each currency on its own,
-- so a month with, say, USD invoices and an EUR fixed charge has lines in both; 0.1.0's
-- header added them into one metered, fixed and total. Now `totals` holds them per
-- currency, and metered, fixed and total are filled only when there is one currency. (No
-- `currency` column: queries joining runs to their lines name the lines' currency unqualified.)
ALTER TABLE chargeback.allocation_run
    ADD COLUMN totals jsonb NOT NULL DEFAULT '{}',
    ALTER COLUMN metered DROP NOT NULL,
    ALTER COLUMN fixed DROP NOT NULL,
    ALTER COLUMN total DROP NOT NULL;
COMMENT ON COLUMN chargeback.allocation_run.totals IS 'per currency: metered cost, fixed charges, what the lines sum to, and how many lines, e.g. {"USD": {"metered": 70.5, "fixed": 5, "total": 76, "lines": 12}}';
COMMENT ON COLUMN chargeback.allocation_run.metered IS 'metered cost of the period when the run has one currency (NULL otherwise: see totals)';
COMMENT ON COLUMN chargeback.allocation_run.fixed IS 'fixed charges of the period when the run has one currency (NULL otherwise: see totals)';
COMMENT ON COLUMN chargeback.allocation_run.total IS 'what the lines sum to (invoices where recorded, else metered cost plus fixed charges) when the run has one currency (NULL otherwise: see totals)';

-- Runs written before the upgrade: their lines give each currency's total (and a run in one
-- currency keeps its metered and fixed); a run with more than one loses the sums that mixed
-- them. (Final runs are frozen against changes;
-- this one is the upgrade's own.)
ALTER TABLE chargeback.allocation_run DISABLE TRIGGER allocation_run_frozen;
UPDATE chargeback.allocation_run r
   SET metered = CASE WHEN h.currencies <= 1 THEN r.metered END,
       fixed = CASE WHEN h.currencies <= 1 THEN r.fixed END,
       total = CASE WHEN h.currencies <= 1 THEN r.total END,
       totals = CASE WHEN h.currencies = 1
                     THEN jsonb_build_object(h.currency, h.totals -> h.currency || jsonb_build_object('metered', r.metered, 'fixed', r.fixed))
                     ELSE h.totals END
  FROM (SELECT x.run_id, count(*) AS currencies, min(x.currency) AS currency,
               jsonb_object_agg(x.currency, jsonb_build_object('total', x.total, 'lines', x.lines)) AS totals
          FROM (SELECT l.run_id, l.currency, sum(l.amount) AS total, count(*) AS lines
                  FROM chargeback.allocation_line l GROUP BY 1, 2) x
         GROUP BY x.run_id) h
 WHERE h.run_id = r.run_id;
ALTER TABLE chargeback.allocation_run ENABLE TRIGGER allocation_run_frozen;

CREATE OR REPLACE FUNCTION chargeback.allocation_write(period date, model text, final boolean) RETURNS bigint
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
    -- The header per currency (the engine runs each currency on its own; no currency is
    -- added to another): totals has one entry per currency, and metered, fixed and total are
    -- filled when the run has a single currency.
    WITH parts AS (
        SELECT c->>'currency' AS currency, (c->>'cost')::numeric AS metered,
               0::numeric AS fixed, 0::numeric AS total, 0 AS lines
          FROM jsonb_array_elements(doc->'costs') c
        UNION ALL
        SELECT f->>'currency', 0, (f->>'amount')::numeric, 0, 0
          FROM jsonb_array_elements(doc->'fixed') f
        UNION ALL
        SELECT l.currency, 0, 0, l.amount, 1 FROM chargeback.allocation_line l WHERE l.run_id = run),
    per_currency AS (
        SELECT p.currency, sum(p.metered) AS metered, sum(p.fixed) AS fixed, sum(p.total) AS total,
               sum(p.lines)::integer AS lines
          FROM parts p GROUP BY p.currency),
    header AS (
        SELECT count(*) AS currencies,
               coalesce(sum(c.metered), 0) AS metered, coalesce(sum(c.fixed), 0) AS fixed,
               coalesce(sum(c.total), 0) AS total, coalesce(sum(c.lines), 0)::integer AS lines,
               coalesce(jsonb_object_agg(c.currency, jsonb_build_object('metered', c.metered, 'fixed', c.fixed,
                                                                        'total', c.total, 'lines', c.lines)), '{}') AS totals
          FROM per_currency c)
    UPDATE chargeback.allocation_run r
       SET metered = CASE WHEN h.currencies <= 1 THEN h.metered END,
           fixed = CASE WHEN h.currencies <= 1 THEN h.fixed END,
           total = CASE WHEN h.currencies <= 1 THEN h.total END,
           lines = h.lines,
           totals = h.totals,
           status = CASE WHEN final THEN 'final' ELSE 'draft' END
      FROM header h
     WHERE r.run_id = run;
    RETURN run;
END
$$;
