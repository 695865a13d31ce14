#!/usr/bin/env bash
# Installs whatever imagegate's build, tests and demo need on Debian 12 (as root), and nothing more.
# Idempotent: when everything is present it only checks, in seconds.
set -euo pipefail
usage() {
  cat <<'USAGE'
Usage: scripts/setup.sh [--help]
Installs what is missing on Debian 12 (run as root):
  apt: emscripten cmake g++ make nlohmann-json3-dev catch2 chromium firefox-esr clang git
  npm: the workspace's dev dependencies (npm ci from package-lock.json) when node_modules is missing or stale:
       the test tools and the runtimes the package is tested in (bun, deno, wrangler + miniflare/workerd,
       edge-runtime, esbuild, webpack, vite, playwright-core and puppeteer-core, which drive Debian's browsers).
Requires node >= 20 on PATH (the machine image provides it).
USAGE
}
[[ "${1:-}" == "--help" || "${1:-}" == "-h" ]] && { usage; exit 0; }
cd "$(dirname "$0")/.."

APT_PACKAGES=(emscripten cmake g++ make nlohmann-json3-dev catch2 chromium firefox-esr clang libclang-rt-14-dev git)
missing=()
for p in "${APT_PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then missing+=("$p"); fi
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  if [[ $(id -u) -ne 0 ]]; then echo "setup: need root to apt-get install ${missing[*]}" >&2; exit 1; fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if ! command -v node >/dev/null; then echo "setup: node >= 20 is required on PATH" >&2; exit 1; fi
node_major=$(node -p 'process.versions.node.split(".")[0]')
if ((node_major < 20)); then echo "setup: node >= 20 is required (found $(node --version))" >&2; exit 1; fi

# npm ci only when node_modules is missing or older than the lock file (npm ci writes .package-lock.json).
if [[ ! -f node_modules/.package-lock.json || package-lock.json -nt node_modules/.package-lock.json ]]; then
  echo "setup: npm ci"
  npm ci --no-audit --no-fund --loglevel=error
fi
echo "setup: ok"
