#!/usr/bin/env bash
# Runs every test of pg_chargeback on a fresh Debian 12 machine, as root:
#   dependencies, build, install (extension and CLI), C++ unit tests (GoogleTest, ctest), bounded fuzzing,
#   pg_regress (sql/ + expected/), isolation specs (test/isolation), TAP (test/t).
# PostgreSQL refuses to run as root, so the database tests run as the postgres user on a
# copy of the tree, each on a throwaway cluster. The unit tests run under ASan+UBSan (the
# clang fuzz build); PLAIN=1 adds a plain gcc build, SANITIZE=0 runs only that. FUZZ_SECONDS
# sets the fuzzing time per target (default 5 here: 16 targets, under 2 minutes);
# SKIP_UNIT=1 or SKIP_FUZZ=1 skip those parts.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
export PATH=${PG_BIN:-/usr/lib/postgresql/15/bin}:$PATH

bash scripts/deps.sh

echo "== released install and upgrade scripts are unchanged (src/sql/released.sha256)"
(cd src/sql/released && sha256sum --quiet -c ../released.sha256)

echo "== build and install the extension and the chargeback CLI"
# with_llvm=no: the tests do not need the JIT bitcode (a second full compile with clang);
# `make && make install` still builds and installs it.
make -s -j2 with_llvm=no >/dev/null
make -s install with_llvm=no >/dev/null
rm -rf "$(pg_config --pkglibdir)/bitcode/pg_chargeback" "$(pg_config --pkglibdir)/bitcode/pg_chargeback.index.bc"  # no stale JIT bitcode
bash scripts/cli.sh    # /usr/local/bin/chargeback, run by test/t/004_cli.pl

if [ "${SKIP_UNIT:-0}" != 1 ]; then
    echo "== C++ unit tests (under ASan+UBSan; PLAIN=1 adds a plain build) and fuzzing"
    FUZZ_SECONDS=${FUZZ_SECONDS:-5} SKIP_FUZZ=${SKIP_FUZZ:-0} SANITIZE=${SANITIZE:-1} PLAIN=${PLAIN:-0} bash scripts/unit.sh
fi

echo "== pg_regress, isolation and TAP tests (as postgres, throwaway clusters)"
work=$(mktemp -d /tmp/pg_chargeback_test.XXXXXX)
trap 'rm -rf "$work"' EXIT
rsync -a --exclude build --exclude .git --exclude node_modules "$root"/ "$work"/src_copy/
chown -R postgres "$work"
status=0
runuser -u postgres -- make -C "$work/src_copy" installcheck \
    EXTRA_REGRESS_OPTS="--temp-instance=$work/tmp_instance --temp-config=$work/src_copy/test/pg_regress.conf" \
    || status=$?
if [ $status -ne 0 ]; then
    for f in "$work"/src_copy/regression.diffs "$work"/src_copy/test/isolation/results/regression.diffs; do
        [ -f "$f" ] && { echo "---- $f"; head -c 20000 "$f"; }
    done
    find "$work/src_copy/tmp_check" -name '*.log' -newer "$work/src_copy/Makefile" 2>/dev/null | head -5 | while read -r log; do
        echo "---- $log"; tail -n 40 "$log"
    done
    echo "FAILED: database tests"
    exit $status
fi
# No expectation may depend on the day the tests run: the pg_regress files, the isolation
# specs and the TAP tests that book usage by the current month run again with the clock
# pinned (libfaketime reaches the server too) at two calendar edges, a year end crossed
# during the run and a leap day, against the same expected output.
for at in ${FAKETIME_DATES:-"2027-12-31 23:58:30" "2028-02-29 23:59:00"}; do
    echo "== database tests again with the clock at $at (faketime)"
    status=0
    runuser -u postgres -- env LD_PRELOAD=/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1 \
        FAKETIME="@$at" FAKETIME_DONT_FAKE_MONOTONIC=1 \
        make -C "$work/src_copy" installcheck PROVE_TESTS="test/t/001_lifecycle.pl test/t/005_dump_restore.pl" \
        EXTRA_REGRESS_OPTS="--temp-instance=$work/tmp_instance --temp-config=$work/src_copy/test/pg_regress.conf" \
        || status=$?
    if [ $status -ne 0 ]; then
        for f in "$work"/src_copy/regression.diffs "$work"/src_copy/test/isolation/results/regression.diffs; do
            [ -f "$f" ] && { echo "---- $f"; head -c 20000 "$f"; }
        done
        echo "FAILED: database tests with the clock at $at"
        exit $status
    fi
done
echo "== all tests passed"
