-- sum(token_usage) runs in parallel workers (Partial Aggregate + combine) and gives the
-- same result as a serial plan.
SET search_path = chargeback, public;

CREATE TABLE usage_sample AS
SELECT format('input=%s cache_read=%s output=%s reasoning=%s requests=1', i % 1000, i % 77, i % 313, i % 5)::token_usage AS tokens
FROM generate_series(1, 20000) i;
ANALYZE usage_sample;

SET max_parallel_workers_per_gather = 0;
SELECT sum(tokens) AS serial_sum FROM usage_sample \gset
SELECT :'serial_sum' AS serial_sum;

SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
EXPLAIN (COSTS OFF) SELECT sum(tokens) FROM usage_sample;
SELECT sum(tokens)::text = :'serial_sum' AS parallel_equals_serial FROM usage_sample;
-- cost() is parallel safe too: a parallel total equals the serial one.
SELECT sum(cost(tokens, 'input=3 cache_read=0.3 output=15'::token_rates)) AS parallel_cost FROM usage_sample;
SET max_parallel_workers_per_gather = 0;
SELECT sum(cost(tokens, 'input=3 cache_read=0.3 output=15'::token_rates)) AS serial_cost FROM usage_sample;
DROP TABLE usage_sample;
