-- The demo organisation: what `chargeback demo` creates in a new database before it generates
-- two months of usage (src/cli/generator.cpp). Plain SQL; :'period' is the demo month (its
-- first day), so psql can run this file too:
--     psql -v period=2026-11-01 -c 'CREATE EXTENSION pg_chargeback' -f src/cli/demo_seed.sql

-- Departments, some with teams, each with the general-ledger cost center it is charged to;
-- the corporate AI cost center (kind central) that pays the provider invoices; and the shared
-- gateway, a pool whose cost is shared out by usage.
INSERT INTO chargeback.org_unit (code, name, kind, cost_center) VALUES
    ('ai-center',        'Corporate AI Center', 'central',    'CC-9000'),
    ('marketing',        'Marketing',           'department', 'CC-2100'),
    ('sales',            'Sales',               'department', 'CC-2200'),
    ('customer-success', 'Customer Success',    'department', 'CC-2300'),
    ('engineering',      'Engineering',         'department', 'CC-3100'),
    ('platform',         'Platform',            'department', 'CC-3900'),
    ('finance',          'Finance',             'department', 'CC-1100'),
    ('executives',       'Executives',          'department', 'CC-1000'),
    ('shared-pool',      'Shared AI gateway',   'pool',       NULL);
-- Teams post to their department's cost center (chargeback.cost_center_of).
INSERT INTO chargeback.org_unit (code, name, parent_id)
SELECT t.code, t.name, p.org_unit_id
FROM (VALUES ('marketing-content', 'Content',        'marketing'),
             ('marketing-growth',  'Growth',         'marketing'),
             ('sales-emea',        'Sales EMEA',     'sales'),
             ('sales-americas',    'Sales Americas', 'sales'),
             ('cs-support',        'Support',        'customer-success'),
             ('eng-backend',       'Backend',        'engineering'),
             ('eng-frontend',      'Frontend',       'engineering'),
             ('eng-data',          'Data',           'engineering')) t(code, name, parent)
JOIN chargeback.org_unit p ON p.code = t.parent;

-- 1000 people, as memberships since a year before the demo month. Names are made up from
-- two lists and a number, so they are unique and the same every time.
WITH team(code, people) AS (
    VALUES ('marketing', 20), ('marketing-content', 60), ('marketing-growth', 40),
           ('sales', 20), ('sales-emea', 80), ('sales-americas', 100),
           ('customer-success', 40), ('cs-support', 180),
           ('engineering', 30), ('eng-backend', 140), ('eng-frontend', 110), ('eng-data', 60),
           ('platform', 50), ('finance', 50), ('executives', 20)),
person AS (
    SELECT code, row_number() OVER (ORDER BY code, i) AS n
    FROM team, generate_series(1, people) AS i)
INSERT INTO chargeback.membership (principal, org_unit_id, valid_from)
SELECT format('%s.%s%s@acme.test',
              (ARRAY['ana', 'ben', 'carla', 'dev', 'emma', 'farid', 'grace', 'hugo', 'ines', 'jon',
                     'kai', 'lena', 'marco', 'nora', 'omar', 'priya', 'quinn', 'rosa', 'sam', 'tara'])[1 + n % 20],
              (ARRAY['adams', 'berg', 'chen', 'diaz', 'evans', 'fischer', 'garcia', 'haas', 'ito', 'jansen',
                     'khan', 'lopez', 'meyer', 'novak', 'olsen', 'patel', 'quist', 'rossi', 'silva', 'tanaka',
                     'ueda', 'vogel', 'weber', 'xu', 'young'])[1 + (n / 20) % 25],
              n),
       o.org_unit_id, :'period'::date - interval '1 year'
FROM person JOIN chargeback.org_unit o USING (code);

-- People move: the first Growth marketer joins Sales EMEA in the middle of the month; their
-- usage before the 15th stays with Marketing, after it goes to Sales.
SELECT chargeback.move_member(m.principal, 'sales-emea', :'period'::date + 14)
FROM chargeback.membership m JOIN chargeback.org_unit o USING (org_unit_id)
WHERE o.code = 'marketing-growth' ORDER BY m.principal LIMIT 1;

-- Ownership rules: applications and keys that belong to a unit whoever sends the request.
INSERT INTO chargeback.ownership_rule (priority, match, org_unit_id, project, description)
SELECT r.priority, r.match::jsonb, o.org_unit_id, r.project, r.description
FROM (VALUES (100, '{"app": "support-bot"}',             'customer-success', 'support-automation',
              'the support bot answers tickets for Customer Success'),
             (100, '{"app": "coding-assistant"}',        'engineering',      'dev-productivity',
              'the coding assistant is an Engineering tool'),
             (100, '{"app": "internal-tools"}',          'platform',         'internal-tooling',
              'internal tooling run by the Platform team'),
             (90,  '{"api_key": "key_shared_gateway"}',  'shared-pool',      'shared-gateway',
              'the shared gateway key: a pool shared out by usage at month end')) r(priority, match, code, project, description)
JOIN chargeback.org_unit o USING (code);
-- Everyone else is owned through their membership; contractors who are nobody's member
-- land in the built-in unit unattributed.

-- Monthly budgets per department (alerts at 50%, 80% and 100%). Marketing's is too small for
-- its new campaign work: it crosses every threshold, and chargeback.budget_event records each
-- crossing once (and sends NOTIFY chargeback_budget).
INSERT INTO chargeback.budget (name, scope, scope_value, period, amount, enforcement) VALUES
    ('Marketing monthly',        'org_unit', 'marketing',        'month',  150, 'alert'),
    ('Sales monthly',            'org_unit', 'sales',            'month',  100, 'alert'),
    ('Customer Success monthly', 'org_unit', 'customer-success', 'month',  400, 'alert'),
    ('Engineering monthly',      'org_unit', 'engineering',      'month', 4000, 'alert'),
    ('Finance monthly',          'org_unit', 'finance',          'month',  250, 'alert'),
    ('Executives monthly',       'org_unit', 'executives',       'month',  500, 'alert'),
    ('Platform monthly',         'org_unit', 'platform',         'month',  120, 'alert');

-- How shared cost moves at month end (step-down, in step order): the OpenAI seat licences by
-- headcount, Platform's internal tooling and the shared gateway by each department's usage,
-- and what nobody owns evenly.
INSERT INTO chargeback.allocation_rule (name, step, source, method, targets) VALUES
    ('OpenAI seats by headcount',   1, 'fixed:openai', 'headcount',    '{marketing,sales,customer-success,engineering,finance,executives}'),
    ('Platform tooling by usage',   2, 'platform',     'proportional', '{marketing,sales,customer-success,engineering,finance,executives}'),
    ('Shared gateway by usage',     3, 'shared-pool',  'proportional', '{marketing,sales,customer-success,engineering,finance,executives}'),
    ('Unattributed evenly',         4, 'unattributed', 'even',         '{marketing,sales,customer-success,engineering,finance,executives}');
