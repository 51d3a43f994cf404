# pg_dump and pg_restore keep everything: a small but complete dataset made through the public
# API (prices, a closed built-in price, org units, memberships, rules, budgets with events and
# holds, usage in four months with duplicates, rejections and unpriced rows, fixed charges,
# invoices, outcomes, allocation runs, a closed month with late usage) is dumped in custom
# format and restored into a new database. Every table, partitions included, must hold the
# same rows, every report the same figures, and the restored database must keep working:
# new usage gets new ids, a request ingested before the dump is not charged again, prices,
# units and budgets can be added, and an allocation run works.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('dump');
$node->init;
$node->start;
$node->safe_psql('postgres', 'CREATE DATABASE src');
$node->safe_psql('src', 'CREATE EXTENSION pg_chargeback');

# The dataset. Usage times are in 2026-08..2026-11 whatever today is; budgets count the
# current period, so budget_status is compared as it is, at the same moment, in both.
$node->safe_psql('src', q{
SET search_path = chargeback, public;
SET timezone = 'UTC';
-- Prices: a new price for a built-in model (closes the built-in row), a private model, an alias.
SELECT set_price('openai', 'gpt-4o', 'input=2 cache_read=1 output=8', '2026-09-01');
SELECT set_price('acme', 'acme-llm', 'input=1 output=2', '2026-01-01');
SELECT set_price('acme', 'acme-llm', 'input=1 output=3', '2026-10-01');
INSERT INTO model_alias (provider, pattern, model, priority) VALUES ('azure', '^prod-gpt4o$', 'gpt-4o', 10);
SELECT set_price('azure', 'gpt-4o', 'input=2.5 output=10', '2026-01-01');
-- The organisation: a central AI cost center, departments, a team; the built-in unit gets a
-- cost center of its own.
INSERT INTO org_unit (code, name, kind, cost_center) VALUES ('ai-center', 'Corporate AI', 'central', 'CC-900');
INSERT INTO org_unit (code, name, cost_center) VALUES ('marketing', 'Marketing', 'CC-100'),
    ('sales', 'Sales', 'CC-200'), ('engineering', 'Engineering', 'CC-300'), ('platform', 'Platform', 'CC-400');
INSERT INTO org_unit (code, name, parent_id) SELECT 'backend', 'Backend', org_unit_id FROM org_unit WHERE code = 'engineering';
UPDATE org_unit SET cost_center = 'CC-000' WHERE code = 'unattributed';
INSERT INTO membership (principal, org_unit_id, valid_from)
SELECT 'user' || i || '@acme.test', (SELECT org_unit_id FROM org_unit WHERE code = (ARRAY['marketing', 'sales', 'backend', 'platform'])[1 + i % 4]), '2026-01-01'
FROM generate_series(1, 12) i;
SELECT move_member('user1@acme.test', 'sales', '2026-10-15');
INSERT INTO ownership_rule (priority, match, org_unit_id, project, description)
SELECT 100, '{"app": "support-bot"}', org_unit_id, 'support', 'the support bot' FROM org_unit WHERE code = 'sales';
INSERT INTO ownership_rule (priority, match, org_unit_id, project)
SELECT 50, '{"api_key": "key_mkt"}', org_unit_id, 'campaigns' FROM org_unit WHERE code = 'marketing';
-- Budgets of every scope; a small one so that thresholds are crossed (budget_event).
INSERT INTO budget (name, scope, scope_value, period, amount, enforcement) VALUES
    ('all ai', 'global', NULL, 'month', 100000, 'alert'),
    ('marketing monthly', 'org_unit', 'marketing', 'month', 5000, 'block'),
    ('engineering tiny', 'org_unit', 'engineering', 'month', 0.01, 'alert'),
    ('support project', 'project', 'support', 'month', 800, 'alert'),
    ('acme provider', 'provider', 'acme', 'year', 1000, 'alert');
-- Usage: 4 months, 600 requests through the bulk path, owned by rules, memberships, explicit
-- departments and nobody; an unpriced model; every 50th request sent twice (duplicates).
INSERT INTO usage_inbox (payload)
SELECT json_build_object('provider', (ARRAY['openai', 'acme', 'anthropic', 'azure'])[1 + i % 4],
        'model', (ARRAY['gpt-4o-2024-08-06', 'acme-llm', 'claude-haiku-4-5', 'prod-gpt4o'])[1 + i % 4],
        'request_id', 'req-' || i,
        'occurred_at', timestamptz '2026-08-01' + (i * interval '4 hours 3 minutes'),
        'tokens', json_build_object('input', 1000 + i, 'cache_read', i % 7 * 100, 'output', 100 + i % 13, 'requests', 1),
        'attrs', json_strip_nulls(json_build_object(
            'user', 'user' || (1 + i % 12) || '@acme.test',
            'app', CASE WHEN i % 5 = 0 THEN 'support-bot' END,
            'api_key', CASE WHEN i % 7 = 0 THEN 'key_mkt' END,
            'department', CASE WHEN i % 11 = 0 THEN 'platform' END,
            'activity_type', CASE WHEN i % 3 = 0 THEN 'ticket' END)))
FROM generate_series(1, 600) i;
INSERT INTO usage_inbox (payload)
SELECT json_build_object('provider', 'openai', 'model', 'gpt-4o-2024-08-06', 'request_id', 'req-' || i,
        'occurred_at', timestamptz '2026-08-01' + (i * interval '4 hours 3 minutes'),
        'tokens', json_build_object('input', 1000 + i, 'output', 5))
FROM generate_series(4, 600, 50) i;
-- Unpriced usage, a request owned by nobody, and rejected lines.
INSERT INTO usage_inbox (payload) VALUES
    ('{"provider": "mystery", "model": "m-1", "request_id": "unpriced-1", "occurred_at": "2026-10-02T10:00:00Z", "tokens": {"input": 500}}'),
    ('{"provider": "openai", "model": "gpt-4o", "request_id": "nobody-1", "occurred_at": "2026-10-02T11:00:00Z", "tokens": {"input": 500}}'),
    ('{"provider": "openai", "model": "gpt-4o", "tokens": {"input": -5}}'),
    ('{"hello": "world"}');
-- A hold settled by its usage, and one left open.
SELECT reservation_id FROM authorize('{"department": "marketing", "request_id": "held-1"}', 'openai', 'gpt-4o', 'input=1000 output=100');
SELECT ingest('{"provider": "openai", "model": "gpt-4o", "request_id": "held-1", "tokens": {"input": 900, "output": 90}, "attrs": {"department": "marketing"}}');
SELECT reservation_id FROM authorize('{"department": "marketing"}', 'openai', 'gpt-4o', 'input=1000 output=100', ttl => '50 minutes');
-- Allocation inputs.
INSERT INTO fixed_charge (period, provider, description, amount) VALUES ('2026-09-01', 'openai', 'seats', 120.00),
    ('2026-10-01', 'openai', 'seats', 120.00);
INSERT INTO invoice (provider, period, amount) SELECT 'acme', '2026-09-01', round(sum(cost), 2) + 1.00
  FROM usage WHERE provider = 'acme' AND period = '2026-09-01';
INSERT INTO activity_outcome (period, org_unit_id, activity_type, units)
SELECT '2026-10-01', org_unit_id, 'ticket', 40 FROM org_unit WHERE code IN ('sales', 'marketing');
INSERT INTO allocation_rule (name, step, source, method) VALUES ('platform to users', 1, 'platform', 'proportional');
INSERT INTO allocation_rule (name, step, source, method, targets)
VALUES ('unattributed evenly', 2, 'unattributed', 'even', '{marketing,sales,engineering}');
-- Runs: August and September closed (final runs), then late September usage, booked into
-- October as an adjustment; drafts of October in two models.
SELECT close_period('2026-08-01');
SELECT close_period('2026-09-01');
SELECT ingest('{"provider": "acme", "model": "acme-llm", "request_id": "late-1", "occurred_at": "2026-09-20T10:00:00Z", "tokens": {"input": 1000000}, "attrs": {"department": "sales"}}');
SELECT run_allocation('2026-10-01', 'department');
SELECT run_allocation('2026-10-01', 'activity');
SELECT run_allocation('2026-11-01', 'central');
});

