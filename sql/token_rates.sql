-- token_rates: prices per class per 1M tokens (per unit for requests and web_searches),
-- at most 6 decimals, with an ISO 4217 currency.

SELECT 'input=3 cache_read=0.30 cache_write=3.75 cache_write_1h=6 output=15 USD'::chargeback.token_rates;
SELECT 'output=15 input=3'::chargeback.token_rates AS default_usd;
SELECT 'input=2.5 output=10 eur'::chargeback.token_rates AS lower_case_currency;
SELECT 'input=0.000001 requests=0.002 web_searches=0.01 JPY'::chargeback.token_rates AS small;
SELECT 'input=999999999999.999999'::chargeback.token_rates AS largest;

-- Fallback rules of rate(): reasoning -> output; cache_* and audio/image input -> input;
-- audio/image output -> output; requests and web_searches -> 0.
SELECT c AS class, chargeback.rate('input=3 cache_read=0.3 output=15'::chargeback.token_rates, c) AS rate
FROM unnest(ARRAY['input','cache_read','cache_write','cache_write_1h','output','reasoning',
                  'audio_input','audio_output','image_input','image_output','requests','web_searches']) c;
SELECT chargeback.rate('input=3 output=15 reasoning=20'::chargeback.token_rates, 'reasoning') AS explicit_reasoning;
SELECT chargeback.rate('input=3'::chargeback.token_rates, 'bogus');
SELECT chargeback.currency('input=3 GBP'::chargeback.token_rates);

-- Bad literals.
SELECT 'input=3 cache_raed=1'::chargeback.token_rates;
SELECT 'input=-3'::chargeback.token_rates;
SELECT 'input=three'::chargeback.token_rates;
SELECT 'input=0.0000001'::chargeback.token_rates;
SELECT 'input=3e-6'::chargeback.token_rates;
SELECT 'input=3 input=4'::chargeback.token_rates;
SELECT 'input=3 US'::chargeback.token_rates;
SELECT 'input=3 XYZ'::chargeback.token_rates;
SELECT 'input=3 USD EUR'::chargeback.token_rates;
SELECT 'input=1000000000000'::chargeback.token_rates;

-- Equality compares what was set, the values and the currency.
SELECT 'input=3 output=15'::chargeback.token_rates = 'output=15.000 input=3.0 USD'::chargeback.token_rates AS same,
       'input=3'::chargeback.token_rates = 'input=3 EUR'::chargeback.token_rates AS other_currency,
       'input=3'::chargeback.token_rates <> 'input=3 cache_read=3'::chargeback.token_rates AS other_classes;

-- token_rates * numeric: a negotiated discount, rounded half up to 6 decimals.
SELECT 'input=3 cache_read=0.3 output=15'::chargeback.token_rates * 0.85 AS discounted;
SELECT 0.5 * 'input=1.25 output=10'::chargeback.token_rates AS batch_half;
SELECT 'input=0.000003'::chargeback.token_rates * 0.5 AS rounds_half_up;
SELECT 'input=3'::chargeback.token_rates * -1;
SELECT 'input=999999999999'::chargeback.token_rates * 2;

-- jsonb casts, both ways; JSON numbers stay exact.
SELECT ('input=3 cache_read=0.3 output=15 EUR'::chargeback.token_rates)::jsonb;
SELECT ('{"input": 0.15, "output": "0.6", "currency": "USD"}'::jsonb)::chargeback.token_rates;
SELECT ('{"input": 0.0000001}'::jsonb)::chargeback.token_rates;
SELECT ('{"input": 3, "currency": "dollars"}'::jsonb)::chargeback.token_rates;
SELECT ('{"input": true}'::jsonb)::chargeback.token_rates;

-- Binary send/recv round trip.
CREATE TEMP TABLE rates_bin (r chargeback.token_rates);
INSERT INTO rates_bin VALUES ('input=3 cache_read=0.3 output=15 EUR'), ('USD');
COPY rates_bin TO '/tmp/pg_chargeback_rates.bin' WITH (FORMAT binary);
CREATE TEMP TABLE rates_bin2 (r chargeback.token_rates);
COPY rates_bin2 FROM '/tmp/pg_chargeback_rates.bin' WITH (FORMAT binary);
SELECT r FROM rates_bin2;
SELECT count(*) AS round_trips FROM rates_bin a JOIN rates_bin2 b ON a.r OPERATOR(chargeback.=) b.r;
