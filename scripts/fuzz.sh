#!/usr/bin/env bash
# Runs the libFuzzer harnesses in tests/fuzz/ (clang, ASan + UBSan) for a fixed time each.
set -uo pipefail
usage() {
  cat <<'USAGE'
Usage: scripts/fuzz.sh [SECONDS] [--runs N] [TARGET...] [--help]
Builds the fuzz preset (build/fuzz, clang++ with -fsanitize=fuzzer,address,undefined) if needed, then runs
each libFuzzer target for SECONDS (default 60) on a temporary COPY of its seed corpus tests/fuzz/corpus/<target>/
(the committed corpus never grows), with its dictionary tests/fuzz/<target>.dict when there is one.
  --runs N    a per-target budget of N executions instead of a time limit (a campaign: e.g. --runs 10000000;
              SECONDS, if given too, still caps each target)
  TARGET...   only these (default: every tests/fuzz/fuzz_*.cpp): fuzz_base64 fuzz_sse fuzz_images_response
              fuzz_data_url fuzz_sniff fuzz_edit_request
Prints the executions each target reached. Exits non-zero if any target crashed, leaked, timed out
(-timeout=10 s per input) or ran out of memory (-rss_limit_mb=2048); the reproducer and the log are kept in
test-artifacts/fuzz/. Reproduce with: build/fuzz/<target> test-artifacts/fuzz/<target>-crash-<hash>
Environment: FUZZ_KEEP_CORPUS=DIR keeps the grown corpora under DIR (for a local campaign; do not commit).
USAGE
}
case "${1:-}" in --help|-h) usage; exit 0 ;; esac
cd "$(dirname "$0")/.."
root=$PWD

secs=60
runs=""
if [[ $# -gt 0 && "$1" =~ ^[0-9]+$ ]]; then secs=$1; shift; elif [[ "${1:-}" == --runs ]]; then secs=0; fi
if [[ "${1:-}" == --runs ]]; then
  [[ "${2:-}" =~ ^[0-9]+$ ]] || { echo "fuzz: --runs needs a number" >&2; exit 2; }
  runs=$2; shift 2
fi
if [[ -z "$runs" && "$secs" -lt 1 ]]; then echo "fuzz: SECONDS must be at least 1" >&2; exit 2; fi
budget=(-max_total_time="$secs")
[[ -n "$runs" ]] && budget=(-runs="$runs")
[[ -n "$runs" && "$secs" -gt 0 ]] && budget+=(-max_total_time="$secs")
label="${secs} s"
[[ -n "$runs" ]] && label="$runs executions"
[[ -n "$runs" && "$secs" -gt 0 ]] && label="$runs executions, at most ${secs} s"
for a in "$@"; do [[ "$a" == -* ]] && { echo "fuzz: unknown option $a" >&2; usage >&2; exit 2; }; done

all_targets=()
for src in tests/fuzz/fuzz_*.cpp; do all_targets+=("$(basename "$src" .cpp)"); done
targets=("${all_targets[@]}")
[[ $# -gt 0 ]] && targets=("$@")
for t in "${targets[@]}"; do
  [[ -f "tests/fuzz/$t.cpp" ]] || { echo "fuzz: no such target: $t (have: ${all_targets[*]})" >&2; exit 2; }
done

command -v clang++ >/dev/null || { echo "fuzz: clang++ not found (scripts/setup.sh installs clang and libclang-rt-14-dev)" >&2; exit 1; }

# The CMake option instruments only the harness executables; the core library must be compiled with coverage
# and sanitizers too, or libFuzzer is blind inside it and ASan misses its out-of-bounds accesses.
core_flags="-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"
cache=build/fuzz/CMakeCache.txt
if [[ ! -f $cache ]] || ! grep -qF "CMAKE_CXX_FLAGS:STRING=$core_flags" "$cache"; then
  echo "=== configuring build/fuzz"
  cmake --preset fuzz "-DCMAKE_CXX_FLAGS=$core_flags" >/dev/null || { echo "fuzz: configure failed" >&2; exit 1; }
fi
echo "=== building ${targets[*]}"
for t in "${targets[@]}"; do
  cmake --build --preset fuzz --target "$t" >/dev/null 2>build/fuzz/build-$t.err || {
    cat build/fuzz/build-$t.err >&2; echo "fuzz: build of $t failed" >&2; exit 1; }
done

art=$root/test-artifacts/fuzz
mkdir -p "$art"
work=$(mktemp -d "${TMPDIR:-/tmp}/imagegate-fuzz.XXXXXX")
trap 'rm -rf "$work"' EXIT
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}

declare -a rows
failed=0
for t in "${targets[@]}"; do
  corpus=$work/corpus/$t
  mkdir -p "$corpus"
  [[ -d tests/fuzz/corpus/$t ]] && cp -r "tests/fuzz/corpus/$t/." "$corpus/"
  dict=()
  [[ -f tests/fuzz/$t.dict ]] && dict=("-dict=$root/tests/fuzz/$t.dict")
  log=$work/$t.log
  echo "=== $t: $label"
  t0=$SECONDS
  (cd "$work" && "$root/build/fuzz/$t" "${dict[@]}" "${budget[@]}" -timeout=10 -rss_limit_mb=2048 \
     -print_final_stats=1 -artifact_prefix="$art/$t-" "$corpus" >"$log" 2>&1)
  rc=$?
  took=$((SECONDS - t0))
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  execs=${execs:-?}
  rate="?"
  [[ "$execs" =~ ^[0-9]+$ && $took -gt 0 ]] && rate=$((execs / took))
  cov=$(grep -Eo 'cov: [0-9]+ ft: [0-9]+' "$log" | tail -1)
  if [[ $rc -eq 0 ]]; then
    status=ok
  else
    status="FAILED (exit $rc)"
    failed=1
    cp "$log" "$art/$t.log"
    grep -E 'ERROR: |FUZZ PROPERTY FAILED|SUMMARY|Test unit written' "$log" | head -8 | sed 's/^/    /'
    echo "    full log: test-artifacts/fuzz/$t.log"
  fi
  if [[ -n "${FUZZ_KEEP_CORPUS:-}" ]]; then mkdir -p "$FUZZ_KEEP_CORPUS/$t" && cp -r "$corpus/." "$FUZZ_KEEP_CORPUS/$t/"; fi
  echo "    $t: $execs executions in ${took} s ($rate/s; $cov) — $status"
  rows+=("$(printf '%-22s %12s %6ss %8s/s  %s' "$t" "$execs" "$took" "$rate" "$status")")
done

echo
echo "=== fuzz summary ($label per target)"
printf '%-22s %12s %7s %10s  %s\n' target executions time rate result
for r in "${rows[@]}"; do echo "$r"; done
if [[ $failed -ne 0 ]]; then
  echo "fuzz: FAILED — reproducers and logs in test-artifacts/fuzz/"
  exit 1
fi
echo "fuzz: all targets clean"
