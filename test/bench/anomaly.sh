#!/usr/bin/env bash
# The anomaly backtest (test/bench/anomaly_backtest.cpp): the core alone, no database.
# Run by test/bench/run.sh with the other benches, or directly: bash test/bench/anomaly.sh [series]
set -euo pipefail
cd "$(dirname "$0")/../.."
cmake -S . -B build/bench -DCB_CLI=OFF -DCB_UNIT_TESTS=OFF -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build/bench --target anomaly_backtest -j2 >/dev/null
build/bench/anomaly_backtest "${1:-600}"
