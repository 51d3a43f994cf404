#!/usr/bin/env bash
# Builds and runs the C++ core's unit tests (GoogleTest, via CMake/ctest) and, when clang++ is
# available, builds the libFuzzer targets and runs each one for FUZZ_SECONDS seconds.
#
#   scripts/unit.sh                    unit tests + fuzzing (20 s per target)
#   FUZZ_SECONDS=60 scripts/unit.sh    longer fuzzing; FUZZ_SECONDS=0 skips fuzzing
#   SANITIZE=1 scripts/unit.sh         also runs the unit tests under ASan+UBSan
#   JOBS=1 scripts/unit.sh             build parallelism (default 2)
#
# Needs (Debian 12): cmake g++ libgtest-dev nlohmann-json3-dev, and for fuzzing
# clang libclang-rt-14-dev. Installs nothing. Exits non-zero on any failure.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

FUZZ_SECONDS="${FUZZ_SECONDS:-20}"
SANITIZE="${SANITIZE:-0}"
JOBS="${JOBS:-2}"

log() { printf '\n=== %s\n' "$*"; }

TMPDIRS=()
cleanup() {
    local d
    for d in "${TMPDIRS[@]+"${TMPDIRS[@]}"}"; do rm -rf -- "$d"; done
}
trap cleanup EXIT

# Fails (non-zero) when a sanitizer reports anything, including leaks.
export ASAN_OPTIONS="${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1:strict_string_checks=1:detect_stack_use_after_return=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"

# --- unit tests (and the optional sanitizer pass) ----------------------------------------
# build_and_test <dir> <build type> <sanitize ON|OFF> <label>
build_and_test() {
    log "$4: configure + build ($1, $2)"
    cmake -S . -B "$1" -DCMAKE_BUILD_TYPE="$2" -DCB_UNIT_TESTS=ON -DCB_SANITIZE="$3" -DCB_FUZZ=OFF
    cmake --build "$1" -j "$JOBS"
    log "$4: ctest"
    ctest --test-dir "$1" --output-on-failure
}
build_and_test build/unit Release OFF "unit tests"
if [[ "$SANITIZE" == "1" ]]; then
    build_and_test build/asan RelWithDebInfo ON "unit tests under ASan+UBSan"
fi

# --- fuzzing ------------------------------------------------------------------------------
if [[ "$FUZZ_SECONDS" == "0" ]]; then
    log "fuzzing skipped (FUZZ_SECONDS=0)"
    exit 0
fi
if ! command -v clang++ >/dev/null 2>&1 || ! command -v clang >/dev/null 2>&1; then
    log "fuzzing skipped: clang/clang++ not found"
    exit 0
fi

log "fuzz targets: configure + build (build/fuzz, clang, libFuzzer)"
CC=clang CXX=clang++ cmake -S . -B build/fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCB_FUZZ=ON -DCB_UNIT_TESTS=OFF -DCB_SANITIZE=OFF
cmake --build build/fuzz -j "$JOBS" --target fuzz_targets

ARTIFACTS="$ROOT/build/fuzz/artifacts"
mkdir -p "$ARTIFACTS"
failed=()
shopt -s nullglob
for src in test/fuzz/fuzz_*.cpp; do
    name="$(basename "$src" .cpp)"
    bin="build/fuzz/$name"
    [[ -x "$bin" ]] || { echo "missing fuzz binary $bin" >&2; failed+=("$name"); continue; }
    # Fuzz on a copy of the seed corpus: new inputs must not land in the source tree.
    corpus="$(mktemp -d "${TMPDIR:-/tmp}/cb-fuzz-$name.XXXXXX")"
    TMPDIRS+=("$corpus")
    if [[ -d "test/fuzz/corpus/$name" ]]; then
        cp -R "test/fuzz/corpus/$name/." "$corpus/"
    fi
    log "fuzzing $name for ${FUZZ_SECONDS}s ($(find "$corpus" -type f | wc -l) seeds)"
    if "$bin" "$corpus" -max_total_time="$FUZZ_SECONDS" -max_len=4096 -timeout=10 \
        -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$ARTIFACTS/$name-" \
        2>"build/fuzz/$name.log"; then
        grep -E '^(#[0-9]+.*DONE|stat::number_of_executed_units|Done [0-9]+ runs)' \
            "build/fuzz/$name.log" || true
        echo "$name: OK ($(find "$corpus" -type f | wc -l) corpus files after fuzzing)"
    else
        echo "$name: FAILED; last lines of build/fuzz/$name.log:" >&2
        tail -n 60 "build/fuzz/$name.log" >&2
        ls -1 "$ARTIFACTS" | grep "^$name-" >&2 || true
        failed+=("$name")
    fi
done

if ((${#failed[@]})); then
    log "FAILED fuzz targets: ${failed[*]}"
    exit 1
fi
log "all unit tests and fuzz targets passed"
