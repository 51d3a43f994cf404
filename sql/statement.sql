-- The showback statement: chargeback.statement_html(period, org_unit) is one HTML page per
-- unit and month. The database is shared with the other tests, so this test has its own
-- provider (stmtco), units (st-*) and months (May to July 2088, March 2001); the page's
-- figures are read back out of the HTML with regular expressions.
SET search_path = chargeback, public;
SET timezone = 'UTC';

-- sm costs 1 and sl 2 per 1M input tokens: N million tokens cost N (or 2N) exactly.
SELECT set_price('stmtco', 'sm', 'input=1 output=4', '2000-01-01') > 0 AS priced;
SELECT set_price('stmtco', 'sl', 'input=2 output=8', '2000-01-01') > 0 AS priced;
INSERT INTO org_unit (code, name, cost_center) VALUES ('st-eng', 'Engineering', 'CC-ST1'), ('st-sales', 'Sales', 'CC-ST2');
INSERT INTO org_unit (code, name, parent_id) SELECT 'st-eng-web', 'Web <Team>', org_unit_id FROM org_unit WHERE code = 'st-eng';

CREATE FUNCTION pg_temp.use(id text, at text, dept text, project text, model text, millions numeric, activity text DEFAULT NULL)
RETURNS bigint LANGUAGE sql AS $$
    SELECT chargeback.ingest(jsonb_build_object('provider', 'stmtco', 'model', model, 'request_id', 'st-' || id,
        'occurred_at', at, 'tokens', jsonb_build_object('input', millions * 1000000),
        'attrs', jsonb_strip_nulls(jsonb_build_object('department', dept, 'project', project, 'activity_type', activity))))
$$;

-- A budget of 10 a month on Engineering (it covers Web too).
INSERT INTO budget (name, scope, scope_value, period, amount) VALUES ('st-eng-monthly', 'org_unit', 'st-eng', 'month', 10.00);

