-- Prices and payloads as providers bill them (issue 15). A provider name is the channel that
-- bills a call: the Gemini API (google) and Vertex AI (vertex_ai), Azure OpenAI (azure) and
-- Azure AI Foundry (azure_ai) each have their own prices. Report rows (Anthropic's usage
-- report, OpenAI's usage API) are priced by what they say of each request: service tier,
-- context window, uncached input and modalities. Everything here is rolled back.
SET search_path = chargeback, public;
SET timezone = 'UTC';
SELECT last_value AS usage_id_last, is_called AS usage_id_called FROM usage_usage_id_seq \gset
BEGIN;

-- OpenTelemetry's gen_ai.provider.name values name the channel.
SELECT n AS otel_name, normalize_provider(n) AS provider
FROM unnest(ARRAY['gcp.gemini', 'gcp.vertex_ai', 'gcp.gen_ai', 'azure.ai.openai', 'azure.ai.inference',
                  'aws.bedrock', 'vertex_ai', 'azure_ai']) n;

-- A LiteLLM-shaped catalog (test prices) with the same model on several channels. Before 0.3.0
-- the bare key "gemini-2.5-pro" (LiteLLM routes it to Vertex AI) and "gemini/gemini-2.5-pro"
-- (the Gemini API, with batch and priority tiers) both landed on google/gemini-2.5-pro, the
-- bare key won by byte order and the Gemini API entry was refused as a conflict. Claude on
-- Vertex landed on google and Claude on Azure AI Foundry on azure (Azure OpenAI).
\set catalog '{"gemini-2.5-pro": {"litellm_provider": "vertex_ai-language-models", "input_cost_per_token": 1.25e-06, "output_cost_per_token": 1e-05, "input_cost_per_token_above_200k_tokens": 2.5e-06, "output_cost_per_token_above_200k_tokens": 1.5e-05, "cache_read_input_token_cost": 1.25e-07}, "gemini/gemini-2.5-pro": {"litellm_provider": "gemini", "input_cost_per_token": 1.25e-06, "output_cost_per_token": 1e-05, "cache_read_input_token_cost": 3.125e-07, "input_cost_per_token_batches": 6.25e-07, "output_cost_per_token_batches": 5e-06, "input_cost_per_token_priority": 2.25e-06, "output_cost_per_token_priority": 1.8e-05}, "gemini-3-flash-preview": {"litellm_provider": "vertex_ai-language-models", "input_cost_per_token": 5e-07, "output_cost_per_token": 3e-06, "output_cost_per_reasoning_token": 3e-06}, "vertex_ai/gemini-3-flash-preview": {"litellm_provider": "vertex_ai", "input_cost_per_token": 5e-07, "output_cost_per_token": 3e-06, "input_cost_per_token_priority": 9e-07, "output_cost_per_token_priority": 5.4e-06}, "vertex_ai/claude-sonnet-4-5": {"litellm_provider": "vertex_ai-anthropic_models", "input_cost_per_token": 3.3e-06, "output_cost_per_token": 1.65e-05}, "azure_ai/claude-sonnet-4-5": {"litellm_provider": "azure_ai", "input_cost_per_token": 3e-06, "output_cost_per_token": 1.5e-05}, "azure/gpt-4o": {"litellm_provider": "azure", "input_cost_per_token": 2.5e-06, "output_cost_per_token": 1e-05}, "azure_ai/gpt-4o": {"litellm_provider": "azure_ai", "input_cost_per_token": 5e-06, "output_cost_per_token": 1.5e-05}}'
-- Every price lands on its channel: no entry refused. The bare Vertex key that disagrees with
-- the Vertex key naming its route is a noted duplicate (the routed key's prices stand).
SELECT entry, reason FROM price_catalog_notes(:'catalog') ORDER BY entry;
SELECT provider, model, service_tier, min_prompt_tokens, rates, entry
FROM parse_price_catalog(:'catalog') ORDER BY provider, model, service_tier, min_prompt_tokens;
SELECT import_prices(:'catalog', 'litellm', '2026-03-01') AS rows_opened;

-- A Gemini API response (no createTime, no trafficType) is google's; a Vertex AI one (both)
-- is vertex_ai's, whatever the gateway knows. Priority on the Gemini API, by hand:
--   (2000*2.25 + 1000*18)/1e6 = 0.0225
SELECT ingest('{"occurred_at": "2026-06-01T10:00:00Z", "service_tier": "priority", "response":
  {"modelVersion": "gemini-2.5-pro", "responseId": "gemini-api-1",
   "usageMetadata": {"promptTokenCount": 2000, "candidatesTokenCount": 1000}}}') IS NOT NULL AS gemini_api;
-- The same tokens on Vertex AI, standard (pay-as-you-go): (2000*1.25 + 1000*10)/1e6 = 0.0125
SELECT ingest('{"modelVersion": "gemini-2.5-pro", "responseId": "vertex-1", "createTime": "2026-06-01T10:00:01Z",
   "usageMetadata": {"promptTokenCount": 2000, "candidatesTokenCount": 1000, "trafficType": "ON_DEMAND"}}') IS NOT NULL AS vertex;
-- Vertex priority pay-as-you-go (trafficType ON_DEMAND_PRIORITY), gemini-3-flash-preview at the
-- Vertex key's priority row: (10000*0.9 + 2000*5.4)/1e6 = 0.0198
SELECT ingest('{"modelVersion": "gemini-3-flash-preview", "responseId": "vertex-2", "createTime": "2026-06-01T10:00:02Z",
   "usageMetadata": {"promptTokenCount": 10000, "candidatesTokenCount": 2000, "trafficType": "ON_DEMAND_PRIORITY"}}') IS NOT NULL AS vertex_priority;
-- Claude on Vertex AI and on Azure AI Foundry, as OpenTelemetry names the channels:
--   vertex_ai: (1000*3.3 + 100*16.5)/1e6 = 0.00495; azure_ai: (1000*3 + 100*15)/1e6 = 0.0045
SELECT ingest('{"provider": "gcp.vertex_ai", "model": "claude-sonnet-4-5@20250929", "request_id": "claude-vertex-1",
                "occurred_at": "2026-06-01T11:00:00Z", "tokens": {"input": 1000, "output": 100, "requests": 1}}') IS NOT NULL AS claude_vertex,
       ingest('{"provider": "azure.ai.inference", "model": "claude-sonnet-4-5", "request_id": "claude-azure-1",
                "occurred_at": "2026-06-01T11:00:00Z", "tokens": {"input": 1000, "output": 100, "requests": 1}}') IS NOT NULL AS claude_azure;
SELECT request_id, provider, model, service_tier, tokens, list_cost, status,
       (SELECT service_name FROM focus_service(provider)) AS focus_service
FROM usage WHERE request_id IN ('gemini-api-1', 'vertex-1', 'vertex-2', 'claude-vertex-1', 'claude-azure-1')
ORDER BY request_id;
SELECT 0.0225 AS gemini_api_by_hand, 0.0125 AS vertex_by_hand, 0.0198 AS vertex_priority_by_hand,
       0.00495 AS claude_vertex_by_hand, 0.0045 AS claude_azure_by_hand;

-- Anthropic's usage report grouped by service tier, context window, inference geo and speed
-- (the shape of GET /v1/organizations/usage_report/messages with the newer grouping
-- dimensions). A row sums many requests: its context_window, not its total, picks the
-- long-context price. Built-in claude-sonnet-4-5 prices, by hand:
--   0-200k, 300000 input + 20000 output (sum > 200k, each request < 200k):
--     base row (3/15): (300000*3 + 20000*15)/1e6 = 1.2
--   200k-1M, 250000 input + 1000 output: long-context row (6/22.5): (250000*6 + 1000*22.5)/1e6 = 1.5225
--   batch, 0-200k, 100000 input + 10000 output: batch row (1.5/7.5): (100000*1.5 + 10000*7.5)/1e6 = 0.225
--   priority_on_demand (Priority Tier bought on demand): tier priority; the list has no
--     priority row for Claude, so the standard one (3/15): (1000*3 + 1000*15)/1e6 = 0.018
SELECT ingest('{"data": [{"starting_at": "2026-06-01T00:00:00Z", "ending_at": "2026-06-02T00:00:00Z", "results": [
  {"model": "claude-sonnet-4-5-20250929", "service_tier": "standard", "context_window": "0-200k", "inference_geo": "us",
   "speed": "standard", "uncached_input_tokens": 300000, "output_tokens": 20000},
  {"model": "claude-sonnet-4-5-20250929", "service_tier": "standard", "context_window": "200k-1M", "inference_geo": "global",
   "speed": "standard", "uncached_input_tokens": 250000, "output_tokens": 1000},
  {"model": "claude-sonnet-4-5-20250929", "service_tier": "batch", "context_window": "0-200k", "inference_geo": "global",
   "uncached_input_tokens": 100000, "output_tokens": 10000},
  {"model": "claude-sonnet-4-5-20250929", "service_tier": "priority_on_demand", "context_window": "0-200k",
   "inference_geo": "us", "speed": "fast", "uncached_input_tokens": 1000, "output_tokens": 1000}]}],
  "has_more": false, "next_page": null}') IS NOT NULL AS anthropic_report;
