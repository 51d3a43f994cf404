-- Retention: archive_usage(before) takes the usage partitions of closed months before a date
-- out of chargeback.usage (detached as a plain table, or dropped). The books stay: showback,
-- daily_spend, FOCUS, runs, the journal and budgets read the rollup and their own tables.
-- A request sent again after its month was archived is still recognised and never charged
-- twice. This test's months are January to March 2021, its provider archco.
SET search_path = chargeback, public;
SET timezone = 'UTC';

SELECT set_price('archco', 'a1', 'input=1 output=2', '2020-01-01') > 0 AS priced;
INSERT INTO org_unit (code, name, cost_center) VALUES ('arch-unit', 'Archive unit', 'CC-ARCH');
INSERT INTO usage_inbox (payload)
SELECT json_build_object('provider', 'archco', 'model', 'a1', 'request_id', 'arch-' || i,
        'occurred_at', timestamptz '2021-01-01' + i * interval '7 hours',
        'tokens', json_build_object('input', 1000000, 'output', 1000 * i),
        'attrs', json_build_object('department', 'arch-unit', 'project', 'p' || (i % 3)))
FROM generate_series(1, 300) i;   -- January into March (300 * 7 hours = 87.5 days)
SELECT period, count(*) AS requests, sum(cost) AS cost FROM usage WHERE provider = 'archco' GROUP BY 1 ORDER BY 1;
SELECT close_period('2021-01-01') > 0 AS january_closed, close_period('2021-02-01') > 0 AS february_closed;

-- What finance reads, before.
CREATE TEMP TABLE books AS
SELECT (SELECT sum(cost) FROM showback WHERE org_unit = 'arch-unit') AS showback,
       (SELECT sum(cost) FROM daily_spend WHERE org_unit = 'arch-unit') AS daily,
       (SELECT sum("BilledCost") FROM focus WHERE "SubAccountId" = 'arch-unit') AS focus,
       (SELECT sum(debit) FROM journal j WHERE j.period < '2021-03-01' AND j.cost_center = 'CC-ARCH') AS journal,
       (SELECT sum(amount) FROM allocation_line l JOIN org_unit o USING (org_unit_id) WHERE o.code = 'arch-unit') AS lines;

-- Only closed months before the date are archived: March is open and stays.
SELECT archive_usage('2021-04-01') AS archived;
SELECT period, mode, table_name, requests, cost FROM usage_archive WHERE period < '2021-04-01' ORDER BY period;
SELECT period, count(*) AS requests_left FROM usage WHERE provider = 'archco' GROUP BY 1 ORDER BY 1;
SELECT c.relname, c.relispartition, c.relacl IS NULL OR NOT has_table_privilege('chargeback_analyst', c.oid, 'SELECT') AS owner_only,
       (SELECT count(*) FROM chargeback.usage_archived_2021_01) AS rows_kept
FROM pg_class c WHERE c.relname = 'usage_archived_2021_01';

-- The books are unchanged.
SELECT (SELECT sum(cost) FROM showback WHERE org_unit = 'arch-unit') = b.showback AS showback_same,
       (SELECT sum(cost) FROM daily_spend WHERE org_unit = 'arch-unit') = b.daily AS daily_same,
       (SELECT sum("BilledCost") FROM focus WHERE "SubAccountId" = 'arch-unit') = b.focus AS focus_same,
       (SELECT sum(debit) FROM journal j WHERE j.period < '2021-03-01' AND j.cost_center = 'CC-ARCH') = b.journal AS journal_same,
       (SELECT sum(amount) FROM allocation_line l JOIN org_unit o USING (org_unit_id) WHERE o.code = 'arch-unit') = b.lines AS lines_same,
       length(statement_html('2021-01-01', 'arch-unit')) > 1000 AS statement
FROM books b;

-- A January request sent again is recognised (its claim stays) and charged nothing; a new
-- late January request is booked into March, the first open month, as an adjustment.
SELECT sum(cost) AS cost_before FROM usage WHERE provider = 'archco' \gset
SELECT ingest('{"provider": "archco", "model": "a1", "request_id": "arch-5", "occurred_at": "2021-01-02T11:00:00Z", "tokens": {"input": 1000000}}') IS NOT NULL AS resent;
SELECT sum(cost) = :cost_before AS charged_nothing FROM usage WHERE provider = 'archco';
SELECT request_id FROM usage_duplicate WHERE request_id = 'arch-5';
SELECT ingest('{"provider": "archco", "model": "a1", "request_id": "arch-late", "occurred_at": "2021-01-20T00:00:00Z", "tokens": {"input": 1000000}, "attrs": {"department": "arch-unit"}}') IS NOT NULL AS late;
SELECT period, adjusts_period, cost FROM usage WHERE request_id = 'arch-late';

-- Rebuilding the rollup keeps the archived months' rows (all that is left of them).
SELECT sum(cost) AS rollup_before FROM daily_rollup r JOIN org_unit o USING (org_unit_id) WHERE o.code = 'arch-unit' \gset
SELECT rebuild_daily_rollup() > 0 AS rebuilt;
SELECT sum(cost) = :rollup_before AS rollup_same FROM daily_rollup r JOIN org_unit o USING (org_unit_id) WHERE o.code = 'arch-unit';

-- Dropping: close March and drop it.
SELECT close_period('2021-03-01') > 0 AS march_closed;
SELECT archive_usage('2021-04-01', 'drop') AS dropped;
SELECT period, mode, table_name IS NULL AS no_table FROM usage_archive WHERE period = '2021-03-01';
SELECT to_regclass('chargeback.usage_2021_03') IS NULL AS partition_gone;

-- Wrong input.
SELECT archive_usage(NULL);
SELECT archive_usage('2021-04-01', 'shred');
-- Admins may archive; analysts may not.
SELECT has_function_privilege('chargeback_admin', 'chargeback.archive_usage(date, text)', 'EXECUTE') AS admin_may,
       has_function_privilege('chargeback_analyst', 'chargeback.archive_usage(date, text)', 'EXECUTE') AS analyst_may;

DROP TABLE chargeback.usage_archived_2021_01, chargeback.usage_archived_2021_02;
