#!/usr/bin/env bash
# Builds the C++ core natively (g++: Catch2 tests, native benchmark) and as the wasm package (em++).
# Incremental: re-running only rebuilds what changed.
set -euo pipefail
usage() {
  cat <<'USAGE'
Usage: scripts/build.sh [native|wasm|all] [--help]
  native  build/native: the core + Catch2 test binary + native benchmark (g++)
  wasm    build/wasm -> wasm/dist/imagegate_wasm.{mjs,wasm}: the npm package's core (em++ 3.1.6, -O2, SIMD128)
  all     both (default)
USAGE
}
target=${1:-all}
case "$target" in --help|-h) usage; exit 0 ;; native|wasm|all) ;; *) usage >&2; exit 2 ;; esac
cd "$(dirname "$0")/.."
# em++'s JS optimizer needs Debian's acorn; never point EM_CACHE anywhere (the sysroot cache is frozen).
export NODE_PATH=/usr/share/nodejs
unset EM_CACHE

configure() {  # configure once; later runs let the build tool re-run CMake when CMakeLists change
  local preset=$1 dir=$2
  [[ -f "$dir/CMakeCache.txt" ]] || cmake --preset "$preset" >/dev/null
}
if [[ $target == native || $target == all ]]; then
  configure native build/native
  cmake --build --preset native
fi
if [[ $target == wasm || $target == all ]]; then
  configure wasm build/wasm
  cmake --build --preset wasm
fi
