#!/usr/bin/env bash
# Builds and runs the C++ core's unit tests (GoogleTest, via CMake/ctest) and, when clang++ is
# available, builds the libFuzzer targets and runs each one for FUZZ_SECONDS seconds
# (scripts/fuzz.sh; 18 targets at 10 s is about 3 minutes).
#
#   scripts/unit.sh                    unit tests + fuzzing (10 s per target)
#   FUZZ_SECONDS=60 scripts/unit.sh    longer fuzzing; FUZZ_SECONDS=0 or SKIP_FUZZ=1 skips it
#   SANITIZE=1 scripts/unit.sh         also runs the unit tests under ASan+UBSan: linked against
#                                      the fuzz build's sanitized core (build/fuzz) when clang is
#                                      there and fuzzing is on, else a gcc build (build/asan)
#   PLAIN=0 SANITIZE=1 scripts/unit.sh only the sanitized run (when clang is there)
#   JOBS=1 scripts/unit.sh             build parallelism (default 2)
#
# Needs (Debian 12): cmake g++ libgtest-dev nlohmann-json3-dev libsimdjson-dev, and for fuzzing
# clang libclang-rt-14-dev. Installs nothing. Exits non-zero on any failure.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

FUZZ_SECONDS="${FUZZ_SECONDS:-10}"
SANITIZE="${SANITIZE:-0}"
JOBS="${JOBS:-2}"

log() { printf '\n=== %s\n' "$*"; }

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
have_clang() { command -v clang++ >/dev/null 2>&1 && command -v clang >/dev/null 2>&1; }

# PLAIN=0 skips the plain build when the sanitized one below runs the same tests (the fuzz
# build's, with clang): scripts/test.sh does, to keep CI short.
sanitized_by_fuzz_build() {
    [[ "$SANITIZE" == "1" ]] && have_clang && [[ "$FUZZ_SECONDS" != "0" && "${SKIP_FUZZ:-0}" != "1" ]]
}
if [[ "${PLAIN:-1}" == "1" ]] || ! sanitized_by_fuzz_build; then
    build_and_test build/unit Release OFF "unit tests"
fi
if [[ "$SANITIZE" == "1" ]]; then
    if have_clang && [[ "$FUZZ_SECONDS" != "0" && "${SKIP_FUZZ:-0}" != "1" ]]; then
        # The fuzz build's core already carries ASan+UBSan: the unit tests link against it, so
        # one sanitized build of the core serves both (CMakeLists.txt, CB_FUZZ with unit tests).
        log "unit tests under ASan+UBSan: configure + build (build/fuzz, clang)"
        CC=clang CXX=clang++ cmake -S . -B build/fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo \
            -DCB_FUZZ=ON -DCB_UNIT_TESTS=ON -DCB_SANITIZE=OFF >/dev/null
        cmake --build build/fuzz -j "$JOBS" --target unit_tests
        log "unit tests under ASan+UBSan: ctest"
        ctest --test-dir build/fuzz --output-on-failure
    else
        build_and_test build/asan RelWithDebInfo ON "unit tests under ASan+UBSan"
    fi
fi

# --- fuzzing ------------------------------------------------------------------------------
# Every libFuzzer target (scripts/fuzz.sh, on a throwaway corpus) for FUZZ_SECONDS each.
if [[ "$FUZZ_SECONDS" == "0" || "${SKIP_FUZZ:-0}" == "1" ]]; then
    log "fuzzing skipped (FUZZ_SECONDS=0 or SKIP_FUZZ=1)"
    exit 0
fi
if ! have_clang; then
    log "fuzzing skipped: clang/clang++ not found"
    exit 0
fi
FUZZ_CORPUS=tmp JOBS="$JOBS" bash scripts/fuzz.sh "$FUZZ_SECONDS"
log "all unit tests and fuzz targets passed"
