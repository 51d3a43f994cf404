# The extension on a real cluster: created from a clean install, dropped and re-created in
# the same session (the backend's cached catalog must follow the new tables), errors raised
# by C++ inside parallel workers, and a stream of hostile literals: the postmaster never
# restarts and no backend dies.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('lifecycle');
$node->init;
$node->append_conf('postgresql.conf', "max_worker_processes = 8\nmax_parallel_workers = 4\n");
$node->start;

$node->safe_psql('postgres', 'CREATE EXTENSION pg_chargeback');
my $start = $node->safe_psql('postgres', 'SELECT pg_postmaster_start_time()');

is($node->safe_psql('postgres',
	"SELECT chargeback.list_cost('openai', 'gpt-4o-2024-08-06', '2026-01-01', 'standard', 'input=1000000'::chargeback.token_usage)"),
	'2.5', 'built-in catalog prices a dated snapshot');

# Drop and re-create in one session: the cached catalog must not point at the old tables.
my $out = $node->safe_psql('postgres', q{
	SELECT chargeback.price_for('openai', 'gpt-4o', '2026-01-01') IS NOT NULL;
	DROP EXTENSION pg_chargeback;
	CREATE EXTENSION pg_chargeback;
	SELECT chargeback.set_price('openai', 'gpt-4o', 'input=1 output=1', '2026-02-01') > 0;
	SELECT chargeback.price_for('openai', 'gpt-4o', '2026-03-01');
});
is($out, "t\nt\ninput=1 output=1 USD", 'catalog cache follows DROP and CREATE EXTENSION in one session');

# An error thrown by C++ in a parallel worker reaches the client as a normal error.
my ($ret, $stdout, $stderr) = $node->psql('postgres', q{
	SET parallel_setup_cost = 0; SET parallel_tuple_cost = 0;
	SET min_parallel_table_scan_size = 0; SET max_parallel_workers_per_gather = 2;
	CREATE TABLE big AS SELECT i FROM generate_series(1, 200000) i;
	SELECT sum(chargeback.cost(format('input=%s', CASE WHEN i = 150000 THEN '-1' ELSE i::text END)::chargeback.token_usage,
	                           'input=1'::chargeback.token_rates)) FROM big;
});
like($stderr, qr/token counts cannot be negative: input=-1/, 'error from a parallel worker is reported');

# Hostile literals: every one is a clean error with the right SQLSTATE.
my @cases = (
	[ q{'cache_raed=1'::chargeback.token_usage}, '22P02' ],
	[ q{'input=-1'::chargeback.token_usage}, '22P02' ],
	[ q{'input=99999999999999999999999999'::chargeback.token_usage}, '22003' ],
	[ q{repeat('input=1 ', 100000)::chargeback.token_usage}, '22P02' ],
	[ q{('{"input": ' || repeat('[', 3000) || repeat(']', 3000) || '}')::jsonb::chargeback.token_usage}, '54000' ],
	[ q{(repeat('{"a":', 3000) || '1' || repeat('}', 3000))::jsonb::chargeback.token_rates}, '54000' ],
	[ q{'input=1e400'::chargeback.token_rates}, '22P02' ],
	[ q{'input=0.0000001'::chargeback.token_rates}, '22P02' ],
	[ q{'input=1 ZZZ'::chargeback.token_rates}, '22P02' ],
	[ q{'input=999999999999999'::chargeback.token_rates}, '22003' ],
	[ q{chargeback.import_prices(('{"m": {"litellm_provider": "openai", "input_cost_per_token": 1e999}}')::jsonb)}, 'ok' ],
	[ q{chargeback.price_for('Bad Provider!', 'x')}, '22023' ],
	[ q{chargeback.selftest_boundary('nonsense')}, '22023' ],
);
for my $case (@cases) {
	my ($expr, $state) = @$case;
	my ($r, $o, $e) = $node->psql('postgres',
		"\\set VERBOSITY sqlstate\nSELECT $expr IS NOT NULL;");
	if ($state eq 'ok') {
		is($r, 0, "no error: $expr");
	} else {
		like($e, qr/ERROR:  $state/m, "SQLSTATE $state for " . substr($expr, 0, 60));
	}
}

is($node->safe_psql('postgres', 'SELECT pg_postmaster_start_time()'), $start,
	'the postmaster never restarted');
my $log = slurp_file($node->logfile);
unlike($log, qr/terminated by signal|server process .* was terminated/, 'no backend crashed');

$node->stop;
done_testing();
