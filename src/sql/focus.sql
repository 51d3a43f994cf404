-- FinOps FOCUS exports: one view per FOCUS version, each conformant to its own version.
--   chargeback.focus_1_2                 FOCUS 1.2 CostAndUsage
--   chargeback.focus                     the latest released version (1.4) CostAndUsage, with
--                                        allocation runs as split cost allocation
--   chargeback.focus_invoice_detail      FOCUS 1.4 InvoiceDetail
--   chargeback.focus_billing_period      FOCUS 1.4 BillingPeriod
-- All read the daily rollup (never raw usage) as their caller. Datetimes are text in the FOCUS
-- format YYYY-MM-DDTHH:MM:SSZ (UTC), so that COPY/\copy output is FOCUS as it stands;
-- x_BillingPeriod (a date) is there to filter on (it reaches the rollup's primary key).
-- sql/focus.sql checks every MUST rule of the FOCUS 1.2 rule model that applies.

-- Product names for FOCUS: the service, who provides it and who invoices it. The provider is
-- the channel that bills the call (Gemini API `google` or Vertex AI `vertex_ai`, Azure OpenAI
-- `azure` or Azure AI Foundry `azure_ai`); the model's developer is PublisherName (focus_model()),
-- so Claude on Vertex AI is ServiceName 'Vertex AI', ServiceProviderName 'Google', PublisherName
-- 'Anthropic' (FOCUS's host/publisher split).
CREATE FUNCTION chargeback.focus_service(provider text, OUT service_name text, OUT provider_name text, OUT invoice_issuer text)
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT CASE provider
             WHEN 'openai' THEN 'OpenAI API' WHEN 'anthropic' THEN 'Claude API' WHEN 'google' THEN 'Gemini API'
             WHEN 'vertex_ai' THEN 'Vertex AI' WHEN 'azure_ai' THEN 'Azure AI Foundry'
             WHEN 'bedrock' THEN 'Amazon Bedrock' WHEN 'azure' THEN 'Azure OpenAI' WHEN 'mistral' THEN 'Mistral AI API'
             WHEN 'cohere' THEN 'Cohere API' WHEN 'openrouter' THEN 'OpenRouter API' ELSE provider || ' API' END,
           CASE provider
             WHEN 'openai' THEN 'OpenAI' WHEN 'anthropic' THEN 'Anthropic' WHEN 'google' THEN 'Google'
             WHEN 'vertex_ai' THEN 'Google' WHEN 'azure_ai' THEN 'Microsoft'
             WHEN 'bedrock' THEN 'Amazon Web Services' WHEN 'azure' THEN 'Microsoft' WHEN 'mistral' THEN 'Mistral AI'
             WHEN 'cohere' THEN 'Cohere' WHEN 'openrouter' THEN 'OpenRouter' ELSE provider END,
           CASE provider
             WHEN 'openai' THEN 'OpenAI' WHEN 'anthropic' THEN 'Anthropic' WHEN 'google' THEN 'Google'
             WHEN 'vertex_ai' THEN 'Google' WHEN 'azure_ai' THEN 'Microsoft'
             WHEN 'bedrock' THEN 'Amazon Web Services' WHEN 'azure' THEN 'Microsoft' WHEN 'mistral' THEN 'Mistral AI'
             WHEN 'cohere' THEN 'Cohere' WHEN 'openrouter' THEN 'OpenRouter' ELSE provider END
$$;
COMMENT ON FUNCTION chargeback.focus_service(text) IS
    'FOCUS ServiceName, ServiceProviderName and InvoiceIssuerName of a provider (the provider name itself for providers not known)';

-- Who made a model and its family, from the catalog model name (vendor prefixes such as
-- anthropic. or meta/ are skipped). NULL when the name is not recognised.
CREATE FUNCTION chargeback.focus_model(model text, OUT developer text, OUT family text)
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    WITH m AS (SELECT lower(regexp_replace(model, '^([a-z0-9_-]+[./])+', '', 'i')) AS name)
    SELECT CASE WHEN m.name ~ '^(gpt|o[0-9]|chatgpt|text-embedding|dall-e|whisper|tts|davinci|babbage|codex|computer-use)' THEN 'OpenAI'
                WHEN m.name ~ '^claude' THEN 'Anthropic'
                WHEN m.name ~ '^(gemini|gemma|imagen|veo|text-bison|chat-bison)' THEN 'Google'
                WHEN m.name ~ '^(llama|meta-llama)' THEN 'Meta'
                WHEN m.name ~ '^(mistral|mixtral|codestral|magistral|ministral|pixtral|devstral)' THEN 'Mistral AI'
                WHEN m.name ~ '^(command|embed-|rerank|aya)' THEN 'Cohere'
                WHEN m.name ~ '^(nova|titan)' THEN 'Amazon'
                WHEN m.name ~ '^deepseek' THEN 'DeepSeek'
                WHEN m.name ~ '^(qwen|qwq)' THEN 'Alibaba Cloud'
                WHEN m.name ~ '^grok' THEN 'xAI'
                WHEN m.name ~ '^phi-' THEN 'Microsoft'
                WHEN m.name ~ '^(jamba|j2-)' THEN 'AI21 Labs' END,
           CASE WHEN m.name ~ '^gpt' THEN 'GPT'
                WHEN m.name ~ '^o[0-9]' THEN 'o-series'
                WHEN m.name ~ '^[a-z]+' THEN initcap(substring(m.name FROM '^[a-z]+')) END
    FROM m
$$;
COMMENT ON FUNCTION chargeback.focus_model(text) IS
    'model developer (OpenAI, Anthropic, Google, Meta, Mistral AI, ...) and family (GPT, Claude, Gemini, Llama, ...) of a catalog model name; NULL when not recognised';

-- A FOCUS datetime: the instant in UTC as YYYY-MM-DDTHH:MM:SSZ.
CREATE FUNCTION chargeback.focus_datetime(at timestamptz) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$ SELECT pg_catalog.to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') $$;
COMMENT ON FUNCTION chargeback.focus_datetime(timestamptz) IS 'FOCUS date/time format: YYYY-MM-DDTHH:MM:SSZ, in UTC';

-- focus_1_2: FOCUS 1.2 CostAndUsage. One Usage row per priced component (token class) of a
-- daily rollup row, priced by the catalog row that priced the usage, so that
-- ListUnitPrice x PricingQuantity = ListCost exactly; one row per fixed charge; one
-- Adjustment row per recorded invoice that differs from the metered cost and fixed charges
-- (so that BilledCost per InvoiceId is the invoice). Unpriced usage has no price and no cost:
-- it is not exported (see chargeback.data_quality and chargeback.unpriced_usage).
CREATE VIEW chargeback.focus_1_2 AS
WITH meter (ord, class, meter, per_million, consumed_unit, direction, cache_action, cache_ttl) AS (
    VALUES (1, 'input', 'Input Tokens', true, 'Tokens', 'Input', NULL, NULL),
           (2, 'cache_read', 'Cache Read Tokens', true, 'Tokens', 'Input', 'Read', NULL),
           (3, 'cache_write', 'Cache Write Tokens', true, 'Tokens', 'Input', 'Write', '5m'),
           (4, 'cache_write_1h', 'Cache Write 1h Tokens', true, 'Tokens', 'Input', 'Write', '1h'),
           (5, 'output', 'Output Tokens', true, 'Tokens', 'Output', NULL, NULL),
           (6, 'reasoning', 'Reasoning Tokens', true, 'Tokens', 'Output', NULL, NULL),
           (7, 'audio_input', 'Audio Input Tokens', true, 'Tokens', 'Input', NULL, NULL),
           (8, 'audio_output', 'Audio Output Tokens', true, 'Tokens', 'Output', NULL, NULL),
           (9, 'image_input', 'Image Input Tokens', true, 'Tokens', 'Input', NULL, NULL),
           (10, 'image_output', 'Image Output Tokens', true, 'Tokens', 'Output', NULL, NULL),
           (11, 'requests', 'Requests', false, 'Requests', NULL, NULL, NULL),
           (12, 'web_searches', 'Web Searches', false, 'Searches', NULL, NULL, NULL)
),
invoice AS (
    SELECT i.provider, i.period, i.currency, i.amount, i.recorded_at,
           coalesce(nullif(i.reference, ''), format('%s-%s-%s', i.provider, to_char(i.period, 'YYYY-MM'), i.currency)) AS invoice_id
    FROM chargeback.invoice i
),
-- The priced rollup rows, with their price row and the share of their cost that the price
-- row does not explain (only when the catalog row was changed in place after pricing and
-- the usage was not repriced: it becomes an Adjustment row, so nothing is lost).
priced AS (
    SELECT r.*, p.model AS price_model, p.service_tier AS price_tier, p.min_prompt_tokens, p.rates,
           r.list_cost - chargeback.cost(r.tokens, p.rates) AS list_rest,
           r.cost - chargeback.cost(r.tokens, p.rates) AS billed_rest
    FROM chargeback.daily_rollup r
    JOIN chargeback.price p ON p.price_id = r.price_id
    WHERE r.price_id <> 0
),
charge AS (
    -- Usage: one row per priced component.
    SELECT 'Usage'::text AS category, CASE WHEN date_trunc('month', r.day)::date <> r.period THEN 'Correction' END AS class,
           'Usage-Based'::text AS frequency,
           r.period, r.day::timestamp AS start_local, (r.day + 1)::timestamp AS end_local,
           r.provider, r.model, r.service_tier, r.currency, r.org_unit_id, nullif(r.project, '') AS project,
           nullif(r.activity_type, '') AS activity_type,
           q.list_cost AS billed, q.list_cost AS list_cost, q.rate AS unit_price, q.quantity,
           CASE WHEN k.per_million THEN '1000000 Tokens' ELSE k.consumed_unit END AS pricing_unit,
           q.n::numeric AS consumed, k.consumed_unit,
           r.provider || '/' || r.price_model AS sku_id, r.price_id || '/' || k.class AS sku_price_id, k.meter AS sku_meter,
           jsonb_strip_nulls(jsonb_build_object(
               'x_ModelDeveloper', d.developer, 'x_ModelFamily', d.family, 'x_ModelId', r.price_model,
               'x_TokenClass', k.class, 'x_TokenDirection', k.direction, 'x_CacheAction', k.cache_action,
               'x_CacheTtl', k.cache_ttl, 'x_PricedServiceTier', r.price_tier,
               'x_MinPromptTokensExceeded', CASE WHEN r.min_prompt_tokens > 0 THEN r.min_prompt_tokens::text END,
               'x_PriceId', r.price_id::text)) AS sku_price_details,
           format('%s of %s (%s tier) on %s', k.meter, r.model, r.service_tier, s.service_name) AS description,
           d.developer
    FROM priced r
    CROSS JOIN LATERAL chargeback.focus_service(r.provider) s
    CROSS JOIN LATERAL chargeback.focus_model(r.price_model) d
    CROSS JOIN meter k
    CROSS JOIN LATERAL (SELECT chargeback.tokens(r.tokens, k.class) AS n, chargeback.rate(r.rates, k.class) AS rate) t
    CROSS JOIN LATERAL (SELECT t.n, t.rate, CASE WHEN k.per_million THEN t.n * 0.000001 ELSE t.n::numeric END AS quantity,
                               t.rate * CASE WHEN k.per_million THEN t.n * 0.000001 ELSE t.n::numeric END AS list_cost) q
    WHERE t.n > 0 AND NOT (k.class = 'requests' AND t.rate = 0)   -- requests are a component only where priced
    UNION ALL
    -- What the catalog row does not explain (a row changed in place, not yet repriced).
    SELECT 'Adjustment', NULL, 'Usage-Based', r.period, r.day::timestamp, (r.day + 1)::timestamp,
           r.provider, r.model, r.service_tier, r.currency, r.org_unit_id, nullif(r.project, ''), nullif(r.activity_type, ''),
           r.billed_rest, r.list_rest, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
           format('usage of %s (%s tier) recorded at other prices than catalog row %s now holds; chargeback.reprice() re-prices it',
                  r.model, r.service_tier, r.price_id),
           NULL
    FROM priced r
    WHERE r.list_rest <> 0 OR r.billed_rest <> 0
    UNION ALL
    -- Fixed charges (seat licences, commitments): a recurring charge for the month; a
    -- negative one is a credit.
    SELECT CASE WHEN f.amount >= 0 THEN 'Usage' ELSE 'Credit' END, NULL, 'Recurring', f.period,
           f.period::timestamp, (f.period + interval '1 month')::timestamp,
           f.provider, NULL, NULL, f.currency, NULL, NULL, NULL,
           f.amount, f.amount, CASE WHEN f.amount >= 0 THEN f.amount END, CASE WHEN f.amount >= 0 THEN 1::numeric END,
           CASE WHEN f.amount >= 0 THEN 'Months' END, CASE WHEN f.amount >= 0 THEN 1::numeric END,
           CASE WHEN f.amount >= 0 THEN 'Months' END,
           CASE WHEN f.amount >= 0 THEN f.provider || '/fixed' END,
           CASE WHEN f.amount >= 0 THEN 'fixed/' || f.fixed_charge_id END,
           CASE WHEN f.amount >= 0 THEN 'Fixed Charge' END,
           CASE WHEN f.amount >= 0 THEN jsonb_build_object('x_FixedChargeId', f.fixed_charge_id::text) END,
           f.description, NULL
    FROM chargeback.fixed_charge f
    UNION ALL
    -- Invoice true-up: the invoice minus the metered cost and fixed charges of its provider,
    -- month and currency, so that the rows of an InvoiceId sum to the invoice.
    SELECT 'Adjustment', NULL, 'One-Time', i.period, i.period::timestamp, (i.period + interval '1 month')::timestamp,
           i.provider, NULL, NULL, i.currency, NULL, NULL, NULL,
           x.diff, x.diff, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
           format('invoice %s true-up: %s invoiced, %s metered, %s fixed charges', i.invoice_id, i.amount, x.metered, x.fixed),
           NULL
    FROM invoice i
    CROSS JOIN LATERAL (SELECT coalesce((SELECT sum(r.cost) FROM chargeback.daily_rollup r
                                          WHERE r.period = i.period AND r.provider = i.provider AND r.currency = i.currency), 0) AS metered,
                               coalesce((SELECT sum(f.amount) FROM chargeback.fixed_charge f
                                          WHERE f.period = i.period AND f.provider = i.provider AND f.currency = i.currency), 0) AS fixed) m
    CROSS JOIN LATERAL (SELECT m.metered, m.fixed, i.amount - m.metered - m.fixed AS diff) x
    WHERE x.diff <> 0
)
SELECT c.billed AS "BilledCost",
       s.provider_name || ' account' AS "BillingAccountName",
       c.provider AS "BillingAccountId",
       c.currency AS "BillingCurrency",
       chargeback.focus_datetime(c.period::timestamp AT TIME ZONE z.tz) AS "BillingPeriodStart",
       chargeback.focus_datetime((c.period + interval '1 month') AT TIME ZONE z.tz) AS "BillingPeriodEnd",
       c.category AS "ChargeCategory",
       c.class AS "ChargeClass",
       c.description AS "ChargeDescription",
       c.frequency AS "ChargeFrequency",
       chargeback.focus_datetime(c.start_local AT TIME ZONE z.tz) AS "ChargePeriodStart",
       chargeback.focus_datetime(c.end_local AT TIME ZONE z.tz) AS "ChargePeriodEnd",
       c.consumed AS "ConsumedQuantity",
       c.consumed_unit AS "ConsumedUnit",
       c.billed AS "ContractedCost",
       c.unit_price AS "ContractedUnitPrice",
       c.billed AS "EffectiveCost",
       i.invoice_id AS "InvoiceId",
       s.invoice_issuer AS "InvoiceIssuerName",
       c.list_cost AS "ListCost",
       c.unit_price AS "ListUnitPrice",
       CASE WHEN c.sku_id IS NOT NULL THEN 'Standard' END AS "PricingCategory",
       c.quantity AS "PricingQuantity",
       c.pricing_unit AS "PricingUnit",
       s.provider_name AS "ProviderName",
       coalesce(c.developer, s.provider_name) AS "PublisherName",
       'AI and Machine Learning'::text AS "ServiceCategory",
       s.service_name AS "ServiceName",
       'Generative AI'::text AS "ServiceSubcategory",
       c.sku_id AS "SkuId",
       c.sku_meter AS "SkuMeter",
       c.sku_price_details AS "SkuPriceDetails",
       c.sku_price_id AS "SkuPriceId",
       o.code AS "SubAccountId",
       o.name AS "SubAccountName",
       CASE WHEN o.org_unit_id IS NOT NULL
            THEN jsonb_strip_nulls(jsonb_build_object('x_Department', o.code, 'x_Project', c.project,
                                                      'x_CostCenter', o.cost_center, 'x_Activity', c.activity_type)) END AS "Tags",
       c.period AS "x_BillingPeriod",
       c.provider AS "x_Provider",
       c.model AS "x_Model",
       c.service_tier AS "x_ServiceTier"
FROM charge c
CROSS JOIN LATERAL (SELECT chargeback.accounting_timezone() AS tz) z
CROSS JOIN LATERAL chargeback.focus_service(c.provider) s
LEFT JOIN chargeback.org_unit o ON o.org_unit_id = c.org_unit_id
LEFT JOIN invoice i ON i.provider = c.provider AND i.period = c.period AND i.currency = c.currency;
COMMENT ON VIEW chargeback.focus_1_2 IS
    'FinOps FOCUS 1.2 CostAndUsage: one Usage row per priced token class of a daily rollup row (ListUnitPrice x PricingQuantity = ListCost exactly), fixed charges, invoice true-ups; datetimes in UTC as YYYY-MM-DDTHH:MM:SSZ; filter on x_BillingPeriod';
COMMENT ON COLUMN chargeback.focus_1_2."BilledCost" IS 'cost charged, exact (the usage cost of the component; the amount of a fixed charge or true-up)';
COMMENT ON COLUMN chargeback.focus_1_2."BillingAccountName" IS 'the account pg_chargeback records for the provider: <provider name> account';
COMMENT ON COLUMN chargeback.focus_1_2."BillingAccountId" IS 'the provider (openai, anthropic, ...): one billing account per provider';
COMMENT ON COLUMN chargeback.focus_1_2."BillingCurrency" IS 'ISO 4217 currency of the costs';
COMMENT ON COLUMN chargeback.focus_1_2."BillingPeriodStart" IS 'start of the accounting month (inclusive, in chargeback.timezone), as YYYY-MM-DDTHH:MM:SSZ in UTC';
COMMENT ON COLUMN chargeback.focus_1_2."BillingPeriodEnd" IS 'end of the accounting month (exclusive), as YYYY-MM-DDTHH:MM:SSZ in UTC';
COMMENT ON COLUMN chargeback.focus_1_2."ChargeCategory" IS 'Usage (metered components and fixed charges), Credit (a negative fixed charge) or Adjustment (invoice true-up; usage priced otherwise than its catalog row now says)';
COMMENT ON COLUMN chargeback.focus_1_2."ChargeClass" IS 'Correction for usage of a closed month booked into a later one, else NULL';
COMMENT ON COLUMN chargeback.focus_1_2."ChargeDescription" IS 'what the row charges: token class, model, tier and service; fixed charge description; true-up figures';
COMMENT ON COLUMN chargeback.focus_1_2."ChargeFrequency" IS 'Usage-Based (metered), Recurring (fixed charges) or One-Time (true-ups)';
COMMENT ON COLUMN chargeback.focus_1_2."ChargePeriodStart" IS 'start of the day the usage occurred (inclusive, in chargeback.timezone; the month for fixed charges and true-ups), as YYYY-MM-DDTHH:MM:SSZ in UTC';
COMMENT ON COLUMN chargeback.focus_1_2."ChargePeriodEnd" IS 'end of that day (exclusive), as YYYY-MM-DDTHH:MM:SSZ in UTC';
COMMENT ON COLUMN chargeback.focus_1_2."ConsumedQuantity" IS 'tokens, requests or web searches of the component (1 month for a fixed charge); NULL for other categories';
COMMENT ON COLUMN chargeback.focus_1_2."ConsumedUnit" IS 'Tokens, Requests, Searches or Months';
COMMENT ON COLUMN chargeback.focus_1_2."ContractedCost" IS 'cost at the prices in force: the cost charged';
COMMENT ON COLUMN chargeback.focus_1_2."ContractedUnitPrice" IS 'the price in force per PricingUnit (the catalog rate of the class); ContractedUnitPrice x PricingQuantity = ContractedCost exactly';
COMMENT ON COLUMN chargeback.focus_1_2."EffectiveCost" IS 'cost after discounts and commitments: the cost charged (no amortization)';
COMMENT ON COLUMN chargeback.focus_1_2."InvoiceId" IS 'chargeback.invoice.reference of the provider, month and currency (provider-YYYY-MM-currency without a reference); NULL until an invoice is recorded';
COMMENT ON COLUMN chargeback.focus_1_2."InvoiceIssuerName" IS 'who invoices the charge (OpenAI, Anthropic, Google, Amazon Web Services, ...)';
COMMENT ON COLUMN chargeback.focus_1_2."ListCost" IS 'cost at catalog list prices, exact: ListUnitPrice x PricingQuantity';
COMMENT ON COLUMN chargeback.focus_1_2."ListUnitPrice" IS 'catalog list price per PricingUnit: the rate of the token class per 1M tokens (per request or search); ListUnitPrice x PricingQuantity = ListCost exactly';
COMMENT ON COLUMN chargeback.focus_1_2."PricingCategory" IS 'Standard (prices agreed in advance) where a SKU is priced; NULL otherwise';
COMMENT ON COLUMN chargeback.focus_1_2."PricingQuantity" IS 'tokens / 1000000 (exact), requests, searches or 1 month';
COMMENT ON COLUMN chargeback.focus_1_2."PricingUnit" IS '1000000 Tokens, Requests, Searches or Months';
COMMENT ON COLUMN chargeback.focus_1_2."ProviderName" IS 'who makes the service available (FOCUS 1.2 name; ServiceProviderName from 1.3)';
COMMENT ON COLUMN chargeback.focus_1_2."PublisherName" IS 'who produced the model (its developer, from focus_model()), else the provider';
COMMENT ON COLUMN chargeback.focus_1_2."ServiceCategory" IS 'always AI and Machine Learning';
COMMENT ON COLUMN chargeback.focus_1_2."ServiceName" IS 'the provider''s product (OpenAI API, Claude API, Gemini API, Amazon Bedrock, ...)';
COMMENT ON COLUMN chargeback.focus_1_2."ServiceSubcategory" IS 'always Generative AI';
COMMENT ON COLUMN chargeback.focus_1_2."SkuId" IS 'provider/catalog model (provider/fixed for fixed charges)';
COMMENT ON COLUMN chargeback.focus_1_2."SkuMeter" IS 'the priced component: Input Tokens, Cache Read Tokens, Cache Write Tokens, Output Tokens, Reasoning Tokens, ..., Requests, Web Searches, Fixed Charge';
COMMENT ON COLUMN chargeback.focus_1_2."SkuPriceDetails" IS 'JSON: x_ModelDeveloper, x_ModelFamily, x_ModelId, x_TokenClass, x_TokenDirection (Input/Output), x_CacheAction (Read/Write), x_CacheTtl, x_PricedServiceTier, x_MinPromptTokensExceeded, x_PriceId';
COMMENT ON COLUMN chargeback.focus_1_2."SkuPriceId" IS 'price_id/class: the chargeback.price row that priced the usage and the token class (fixed/<id> for fixed charges)';
COMMENT ON COLUMN chargeback.focus_1_2."SubAccountId" IS 'org unit code of the owner; NULL for charges of no unit (fixed charges, true-ups)';
COMMENT ON COLUMN chargeback.focus_1_2."SubAccountName" IS 'org unit name of the owner';
COMMENT ON COLUMN chargeback.focus_1_2."Tags" IS 'x_Department (org unit code), x_Project, x_CostCenter, x_Activity; absent keys have no value';
COMMENT ON COLUMN chargeback.focus_1_2."x_BillingPeriod" IS 'accounting month (first day), a date to filter on';
COMMENT ON COLUMN chargeback.focus_1_2."x_Provider" IS 'provider as recorded (lower case)';
COMMENT ON COLUMN chargeback.focus_1_2."x_Model" IS 'model as reported by the provider or gateway';
COMMENT ON COLUMN chargeback.focus_1_2."x_ServiceTier" IS 'service tier of the requests (the price row''s tier is x_PricedServiceTier in SkuPriceDetails)';

-- focus: the latest released FOCUS version, 1.4 (CostAndUsage). The 1.2 rows, with the 1.3
-- columns (ServiceProviderName, HostProviderName, ContractApplied) and allocation runs as
-- split cost allocation: the period's run (the final one of a closed month, else the newest
-- draft) shares each pool's cost (a shared line with a negative amount: the pool's org unit,
-- or unattributed) out to the units its positive shared lines name, and a receiving unit that
-- is itself a pool passes its part on, to the units that keep it (allocation_flow). Each Usage
-- row of a pool (the origin charge) is replaced by one allocated charge per unit that keeps
-- part of it, in proportion to what the run moved there; the pricing quantity is split in
-- whole tokens (whole units for requests, searches and months) by largest remainder, so each
-- allocated row keeps
-- ListUnitPrice x PricingQuantity = ListCost and the allocated rows sum exactly to the origin
-- charge. Only roles that see every unit get the split (a viewer would see part of a pool's
-- targets); others get the origin charges.
CREATE VIEW chargeback.focus AS
-- NOT MATERIALIZED and windows partitioned by x_BillingPeriod: a filter on the month reaches
-- the rollup's primary key through every branch.
WITH f AS NOT MATERIALIZED (
    SELECT f.* FROM chargeback.focus_1_2 f
),
run AS (
    SELECT DISTINCT ON (r.period) r.period, r.run_id, r.model
    FROM chargeback.allocation_run r
    LEFT JOIN chargeback.period t ON t.period = r.period
    WHERE (SELECT pg_catalog.pg_has_role('chargeback_analyst', 'USAGE'))  -- chargeback.sees_all()
      AND CASE WHEN t.status = 'closed' THEN r.run_id = t.final_run_id ELSE r.status = 'draft' END
    ORDER BY r.period, r.run_id DESC
),
pool AS (
    SELECT DISTINCT l.run_id, l.period, l.currency, l.source, u.code AS pool_code
    FROM run JOIN chargeback.allocation_line l ON l.run_id = run.run_id
    JOIN chargeback.org_unit u ON u.org_unit_id = l.org_unit_id AND u.code = l.source
    WHERE l.component = 'shared' AND l.amount < 0
),
-- What each pool moved to each unit, followed to the units that keep it: a pool that
-- receives from another passes that on too (allocation_flow).
edge AS (
    SELECT p.run_id, p.period, p.currency, p.pool_code, u.code AS target_code, sum(l.amount) AS amount
    FROM pool p
    JOIN chargeback.allocation_line l ON l.run_id = p.run_id AND l.source = p.source AND l.currency = p.currency
                                      AND l.component = 'shared' AND l.amount > 0
    JOIN chargeback.org_unit u ON u.org_unit_id = l.org_unit_id
    GROUP BY p.run_id, p.period, p.currency, p.pool_code, u.code
),
target AS (
    SELECT e.run_id, r.model, e.period, e.currency, x.pool AS pool_code, u.code, u.name, u.cost_center,
           x.moved AS weight
    FROM (SELECT run_id, period, currency, jsonb_agg(jsonb_build_array(pool_code, target_code, amount)) AS edges
          FROM edge GROUP BY run_id, period, currency) e
    JOIN run r ON r.run_id = e.run_id
    CROSS JOIN LATERAL chargeback.allocation_flow(e.edges) x
    JOIN chargeback.org_unit u ON u.code = x.unit
),
split AS (
    -- Each origin charge (a Usage row of a pool) is identified by its month, day, owner,
    -- tags (project, activity), provider, model, tier, currency and SkuPriceId (price row and
    -- class): the windows split it over the pool's targets.
    SELECT o.*, t.run_id, t.model, t.code AS target_code, t.name AS target_name, t.cost_center AS target_cost_center,
           t.weight,
           chargeback.allocate(o."PricingQuantity", t.weight,
                               CASE WHEN o."PricingUnit" = '1000000 Tokens' THEN 0.000001 ELSE 1 END)
               OVER w AS quantity,
           chargeback.allocate(1, t.weight, 0.000000000001) OVER w AS ratio
    FROM f o
    JOIN target t ON t.period = o."x_BillingPeriod" AND t.pool_code = o."SubAccountId" AND t.currency = o."BillingCurrency"
    WHERE o."ChargeCategory" = 'Usage'
    WINDOW w AS (PARTITION BY o."x_BillingPeriod", o."ChargePeriodStart", o."SubAccountId", o."Tags", o."x_Provider",
                              o."x_Model", o."x_ServiceTier", o."BillingCurrency", o."SkuPriceId", o."ChargeClass"
                 ORDER BY t.code)
)
SELECT f."BilledCost", f."BillingAccountName", f."BillingAccountId", f."BillingCurrency", f."BillingPeriodStart",
       f."BillingPeriodEnd", f."ChargeCategory", f."ChargeClass", f."ChargeDescription", f."ChargeFrequency",
       f."ChargePeriodStart", f."ChargePeriodEnd", f."ConsumedQuantity", f."ConsumedUnit", f."ContractedCost",
       f."ContractedUnitPrice", f."EffectiveCost", f."InvoiceId", f."InvoiceIssuerName", f."ListCost", f."ListUnitPrice",
       f."PricingCategory", f."PricingQuantity", f."PricingUnit", f."ProviderName", f."PublisherName",
       f."ServiceCategory", f."ServiceName", f."ServiceSubcategory", f."SkuId", f."SkuMeter", f."SkuPriceDetails",
       f."SkuPriceId", f."SubAccountId", f."SubAccountName", f."Tags",
       f."ProviderName" AS "ServiceProviderName",
       f."ProviderName" AS "HostProviderName",
       NULL::jsonb AS "ContractApplied",
       NULL::text AS "AllocatedMethodId",
       NULL::jsonb AS "AllocatedMethodDetails",
       NULL::text AS "AllocatedResourceId",
       NULL::text AS "AllocatedResourceName",
       NULL::jsonb AS "AllocatedTags",
       f."x_BillingPeriod", f."x_Provider", f."x_Model", f."x_ServiceTier"
