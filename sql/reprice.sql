-- Unpriced usage is recorded and visible; fixing the catalog and repricing prices it.
SET search_path = chargeback, public;
SET timezone = 'UTC';

SELECT provider, model, requests FROM unpriced_usage ORDER BY provider, model;

-- Fix the catalog: a price for Claude 3.5 Sonnet, and an alias for OpenRouter's names.
SELECT set_price('anthropic', 'claude-3-5-sonnet', 'input=3 cache_read=0.3 cache_write=3.75 output=15', '2025-01-01') > 0 AS priced;
SELECT set_price('openrouter', 'claude-sonnet-4.5', 'input=3 cache_read=0.3 cache_write=3.75 output=15', '2025-01-01') > 0 AS priced;
SELECT reprice('2025-01-01', '2026-01-01') AS repriced;
-- claude-3-5-sonnet (OTLP): (300*3 + 1000*0.3 + 200*3.75 + 250*15)/1e6 = 0.0057
-- openrouter anthropic/claude-sonnet-4.5 -> claude-sonnet-4.5 (prefix ignored):
--   (500*3 + 10000*0.3 + 2000*3.75 + (384+256)*15)/1e6 = 0.0216
SELECT model, list_cost, status FROM usage WHERE model IN ('claude-3-5-sonnet-20241022', 'anthropic/claude-sonnet-4.5');
SELECT provider, model FROM unpriced_usage ORDER BY provider, model;
-- Repricing again changes nothing.
SELECT reprice('2025-01-01', '2026-01-01') AS repriced_again;

-- explain(): owner and reason, price row, rates, and cost per class that adds up.
SELECT jsonb_pretty(explain(usage_id) - 'occurred_at' - 'usage_id' #- '{price,price_id}' #- '{owner,rule,rule_id}')
FROM usage WHERE request_id = 'bulk-1';
SELECT count(*) AS priced_rows,
       count(*) FILTER (WHERE (SELECT sum((l->>'cost')::numeric) FROM jsonb_array_elements(e->'lines') l)
                              = (e->>'list_cost')::numeric) AS lines_add_up
FROM usage u, explain(u.usage_id) e WHERE u.status = 'priced';
SELECT explain(-1) IS NULL AS unknown_id;
