-- token_usage: disjoint token counts per usage class.

-- Text form: any order, missing classes are 0, output in class order, '' is all zero.
SELECT 'input=700 cache_read=300 output=46 requests=1'::chargeback.token_usage;
SELECT 'requests=1 output=46   input=700'::chargeback.token_usage;
SELECT ''::chargeback.token_usage AS empty, 'input=0'::chargeback.token_usage AS zero;
SELECT 'input=1 cache_read=2 cache_write=3 cache_write_1h=4 output=5 reasoning=6 audio_input=7 audio_output=8 image_input=9 image_output=10 requests=11 web_searches=12'::chargeback.token_usage AS every_class;
SELECT 'input=9223372036854775807'::chargeback.token_usage AS largest;

-- Bad literals: 22P02 or 22003, naming the offending text.
SELECT 'input=1 cache_raed=2'::chargeback.token_usage;
SELECT 'input=-5'::chargeback.token_usage;
SELECT 'input=abc'::chargeback.token_usage;
SELECT 'input=1.5'::chargeback.token_usage;
SELECT 'input=1 input=2'::chargeback.token_usage;
SELECT 'input'::chargeback.token_usage;
SELECT 'input='::chargeback.token_usage;
SELECT 'input=9223372036854775808'::chargeback.token_usage;

-- Equality, addition, accessors.
SELECT 'input=1 output=2'::chargeback.token_usage = 'output=2 input=1'::chargeback.token_usage AS same,
       'input=1'::chargeback.token_usage <> 'input=2'::chargeback.token_usage AS differ;
SELECT 'input=700 output=46'::chargeback.token_usage + 'input=300 reasoning=10 requests=1'::chargeback.token_usage AS added;
SELECT 'input=9223372036854775807'::chargeback.token_usage + 'input=1'::chargeback.token_usage;
SELECT chargeback.tokens('input=700 cache_read=300'::chargeback.token_usage, 'cache_read') AS cache_read,
       chargeback.tokens('input=700'::chargeback.token_usage, 'output') AS output;
SELECT chargeback.tokens('input=700'::chargeback.token_usage, 'outputs');
SELECT chargeback.total_tokens('input=700 cache_read=300 output=46 reasoning=4 requests=1 web_searches=2'::chargeback.token_usage) AS total,
       chargeback.prompt_tokens('input=700 cache_read=300 cache_write=20 output=46'::chargeback.token_usage) AS prompt;

-- jsonb casts, both ways.
SELECT ('input=700 cache_read=300 output=46'::chargeback.token_usage)::jsonb;
SELECT ('{"input": 700, "output": 46, "requests": 1}'::jsonb)::chargeback.token_usage;
SELECT ('{}'::jsonb)::chargeback.token_usage AS empty_object;
SELECT ('{"input": -1}'::jsonb)::chargeback.token_usage;
SELECT ('{"input": 1.5}'::jsonb)::chargeback.token_usage;
SELECT ('{"input": 1e30}'::jsonb)::chargeback.token_usage;
SELECT ('{"inputs": 1}'::jsonb)::chargeback.token_usage;
SELECT ('[1, 2]'::jsonb)::chargeback.token_usage;
SELECT ('{"input": "many"}'::jsonb)::chargeback.token_usage;

-- Binary send/recv round trip through COPY BINARY.
CREATE TEMP TABLE usage_bin (u chargeback.token_usage);
INSERT INTO usage_bin VALUES ('input=700 cache_read=300 output=46 requests=1'), ('');
COPY usage_bin TO '/tmp/pg_chargeback_usage.bin' WITH (FORMAT binary);
CREATE TEMP TABLE usage_bin2 (u chargeback.token_usage);
COPY usage_bin2 FROM '/tmp/pg_chargeback_usage.bin' WITH (FORMAT binary);
SELECT u FROM usage_bin2;
SELECT count(*) AS round_trips FROM usage_bin a JOIN usage_bin2 b ON a.u OPERATOR(chargeback.=) b.u;

-- sum(): NULLs are skipped, no rows gives NULL, overflow is an error.
SELECT chargeback.sum(u) FROM (VALUES ('input=1 output=2'::chargeback.token_usage), (NULL), ('input=10 requests=1')) v(u);
SELECT chargeback.sum(u) IS NULL AS no_rows FROM (SELECT 'input=1'::chargeback.token_usage WHERE false) v(u);
SELECT chargeback.sum(u) FROM (VALUES ('input=9223372036854775807'::chargeback.token_usage), ('input=1')) v(u);
