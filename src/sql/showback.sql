-- Showback and reporting views, in plain SQL types for BI tools. All read the daily rollup
-- (chargeback.daily_rollup), never raw usage. Org units are shown by their code.

-- daily_spend: spend per day, owner, project, provider and model.
CREATE VIEW chargeback.daily_spend AS
SELECT r.day, o.code AS org_unit, nullif(r.project, '') AS project, r.provider, r.model,
       sum(r.requests)::bigint AS requests, sum(r.total_tokens)::bigint AS total_tokens, sum(r.cost) AS cost
FROM chargeback.daily_rollup r
JOIN chargeback.org_unit o USING (org_unit_id)
GROUP BY r.day, o.code, r.project, r.provider, r.model;
COMMENT ON VIEW chargeback.daily_spend IS
    'spend per day (in chargeback.timezone), org unit, project, provider and model; read from the daily rollup, which triggers keep current as usage lands';
COMMENT ON COLUMN chargeback.daily_spend.day IS 'day the usage occurred, in chargeback.timezone';
COMMENT ON COLUMN chargeback.daily_spend.org_unit IS 'org unit code of the owner';
COMMENT ON COLUMN chargeback.daily_spend.project IS 'project, NULL for none';
COMMENT ON COLUMN chargeback.daily_spend.provider IS 'provider (openai, anthropic, google, bedrock, ...)';
COMMENT ON COLUMN chargeback.daily_spend.model IS 'model as reported by the provider or gateway';
COMMENT ON COLUMN chargeback.daily_spend.requests IS 'usage rows recorded (a usage-report bucket counts once)';
COMMENT ON COLUMN chargeback.daily_spend.total_tokens IS 'tokens of every class (not requests or web searches)';
COMMENT ON COLUMN chargeback.daily_spend.cost IS 'exact cost of the priced usage; unpriced usage adds 0 (see chargeback.data_quality)';

-- showback: one row per month, owner, project, provider and model with usage that month,
-- its share of the month's cost and the change against the same key the month before. Every
-- rollup row counts once for its own month (cost) and once for the next (prev_cost).
CREATE VIEW chargeback.showback AS
SELECT s.period, o.code AS org_unit, o.name AS org_unit_name, nullif(s.project, '') AS project, s.provider, s.model,
       s.requests, s.total_tokens, s.tokens, s.cost,
       s.cost / nullif(sum(s.cost) OVER (PARTITION BY s.period), 0) AS share,
       s.prev_cost, s.cost - s.prev_cost AS change
FROM (SELECT x.period, x.org_unit_id, x.project, x.provider, x.model,
             sum(x.requests) FILTER (WHERE x.cur)::bigint AS requests,
             sum(x.total_tokens) FILTER (WHERE x.cur)::bigint AS total_tokens,
             chargeback.sum(x.tokens) FILTER (WHERE x.cur) AS tokens,
             coalesce(sum(x.cost) FILTER (WHERE x.cur), 0) AS cost,
             coalesce(sum(x.cost) FILTER (WHERE NOT x.cur), 0) AS prev_cost
      FROM (SELECT r.period, r.org_unit_id, r.project, r.provider, r.model, true AS cur,
                   r.requests, r.total_tokens, r.tokens, r.cost
            FROM chargeback.daily_rollup r
            UNION ALL
            SELECT (r.period + interval '1 month')::date, r.org_unit_id, r.project, r.provider, r.model, false,
                   0, 0, NULL, r.cost
            FROM chargeback.daily_rollup r) x
      GROUP BY x.period, x.org_unit_id, x.project, x.provider, x.model
      HAVING bool_or(x.cur)) s
JOIN chargeback.org_unit o USING (org_unit_id);
COMMENT ON VIEW chargeback.showback IS
    'monthly showback per org unit, project, provider and model: usage, exact cost, share of the month''s total cost and change against the previous month; read from the daily rollup';
COMMENT ON COLUMN chargeback.showback.period IS 'accounting month (first day)';
COMMENT ON COLUMN chargeback.showback.org_unit IS 'org unit code of the owner';
COMMENT ON COLUMN chargeback.showback.org_unit_name IS 'org unit name';
COMMENT ON COLUMN chargeback.showback.project IS 'project, NULL for none';
COMMENT ON COLUMN chargeback.showback.provider IS 'provider (openai, anthropic, google, bedrock, ...)';
COMMENT ON COLUMN chargeback.showback.model IS 'model as reported by the provider or gateway';
COMMENT ON COLUMN chargeback.showback.requests IS 'usage rows recorded (a usage-report bucket counts once)';
COMMENT ON COLUMN chargeback.showback.total_tokens IS 'tokens of every class (not requests or web searches)';
COMMENT ON COLUMN chargeback.showback.tokens IS 'tokens per usage class (token_usage; cast to jsonb for a per-class object)';
COMMENT ON COLUMN chargeback.showback.cost IS 'exact cost of the priced usage; unpriced usage adds 0 (see chargeback.data_quality)';
COMMENT ON COLUMN chargeback.showback.share IS
    'cost / the month''s total cost, 0..1, unrounded (the shares of a month sum to 1 to within 1e-15); NULL when the month cost nothing';
