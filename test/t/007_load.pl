# Mixed load: 16 pgbench clients for LOAD_SECONDS (default 60) mixing single ingests (with
# repeated request ids), bulk inbox inserts, authorize() + settlement against a capped
# `block` budget, showback and budget_status queries, and allocation runs of the current
# month. Afterwards: no failed transaction, no deadlock in the server log, nothing charged
# twice, every derived total (claims, daily rollup, budget spend, the allocation run, the
# journal) equal to the usage, the capped budget never overspent, and no hold left open.
# Prints the throughput.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $seconds = $ENV{LOAD_SECONDS} || 60;
my $clients = 16;

my $node = PostgreSQL::Test::Cluster->new('load');
$node->init;
$node->append_conf('postgresql.conf', qq{
max_connections = 40
timezone = 'UTC'
deadlock_timeout = '100ms'
log_lock_waits = on
});
$node->start;
$node->safe_psql('postgres', q{
	CREATE EXTENSION pg_chargeback;
	INSERT INTO chargeback.org_unit (code, name) SELECT 'ld' || d, 'Load department ' || d FROM generate_series(1, 20) d;
	-- Alert budgets everywhere (they only count), one block budget that authorize() guards.
	INSERT INTO chargeback.budget (name, scope, scope_value, amount)
	SELECT 'load dept ' || d, 'org_unit', 'ld' || d, 100 FROM generate_series(1, 20) d;
	INSERT INTO chargeback.budget (name, scope, amount) VALUES ('load company', 'global', 100000);
	INSERT INTO chargeback.budget (name, scope, scope_value, amount, enforcement)
	VALUES ('load capped', 'project', 'capped', 2.00, 'block');
});

# Each pgbench script is one gateway or analyst action; weights set the mix.
my %scripts = (
	# a request reported once or more (the same id again charges nothing)
	'ingest@5' => q{
\set u random(1, 1000)
\set r random(1, 200000)
SELECT chargeback.ingest(jsonb_build_object('provider', 'openai', 'model', 'gpt-4o-mini', 'request_id', 'ld-' || :r, 'occurred_at', now(), 'tokens', jsonb_build_object('input', 1000 + :r % 500, 'output', 200, 'cache_read', 128), 'attrs', jsonb_build_object('department', 'ld' || (1 + :u % 20), 'user', 'u' || :u || '@corp.test', 'project', 'p' || (:u % 7))));
},
	# a gateway batch through the bulk inbox
	'inbox@1' => q{
\set r random(1, 100000000)
INSERT INTO chargeback.usage_inbox (payload) SELECT jsonb_build_object('provider', 'anthropic', 'model', 'claude-3-5-haiku-20241022', 'request_id', 'lb-' || :client_id || '-' || :r || '-' || g, 'occurred_at', now(), 'tokens', jsonb_build_object('input', 500 + g, 'output', 100), 'attrs', jsonb_build_object('department', 'ld' || (1 + g % 20))) FROM generate_series(1, 25) g;
},
	# the hard cap: ask first, send (and report) only when allowed
	'authorize@3' => q{
\set r random(1, 100000000)
SELECT allowed FROM chargeback.authorize(jsonb_build_object('department', 'ld1', 'project', 'capped', 'request_id', 'la-' || :client_id || '-' || :r), 'openai', 'gpt-4o-mini', 'input=20000 output=2000') \gset
\if :allowed
SELECT chargeback.ingest(jsonb_build_object('provider', 'openai', 'model', 'gpt-4o-mini', 'request_id', 'la-' || :client_id || '-' || :r, 'occurred_at', now(), 'tokens', jsonb_build_object('input', 20000, 'output', 2000), 'attrs', jsonb_build_object('department', 'ld1', 'project', 'capped')));
\endif
},
	# analysts and dashboards
	'showback@2' => q{
SELECT count(*), sum(cost) FROM chargeback.showback WHERE period = date_trunc('month', now())::date;
SELECT count(*), sum(spend) FROM chargeback.budget_status;
},
	# a draft allocation of the month while usage lands
	'allocate@1' => q{
SELECT chargeback.run_allocation(date_trunc('month', now())::date, 'department');
},
);

my $log_start = -s $node->logfile;
my ($out, $err) = run_pgbench();
like($out, qr/number of failed transactions: 0 \(0\.000%\)/, 'no failed transactions');
my $log = slurp_file($node->logfile, $log_start);
unlike($log, qr/deadlock detected/, 'no deadlock');
unlike($log, qr/ERROR:/, 'no error in the server log');

