-- pg_chargeback: built-in list-price catalog
--
-- List prices of current LLM models as published by the providers on their
-- own pricing pages (OpenAI API pricing, Anthropic Claude pricing, Google
-- Gemini Developer API pricing, AWS Bedrock pricing), as of 2025-11-01.
-- Every row is inserted with source 'builtin' and
-- valid_from '2025-11-01 00:00:00+00', the date this list is asserted.
-- The catalog is a starting point, not a contract: providers change prices,
-- and negotiated discounts, credits or regional surcharges are not included.
-- To correct, extend or replace it (new prices, negotiated rates, other
-- regions or models), use chargeback.set_price() or chargeback.import_prices()
-- rather than editing these rows.
--
-- Rates are USD per 1M tokens (requests: per request; web_searches: per
-- single search). Only token classes that differ from their fallback are
-- written: reasoning -> output; cache_read, cache_write, cache_write_1h,
-- audio_input, image_input -> input; audio_output, image_output -> output.
-- service_tier: standard | batch | flex | priority.
-- min_prompt_tokens = N: the row prices the whole request when the prompt
-- exceeds N tokens (long-context tier).
-- Model names are the undated base names used by the providers; dated snapshots
-- (e.g. claude-sonnet-4-5-20250929) resolve to them. Bedrock rows use the
-- Bedrock model IDs.
-- Providers are billing channels (price.sql): the `google` rows are the Gemini
-- API's. Vertex AI (`vertex_ai`) and Azure AI Foundry (`azure_ai`) bill their own
-- prices, which this list does not carry: import them or set them.

INSERT INTO chargeback.price
    (provider, model, service_tier, min_prompt_tokens, rates, valid_from, source)
