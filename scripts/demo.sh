#!/usr/bin/env bash
# Installs what is missing, builds, and serves the demo page: against the local mock gateway by default,
# against the real gateway when AI_GATEWAY_API_KEY is set (the proxy adds the key; the browser never sees it).
set -euo pipefail
usage() {
  cat <<'USAGE'
Usage: [AI_GATEWAY_API_KEY=...] scripts/demo.sh [--port N] [--help]
Runs setup + build, then scripts/serve.mjs and prints the URL to open.
  no key:  the page talks to a local mock gateway (no network needed)
  key set: the page talks to https://ai-gateway.vercel.sh/v1 through the local proxy
  AI_GATEWAY_BASE_URL overrides the gateway URL when a key is set.
USAGE
}
port=8787
while (($#)); do
  case "$1" in --help|-h) usage; exit 0 ;; --port) port=$2; shift 2 ;; *) usage >&2; exit 2 ;; esac
done
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh all
if [[ -n "${AI_GATEWAY_API_KEY:-}" ]]; then
  exec node scripts/serve.mjs --port "$port" --gateway "${AI_GATEWAY_BASE_URL:-https://ai-gateway.vercel.sh/v1}"
else
  exec node scripts/serve.mjs --port "$port"
fi
