# The chargeback command-line tool (src/cli), as installed (scripts/cli.sh puts it in
# /usr/local/bin; CHARGEBACK=/path/to/chargeback runs another build): load with good and bad
# lines, a re-load that charges nothing twice, the report, the statements, the demo on a small
# month, and the messages and exit codes of what goes wrong.
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

# Runs the tool; returns (exit code, stdout, stderr).
sub cli {
	my ($in, @args) = @_;
	my ($out, $err) = ('', '');
	IPC::Run::run([ $bin, @args ], '<', \$in, '>', \$out, '2>', \$err);
	return ($? >> 8, $out, $err);
}

my $node = PostgreSQL::Test::Cluster->new('cli');
$node->init;
$node->append_conf('postgresql.conf', "timezone = 'UTC'\n");
$node->start;
$node->safe_psql('postgres', q{
	CREATE EXTENSION pg_chargeback;
	INSERT INTO chargeback.org_unit (code, name) VALUES ('sales', 'Sales'), ('marketing', 'Marketing'), ('finance-x', 'Finance');
	-- A unit with a budget and no usage still gets a statement.
	INSERT INTO chargeback.budget (name, scope, scope_value, amount) VALUES ('finance cap', 'org_unit', 'finance-x', 10);
});
my $db = $node->connstr('postgres');
my $dir = PostgreSQL::Test::Utils::tempdir('cli');

# --- load ---------------------------------------------------------------------------------
# Three requests (one sent twice), a line with a negative count, a line cut off mid-write,
# and a blank line. The attrs hold a JSON escape and a tab: COPY must not change them.
my $file = "$dir/usage.jsonl";
open(my $fh, '>', $file) or die;
print $fh <<'JSONL';
{"provider": "openai", "occurred_at": "2026-10-05T10:00:00Z", "attrs": {"department": "sales", "note": "a \"quoted\"\tword \\ here"}, "response": {"id": "chatcmpl-cli-1", "object": "chat.completion", "created": 1791194400, "model": "gpt-4o-2024-08-06", "usage": {"prompt_tokens": 100000, "completion_tokens": 10000}}}
{"provider": "anthropic", "occurred_at": "2026-10-06T10:00:00Z", "attrs": {"department": "marketing"}, "response": {"id": "msg_cli_2", "type": "message", "model": "claude-sonnet-4-5-20250929", "usage": {"input_tokens": 100000, "output_tokens": 10000}}}

