-- Month end in the demo, after the usage is loaded: business outcomes, the providers'
-- invoices and seat licences, and chargeback runs in all three models. :'period' is the demo
-- month (its first day); psql can run this file too (psql -v period=2026-11-01 -f ...).

-- Business outcomes: every distinct ticket, opportunity, pull request and campaign the usage
-- was tagged with counts as one (a real deployment would load them from the ticketing
-- system or the CRM). chargeback.unit_costs divides cost by them.
INSERT INTO chargeback.activity_outcome (period, org_unit_id, activity_type, units)
SELECT period, org_unit_id, activity_type, count(DISTINCT activity_id)
FROM chargeback.usage
WHERE period IN (:'period'::date, (:'period'::date - interval '1 month')::date) AND activity_type IS NOT NULL
GROUP BY period, org_unit_id, activity_type;

-- Seat licences: a fixed charge, not metered per request.
INSERT INTO chargeback.fixed_charge (period, provider, description, amount)
VALUES (:'period', 'openai', 'ChatGPT Enterprise seats, 40 x 60.00', 2400.00);

-- The invoices: each provider bills a little more or less than metered list cost (rounding,
-- a credit, a price we do not know about). The runs tie out to these to the cent; the
-- difference becomes true_up lines.
INSERT INTO chargeback.invoice (provider, period, amount, reference)
SELECT s.provider, :'period', round(sum(s.cost) * f.factor, 2) + coalesce(max(fc.amount), 0),
       'INV-' || upper(s.provider) || '-' || to_char(:'period'::date, 'YYYYMM')
FROM chargeback.showback s
JOIN (VALUES ('openai', 1.0125), ('anthropic', 0.9940), ('google', 1.0030), ('bedrock', 1.0180)) f(provider, factor)
    USING (provider)
LEFT JOIN chargeback.fixed_charge fc ON fc.provider = s.provider AND fc.period = s.period
WHERE s.period = :'period'
GROUP BY s.provider, f.factor;

-- Chargeback runs (drafts: the month stays open): everything to the corporate AI cost
-- center; usage-based per department and project; per activity.
SELECT chargeback.run_allocation(:'period', 'central');
SELECT chargeback.run_allocation(:'period', 'department');
SELECT chargeback.run_allocation(:'period', 'activity');
