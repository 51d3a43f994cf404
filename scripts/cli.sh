#!/usr/bin/env bash
# Builds the chargeback command-line tool (src/cli, CMake target `chargeback`) and installs it
# as $PREFIX/bin/chargeback (PREFIX defaults to /usr/local), where the TAP tests and the demo
# run it. Needs cmake, g++, libpq-dev, pkg-config and nlohmann-json3-dev (scripts/deps.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build/cli -DCMAKE_BUILD_TYPE=Release -DCB_UNIT_TESTS=OFF -DCB_CLI=ON >/dev/null
cmake --build build/cli -j "${JOBS:-2}" --target chargeback >/dev/null
if [ ! -x build/cli/chargeback ]; then
    echo "the chargeback CLI was not built: libpq was not found (install libpq-dev and pkg-config)" >&2
    exit 1
fi
cmake --install build/cli --prefix "${PREFIX:-/usr/local}" >/dev/null