FROM f
WHERE NOT (f."ChargeCategory" = 'Usage' AND f."SubAccountId" IS NOT NULL
           AND EXISTS (SELECT 1 FROM target t WHERE t.period = f."x_BillingPeriod" AND t.pool_code = f."SubAccountId"
                                                AND t.currency = f."BillingCurrency"))
UNION ALL
SELECT c.list_cost, s."BillingAccountName", s."BillingAccountId", s."BillingCurrency", s."BillingPeriodStart",
       s."BillingPeriodEnd", s."ChargeCategory", s."ChargeClass", s."ChargeDescription", s."ChargeFrequency",
       s."ChargePeriodStart", s."ChargePeriodEnd", s.quantity * (s."ConsumedQuantity" / s."PricingQuantity"),
       s."ConsumedUnit", c.list_cost, s."ContractedUnitPrice", c.list_cost, s."InvoiceId", s."InvoiceIssuerName",
       c.list_cost, s."ListUnitPrice", s."PricingCategory", s.quantity, s."PricingUnit", s."ProviderName",
       s."PublisherName", s."ServiceCategory", s."ServiceName", s."ServiceSubcategory", s."SkuId", s."SkuMeter",
       s."SkuPriceDetails", s."SkuPriceId", s."SubAccountId", s."SubAccountName", s."Tags",
       s."ProviderName", s."ProviderName", NULL::jsonb,
       'pg_chargeback.' || s.model,
       jsonb_build_object('Elements', jsonb_build_array(jsonb_build_object('AllocatedRatio', s.ratio,
                                                                           'UsageUnit', 'Allocated Cost',
                                                                           'UsageQuantity', s.weight)),
                          'x_RunId', s.run_id, 'x_Pool', s."SubAccountId"),
       s.target_code, s.target_name,
       jsonb_strip_nulls(jsonb_build_object('x_Department', s.target_code, 'x_CostCenter', s.target_cost_center)),
       s."x_BillingPeriod", s."x_Provider", s."x_Model", s."x_ServiceTier"
