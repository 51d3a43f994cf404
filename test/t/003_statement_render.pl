# The statement in a real browser: seed a month, write chargeback.statement_html() to a file,
# take a screenshot with headless Chromium and check, by counting pixels of each chart's
# colour in the PNG (test/t/png_colors.py), that every chart was actually drawn.
use strict;
use warnings;
use File::Basename qw(dirname);
use File::Spec;
use IPC::Run;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my ($chromium) = grep { -x } map { my $d = $_; map { "$d/$_" } qw(chromium chromium-browser) } split /:/, $ENV{PATH};
plan skip_all => 'chromium is not installed (scripts/deps.sh installs the Debian package chromium)'
  unless $chromium;

my $node = PostgreSQL::Test::Cluster->new('statement');
$node->init;
# The statement's month is 2090: usage that far ahead must be allowed.
$node->append_conf('postgresql.conf', "chargeback.max_future_skew = '24855d'\n");
$node->start;
$node->safe_psql('postgres', 'CREATE EXTENSION pg_chargeback');

# March 2090 (a month the clock has not reached, so the figures and the forecast do not depend
# on today): usage on the 1st to the 10th, growing with some noise (so the forecast has a
# band), four projects on two models, Web under Engineering.
$node->safe_psql('postgres', q{
	SET search_path = chargeback, public;
	SELECT set_price('rendco', 'rs', 'input=1 output=4', '2090-01-01');
	SELECT set_price('rendco', 'rl', 'input=3 output=12', '2090-01-01');
	INSERT INTO org_unit (code, name) VALUES ('rn-eng', 'Engineering'), ('rn-sales', 'Sales');
	INSERT INTO org_unit (code, name, parent_id) SELECT 'rn-web', 'Web', org_unit_id FROM org_unit WHERE code = 'rn-eng';
	INSERT INTO budget (name, scope, scope_value, period, amount) VALUES ('rn-eng-monthly', 'org_unit', 'rn-eng', 'month', 5000);
	SELECT count(ingest(jsonb_build_object('provider', 'rendco', 'model', m, 'request_id', format('rn-%s-%s-%s', d, p, u),
	        'occurred_at', format('2090-03-%s 10:00:00+00', lpad(d::text, 2, '0')),
	        'tokens', jsonb_build_object('input', (d + k + 2 * (d % 3)) * 1000000),
	        'attrs', jsonb_build_object('department', u, 'project', p, 'activity_type', 'pull_request'))))
	FROM generate_series(1, 10) d,
	     (VALUES ('rn-eng', 'checkout', 'rs', 2), ('rn-eng', 'search', 'rl', 1), ('rn-web', 'storefront', 'rs', 0),
	             ('rn-web', 'admin', 'rl', 0), ('rn-sales', 'crm', 'rs', 5)) v(u, p, m, k);
	INSERT INTO activity_outcome (period, org_unit_id, activity_type, units)
	SELECT '2090-03-01', org_unit_id, 'pull_request', 40 FROM org_unit WHERE code = 'rn-eng';
	INSERT INTO fixed_charge (period, provider, description, amount) VALUES ('2090-03-01', 'rendco', 'seats', 120.00);
	SELECT run_allocation('2090-03-01');
});

# Kept in tmp_check/statement after the run, to look at.
my $dir = "$PostgreSQL::Test::Utils::tmp_check/statement";
mkdir $dir or die "cannot create $dir: $!";
my $html_file = File::Spec->catfile($dir, 'statement.html');
my $png = File::Spec->catfile($dir, 'statement.png');
my $html = $node->safe_psql('postgres', q{SELECT chargeback.statement_html('2090-03-01', 'rn-eng')});
open(my $fh, '>', $html_file) or die "cannot write $html_file: $!";
print $fh $html;
close $fh;
like($html, qr/This statement covers Engineering \(rn-eng\) and its 1 sub-unit: Web \(rn-web\)\./, 'the page says it covers the child');
is(scalar(() = $html =~ /<svg/g), 6, 'six charts');

# Chromium needs a writable HOME and profile (the tests run as the postgres user).
local $ENV{HOME} = $dir;
my ($out, $err) = ('', '');
my $ok = IPC::Run::run(
	[ $chromium, '--headless', '--no-sandbox', '--disable-gpu', '--hide-scrollbars',
	  '--force-color-profile=srgb', "--user-data-dir=$dir/profile", "--screenshot=$png",
	  '--window-size=1200,2400', "file://$html_file" ],
	'>', \$out, '2>', \$err, IPC::Run::timeout(180));
ok(-s $png, 'chromium wrote a screenshot') or diag("chromium failed: $err");

# Each chart's colour (src/core/statement_html.cpp) must cover a good many pixels: bars and
# areas thousands, the 3-pixel lines at least a few hundred.
my %min = (
	'1f77b4' => [ 2000, 'project bars' ],
	'ff7f0e' => [ 2000, 'model bars' ],
	'17becf' => [ 1000, 'spend-per-day bars' ],
	'2ca02c' => [ 300,  'cumulative spend line' ],
	'9467bd' => [ 200,  'forecast line' ],
	'e3d7f0' => [ 1000, 'forecast band' ],
	'3a9d5d' => [ 1000, 'budget bar (state ok)' ],
	'4e79a7' => [ 1000, 'allocation: direct' ],
	'76b7b2' => [ 1000, 'allocation: fixed' ],
);
my $script = File::Spec->catfile(dirname(__FILE__), 'png_colors.py');
my ($counts, $perr) = ('', '');
IPC::Run::run([ 'python3', $script, $png, sort keys %min ], '>', \$counts, '2>', \$perr, IPC::Run::timeout(300))
  or diag("png_colors.py failed: $perr");
note($counts);
my %got = $counts =~ /^([0-9a-f]{6}) (\d+)$/mg;
for my $colour (sort keys %min) {
	my ($need, $what) = @{ $min{$colour} };
	cmp_ok($got{$colour} // 0, '>=', $need, "$what drawn (#$colour)");
}

# Printing (or saving as PDF from a browser): the print stylesheet is there, and Chromium's
# own PDF of the page has every section, on a few A4 pages, not one long sheet.
like($html, qr/\@media print\{\@page\{size:A4/, 'the page has a print stylesheet (A4)');
my $pdf = "$dir/statement.pdf";
($out, $err) = ('', '');
IPC::Run::run(
	[ $chromium, '--headless', '--no-sandbox', '--disable-gpu', "--user-data-dir=$dir/profile",
	  '--no-pdf-header-footer', "--print-to-pdf=$pdf", "file://$html_file" ],
	'>', \$out, '2>', \$err, IPC::Run::timeout(180));
ok(-s $pdf, 'chromium printed the statement to PDF') or diag("chromium failed: $err");
open(my $pf, '<:raw', $pdf) or die "$pdf: $!";
my $pdf_bytes = do { local $/; <$pf> };
close $pf;
like(substr($pdf_bytes, 0, 5), qr/^%PDF-/, 'it is a PDF');
my $pages = () = $pdf_bytes =~ m{/Type\s*/Page[^s]}g;
cmp_ok($pages, '>=', 2, "the statement prints on several pages ($pages)");
cmp_ok($pages, '<=', 8, 'and not on a page per row');
# An A4 page is about 595 x 842 points (Chromium's Letter default would be 612 x 792).
like($pdf_bytes, qr{/MediaBox\s*\[\s*0\s+0\s+59[45](?:\.\d+)?\s+84[12](?:\.\d+)?\s*\]}, 'on A4 pages');

$node->stop;
done_testing();