COMMENT ON COLUMN chargeback.showback.prev_cost IS 'cost of the same org unit, project, provider and model the month before; 0 when it had none';
COMMENT ON COLUMN chargeback.showback.change IS 'cost - prev_cost';

-- unit_costs: cost per business outcome, from usage tagged with an activity_type and the
-- outcomes recorded in chargeback.activity_outcome.
CREATE VIEW chargeback.unit_costs AS
SELECT c.period, o.code AS org_unit, c.activity_type, c.cost, a.units,
       CASE WHEN a.units > 0 THEN round(c.cost / a.units, 6) END AS cost_per_unit
FROM (SELECT r.period, r.org_unit_id, r.activity_type, sum(r.cost) AS cost
      FROM chargeback.daily_rollup r
      WHERE r.activity_type <> ''
      GROUP BY r.period, r.org_unit_id, r.activity_type) c
JOIN chargeback.org_unit o USING (org_unit_id)
LEFT JOIN chargeback.activity_outcome a
       ON a.period = c.period AND a.org_unit_id = c.org_unit_id AND a.activity_type = c.activity_type;
COMMENT ON VIEW chargeback.unit_costs IS
    'cost per business outcome (per ticket resolved, opportunity, pull request): cost of usage tagged with an activity_type over the units in chargeback.activity_outcome';
COMMENT ON COLUMN chargeback.unit_costs.period IS 'accounting month (first day)';
COMMENT ON COLUMN chargeback.unit_costs.org_unit IS 'org unit code of the owner';
COMMENT ON COLUMN chargeback.unit_costs.activity_type IS 'business activity the usage was tagged with (attrs.activity_type)';
COMMENT ON COLUMN chargeback.unit_costs.cost IS 'exact cost of the month''s usage of this unit and activity';
COMMENT ON COLUMN chargeback.unit_costs.units IS 'outcomes recorded in chargeback.activity_outcome; NULL when none were recorded';
COMMENT ON COLUMN chargeback.unit_costs.cost_per_unit IS 'cost / units rounded to 6 decimals (half away from zero); NULL when units is 0 or missing';

-- Product names for FOCUS: the service, who provides it and who invoices it.
CREATE FUNCTION chargeback.focus_service(provider text, OUT service_name text, OUT provider_name text, OUT invoice_issuer text)
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT CASE provider
             WHEN 'openai' THEN 'OpenAI API' WHEN 'anthropic' THEN 'Claude API' WHEN 'google' THEN 'Gemini API'
             WHEN 'bedrock' THEN 'Amazon Bedrock' WHEN 'azure' THEN 'Azure OpenAI' WHEN 'mistral' THEN 'Mistral AI API'
             WHEN 'cohere' THEN 'Cohere API' WHEN 'openrouter' THEN 'OpenRouter API' ELSE provider || ' API' END,
           CASE provider
             WHEN 'openai' THEN 'OpenAI' WHEN 'anthropic' THEN 'Anthropic' WHEN 'google' THEN 'Google'
             WHEN 'bedrock' THEN 'Amazon Web Services' WHEN 'azure' THEN 'Microsoft' WHEN 'mistral' THEN 'Mistral AI'
             WHEN 'cohere' THEN 'Cohere' WHEN 'openrouter' THEN 'OpenRouter' ELSE provider END,
           CASE provider
             WHEN 'openai' THEN 'OpenAI' WHEN 'anthropic' THEN 'Anthropic' WHEN 'google' THEN 'Google'
             WHEN 'bedrock' THEN 'Amazon Web Services' WHEN 'azure' THEN 'Microsoft' WHEN 'mistral' THEN 'Mistral AI'
             WHEN 'cohere' THEN 'Cohere' WHEN 'openrouter' THEN 'OpenRouter' ELSE provider END
$$;
COMMENT ON FUNCTION chargeback.focus_service(text) IS
    'FOCUS ServiceName, ServiceProviderName and InvoiceIssuerName of a provider (the provider name itself for providers not known)';