FROM split s
CROSS JOIN LATERAL (SELECT s."ListUnitPrice" * s.quantity AS list_cost) c(list_cost);
COMMENT ON VIEW chargeback.focus IS
    'FinOps FOCUS 1.4 CostAndUsage (the latest released version): the focus_1_2 rows with the 1.3 columns, and the period''s allocation run as split cost allocation (Allocated* columns); datetimes in UTC as YYYY-MM-DDTHH:MM:SSZ; filter on x_BillingPeriod';
COMMENT ON COLUMN chargeback.focus."BilledCost" IS 'cost charged, exact (the usage cost of the component; the amount of a fixed charge or true-up)';
COMMENT ON COLUMN chargeback.focus."BillingAccountName" IS 'the account pg_chargeback records for the provider: <provider name> account';
COMMENT ON COLUMN chargeback.focus."BillingAccountId" IS 'the provider (openai, anthropic, ...): one billing account per provider';
COMMENT ON COLUMN chargeback.focus."BillingCurrency" IS 'ISO 4217 currency of the costs';
COMMENT ON COLUMN chargeback.focus."BillingPeriodStart" IS 'start of the accounting month (inclusive, in chargeback.timezone), as YYYY-MM-DDTHH:MM:SSZ in UTC';
COMMENT ON COLUMN chargeback.focus."BillingPeriodEnd" IS 'end of the accounting month (exclusive), as YYYY-MM-DDTHH:MM:SSZ in UTC';
COMMENT ON COLUMN chargeback.focus."ChargeCategory" IS 'Usage (metered components and fixed charges), Credit (a negative fixed charge) or Adjustment (invoice true-up; usage priced otherwise than its catalog row now says)';
COMMENT ON COLUMN chargeback.focus."ChargeClass" IS 'Correction for usage of a closed month booked into a later one, else NULL';
COMMENT ON COLUMN chargeback.focus."ChargeDescription" IS 'what the row charges: token class, model, tier and service; fixed charge description; true-up figures';
COMMENT ON COLUMN chargeback.focus."ChargeFrequency" IS 'Usage-Based (metered), Recurring (fixed charges) or One-Time (true-ups)';
COMMENT ON COLUMN chargeback.focus."ChargePeriodStart" IS 'start of the day the usage occurred (inclusive, in chargeback.timezone; the month for fixed charges and true-ups), as YYYY-MM-DDTHH:MM:SSZ in UTC';
COMMENT ON COLUMN chargeback.focus."ChargePeriodEnd" IS 'end of that day (exclusive), as YYYY-MM-DDTHH:MM:SSZ in UTC';
COMMENT ON COLUMN chargeback.focus."ConsumedQuantity" IS 'tokens, requests or web searches of the component (1 month for a fixed charge); NULL for other categories';
COMMENT ON COLUMN chargeback.focus."ConsumedUnit" IS 'Tokens, Requests, Searches or Months';
COMMENT ON COLUMN chargeback.focus."ContractedCost" IS 'cost at the prices in force: the cost charged';
COMMENT ON COLUMN chargeback.focus."ContractedUnitPrice" IS 'the price in force per PricingUnit (the catalog rate of the class); ContractedUnitPrice x PricingQuantity = ContractedCost exactly';
COMMENT ON COLUMN chargeback.focus."EffectiveCost" IS 'cost after discounts and commitments: the cost charged (no amortization)';
COMMENT ON COLUMN chargeback.focus."InvoiceId" IS 'chargeback.invoice.reference of the provider, month and currency (provider-YYYY-MM-currency without a reference); NULL until an invoice is recorded';
COMMENT ON COLUMN chargeback.focus."InvoiceIssuerName" IS 'who invoices the charge (OpenAI, Anthropic, Google, Amazon Web Services, ...)';
COMMENT ON COLUMN chargeback.focus."ListCost" IS 'cost at catalog list prices, exact: ListUnitPrice x PricingQuantity';
COMMENT ON COLUMN chargeback.focus."ListUnitPrice" IS 'catalog list price per PricingUnit: the rate of the token class per 1M tokens (per request or search); ListUnitPrice x PricingQuantity = ListCost exactly';
COMMENT ON COLUMN chargeback.focus."PricingCategory" IS 'Standard (prices agreed in advance) where a SKU is priced; NULL otherwise';
COMMENT ON COLUMN chargeback.focus."PricingQuantity" IS 'tokens / 1000000 (exact), requests, searches or 1 month';
COMMENT ON COLUMN chargeback.focus."PricingUnit" IS '1000000 Tokens, Requests, Searches or Months';
COMMENT ON COLUMN chargeback.focus."ProviderName" IS 'who makes the service available (FOCUS 1.2 name; ServiceProviderName from 1.3)';
COMMENT ON COLUMN chargeback.focus."PublisherName" IS 'who produced the model (its developer, from focus_model()), else the provider';
COMMENT ON COLUMN chargeback.focus."ServiceCategory" IS 'always AI and Machine Learning';
COMMENT ON COLUMN chargeback.focus."ServiceName" IS 'the provider''s product (OpenAI API, Claude API, Gemini API, Amazon Bedrock, ...)';
COMMENT ON COLUMN chargeback.focus."ServiceSubcategory" IS 'always Generative AI';
COMMENT ON COLUMN chargeback.focus."SkuId" IS 'provider/catalog model (provider/fixed for fixed charges)';
COMMENT ON COLUMN chargeback.focus."SkuMeter" IS 'the priced component: Input Tokens, Cache Read Tokens, Cache Write Tokens, Output Tokens, Reasoning Tokens, ..., Requests, Web Searches, Fixed Charge';
COMMENT ON COLUMN chargeback.focus."SkuPriceDetails" IS 'JSON: x_ModelDeveloper, x_ModelFamily, x_ModelId, x_TokenClass, x_TokenDirection (Input/Output), x_CacheAction (Read/Write), x_CacheTtl, x_PricedServiceTier, x_MinPromptTokensExceeded, x_PriceId';
COMMENT ON COLUMN chargeback.focus."SkuPriceId" IS 'price_id/class: the chargeback.price row that priced the usage and the token class (fixed/<id> for fixed charges)';
COMMENT ON COLUMN chargeback.focus."SubAccountId" IS 'org unit code of the owner; NULL for charges of no unit (fixed charges, true-ups)';
COMMENT ON COLUMN chargeback.focus."SubAccountName" IS 'org unit name of the owner';
COMMENT ON COLUMN chargeback.focus."Tags" IS 'x_Department (org unit code), x_Project, x_CostCenter, x_Activity; absent keys have no value';
COMMENT ON COLUMN chargeback.focus."ServiceProviderName" IS 'who makes the service available (FOCUS 1.3)';
COMMENT ON COLUMN chargeback.focus."HostProviderName" IS 'who hosts the service (FOCUS 1.3): the service provider';
COMMENT ON COLUMN chargeback.focus."ContractApplied" IS 'contract commitments applied: always NULL (no contract commitments are recorded)';
COMMENT ON COLUMN chargeback.focus."AllocatedMethodId" IS 'split cost allocation: pg_chargeback.<allocation model> of the run that shared this pool''s cost; NULL for charges not split';
COMMENT ON COLUMN chargeback.focus."AllocatedMethodDetails" IS 'JSON: Elements [{AllocatedRatio, UsageUnit Allocated Cost, UsageQuantity: what the run moved from the pool to the unit, through any pools between}], x_RunId, x_Pool';
COMMENT ON COLUMN chargeback.focus."AllocatedResourceId" IS 'org unit code receiving this allocated charge';
COMMENT ON COLUMN chargeback.focus."AllocatedResourceName" IS 'org unit name receiving this allocated charge';
COMMENT ON COLUMN chargeback.focus."AllocatedTags" IS 'x_Department and x_CostCenter of the receiving unit';
COMMENT ON COLUMN chargeback.focus."x_BillingPeriod" IS 'accounting month (first day), a date to filter on';
COMMENT ON COLUMN chargeback.focus."x_Provider" IS 'provider as recorded (lower case)';
COMMENT ON COLUMN chargeback.focus."x_Model" IS 'model as reported by the provider or gateway';
COMMENT ON COLUMN chargeback.focus."x_ServiceTier" IS 'service tier of the requests (the price row''s tier is x_PricedServiceTier in SkuPriceDetails)';

