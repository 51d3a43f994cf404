# Crash safety: a backend killed with SIGKILL in the middle of a bulk ingest or of an
# allocation run makes the postmaster reinitialize and recover from WAL. Afterwards nothing
# is half written: usage, its (provider, request_id) claims, the daily rollup and budget spend
# agree; every run has all of its lines or does not exist. Retrying the same load or run
# charges nothing twice: the totals are those of a clean database that never crashed.
#
# Three kills. (1) A COPY of 40000 lines into chargeback.usage_inbox, killed while
# pg_stat_activity shows it active: it may have committed or not, both are fine, half is not.
# (2) and (3) are deterministic, whatever the machine's speed: another session holds row
# locks that the statement needs at its very end (the daily rollup rows; an org unit that the
# run's lines reference), so it is killed while it waits there, with everything else written
# but not committed: usage rows and claims and budget spend (2); the new run, its lines and
# the deletion of the previous draft (3), then the same for close_period().
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('crash');
$node->init;
$node->append_conf('postgresql.conf', "restart_after_crash = on\n");
$node->start;

my $setup = q{
CREATE EXTENSION pg_chargeback;
SET search_path = chargeback, public;
SELECT set_price('crashco', 'cm', 'input=3 output=15', '2026-01-01');
INSERT INTO org_unit (code, name, kind, cost_center) VALUES ('ai-center', 'Corporate AI', 'central', 'CC-900');
INSERT INTO org_unit (code, name, cost_center) VALUES ('marketing', 'Marketing', 'CC-100'), ('sales', 'Sales', 'CC-200'),
    ('engineering', 'Engineering', 'CC-300'), ('platform', 'Platform', 'CC-400');
INSERT INTO budget (name, scope, scope_value, period, amount, enforcement) VALUES
    ('all ai', 'global', NULL, 'month', 1000000, 'alert'),
    ('sales', 'org_unit', 'sales', 'month', 1000000, 'block');
INSERT INTO allocation_rule (name, step, source, method) VALUES ('platform to users', 1, 'platform', 'proportional');
INSERT INTO fixed_charge (period, provider, description, amount) VALUES ('2026-10-01', 'crashco', 'seats', 99.00);
};
$node->safe_psql('postgres', 'CREATE DATABASE clean');
$node->safe_psql('postgres', 'CREATE DATABASE crash');
$node->safe_psql($_, $setup) for qw(clean crash);

# Two files of canonical usage lines in October and November 2026; file 2 has other request
# ids but the same owners, projects and days (so it writes to the same rollup rows).
my @depts = qw(marketing sales engineering platform);
sub write_usage
{
	my ($path, $prefix, $n) = @_;
	open(my $fh, '>', $path) or die "$path: $!";
	for my $i (1 .. $n)
	{
		my $secs = int(($i - 1) * 61 * 86400 / $n);
		my ($d, $s) = (int($secs / 86400), $secs % 86400);
		my ($month, $day) = $d < 31 ? ('10', $d + 1) : ('11', $d - 30);
		printf $fh '{"provider": "crashco", "model": "cm", "request_id": "%s-%d", '
		  . '"occurred_at": "2026-%s-%02dT%02d:%02d:%02dZ", "tokens": {"input": %d, "output": %d, "requests": 1}, '
		  . '"attrs": {"department": "%s", "project": "p%d"}}' . "\n",
		  $prefix, $i, $month, $day, int($s / 3600), int($s % 3600 / 60), $s % 60,
		  1000 + $i % 997, 10 + $i % 89, $depts[ $i % 4 ], $i % 40;
	}
	close $fh;
}
my $file1 = $node->basedir . '/usage1.jsonl';
my $file2 = $node->basedir . '/usage2.jsonl';
write_usage($file1, 'a', 40000);
write_usage($file2, 'b', 5000);
my $copy1 = "COPY chargeback.usage_inbox (payload) FROM '$file1'";
my $copy2 = "COPY chargeback.usage_inbox (payload) FROM '$file2'";

