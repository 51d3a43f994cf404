-- cost() over N token_usage values against plain SQL numeric arithmetic on the same counts
-- held in columns (what a team would write without the extension), in one session. Each
-- side runs 3 times; the best time counts. Both must give the same exact total.
SET search_path = chargeback, public;

CREATE TEMP TABLE bench_usage AS
SELECT format('input=%s cache_read=%s cache_write=%s output=%s reasoning=%s requests=1',
              (i * 7919) % 8000, (i * 104729) % 20000, (i * 31) % 500, (i * 1299709) % 1500,
              (i * 17) % 800)::token_usage AS tokens,
       (i * 7919) % 8000 AS input, (i * 104729) % 20000 AS cache_read, (i * 31) % 500 AS cache_write,
       (i * 1299709) % 1500 AS output, (i * 17) % 800 AS reasoning
FROM generate_series(1::bigint, :rows) i;
VACUUM ANALYZE bench_usage;

DO $$
DECLARE
    rates token_rates := 'input=3 cache_read=0.3 cache_write=3.75 output=15 USD';
    t0 timestamptz;
    ext interval := interval '1 hour';
    sql interval := interval '1 hour';
    ext_total numeric;
    sql_total numeric;
    n bigint;
BEGIN
    SELECT count(*) INTO n FROM bench_usage;
    FOR round IN 1..3 LOOP
        t0 := clock_timestamp();
        SELECT sum(cost(tokens, rates)) INTO ext_total FROM bench_usage;
        ext := least(ext, clock_timestamp() - t0);
        t0 := clock_timestamp();
        SELECT sum((input * 3 + cache_read * 0.3 + cache_write * 3.75 + output * 15 + reasoning * 15) / 1000000)
          INTO sql_total FROM bench_usage;
        sql := least(sql, clock_timestamp() - t0);
    END LOOP;
    IF ext_total <> sql_total THEN
        RAISE EXCEPTION 'totals differ: cost() % vs SQL %', ext_total, sql_total;
    END IF;
    RAISE NOTICE 'cost() over % rows: % ms; plain SQL numeric: % ms; cost() takes %x the time of SQL (target <= 1.0), totals equal: %',
        n, round(extract(epoch FROM ext) * 1000), round(extract(epoch FROM sql) * 1000),
        round((extract(epoch FROM ext) / extract(epoch FROM sql))::numeric, 2), ext_total;
END
$$;
