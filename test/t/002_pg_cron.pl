# The standard jobs under a real pg_cron: schedule_jobs() registers them in the pg_cron
# database (under the released 0.2.0, then again in place after ALTER EXTENSION ... UPDATE:
# jobs scheduled before an upgrade keep running after it), the maintenance job runs and its effect is
# visible, a database without pg_cron gets statements that work when run in the pg_cron
# database, and unschedule_jobs() removes the jobs. Waits for pg_cron's next minute: about
# 1 to 2 minutes.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time);

my $node = PostgreSQL::Test::Cluster->new('pg_cron');
$node->init;
$node->append_conf('postgresql.conf', q{
shared_preload_libraries = 'pg_cron'
cron.database_name = 'postgres'
cron.use_background_workers = on
max_worker_processes = 16
timezone = 'UTC'
});
$node->start;
$node->safe_psql('postgres', q{CREATE EXTENSION pg_cron; CREATE EXTENSION pg_chargeback VERSION '0.2.0';});

# Scheduled here, with the maintenance job every minute so that it runs during the test.
is($node->safe_psql('postgres', q{
	SELECT jobname, schedule, scheduled FROM chargeback.schedule_jobs(close_day => 5, maintenance_schedule => '* * * * *')}),
	"chargeback-maintenance|* * * * *|t\nchargeback-draft-allocation|17 * * * *|t\nchargeback-close|0 2 5 * *|t",
	'schedule_jobs() schedules the three jobs');
# The upgrade, with the jobs scheduled.
$node->safe_psql('postgres', 'ALTER EXTENSION pg_chargeback UPDATE');
is($node->safe_psql('postgres', q{
	SELECT e.extversion = a.default_version FROM pg_extension e JOIN pg_available_extensions a ON a.name = e.extname
	WHERE e.extname = 'pg_chargeback'}), 't', 'upgraded from 0.2.0 to the current version with the jobs scheduled');
# Called again: the same three jobs, updated in place (pg_cron keys them by name and user),
# and the anomaly check that 0.3.0 adds.
$node->safe_psql('postgres', q{SELECT count(*) FROM chargeback.schedule_jobs(maintenance_schedule => '* * * * *')});
is($node->safe_psql('postgres', q{
	SELECT jobname, schedule, database, active FROM cron.job WHERE jobname LIKE 'chargeback-%' ORDER BY jobname}),
	"chargeback-anomalies|10 1 * * *|postgres|t\n"
	  . "chargeback-close|0 2 3 * *|postgres|t\n"
	  . "chargeback-draft-allocation|17 * * * *|postgres|t\n"
	  . "chargeback-maintenance|* * * * *|postgres|t",
	'cron.job holds the four jobs once each, with the schedules of the last call');
is($node->safe_psql('postgres', q{
	SELECT command FROM cron.job WHERE jobname LIKE 'chargeback-%' ORDER BY jobname}),
	"SELECT chargeback.detect_anomalies()\n"
	  . "SELECT chargeback.close_period((chargeback.period_of(now()) - interval '1 month')::date, 'department')\n"
	  . "SELECT chargeback.run_allocation(chargeback.period_of(now()), 'department')\n"
	  . "SELECT chargeback.maintenance()",
	'the job commands');

# Something for maintenance to do: no partition for next month yet, an expired hold from
# ten days ago (purged) and an open one (kept).
my $next_part = $node->safe_psql('postgres',
	q{SELECT 'chargeback.usage_' || to_char(chargeback.period_of(now()) + interval '1 month', 'YYYY_MM')});
is($node->safe_psql('postgres', "SELECT to_regclass('$next_part') IS NULL"), 't', "no $next_part yet");
$node->safe_psql('postgres', q{
	INSERT INTO chargeback.budget (name, scope, scope_value, amount) VALUES ('cron holds', 'project', 'cron', 100);
	INSERT INTO chargeback.reservation (budget_id, amount, request_id, created_at, expires_at)
	SELECT budget_id, 1, 'cron-old', now() - interval '10 days', now() - interval '10 days' + interval '10 minutes'
	FROM chargeback.budget WHERE name = 'cron holds';
	INSERT INTO chargeback.reservation (budget_id, amount, request_id)
	SELECT budget_id, 1, 'cron-open' FROM chargeback.budget WHERE name = 'cron holds';
});

