#!/usr/bin/env bash
# Runs some of the database tests the way scripts/test.sh runs all of them: builds and
# installs the extension and the CLI, copies the tree for the postgres user and runs
# `make installcheck` on a throwaway cluster. Arguments are make variables, for example
#   bash scripts/regress.sh REGRESS=showback ISOLATION= PROVE_TESTS=
#   bash scripts/regress.sh REGRESS= ISOLATION=close_race PROVE_TESTS=
#   bash scripts/regress.sh REGRESS= ISOLATION= PROVE_TESTS=test/t/002_pg_cron.pl
# With no arguments it runs them all. The copy stays in $REGRESS_DIR (default
# /tmp/pg_chargeback_regress) to read regression.diffs and results/.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH=${PG_BIN:-/usr/lib/postgresql/15/bin}:$PATH
# with_llvm=no: the tests do not need the JIT bitcode (a second full compile with clang);
# `make && make install` still builds and installs it.
make -s -j2 with_llvm=no >/dev/null
make -s install with_llvm=no >/dev/null
rm -rf "$(pg_config --pkglibdir)/bitcode/pg_chargeback" "$(pg_config --pkglibdir)/bitcode/pg_chargeback.index.bc"  # no stale JIT bitcode
# test/t/004_cli.pl and 009_serve.pl run the installed chargeback CLI: build it unless PROVE_TESTS leaves them out.
need_cli=1
no_tap=()
for arg in "$@"; do
    case "$arg" in PROVE_TESTS=*004_cli*|PROVE_TESTS=*009_serve*) ;; PROVE_TESTS=*) need_cli=0 ;; esac
    # an empty PROVE_TESTS means no TAP test (PGXS would fall back to t/*.pl)
    if [ "$arg" = PROVE_TESTS= ]; then no_tap=(TAP_TESTS=); fi
done
if [ "$need_cli" = 1 ]; then bash scripts/cli.sh; fi
work=${REGRESS_DIR:-/tmp/pg_chargeback_regress}
rm -rf "$work" && mkdir -p "$work"
rsync -a --exclude build --exclude .git --exclude node_modules ./ "$work"/src_copy/
chown -R postgres "$work"
runuser -u postgres -- make -C "$work/src_copy" installcheck "$@" "${no_tap[@]}" \
    EXTRA_REGRESS_OPTS="--temp-instance=$work/tmp_instance --temp-config=$work/src_copy/test/pg_regress.conf"
