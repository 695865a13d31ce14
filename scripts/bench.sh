#!/usr/bin/env bash
# Runs every benchmark (native core, node, headless Chromium) and writes bench/REPORT.md.
set -euo pipefail
usage() {
  cat <<'USAGE'
Usage: scripts/bench.sh [--quick] [--repeat N] [--out FILE] [--keep DIR] [--check [--update-baseline]] [--help]
Runs the imagegate benchmarks and writes a markdown report (default bench/REPORT.md):
  native   build/bench: imagegate_bench_native (scripts/bench/native/*.cpp), g++ Release
  node     scripts/bench/{base64,images,stream,startup,memory}.mjs under node --expose-gc
  chromium scripts/bench/browser.mjs: the same modules in headless /usr/bin/chromium (playwright-core)
  page     scripts/bench/page.mjs: longest main-thread task, blocking time, frame gaps and click → image shown while
           the demo page and its peers (scripts/bench/pages/) receive big images (once per bench, not with --check)
Options:
  --quick     smoke run: one round, few samples, smaller sweeps (about a minute; the test suite may call it)
  --repeat N  run everything N times; each case keeps its best median (default 1)
  --out FILE  where to write the report (default bench/REPORT.md; --quick: bench/out/REPORT-quick.md, git-ignored)
  --keep DIR  keep the raw JSON results in DIR (default: a temporary directory, removed afterwards)
  --cold-only only the cold regime (default: every peer comparison in both, cold and warm, side by side)
  --check     the regression gate: two quick runs, each run's targets compared with bench/baseline.json
              (scripts/bench/check.mjs); fails on a drop beyond max(20 %, twice the spread between the two runs, now
              or when the baseline was written).
              Not part of scripts/test.sh (too noisy for CI): run it for every change to the hot path.
  --update-baseline  with --check: write bench/baseline.json from this run instead (on purpose only)
Needs: a built wasm package in wasm/dist, node_modules (openai, eventsource-parser, playwright-core), cmake + g++.
USAGE
}
cd "$(dirname "$0")/.."
quick=0; repeat=1; out=""; keep=""; check=0; update_baseline=0; both_regimes=1
while (($#)); do
  case "$1" in
    --quick) quick=1 ;;
    --repeat) repeat=$2; shift ;;
    --out) out=$2; shift ;;
    --keep) keep=$2; shift ;;
    --check) check=1 ;;
    --cold-only) both_regimes=0 ;;
    --update-baseline) update_baseline=1 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "bench: unknown option $1" >&2; usage >&2; exit 2 ;;
  esac
  shift
done
((update_baseline && !check)) && { echo "bench: --update-baseline goes with --check" >&2; exit 2; }
((check)) && { quick=1; repeat=2; both_regimes=0; [[ -n $out ]] || out=bench/out/REPORT-check.md; }
[[ -n $out ]] || { ((quick)) && out=bench/out/REPORT-quick.md || out=bench/REPORT.md; }
[[ -f wasm/dist/imagegate_wasm.wasm ]] || { echo "bench: wasm/dist is not built (scripts/build.sh)" >&2; exit 1; }

if [[ -n $keep ]]; then results=$keep; mkdir -p "$results"; else results=$(mktemp -d /tmp/imagegate-bench.XXXXXX); trap 'rm -rf "$results"' EXIT; fi
start=$SECONDS
q=(); ((quick)) && q=(--quick)
log() { echo "[bench $((SECONDS - start)) s] $*" >&2; }

# What is being measured: a hash of the shipped files (others may rebuild the package while this runs).
fingerprint() { cat wasm/dist/imagegate_wasm.wasm wasm/dist/imagegate_wasm.mjs wasm/js/*.mjs | sha256sum | cut -c1-12; }
builds=()
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
log "load average before: $load_before"

# Native kernel bench: its own build dir (never build/native or build/wasm, which belong to the build script).
native_bin=build/bench/imagegate_bench_native
if ! { { [[ -f build/bench/CMakeCache.txt ]] || cmake -S . -B build/bench -DCMAKE_BUILD_TYPE=Release >/dev/null; } &&
       cmake --build build/bench --target imagegate_bench_native -j2 >/dev/null; }; then
  log "native build failed: the report will have no native figures"
  native_bin=""
fi

node=(node --expose-gc)
failures=()
# A failing stage is recorded (and reported) but does not stop the others.
stage() {
  local name=$1 out=$2; shift 2
  local t0=$SECONDS
  if "$@" >"$out.tmp"; then mv "$out.tmp" "$out"; log "  $name: $((SECONDS - t0)) s"
  else failures+=("$name"); rm -f "$out.tmp"; log "  $name: FAILED"; fi
}
for ((r = 1; r <= repeat; r++)); do
  d=$results/run$r; mkdir -p "$d"
  fp_before=$(fingerprint)
  log "run $r/$repeat (package $fp_before)"
  [[ -n $native_bin ]] && stage native "$d/native.json" "$native_bin" "${q[@]}"
  # Instruction counts (callgrind): the noise-free figure for the native kernels; once per bench, they do not vary.
  ((r == 1)) && [[ -n $native_bin ]] && command -v valgrind >/dev/null && stage instructions "$d/instructions.json" bash scripts/bench/instructions.sh "$native_bin"
  for b in base64 images stream startup memory; do
    stage "node $b" "$d/$b.json" "${node[@]}" scripts/bench/$b.mjs --json "${q[@]}"
  done
  stage chromium "$d/browser.json" node scripts/bench/browser.mjs --json "${q[@]}" 2> >(sed -u 's/^/  chromium: /' >&2)
  # The page bench (issue 19): main-thread tasks and frames while pages show big images; its own runs and medians, so
  # once per bench, and not in the gate.
  ((r == 1 && !check)) && stage "chromium page" "$d/page.json" node scripts/bench/page.mjs --json "${q[@]}" 2> >(sed -u 's/^/  page: /' >&2)
  # The warm regime (scripts/bench/lib.mjs): the same comparisons without forced GC. Start-up and the native kernel
  # have no regime.
  if ((both_regimes)); then
    w=$results/warm/run$r; mkdir -p "$w"
    for b in base64 images stream; do
      BENCH_REGIME=warm stage "node $b (warm)" "$w/$b.json" "${node[@]}" scripts/bench/$b.mjs --json "${q[@]}"
    done
    stage "chromium (warm)" "$w/browser.json" node scripts/bench/browser.mjs --json --regime warm --only base64,images,stream "${q[@]}" \
      2> >(sed -u 's/^/  chromium (warm): /' >&2)
  fi
  fp_after=$(fingerprint)
  [[ $fp_after == "$fp_before" ]] || log "WARNING: the package changed during run $r ($fp_before -> $fp_after)"
  builds+=("{\"run\":$r,\"before\":\"$fp_before\",\"after\":\"$fp_after\"}")
done

load_after=$(cut -d' ' -f1-3 /proc/loadavg)
cat >"$results/meta.json" <<EOF
{"date":"$(date -u +%Y-%m-%dT%H:%M:%SZ)","quick":$([[ $quick == 1 ]] && echo true || echo false),"repeat":$repeat,
 "cores":$(nproc),"loadBefore":"$load_before","loadAfter":"$load_after","seconds":$((SECONDS - start)),
 "failures":[$( ((${#failures[@]})) && printf '"%s",' "${failures[@]}" | sed 's/,$//')],
 "builds":[$(IFS=,; echo "${builds[*]}")],
 "wasmBytes":$(stat -c %s wasm/dist/imagegate_wasm.wasm),"wasmBuilt":"$(date -u -r wasm/dist/imagegate_wasm.wasm +%Y-%m-%dT%H:%M:%SZ)"}
EOF
warm_args=()
if ((both_regimes)) && [[ -d $results/warm ]]; then
  cp "$results/meta.json" "$results/warm/meta.json"
  node scripts/bench/report.mjs "$results/warm" --out "$results/warm/REPORT.md" --targets "$results/warm-targets.json" >/dev/null &&
    warm_args=(--warm-targets "$results/warm-targets.json") || log "the warm report failed: the report has the cold regime only"
fi
readme_args=(); [[ $out == bench/REPORT.md ]] && readme_args=(--readme README.md)
node scripts/bench/report.mjs "$results" --out "$out" "${warm_args[@]}" "${readme_args[@]}"
log "done in $((SECONDS - start)) s (load average after: $load_after)"
if ((check)); then
  # Each run's own targets, so that their spread is the noise the gate allows for.
  per_run=()
  for d in "$results"/run*/; do
    one=$(mktemp -d /tmp/imagegate-bench-one.XXXXXX)
    ln -s "$d" "$one/run1"; cp "$results/meta.json" "$one/"
    node scripts/bench/report.mjs "$one" --out "$one/report.md" --targets "$results/$(basename "$d")-targets.json" >/dev/null
    rm -rf "$one"
    per_run+=("$results/$(basename "$d")-targets.json")
  done
  extra=(); ((update_baseline)) && extra=(--update)
  node scripts/bench/check.mjs bench/baseline.json "${per_run[@]}" "${extra[@]}" || exit 1
fi
((${#failures[@]} == 0)) || { log "failed stages: ${failures[*]}"; exit 1; }
