-- run_allocation() on 10 x N usage rows of one month (default 10M: 50 departments, 500
-- projects, 3 providers, 3 shared pools allocated by rules, fixed charges and invoices for
-- the 3 providers) against a bare SELECT org_unit_id, sum(cost) ... GROUP BY over the same
-- rows, in one session; best of 3 each. The run's lines must sum to the invoices.
SET search_path = chargeback, public;
SET client_min_messages = warning;

INSERT INTO org_unit (code, name, kind) VALUES ('bench-central', 'Corporate AI', 'central');
INSERT INTO org_unit (code, name) SELECT 'dept-' || d, 'Department ' || d FROM generate_series(1, 50) d;
INSERT INTO org_unit (code, name) VALUES ('bench-platform', 'Platform'), ('bench-data', 'Data science');
SELECT ensure_partitions('2027-03-01', '2027-03-01');

-- Plain INSERT (through the usage triggers that keep the rollup): this measures allocation, not ingestion.
INSERT INTO usage (usage_id, occurred_at, provider, model, principal, org_unit_id, project, activity_type,
                           tokens, list_cost, cost, currency, period, status, source, owner_reason)
SELECT i, '2027-03-01'::timestamptz + (i % 2678400) * interval '1 second',
       (ARRAY['openai', 'anthropic', 'google'])[1 + i % 3], (ARRAY['gpt-4o', 'claude-sonnet-4', 'gemini-2.5-pro'])[1 + i % 3],
       'user-' || (i % 5000),
       CASE WHEN i % 53 = 0 THEN (SELECT org_unit_id FROM org_unit WHERE code = 'bench-platform')
            WHEN i % 59 = 0 THEN (SELECT org_unit_id FROM org_unit WHERE code = 'bench-data')
            WHEN i % 61 = 0 THEN (SELECT org_unit_id FROM org_unit WHERE code = 'unattributed')
            ELSE (SELECT org_unit_id FROM org_unit WHERE code = 'dept-1') + (i % 500) % 50 END,
       'project-' || (i % 500), (ARRAY['ticket_resolved', 'opportunity', 'pull_request', NULL])[1 + i % 4],
       'input=1200 output=300'::token_usage, ((i * 7919) % 100000)::numeric / 1000000, ((i * 7919) % 100000)::numeric / 1000000,
       'USD', '2027-03-01', 'priced', 'bench', 'rule'
FROM generate_series(1::bigint, :rows * 10) i;
VACUUM ANALYZE usage_2027_03;
INSERT INTO allocation_rule (name, step, source, method) VALUES
    ('platform', 1, 'bench-platform', 'proportional'), ('data science', 2, 'bench-data', 'requests'),
    ('unattributed', 3, 'unattributed', 'even');
INSERT INTO fixed_charge (period, provider, description, amount) VALUES
    ('2027-03-01', 'openai', 'ChatGPT Enterprise seats', 12000.00), ('2027-03-01', 'anthropic', 'commitment', 5000.00);
INSERT INTO invoice (provider, period, amount)
SELECT provider, '2027-03-01', round(sum(cost) * 1.01 + coalesce((SELECT sum(amount) FROM fixed_charge f WHERE f.provider = u.provider), 0), 2)
FROM usage_2027_03 u GROUP BY provider;

DO $$
DECLARE
    t0 timestamptz;
    ext interval := interval '1 hour';
    base interval := interval '1 hour';
    run bigint;
    n bigint;
    lines bigint;
    lines_sum numeric;
    invoiced numeric;
BEGIN
    SELECT count(*) INTO n FROM usage WHERE period = '2027-03-01';
    FOR round IN 1..3 LOOP
        t0 := clock_timestamp();
        PERFORM org_unit_id, sum(cost) FROM usage WHERE period = '2027-03-01' GROUP BY org_unit_id;
        base := least(base, clock_timestamp() - t0);
        t0 := clock_timestamp();
        run := run_allocation('2027-03-01');
        ext := least(ext, clock_timestamp() - t0);
    END LOOP;
    SELECT count(*), sum(amount) INTO lines, lines_sum FROM allocation_line WHERE run_id = run;
    SELECT sum(amount) INTO invoiced FROM invoice WHERE period = '2027-03-01';
    SET LOCAL client_min_messages = notice;
    RAISE NOTICE 'run_allocation(): % usage rows, % lines: run % ms, bare GROUP BY % ms: % x (lines sum % = invoices %)',
        n, lines, round(extract(epoch FROM ext) * 1000), round(extract(epoch FROM base) * 1000),
        round((extract(epoch FROM ext) / extract(epoch FROM base))::numeric, 2), lines_sum, invoiced;
END
$$;
