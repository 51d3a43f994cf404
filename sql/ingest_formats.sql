-- Every usage format, from fixtures in the providers' documented shapes, ingested and priced.
-- Costs below are computed by hand from the built-in list prices (USD per 1M tokens).
SET search_path = chargeback, public;
SET timezone = 'UTC';

-- The fixtures are dated August 2025, before the built-in list (November 2025): load the
-- same list prices as history for the months before, as a team backfilling would.
INSERT INTO price (provider, model, service_tier, min_prompt_tokens, rates, valid_from, valid_to, source)
SELECT provider, model, service_tier, min_prompt_tokens, rates, '2025-01-01', '2025-11-01', 'history'
FROM price WHERE source = 'builtin';
-- Vertex AI is a channel of its own (provider vertex_ai: the Vertex response and LiteLLM's
-- vertex_ai row below); the built-in list has the Gemini API's prices only. The Vertex prices
-- of the two models, as LiteLLM's catalog gives them for Vertex AI:
-- (as history up to 2026: import_prices has priced vertex_ai gemini-2.5-flash from then on)
INSERT INTO price (provider, model, service_tier, min_prompt_tokens, rates, valid_from, valid_to, source)
VALUES ('vertex_ai', 'gemini-2.5-flash', 'standard', 0, 'input=0.3 cache_read=0.03 output=2.5 audio_input=1 USD', '2025-01-01', '2026-01-01', 'history'),
       ('vertex_ai', 'gemini-2.5-pro', 'standard', 0, 'input=1.25 cache_read=0.125 output=10 USD', '2025-01-01', '2026-01-01', 'history');

\set f `cat test/fixtures/openai_chat/basic.json`
SELECT ingest(:'f'::jsonb, '{"user": "ana@acme.test"}') AS openai_chat;
\set f `cat test/fixtures/openai_chat/stream_final_chunk.json`
SELECT ingest(:'f'::jsonb) IS NOT NULL AS openai_chat_stream;
\set f `cat test/fixtures/openai_responses/basic.json`
SELECT ingest(:'f'::jsonb) IS NOT NULL AS openai_responses;
\set f `cat test/fixtures/openai_usage/page.json`
SELECT ingest(:'f'::jsonb) IS NOT NULL AS openai_usage;
\set f `cat test/fixtures/openrouter/basic.json`
SELECT ingest(:'f'::jsonb) IS NOT NULL AS openrouter;
\set f `cat test/fixtures/litellm/spend_log.json`
SELECT ingest(:'f'::jsonb) IS NOT NULL AS litellm;
\set f `cat test/fixtures/litellm/spend_logs_array.json`
SELECT ingest(:'f'::jsonb) IS NOT NULL AS litellm_rows;
\set f `cat test/fixtures/anthropic_messages/basic.json`
SELECT ingest(:'f'::jsonb) IS NOT NULL AS anthropic_messages;
\set f `cat test/fixtures/anthropic_messages/no_split.json`
SELECT ingest(jsonb_build_object('occurred_at', '2025-08-01T10:00:00Z', 'response', :'f'::jsonb)) IS NOT NULL AS anthropic_in_envelope;
\set f `cat test/fixtures/anthropic_usage/report.json`
SELECT ingest(:'f'::jsonb) IS NOT NULL AS anthropic_usage;
\set f `cat test/fixtures/gemini/basic.json`
SELECT ingest(jsonb_build_object('occurred_at', '2025-08-01T11:00:00Z', 'response', :'f'::jsonb)) IS NOT NULL AS gemini;
\set f `cat test/fixtures/gemini/vertex_audio.json`
SELECT ingest(:'f'::jsonb, '{}', 'gemini') IS NOT NULL AS vertex;
\set f `cat test/fixtures/bedrock_converse/basic.json`
-- A Converse response names no model: the gateway's envelope does.
SELECT ingest(jsonb_build_object('provider', 'bedrock', 'model', 'anthropic.claude-sonnet-4-5-20250929-v1:0',
                                 'request_id', 'br-0001', 'occurred_at', '2025-08-01T13:00:00Z',
                                 'attrs', jsonb_build_object('app', 'support-bot'), 'response', :'f'::jsonb)) IS NOT NULL AS bedrock_converse;
\set f `cat test/fixtures/bedrock_log/invocation.json`
SELECT ingest(:'f'::jsonb) IS NOT NULL AS bedrock_log;
\set f `cat test/fixtures/otlp/traces.json`
SELECT ingest(:'f'::jsonb) IS NOT NULL AS otlp;
SELECT ingest('{"provider": "openai", "model": "gpt-4o-mini", "request_id": "canon-1", "occurred_at": "2025-08-03T08:00:00Z",
                "tokens": {"input": 1000, "output": 100, "requests": 1}, "attrs": {"user": "bob@acme.test"}}') IS NOT NULL AS canonical;