# Every table of the schema (partitions included; not xact_lock, which holds lock keys and is
# not dumped) and every report, as (name, rows, md5 of
# the sorted rows): equal fingerprints mean equal contents, ids included.
my $fingerprint_sql = q{
SET timezone = 'UTC';
SELECT string_agg(format('%s %s', relname, (xpath('/row/x/text()',
         query_to_xml(format('SELECT count(*) || '' '' || md5(coalesce(string_agg(t::text, ''|'' ORDER BY t::text), '''')) AS x FROM %s t', oid::regclass),
                      false, true, '')))[1]::text), E'\n' ORDER BY relname)
FROM (SELECT c.oid, c.relname FROM pg_class c
       WHERE c.relnamespace = 'chargeback'::regnamespace AND c.relkind IN ('r', 'p', 'v')
         AND c.relname NOT IN ('usage_inbox', 'usage_inbox_text', 'xact_lock')) r;
};
my $totals_sql = q{
SET timezone = 'UTC';
SELECT (SELECT count(*) || ' ' || sum(cost) FROM chargeback.usage) AS usage,
       (SELECT sum(cost) FROM chargeback.showback) AS showback,
       (SELECT sum(spend) FROM chargeback.budget_status) AS budget_spend,
       (SELECT sum(reserved) FROM chargeback.budget_status) AS reserved,
       (SELECT sum(amount) FROM chargeback.allocation_line) AS lines,
       (SELECT sum(debit) || ' ' || sum(credit) FROM chargeback.journal) AS journal;
};
my $before = $node->safe_psql('src', $fingerprint_sql);
my $totals_before = $node->safe_psql('src', $totals_sql);
like($before, qr/^usage_2026_08 \d+ /m, 'usage partitions exist');
# The months of the data (and whichever others the source made, such as the month the test
# runs in): the restore must bring back the same set.
my @partitions = split /\n/, $node->safe_psql('src',
	q{SELECT inhrelid::regclass FROM pg_inherits WHERE inhparent = 'chargeback.usage'::regclass ORDER BY 1});
is_deeply([ grep { /usage_2026_(08|09|10|11)$/ } @partitions ],
	[ map { "chargeback.usage_2026_$_" } qw(08 09 10 11) ], 'the data months have their partitions');
like($totals_before, qr/^\d+ [\d.]+\|[\d.]+\|[\d.]+\|[\d.]+\|[\d.]+\|[\d.]+ [\d.]+$/, "totals: $totals_before");

# Every table of the extension is dumped, but budget_unit (recomputed by triggers). A new
# table (the audit log) added without chargeback.dump_config() fails here.
is($node->safe_psql('src', q{
	SELECT string_agg(c.relname, ',' ORDER BY c.relname)
	FROM pg_depend d JOIN pg_class c ON c.oid = d.objid
	WHERE d.classid = 'pg_class'::regclass AND d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e'
	  AND d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'pg_chargeback')
	  AND c.relkind IN ('r', 'S')
	  AND c.oid <> ALL ((SELECT extconfig FROM pg_extension WHERE extname = 'pg_chargeback')::oid[])}),
	'budget_unit,xact_lock', 'every table and sequence of the extension is registered for pg_dump, but budget_unit and xact_lock');

# Restores, as DBAs run them. No setting is needed: the extension recognises a restoring
# session (src/pg/restore.cpp: pg_restore and psql replaying a pg_dump script) and loads every
# table as dumped, the audit log included, in any order (-j). pg_restore
# --enable-row-security is not recognised and says so with chargeback.restoring.
my $dump = $node->basedir . '/src.dump';
my $dump_root = $node->basedir . '/src_root.dump';
my $dump_plain = $node->basedir . '/src.sql';
my ($ret, $out, $err);
$node->command_ok([ 'pg_dump', '-Fc', '-d', $node->connstr('src'), '-f', $dump ], 'pg_dump -Fc');
$node->command_ok([ 'pg_dump', '-Fc', '--load-via-partition-root', '-d', $node->connstr('src'), '-f', $dump_root ],
	'pg_dump -Fc --load-via-partition-root');
$node->command_ok([ 'pg_dump', '-Fp', '-d', $node->connstr('src'), '-f', $dump_plain ], 'pg_dump -Fp');
my @b = split /\n/, $before;

# database => [ the restore, its options, the dump it reads ]
my %restores = (
	dst => [ 'pg_restore', [], $dump ],
	dst_single => [ 'pg_restore', [ '--single-transaction', '--exit-on-error' ], $dump ],
	dst_jobs => [ 'pg_restore', [ '-j', '4' ], $dump ],
	dst_root => [ 'pg_restore', [], $dump_root ],
	dst_plain => [ 'psql', [ '-X', '-q', '-v', 'ON_ERROR_STOP=1' ], $dump_plain ],
	dst_rls => [ 'pg_restore', [ '--enable-row-security' ], $dump ]);
for my $db (sort keys %restores) {
	my ($prog, $opts, $file) = @{ $restores{$db} };
	my $what = join(' ', $prog, @$opts, $file eq $dump_root ? '(--load-via-partition-root)' : ());
	local $ENV{PGOPTIONS} = grep({ $_ eq '--enable-row-security' } @$opts) ? '-c chargeback.restoring=on' : '';
	$node->safe_psql('postgres', "CREATE DATABASE $db");
	($out, $err) = run_command([ $prog, @$opts, '-d', $node->connstr($db), $prog eq 'psql' ? ('-f', $file) : $file ]);
	is($err, '', "$what: no error");
	my @a = split /\n/, $node->safe_psql($db, $fingerprint_sql);
	is_deeply(\@a, \@b, "$what: every table, partition and view holds the same rows");
	is($node->safe_psql($db, $totals_sql), $totals_before, "$what: showback, budgets, allocation lines and journal: same totals");
}

# The partitions are attached to the restored parent, each with its primary key and BRIN
# index (the parent has none: see src/sql/usage.sql).
is($node->safe_psql('dst', q{
	SELECT string_agg(h.inhrelid::regclass || ': ' || (SELECT string_agg(a.amname || CASE WHEN i.indisprimary THEN ' pkey' ELSE '' END, ', ' ORDER BY a.amname)
	                                                      FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am a ON a.oid = c.relam
	                                                     WHERE i.indrelid = h.inhrelid AND i.indisvalid), E'\n' ORDER BY 1)
	FROM pg_inherits h WHERE h.inhparent = 'chargeback.usage'::regclass}),
	join("\n", map { "$_: brin, btree pkey" } @partitions),
	'every usage partition is attached, each with its primary key and BRIN index');

# Each restored database works: new usage gets new ids, nothing ingested before is charged
# again, the rollup and budget spend follow, catalog, units and budgets take new rows.
my $work_sql = q{
SET search_path = chargeback, public;
SET timezone = 'UTC';
CREATE TEMP TABLE b AS SELECT (SELECT max(usage_id) FROM usage) AS max_usage, (SELECT sum(cost) FROM usage) AS cost,
    (SELECT sum(spend) FROM budget_spend) AS spend, (SELECT count(*) FROM usage_duplicate) AS dups;
-- 50 requests sent again (charged nothing) and 20 new ones in November.
INSERT INTO usage_inbox (payload)
SELECT json_build_object('provider', (ARRAY['openai', 'acme', 'anthropic', 'azure'])[1 + i % 4],
        'model', (ARRAY['gpt-4o-2024-08-06', 'acme-llm', 'claude-haiku-4-5', 'prod-gpt4o'])[1 + i % 4],
        'request_id', 'req-' || i, 'occurred_at', timestamptz '2026-08-01' + (i * interval '4 hours 3 minutes'),
        'tokens', json_build_object('input', 1000 + i, 'output', 100))
FROM generate_series(1, 50) i;
SELECT (SELECT sum(cost) FROM usage) = b.cost AS resent_charged_nothing,
       (SELECT count(*) FROM usage_duplicate) - b.dups AS duplicates_logged FROM b;
SELECT ingest('{"provider": "openai", "model": "gpt-4o", "request_id": "held-1", "tokens": {"input": 900, "output": 90}}')
       = (SELECT usage_id FROM usage WHERE request_id = 'held-1') AS same_usage_id;
INSERT INTO usage_inbox (payload)
SELECT json_build_object('provider', 'acme', 'model', 'acme-llm', 'request_id', 'new-' || i,
        'occurred_at', timestamptz '2026-11-02' + i * interval '1 hour', 'tokens', json_build_object('input', 1000000),
        'attrs', json_build_object('department', 'engineering'))
FROM generate_series(1, 20) i;
SELECT min(u.usage_id) > b.max_usage AS new_ids, count(*) AS new_rows, sum(u.cost) AS new_cost
FROM usage u, b WHERE u.request_id LIKE 'new-%' GROUP BY b.max_usage;
-- The rollup still equals a scan of usage.
SELECT count(*) AS rollup_diff FROM (
    (SELECT period, org_unit_id, provider, model, sum(requests), sum(cost) FROM daily_rollup GROUP BY 1, 2, 3, 4
     EXCEPT SELECT period, org_unit_id, provider, model, count(*), coalesce(sum(cost), 0) FROM usage GROUP BY 1, 2, 3, 4)
    UNION ALL
    (SELECT period, org_unit_id, provider, model, count(*), coalesce(sum(cost), 0) FROM usage GROUP BY 1, 2, 3, 4
     EXCEPT SELECT period, org_unit_id, provider, model, sum(requests), sum(cost) FROM daily_rollup GROUP BY 1, 2, 3, 4)) d;
-- Budget spend grew by exactly the new cost in each of the three budgets it falls under
-- (global, engineering's, the acme provider's).
SELECT (SELECT sum(spend) FROM budget_spend) - b.spend AS spend_added FROM b;
-- Identity columns go on from the restored values.
SELECT set_price('acme', 'acme-llm', 'input=1 output=4', '2026-11-20') > (SELECT max(price_id) FROM price WHERE source = 'builtin') AS new_price;
INSERT INTO org_unit (code, name) VALUES ('finance', 'Finance') RETURNING org_unit_id > 7 AS new_unit;
INSERT INTO budget (name, scope, scope_value, amount) VALUES ('finance', 'org_unit', 'finance', 10) RETURNING budget_id > 5 AS new_budget;
SELECT count(*) AS reservations FROM authorize('{"department": "sales"}', 'openai', 'gpt-4o', 'input=10') WHERE allowed;
-- A run of November, and September stays closed.
SELECT run_allocation('2026-11-01', 'department') > 0 AS ran;
SELECT lines > 0 AND total = (SELECT sum(amount) FROM allocation_line l WHERE l.run_id = r.run_id) AS run_ok
FROM allocation_run r WHERE period = '2026-11-01' AND model = 'department';
-- October closes: its final run.
SELECT close_period('2026-10-01') > 0 AS closed;
};
for my $db (sort keys %restores) {
	is($node->safe_psql($db, $work_sql), join("\n", 't|50', 't', 't|20|20', '0', '60.0000000', 't', 't', 't', '1', 't', 't', 't'),
		"$db: the restored database ingests, dedupes, rolls up, counts budgets and allocates");
	($ret, $out, $err) = $node->psql($db, "SELECT chargeback.run_allocation('2026-09-01')");
	like($err, qr/period 2026-09 is closed/, "$db: a closed month stays closed");
	($ret, $out, $err) = $node->psql($db, "DELETE FROM chargeback.allocation_line WHERE run_id = (SELECT final_run_id FROM chargeback.period WHERE period = '2026-09-01')");
	like($err, qr/is final: its lines cannot be changed/, "$db: its final run stays frozen");
}

$node->stop;
done_testing();
