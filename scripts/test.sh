#!/usr/bin/env bash
# The one command that runs every test: setup (installs what is missing) + build + all suites.
set -uo pipefail
usage() {
  cat <<'USAGE'
Usage: scripts/test.sh [--help]
Installs what is missing (scripts/setup.sh), builds (scripts/build.sh), then runs every suite:
  core       native Catch2 tests through ctest
  core-asan  the same tests built with AddressSanitizer + UndefinedBehaviorSanitizer
  js         node --test tests/js/ (the wasm package under node 20, the mock gateway)
  browser    node --test tests/browser/ (playwright-core driving /usr/bin/chromium)
  package    node --test tests/pack/ (npm pack once → install: node, tsc --strict, README samples; the runtime
             matrix: node, Bun, Deno, Cloudflare workerd, Vercel Edge Runtime, Chromium and Firefox ESR pages,
             esbuild, Vite and webpack 5 bundles)
  fuzz       scripts/fuzz.sh 30: each libFuzzer target for 30 s (FUZZ_SECONDS overrides)
Prints a summary; exits non-zero if any step fails. Screenshots land in test-artifacts/.
USAGE
}
[[ "${1:-}" == "--help" || "${1:-}" == "-h" ]] && { usage; exit 0; }
cd "$(dirname "$0")/.."
start=$SECONDS
# The suites talk to the mock gateway only: a real key or gateway in the caller's environment must not leak in.
unset AI_GATEWAY_API_KEY AI_GATEWAY_BASE_URL

bash scripts/setup.sh || { echo "test: setup failed"; exit 1; }
bash scripts/build.sh all || { echo "test: build failed"; exit 1; }

declare -a names results
run_suite() {
  local name=$1; shift
  local t0=$SECONDS
  echo "=== $name: $*"
  if "$@"; then results+=("pass"); else results+=("FAIL"); fi
  names+=("$name ($((SECONDS - t0)) s)")
}
asan() {  # configure once, then incremental
  [[ -f build/native-asan/CMakeCache.txt ]] || cmake --preset native-asan >/dev/null || return 1
  cmake --build --preset native-asan >/dev/null && ctest --preset native-asan
}
run_suite core ctest --preset native
run_suite core-asan asan
run_suite js node --test --test-concurrency=2 tests/js/
run_suite browser node --test --test-concurrency=1 tests/browser/
# One tarball for the package suites (tests/pack/packed.mjs takes it from $IMAGEGATE_TARBALL).
pack_dir=$(mktemp -d /tmp/imagegate-tarball.XXXXXX)
trap 'rm -rf "$pack_dir"' EXIT
if tgz=$(npm pack --silent --pack-destination "$pack_dir" ./wasm 2>/dev/null | tail -1) && [[ -f $pack_dir/$tgz ]]; then
  export IMAGEGATE_TARBALL=$pack_dir/$tgz
fi
run_suite package node --test --test-concurrency=1 tests/pack/
run_suite fuzz bash scripts/fuzz.sh "${FUZZ_SECONDS:-30}"

passed=0; failed=0
echo "=== summary ($((SECONDS - start)) s)"
for i in "${!names[@]}"; do
  echo "  ${results[$i]}  ${names[$i]}"
  if [[ ${results[$i]} == pass ]]; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
done
echo "suites: $passed passed, $failed failed"
((failed == 0))
