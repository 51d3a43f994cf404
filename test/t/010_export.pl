# chargeback export focus (src/cli/export.cpp), as installed (CHARGEBACK=/path runs another
# build): the month's FOCUS rows as CSV with a header, in FOCUS datetime format whatever the
# session's time zone, 1.4 by default and 1.2 on request, the same rows as the views, a
# warning for unpriced usage, and the errors of what goes wrong.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use IPC::Run;

my $bin = $ENV{CHARGEBACK};
if (!defined $bin) {
	for my $dir (split(/:/, $ENV{PATH} // ''), '/usr/local/bin') {
		if (-x "$dir/chargeback") { $bin = "$dir/chargeback"; last; }
	}
}
die "chargeback is not installed: run bash scripts/cli.sh (or set CHARGEBACK)" unless $bin && -x $bin;

sub cli {
	my (@args) = @_;
	my ($out, $err) = ('', '');
	IPC::Run::run([ $bin, @args ], '<', \'', '>', \$out, '2>', \$err);
	return ($? >> 8, $out, $err);
}

my $node = PostgreSQL::Test::Cluster->new('export');
$node->init;
# A session zone far from UTC: the export must still say ...Z in UTC.
$node->append_conf('postgresql.conf', "timezone = 'Asia/Tokyo'\n");
$node->start;
$node->safe_psql('postgres', q{
	CREATE EXTENSION pg_chargeback;
	INSERT INTO chargeback.org_unit (code, name) VALUES ('x-sales', 'Sales');
	SELECT chargeback.set_price('openai', 'gpt-ex', 'input=2.5 output=10 web_searches=0.01', '2022-01-01');
	SELECT chargeback.ingest(jsonb_build_object('provider', 'openai', 'model', 'gpt-ex', 'request_id', 'ex' || i,
	           'occurred_at', '2022-05-03T10:00:00Z', 'tokens', jsonb_build_object('input', 1000 + i, 'output', 7, 'web_searches', i % 2),
	           'attrs', jsonb_build_object('department', 'x-sales', 'project', 'p' || (i % 3))))
	FROM generate_series(1, 50) i;
	SELECT chargeback.ingest('{"provider": "openai", "model": "nope", "request_id": "ex-unpriced", "occurred_at": "2022-05-04T10:00:00Z", "tokens": {"input": 5}}');
});
my $db = $node->connstr('postgres');
my $dir = PostgreSQL::Test::Utils::tempdir('export');

my ($rc, $out, $err) = cli('-d', $db, 'export', 'focus', '--period', '2022-05-01', '--out', "$dir/may.csv", '--progress');
is($rc, 0, 'export focus exits 0');
like($err, qr/warning: 1 unpriced usage rows of 2022-05 are not in the export/, 'unpriced usage is named on stderr');
like($err, qr/wrote \d+ FOCUS 1\.4 rows of 2022-05 to \Q$dir\E\/may\.csv/, 'summary on stderr');
ok(!-e "$dir/may.csv.part", 'no partial file is left');
open(my $fh, '<', "$dir/may.csv") or die;
my @lines = <$fh>;
close $fh;
my @header = split /,/, $lines[0] =~ s/\r?\n$//r;
ok((grep { $_ eq 'ServiceProviderName' } @header) && (grep { $_ eq 'AllocatedMethodId' } @header), 'the 1.4 columns');
my %col;
@col{@header} = (0 .. $#header);
my $rows = $node->safe_psql('postgres', q{SELECT count(*) FROM chargeback.focus WHERE "x_BillingPeriod" = '2022-05-01'});
is(scalar(@lines) - 1, $rows, 'one CSV line per row of chargeback.focus');
my @first = split /,/, $lines[1];
like($first[$col{ChargePeriodStart}], qr/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/, 'ChargePeriodStart in FOCUS format');
like($first[$col{BillingPeriodStart}], qr/^2022-05-01T00:00:00Z$/, 'BillingPeriodStart in UTC, not the session zone');

($rc, $out, $err) = cli('-d', $db, 'export', 'focus', '--period', '2022-05-01', '--version', '1.2', '--out', '-', '--quiet');
is($rc, 0, 'export focus --version 1.2 to standard output');
my @l12 = split /\n/, $out;
unlike($l12[0], qr/ServiceProviderName/, 'FOCUS 1.2 has no 1.3 columns');
is(scalar(@l12) - 1, $node->safe_psql('postgres', q{SELECT count(*) FROM chargeback.focus_1_2 WHERE "x_BillingPeriod" = '2022-05-01'}),
	'one line per row of chargeback.focus_1_2');
my $sum = $node->safe_psql('postgres', q{SELECT sum("BilledCost") = (SELECT sum(cost) FROM chargeback.usage) FROM chargeback.focus_1_2});
is($sum, 't', 'the exported month ties out to usage');

($rc, $out, $err) = cli('-d', $db, 'export', 'focus', '--period', '2022-05-01', '--out', "$dir/may.parquet");
is($rc, 2, 'Parquet is a usage error');
like($err, qr/Parquet output is not supported/, 'and says so');
($rc, $out, $err) = cli('-d', $db, 'export', 'focus', '--period', '2022-05-01', '--out', "$dir/no/such/dir/x.csv");
is($rc, 5, 'an unwritable file is exit 5');
like($err, qr/cannot write/, 'and is named');

$node->stop;
done_testing();