-- focus_invoice_detail: FOCUS 1.4 InvoiceDetail. One line per recorded invoice (chargeback.invoice:
-- provider, month, currency) and charge category, summing the CostAndUsage rows of that
-- InvoiceId, so the lines of an invoice sum to its amount (the Adjustment line is the true-up).
-- Lines with a BilledCost of 0 are left out.
CREATE VIEW chargeback.focus_invoice_detail AS
SELECT sum(f."BilledCost") AS "BilledCost",
       f."BillingAccountId",
       f."BillingCurrency",
       f."BillingPeriodEnd",
       f."BillingPeriodStart",
       f."ChargeCategory",
       chargeback.focus_datetime(i.recorded_at) AS "InvoiceDetailCreated",
       format('%s %s %s charges', f."InvoiceIssuerName", to_char(f."x_BillingPeriod", 'YYYY-MM'), f."ChargeCategory") AS "InvoiceDetailDescription",
       jsonb_build_object('ChargeCategory', f."ChargeCategory") AS "InvoiceDetailGrain",
       f."InvoiceId" || '/' || f."ChargeCategory" AS "InvoiceDetailId",
       chargeback.focus_datetime(i.recorded_at) AS "InvoiceDetailLastUpdated",
       f."InvoiceId",
       NULL::text AS "InvoiceIssueDate",
       'Issued'::text AS "InvoiceIssueStatus",
       f."InvoiceIssuerName",
       f."BillingCurrency" AS "PaymentCurrency",
       NULL::text AS "PaymentDueDate",
       'As invoiced'::text AS "PaymentTerms",
       f."InvoiceId" AS "ReferenceInvoiceId",
       f."x_BillingPeriod"
