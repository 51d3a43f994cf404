#!/usr/bin/env bash
# The parse benchmark (test/bench/parse_bench.cpp): parsing alone, the core without a
# database, tree parser vs fast path on the ingest benchmark's gateway envelopes.
# Run by test/bench/run.sh with the other benches, or directly: bash test/bench/parse.sh [lines [file]]
set -euo pipefail
cd "$(dirname "$0")/../.."
cmake -S . -B build/bench -DCB_CLI=OFF -DCB_UNIT_TESTS=OFF -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build/bench --target parse_bench -j2 >/dev/null
build/bench/parse_bench "${1:-${BENCH_ROWS:-100000}}" ${2:+"$2"}