# What must always hold, as one line: usage rows, claims, claims pointing at their row,
# rollup requests, rows of (rollup EXCEPT usage) + (usage EXCEPT rollup), budget spend of the
# global budget minus usage cost, runs whose lines do not match their count and total.
my $consistency = q{
SET search_path = chargeback, public;
SELECT (SELECT count(*) FROM usage) || ' ' || (SELECT count(*) FROM usage_request) || ' ' ||
       (SELECT count(*) FROM usage u JOIN usage_request r ON r.provider = u.provider AND r.request_id = u.request_id AND r.usage_id = u.usage_id) || ' ' ||
       (SELECT coalesce(sum(requests), 0) FROM daily_rollup) || ' ' ||
       (SELECT count(*) FROM (
            (SELECT period, day, org_unit_id, project, requests, tokens::text, cost FROM daily_rollup
             EXCEPT SELECT period, day_of(occurred_at), org_unit_id, coalesce(project, ''), count(*), chargeback.sum(tokens)::text, coalesce(sum(cost), 0)
                      FROM usage GROUP BY 1, 2, 3, 4)
            UNION ALL
            (SELECT period, day_of(occurred_at), org_unit_id, coalesce(project, ''), count(*), chargeback.sum(tokens)::text, coalesce(sum(cost), 0)
               FROM usage GROUP BY 1, 2, 3, 4
             EXCEPT SELECT period, day, org_unit_id, project, requests, tokens::text, cost FROM daily_rollup)) d) || ' ' ||
       trim_scale((SELECT coalesce(sum(spend), 0) FROM budget_spend s JOIN budget b USING (budget_id) WHERE b.name = 'all ai')
                  - (SELECT coalesce(sum(cost), 0) FROM usage)) || ' ' ||
       (SELECT count(*) FROM allocation_run r
         WHERE r.lines <> (SELECT count(*) FROM allocation_line l WHERE l.run_id = r.run_id)
            OR r.total <> (SELECT coalesce(sum(amount), 0) FROM allocation_line l WHERE l.run_id = r.run_id));
};
my $totals = q{
SET search_path = chargeback, public;
SELECT count(*) || ' ' || sum(cost) || ' ' || (SELECT sum(cost) FROM daily_rollup) || ' ' ||
       (SELECT sum(spend) FROM budget_spend) FROM usage;
};
# A run's lines without their ids: owner, project, component, source, amount, basis.
my $lines = q{
SELECT count(*) || ' ' || sum(amount) || ' ' || md5(string_agg(concat_ws(' ', org_unit_id, project, component, source, amount, currency, basis), '|'
                                                            ORDER BY org_unit_id, project, component, source, amount))
FROM chargeback.allocation_line l JOIN chargeback.allocation_run r USING (run_id)
};

sub consistent
{
	my ($db, $rows, $what) = @_;
	is($node->safe_psql($db, $consistency), "$rows $rows $rows $rows 0 0 0",
		"$what: usage, claims, rollup, budget spend and runs agree ($rows rows)");
}

# Starts a statement in a background session and returns (session, backend pid).
sub start_statement
{
	my ($name, $sql) = @_;
	my $s = $node->background_psql('crash', on_error_stop => 0);
	my $pid = $s->query_safe("SET application_name = '$name'; SELECT pg_backend_pid();");
	$s->query_until(qr/started/, "\\echo started\n$sql;\n");
	return ($s, $pid);
}

# Kills the backend with SIGKILL and waits until crash recovery has finished.
sub crash
{
	my ($pid, @sessions) = @_;
	my $offset = -s $node->logfile;
	kill 'KILL', $pid or die "kill $pid: $!";
	$node->wait_for_log(qr/all server processes terminated; reinitializing/, $offset);
	$node->poll_query_until('crash', 'SELECT true') or die 'no recovery';
	eval { $_->{run}->kill_kill } for @sessions;    # their backends were terminated too
	like(slurp_file($node->logfile, $offset), qr/was terminated by signal 9: Killed/, 'the backend was killed and the server recovered');
}

# The clean database: both files, a draft run and the close of October.
$node->safe_psql('clean', "$copy1; $copy2");
$node->safe_psql('clean', "SELECT chargeback.run_allocation('2026-11-01')");
$node->safe_psql('clean', "SELECT chargeback.close_period('2026-10-01')");
consistent('clean', 45000, 'clean database');
my $clean_totals = $node->safe_psql('clean', $totals);

# (1) A bulk COPY killed while it runs.
my ($s1, $pid1) = start_statement('crash_ingest', $copy1);
# Killed 0.3 s after pg_stat_activity shows it (on a fast machine it may be done by then).
$node->poll_query_until('crash', "SELECT state = 'active' AND query LIKE 'COPY%' FROM pg_stat_activity WHERE pid = $pid1")
  or die 'COPY not seen';
