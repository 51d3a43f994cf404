#!/usr/bin/env bash
# Showback benchmark (run by test/bench/run.sh, which provides $PSQL and $BENCH_DIR).
# Loads N usage rows (default 10M) straight into chargeback.usage with INSERT ... SELECT
# generate_series, in batches of 1M rows, so that the rollup triggers maintain
# chargeback.daily_rollup as they would under ingestion: 40 departments, 300 projects (each
# owned by one department, using two of eight models of four providers, half of them tagged
# with an activity), March 2026 and the month before, 1% unpriced. Then one month's showback
# for one department and for all, best of 5, against the plain GROUP BY scan of
# chargeback.usage for the same month (best of 3), and checks that both give the same cost.
set -euo pipefail
N=${BENCH_ROWS:-10000000}
$PSQL -q <<SQL
INSERT INTO chargeback.org_unit (code, name, cost_center)
SELECT 'sdept' || d, 'Department ' || d, 'CC-' || (1000 + d) FROM generate_series(1, 40) d;
DO \$\$ BEGIN PERFORM chargeback.ensure_partitions('2026-02-01', '2026-03-01'); END \$\$;
CREATE TABLE bench_units AS SELECT d, (SELECT org_unit_id FROM chargeback.org_unit WHERE code = 'sdept' || (d + 1)) AS id
FROM generate_series(0, 39) d;
CREATE FUNCTION pg_temp.load(first bigint, last bigint) RETURNS void LANGUAGE sql AS \$f\$
INSERT INTO chargeback.usage (occurred_at, provider, model, service_tier, principal, org_unit_id, project, activity_type,
                              tokens, list_cost, cost, currency, period, status, source, owner_reason)
SELECT x.at, m.provider, m.model, 'standard', 'user' || (i % 3000), u.id, 'project' || x.p,
       (ARRAY['ticket', 'opportunity', 'pull_request', NULL, NULL, NULL])[1 + x.p % 6],
       format('input=%s output=%s requests=1', x.tin, x.tout)::chargeback.token_usage,
       c.cost, c.cost, CASE WHEN c.cost IS NOT NULL THEN 'USD' END,
       chargeback.period_of(x.at), CASE WHEN c.cost IS NULL THEN 'unpriced' ELSE 'priced' END, 'bench', 'explicit'
FROM generate_series(first, last) i
CROSS JOIN LATERAL (SELECT timestamptz '2026-02-01 00:00:00+00' + (i * 7919 % 5097600) * interval '1 second' AS at,
                           (i * 31) % 300 AS p, 500 + i % 4000 AS tin, 50 + i % 900 AS tout) x
CROSS JOIN LATERAL (SELECT (x.p + ((i / 7) % 2) * 3) % 8 AS k) mk
CROSS JOIN LATERAL (SELECT (ARRAY['openai', 'openai', 'openai', 'anthropic', 'anthropic', 'google', 'google', 'bedrock'])[1 + mk.k] AS provider,
                           (ARRAY['gpt-4o', 'gpt-4o-mini', 'gpt-5-mini', 'claude-sonnet-4-5', 'claude-haiku-4-5', 'gemini-2.5-pro',
                                  'gemini-2.5-flash', 'amazon.nova-pro'])[1 + mk.k] AS model,
                           (ARRAY[2.5, 0.15, 0.25, 3, 1, 1.25, 0.3, 0.8])[1 + mk.k] AS rin,
                           (ARRAY[10, 0.6, 2, 15, 5, 10, 2.5, 3.2])[1 + mk.k] AS rout) m
JOIN bench_units u ON u.d = x.p % 40
CROSS JOIN LATERAL (SELECT CASE WHEN i % 100 <> 0 THEN (x.tin * m.rin + x.tout * m.rout) / 1000000 END AS cost) c
\$f\$;
DO \$\$
DECLARE t0 timestamptz := clock_timestamp(); b bigint := 0; step bigint := 1000000;
BEGIN
    WHILE b < $N LOOP
        PERFORM pg_temp.load(b + 1, least(b + step, $N));
        b := b + step;
    END LOOP;
    RAISE NOTICE 'loaded % usage rows in % s (rollup triggers on, batches of 1M): % rollup rows',
        $N, round(extract(epoch FROM clock_timestamp() - t0)::numeric, 1), (SELECT count(*) FROM chargeback.daily_rollup);
END
\$\$;
VACUUM ANALYZE chargeback.usage;
VACUUM ANALYZE chargeback.daily_rollup;

CREATE FUNCTION pg_temp.best_ms(q text, runs int) RETURNS numeric LANGUAGE plpgsql AS \$f\$
DECLARE best interval := '1 hour'; t0 timestamptz;
BEGIN
    FOR r IN 1..runs LOOP
        t0 := clock_timestamp();
        EXECUTE q;
        best := least(best, clock_timestamp() - t0);
    END LOOP;
    RETURN round(extract(epoch FROM best)::numeric * 1000, 1);
END \$f\$;
DO \$\$
DECLARE
    -- Every output column is used, so the planner cannot skip computing any of them.
    sb_one text := \$q\$SELECT count(*), sum(cost), sum(share), sum(prev_cost), sum(change), sum(requests), sum(total_tokens),
                             chargeback.sum(tokens), max(org_unit_name)
                      FROM chargeback.showback WHERE period = '2026-03-01' AND org_unit = 'sdept7'\$q\$;
    sb_all text := replace(sb_one, \$q\$ AND org_unit = 'sdept7'\$q\$, '');
    scan_one text := \$q\$SELECT count(*), sum(cost), sum(requests), sum(total_tokens), chargeback.sum(tokens)
                        FROM (SELECT o.code, u.project, u.provider, u.model, count(*) AS requests,
                                     sum(chargeback.total_tokens(u.tokens)) AS total_tokens, chargeback.sum(u.tokens) AS tokens,
                                     coalesce(sum(u.cost), 0) AS cost
                              FROM chargeback.usage u JOIN chargeback.org_unit o USING (org_unit_id)
                              WHERE u.period = '2026-03-01' AND o.code = 'sdept7'
                              GROUP BY 1, 2, 3, 4) s\$q\$;
    scan_all text := replace(scan_one, \$q\$ AND o.code = 'sdept7'\$q\$, '');
    one_ms numeric; all_ms numeric; scan_one_ms numeric; scan_all_ms numeric;
    sb_cost numeric; usage_cost numeric;
BEGIN
    SELECT sum(cost) INTO sb_cost FROM chargeback.showback WHERE period = '2026-03-01';
    SELECT sum(cost) INTO usage_cost FROM chargeback.usage WHERE period = '2026-03-01';
    IF sb_cost IS DISTINCT FROM usage_cost THEN
        RAISE EXCEPTION 'showback % does not match usage %', sb_cost, usage_cost;
    END IF;
    one_ms := pg_temp.best_ms(sb_one, 5);
    all_ms := pg_temp.best_ms(sb_all, 5);
    scan_one_ms := pg_temp.best_ms(scan_one, 3);
    scan_all_ms := pg_temp.best_ms(scan_all, 3);
    RAISE NOTICE 'showback of March 2026 (% usage rows that month, % USD = sum of usage): one department % ms, all % ms (target < 100 ms)',
        (SELECT count(*) FROM chargeback.usage WHERE period = '2026-03-01'), sb_cost, one_ms, all_ms;
    RAISE NOTICE 'plain GROUP BY scan of usage for the same month: one department % ms, all % ms: showback is %x and %x faster',
        scan_one_ms, scan_all_ms, round(scan_one_ms / one_ms, 1), round(scan_all_ms / all_ms, 1);
END
\$\$;
SQL