-- May: Engineering 2. June: Engineering core 3 + 1.25, Web (a child of Engineering) 0.5 on a
-- project with a hostile name and 2 on web (sl, pull requests), Sales 4 (not Engineering's).
SELECT count(pg_temp.use(id, at, d, p, m, n, a)) AS requests
FROM (VALUES ('m1', '2088-05-10T10:00:00Z', 'st-eng', 'core', 'sm', 2, NULL),
             ('j1', '2088-06-02T10:00:00Z', 'st-eng', 'core', 'sm', 3, NULL),
             ('j2', '2088-06-03T10:00:00Z', 'st-eng', 'core', 'sm', 1.25, NULL),
             ('j3', '2088-06-03T11:00:00Z', 'st-eng-web', '<script>alert(1)</script>', 'sm', 0.5, NULL),
             ('j4', '2088-06-05T10:00:00Z', 'st-eng-web', 'web', 'sl', 1, 'pull_request'),
             ('j5', '2088-06-04T10:00:00Z', 'st-sales', 'crm', 'sm', 4, NULL)) v(id, at, d, p, m, n, a);
INSERT INTO activity_outcome (period, org_unit_id, activity_type, units)
SELECT '2088-06-01', org_unit_id, 'pull_request', 4 FROM org_unit WHERE code = 'st-eng-web';
-- A chargeback run: seats of 2.15 follow metered cost (10.75): Engineering 0.85, Web 0.50, Sales 0.80.
INSERT INTO fixed_charge (period, provider, description, amount) VALUES ('2088-06-01', 'stmtco', 'seats', 2.15);
SELECT run_allocation('2088-06-01') > 0 AS ran;

-- An unknown unit is an error that names it (SQLSTATE 22023).
\set SHOW_CONTEXT never
SELECT statement_html('2088-06-01', 'st-nope');
\set SHOW_CONTEXT errors
DO $$ BEGIN PERFORM chargeback.statement_html('2088-06-01', 'st-nope');
EXCEPTION WHEN OTHERS THEN RAISE NOTICE 'SQLSTATE %', SQLSTATE; END $$;

-- Engineering's June (any day of the month names it; codes match case-insensitively).
CREATE TEMP TABLE page AS SELECT statement_html('2088-06-17', 'ST-ENG') AS html;
CREATE FUNCTION pg_temp.section(html text, id text) RETURNS text LANGUAGE sql
AS $$ SELECT substring(html FROM '<section id="' || id || '">.*?</section>') $$;
-- A complete page with no script: six charts (project, model, per day, cumulative, budgets,
-- allocation).
SELECT left(html, 15) AS starts, right(html, 8) = E'</html>\n' AS ends, html NOT LIKE '%<script%' AS no_script,
       (length(html) - length(replace(html, '<svg', ''))) / 4 AS svg_charts,
       substring(html FROM '<title>([^<]*)</title>') AS title
FROM page;
SELECT substring(html FROM '<p class="scope">(.*?)</p>') AS scope FROM page;
-- The totals, as people read them (currency, cents; an amount with more digits keeps them in
-- the title): 6.75 this month, 2 in May.
SELECT substring(html FROM 'id="total"><span>[^<]*</span><b[^>]*>([^<]*)</b>') AS total,
       substring(html FROM 'id="prev-total"><span>[^<]*</span><b[^>]*>([^<]*)</b>') AS prev_total,
       substring(html FROM 'id="change"><span>[^<]*</span><b[^>]*>([^<]*)</b>') AS change,
       substring(html FROM 'id="requests"><span>[^<]*</span><b[^>]*>([^<]*)</b>') AS requests
FROM page;
-- The same figures straight from the showback view.
SELECT sum(cost) AS showback_total FROM showback WHERE period = '2088-06-01' AND org_unit IN ('st-eng', 'st-eng-web');
-- Projects (the child's included, its name escaped; Sales' crm is not there), then models.
SELECT m[1] AS project, m[2] AS cost, m[3] AS share
FROM page, regexp_matches(pg_temp.section(html, 'projects'), '<tr><td>([^<]*)</td><td class="num"[^>]*>([^<]*)</td><td class="num"[^>]*>([^<]*)</td>', 'g') m;
SELECT m[1] AS provider, m[2] AS model, m[3] AS cost
FROM page, regexp_matches(pg_temp.section(html, 'models'), '<tr><td>([^<]*)</td><td>([^<]*)</td><td class="num"[^>]*>([^<]*)</td>', 'g') m;
SELECT html LIKE '%crm%' AS shows_sales FROM page;
-- Per day: a bar on the 2nd, 3rd and 5th only.
SELECT count(*) AS day_bars FROM page, regexp_matches(pg_temp.section(html, 'trend'), 'fill="#17becf"', 'g');
-- Budget: 6.75 of 10 spent; its forecast is the forecast aggregate over its days to date
-- (with the 8 weeks before its period as history: there is none).
SELECT m[1] AS budget, m[2] AS unit, m[3] AS period, m[4] AS amount, m[5] AS spent, m[6] AS used, m[8] AS state,
       replace(m[7], ',', '')::numeric = round((SELECT forecast(h.day, h.spend, '2088-06-30', '2088-06-01')->>'projected'
               FROM (SELECT s.day, s.spend FROM budget_spend s
                     WHERE s.day BETWEEN date '2088-06-01' - 56 AND '2088-06-05'
                       AND s.budget_id = (SELECT budget_id FROM budget WHERE name = 'st-eng-monthly')
                     UNION ALL SELECT date '2088-06-05', 0) h)::numeric, 2) AS forecast_matches
FROM page, regexp_matches(pg_temp.section(html, 'budgets'),
    '<tr><td>([^<]*)</td><td>([^<]*)</td><td>([^<]*)</td><td class="num"[^>]*>([^<]*)</td><td class="num"[^>]*>([^<]*)</td><td class="num"[^>]*>([^<]*)</td><td class="num"[^>]*>([^<]*)</td><td><span[^>]*></span>([^<]*)</td>', 'g') m;
-- The month's forecast runs from the last day with usage (the 5th) to the 30th.
SELECT replace(substring(html FROM 'forecast for 2088-06-30: ([0-9.,]+)'), ',', '')::numeric =
       round((SELECT forecast(g::date, coalesce((SELECT sum(cost) FROM daily_spend d WHERE d.day = g::date AND d.org_unit IN ('st-eng', 'st-eng-web')), 0), '2088-06-30', '2088-06-01')->>'projected'
        FROM generate_series(date '2088-06-01', date '2088-06-05', interval '1 day') g)::numeric, 2) AS month_forecast_matches
FROM page;
-- Cost per outcome: 2 / 4 pull requests.
SELECT m[1] AS unit, m[2] AS activity, m[3] AS cost, m[4] AS outcomes, m[5] AS per_outcome
FROM page, regexp_matches(pg_temp.section(html, 'unit-costs'), '<tr><td>([^<]*)</td><td>([^<]*)</td><td class="num"[^>]*>([^<]*)</td><td class="num"[^>]*>([^<]*)</td><td class="num"[^>]*>([^<]*)</td>', 'g') m;
-- Allocation: the latest run's lines of Engineering and Web, 8.10 in all.
SELECT substring(pg_temp.section(html, 'allocation') FROM '<p>Run [0-9]+ \(([^<]*)</p>') AS run FROM page;
SELECT m[1] AS unit, m[2] AS component, m[3] AS source, m[4] AS amount, m[5] AS currency
FROM page, regexp_matches(pg_temp.section(html, 'allocation'), '<tr><td>([^<]*)</td><td>([^<]*)</td><td>([^<]*)</td><td class="num"[^>]*>([^<]*)</td><td>([^<]*)</td>', 'g') m;
SELECT sum(l.amount) AS run_lines FROM allocation_line l JOIN org_unit o USING (org_unit_id)
WHERE l.run_id = (SELECT max(run_id) FROM allocation_run WHERE period = '2088-06-01') AND o.code IN ('st-eng', 'st-eng-web');

-- The child alone: its own spend only, no previous month to compare with.
SELECT substring(html FROM 'id="total"><span>[^<]*</span><b[^>]*>([^<]*)</b>') AS total,
       substring(html FROM 'id="change"><span>[^<]*</span><b[^>]*>([^<]*)</b>') AS change,
       substring(html FROM '<p class="scope">(.*?)</p>') AS scope,
       html LIKE '%No monthly, quarterly or yearly budget%' AS no_budget_of_its_own
FROM (SELECT statement_html('2088-06-01', 'st-eng-web') AS html) s;

-- A month without usage is a page that says so; the only chart left is the budget's (10 for
-- August, nothing spent).
SELECT substring(html FROM '<p class="empty">([^<]*)</p>') AS says,
       (length(html) - length(replace(html, '<svg', ''))) / 4 AS svg_charts,
       substring(html FROM 'id="prev-total"><span>[^<]*</span><b[^>]*>([^<]*)</b>') AS prev_total
