-- The showback statement: statement_html(period, org_unit) gathers everything a department
-- leader's page needs with SQL, from the reporting views and tables only (SECURITY INVOKER,
-- so under row-level security the page shows only what the caller may see), and hands one
-- jsonb document to the C++ renderer (src/core/statement_html.cpp). Every sum, change and
-- percentage is computed here in numeric and passed as text: the renderer prints amounts
-- exactly as given and only sizes the charts from them.

-- The renderer: a pure function of the document (see src/core/statement_html.hpp).
CREATE FUNCTION chargeback.render_statement(doc jsonb) RETURNS text
    AS 'MODULE_PATHNAME', 'cb_render_statement' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION chargeback.render_statement(jsonb) IS
    'renders a statement_data() document as a self-contained HTML page with inline SVG charts (no script, no external resource)';

-- The document: the unit and its descendants, their month's spend by project and by model
-- (the 12 largest, the rest folded into one row), every day of the month, the month-end
-- forecast, their month/quarter/year budgets, cost per outcome, and the latest allocation run.
CREATE FUNCTION chargeback.statement_data(period date, org_unit text) RETURNS jsonb
LANGUAGE plpgsql STABLE PARALLEL SAFE STRICT
SET search_path = pg_catalog, chargeback, pg_temp
AS $$
DECLARE
    tz text := chargeback.accounting_timezone();
    p_start date := date_trunc('month', statement_data.period)::date;
    p_end date := (date_trunc('month', statement_data.period) + interval '1 month')::date - 1;
    prev date := (date_trunc('month', statement_data.period) - interval '1 month')::date;
    today date := chargeback.day_of(now());
    root chargeback.org_unit;
    ids integer[];
    codes text[];
    total numeric;
    prev_total numeric;
    n_requests bigint;
    n_tokens bigint;
    last_day date;
    as_of date;
    run chargeback.allocation_run;
    reporting jsonb;
    doc jsonb;
