#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, ASan+UBSan, build/fuzz) and runs each for SECONDS seconds,
# one after the other, with one worker each.
#
#   scripts/fuzz.sh                      every target for 600 s (a long run)
#   scripts/fuzz.sh 3600 gemini otlp     fuzz_parse_gemini and fuzz_parse_otlp for an hour each
#   scripts/fuzz.sh 60 fuzz_token_rates_in
#   scripts/fuzz.sh --list               the targets
#
# TARGET is a name from build/fuzz/fuzz_targets.txt, with or without its fuzz_ / fuzz_parse_
# prefix. Seeds are read in place (never copied, never written): test/fuzz/corpus/<target>/,
# and for the parser targets test/fixtures/<format>/ (all of test/fixtures/*/ for
# fuzz_parse_auto) plus the shared hostile seeds in test/fuzz/corpus/fuzz_parse/.
# New inputs go to build/fuzz/corpus/<target>/, kept between runs so that long runs build on
# each other (FUZZ_CORPUS=tmp uses a throwaway directory instead: the test command does).
# A crash, a leak, a timeout or a broken invariant leaves its input in build/fuzz/artifacts/
# (printed at the start and with each failure); reproduce with build/fuzz/<target> <file>.
# Logs: build/fuzz/logs/<target>.log. Exits non-zero when a target fails.
#
# Environment: JOBS (build parallelism, default 2), FUZZ_CORPUS=keep|tmp (default keep).
# Needs clang and libclang-rt-14-dev (Debian 12).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

JOBS="${JOBS:-2}"
FUZZ_CORPUS="${FUZZ_CORPUS:-keep}"
BUILD=build/fuzz
LIST_ONLY=0
SECONDS_PER_TARGET=600
if [[ "${1:-}" == "--list" ]]; then
    LIST_ONLY=1
    shift
elif [[ "${1:-}" =~ ^[0-9]+$ ]]; then
    SECONDS_PER_TARGET="$1"
    shift
fi

log() { printf '\n=== %s\n' "$*"; }

if ! command -v clang++ >/dev/null 2>&1 || ! command -v clang >/dev/null 2>&1; then
    echo "fuzz.sh: clang/clang++ not found (apt-get install clang libclang-rt-14-dev)" >&2
    exit 2
fi

log "fuzz targets: configure + build ($BUILD, clang, libFuzzer, ASan+UBSan)"
CC=clang CXX=clang++ cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCB_FUZZ=ON -DCB_UNIT_TESTS=ON -DCB_SANITIZE=OFF >/dev/null  # as scripts/unit.sh configures it (no reconfigure)
cmake --build "$BUILD" -j "$JOBS" --target fuzz_targets

mapfile -t ALL < <(grep -v '^$' "$BUILD/fuzz_targets.txt")
if ((LIST_ONLY)); then
    printf '%s\n' "${ALL[@]}"
    exit 0
fi

# The targets asked for (all by default), by full or short name.
TARGETS=()
if (($#)); then
    for want in "$@"; do
        found=""
        for t in "${ALL[@]}"; do
            if [[ "$t" == "$want" || "$t" == "fuzz_$want" || "$t" == "fuzz_parse_$want" ]]; then found="$t"; fi
        done
        [[ -n "$found" ]] || { echo "fuzz.sh: no target \"$want\"; targets: ${ALL[*]}" >&2; exit 2; }
        TARGETS+=("$found")
    done
else
    TARGETS=("${ALL[@]}")
fi

# The seed directories of a target (read only).
seed_dirs() {
    local name="$1" d
    [[ -d "test/fuzz/corpus/$name" ]] && echo "test/fuzz/corpus/$name"
    if [[ "$name" == fuzz_fast_parser ]]; then
        # The fast path against the tree parser: every fixture and the parser corpus.
        echo "test/fuzz/corpus/fuzz_parse"
        for d in test/fixtures/*/; do echo "${d%/}"; done
    fi
    if [[ "$name" == fuzz_parse_* ]]; then
        echo "test/fuzz/corpus/fuzz_parse"
        local format="${name#fuzz_parse_}"
        if [[ "$format" == auto ]]; then
            for d in test/fixtures/*/; do echo "${d%/}"; done
        elif [[ -d "test/fixtures/$format" ]]; then
            echo "test/fixtures/$format"
        fi
    fi
    return 0
}

ARTIFACTS="$ROOT/$BUILD/artifacts"
LOGS="$ROOT/$BUILD/logs"
mkdir -p "$ARTIFACTS" "$LOGS"
TMPDIRS=()
cleanup() {
    local d
    for d in "${TMPDIRS[@]+"${TMPDIRS[@]}"}"; do rm -rf -- "$d"; done
}
trap cleanup EXIT

# Fail on any sanitizer report, leaks included.
export ASAN_OPTIONS="${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1:strict_string_checks=1:detect_stack_use_after_return=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"

log "fuzzing ${#TARGETS[@]} target(s) for ${SECONDS_PER_TARGET}s each; crash artifacts go to $ARTIFACTS/"
failed=()
start_all=$(date +%s)
for name in "${TARGETS[@]}"; do
    bin="$BUILD/$name"
    [[ -x "$bin" ]] || { echo "missing fuzz binary $bin" >&2; failed+=("$name"); continue; }
    if [[ "$FUZZ_CORPUS" == tmp ]]; then
        corpus="$(mktemp -d "${TMPDIR:-/tmp}/cb-fuzz-$name.XXXXXX")"
        TMPDIRS+=("$corpus")
    else
        corpus="$BUILD/corpus/$name"
        mkdir -p "$corpus"
    fi
    mapfile -t seeds < <(seed_dirs "$name")
    max_len=4096
    [[ "$name" == fuzz_parse_* || "$name" == fuzz_fast_parser ]] && max_len=8192  # the largest fixture is 4.6 kB
    log "fuzzing $name for ${SECONDS_PER_TARGET}s (corpus $corpus; seeds ${seeds[*]:-none})"
    # -max_total_time bounds the whole run, loading the corpus included; one process, one worker.
    if "$bin" "$corpus" "${seeds[@]}" -max_total_time="$SECONDS_PER_TARGET" -max_len="$max_len" \
        -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$ARTIFACTS/$name-" \
        >"$LOGS/$name.log" 2>&1; then
        grep -E '^(stat::number_of_executed_units|stat::new_units_added)|Done [0-9]+ runs' "$LOGS/$name.log" || true
        echo "$name: OK ($(find "$corpus" -type f | wc -l) inputs in $corpus)"
    else
        echo "$name: FAILED; last lines of $LOGS/$name.log:" >&2
        tail -n 60 "$LOGS/$name.log" >&2
        echo "artifacts of $name in $ARTIFACTS/ (reproduce: $bin <file>):" >&2
        ls -1 "$ARTIFACTS" | grep "^$name-" >&2 || true
        failed+=("$name")
    fi
done

log "fuzzing took $(( $(date +%s) - start_all ))s for ${#TARGETS[@]} target(s)"
if ((${#failed[@]})); then
    log "FAILED fuzz targets: ${failed[*]} (artifacts: $ARTIFACTS/)"
    exit 1
fi
log "all fuzz targets passed"
