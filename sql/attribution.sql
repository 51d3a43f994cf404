-- Ownership: explicit owner, then rules by priority, then membership, then unattributed.
SET search_path = chargeback, public;
SET timezone = 'UTC';

INSERT INTO org_unit (code, name, kind, cost_center) VALUES
    ('company', 'Acme Corp', 'company', 'CC-1000');
INSERT INTO org_unit (code, name, kind, parent_id, cost_center)
SELECT v.code, v.name, 'department', (SELECT org_unit_id FROM org_unit WHERE code = 'company'), v.cc
FROM (VALUES ('marketing', 'Marketing', 'CC-2100'), ('sales', 'Sales', 'CC-2200'),
             ('engineering', 'Engineering', 'CC-3100'), ('customer-success', 'Customer Success', 'CC-2300'),
             ('platform', 'Platform', 'CC-3200')) v(code, name, cc);
SELECT code, name, kind, cost_center, (SELECT p.code FROM org_unit p WHERE p.org_unit_id = u.parent_id) AS parent
FROM org_unit u ORDER BY org_unit_id;

-- Codes are unique case-insensitively; the hierarchy cannot loop; unattributed stays.
INSERT INTO org_unit (code, name) VALUES ('Marketing', 'Marketing again');
UPDATE org_unit SET parent_id = (SELECT org_unit_id FROM org_unit WHERE code = 'marketing') WHERE code = 'company';
DELETE FROM org_unit WHERE code = 'unattributed';

-- People, with a move in the middle of the month.
INSERT INTO membership (principal, org_unit_id, valid_from)
SELECT 'ana@acme.test', org_unit_id, '2026-01-01' FROM org_unit WHERE code = 'sales';
SELECT move_member('ana@acme.test', 'marketing', '2026-03-15') > 0 AS moved;
SELECT principal, (SELECT code FROM org_unit u WHERE u.org_unit_id = m.org_unit_id) AS unit, valid_from, valid_to
FROM membership m ORDER BY valid_from;
INSERT INTO membership (principal, org_unit_id, valid_from)
SELECT 'ana@acme.test', org_unit_id, '2026-02-01' FROM org_unit WHERE code = 'engineering';

-- Rules: an app, an API key, and a broader low-priority rule.
INSERT INTO ownership_rule (priority, match, org_unit_id, project, description)
SELECT 100, '{"app": "support-bot"}', org_unit_id, 'support-automation', 'support bot' FROM org_unit WHERE code = 'customer-success';
INSERT INTO ownership_rule (priority, match, org_unit_id, project, description)
SELECT 100, '{"app": "coding-assistant"}', org_unit_id, 'dev-productivity', 'coding assistant' FROM org_unit WHERE code = 'engineering';
INSERT INTO ownership_rule (priority, match, org_unit_id, description)
SELECT 50, '{"api_key": "key_mkt_1"}', org_unit_id, 'marketing key' FROM org_unit WHERE code = 'marketing';
INSERT INTO ownership_rule (priority, match, org_unit_id, project, valid_from, description)
SELECT 10, '{"env": "internal"}', org_unit_id, 'internal-tools', '2026-02-01', 'internal tooling (from February)' FROM org_unit WHERE code = 'platform';
-- A match must be a flat object.
INSERT INTO ownership_rule (match, org_unit_id) SELECT '{"a": {"b": 1}}', 1;
INSERT INTO ownership_rule (match, org_unit_id) SELECT '[1]', 1;
INSERT INTO ownership_rule (match, org_unit_id) SELECT '{}', 1;

-- Resolution, case by case.
SELECT label, (SELECT code FROM org_unit u WHERE u.org_unit_id = r.org_unit_id) AS owner, r.project, r.reason
FROM (VALUES
    ('explicit department wins',      '{"department": "Sales", "app": "support-bot"}'::jsonb, '2026-03-01'::timestamptz),
    ('explicit org_unit code',        '{"org_unit": "platform"}', '2026-03-01'),
    ('unknown department falls through', '{"department": "legal", "app": "support-bot"}', '2026-03-01'),
    ('rule by app',                   '{"app": "support-bot", "user": "ana@acme.test"}', '2026-03-01'),
    ('rule by api key',               '{"api_key": "key_mkt_1"}', '2026-03-01'),
    ('explicit project beats rule''s','{"app": "coding-assistant", "project": "migration"}', '2026-03-01'),
    ('priority: app beats internal',  '{"app": "coding-assistant", "env": "internal"}', '2026-03-01'),
    ('rule not yet valid',            '{"env": "internal", "user": "bob@acme.test"}', '2026-01-15'),
    ('rule valid',                    '{"env": "internal"}', '2026-02-15'),
    ('membership before the move',    '{"user": "ana@acme.test"}', '2026-03-14 23:59'),
    ('membership after the move',     '{"user": "ana@acme.test"}', '2026-03-15'),
    ('principal attribute',           '{"principal": "ana@acme.test"}', '2026-01-05'),
    ('nobody knows',                  '{"user": "ghost@acme.test"}', '2026-03-01'),
    ('no attributes',                 '{}', '2026-03-01')
) t(label, attrs, at), LATERAL resolve_owner(t.attrs, t.at) r;

-- Rules are cached per backend; a new rule applies at once.
SELECT reason FROM resolve_owner('{"app": "new-bot"}', '2026-03-01');
INSERT INTO ownership_rule (priority, match, org_unit_id, description)
SELECT 100, '{"app": "new-bot"}', org_unit_id, 'new bot' FROM org_unit WHERE code = 'sales';
SELECT (SELECT code FROM org_unit u WHERE u.org_unit_id = r.org_unit_id) AS owner, reason ~ '^rule:' AS by_rule
FROM resolve_owner('{"app": "new-bot"}', '2026-03-01') r;