my $started = time;
my $done = 'f';
while (time - $started < 150) {
	$done = $node->safe_psql('postgres', qq{
		SELECT EXISTS (SELECT 1 FROM cron.job_run_details d JOIN cron.job j USING (jobid)
		               WHERE j.jobname = 'chargeback-maintenance' AND d.status = 'succeeded')
		   AND NOT EXISTS (SELECT 1 FROM chargeback.reservation WHERE request_id = 'cron-old')
		   AND to_regclass('$next_part') IS NOT NULL});
	last if $done eq 't';
	sleep 2;
}
my $waited = sprintf('%.0f', time - $started);
note("maintenance job ran and took effect after ${waited}s");
is($done, 't', "pg_cron ran chargeback-maintenance: it succeeded, made $next_part, purged the old hold (${waited}s)");
is($node->safe_psql('postgres', q{SELECT request_id FROM chargeback.reservation ORDER BY request_id}),
	'cron-open', 'the open hold is kept');
is($node->safe_psql('postgres', q{
	SELECT count(*) FROM cron.job_run_details d JOIN cron.job j USING (jobid)
	WHERE j.jobname = 'chargeback-maintenance' AND d.status = 'failed'}),
	'0', 'no failed maintenance run');

# A database with pg_chargeback but without pg_cron: nothing fails, the rows say not
# scheduled, and the NOTICE gives the statements to run in the pg_cron database.
$node->safe_psql('postgres', 'CREATE DATABASE cb_nocron');
$node->safe_psql('cb_nocron', 'CREATE EXTENSION pg_chargeback');
my ($ret, $out, $err) = $node->psql('cb_nocron',
	q{SELECT jobname, schedule, scheduled FROM chargeback.schedule_jobs()});
is($ret, 0, 'schedule_jobs() without pg_cron succeeds');
is($out,
	"chargeback-maintenance|*/5 * * * *|f\nchargeback-draft-allocation|17 * * * *|f\nchargeback-close|0 2 3 * *|f\n"
	  . "chargeback-anomalies|10 1 * * *|f",
	'the four jobs, scheduled = false');
like($err, qr/NOTICE:  pg_cron is not installed in database "cb_nocron".*run these statements in database "postgres" \(cron\.database_name\)/,
	'the NOTICE names this database and the pg_cron database');
my @statements = $err =~ /(SELECT cron\.schedule_in_database\(.*\);)$/mg;
is(scalar(@statements), 4, 'four schedule_in_database statements');
like($statements[0],
	qr/^SELECT cron\.schedule_in_database\('chargeback-maintenance', '\*\/5 \* \* \* \*', 'SELECT chargeback\.maintenance\(\)', 'cb_nocron'\);$/,
	'the maintenance statement, naming cb_nocron');
like($statements[1], qr/''department''\)', 'cb_nocron'\);$/, 'the model is quoted inside the command');
is($node->safe_psql('cb_nocron', 'SELECT chargeback.unschedule_jobs()'), '0',
	'unschedule_jobs() without pg_cron removes nothing');

# unschedule_jobs() where pg_cron is: the three jobs go, and a second call finds none.
is($node->safe_psql('postgres', 'SELECT chargeback.unschedule_jobs()'), '4', 'unschedule_jobs() removes four jobs');
is($node->safe_psql('postgres', q{SELECT count(*) FROM cron.job WHERE jobname LIKE 'chargeback-%'}), '0',
	'no chargeback job left');
is($node->safe_psql('postgres', 'SELECT chargeback.unschedule_jobs()'), '0', 'a second call removes nothing');

# The statements from the NOTICE, run in the pg_cron database, schedule the jobs for cb_nocron.
$node->safe_psql('postgres', join("\n", @statements));
is($node->safe_psql('postgres', q{
	SELECT jobname, schedule, database FROM cron.job WHERE jobname LIKE 'chargeback-%' ORDER BY jobname}),
	"chargeback-anomalies|10 1 * * *|cb_nocron\nchargeback-close|0 2 3 * *|cb_nocron\n"
	  . "chargeback-draft-allocation|17 * * * *|cb_nocron\nchargeback-maintenance|*/5 * * * *|cb_nocron",
	'the NOTICE statements schedule the jobs in cb_nocron');
$node->safe_psql('postgres', q{SELECT cron.unschedule(jobid) FROM cron.job WHERE jobname LIKE 'chargeback-%'});

$node->stop;
done_testing();