{"provider": "openai", "response": {"object": "chat.completion", "usage": {"prompt_tokens": -3}}}
{"provider": "google", "occurred_at": "2026-10-07T10:00:00Z", "attrs": {"department": "marketing"}, "response": {"responseId": "g-cli-3", "modelVersion": "gemini-2.5-flash", "usageMetadata": {"promptTokenCount": 100000, "candidatesTokenCount": 10000}}}
{"provider": "anthropic", "attrs": {"app": "coding-assistant"}, "response": {"id": "msg_trunc
{"provider": "openai", "occurred_at": "2026-10-05T10:00:00Z", "attrs": {"department": "sales"}, "response": {"id": "chatcmpl-cli-1", "object": "chat.completion", "created": 1791194400, "model": "gpt-4o-2024-08-06", "usage": {"prompt_tokens": 100000, "completion_tokens": 10000}}}
JSONL
close $fh;

my ($rc, $out, $err) = cli('', '-d', $db, 'load', $file);
is($rc, 0, 'load exits 0 although lines were rejected');
like($out, qr/lines sent\s+6\n/, 'summary: six lines sent (the blank line is not a row)');
like($out, qr/usage rows recorded\s+3\n/, 'summary: three usage rows recorded');
like($out, qr/already recorded\s+1\s+not charged again/, 'summary: the repeated request is not charged again');
like($out, qr/rejected\s+2\s+reasons in chargeback.usage_rejected/, 'summary: two lines rejected');
is($node->safe_psql('postgres', 'SELECT count(*) FROM chargeback.usage'), '3', 'three usage rows in the database');
is($node->safe_psql('postgres', 'SELECT string_agg(sqlstate, \',\' ORDER BY sqlstate) FROM chargeback.usage_rejected'),
	'22032,22P02', 'the two bad lines are in usage_rejected with their SQLSTATEs (not JSON, negative count)');
is($node->safe_psql('postgres', q{SELECT attrs->>'note' FROM chargeback.usage WHERE request_id = 'chatcmpl-cli-1'}),
	"a \"quoted\"\tword \\ here", 'backslashes, quotes and tabs reach the server unchanged');
my $cost = $node->safe_psql('postgres', 'SELECT sum(cost) FROM chargeback.usage');
unlike($err, qr/rows, .* MB\/s/, 'no progress when stderr is not a terminal');

# --progress into a log: at least the final figures.
($rc, $out, $err) = cli('', '-d', $db, 'load', '--progress', $file);
like($err, qr/^\Q$file\E: 6 rows, \d+\.\d MB\/s, 2 rejected so far, (\d+ ms|\d+\.\d s)$/m, '--progress prints rows, MB/s and rejections');

# The same file again, from standard input: nothing is charged twice.
open($fh, '<', $file) or die;
my $content = do { local $/; <$fh> };
close $fh;
($rc, $out, $err) = cli($content, '-d', $db, 'load', '-');
is($rc, 0, 're-load from standard input exits 0');
like($out, qr/^standard input:/, 'standard input is named in the summary');
like($out, qr/usage rows recorded\s+0\n/, 're-load records nothing new');
like($out, qr/already recorded\s+4\s/, 're-load: all four requests were already recorded');
like($out, qr/rejected\s+2\s/, 're-load: the bad lines are rejected again, counted for this load only');
is($node->safe_psql('postgres', 'SELECT count(*) FROM chargeback.usage'), '3', 'still three usage rows');
is($node->safe_psql('postgres', 'SELECT sum(cost) FROM chargeback.usage'), $cost, 'total cost unchanged');

# --format: every line is read as that format.
my $fixture = "$dir/converse.jsonl";
open($fh, '>', $fixture) or die;
print $fh '{"usage": {"inputTokens": 10, "outputTokens": 2, "totalTokens": 12}}' . "\n";
close $fh;
($rc, $out, $err) = cli('', '-d', $db, 'load', '--format', 'bedrock_converse', $fixture);
is($rc, 0, 'load --format exits 0');
is($node->safe_psql('postgres', q{SELECT format FROM chargeback.usage_rejected ORDER BY rejected_id DESC LIMIT 1}),
	'bedrock_converse', '--format reaches the inbox (a Converse response without a model is rejected as one)');
($rc, $out, $err) = cli('', '-d', $db, 'load', '--format', 'nonsense', $fixture);
is($rc, 2, 'an unknown --format is a usage error');
like($err, qr/unknown usage format "nonsense"\nhint: valid formats: openai_chat/, 'and lists the valid formats');

# --- report -------------------------------------------------------------------------------
($rc, $out, $err) = cli('', '-d', $db, 'report', '--period', '2026-10-01');
is($rc, 0, 'report exits 0');
my $sales = $node->safe_psql('postgres', q{SELECT round(sum(cost), 2) FROM chargeback.usage u JOIN chargeback.org_unit o USING (org_unit_id) WHERE o.code = 'sales'});
my $mkt = $node->safe_psql('postgres', q{SELECT round(sum(cost), 2) FROM chargeback.usage u JOIN chargeback.org_unit o USING (org_unit_id) WHERE o.code = 'marketing'});
my $total = $node->safe_psql('postgres', 'SELECT round(sum(cost), 2) FROM chargeback.usage');
like($out, qr/^marketing\s+Marketing\s+2\s+220,000\s+\Q$mkt\E\s+\d+\.\d%\s+\+\Q$mkt\E$/m, 'report: marketing, 2 requests, its cost and change');
like($out, qr/^sales\s+Sales\s+1\s+110,000\s+\Q$sales\E\s/m, 'report: sales, 1 request, its cost');
like($out, qr/^total\s+3\s+330,000\s+\Q$total\E\s+100\.0%/m, 'report: the total row');
like($out, qr/^finance cap\s+\d{4}-\d\d-01\s+\S+\s+10\s+0\.00\s/m, 'report: the budget status table');

# --- statements ---------------------------------------------------------------------------
# Use the extension's statement_html; an older build without it gets a stand-in here.
my $real = $node->safe_psql('postgres', q{SELECT to_regprocedure('chargeback.statement_html(date,text)') IS NOT NULL});
if ($real ne 't') {
	$node->safe_psql('postgres', q{
		CREATE FUNCTION chargeback.statement_html(period date, org_unit text) RETURNS text LANGUAGE sql
		AS $$ SELECT format('<!DOCTYPE html><html><body>%s %s</body></html>', org_unit, period) $$});
}
($rc, $out, $err) = cli('', '-d', $db, 'statements', '--period', '2026-10-01', '--out', "$dir/statements/2026-10");
is($rc, 0, 'statements exits 0');
is($out, join('', map { "$dir/statements/2026-10/$_.html\n" } qw(finance-x marketing sales)),
	'statements: one file per unit with usage or a budget, paths printed');
for my $code (qw(finance-x marketing sales)) {
	my $html = slurp_file("$dir/statements/2026-10/$code.html");
	like($html, qr/<html/i, "statement of $code is HTML");
}

# --- what goes wrong ----------------------------------------------------------------------
($rc, $out, $err) = cli('', '-d', $db, 'load', "$dir/missing.jsonl");
is($rc, 5, 'a missing file: exit 5');
like($err, qr/cannot open \Q$dir\E\/missing\.jsonl: No such file or directory/, 'a missing file is named, with the reason');
my $rejected_before = $node->safe_psql('postgres', 'SELECT count(*) FROM chargeback.usage_rejected');
($rc, $out, $err) = cli('', '-d', $db, 'load', $file, "$dir/missing.jsonl");
is($rc, 5, 'a missing second file: exit 5');
is($node->safe_psql('postgres', 'SELECT count(*) FROM chargeback.usage_rejected'), $rejected_before,
	'files are opened before anything is loaded: the first file (with its two bad lines) was not sent');
SKIP: {
	skip 'root reads files whatever their mode', 2 if $> == 0;
	my $locked = "$dir/locked.jsonl";
	open($fh, '>', $locked) or die;
	close $fh;
	chmod 0000, $locked;
	($rc, $out, $err) = cli('', '-d', $db, 'load', $locked);
	is($rc, 5, 'an unreadable file: exit 5');
	like($err, qr/cannot open \Q$locked\E: Permission denied/, 'an unreadable file is named, with the reason');
}
($rc, $out, $err) = cli('', '-d', $db, 'load', $dir);
is($rc, 5, 'a directory: exit 5');
like($err, qr/cannot load \Q$dir\E: Is a directory/, 'a directory is refused by name');

$node->safe_psql('postgres', 'CREATE DATABASE plain');
($rc, $out, $err) = cli('', '-d', $node->connstr('plain'), 'report', '--period', '2026-10-01');
is($rc, 4, 'a database without the extension: exit 4');
like($err, qr/the pg_chargeback extension is not installed in database "plain"/, 'names the database');
like($err, qr/hint: run CREATE EXTENSION pg_chargeback;/, 'and says how to install it');

my $down = PostgreSQL::Test::Cluster->new('down');
$down->init;    # never started: nothing listens on its port
($rc, $out, $err) = cli('', '-d', $down->connstr('postgres'), 'report', '--period', '2026-10-01');
is($rc, 3, 'a server that is not running: exit 3');
my $port = $down->port;
like($err, qr/cannot reach the PostgreSQL server at (socket "[^"]*\.s\.PGSQL\.$port"|host "[^"]+" port $port)/,
	'names the server it tried');
like($err, qr/hint: check that the server is running/, 'and suggests checking that it runs');

($rc, $out, $err) = cli('', 'report', '--period', '2026-10-15');
is($rc, 2, 'bad arguments: exit 2');
like($err, qr/--period needs the first day of a month, YYYY-MM-01, not "2026-10-15"\nusage: chargeback/, 'with the usage text');
($rc, $out, $err) = cli('', '--help');
is($rc, 0, '--help exits 0');
like($out, qr/^Commands:/m, '--help describes the commands');

# --- the demo, on a small month -----------------------------------------------------------
# The demo creates the extension itself in a new database; here it is created first so that
# an older build can get the statement_html stand-in too.
$node->safe_psql('postgres', 'CREATE DATABASE demo');
$node->safe_psql('demo', 'CREATE EXTENSION pg_chargeback');
if ($real ne 't') {
	$node->safe_psql('demo', q{
		CREATE FUNCTION chargeback.statement_html(period date, org_unit text) RETURNS text LANGUAGE sql
		AS $$ SELECT format('<!DOCTYPE html><html><body>%s %s</body></html>', org_unit, period) $$});
}
($rc, $out, $err) = cli('', '-d', $node->connstr('demo'), 'demo', '--requests', '2000', '--out', "$dir/demo");
is($rc, 0, 'demo exits 0') or diag($err);
like($out, qr/== Done in/, 'demo runs to the end');
# The demo month is the last complete one, whatever today is; the current month holds what
# has passed of it at the same rate.
is($node->safe_psql('demo', q{
	SELECT count(*) FILTER (WHERE period = (chargeback.period_of(now()) - interval '1 month')::date) || ' ' ||
	       count(*) FILTER (WHERE period = (chargeback.period_of(now()) - interval '2 months')::date) || ' ' ||
	       (count(*) FILTER (WHERE period = chargeback.period_of(now())) <= 2000)
	FROM chargeback.usage}), '2000 500 true', 'demo: 2000 requests in the last complete month, 500 the month before, the current month so far');
is($node->safe_psql('demo', 'SELECT count(*) FROM chargeback.usage_rejected'), '7', 'demo: the bad lines are rejected');
is($node->safe_psql('demo', 'SELECT count(DISTINCT principal) FROM chargeback.membership'), '1000', 'demo: 1000 people');
is($node->safe_psql('demo', q{
	SELECT string_agg(model || ':' || (r.total = (SELECT sum(amount) FROM chargeback.invoice i WHERE i.period = r.period)
	                                   AND r.total = (SELECT sum(amount) FROM chargeback.allocation_line l WHERE l.run_id = r.run_id))::text,
	                  ',' ORDER BY run_id)
	FROM chargeback.allocation_run r}), 'central:true,department:true,activity:true',
	'demo: a run in each model, each summing exactly to the invoices');
my @demo_statements = glob("$dir/demo/*.html");
ok(@demo_statements >= 8, 'demo: statements written') or diag($out);
($rc, $out, $err) = cli('', '-d', $node->connstr('demo'), 'demo', '--requests', '10');
is($rc, 1, 'demo refuses a database that already has data');
like($err, qr/already has pg_chargeback data/, 'and says why');

# prices diff / prices import: a LiteLLM file and a CSV price list; diff writes nothing,
# import opens the rows it listed, a second import opens none, a bad list is refused by line.
my $litellm = "$dir/prices.json";
open(my $lf, '>', $litellm) or die $!;
print $lf '{"cli-model": {"litellm_provider": "openai", "input_cost_per_token": 2e-06, "output_cost_per_token": 8e-06},
  "tts-cli": {"litellm_provider": "openai", "input_cost_per_character": 1.5e-05},
  "azure/eu/cli-model": {"litellm_provider": "azure", "input_cost_per_token": 2e-06, "output_cost_per_token": 8e-06}}';
close $lf;
($rc, $out, $err) = cli('', '-d', $db, 'prices', 'diff', '--valid-from', '2026-01-01T00:00:00Z', $litellm);
is($rc, 0, 'prices diff: exit 0') or diag($err);
like($out, qr/open\s+openai\s+cli-model\s+standard\s+0\s+input=2 output=8 USD/, 'prices diff: lists the row it would open');
like($out, qr/entry\s+a regional or deployment variant\s+1/, 'prices diff: says what is not imported, with the reason');
like($out, qr/1 rows would open, 1 new and 0 replacing/, 'prices diff: the counts');
is($node->safe_psql('postgres', q{SELECT count(*) FROM chargeback.price WHERE model = 'cli-model'}), '0', 'prices diff writes nothing');
($rc, $out, $err) = cli('', '-d', $db, 'prices', 'import', '--valid-from', '2026-01-01T00:00:00Z', $litellm);
is($rc, 0, 'prices import: exit 0') or diag($err);
like($out, qr/imported .*: 1 rows opened \(1 new, 0 replacing/, 'prices import: the counts');
is($node->safe_psql('postgres', q{SELECT rates::text FROM chargeback.price WHERE model = 'cli-model'}), 'input=2 output=8 USD',
	'prices import: the row, priced per 1M tokens');
($rc, $out, $err) = cli('', '-d', $db, 'prices', 'import', '--valid-from', '2026-02-01T00:00:00Z', $litellm);
like($out, qr/: 0 rows opened \(0 new, 0 replacing a price, which was closed\), 1 unchanged/, 'prices import again: nothing opened');
my $csv = "$dir/prices.csv";
open(my $cf, '>', $csv) or die $!;
print $cf "provider,model,tier,threshold,rates,valid_from\nopenai,cli-model,standard,0,input=1.5 output=8,2026-03-01\n"
  . "openai,cli-model,batch,,input=0.75,2026-03-01\n";
close $cf;
($rc, $out, $err) = cli('', '-d', $db, 'prices', 'import', $csv);
is($rc, 0, 'prices import of a CSV list: exit 0') or diag($err);
like($out, qr/: 2 rows opened \(1 new, 1 replacing a price, which was closed\)/, 'prices import of a CSV list: the counts');
is($node->safe_psql('postgres', q{SELECT string_agg(service_tier || ' ' || rates::text || ' ' || coalesce(valid_to::text, 'open'), '; '
	ORDER BY service_tier, valid_from) FROM chargeback.price WHERE model = 'cli-model'}),
	'batch input=0.75 USD open; standard input=2 output=8 USD 2026-03-01 00:00:00+00; standard input=1.5 output=8 USD open',
	'prices import of a CSV list: the price in force closed, the new rows open');
open($cf, '>', $csv) or die $!;
print $cf "provider,model,rates\nopenai,cli-model\n";
close $cf;
($rc, $out, $err) = cli('', '-d', $db, 'prices', 'diff', $csv);
is($rc, 5, 'a malformed price list: exit 5');
like($err, qr/price list line 2: 2 fields where the header has 3/, 'and the line and the problem');

$node->stop;
done_testing();
