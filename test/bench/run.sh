#!/usr/bin/env bash
# Runs the benchmarks on a throwaway cluster (as the postgres user) and prints one line a
# figure: ratios against a baseline measured in the same session. Usage (as root):
#   bash test/bench/run.sh            # every test/bench/*.sql
#   bash test/bench/run.sh cost       # just test/bench/cost.sql
#   bash test/bench/forecast.sh       # the forecast backtest alone (no database; run.sh runs it too)
#   bash test/bench/anomaly.sh        # the anomaly backtest alone (no database; run.sh runs it too)
# BENCH_ROWS scales the data (cost: 1000000 values; ingest: 100000 envelopes).
set -euo pipefail
cd "$(dirname "$0")/../.."
export PATH=${PG_BIN:-/usr/lib/postgresql/15/bin}:$PATH
bash scripts/deps.sh
# with_llvm=no: the bench runs with jit = off, so the JIT bitcode (a second full compile) is not needed.
make -s -j2 with_llvm=no >/dev/null && make -s install with_llvm=no >/dev/null
rm -rf "$(pg_config --pkglibdir)/bitcode/pg_chargeback" "$(pg_config --pkglibdir)/bitcode/pg_chargeback.index.bc"
dir=$(mktemp -d /tmp/pg_chargeback_bench.XXXXXX)
chown postgres "$dir"
cleanup() { runuser -u postgres -- pg_ctl -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true; rm -rf "$dir"; }
trap cleanup EXIT
runuser -u postgres -- initdb -D "$dir/data" -A trust --no-locale >/dev/null
cat >> "$dir/data/postgresql.conf" <<CONF
shared_buffers = 1GB
work_mem = 256MB
max_parallel_workers_per_gather = 0
max_connections = 50
jit = off
fsync = off
synchronous_commit = off
unix_socket_directories = '$dir'
listen_addresses = ''
port = ${BENCH_PORT:-5488}
CONF
runuser -u postgres -- pg_ctl -D "$dir/data" -l "$dir/log" -w start >/dev/null
psql="psql -X -q -h $dir -p ${BENCH_PORT:-5488} -U postgres -d postgres -v ON_ERROR_STOP=1"
$psql -c "CREATE EXTENSION pg_chargeback" >/dev/null
export PSQL="$psql" BENCH_DIR="$dir" PGBENCH_CONN="-h $dir -p ${BENCH_PORT:-5488} -U postgres postgres"
for f in test/bench/${1:-*}.sql test/bench/${1:-*}.sh; do
    [ -f "$f" ] || continue
    [ "$(basename "$f")" = run.sh ] && continue
    echo "== $(basename "$f")"
    case "$f" in
        *.sql) $psql -v rows="${BENCH_ROWS:-1000000}" -f "$f" 2>&1 | sed -n -e 's/^.*NOTICE:  //p' -e '/ERROR/,$p' ;;
        *.sh) bash "$f" 2>&1 | sed -e 's/^.*NOTICE:  //' ;;
    esac
done
