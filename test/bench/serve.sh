#!/usr/bin/env bash
# chargeback serve under load (docs/serve.md#throughput), run by test/bench/run.sh on its
# throwaway cluster (PSQL, BENCH_DIR, BENCH_PORT): 16 clients on 127.0.0.1 post OTLP protobuf
# exports of SERVE_SPANS (200) GenAI spans for SERVE_SECONDS (20), every 50th export twice,
# as a client that lost the answer would (test/bench/serve_load.cpp); then every acknowledged
# span must be exactly one usage row. Last, the COPY floor: the same kind of exports as OTLP/JSON
# lines through `chargeback load --format otlp`, the database alone, for comparison.
set -euo pipefail
cd "$(dirname "$0")/../.."
cmake -S . -B build/cli -DCMAKE_BUILD_TYPE=Release -DCB_UNIT_TESTS=OFF -DCB_CLI=ON >/dev/null
cmake --build build/cli -j "${JOBS:-2}" --target chargeback serve_load >/dev/null
conn="host=$BENCH_DIR port=${BENCH_PORT:-5488} user=postgres dbname=postgres"
port=${SERVE_PORT:-14319}
clients=${SERVE_CLIENTS:-16}
seconds=${SERVE_SECONDS:-20}
spans=${SERVE_SPANS:-200}
run=$(( $(date +%s) % 100000000 ))
build/cli/chargeback -d "$conn" serve --listen "127.0.0.1:$port" ${SERVE_WORKERS:+--workers $SERVE_WORKERS} \
    2>"$BENCH_DIR/serve.log" &
pid=$!
trap 'kill "$pid" 2>/dev/null || true' EXIT
for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done

out=$(build/cli/serve_load "$port" "$run" "$clients" "$seconds" "$spans" 50)
echo "$out"
acked=$(sed -n 's/.* \([0-9]*\) spans acknowledged.*/\1/p' <<<"$out")
rate=$(sed -n 's/.* \([0-9]*\) spans\/s$/\1/p' <<<"$out")
prefix=$(printf '%016x' "$run")
read -r rows distinct < <($PSQL -At -F ' ' -c "SELECT count(*), count(DISTINCT request_id) FROM chargeback.usage WHERE request_id LIKE '$prefix%'")
# CPU seconds of the server (utime + stime in clock ticks) and of the whole machine in the run.
read -r -a stat < "/proc/$pid/stat"
serve_cpu=$(( (stat[13] + stat[14]) * 10 / $(getconf CLK_TCK) ))
kill -TERM "$pid"; wait "$pid" || true
trap - EXIT
verdict="every acknowledged span is one row"
if [ "$rows" != "$acked" ] || [ "$rows" != "$distinct" ]; then verdict="MISMATCH: $acked acknowledged, $rows rows, $distinct distinct"; fi
echo "serve: $rate spans/s from $clients clients ($spans spans/export, protobuf), $verdict ($rows); server CPU $(( serve_cpu / 10 )).$(( serve_cpu % 10 )) s in ${seconds} s"

# The COPY floor: as many exports as the server took in 5 s, loaded straight into the inbox by
# as many connections as the server's flushers (2 unless SERVE_WORKERS), the database alone.
workers=${SERVE_WORKERS:-2}
floor_exports=$(( rate * 5 / spans / workers + 1 ))
for w in $(seq "$workers"); do
    build/cli/serve_load --jsonl $(( run + w )) "$floor_exports" "$spans" > "$BENCH_DIR/floor$w.jsonl"
done
start=$(date +%s%N)
for w in $(seq "$workers"); do
    build/cli/chargeback -d "$conn" load --quiet --format otlp "$BENCH_DIR/floor$w.jsonl" >/dev/null &
done
wait
ns=$(( $(date +%s%N) - start ))
floor_rate=$(( floor_exports * workers * spans * 1000000000 / ns ))
echo "COPY floor (chargeback load --format otlp on $workers connections, same exports): $floor_rate spans/s; serve reaches $(( rate * 100 / floor_rate ))% of it"
[ "$verdict" = "every acknowledged span is one row" ]
