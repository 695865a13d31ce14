#!/usr/bin/env bash
# The one command that runs every test: setup (installs what is missing) + build + all suites.
set -uo pipefail
usage() {
  cat <<'USAGE'
Usage: scripts/test.sh [--help]
Installs what is missing (scripts/setup.sh), builds (scripts/build.sh), then runs every suite:
  core     native Catch2 tests through ctest
  js       node --test tests/js/ (the wasm package under node 20, the mock gateway)
  browser  node --test tests/browser/ (playwright-core driving /usr/bin/chromium)
Prints a summary; exits non-zero if any step fails. Screenshots land in test-artifacts/.
USAGE
}
[[ "${1:-}" == "--help" || "${1:-}" == "-h" ]] && { usage; exit 0; }
cd "$(dirname "$0")/.."
start=$SECONDS

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
run_suite core ctest --preset native
run_suite js node --test --test-concurrency=2 tests/js/
run_suite browser node --test --test-concurrency=1 tests/browser/

passed=0; failed=0
echo "=== summary ($((SECONDS - start)) s)"
for i in "${!names[@]}"; do
  echo "  ${results[$i]}  ${names[$i]}"
  if [[ ${results[$i]} == pass ]]; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
done
echo "suites: $passed passed, $failed failed"
((failed == 0))