-- What was recorded. Hand-computed costs (rates per 1M tokens):
--  openai_chat o4-mini (1.1 / cached 0.275 / out 4.4): (86*1.1 + 1920*0.275 + (108+192)*4.4)/1e6 = 0.0019426
--  gpt-4.1 priority (3.5 / 14): (57*3.5 + 17*14)/1e6 = 0.0004375
--  responses gpt-5 (1.25 / 0.125 / 10, search 0.01): (2101*1.25 + 1024*0.125 + 912*10)/1e6 + 2*0.01 = 0.03187425
--  usage API gpt-4o-mini (0.15/0.075/0.6): (85000*0.15 + 40000*0.075 + 18000*0.6)/1e6 = 0.02655
--  usage API gpt-4o-mini batch (0.075/0.3): (500000*0.075 + 75000*0.3)/1e6 = 0.06
--  usage API o4-mini flex (0.55/0.138/2.2): (40000*0.55 + 20000*0.138 + 30000*2.2)/1e6 = 0.09076
--  gpt-4o-audio-preview, openrouter's anthropic/claude-sonnet-4.5, groq, claude-3-5-sonnet and the
--    Bedrock Claude 3.7 profile have no catalog price: unpriced, visible, never dropped
--  litellm claude-sonnet-4-5 (3/0.3/3.75/6/15): (1200*3 + 15000*0.3 + 2000*3.75 + 1000*6 + 850*15)/1e6 = 0.03435
--  litellm gpt-4o (2.5/1.25/10): (476*2.5 + 1024*1.25 + 200*10)/1e6 = 0.00447
--  litellm vertex_ai gemini-2.5-pro (Vertex 1.25/10, thinking at output): (5000*1.25 + 1800*10)/1e6 = 0.02425
--  anthropic claude-sonnet-4 (3/0.3/3.75/6/15, search 0.01): (2095*3 + 14000*0.3 + 1500*3.75 + 1000*6 + 503*15)/1e6 + 2*0.01 = 0.049655
--  claude-3-7-sonnet, priority tier has no row so standard applies: (1024*3 + 2048*3.75 + 1256*15)/1e6 = 0.029592
--  usage report sonnet-4: (1500*3 + 200*0.3 + 500*3.75 + 1000*6 + 500*15)/1e6 + 10*0.01 = 0.119935
--  usage report 3-5-haiku batch (0.4/2): (120000*0.4 + 34000*2)/1e6 = 0.116
--  usage report sonnet-4, prompt 1,190,000 > 200k: long-context row (6/0.6/7.5/22.5): (250000*6 + 900000*0.6 + 40000*7.5 + 12000*22.5)/1e6 = 2.61
--  usage report sonnet-4-5: (3000*3 + 800*15)/1e6 = 0.021
--  gemini-2.5-flash (0.3/0.03/2.5, image input at input): (4540*0.3 + 8192*0.03 + 258*0.3 + (412+1632)*2.5)/1e6 = 0.00679516
--  vertex audio, Vertex prices (audio in 1.0, audio out at output 2.5): (320*0.3 + 1600*0.03 + 1600*1 + (100+800)*2.5)/1e6 = 0.003994
--  bedrock converse sonnet-4-5 (3/0.3/3.75/15): (1250*3 + 6000*0.3 + 2000*3.75 + 342*15)/1e6 = 0.01818
--  canonical gpt-4o-mini: (1000*0.15 + 100*0.6)/1e6 = 0.00021
--  The OTLP span of the o4-mini call repeats the chat completion's id: a duplicate, not charged again.
SELECT source, provider, model, service_tier, tokens, list_cost, status
FROM usage ORDER BY usage_id;

SELECT count(*) AS rows, sum(list_cost) AS priced_total, count(*) FILTER (WHERE status = 'unpriced') AS unpriced
FROM usage;
-- Hand total: sum of the priced costs above.
SELECT 0.0019426 + 0.0004375 + 0.03187425 + 0.02655 + 0.06 + 0.09076 + 0.03435 + 0.00447 + 0.02425
     + 0.049655 + 0.029592 + 0.119935 + 0.116 + 2.61 + 0.021 + 0.00679516 + 0.003994 + 0.01818 + 0.00021 AS hand_total;

SELECT provider, request_id, source FROM usage_duplicate;

-- Re-ingesting any of it charges nothing twice and returns the recorded id.
\set f `cat test/fixtures/openai_chat/basic.json`
SELECT ingest(:'f'::jsonb) = (SELECT usage_id FROM usage WHERE request_id = 'chatcmpl-C0ab12XyZ9rK3mQ7pL5tV8wN2sD4f') AS same_id;
\set f `cat test/fixtures/openai_usage/page.json`
SELECT ingest(:'f'::jsonb) IS NOT NULL AS reimported;
SELECT count(*) AS rows_after_reimport FROM usage;