-- focus: one row per charge (per daily rollup row) in FinOps FOCUS 1.x column names.
CREATE VIEW chargeback.focus AS
SELECT r.cost AS "BilledCost",
       r.cost AS "EffectiveCost",
       r.list_cost AS "ListCost",
       r.cost AS "ContractedCost",
       coalesce(nullif(r.currency, ''), 'USD') AS "BillingCurrency",
       'Usage'::text AS "ChargeCategory",
       CASE WHEN date_trunc('month', r.day)::date <> r.period THEN 'Correction' END AS "ChargeClass",
       format('%s %s (%s): %s tokens in %s requests%s', r.provider, r.model, r.service_tier, r.total_tokens, r.requests,
              CASE WHEN r.unpriced > 0 THEN format(', %s unpriced', r.unpriced) ELSE '' END) AS "ChargeDescription",
       t.day_start AS "ChargePeriodStart",
       t.day_end AS "ChargePeriodEnd",
       t.month_start AS "BillingPeriodStart",
       t.month_end AS "BillingPeriodEnd",
       'AI and Machine Learning'::text AS "ServiceCategory",
       'Generative AI'::text AS "ServiceSubcategory",
       s.service_name AS "ServiceName",
       s.provider_name AS "ServiceProviderName",
       s.invoice_issuer AS "InvoiceIssuerName",
       r.provider || '/' || m.sku_model || '/' || r.service_tier AS "SkuId",
       p.price_id::text AS "SkuPriceId",
       r.total_tokens::numeric AS "ConsumedQuantity",
       'Tokens'::text AS "ConsumedUnit",
       r.total_tokens * 0.000001 AS "PricingQuantity",
       '1000000 Tokens'::text AS "PricingUnit",
       CASE WHEN r.total_tokens > 0 AND r.unpriced < r.requests THEN round(r.list_cost * 1000000 / r.total_tokens, 6) END AS "ListUnitPrice",
       o.code AS "SubAccountId",
       o.name AS "SubAccountName",
       jsonb_strip_nulls(jsonb_build_object('x_Department', o.code, 'x_Project', nullif(r.project, ''),
                                            'x_CostCenter', o.cost_center, 'x_Activity', nullif(r.activity_type, ''))) AS "Tags"
FROM chargeback.daily_rollup r
JOIN chargeback.org_unit o USING (org_unit_id)
CROSS JOIN LATERAL (SELECT chargeback.accounting_timezone() AS tz) z
CROSS JOIN LATERAL (SELECT r.day::timestamp AT TIME ZONE z.tz AS day_start,
                           (r.day + 1)::timestamp AT TIME ZONE z.tz AS day_end,
                           r.period::timestamp AT TIME ZONE z.tz AS month_start,
                           (r.period + interval '1 month') AT TIME ZONE z.tz AS month_end) t
CROSS JOIN LATERAL chargeback.focus_service(r.provider) s
CROSS JOIN LATERAL (SELECT coalesce(chargeback.resolve_model(r.provider, r.model, t.day_start), r.model) AS sku_model) m
LEFT JOIN LATERAL (SELECT c.price_id FROM chargeback.price c
                   WHERE c.provider = r.provider AND c.model = m.sku_model AND c.service_tier = r.service_tier
                     AND c.min_prompt_tokens = 0 AND c.valid_from < t.day_end
                     AND (c.valid_to IS NULL OR c.valid_to > t.day_start)
                   ORDER BY c.valid_from DESC LIMIT 1) p ON true;
COMMENT ON VIEW chargeback.focus IS
    'FinOps FOCUS 1.x export: one Usage charge per day, org unit, project, activity, provider, model, tier and currency (a daily rollup row)';
COMMENT ON COLUMN chargeback.focus."BilledCost" IS 'cost charged, exact; 0 for unpriced usage';
COMMENT ON COLUMN chargeback.focus."EffectiveCost" IS 'cost after discounts and commitments: the cost charged (no amortization)';
COMMENT ON COLUMN chargeback.focus."ListCost" IS 'cost at catalog list prices, exact';
COMMENT ON COLUMN chargeback.focus."ContractedCost" IS 'cost at the prices in force: the cost charged';
COMMENT ON COLUMN chargeback.focus."BillingCurrency" IS 'ISO 4217 currency of the costs (USD for unpriced usage)';
COMMENT ON COLUMN chargeback.focus."ChargeCategory" IS 'always Usage';
COMMENT ON COLUMN chargeback.focus."ChargeClass" IS 'Correction for usage of a closed month booked into a later one, else NULL';
COMMENT ON COLUMN chargeback.focus."ChargeDescription" IS 'provider, model, tier, tokens and requests of the charge';
COMMENT ON COLUMN chargeback.focus."ChargePeriodStart" IS 'start of the day the usage occurred (inclusive), in chargeback.timezone';
COMMENT ON COLUMN chargeback.focus."ChargePeriodEnd" IS 'end of that day (exclusive)';
COMMENT ON COLUMN chargeback.focus."BillingPeriodStart" IS 'start of the accounting month (inclusive), in chargeback.timezone';
COMMENT ON COLUMN chargeback.focus."BillingPeriodEnd" IS 'end of the accounting month (exclusive)';
COMMENT ON COLUMN chargeback.focus."ServiceCategory" IS 'always AI and Machine Learning';
COMMENT ON COLUMN chargeback.focus."ServiceSubcategory" IS 'always Generative AI';
COMMENT ON COLUMN chargeback.focus."ServiceName" IS 'the provider''s product (OpenAI API, Claude API, Gemini API, Amazon Bedrock, ...)';
COMMENT ON COLUMN chargeback.focus."ServiceProviderName" IS 'who makes the service available (OpenAI, Anthropic, Google, Amazon Web Services, ...)';
COMMENT ON COLUMN chargeback.focus."InvoiceIssuerName" IS 'who invoices the usage';
COMMENT ON COLUMN chargeback.focus."SkuId" IS 'provider/catalog model/service tier';
COMMENT ON COLUMN chargeback.focus."SkuPriceId" IS 'price_id of the catalog row in force for the SKU that day (the latest when prices changed during the day); NULL when unpriced';
COMMENT ON COLUMN chargeback.focus."ConsumedQuantity" IS 'tokens of every class';
COMMENT ON COLUMN chargeback.focus."ConsumedUnit" IS 'always Tokens';
COMMENT ON COLUMN chargeback.focus."PricingQuantity" IS 'tokens / 1000000, exact';
COMMENT ON COLUMN chargeback.focus."PricingUnit" IS 'always 1000000 Tokens';
COMMENT ON COLUMN chargeback.focus."ListUnitPrice" IS
    'blended list price per 1M tokens over the classes used (ListCost / PricingQuantity), rounded to 6 decimals; NULL without priced tokens';