FROM chargeback.focus_1_2 f
JOIN chargeback.invoice i ON i.provider = f."x_Provider" AND i.period = f."x_BillingPeriod" AND i.currency = f."BillingCurrency"
WHERE f."InvoiceId" IS NOT NULL
GROUP BY f."BillingAccountId", f."BillingCurrency", f."BillingPeriodEnd", f."BillingPeriodStart", f."ChargeCategory",
         i.recorded_at, f."InvoiceIssuerName", f."x_BillingPeriod", f."InvoiceId"
HAVING sum(f."BilledCost") <> 0;
COMMENT ON VIEW chargeback.focus_invoice_detail IS
    'FinOps FOCUS 1.4 InvoiceDetail: per recorded invoice and charge category, the sum of its CostAndUsage rows (the lines of an invoice sum to chargeback.invoice.amount); datetimes in UTC as YYYY-MM-DDTHH:MM:SSZ';
COMMENT ON COLUMN chargeback.focus_invoice_detail."BilledCost" IS 'sum of the CostAndUsage BilledCost of the invoice and charge category';
COMMENT ON COLUMN chargeback.focus_invoice_detail."BillingAccountId" IS 'the provider';
COMMENT ON COLUMN chargeback.focus_invoice_detail."BillingCurrency" IS 'ISO 4217 currency of the invoice';
COMMENT ON COLUMN chargeback.focus_invoice_detail."BillingPeriodEnd" IS 'end of the accounting month (exclusive), UTC';
COMMENT ON COLUMN chargeback.focus_invoice_detail."BillingPeriodStart" IS 'start of the accounting month, UTC';
COMMENT ON COLUMN chargeback.focus_invoice_detail."ChargeCategory" IS 'Usage, Credit or Adjustment (the true-up)';
COMMENT ON COLUMN chargeback.focus_invoice_detail."InvoiceDetailCreated" IS 'when the invoice was recorded (chargeback.invoice.recorded_at), UTC';
COMMENT ON COLUMN chargeback.focus_invoice_detail."InvoiceDetailDescription" IS 'issuer, month and charge category';
COMMENT ON COLUMN chargeback.focus_invoice_detail."InvoiceDetailGrain" IS 'JSON: the CostAndUsage columns the line groups by (ChargeCategory)';
COMMENT ON COLUMN chargeback.focus_invoice_detail."InvoiceDetailId" IS 'InvoiceId/ChargeCategory';
COMMENT ON COLUMN chargeback.focus_invoice_detail."InvoiceDetailLastUpdated" IS 'when the invoice was recorded, UTC';
COMMENT ON COLUMN chargeback.focus_invoice_detail."InvoiceId" IS 'the invoice reference (as in focus and focus_1_2)';
COMMENT ON COLUMN chargeback.focus_invoice_detail."InvoiceIssueDate" IS 'not recorded: NULL';
COMMENT ON COLUMN chargeback.focus_invoice_detail."InvoiceIssueStatus" IS 'Issued: the invoice is recorded';
COMMENT ON COLUMN chargeback.focus_invoice_detail."InvoiceIssuerName" IS 'who issued the invoice';
COMMENT ON COLUMN chargeback.focus_invoice_detail."PaymentCurrency" IS 'the billing currency';
COMMENT ON COLUMN chargeback.focus_invoice_detail."PaymentDueDate" IS 'not recorded: NULL';
COMMENT ON COLUMN chargeback.focus_invoice_detail."PaymentTerms" IS 'not recorded: As invoiced';
COMMENT ON COLUMN chargeback.focus_invoice_detail."ReferenceInvoiceId" IS 'the invoice itself';
COMMENT ON COLUMN chargeback.focus_invoice_detail."x_BillingPeriod" IS 'accounting month (first day), a date to filter on';