VALUES
    -- OpenAI (platform.openai.com/docs/pricing, text tokens).
    --   Cached input is billed at the cache_read rate; OpenAI has no cache-write
    --   charge, so cache_write is left to its fallback (= input). Reasoning tokens
    --   are billed as output (fallback). web_searches = web search tool calls,
    --   $10 / 1k calls, for the models that support the tool.
    --   batch: Batch API, 50% of input and output. The Batch table publishes a
    --   discounted cached-input price only for the gpt-5 family; for the other
    --   models cached tokens in a batch are billed as batch input (fallback).
    --   flex / priority: service_tier=flex / priority as published.
    ('openai', 'gpt-5', 'standard', 0, 'input=1.25 cache_read=0.125 output=10 web_searches=0.01 USD', '2025-11-01 00:00:00+00', 'builtin'),
    ('openai', 'gpt-5-mini', 'standard', 0, 'input=0.25 cache_read=0.025 output=2 web_searches=0.01 USD', '2025-11-01 00:00:00+00', 'builtin'),
    ('openai', 'gpt-5-nano', 'standard', 0, 'input=0.05 cache_read=0.005 output=0.4 web_searches=0.01 USD', '2025-11-01 00:00:00+00', 'builtin'),
    ('openai', 'gpt-4.1', 'standard', 0, 'input=2 cache_read=0.5 output=8 web_searches=0.01 USD', '2025-11-01 00:00:00+00', 'builtin'),
    ('openai', 'gpt-4.1-mini', 'standard', 0, 'input=0.4 cache_read=0.1 output=1.6 web_searches=0.01 USD', '2025-11-01 00:00:00+00', 'builtin'),
    ('openai', 'gpt-4.1-nano', 'standard', 0, 'input=0.1 cache_read=0.025 output=0.4 USD', '2025-11-01 00:00:00+00', 'builtin'),
    ('openai', 'gpt-4o', 'standard', 0, 'input=2.5 cache_read=1.25 output=10 web_searches=0.01 USD', '2025-11-01 00:00:00+00', 'builtin'),
    ('openai', 'gpt-4o-mini', 'standard', 0, 'input=0.15 cache_read=0.075 output=0.6 web_searches=0.01 USD', '2025-11-01 00:00:00+00', 'builtin'),
    ('openai', 'o3', 'standard', 0, 'input=2 cache_read=0.5 output=8 web_searches=0.01 USD', '2025-11-01 00:00:00+00', 'builtin'),
    ('openai', 'o4-mini', 'standard', 0, 'input=1.1 cache_read=0.275 output=4.4 web_searches=0.01 USD', '2025-11-01 00:00:00+00', 'builtin'),
    ('openai', 'o3-mini', 'standard', 0, 'input=1.1 cache_read=0.55 output=4.4 USD', '2025-11-01 00:00:00+00', 'builtin'),
    ('openai', 'o1', 'standard', 0, 'input=15 cache_read=7.5 output=60 USD', '2025-11-01 00:00:00+00', 'builtin'),
    ('openai', 'gpt-5', 'batch', 0, 'input=0.625 cache_read=0.0625 output=5 web_searches=0.01 USD', '2025-11-01 00:00:00+00', 'builtin'),
    ('openai', 'gpt-5-mini', 'batch', 0, 'input=0.125 cache_read=0.0125 output=1 web_searches=0.01 USD', '2025-11-01 00:00:00+00', 'builtin'),
    ('openai', 'gpt-5-nano', 'batch', 0, 'input=0.025 cache_read=0.0025 output=0.2 web_searches=0.01 USD', '2025-11-01 00:00:00+00', 'builtin'),
    ('openai', 'gpt-4.1', 'batch', 0, 'input=1 output=4 web_searches=0.01 USD', '2025-11-01 00:00:00+00', 'builtin'),
    ('openai', 'gpt-4.1-mini', 'batch', 0, 'input=0.2 output=0.8 web_searches=0.01 USD', '2025-11-01 00:00:00+00', 'builtin'),
    ('openai', 'gpt-4.1-nano', 'batch', 0, 'input=0.05 output=0.2 USD', '2025-11-01 00:00:00+00', 'builtin'),
    ('openai', 'gpt-4o', 'batch', 0, 'input=1.25 output=5 web_searches=0.01 USD', '2025-11-01 00:00:00+00', 'builtin'),
    ('openai', 'gpt-4o-mini', 'batch', 0, 'input=0.075 output=0.3 web_searches=0.01 USD', '2025-11-01 00:00:00+00', 'builtin'),
    ('openai', 'o3', 'batch', 0, 'input=1 output=4 web_searches=0.01 USD', '2025-11-01 00:00:00+00', 'builtin'),
    ('openai', 'o4-mini', 'batch', 0, 'input=0.55 output=2.2 web_searches=0.01 USD', '2025-11-01 00:00:00+00', 'builtin'),
    ('openai', 'o3-mini', 'batch', 0, 'input=0.55 output=2.2 USD', '2025-11-01 00:00:00+00', 'builtin'),
    ('openai', 'o1', 'batch', 0, 'input=7.5 output=30 USD', '2025-11-01 00:00:00+00', 'builtin'),
    ('openai', 'gpt-5', 'flex', 0, 'input=0.625 cache_read=0.0625 output=5 web_searches=0.01 USD', '2025-11-01 00:00:00+00', 'builtin'),
    ('openai', 'gpt-5-mini', 'flex', 0, 'input=0.125 cache_read=0.0125 output=1 web_searches=0.01 USD', '2025-11-01 00:00:00+00', 'builtin'),
    ('openai', 'gpt-5-nano', 'flex', 0, 'input=0.025 cache_read=0.0025 output=0.2 web_searches=0.01 USD', '2025-11-01 00:00:00+00', 'builtin'),
    ('openai', 'o3', 'flex', 0, 'input=1 cache_read=0.25 output=4 web_searches=0.01 USD', '2025-11-01 00:00:00+00', 'builtin'),
    ('openai', 'o4-mini', 'flex', 0, 'input=0.55 cache_read=0.138 output=2.2 web_searches=0.01 USD', '2025-11-01 00:00:00+00', 'builtin'),
    ('openai', 'gpt-5', 'priority', 0, 'input=2.5 cache_read=0.25 output=20 web_searches=0.01 USD', '2025-11-01 00:00:00+00', 'builtin'),
    ('openai', 'gpt-5-mini', 'priority', 0, 'input=0.45 cache_read=0.045 output=3.6 web_searches=0.01 USD', '2025-11-01 00:00:00+00', 'builtin'),
    ('openai', 'gpt-4.1', 'priority', 0, 'input=3.5 cache_read=0.875 output=14 web_searches=0.01 USD', '2025-11-01 00:00:00+00', 'builtin'),
    ('openai', 'gpt-4.1-mini', 'priority', 0, 'input=0.7 cache_read=0.175 output=2.8 web_searches=0.01 USD', '2025-11-01 00:00:00+00', 'builtin'),
    ('openai', 'gpt-4.1-nano', 'priority', 0, 'input=0.2 cache_read=0.05 output=0.8 USD', '2025-11-01 00:00:00+00', 'builtin'),
    ('openai', 'gpt-4o', 'priority', 0, 'input=4.25 cache_read=2.125 output=17 web_searches=0.01 USD', '2025-11-01 00:00:00+00', 'builtin'),
    ('openai', 'gpt-4o-mini', 'priority', 0, 'input=0.25 cache_read=0.125 output=1 web_searches=0.01 USD', '2025-11-01 00:00:00+00', 'builtin'),
    ('openai', 'o3', 'priority', 0, 'input=3.5 cache_read=0.875 output=14 web_searches=0.01 USD', '2025-11-01 00:00:00+00', 'builtin'),
    ('openai', 'o4-mini', 'priority', 0, 'input=2 cache_read=0.5 output=8 web_searches=0.01 USD', '2025-11-01 00:00:00+00', 'builtin'),

    -- OpenAI embeddings: input only (no output tokens); batch = 50%.
    ('openai', 'text-embedding-3-small', 'standard', 0, 'input=0.02 output=0 USD', '2025-11-01 00:00:00+00', 'builtin'),
    ('openai', 'text-embedding-3-large', 'standard', 0, 'input=0.13 output=0 USD', '2025-11-01 00:00:00+00', 'builtin'),
    ('openai', 'text-embedding-3-small', 'batch', 0, 'input=0.01 output=0 USD', '2025-11-01 00:00:00+00', 'builtin'),
    ('openai', 'text-embedding-3-large', 'batch', 0, 'input=0.065 output=0 USD', '2025-11-01 00:00:00+00', 'builtin'),

    -- Anthropic (Claude API, docs.claude.com/en/docs/about-claude/pricing).
    --   cache_write = 5-minute cache write (1.25x input), cache_write_1h = 1-hour
    --   cache write (2x input), cache_read = cache hits and refreshes (0.1x input);
    --   Claude Haiku 3 uses its own published cache prices (0.30 / 0.50 / 0.03).
    --   web_searches = web search tool, $10 / 1k searches (not offered for Haiku 3).
    --   batch: Message Batches API, 50% of every token rate (the caching multipliers
    --   stack with the batch discount).
    --   min_prompt_tokens = 200000: long-context pricing of Sonnet 4.5 and Sonnet 4
    --   (1M-context beta): when the prompt (input + cache reads + cache writes)
    --   exceeds 200k tokens the whole request is billed at input 6 / output 22.50,
    --   caching multipliers applied on top.
    ('anthropic', 'claude-opus-4-5', 'standard', 0, 'input=5 cache_read=0.5 cache_write=6.25 cache_write_1h=10 output=25 web_searches=0.01 USD', '2025-11-01 00:00:00+00', 'builtin'),
    ('anthropic', 'claude-opus-4-1', 'standard', 0, 'input=15 cache_read=1.5 cache_write=18.75 cache_write_1h=30 output=75 web_searches=0.01 USD', '2025-11-01 00:00:00+00', 'builtin'),
    ('anthropic', 'claude-opus-4', 'standard', 0, 'input=15 cache_read=1.5 cache_write=18.75 cache_write_1h=30 output=75 web_searches=0.01 USD', '2025-11-01 00:00:00+00', 'builtin'),
    ('anthropic', 'claude-sonnet-4-5', 'standard', 0, 'input=3 cache_read=0.3 cache_write=3.75 cache_write_1h=6 output=15 web_searches=0.01 USD', '2025-11-01 00:00:00+00', 'builtin'),
    ('anthropic', 'claude-sonnet-4', 'standard', 0, 'input=3 cache_read=0.3 cache_write=3.75 cache_write_1h=6 output=15 web_searches=0.01 USD', '2025-11-01 00:00:00+00', 'builtin'),
    ('anthropic', 'claude-3-7-sonnet', 'standard', 0, 'input=3 cache_read=0.3 cache_write=3.75 cache_write_1h=6 output=15 web_searches=0.01 USD', '2025-11-01 00:00:00+00', 'builtin'),
    ('anthropic', 'claude-haiku-4-5', 'standard', 0, 'input=1 cache_read=0.1 cache_write=1.25 cache_write_1h=2 output=5 web_searches=0.01 USD', '2025-11-01 00:00:00+00', 'builtin'),
    ('anthropic', 'claude-3-5-haiku', 'standard', 0, 'input=0.8 cache_read=0.08 cache_write=1 cache_write_1h=1.6 output=4 web_searches=0.01 USD', '2025-11-01 00:00:00+00', 'builtin'),
    ('anthropic', 'claude-3-haiku', 'standard', 0, 'input=0.25 cache_read=0.03 cache_write=0.3 cache_write_1h=0.5 output=1.25 USD', '2025-11-01 00:00:00+00', 'builtin'),
    ('anthropic', 'claude-opus-4-5', 'batch', 0, 'input=2.5 cache_read=0.25 cache_write=3.125 cache_write_1h=5 output=12.5 web_searches=0.01 USD', '2025-11-01 00:00:00+00', 'builtin'),
    ('anthropic', 'claude-opus-4-1', 'batch', 0, 'input=7.5 cache_read=0.75 cache_write=9.375 cache_write_1h=15 output=37.5 web_searches=0.01 USD', '2025-11-01 00:00:00+00', 'builtin'),
    ('anthropic', 'claude-opus-4', 'batch', 0, 'input=7.5 cache_read=0.75 cache_write=9.375 cache_write_1h=15 output=37.5 web_searches=0.01 USD', '2025-11-01 00:00:00+00', 'builtin'),
    ('anthropic', 'claude-sonnet-4-5', 'batch', 0, 'input=1.5 cache_read=0.15 cache_write=1.875 cache_write_1h=3 output=7.5 web_searches=0.01 USD', '2025-11-01 00:00:00+00', 'builtin'),
    ('anthropic', 'claude-sonnet-4', 'batch', 0, 'input=1.5 cache_read=0.15 cache_write=1.875 cache_write_1h=3 output=7.5 web_searches=0.01 USD', '2025-11-01 00:00:00+00', 'builtin'),
    ('anthropic', 'claude-3-7-sonnet', 'batch', 0, 'input=1.5 cache_read=0.15 cache_write=1.875 cache_write_1h=3 output=7.5 web_searches=0.01 USD', '2025-11-01 00:00:00+00', 'builtin'),
    ('anthropic', 'claude-haiku-4-5', 'batch', 0, 'input=0.5 cache_read=0.05 cache_write=0.625 cache_write_1h=1 output=2.5 web_searches=0.01 USD', '2025-11-01 00:00:00+00', 'builtin'),
    ('anthropic', 'claude-3-5-haiku', 'batch', 0, 'input=0.4 cache_read=0.04 cache_write=0.5 cache_write_1h=0.8 output=2 web_searches=0.01 USD', '2025-11-01 00:00:00+00', 'builtin'),
    ('anthropic', 'claude-3-haiku', 'batch', 0, 'input=0.125 cache_read=0.015 cache_write=0.15 cache_write_1h=0.25 output=0.625 USD', '2025-11-01 00:00:00+00', 'builtin'),
    ('anthropic', 'claude-sonnet-4-5', 'standard', 200000, 'input=6 cache_read=0.6 cache_write=7.5 cache_write_1h=12 output=22.5 web_searches=0.01 USD', '2025-11-01 00:00:00+00', 'builtin'),
    ('anthropic', 'claude-sonnet-4', 'standard', 200000, 'input=6 cache_read=0.6 cache_write=7.5 cache_write_1h=12 output=22.5 web_searches=0.01 USD', '2025-11-01 00:00:00+00', 'builtin'),
    ('anthropic', 'claude-sonnet-4-5', 'batch', 200000, 'input=3 cache_read=0.3 cache_write=3.75 cache_write_1h=6 output=11.25 web_searches=0.01 USD', '2025-11-01 00:00:00+00', 'builtin'),
    ('anthropic', 'claude-sonnet-4', 'batch', 200000, 'input=3 cache_read=0.3 cache_write=3.75 cache_write_1h=6 output=11.25 web_searches=0.01 USD', '2025-11-01 00:00:00+00', 'builtin'),

    -- Google Gemini API (ai.google.dev/gemini-api/docs/pricing, paid tier).
    --   cache_read = context caching price per 1M cached tokens (text/image/video);
    --   cache storage ($/1M tokens per hour) and Grounding with Google Search are
    --   billed separately and are not token classes here. Thinking tokens are
    --   billed as output (fallback). audio_input is written where audio input is
    --   priced differently from text.
    --   batch: Batch Mode, 50% of input and output; the context caching price is
    --   the same as in standard mode.
    --   min_prompt_tokens = 200000: prompts longer than 200k tokens
    --   (gemini-3-pro-preview, gemini-2.5-pro).
    --   gemini-2.0-flash image_output: image output at $30 / 1M tokens
    --   ($0.039 per 1024x1024 image).
    ('google', 'gemini-3-pro-preview', 'standard', 0, 'input=2 cache_read=0.2 output=12 USD', '2025-11-01 00:00:00+00', 'builtin'),
    ('google', 'gemini-3-pro-preview', 'standard', 200000, 'input=4 cache_read=0.4 output=18 USD', '2025-11-01 00:00:00+00', 'builtin'),
    ('google', 'gemini-2.5-pro', 'standard', 0, 'input=1.25 cache_read=0.125 output=10 USD', '2025-11-01 00:00:00+00', 'builtin'),
    ('google', 'gemini-2.5-pro', 'standard', 200000, 'input=2.5 cache_read=0.25 output=15 USD', '2025-11-01 00:00:00+00', 'builtin'),
    ('google', 'gemini-2.5-flash', 'standard', 0, 'input=0.3 cache_read=0.03 output=2.5 audio_input=1 USD', '2025-11-01 00:00:00+00', 'builtin'),
    ('google', 'gemini-2.5-flash-lite', 'standard', 0, 'input=0.1 cache_read=0.01 output=0.4 audio_input=0.3 USD', '2025-11-01 00:00:00+00', 'builtin'),
    ('google', 'gemini-2.0-flash', 'standard', 0, 'input=0.1 cache_read=0.025 output=0.4 audio_input=0.7 image_output=30 USD', '2025-11-01 00:00:00+00', 'builtin'),
    ('google', 'gemini-2.0-flash-lite', 'standard', 0, 'input=0.075 output=0.3 USD', '2025-11-01 00:00:00+00', 'builtin'),
    ('google', 'gemini-3-pro-preview', 'batch', 0, 'input=1 cache_read=0.2 output=6 USD', '2025-11-01 00:00:00+00', 'builtin'),
    ('google', 'gemini-3-pro-preview', 'batch', 200000, 'input=2 cache_read=0.4 output=9 USD', '2025-11-01 00:00:00+00', 'builtin'),
    ('google', 'gemini-2.5-pro', 'batch', 0, 'input=0.625 cache_read=0.125 output=5 USD', '2025-11-01 00:00:00+00', 'builtin'),
    ('google', 'gemini-2.5-pro', 'batch', 200000, 'input=1.25 cache_read=0.25 output=7.5 USD', '2025-11-01 00:00:00+00', 'builtin'),
    ('google', 'gemini-2.5-flash', 'batch', 0, 'input=0.15 cache_read=0.03 output=1.25 audio_input=0.5 USD', '2025-11-01 00:00:00+00', 'builtin'),
    ('google', 'gemini-2.5-flash-lite', 'batch', 0, 'input=0.05 cache_read=0.01 output=0.2 audio_input=0.15 USD', '2025-11-01 00:00:00+00', 'builtin'),
    ('google', 'gemini-2.0-flash', 'batch', 0, 'input=0.05 cache_read=0.025 output=0.2 audio_input=0.35 image_output=15 USD', '2025-11-01 00:00:00+00', 'builtin'),
    ('google', 'gemini-2.0-flash-lite', 'batch', 0, 'input=0.0375 output=0.15 USD', '2025-11-01 00:00:00+00', 'builtin'),

    -- AWS Bedrock, on-demand, us-east-1 (aws.amazon.com/bedrock/pricing).
    --   Model names are Bedrock model IDs. Claude Sonnet 4.5 and Haiku 4.5 are
    --   priced at the list (global cross-region inference) rate; geographic or
    --   in-region inference profiles (us.*) are billed 10% higher - override with
    --   chargeback.set_price() if you use them. Bedrock prompt caching:
    --   cache_write = cache write (5-minute TTL), cache_read = cache read; Amazon
    --   Nova charges no cache-write premium (fallback = input) and bills cache reads
    --   at 25% of input. Claude 3.5 Sonnet v2 is listed at its price on
    --   2025-11-01 ($3 / $15); AWS moved it to extended-access pricing
    --   ($6 / $30) on 2025-12-01.
    --   batch: Bedrock batch inference, 50% of on-demand input and output (no
    --   prompt caching in batch).
    --   min_prompt_tokens = 200000: Claude Sonnet 4.5 long-context (1M) pricing.
    ('bedrock', 'anthropic.claude-sonnet-4-5-20250929-v1:0', 'standard', 0, 'input=3 cache_read=0.3 cache_write=3.75 output=15 USD', '2025-11-01 00:00:00+00', 'builtin'),
    ('bedrock', 'anthropic.claude-haiku-4-5-20251001-v1:0', 'standard', 0, 'input=1 cache_read=0.1 cache_write=1.25 output=5 USD', '2025-11-01 00:00:00+00', 'builtin'),
    ('bedrock', 'anthropic.claude-opus-4-1-20250805-v1:0', 'standard', 0, 'input=15 cache_read=1.5 cache_write=18.75 output=75 USD', '2025-11-01 00:00:00+00', 'builtin'),
    ('bedrock', 'anthropic.claude-3-5-sonnet-20241022-v2:0', 'standard', 0, 'input=3 output=15 USD', '2025-11-01 00:00:00+00', 'builtin'),
    ('bedrock', 'anthropic.claude-3-haiku-20240307-v1:0', 'standard', 0, 'input=0.25 output=1.25 USD', '2025-11-01 00:00:00+00', 'builtin'),
    ('bedrock', 'amazon.nova-pro-v1:0', 'standard', 0, 'input=0.8 cache_read=0.2 output=3.2 USD', '2025-11-01 00:00:00+00', 'builtin'),
    ('bedrock', 'amazon.nova-lite-v1:0', 'standard', 0, 'input=0.06 cache_read=0.015 output=0.24 USD', '2025-11-01 00:00:00+00', 'builtin'),
    ('bedrock', 'amazon.nova-micro-v1:0', 'standard', 0, 'input=0.035 cache_read=0.00875 output=0.14 USD', '2025-11-01 00:00:00+00', 'builtin'),
    ('bedrock', 'meta.llama3-3-70b-instruct-v1:0', 'standard', 0, 'input=0.72 output=0.72 USD', '2025-11-01 00:00:00+00', 'builtin'),
    ('bedrock', 'anthropic.claude-sonnet-4-5-20250929-v1:0', 'standard', 200000, 'input=6 cache_read=0.6 cache_write=7.5 output=22.5 USD', '2025-11-01 00:00:00+00', 'builtin'),
    ('bedrock', 'anthropic.claude-sonnet-4-5-20250929-v1:0', 'batch', 0, 'input=1.5 output=7.5 USD', '2025-11-01 00:00:00+00', 'builtin'),
    ('bedrock', 'anthropic.claude-haiku-4-5-20251001-v1:0', 'batch', 0, 'input=0.5 output=2.5 USD', '2025-11-01 00:00:00+00', 'builtin'),
    ('bedrock', 'anthropic.claude-opus-4-1-20250805-v1:0', 'batch', 0, 'input=7.5 output=37.5 USD', '2025-11-01 00:00:00+00', 'builtin'),
    ('bedrock', 'anthropic.claude-3-5-sonnet-20241022-v2:0', 'batch', 0, 'input=1.5 output=7.5 USD', '2025-11-01 00:00:00+00', 'builtin'),
    ('bedrock', 'anthropic.claude-3-haiku-20240307-v1:0', 'batch', 0, 'input=0.125 output=0.625 USD', '2025-11-01 00:00:00+00', 'builtin'),
    ('bedrock', 'amazon.nova-pro-v1:0', 'batch', 0, 'input=0.4 output=1.6 USD', '2025-11-01 00:00:00+00', 'builtin'),
    ('bedrock', 'amazon.nova-lite-v1:0', 'batch', 0, 'input=0.03 output=0.12 USD', '2025-11-01 00:00:00+00', 'builtin'),
    ('bedrock', 'amazon.nova-micro-v1:0', 'batch', 0, 'input=0.0175 output=0.07 USD', '2025-11-01 00:00:00+00', 'builtin');