select(undef, undef, undef, 0.3);
crash($pid1, $s1);
my $rows = $node->safe_psql('crash', 'SELECT count(*) FROM chargeback.usage');
ok($rows == 0 || $rows == 40000, "the killed COPY committed all of its rows or none ($rows)");
consistent('crash', $rows, 'after the killed COPY');
# Retried (twice): every line is there once.
$node->safe_psql('crash', $copy1);
$node->safe_psql('crash', $copy1);
consistent('crash', 40000, 'after retrying the COPY twice');
is($node->safe_psql('crash', 'SELECT count(*) FROM chargeback.usage_duplicate'), $rows + 40000,
	'the lines sent again were dropped as duplicates');

# (2) A COPY killed while its rollup trigger waits for rows another session has locked: usage
# rows, claims and budget spend are written by then, none of it committed.
my $locker = $node->background_psql('crash', on_error_stop => 0);
$locker->query_safe('BEGIN; SELECT count(*) FROM (SELECT 1 FROM chargeback.daily_rollup FOR UPDATE) s;');
my ($s2, $pid2) = start_statement('crash_ingest_locked', $copy2);
$node->poll_query_until('crash', "SELECT wait_event_type = 'Lock' FROM pg_stat_activity WHERE pid = $pid2")
  or die 'COPY not waiting';
crash($pid2, $s2, $locker);
consistent('crash', 40000, 'after the COPY killed in its trigger');
is($node->safe_psql('crash', "SELECT count(*) FROM chargeback.usage_request WHERE request_id LIKE 'b-%'"), '0',
	'none of its claims survived');
$node->safe_psql('crash', $copy2);
consistent('crash', 45000, 'after retrying it');
is($node->safe_psql('crash', $totals), $clean_totals, 'same rows, cost, rollup and budget spend as the clean database');

# (3) Allocation: a draft of November, then a rerun killed while its lines wait for an org
# unit row another session holds FOR UPDATE (the lines' foreign key check, at the end of the
# insert): the new run and all its lines are written, the old draft deleted, nothing committed.
my $first_run = $node->safe_psql('crash', "SELECT chargeback.run_allocation('2026-11-01')");
$locker = $node->background_psql('crash', on_error_stop => 0);
$locker->query_safe("BEGIN; SELECT 1 FROM chargeback.org_unit WHERE code = 'sales' FOR UPDATE;");
my ($s3, $pid3) = start_statement('crash_run', "SELECT chargeback.run_allocation('2026-11-01')");
$node->poll_query_until('crash', "SELECT wait_event_type = 'Lock' FROM pg_stat_activity WHERE pid = $pid3")
  or die 'run not waiting';
crash($pid3, $s3, $locker);
consistent('crash', 45000, 'after the killed run');
is($node->safe_psql('crash', "SELECT string_agg(run_id::text, ',') FROM chargeback.allocation_run"), $first_run,
	'the draft that was being replaced is still there, alone, with all its lines');

# ... and close_period() killed the same way: the month stays open, with no final run.
$locker = $node->background_psql('crash', on_error_stop => 0);
$locker->query_safe("BEGIN; SELECT 1 FROM chargeback.org_unit WHERE code = 'sales' FOR UPDATE;");
my ($s4, $pid4) = start_statement('crash_close', "SELECT chargeback.close_period('2026-10-01')");
$node->poll_query_until('crash', "SELECT wait_event_type = 'Lock' FROM pg_stat_activity WHERE pid = $pid4")
  or die 'close not waiting';
crash($pid4, $s4, $locker);
consistent('crash', 45000, 'after the killed close');
is($node->safe_psql('crash', "SELECT count(*) FROM chargeback.period WHERE status = 'closed'") . ' ' .
   $node->safe_psql('crash', "SELECT count(*) FROM chargeback.allocation_run WHERE status = 'final'"), '0 0',
	'October is still open and has no final run');

# Retried: the same run and the same final run as the clean database, to the cent.
$node->safe_psql('crash', "SELECT chargeback.run_allocation('2026-11-01')");
$node->safe_psql('crash', "SELECT chargeback.close_period('2026-10-01')");
consistent('crash', 45000, 'after the retried run and close');
for my $p ('2026-10-01', '2026-11-01')
{
	my $q = "$lines WHERE r.period = '$p'";
	is($node->safe_psql('crash', $q), $node->safe_psql('clean', $q), "the run of $p equals the clean database's");
}
is($node->safe_psql('crash', $totals), $clean_totals, 'nothing was charged twice');

$node->stop;
done_testing();