# Throughput, as pgbench reported it.
my ($tps) = $out =~ /tps = ([0-9.]+) \(without initial connection time\)/;
diag("load: $clients clients, $seconds s: $tps transactions/s in total");
while ($out =~ /SQL script \d+: \S*?(\w+)\.sql\n - weight: \d+ \(targets [0-9.]+% of total\)\n - (\d+) transactions \([0-9.]+% of total, tps = ([0-9.]+)\)/g)
{
	diag(sprintf("  %-10s %7d transactions %9.1f/s", $1, $2, $3));
}

# Nothing charged twice: one usage row per (provider, request_id), one claim per row.
is($node->safe_psql('postgres', q{
	SELECT count(*) = count(DISTINCT (provider, request_id))
	   AND count(*) = (SELECT count(*) FROM chargeback.usage_request)
	   AND count(*) > 1000
	FROM chargeback.usage}), 't', 'each request charged once, each claimed once');
is($node->safe_psql('postgres', q{
	SELECT count(*) FROM chargeback.usage WHERE status <> 'priced'}), '0', 'every request priced');

# Derived totals equal the usage to the last digit.
my $usage_total = $node->safe_psql('postgres', 'SELECT sum(cost) FROM chargeback.usage');
is($node->safe_psql('postgres', 'SELECT sum(cost) FROM chargeback.daily_rollup'), $usage_total,
	'daily rollup = usage');
is($node->safe_psql('postgres', q{
	SELECT sum(spend) FROM chargeback.budget_spend JOIN chargeback.budget USING (budget_id) WHERE name = 'load company'}),
	$usage_total, 'global budget spend = usage');
is($node->safe_psql('postgres', q{
	SELECT sum(s.spend) FROM chargeback.budget_spend s JOIN chargeback.budget b USING (budget_id) WHERE b.name LIKE 'load dept %'}),
	$usage_total, 'department budget spends sum to usage');

# The cap held, it was reached (so denials happened), and no hold is left open.
my ($capped_spend, $capped_n) = split /\|/, $node->safe_psql('postgres', q{
	SELECT sum(cost), count(*) FROM chargeback.usage WHERE project = 'capped'});
cmp_ok($capped_spend, '<=', 2.00, "block budget never overspent ($capped_spend of 2.00)");
is($node->safe_psql('postgres', q{
	SELECT spend + estimated > 2.00 FROM (SELECT sum(cost) AS spend, max(cost) AS estimated FROM chargeback.usage WHERE project = 'capped') s}),
	't', 'the cap was reached: the next request would have been denied');
is($node->safe_psql('postgres', q{SELECT count(*) FROM chargeback.reservation WHERE settled_at IS NULL}),
	'0', 'every allowed hold was settled');

# The allocation after the load: its lines are the month's usage to the cent, the journal balances.
$node->safe_psql('postgres', q{SELECT chargeback.run_allocation(date_trunc('month', now())::date, 'department')});
is($node->safe_psql('postgres', q{
	SELECT sum(l.amount) = round((SELECT sum(cost) FROM chargeback.usage WHERE period = date_trunc('month', now())::date), 2)
	FROM chargeback.allocation_line l
	WHERE l.run_id = (SELECT max(run_id) FROM chargeback.allocation_run)}),
	't', 'the allocation run ties out to the usage');
is($node->safe_psql('postgres', q{
	SELECT sum(debit) = sum(credit) AND sum(debit) > 0 FROM chargeback.journal
	WHERE run_id = (SELECT max(run_id) FROM chargeback.allocation_run)}), 't', 'the journal balances');

$node->stop;
done_testing();

sub run_pgbench
{
	my $dir = PostgreSQL::Test::Utils::tempdir;
	my @files;
	for my $name (sort keys %scripts)
	{
		my ($base, $weight) = split /@/, $name;
		my $path = "$dir/$base.sql";
		open my $fh, '>', $path or die "cannot write $path: $!";
		print $fh $scripts{$name};
		close $fh;
		push @files, '-f', "$path\@$weight";
	}
	my ($stdout, $stderr);
	my $ok = IPC::Run::run(
		[ 'pgbench', '-n', '-c', $clients, '-j', 2, '-T', $seconds, @files,
		  '-h', $node->host, '-p', $node->port, 'postgres' ],
		'>', \$stdout, '2>', \$stderr);
	ok($ok, 'pgbench ran to the end') or diag($stderr);
	return ($stdout, $stderr);
}