-- focus_billing_period: FOCUS 1.4 BillingPeriod. One row per invoice issuer and accounting
-- month with usage, fixed charges or an invoice; Closed once the month is closed.
CREATE VIEW chargeback.focus_billing_period AS
SELECT chargeback.focus_datetime(b.period::timestamp AT TIME ZONE z.tz) AS "BillingPeriodCreated",
       chargeback.focus_datetime((b.period + interval '1 month') AT TIME ZONE z.tz) AS "BillingPeriodEnd",
       chargeback.focus_datetime(greatest(b.period::timestamp AT TIME ZONE z.tz, t.changed_at,
                                          (SELECT max(i.recorded_at) FROM chargeback.invoice i
                                            WHERE i.period = b.period AND i.provider = b.provider))) AS "BillingPeriodLastUpdated",
       chargeback.focus_datetime(b.period::timestamp AT TIME ZONE z.tz) AS "BillingPeriodStart",
       CASE WHEN t.status = 'closed' THEN 'Closed' ELSE 'Open' END AS "BillingPeriodStatus",
       s.invoice_issuer AS "InvoiceIssuerName",
       b.period AS "x_BillingPeriod"
FROM (SELECT r.period, r.provider FROM chargeback.daily_rollup r WHERE r.price_id <> 0
      UNION
      SELECT f.period, f.provider FROM chargeback.fixed_charge f
      UNION
      SELECT i.period, i.provider FROM chargeback.invoice i) b