SELECT service_tier, attrs->>'context_window' AS context_window, attrs->>'inference_geo' AS inference_geo,
       attrs->>'speed' AS speed, tokens, list_cost,
       (SELECT min_prompt_tokens FROM price p WHERE p.price_id = u.price_id) AS priced_above
FROM usage u WHERE provider = 'anthropic' AND occurred_at = '2026-06-01' ORDER BY list_cost DESC;
SELECT 1.2 + 1.5225 + 0.225 + 0.018 AS report_by_hand,
       (SELECT sum(list_cost) FROM usage WHERE provider = 'anthropic' AND occurred_at = '2026-06-01') AS report_recorded;
-- reprice() applies the same rule: nothing changes.
SELECT reprice('2026-06-01', '2026-06-02') AS repriced;
SELECT priced_prompt_tokens('input=300000 output=20000', '{"context_window": "0-200k"}') AS small_bucket,
       priced_prompt_tokens('input=150000', '{"context_window": "200k-1M"}') AS large_bucket,
       priced_prompt_tokens('input=150000', '{}') AS no_bucket;

-- OpenAI's usage API with input_uncached_tokens, per-modality counts and service_tier.
-- gpt-4o-mini, default tier (0.15 / cached 0.075 / 0.6; cache writes, audio and image at
-- their fallbacks): input 5000 = 1800 cached + 200 cache write + 3000 uncached
-- (2500 text + 300 audio + 200 image); output 1000 = 800 text + 100 audio + 100 image:
--   (2500*0.15 + 1800*0.075 + 200*0.15 + 300*0.15 + 200*0.15 + 800*0.6 + 100*0.6 + 100*0.6)/1e6 = 0.001215
-- gpt-5 priority (2.5 / 0.25 / 20): 6000 uncached + 4000 cached, 2000 output:
--   (6000*2.5 + 4000*0.25 + 2000*20)/1e6 = 0.056
-- gpt-5 flex (0.625 / 5): 10000 uncached, 1000 output: (10000*0.625 + 1000*5)/1e6 = 0.01125
SELECT ingest('{"object": "page", "has_more": false, "next_page": null, "data": [{"object": "bucket",
  "start_time": 1780272000, "end_time": 1780358400, "results": [
  {"object": "organization.usage.completions.result", "model": "gpt-4o-mini-2024-07-18", "service_tier": "default", "batch": false,
   "project_id": "proj_abc", "input_tokens": 5000, "input_cached_tokens": 1800, "input_cache_write_tokens": 200,
   "input_uncached_tokens": 3000, "input_text_tokens": 2500, "input_cached_text_tokens": 1500, "input_audio_tokens": 300,
   "input_cached_audio_tokens": 100, "input_image_tokens": 200, "input_cached_image_tokens": 200,
   "output_tokens": 1000, "output_text_tokens": 800, "output_audio_tokens": 100, "output_image_tokens": 100, "num_model_requests": 5},
  {"object": "organization.usage.completions.result", "model": "gpt-5-2025-08-07", "service_tier": "priority", "batch": false,
   "input_tokens": 10000, "input_cached_tokens": 4000, "input_uncached_tokens": 6000, "output_tokens": 2000, "num_model_requests": 3},
  {"object": "organization.usage.completions.result", "model": "gpt-5-2025-08-07", "service_tier": "flex", "batch": false,
   "input_tokens": 10000, "input_cached_tokens": 0, "input_uncached_tokens": 10000, "output_tokens": 1000, "num_model_requests": 1}]}]}') IS NOT NULL AS openai_usage;
SELECT model, service_tier, tokens, list_cost, attrs FROM usage
WHERE provider = 'openai' AND occurred_at = '2026-06-01' ORDER BY list_cost;
SELECT 0.001215 + 0.056 + 0.01125 AS openai_by_hand,
       (SELECT sum(list_cost) FROM usage WHERE provider = 'openai' AND occurred_at = '2026-06-01') AS openai_recorded;
-- A row whose input_tokens is not uncached + cached + cache write is refused, not guessed at.
SAVEPOINT bad;
SELECT * FROM parse_usage('{"object": "bucket", "start_time": 1780272000, "results": [
  {"object": "organization.usage.completions.result", "model": "gpt-5", "input_tokens": 10000,
   "input_cached_tokens": 4000, "input_uncached_tokens": 5000, "output_tokens": 1}]}');
ROLLBACK TO SAVEPOINT bad;

ROLLBACK;
SELECT setval('usage_usage_id_seq', :usage_id_last, :'usage_id_called') IS NOT NULL AS ids_restored;
SELECT count(*) AS usage_left FROM usage WHERE occurred_at >= '2026-06-01' AND occurred_at < '2026-06-02';
