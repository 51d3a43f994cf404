-- cost(): exact, per class, with the fallback rules, and no overflow for a year of tokens.
SET search_path = chargeback, public;

-- 700 uncached input at 3, 300 cached at 0.30, 46 output at 15, per 1M tokens:
-- (700*3 + 300*0.3 + 46*15) / 1e6 = (2100 + 90 + 690) / 1e6 = 0.00288
SELECT cost('input=700 cache_read=300 output=46'::token_usage,
            'input=3 cache_read=0.30 output=15'::token_rates) AS cost;
-- The same through the operator.
SELECT 'input=700 cache_read=300 output=46'::token_usage * 'input=3 cache_read=0.30 output=15'::token_rates AS cost;

-- Reasoning falls back to the output rate; cache writes to input unless set:
-- (1000*3 + 2000*3.75 + 500*15 + 1500*15) / 1e6 = (3000 + 7500 + 7500 + 22500) / 1e6 = 0.0405
SELECT cost('input=1000 cache_write=2000 output=500 reasoning=1500'::token_usage,
            'input=3 cache_write=3.75 output=15'::token_rates) AS with_fallbacks;

-- requests and web_searches are priced per unit: 3 searches at 0.01 + 1 request at 0.002.
SELECT cost('web_searches=3 requests=1'::token_usage, 'web_searches=0.01 requests=0.002'::token_rates) AS per_unit;

-- A year of tokens: 1e12 tokens at 75 per 1M is exactly 75,000,000.
SELECT cost('input=1000000000000'::token_usage, 'input=75'::token_rates) AS year_of_tokens;
-- The smallest price of one token: 1e-12.
SELECT cost('input=1'::token_usage, 'input=0.000001'::token_rates) AS one_token;
-- The largest values never wrap: every class at bigint max and the top rate is exact.
SELECT cost('input=9223372036854775807 output=9223372036854775807'::token_usage,
            'input=999999999999.999999 output=999999999999.999999'::token_rates) AS huge;
-- Per-unit classes can overflow the 128-bit sum: a clear error instead.
SELECT cost('requests=9223372036854775807 web_searches=9223372036854775807'::token_usage,
            'requests=999999999999.999999 web_searches=999999999999.999999'::token_rates);

-- No cost is 0, not NULL; NULL in gives NULL out.
SELECT cost(''::token_usage, 'input=3'::token_rates) AS nothing, cost(NULL, 'input=3'::token_rates) AS unknown;

-- Exactness against numeric arithmetic over many rows (same counts held in columns).
CREATE TEMP TABLE t AS
SELECT i, (i::bigint * 7919) % 100000 AS inp, (i::bigint * 104729) % 50000 AS cr, (i::bigint * 1299709) % 4000 AS outp
FROM generate_series(1, 10000) i;
SELECT count(*) FILTER (WHERE cost(format('input=%s cache_read=%s output=%s', inp, cr, outp)::token_usage,
                                   'input=2.5 cache_read=1.25 output=10'::token_rates)
                              <> (inp * 2.5 + cr * 1.25 + outp * 10) / 1000000) AS mismatches,
       sum(cost(format('input=%s cache_read=%s output=%s', inp, cr, outp)::token_usage,
                'input=2.5 cache_read=1.25 output=10'::token_rates)) AS total,
       sum((inp * 2.5 + cr * 1.25 + outp * 10) / 1000000) AS numeric_total
FROM t;