FROM (SELECT statement_html('2088-08-01', 'st-eng') AS html) s;

-- A unit with 15 projects in a month: the 12 largest, and the other 3 folded into one row
-- (Sales in July 2088: project pN costs N/100).
SELECT count(pg_temp.use('jul-' || i, '2088-07-06T10:00:00Z', 'st-sales', 'p' || i, 'sm', i / 100.0)) AS requests
FROM generate_series(1, 15) i;
SELECT m[1] AS project, m[2] AS cost
FROM (SELECT statement_html('2088-07-01', 'st-sales') AS html) s,
     regexp_matches(pg_temp.section(html, 'projects'), '<tr><td>([^<]*)</td><td class="num"[^>]*>([^<]*)</td>', 'g') m;

-- A month that is over has no forecast (March 2001: the figures run to its last day).
SELECT pg_temp.use('mar01', '2001-03-10T10:00:00Z', 'st-eng', 'core', 'sm', 1) > 0 AS used;
SELECT substring(html FROM 'id="total"><span>[^<]*</span><b[^>]*>([^<]*)</b>') AS total,
       html LIKE '%spent to 2001-03-31 (the month is complete: no forecast)%' AS complete,
       html NOT LIKE '%forecast for%' AS no_forecast
FROM (SELECT statement_html('2001-03-01', 'st-eng') AS html) s;

-- The renderer rejects a document of the wrong shape with a clear error.
SELECT render_statement('{"org_unit": {"code": "x", "name": "x"}}');
SELECT render_statement(statement_data('2088-06-01', 'st-eng') || '{"total": "12abc"}');
SELECT render_statement((repeat('[', 20) || repeat(']', 20))::jsonb);

-- Read-only, security invoker, truthfully marked.
SELECT p.proname, p.provolatile, p.proparallel, p.prosecdef
FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
WHERE n.nspname = 'chargeback' AND p.proname IN ('statement_html', 'statement_data', 'render_statement') ORDER BY 1;
