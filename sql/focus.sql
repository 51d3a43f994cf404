-- FOCUS: chargeback.focus_1_2 (FOCUS 1.2) and chargeback.focus (1.4, with allocation runs as
-- split cost allocation), focus_invoice_detail and focus_billing_period, checked against every
-- MUST rule of the FinOps Foundation's FOCUS 1.2 rule model that applies to them (the rule
-- ids are the model's). Each check counts the rows that break its rule: 0 everywhere. The
-- same checks then run on a broken copy, to show that each one fails when its rule breaks.
-- The month is March 2021 (nothing else in the suite uses 2021), priced by our own catalog
-- rows, so nothing depends on today or on the built-in catalog.
SET search_path = chargeback, public;
SET timezone = 'America/New_York';   -- the export is UTC whatever the session's zone

-- Catalog: standard and batch rows for gpt-fx (no flex row: flex is priced by the standard
-- row), a price change at noon on March 10, a long-context row for claude-fx, Bedrock.
SELECT set_price('openai', 'gpt-fx', 'input=2.5 cache_read=1.25 output=10 web_searches=0.01', '2021-01-01') > 0 AS priced;
SELECT set_price('openai', 'gpt-fx', 'input=1.25 cache_read=0.625 output=5', '2021-01-01', 'batch') > 0 AS priced;
SELECT set_price('openai', 'gpt-fx', 'input=2 cache_read=0.5 output=8 web_searches=0.01', '2021-03-10T12:00:00Z') > 0 AS priced;
SELECT set_price('anthropic', 'claude-fx', 'input=3 cache_read=0.3 cache_write=3.75 cache_write_1h=6 output=15', '2021-01-01') > 0 AS priced;
SELECT set_price('anthropic', 'claude-fx', 'input=6 cache_read=0.6 cache_write=7.5 cache_write_1h=12 output=22.5', '2021-01-01',
                 'standard', 200000) > 0 AS priced;
SELECT set_price('bedrock', 'anthropic.claude-fx-v1', 'input=3 output=15', '2021-01-01') > 0 AS priced;
INSERT INTO org_unit (code, name, cost_center) VALUES ('f-marketing', 'Marketing', 'CC-F10'), ('f-sales', 'Sales', 'CC-F20'),
    ('f-platform', 'Platform', 'CC-F40');

CREATE FUNCTION pg_temp.use(provider text, model text, id text, at text, tier text, dept text, tokens jsonb) RETURNS bigint
LANGUAGE sql AS $$
    SELECT chargeback.ingest(jsonb_build_object('provider', provider, 'model', model, 'request_id', id, 'occurred_at', at,
        'service_tier', tier, 'tokens', tokens, 'attrs', jsonb_build_object('department', dept, 'project', 'fx')))
$$;
-- February is closed before its late request arrives: booked into March as a Correction.
SELECT close_period('2021-02-01') > 0 AS closed;
SELECT count(pg_temp.use(p, m, id, at, tier, d, t::jsonb)) AS requests
FROM (VALUES
  ('openai', 'gpt-fx', 'fx1', '2021-03-02T10:00:00Z', 'standard', 'f-marketing', '{"input": 123457, "cache_read": 1000, "output": 3333}'),
  ('openai', 'gpt-fx', 'fx2', '2021-03-02T11:00:00Z', 'flex', 'f-marketing', '{"input": 70001, "output": 999}'),
  ('openai', 'gpt-fx', 'fx3', '2021-03-03T09:00:00Z', 'batch', 'f-sales', '{"input": 1000003, "output": 77}'),
  ('openai', 'gpt-fx', 'fx4', '2021-03-04T09:00:00Z', 'standard', 'f-sales', '{"web_searches": 3}'),
  ('openai', 'gpt-fx', 'fx5', '2021-03-10T09:00:00Z', 'standard', 'f-platform', '{"input": 5001, "output": 17}'),
  ('openai', 'gpt-fx', 'fx6', '2021-03-10T15:00:00Z', 'standard', 'f-platform', '{"input": 7003, "output": 19, "web_searches": 1}'),
  ('anthropic', 'claude-fx', 'fx7', '2021-03-05T08:00:00Z', 'standard', 'f-platform',
   '{"input": 1200, "cache_read": 45000, "cache_write": 3001, "cache_write_1h": 2000, "output": 811}'),
  ('anthropic', 'claude-fx', 'fx8', '2021-03-05T09:00:00Z', 'standard', 'f-platform', '{"input": 250001, "output": 4001}'),
  ('bedrock', 'anthropic.claude-fx-v1', 'fx9', '2021-03-06T09:00:00Z', 'standard', 'f-sales', '{"input": 9999, "output": 1111}'),
  ('openai', 'gpt-fx', 'fx10', '2021-02-20T09:00:00Z', 'standard', 'f-sales', '{"input": 4444, "output": 55}'),
  ('openai', 'unknown-fx', 'fx11', '2021-03-07T09:00:00Z', 'standard', 'f-sales', '{"input": 10}')
) v(p, m, id, at, tier, d, t);
SELECT count(*) AS reopened FROM (SELECT reopen_period('2021-02-01', 'focus test: reopened so that no later test archives it')) r;
-- Seats, the OpenAI invoice (metered + seats + 0.37 to true up), and a run in which
-- Platform's cost goes to Marketing and Sales 1:2 (a pool split in FOCUS).
INSERT INTO fixed_charge (period, provider, description, amount) VALUES ('2021-03-01', 'openai', 'seats', 25.00);
INSERT INTO invoice (provider, period, amount, reference)
SELECT 'openai', '2021-03-01', round(sum(cost), 2) + 25.37, 'INV-OA-2021-03' FROM usage WHERE provider = 'openai' AND period = '2021-03-01';
INSERT INTO allocation_rule (name, step, source, method, targets, weights, valid_from, valid_to)
VALUES ('f-platform to users', 1, 'f-platform', 'fixed', '{f-marketing,f-sales}', '{"f-marketing": 1, "f-sales": 2}',
        '2021-03-01', '2021-04-01');
