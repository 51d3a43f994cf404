-- allocate() and allocate_agg(): largest remainder, exact sums, deterministic ties, credits,
-- zero and NULL weights, clear errors, random properties, and parallel = serial.
SET search_path = chargeback, public;

-- 100 over three equal weights: the first row in window order takes the extra cent.
SELECT id, chargeback.allocate(100, 1) OVER (ORDER BY id) FROM generate_series(1, 3) id;
-- Reverse the window order and the extra cent moves with it.
SELECT id, chargeback.allocate(100, 1) OVER (ORDER BY id DESC) FROM generate_series(1, 3) id ORDER BY id;
-- Proportions, per partition; minor units of 1 (JPY) and 0.05.
SELECT p, w, chargeback.allocate(t, w, m) OVER (PARTITION BY p ORDER BY w DESC, id) AS share
FROM (VALUES (1, 'usd', 1000.00, 0.01, 3), (2, 'usd', 1000.00, 0.01, 7), (3, 'usd', 1000.00, 0.01, 11),
             (4, 'jpy', 1000, 1, 1), (5, 'jpy', 1000, 1, 2),
             (6, 'chf', 10.00, 0.05, 1), (7, 'chf', 10.00, 0.05, 1), (8, 'chf', 10.00, 0.05, 1)) v(id, p, t, m, w)
ORDER BY p, id;
-- Credits (negative totals) mirror debits; zero weights get nothing unless all are zero
-- (then the split is even); NULL weights take no part and get NULL.
SELECT p, id, w, chargeback.allocate(t, w) OVER (PARTITION BY p ORDER BY id) AS share
FROM (VALUES ('credit', 1, -100.00, 1), ('credit', 2, -100.00, 1), ('credit', 3, -100.00, 1),
             ('zero', 4, 0.05, 0), ('zero', 5, 0.05, 0), ('zero', 6, 0.05, 0),
             ('some-zero', 7, 9.99, 0), ('some-zero', 8, 9.99, 2),
             ('null', 9, 1.00, NULL), ('null', 10, 1.00, 1), ('null', 11, 1.00, 3)) v(p, id, t, w)
ORDER BY p, id;
-- A NULL total allocates nothing.
SELECT chargeback.allocate(NULL, 1) OVER () AS share;

-- Errors name the value and say what to do.
SELECT chargeback.allocate(10.005, 1) OVER ();
SELECT chargeback.allocate(10, -1) OVER ();
SELECT chargeback.allocate(10, 1, 0) OVER ();
SELECT id, chargeback.allocate(id * 10, 1) OVER () FROM generate_series(1, 2) id;

-- Huge weights (beyond 128-bit products) are split exactly too.
SELECT chargeback.allocate(0.03, w) OVER (ORDER BY w) AS share
FROM (VALUES (1e30), (2e30), (3e30)) v(w);

-- Properties over random partitions: shares sum exactly to each total and every share is
-- within one cent of its exact proportion; and allocate() agrees row by row with the plain
-- SQL largest-remainder formulation (floor, remainder order, row_number).
SELECT setseed(0.17);
CREATE TEMP TABLE alloc_random AS
SELECT p, i, round((random() * 5000)::numeric / 100, (random() * 3)::int) * (random() > 0.1)::int AS w,
       round((random() * 100000)::numeric / 100, 2) AS t
FROM generate_series(1, 300) p, generate_series(1, 1 + (p % 37)) i;
UPDATE alloc_random a SET t = s.t FROM (SELECT DISTINCT ON (p) p, t FROM alloc_random ORDER BY p, i) s WHERE a.p = s.p;
CREATE TEMP TABLE alloc_shares AS
SELECT p, i, w, t, chargeback.allocate(t, w) OVER (PARTITION BY p ORDER BY i) AS share FROM alloc_random;
SELECT count(*) AS partitions,
       count(*) FILTER (WHERE total_shares <> t) AS sums_off