BEGIN
    SELECT * INTO root FROM chargeback.org_unit u WHERE lower(u.code) = lower(statement_data.org_unit);
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
            MESSAGE = format('unknown org unit %L', statement_data.org_unit),
            HINT = 'org unit codes are in chargeback.org_unit (matched case-insensitively)';
    END IF;
    -- The statement of a unit covers its descendants (as an org_unit budget does).
    SELECT array_agg(u.org_unit_id ORDER BY u.code), array_agg(u.code ORDER BY u.code) INTO ids, codes
    FROM chargeback.org_unit_descendants(root.org_unit_id) d JOIN chargeback.org_unit u ON u.org_unit_id = d;

    SELECT coalesce(sum(s.cost) FILTER (WHERE s.period = p_start), 0), coalesce(sum(s.cost) FILTER (WHERE s.period = prev), 0),
           coalesce(sum(s.requests) FILTER (WHERE s.period = p_start), 0), coalesce(sum(s.total_tokens) FILTER (WHERE s.period = p_start), 0)
    INTO total, prev_total, n_requests, n_tokens
    FROM chargeback.showback s WHERE s.period IN (p_start, prev) AND s.org_unit = ANY (codes);

    -- The figures run to the last day of the month, or to today while the month is under way
    -- (to the last day with usage if that is later); the forecast covers the rest.
    SELECT max(d.day) INTO last_day FROM chargeback.daily_spend d
    WHERE d.day BETWEEN p_start AND p_end AND d.org_unit = ANY (codes);
    as_of := least(p_end, greatest(p_start, today, last_day));

    -- The month in the reporting currency (chargeback.reporting_currency), when some of its cost
    -- is in another: converted as showback_in() converts it. A missing rate leaves the page
    -- without that figure and says why, rather than failing the statement.
    IF EXISTS (SELECT 1 FROM chargeback.daily_rollup r
               WHERE r.period = p_start AND r.org_unit_id = ANY (ids) AND r.currency <> ''
                 AND r.currency <> chargeback.reporting_currency()) THEN
        BEGIN
            SELECT jsonb_build_object('currency', chargeback.reporting_currency(), 'total', coalesce(sum(s.converted), 0)::text)
              INTO reporting
              FROM chargeback.showback_in(p_start, chargeback.reporting_currency()) s
             WHERE s.org_unit = ANY (codes);
        EXCEPTION WHEN SQLSTATE 'CB004' THEN
            reporting := jsonb_build_object('currency', chargeback.reporting_currency(), 'missing', SQLERRM);
        END;
    END IF;

    SELECT r.run_id, r.model, r.status INTO run.run_id, run.model, run.status
    FROM chargeback.allocation_run r WHERE r.period = p_start ORDER BY r.run_id DESC LIMIT 1;

    WITH days AS (
        SELECT g.day::date AS day, coalesce(x.cost, 0) AS cost
        FROM generate_series(p_start, p_end, interval '1 day') g(day)
        LEFT JOIN (SELECT d.day, sum(d.cost) AS cost FROM chargeback.daily_spend d
                   WHERE d.day BETWEEN p_start AND p_end AND d.org_unit = ANY (codes)
                   GROUP BY d.day) x ON x.day = g.day::date),
    grouped AS (
        SELECT GROUPING(s.project) = 1 AS by_model, s.project, s.provider, s.model, sum(s.cost) AS cost,
               sum(s.requests) AS requests, sum(s.total_tokens) AS total_tokens
        FROM chargeback.showback s WHERE s.period = p_start AND s.org_unit = ANY (codes)
        GROUP BY GROUPING SETS ((s.project), (s.provider, s.model))),
    ranked AS (
        -- Rows of each breakdown by cost; beyond 13 rows, the 13th and later fold into one.
        SELECT r.*,
               count(*) OVER w > 13 AND row_number() OVER (w ORDER BY r.cost DESC, r.project, r.provider, r.model) > 12 AS folded
        FROM grouped r WINDOW w AS (PARTITION BY r.by_model)),
    breakdown AS (
        SELECT k.by_model, k.folded, min(k.cost) FILTER (WHERE NOT k.folded) AS sort_cost,
               CASE WHEN k.folded THEN NULL ELSE k.project END AS project,
               CASE WHEN k.folded THEN NULL ELSE k.provider END AS provider,
               CASE WHEN k.folded THEN NULL ELSE k.model END AS model,
               CASE WHEN k.folded THEN count(*) ELSE 0 END AS others,
               sum(k.cost) AS cost, sum(k.requests) AS requests, sum(k.total_tokens) AS total_tokens
        FROM ranked k
        GROUP BY k.by_model, k.folded, 4, 5, 6)
    SELECT jsonb_build_object(
        'org_unit', jsonb_build_object('code', root.code, 'name', root.name),
        'units', (SELECT jsonb_agg(jsonb_build_object('code', u.code, 'name', u.name) ORDER BY u.code)
                  FROM chargeback.org_unit u WHERE u.org_unit_id = ANY (ids)),
        'period', p_start, 'period_end', p_end, 'as_of', as_of,
        'total', total::text, 'prev_total', prev_total::text, 'change', (total - prev_total)::text,
        'change_pct', CASE WHEN prev_total <> 0 THEN round(100 * (total - prev_total) / prev_total, 1)::text END,
        'requests', n_requests, 'total_tokens', n_tokens,
        'by_project', (SELECT coalesce(jsonb_agg(jsonb_build_object(
                                  'project', b.project, 'others', b.others, 'cost', b.cost::text,
                                  'share_pct', CASE WHEN total <> 0 THEN round(100 * b.cost / total, 1)::text END,
                                  'requests', b.requests::bigint, 'total_tokens', b.total_tokens::bigint)
                              ORDER BY b.folded, b.sort_cost DESC, b.project NULLS LAST), '[]')
                       FROM breakdown b WHERE NOT b.by_model),
        'by_model', (SELECT coalesce(jsonb_agg(jsonb_build_object(
                                'provider', b.provider, 'model', b.model, 'others', b.others, 'cost', b.cost::text,
                                'share_pct', CASE WHEN total <> 0 THEN round(100 * b.cost / total, 1)::text END,
                                'requests', b.requests::bigint, 'total_tokens', b.total_tokens::bigint)
                            ORDER BY b.folded, b.sort_cost DESC, b.provider, b.model), '[]')
                     FROM breakdown b WHERE b.by_model),
        'daily', (SELECT jsonb_agg(jsonb_build_object('day', d.day, 'cost', d.cost::text) ORDER BY d.day) FROM days d),
        -- Missing days count as no spend; the 8 weeks before the month are history.
        'forecast', CASE WHEN as_of < p_end AND last_day IS NOT NULL THEN
                        -- The band is an estimate: to the cent is plenty (the projection stays exact).
                        (SELECT jsonb_build_object('projected', f->>'projected', 'low', round((f->>'low')::numeric, 2)::text,
                                                   'high', round((f->>'high')::numeric, 2)::text,
                                                   'method', f->>'method', 'state', f->>'state')
                         FROM (SELECT chargeback.forecast(h.day, h.cost, p_end, p_start) AS f
                               FROM (SELECT d.day, d.cost FROM days d WHERE d.day <= as_of
                                     UNION ALL
                                     SELECT d.day, sum(d.cost) FROM chargeback.daily_spend d
                                     WHERE d.day BETWEEN p_start - 56 AND p_start - 1 AND d.org_unit = ANY (codes)
                                     GROUP BY d.day) h) x)
                    END,
        'budgets', (SELECT coalesce(jsonb_agg(jsonb_build_object(
                               'name', b.name, 'scope_value', b.scope_value, 'period', b.period,
                               'period_start', b.ps, 'period_end', b.pe, 'amount', b.amount::text, 'currency', b.currency,
                               'spend', b.spend::text,
                               'pct_used', CASE WHEN b.amount > 0 THEN round(100 * b.spend / b.amount, 1)::text END,
                               'forecast', b.forecast::text,
                               'state', chargeback.budget_state(b.spend, b.amount, b.thresholds[1], b.forecast,
                                                                b.forecast_state))
                           ORDER BY b.name), '[]')
                    FROM (SELECT bb.*, bs.spend,
                                 coalesce(bf.forecast, bs.spend) AS forecast, bf.forecast_state
                          FROM (SELECT b.*, bp.ps, chargeback.budget_period_end(b.period, bp.ps) AS pe
                                FROM chargeback.budget b
                                JOIN chargeback.org_unit u ON lower(u.code) = lower(b.scope_value)
                                CROSS JOIN LATERAL (SELECT chargeback.budget_period_start(b.period, p_start::timestamp AT TIME ZONE tz) AS ps) bp
                                WHERE b.scope = 'org_unit' AND u.org_unit_id = ANY (ids)
                                  AND b.period IN ('month', 'quarter', 'year')
                                  AND b.valid_from < ((p_end + 1)::timestamp AT TIME ZONE tz)
                                  AND (b.valid_to IS NULL OR b.valid_to > (p_start::timestamp AT TIME ZONE tz))) bb
                          CROSS JOIN LATERAL (SELECT chargeback.budget_spent(bb.budget_id, bb.ps) AS spend) bs
                          -- A budget period still under way (as the month above) is forecast to its end.
                          CROSS JOIN LATERAL (SELECT max(s.day) AS last_day FROM chargeback.budget_spend s
                                              WHERE s.budget_id = bb.budget_id AND s.day BETWEEN bb.ps AND bb.pe) bl
                          CROSS JOIN LATERAL (SELECT least(bb.pe, greatest(bb.ps, today, bl.last_day)) AS as_of) ba
                          -- with the budget's 8 weeks before its period as history
                          LEFT JOIN LATERAL (SELECT (x.f->>'projected')::numeric AS forecast, x.f->>'state' AS forecast_state
                                             FROM (SELECT chargeback.forecast(h.day, h.spend, bb.pe, bb.ps) AS f
                                                   FROM (SELECT s.day, s.spend FROM chargeback.budget_spend s
                                                         WHERE s.budget_id = bb.budget_id AND s.day BETWEEN bb.ps - 56 AND ba.as_of
                                                         UNION ALL
                                                         SELECT ba.as_of, 0) h
                                                   WHERE ba.as_of < bb.pe AND bl.last_day IS NOT NULL) x) bf ON true) b),
        'unit_costs', (SELECT coalesce(jsonb_agg(jsonb_build_object(
                                  'org_unit', c.org_unit, 'activity_type', c.activity_type, 'cost', c.cost::text,
                                  'units', c.units::text, 'cost_per_unit', c.cost_per_unit::text)
                              ORDER BY c.org_unit, c.activity_type), '[]')
                       FROM chargeback.unit_costs c WHERE c.period = p_start AND c.org_unit = ANY (codes)),
        -- The month's spend anomalies of the units (chargeback.detect_anomalies), with what
        -- moved: each mover of the cause as {dimension, value, change}.
        -- The one currency of the month's costs, when there is one (the page then names it).
        'currency', (SELECT CASE WHEN count(DISTINCT r.currency) = 1 THEN min(r.currency) END
                     FROM chargeback.daily_rollup r
                     WHERE r.period = p_start AND r.org_unit_id = ANY (ids) AND r.currency <> ''),
        'reporting', reporting,
        'anomalies', (SELECT coalesce(jsonb_agg(jsonb_build_object(
                                  'day', e.day, 'scope', e.scope, 'scope_value', e.scope_value, 'org_unit', o.code,
                                  'direction', e.direction, 'expected', e.expected::text, 'actual', e.actual::text,
                                  'movers', (SELECT coalesce(jsonb_agg(jsonb_build_object('dimension', m.key, 'value', i->>'value',
                                                                                          'change', i->>'change')
                                                                       ORDER BY m.key, i.ord), '[]')
                                             FROM jsonb_each(e.cause) m
                                             CROSS JOIN LATERAL jsonb_array_elements(CASE WHEN jsonb_typeof(m.value) = 'array'
                                                                                          THEN m.value ELSE '[]' END)
                                                 WITH ORDINALITY i (i, ord)))
                              ORDER BY e.day, o.code, e.scope, e.scope_value), '[]')
                       FROM chargeback.spend_anomaly_event e JOIN chargeback.org_unit o USING (org_unit_id)
                       WHERE e.day BETWEEN p_start AND p_end AND e.org_unit_id = ANY (ids)),
        'allocation', CASE WHEN run.run_id IS NOT NULL THEN jsonb_build_object(
            'run_id', run.run_id, 'model', run.model, 'status', run.status,
            'total', (SELECT coalesce(sum(l.amount), 0)::text FROM chargeback.allocation_line l
                      WHERE l.run_id = run.run_id AND l.org_unit_id = ANY (ids)),
            'components', (SELECT coalesce(jsonb_agg(jsonb_build_object('component', c.component, 'currency', c.currency,
                                                                        'amount', c.amount::text)
                                                     ORDER BY array_position(ARRAY['direct', 'shared', 'fixed', 'true_up', 'adjustment'], c.component), c.currency), '[]')
                           FROM (SELECT l.component, l.currency, sum(l.amount) AS amount FROM chargeback.allocation_line l
                                 WHERE l.run_id = run.run_id AND l.org_unit_id = ANY (ids)
                                 GROUP BY l.component, l.currency) c),
            'lines', (SELECT coalesce(jsonb_agg(jsonb_build_object('org_unit', c.code, 'component', c.component,
                                                                   'source', c.source, 'currency', c.currency,
                                                                   'amount', c.amount::text)
                                                ORDER BY c.code, array_position(ARRAY['direct', 'shared', 'fixed', 'true_up', 'adjustment'], c.component), c.source, c.currency), '[]')
                      FROM (SELECT o.code, l.component, l.source, l.currency, sum(l.amount) AS amount
                            FROM chargeback.allocation_line l JOIN chargeback.org_unit o USING (org_unit_id)
                            WHERE l.run_id = run.run_id AND l.org_unit_id = ANY (ids)
                            GROUP BY o.code, l.component, l.source, l.currency) c))
        END)
    INTO doc;
    RETURN doc;
END
$$;
COMMENT ON FUNCTION chargeback.statement_data(date, text) IS
    'the document chargeback.statement_html() renders: a unit''s (and its descendants'') month from the showback views, budgets, unit_costs and the latest allocation run';

CREATE FUNCTION chargeback.statement_html(period date, org_unit text) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE STRICT
SET search_path = pg_catalog, chargeback, pg_temp
AS $$ SELECT chargeback.render_statement(chargeback.statement_data(statement_html.period, statement_html.org_unit)) $$;
COMMENT ON FUNCTION chargeback.statement_html(date, text) IS
    'a self-contained HTML showback statement of an org unit and its descendants for the month containing period: total and change, spend by project and model, daily trend with forecast, budgets, cost per outcome and the latest allocation run, with inline SVG charts; security invoker (reads only what the caller may read); unknown org unit: 22023';