COMMENT ON COLUMN chargeback.focus."SubAccountId" IS 'org unit code of the owner';
COMMENT ON COLUMN chargeback.focus."SubAccountName" IS 'org unit name of the owner';
COMMENT ON COLUMN chargeback.focus."Tags" IS 'x_Department (org unit code), x_Project, x_CostCenter, x_Activity; absent keys have no value';

-- data_quality: what needs attention, at a glance (all periods).
CREATE VIEW chargeback.data_quality AS
SELECT 'unpriced'::text AS check_name, coalesce(sum(r.unpriced), 0)::bigint AS rows, NULL::numeric AS cost,
       'usage without a catalog price: recorded, costed 0; see chargeback.unpriced_usage, fix with set_price() or model_alias, then reprice()'::text AS detail
FROM chargeback.daily_rollup r
UNION ALL
SELECT 'unattributed', coalesce(sum(r.requests), 0)::bigint, coalesce(sum(r.cost), 0),
       'usage owned by the built-in unit unattributed: no explicit owner, ownership rule or membership matched'
FROM chargeback.daily_rollup r JOIN chargeback.org_unit o USING (org_unit_id)
WHERE o.code = 'unattributed'
UNION ALL
SELECT 'rejected', count(*), NULL,
       'bulk rows that could not be ingested (chargeback.usage_rejected)'
       || coalesce(': ' || (SELECT string_agg(format('%s x %s', n, sqlstate), ', ' ORDER BY n DESC, sqlstate)
                            FROM (SELECT sqlstate, count(*) AS n FROM chargeback.usage_rejected GROUP BY sqlstate) e), '')
FROM chargeback.usage_rejected
UNION ALL
SELECT 'duplicate_dropped', count(*), coalesce(sum(u.cost), 0),
       'requests sent again after they were recorded, dropped and never charged twice (chargeback.usage_duplicate); cost is what they would have added'
FROM chargeback.usage_duplicate d
LEFT JOIN chargeback.usage u ON u.usage_id = d.usage_id
UNION ALL
-- Late usage: usage of a closed month booked into a later open one. Such a row keeps its
-- occurred_at while its period moves on (usage.adjusts_period names the month it adjusts),
-- so its day is outside its period: the rollup finds it without scanning raw usage (which
-- has no index on adjusts_period). sql/showback.sql checks that the two agree.
SELECT 'late', coalesce(sum(r.requests), 0)::bigint, coalesce(sum(r.cost), 0),
       'usage of a closed month booked into the next open one as an adjustment (FOCUS ChargeClass Correction)'
FROM chargeback.daily_rollup r
WHERE date_trunc('month', r.day)::date <> r.period;
COMMENT ON VIEW chargeback.data_quality IS
    'data-quality checks over all periods: unpriced, unattributed, rejected, duplicate-dropped and late usage';
COMMENT ON COLUMN chargeback.data_quality.check_name IS 'unpriced, unattributed, rejected, duplicate_dropped or late';
COMMENT ON COLUMN chargeback.data_quality.rows IS 'usage rows (or rejected input rows) the check found';
COMMENT ON COLUMN chargeback.data_quality.cost IS 'cost involved; NULL where there is none (unpriced and rejected rows have no cost)';
COMMENT ON COLUMN chargeback.data_quality.detail IS 'what the check means and where to look';