SELECT run_allocation('2021-03-01') > 0 AS ran;

CREATE TEMP VIEW f12 AS SELECT * FROM focus_1_2 WHERE "x_BillingPeriod" = '2021-03-01';
CREATE TEMP VIEW f14 AS SELECT * FROM focus WHERE "x_BillingPeriod" = '2021-03-01';

-- The rows: one per priced token class; the flex request carries the standard row's
-- SkuPriceId; the web-search-only request has a Web Searches row; the price change at noon
-- gives March 10 two SkuPriceIds; the long request is priced by the long-context row; the
-- late February request is a Correction; the unpriced request is not exported.
SELECT "ChargePeriodStart", "ChargeCategory" AS cat, "ChargeClass" AS class, "SubAccountId" AS unit, "SkuId",
       "SkuMeter", "PricingQuantity" AS qty, "PricingUnit", "ListUnitPrice" AS price, "ListCost", "BilledCost",
       "x_ServiceTier" AS tier, "SkuPriceDetails"->>'x_PricedServiceTier' AS priced_tier
FROM f12 ORDER BY "ChargePeriodStart", "SkuId", "SubAccountId", ("SkuPriceDetails"->>'x_PriceId')::bigint, "x_ServiceTier",
                  "SkuMeter", "ChargeCategory";
