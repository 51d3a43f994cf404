#!/usr/bin/perl
# Builds an upgrade script from its source in src/sql/upgrades/*.sql.in: every line
#   #add chargeback.NAME[(argtypes)]       becomes the object's CREATE statement (a function,
#                                          aggregate, view or table) as the feature files
#                                          (src/sql/<feature>.sql) define it now
#   #replace chargeback.NAME[(argtypes)]   the same, as CREATE OR REPLACE
#   #comment chargeback.NAME[(argtypes)]   only its COMMENT ON statements
# each followed by the COMMENT ON statements that come right after it there. Every other line is
# copied as it is. So an upgrade says in its own words what it adds, replaces, alters and
# drops, and the body of each object still has exactly one home (as Citus's upgrade scripts
# include udfs/<fn>/latest.sql). The argument types pick one overload; without them the name
# must be unique. Unknown or ambiguous names fail the build.
#
#   perl scripts/sql_expand.pl UPGRADE.sql.in FEATURE.sql... > UPGRADE.sql
use strict;
use warnings;

my ($source, @features) = @ARGV;
die "usage: sql_expand.pl UPGRADE.sql.in FEATURE.sql...\n" unless defined $source && @features;

# Argument types of a CREATE header's parameter list: names, modes and defaults dropped.
sub arg_types {
    my ($list) = @_;
    my @args;
    my ($depth, $cur) = (0, '');
    for my $ch (split //, $list) {
        if ($ch eq '(') { $depth++ } elsif ($ch eq ')') { $depth-- }
        if ($ch eq ',' && $depth == 0) { push @args, $cur; $cur = ''; next }
        $cur .= $ch;
    }
    push @args, $cur if $cur =~ /\S/;
    my @types;
    for my $a (@args) {
        $a =~ s/\s+(default\s.*|=.*)$//is;
        $a =~ s/^\s*(IN|OUT|INOUT|VARIADIC)\s+//i;
        $a =~ s/^\s+|\s+$//g;
        my @w = split /\s+/, $a;
        shift @w if @w >= 2;    # the parameter's name (no multi-word types are used)
        push @types, lc join(' ', @w);
    }
    return join(', ', @types);
}

# name => [ { sig, text } ... ] for every function, aggregate and view in the feature files.
my %objects;
for my $file (@features) {
    open my $fh, '<', $file or die "$file: $!\n";
    my @lines = <$fh>;
    close $fh;
    for (my $i = 0; $i < @lines; $i++) {
        next unless $lines[$i] =~ /^CREATE (?:OR REPLACE )?(FUNCTION|AGGREGATE|VIEW|TABLE) (chargeback\.\w+)/;
        my ($kind, $name) = ($1, $2);
        my $start = $i;
        my $text = '';
        my $tag;
        for (; $i < @lines; $i++) {
            my $line = $lines[$i];
            $text .= $line;
            if (!defined $tag && $line =~ /\bAS (\$\w*\$)(.*)$/s) {
                $tag = $1;
                my $rest = $2;
                if ($rest =~ /\Q$tag\E/) { $tag = ''; last if $line =~ /;\s*$/; next }
                next;
            }
            if (defined $tag && $tag ne '') {
                if ($line =~ /\Q$tag\E/) { $tag = ''; last if $line =~ /;\s*$/ }
                next;
            }
            last if $line =~ /;\s*(--.*)?$/;
        }
        die "$file:", $start + 1, ": $name has no end\n" if $i >= @lines;
        # The COMMENT ON statements right after it.
        my $comments = '';
        while ($i + 1 < @lines && $lines[$i + 1] =~ /^COMMENT ON \w+ \Q$name\E\b/) {
            $i++;
            $comments .= $lines[$i];
            while ($lines[$i] !~ /;\s*$/ && $i + 1 < @lines) { $i++; $comments .= $lines[$i]; }
        }
        my $sig = '';
        if ($kind ne 'VIEW' && $kind ne 'TABLE' && $text =~ /\Q$name\E\s*\(/g) {
            my $pos = pos($text);
            my $depth = 1;
            my $j = $pos;
            for (; $j < length($text) && $depth > 0; $j++) {
                my $c = substr($text, $j, 1);
                $depth++ if $c eq '(';
                $depth-- if $c eq ')';
            }
            $sig = arg_types(substr($text, $pos, $j - $pos - 1));
        }
        push @{ $objects{$name} }, { sig => $sig, text => $text . $comments, comments => $comments, where => "$file:" . ($start + 1) };
    }
}

open my $in, '<', $source or die "$source: $!\n";
my $n = 0;
while (my $line = <$in>) {
    $n++;
    if ($line =~ /^#(add|replace|comment) (chargeback\.\w+)(?:\((.*)\))?\s*$/) {
        my ($how, $name, $sig) = ($1, $2, $3);
        my @found = @{ $objects{$name} // [] };
        @found = grep { $_->{sig} eq arg_types($sig) } @found if defined $sig;
        die "$source:$n: no definition of $name" . (defined $sig ? "($sig)" : '') . " in the feature files\n" unless @found;
        die "$source:$n: $name has " . scalar(@found) . " definitions: give the argument types\n" if @found > 1;
        die "$source:$n: $name has no COMMENT ON after it\n" if $how eq 'comment' && $found[0]{comments} eq '';
        my $text = $how eq 'comment' ? $found[0]{comments} : $found[0]{text};
        die "$source:$n: a table cannot be replaced: ALTER it\n" if $how eq 'replace' && $text =~ /^CREATE (?:OR REPLACE )?TABLE/;
        $text =~ s/^CREATE (?:OR REPLACE )?/CREATE OR REPLACE / if $how eq 'replace';
        $text =~ s/^CREATE OR REPLACE /CREATE / if $how eq 'add';
        print $text;
        next;
    }
    die "$source:$n: unknown directive: $line" if $line =~ /^#/;
    print $line;
}