CROSS JOIN LATERAL (SELECT chargeback.accounting_timezone() AS tz) z
CROSS JOIN LATERAL chargeback.focus_service(b.provider) s
LEFT JOIN chargeback.period t ON t.period = b.period;
COMMENT ON VIEW chargeback.focus_billing_period IS
    'FinOps FOCUS 1.4 BillingPeriod: per invoice issuer and accounting month, Open or Closed (chargeback.period); datetimes in UTC as YYYY-MM-DDTHH:MM:SSZ';
COMMENT ON COLUMN chargeback.focus_billing_period."BillingPeriodCreated" IS 'start of the accounting month (the period exists from its start), UTC';
COMMENT ON COLUMN chargeback.focus_billing_period."BillingPeriodEnd" IS 'end of the accounting month (exclusive), UTC';
COMMENT ON COLUMN chargeback.focus_billing_period."BillingPeriodLastUpdated" IS 'latest of the month start, its close or reopen, and its invoices being recorded, UTC';
COMMENT ON COLUMN chargeback.focus_billing_period."BillingPeriodStart" IS 'start of the accounting month (inclusive, in chargeback.timezone), UTC';
COMMENT ON COLUMN chargeback.focus_billing_period."BillingPeriodStatus" IS 'Closed once chargeback.close_period() closed the month, else Open';
COMMENT ON COLUMN chargeback.focus_billing_period."InvoiceIssuerName" IS 'who invoices the provider''s charges';
COMMENT ON COLUMN chargeback.focus_billing_period."x_BillingPeriod" IS 'accounting month (first day), a date to filter on';