SELECT DISTINCT "ProviderName", "PublisherName", "InvoiceIssuerName", "ServiceName", "BillingAccountId", "BillingAccountName"
FROM f12 ORDER BY 1, 2;
-- (x_PriceId, the catalog row's id, depends on the tests before this one)
SELECT "SkuPriceDetails" - 'x_PriceId' AS sku_price_details, "SkuPriceId" = ("SkuPriceDetails"->>'x_PriceId') || '/cache_write_1h' AS id_matches
FROM f12 WHERE "SkuMeter" = 'Cache Write 1h Tokens';
SELECT "ChargeDescription" FROM f12 WHERE "ChargeCategory" <> 'Usage' OR "ChargeFrequency" <> 'Usage-Based' ORDER BY 1;

-- Column presence. Mandatory in 1.2 and present because the data has them (conditional);
-- every other column is a FOCUS 1.2 column or x_-prefixed (ColumnHandling-A-010-M).
CREATE TEMP TABLE focus_1_2_columns (name text PRIMARY KEY);
INSERT INTO focus_1_2_columns VALUES ('AvailabilityZone'), ('BilledCost'), ('BillingAccountId'), ('BillingAccountName'),
    ('BillingAccountType'), ('BillingCurrency'), ('BillingPeriodEnd'), ('BillingPeriodStart'), ('CapacityReservationId'),
    ('CapacityReservationStatus'), ('ChargeCategory'), ('ChargeClass'), ('ChargeDescription'), ('ChargeFrequency'),
    ('ChargePeriodEnd'), ('ChargePeriodStart'), ('CommitmentDiscountCategory'), ('CommitmentDiscountId'),
    ('CommitmentDiscountName'), ('CommitmentDiscountQuantity'), ('CommitmentDiscountStatus'), ('CommitmentDiscountType'),
    ('CommitmentDiscountUnit'), ('ConsumedQuantity'), ('ConsumedUnit'), ('ContractedCost'), ('ContractedUnitPrice'),
    ('EffectiveCost'), ('InvoiceId'), ('InvoiceIssuerName'), ('ListCost'), ('ListUnitPrice'), ('PricingCategory'),
    ('PricingCurrency'), ('PricingCurrencyContractedUnitPrice'), ('PricingCurrencyEffectiveCost'),
    ('PricingCurrencyListUnitPrice'), ('PricingQuantity'), ('PricingUnit'), ('ProviderName'), ('PublisherName'),
    ('RegionId'), ('RegionName'), ('ResourceId'), ('ResourceName'), ('ResourceType'), ('ServiceCategory'), ('ServiceName'),
    ('ServiceSubcategory'), ('SkuId'), ('SkuMeter'), ('SkuPriceDetails'), ('SkuPriceId'), ('SubAccountId'),
    ('SubAccountName'), ('SubAccountType'), ('Tags');
CREATE TEMP TABLE required_columns (view text, name text, type text);
INSERT INTO required_columns
SELECT v, c, t FROM unnest(ARRAY['focus_1_2', 'focus']) v,
  (VALUES ('BilledCost', 'numeric'), ('BillingAccountId', 'text'), ('BillingAccountName', 'text'), ('BillingCurrency', 'text'),
          ('BillingPeriodEnd', 'text'), ('BillingPeriodStart', 'text'), ('ChargeCategory', 'text'), ('ChargeClass', 'text'),
          ('ChargeDescription', 'text'), ('ChargePeriodEnd', 'text'), ('ChargePeriodStart', 'text'),
          ('ConsumedQuantity', 'numeric'), ('ConsumedUnit', 'text'), ('ContractedCost', 'numeric'), ('EffectiveCost', 'numeric'),
          ('InvoiceIssuerName', 'text'), ('ListCost', 'numeric'), ('ListUnitPrice', 'numeric'), ('PricingQuantity', 'numeric'),
          ('PricingUnit', 'text'), ('ProviderName', 'text'), ('PublisherName', 'text'), ('ServiceCategory', 'text'),
          ('ServiceName', 'text'), ('SkuId', 'text'), ('SkuMeter', 'text'), ('SkuPriceDetails', 'jsonb'), ('SkuPriceId', 'text'),
          ('SubAccountId', 'text'), ('SubAccountName', 'text'), ('Tags', 'jsonb'), ('ContractedUnitPrice', 'numeric'),
          ('PricingCategory', 'text'), ('ChargeFrequency', 'text'), ('ServiceSubcategory', 'text'), ('InvoiceId', 'text')) c(c, t)
UNION ALL
SELECT 'focus', c, t FROM (VALUES ('ServiceProviderName', 'text'), ('HostProviderName', 'text'), ('ContractApplied', 'jsonb'),
    ('AllocatedMethodId', 'text'), ('AllocatedMethodDetails', 'jsonb'), ('AllocatedResourceId', 'text'),
    ('AllocatedResourceName', 'text'), ('AllocatedTags', 'jsonb')) c(c, t);
SELECT r.view, r.name, r.type, c.data_type AS actual
FROM required_columns r
LEFT JOIN information_schema.columns c ON c.table_schema = 'chargeback' AND c.table_name = r.view AND c.column_name = r.name
WHERE c.data_type IS DISTINCT FROM (CASE r.type WHEN 'jsonb' THEN 'jsonb' WHEN 'text' THEN 'text' ELSE 'numeric' END);
SELECT table_name, column_name AS unknown_column FROM information_schema.columns
WHERE table_schema = 'chargeback' AND table_name = 'focus_1_2'
  AND column_name NOT LIKE 'x\_%' AND column_name NOT IN (SELECT name FROM focus_1_2_columns);
SELECT table_name, column_name AS unknown_column FROM information_schema.columns
WHERE table_schema = 'chargeback' AND table_name = 'focus'
  AND column_name NOT LIKE 'x\_%' AND column_name NOT IN (SELECT name FROM focus_1_2_columns)
  AND column_name NOT IN ('ServiceProviderName', 'HostProviderName', 'ContractApplied', 'AllocatedMethodId',
                          'AllocatedMethodDetails', 'AllocatedResourceId', 'AllocatedResourceName', 'AllocatedTags');

-- The row rules: a predicate that is true on a row breaking the rule. REL is the relation.
CREATE TEMP TABLE rule (id text PRIMARY KEY, broken text NOT NULL);
INSERT INTO rule VALUES
 ('BilledCost-C-003-M not null', '"BilledCost" IS NULL'),
 ('BilledCost-C-005-C 0 when ProviderName <> InvoiceIssuerName', '"ProviderName" <> "InvoiceIssuerName" AND "BilledCost" <> 0'),
 ('BillingAccountId-C-001-M not null', '"BillingAccountId" IS NULL'),
 ('BillingAccountName-C-003-C not null', '"BillingAccountName" IS NULL'),
 ('BillingCurrency-C-003/006-M national ISO 4217', '"BillingCurrency" IS NULL OR "BillingCurrency" !~ ''^[A-Z]{3}$'' OR NOT chargeback.is_currency("BillingCurrency")'),
 ('BillingPeriodEnd-C-002/003-M datetime', '"BillingPeriodEnd" IS NULL OR "BillingPeriodEnd" !~ ''^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$'''),
 ('BillingPeriodStart-C-002/003-M datetime', '"BillingPeriodStart" IS NULL OR "BillingPeriodStart" !~ ''^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$'''),
 ('BillingPeriod start < end', '"BillingPeriodStart"::timestamptz >= "BillingPeriodEnd"::timestamptz'),
 ('ChargeCategory-C-002/003-M allowed', '"ChargeCategory" IS NULL OR "ChargeCategory" NOT IN (''Usage'', ''Purchase'', ''Tax'', ''Credit'', ''Adjustment'')'),
 ('ChargeClass-C-005-C Correction or null', '"ChargeClass" IS NOT NULL AND "ChargeClass" <> ''Correction'''),
 ('ChargeDescription-C-003-O not null', '"ChargeDescription" IS NULL'),
 ('ChargeFrequency-C-002/003-M allowed', '"ChargeFrequency" IS NULL OR "ChargeFrequency" NOT IN (''One-Time'', ''Recurring'', ''Usage-Based'')'),
 ('ChargeFrequency-C-004-C not Usage-Based on Purchase', '"ChargeCategory" = ''Purchase'' AND "ChargeFrequency" = ''Usage-Based'''),
 ('ChargePeriodEnd-C-002/003-M datetime', '"ChargePeriodEnd" IS NULL OR "ChargePeriodEnd" !~ ''^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$'''),
 ('ChargePeriodStart-C-002/003-M datetime', '"ChargePeriodStart" IS NULL OR "ChargePeriodStart" !~ ''^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$'''),
 ('ChargePeriod start < end', '"ChargePeriodStart"::timestamptz >= "ChargePeriodEnd"::timestamptz'),
 ('ConsumedQuantity-C-004-C null unless Usage', '"ChargeCategory" <> ''Usage'' AND "ConsumedQuantity" IS NOT NULL'),
 ('ConsumedQuantity-C-006-C not null on Usage', '"ChargeCategory" = ''Usage'' AND "ChargeClass" IS NULL AND "ConsumedQuantity" IS NULL'),
 ('ConsumedUnit-C-005/006-C null iff ConsumedQuantity null', '("ConsumedUnit" IS NULL) <> ("ConsumedQuantity" IS NULL)'),
 ('ContractedCost-C-003-M not null', '"ContractedCost" IS NULL'),
 ('ContractedUnitPrice-C-006-C not null on Usage/Purchase', '"ChargeCategory" IN (''Usage'', ''Purchase'') AND "ChargeClass" IS NULL AND "ContractedUnitPrice" IS NULL'),
 ('ContractedUnitPrice-C-009-C non-negative', '"ContractedUnitPrice" < 0'),
 ('ContractedUnitPrice-C-011-C x PricingQuantity = ContractedCost', '"ChargeClass" IS NULL AND "ContractedUnitPrice" * "PricingQuantity" <> "ContractedCost"'),
 ('EffectiveCost-C-003-M not null', '"EffectiveCost" IS NULL'),
 ('EffectiveCost-C-005-C 0 on Purchase', '"ChargeCategory" = ''Purchase'' AND "EffectiveCost" <> 0'),
 ('InvoiceIssuerName-C-003-M not null', '"InvoiceIssuerName" IS NULL'),
 ('ListCost-C-003-M not null', '"ListCost" IS NULL'),
 ('ListCost-C-009-C ListUnitPrice x PricingQuantity = ListCost', '"ChargeClass" IS NULL AND "ListUnitPrice" * "PricingQuantity" <> "ListCost"'),
 ('ListUnitPrice-C-004-C null on Tax', '"ChargeCategory" = ''Tax'' AND "ListUnitPrice" IS NOT NULL'),
 ('ListUnitPrice-C-005-C not null on Usage/Purchase', '"ChargeCategory" IN (''Usage'', ''Purchase'') AND "ChargeClass" IS NULL AND "ListUnitPrice" IS NULL'),
 ('ListUnitPrice-C-008-M non-negative', '"ListUnitPrice" < 0'),
 ('PricingCategory-C-004-C not null on Usage/Purchase', '"ChargeCategory" IN (''Usage'', ''Purchase'') AND "ChargeClass" IS NULL AND "PricingCategory" IS NULL'),
 ('PricingCategory-C-007-M allowed', '"PricingCategory" NOT IN (''Standard'', ''Committed'', ''Dynamic'', ''Other'')'),
 ('PricingQuantity-C-005-C not null on Usage/Purchase', '"ChargeCategory" IN (''Usage'', ''Purchase'') AND "ChargeClass" IS NULL AND "PricingQuantity" IS NULL'),
 ('PricingUnit-C-005/006-C null iff PricingQuantity null', '("PricingUnit" IS NULL) <> ("PricingQuantity" IS NULL)'),
 ('ProviderName-C-003-M not null', '"ProviderName" IS NULL'),
 ('PublisherName-C-003-M not null', '"PublisherName" IS NULL'),
 ('ServiceCategory-C-002/003-M allowed', '"ServiceCategory" IS DISTINCT FROM ''AI and Machine Learning'''),
 ('ServiceName-C-003-M not null', '"ServiceName" IS NULL'),
 ('ServiceName-C-005-C one ServiceCategory', '(SELECT count(DISTINCT x."ServiceCategory") FROM REL x WHERE x."ServiceName" = t."ServiceName") <> 1'),
 ('ServiceSubcategory-C-002/003/004-M allowed, parent', '"ServiceSubcategory" IS DISTINCT FROM ''Generative AI'' OR "ServiceCategory" <> ''AI and Machine Learning'''),
 ('SkuId-C-005-C not null on Usage/Purchase', '"ChargeCategory" IN (''Usage'', ''Purchase'') AND "ChargeClass" IS NULL AND "SkuId" IS NULL'),
 ('SkuMeter-C-004-C null when SkuId null', '"SkuId" IS NULL AND "SkuMeter" IS NOT NULL'),
 ('SkuMeter-C-005-C not null when SkuId', '"SkuId" IS NOT NULL AND "SkuMeter" IS NULL'),
 ('SkuPriceId-C-005-C not null on Usage/Purchase', '"ChargeCategory" IN (''Usage'', ''Purchase'') AND "ChargeClass" IS NULL AND "SkuPriceId" IS NULL'),
 ('SkuPriceId-C-008-M one SkuId', '"SkuPriceId" IS NOT NULL AND (SELECT count(DISTINCT x."SkuId") FROM REL x WHERE x."SkuPriceId" = t."SkuPriceId") <> 1'),
 ('SkuPriceDetails-C-001-M key-value object', '"SkuPriceDetails" IS NOT NULL AND (jsonb_typeof("SkuPriceDetails") <> ''object'' OR EXISTS (SELECT 1 FROM jsonb_each("SkuPriceDetails") e WHERE jsonb_typeof(e.value) IN (''object'', ''array'')))'),
 ('SkuPriceDetails-C-004-C null when SkuPriceId null', '"SkuPriceId" IS NULL AND "SkuPriceDetails" IS NOT NULL'),
 ('SkuPriceDetails-C-007-M one per SkuPriceId', '"SkuPriceId" IS NOT NULL AND (SELECT count(DISTINCT x."SkuPriceDetails") FROM REL x WHERE x."SkuPriceId" = t."SkuPriceId") <> 1'),
 ('SkuPriceDetails-C-017-C x_ keys', 'EXISTS (SELECT 1 FROM jsonb_object_keys(CASE WHEN jsonb_typeof("SkuPriceDetails") = ''object'' THEN "SkuPriceDetails" END) k WHERE k NOT LIKE ''x\_%'')'),
 ('SubAccountName-C-004/005-C null iff SubAccountId null', '("SubAccountName" IS NULL) <> ("SubAccountId" IS NULL)'),
 ('Tags-C-001-M key-value object', '"Tags" IS NOT NULL AND (jsonb_typeof("Tags") <> ''object'' OR EXISTS (SELECT 1 FROM jsonb_each("Tags") e WHERE jsonb_typeof(e.value) IN (''object'', ''array'')))'),
 ('BilledCost-C-007-M sum per InvoiceId = invoice', '"InvoiceId" IS NOT NULL AND (SELECT sum(x."BilledCost") FROM REL x WHERE x."InvoiceId" = t."InvoiceId") <> (SELECT i.amount FROM chargeback.invoice i WHERE i.provider = t."x_Provider" AND i.period = t."x_BillingPeriod" AND i.currency = t."BillingCurrency")');

CREATE FUNCTION pg_temp.violations(rel text, broken text) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE n bigint;
BEGIN
    EXECUTE format('SELECT count(*) FROM %s t WHERE %s', rel, replace(broken, 'REL', rel)) INTO n;
    RETURN n;
END $$;
-- (on copies of the month's rows: a rule's subqueries would compute the view again per row)
CREATE TEMP TABLE c12 AS SELECT * FROM f12;
CREATE TEMP TABLE c14 AS SELECT * FROM f14;
SELECT id AS rule, pg_temp.violations('c12', broken) AS focus_1_2, pg_temp.violations('c14', broken) AS focus_1_4
FROM rule ORDER BY id;

-- FOCUS 1.3/1.4 columns of focus.
SELECT count(*) FILTER (WHERE "ServiceProviderName" IS NULL OR "HostProviderName" IS NULL) AS provider_null,
       count(*) FILTER (WHERE "ContractApplied" IS NOT NULL) AS contract_applied,
       count(*) FILTER (WHERE ("AllocatedMethodId" IS NULL) <> ("AllocatedResourceId" IS NULL)
                           OR ("AllocatedMethodId" IS NULL) <> ("AllocatedResourceName" IS NULL)
                           OR ("AllocatedMethodId" IS NULL) <> ("AllocatedMethodDetails" IS NULL)) AS allocated_partial,
       count(*) FILTER (WHERE "AllocatedMethodDetails" IS NOT NULL
                          AND jsonb_typeof("AllocatedMethodDetails"->'Elements') IS DISTINCT FROM 'array') AS details_not_elements
FROM f14;
-- Split allocation: Platform's rows are replaced by allocated rows to Marketing and Sales
-- (1:2); each origin charge's allocated rows sum to it, their ratios to exactly 1.
SELECT "AllocatedResourceId", "AllocatedMethodId", count(*) AS rows, sum("BilledCost") AS billed,
       min(("AllocatedMethodDetails"->'Elements'->0->>'AllocatedRatio')::numeric) AS min_ratio
FROM f14 WHERE "AllocatedMethodId" IS NOT NULL GROUP BY 1, 2 ORDER BY 1;
WITH k AS (SELECT "SubAccountId", "SkuPriceId", "ChargePeriodStart", "ChargeCategory", "x_ServiceTier",
                  sum("BilledCost") AS billed, sum("ListCost") AS list, sum("PricingQuantity") AS qty,
                  sum("ConsumedQuantity") AS consumed
           FROM f12 GROUP BY 1, 2, 3, 4, 5),
     s AS (SELECT "SubAccountId", "SkuPriceId", "ChargePeriodStart", "ChargeCategory", "x_ServiceTier",
                  sum("BilledCost") AS billed, sum("ListCost") AS list, sum("PricingQuantity") AS qty,
                  sum("ConsumedQuantity") AS consumed
           FROM f14 GROUP BY 1, 2, 3, 4, 5)
SELECT (SELECT count(*) FROM (TABLE k EXCEPT TABLE s) a) + (SELECT count(*) FROM (TABLE s EXCEPT TABLE k) b) AS origin_differs,
       (SELECT count(*) FROM (SELECT sum(("AllocatedMethodDetails"->'Elements'->0->>'AllocatedRatio')::numeric) AS r
                              FROM f14 WHERE "AllocatedMethodId" IS NOT NULL
                              GROUP BY "SubAccountId", "SkuPriceId", "ChargePeriodStart", "x_ServiceTier") x
        WHERE r <> 1) AS ratios_not_one;

-- Ties: the exported Usage rows are the priced usage, exactly; each provider's rows are its
-- invoice where one is recorded.
SELECT (SELECT sum("BilledCost") FROM f12 WHERE "ChargeCategory" = 'Usage' AND "SkuPriceId" NOT LIKE 'fixed/%')
       = (SELECT sum(cost) FROM usage WHERE period = '2021-03-01') AS usage_ties_out,
       (SELECT sum("BilledCost") FROM f14) = (SELECT sum("BilledCost") FROM f12) AS split_ties_out,
       (SELECT sum("BilledCost") FROM f12 WHERE "x_Provider" = 'openai')
       = (SELECT amount FROM invoice WHERE provider = 'openai' AND period = '2021-03-01') AS invoice_ties_out;

-- InvoiceDetail: per invoice and charge category; its lines sum to the invoice and to the
-- CostAndUsage rows of the InvoiceId; no mandatory column is null.
SELECT "InvoiceId", "InvoiceDetailId", "ChargeCategory", "BilledCost", "BillingCurrency", "InvoiceIssueStatus",
       "InvoiceDetailCreated" ~ '^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$' AS created_format
FROM focus_invoice_detail WHERE "x_BillingPeriod" = '2021-03-01' ORDER BY 2;
SELECT (SELECT sum("BilledCost") FROM focus_invoice_detail WHERE "InvoiceId" = 'INV-OA-2021-03')
       = (SELECT amount FROM invoice WHERE reference = 'INV-OA-2021-03') AS detail_is_invoice,
       (SELECT sum("BilledCost") FROM focus_invoice_detail WHERE "InvoiceId" = 'INV-OA-2021-03')
       = (SELECT sum("BilledCost") FROM f14 WHERE "InvoiceId" = 'INV-OA-2021-03') AS detail_is_cost_and_usage,
       (SELECT count(*) FROM focus_invoice_detail
        WHERE "BillingAccountId" IS NULL OR "BillingCurrency" IS NULL OR "ChargeCategory" IS NULL OR "InvoiceDetailCreated" IS NULL
           OR "InvoiceDetailId" IS NULL OR "InvoiceDetailLastUpdated" IS NULL OR "InvoiceId" IS NULL
           OR "InvoiceIssueStatus" NOT IN ('Open', 'Issued', 'Voided') OR "InvoiceIssuerName" IS NULL
           OR "PaymentCurrency" IS NULL OR "PaymentTerms" IS NULL OR "ReferenceInvoiceId" IS NULL) AS detail_nulls;
-- BillingPeriod: one row per invoice issuer and month of the CostAndUsage rows.
SELECT "InvoiceIssuerName", "BillingPeriodStart", "BillingPeriodEnd", "BillingPeriodStatus"
FROM focus_billing_period WHERE "x_BillingPeriod" IN ('2021-02-01', '2021-03-01') ORDER BY 2, 1;
SELECT count(*) AS cost_rows_without_billing_period
FROM f14 f WHERE NOT EXISTS (SELECT 1 FROM focus_billing_period b WHERE b."BillingPeriodStart" = f."BillingPeriodStart"
                                                                    AND b."InvoiceIssuerName" = f."InvoiceIssuerName");

-- A catalog row changed in place (not through set_price) leaves recorded usage at the old
-- price until reprice(): the difference is an Adjustment row, so the export still ties out.
UPDATE price SET rates = 'input=3.5 output=15' WHERE provider = 'bedrock' AND model = 'anthropic.claude-fx-v1';
SELECT "ChargeCategory", "SkuId", "BilledCost", "ListCost" FROM f12 WHERE "x_Provider" = 'bedrock' ORDER BY 1, 2;
SELECT (SELECT sum("BilledCost") FROM f12 WHERE "x_Provider" = 'bedrock') = (SELECT sum(cost) FROM usage WHERE provider = 'bedrock' AND period = '2021-03-01') AS still_ties_out;
SELECT reprice('2021-03-01', '2021-04-01') >= 1 AS repriced;
SELECT "ChargeCategory", "BilledCost" FROM f12 WHERE "x_Provider" = 'bedrock' ORDER BY 1, 2;

-- The checks fail when their rule breaks: a copy of the 1.2 rows with each rule broken once.
CREATE TEMP TABLE broken AS SELECT * FROM f12;
UPDATE broken SET "ListUnitPrice" = round("ListUnitPrice" * 1.01, 6) WHERE "SkuMeter" = 'Input Tokens' AND "SubAccountId" = 'f-sales';
UPDATE broken SET "SkuPriceId" = NULL WHERE "SkuMeter" = 'Web Searches' AND "ChargePeriodStart" LIKE '2021-03-04%';
UPDATE broken SET "ChargePeriodStart" = '2021-03-02 00:00:00+00' WHERE "SkuMeter" = 'Output Tokens' AND "x_ServiceTier" = 'flex';
UPDATE broken SET "PricingQuantity" = NULL WHERE "SkuMeter" = 'Cache Read Tokens' AND "x_Provider" = 'anthropic';
UPDATE broken SET "SkuPriceDetails" = '{"ModelId": "x"}' WHERE "SkuMeter" = 'Cache Write Tokens';
UPDATE broken SET "ServiceCategory" = 'Compute' WHERE "SkuMeter" = 'Reasoning Tokens' OR "SkuMeter" = 'Cache Write 1h Tokens';
UPDATE broken SET "BilledCost" = "BilledCost" + 1 WHERE "ChargeCategory" = 'Adjustment' AND "x_Provider" = 'openai';
SELECT id AS rule, pg_temp.violations('broken', broken) AS violations FROM rule
WHERE pg_temp.violations('broken', broken) > 0 ORDER BY id;

-- A viewer scoped to Sales sees Sales' rows and no invoice, fixed charge or split.
CREATE ROLE focus_viewer IN ROLE chargeback_viewer;
SELECT count(*) AS granted FROM (SELECT grant_view('focus_viewer', 'f-sales')) g;
SET ROLE focus_viewer;
SELECT DISTINCT "SubAccountId", "ChargeCategory", "AllocatedResourceId" FROM focus WHERE "x_BillingPeriod" = '2021-03-01' ORDER BY 1, 2;
SELECT count(*) AS detail_rows FROM focus_invoice_detail WHERE "x_BillingPeriod" = '2021-03-01';
RESET ROLE;
SELECT revoke_view('focus_viewer', NULL);
DROP ROLE focus_viewer;
-- Two hops: Marketing, which receives a third of Platform's cost in step 1, passes its whole
-- balance on in step 2 (Sales 3, Data 1). Platform's charges then end at Sales (about 2/3 +
-- 1/3 x 3/4 = 11/12) and Data (1/12), none at Marketing; Marketing's own usage goes about 3:1.
-- (About: the ratios are those of the run's lines, which are rounded to the cent.)
INSERT INTO org_unit (code, name, cost_center) VALUES ('f-data', 'Data', 'CC-F50');
INSERT INTO allocation_rule (name, step, source, method, targets, weights, valid_from, valid_to)
VALUES ('f-marketing onwards', 2, 'f-marketing', 'fixed', '{f-sales,f-data}', '{"f-sales": 3, "f-data": 1}',
        '2021-03-01', '2021-04-01');
SELECT run_allocation('2021-03-01') > 0 AS ran;
SELECT "AllocatedMethodDetails"->>'x_Pool' AS pool, "AllocatedResourceId", count(*) AS rows, sum("BilledCost") AS billed,
       min(("AllocatedMethodDetails"->'Elements'->0->>'AllocatedRatio')::numeric) AS min_ratio,
       max(("AllocatedMethodDetails"->'Elements'->0->>'AllocatedRatio')::numeric) AS max_ratio
FROM f14 WHERE "AllocatedMethodId" IS NOT NULL GROUP BY 1, 2 ORDER BY 1, 2;
SELECT (SELECT sum("BilledCost") FROM f14) = (SELECT sum("BilledCost") FROM f12) AS split_ties_out,
       (SELECT count(*) FROM (SELECT sum(("AllocatedMethodDetails"->'Elements'->0->>'AllocatedRatio')::numeric) AS r
                              FROM f14 WHERE "AllocatedMethodId" IS NOT NULL
                              GROUP BY "SubAccountId", "SkuPriceId", "ChargePeriodStart", "x_ServiceTier") x
        WHERE r <> 1) AS ratios_not_one,
       (SELECT count(*) FROM f14 WHERE "AllocatedResourceId" = 'f-marketing') AS kept_by_a_pool;
-- The final shares themselves, exact (a reciprocal pair: 4/7 and 3/7).
SELECT pool, unit, round(share, 12) AS share, round(moved, 12) AS moved
FROM allocation_flow('[["it", "hr", 50], ["it", "sales", 50], ["hr", "it", "10.00"], ["hr", "marketing", 30]]') ORDER BY 1, 2;
SELECT * FROM allocation_flow('[["a", "b", 1], ["b", "a", 1]]');
RESET timezone;
