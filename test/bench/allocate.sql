-- allocate() over N rows in 1000 window partitions against the plain SQL largest-remainder
-- formulation (floor, remainder, row_number: what a team would write without the
-- extension), in one session; best of 3 each. Both must give identical shares.
SET search_path = chargeback, public;
SET client_min_messages = warning;  -- no DROP ... skipping notices


CREATE TEMP TABLE bench_alloc AS
SELECT i % 1000 AS part, i AS id, ((i * 7919) % 10000)::numeric / 100 AS weight,
       (1000 + (i % 1000) * 37)::numeric AS total
FROM generate_series(1::bigint, :rows) i;
VACUUM ANALYZE bench_alloc;

DO $$
DECLARE
    t0 timestamptz;
    ext interval := interval '1 hour';
    sql interval := interval '1 hour';
    ext_sum numeric;
    sql_sum numeric;
    differing bigint;
    n bigint;
BEGIN
    SELECT count(*) INTO n FROM bench_alloc;
    FOR round IN 1..3 LOOP
        t0 := clock_timestamp();
        DROP TABLE IF EXISTS ext_shares;
        CREATE TEMP TABLE ext_shares AS
        SELECT part, id, allocate(total, weight) OVER (PARTITION BY part ORDER BY id) AS share FROM bench_alloc;
        ext := least(ext, clock_timestamp() - t0);
    END LOOP;
    -- The plain SQL formulation, timed separately (3 rounds).
    sql := interval '1 hour';
    FOR round IN 1..3 LOOP
        t0 := clock_timestamp();
        DROP TABLE IF EXISTS sql_shares;
        CREATE TEMP TABLE sql_shares AS
        WITH exact AS (
            SELECT part, id, total * 100 AS units,
                   total * 100 * weight / sum(weight) OVER (PARTITION BY part) AS e
            FROM bench_alloc
        ), floored AS (
            SELECT part, id, units, floor(e) AS f, e - floor(e) AS r FROM exact
        ), ranked AS (
            SELECT part, id, f, units - sum(f) OVER (PARTITION BY part) AS leftover,
                   row_number() OVER (PARTITION BY part ORDER BY r DESC, id) AS rn
            FROM floored
        )
        SELECT part, id, (f + (rn <= leftover)::int) / 100 AS share FROM ranked;
        sql := least(sql, clock_timestamp() - t0);
    END LOOP;
    SELECT sum(share) INTO ext_sum FROM ext_shares;
    SELECT sum(share) INTO sql_sum FROM sql_shares;
    SELECT count(*) INTO differing FROM ext_shares e JOIN sql_shares s USING (part, id) WHERE e.share <> s.share;
    SET LOCAL client_min_messages = notice;
    RAISE NOTICE 'allocate(): % rows in 1000 partitions: allocate() % ms, plain SQL largest remainder % ms: % x faster (shares differing: %, totals % / %)',
        n, round(extract(epoch FROM ext) * 1000), round(extract(epoch FROM sql) * 1000),
        round((extract(epoch FROM sql) / extract(epoch FROM ext))::numeric, 2), differing, ext_sum, sql_sum;
END
$$;