FROM (SELECT p, min(t) AS t, sum(share) AS total_shares FROM alloc_shares GROUP BY p) s;
SELECT count(*) AS rows_off_by_more_than_a_cent
FROM (SELECT s.*, sum(w) OVER (PARTITION BY p) AS wsum, count(*) OVER (PARTITION BY p) AS n FROM alloc_shares s) x
WHERE abs(share - CASE WHEN wsum = 0 THEN t / n ELSE t * w / wsum END) >= 0.01;
WITH base AS (
    SELECT p, i, w, t * 100 AS units, sum(w) OVER (PARTITION BY p) AS wsum FROM alloc_random
), exact AS (
    SELECT p, i, units, CASE WHEN wsum = 0 THEN units / count(*) OVER (PARTITION BY p) ELSE units * w / wsum END AS e
    FROM base
), floored AS (
    SELECT p, i, units, floor(e) AS f, e - floor(e) AS r FROM exact
), ranked AS (
    SELECT p, i, f, units - sum(f) OVER (PARTITION BY p) AS leftover,
           row_number() OVER (PARTITION BY p ORDER BY r DESC, i) AS rn
    FROM floored
)
SELECT count(*) AS rows_differing_from_sql_reference
FROM ranked JOIN alloc_shares s USING (p, i)
WHERE (f + (rn <= leftover)::int) / 100 <> s.share;

-- allocate_agg: {key: amount}; weights of a key add up; ties go to the smaller key.
SELECT chargeback.allocate_agg(k, w, 100) FROM (VALUES ('sales', 1), ('marketing', 1), ('eng', 1)) v(k, w);
SELECT chargeback.allocate_agg(k, w, 10.00, 0.01) FROM (VALUES ('a', 1), ('b', 2), ('a', 1), ('c', NULL), (NULL, 5)) v(k, w);
SELECT chargeback.allocate_agg(k, w, -0.05) FROM (VALUES ('x', 0), ('y', 0)) v(k, w);
SELECT chargeback.allocate_agg(k, w, t) FROM (VALUES ('x', 1, 10), ('y', 1, 20)) v(k, w, t);
SELECT chargeback.allocate_agg(k, w, 10) FROM (VALUES ('x', -1)) v(k, w);
SELECT chargeback.allocate_agg(k, w, 10) IS NULL AS no_rows FROM (VALUES ('x', 1)) v(k, w) WHERE false;
-- Keys are JSON-escaped.
SELECT chargeback.allocate_agg(k, 1, 0.02) FROM (VALUES ('say "hi"'), (E'tab\there')) v(k);

-- Parallel workers (Partial Aggregate, serialize/combine) give the result of a serial plan,
-- whatever order the rows arrive in.
CREATE TABLE alloc_big AS
SELECT g % 7 AS grp, 'unit-' || (g * 7919 % 113) AS k, (g % 97)::numeric / 10 AS w FROM generate_series(1, 60000) g;
ANALYZE alloc_big;
SET max_parallel_workers_per_gather = 0;
CREATE TEMP TABLE agg_serial AS SELECT grp, chargeback.allocate_agg(k, w, 12345.67) AS a FROM alloc_big GROUP BY grp;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SET enable_hashagg = off;
EXPLAIN (COSTS OFF) SELECT grp, chargeback.allocate_agg(k, w, 12345.67) FROM alloc_big GROUP BY grp;
CREATE TEMP TABLE agg_parallel AS SELECT grp, chargeback.allocate_agg(k, w, 12345.67) AS a FROM alloc_big GROUP BY grp;
RESET enable_hashagg;
SELECT count(*) AS groups, count(*) FILTER (WHERE s.a = p.a) AS equal FROM agg_serial s JOIN agg_parallel p USING (grp);
SELECT grp, (SELECT sum(value::numeric) FROM jsonb_each_text(a)) AS total FROM agg_parallel ORDER BY grp LIMIT 2;
RESET max_parallel_workers_per_gather;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
DROP TABLE alloc_big;
