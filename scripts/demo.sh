#!/usr/bin/env bash
# Installs what is missing, builds, and serves the demo page: against the local mock gateway by default,
# against the real gateway when AI_GATEWAY_API_KEY is set (the proxy adds the key; the browser never sees it).
set -euo pipefail
usage() {
  cat <<'USAGE'
Usage: [AI_GATEWAY_API_KEY=...] scripts/demo.sh [--port N] [--host H] [--no-build] [--help]
Runs setup + build, then scripts/serve.mjs, which prints the URL to open.
  no key:  the page talks to a local mock gateway (no network needed)
  key set: the page talks to https://ai-gateway.vercel.sh/v1 through the local proxy, which adds the key
           to requests that carry none (a key pasted into the page is sent instead, and wins)
  --port N     port to listen on (default 8787)
  --host H     interface to listen on (default 127.0.0.1; the proxy only serves this page, not other sites)
  --no-build   skip setup and build (the package in wasm/dist must already be built)
  AI_GATEWAY_BASE_URL overrides the gateway URL when a key is set.
USAGE
}
port=8787
host=127.0.0.1
build=1
while (($#)); do
  case "$1" in
    --help|-h) usage; exit 0 ;;
    --port) port=${2:?--port needs a value}; shift 2 ;;
    --host) host=${2:?--host needs a value}; shift 2 ;;
    --no-build) build=0; shift ;;
    *) usage >&2; exit 2 ;;
  esac
done
cd "$(dirname "$0")/.."
if ((build)); then
  bash scripts/setup.sh
  bash scripts/build.sh all
elif [[ ! -f wasm/dist/imagegate_wasm.wasm ]]; then
  echo "demo: wasm/dist is not built; run without --no-build" >&2
  exit 1
fi
if [[ -n "${AI_GATEWAY_API_KEY:-}" ]]; then
  exec node scripts/serve.mjs --port "$port" --host "$host" --gateway "${AI_GATEWAY_BASE_URL:-https://ai-gateway.vercel.sh/v1}"
else
  exec node scripts/serve.mjs --port "$port" --host "$host"
fi
