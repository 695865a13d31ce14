#!/usr/bin/env node
// A local mock of Vercel AI Gateway's OpenAI-compatible API (https://ai-gateway.vercel.sh/v1), so the package,
// its tests and the demo page run without a network and without a key. It speaks the wire format described in
// /work/shared/API.md (GET /v1/models, POST /v1/images/generations and /v1/images/edits, POST /v1/chat/completions with
// images, streaming SSE, GET /v1/generation and /v1/credits), returns real, deterministic pictures (PNG, JPEG, lossless WebP), and can misbehave on demand
// through the `x-mock-fault` request header so clients can be tested against every failure the real gateway,
// a proxy or the network might produce.
//
// Only node built-ins (node:http, node:zlib, node:crypto, node:url). jpeg-js (a devDependency) is imported
// lazily and only when a JPEG must be encoded or decoded, so the mock starts even without node_modules.
//
// Things marked [INFERRED] are guesses about the real gateway's behaviour, not documented facts.
//
// Usage as a module:
//   const gw = await start({ port: 0 });        // gw.url === 'http://127.0.0.1:<port>/v1'
//   ... gw.requests, gw.reset(), gw.setFault('status=500'), await gw.close()
// Usage as a program: node scripts/mock-gateway.mjs --port 8788 [--host 127.0.0.1]   (--help for more)
//
// The sections live in scripts/mock-gateway/: catalogue.mjs (models, prices), encoders.mjs (PNG, WebP, JPEG,
// pictures), faults.mjs (x-mock-fault, error bodies), routes.mjs (what each endpoint answers), server.mjs (HTTP,
// billing, sending). This file is the entry: the module's exports and the program.
import { pathToFileURL } from 'node:url';
import { start } from './mock-gateway/server.mjs';

export { start };
export { encodePNG, decodePNG, encodeWebP, renderPicture } from './mock-gateway/encoders.mjs';
export { parseFaults } from './mock-gateway/faults.mjs';
export { MODELS } from './mock-gateway/catalogue.mjs';

// ──────────────────────────────────────────────────────────────────────────────────────────── CLI

const HELP = `Usage: node scripts/mock-gateway.mjs [--port N] [--host H] [--key K]... [--fault F]
A local mock of Vercel AI Gateway's OpenAI-compatible API (/v1/models, /v1/images/generations,
/v1/images/edits (JSON or multipart, masks honoured), /v1/chat/completions with images and streaming,
/v1/generation and /v1/credits), with deterministic pictures.
  --port N     port (default 8788; 0 picks a free one)
  --host H     interface (default 127.0.0.1)
  --key K      accept only this bearer key (repeatable; default: any non-empty key)
  --fault F    default fault for requests without an x-mock-fault header, e.g. 'delay=500'
Faults (x-mock-fault header, comma-separated): status=N, fail-first=K:S, retry-after-ms=N, truncate=N,
  reset-after=N, stall-after=N, delay=MS, delay-events=MS, html-error=N, error-200, bad-base64, chunk=1|N|random,
  eol=cr|crlf, comments, no-done, error-mid-stream, huge, not-ready=N (generation lookups), tag=N (no effect; a separate fail-first counter per N)`;

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const args = process.argv.slice(2);
  if (args.includes('--help') || args.includes('-h')) { console.log(HELP); process.exit(0); }
  const opt = (name) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : undefined; };
  const keys = args.flatMap((a, i) => (a === '--key' && args[i + 1] ? [args[i + 1]] : []));
  const portArg = opt('--port') ?? '8788';
  if (!/^\d+$/.test(portArg)) { console.error(`mock gateway: invalid --port ${portArg}\n\n${HELP}`); process.exit(2); }
  const gw = await start({ port: Number(portArg), host: opt('--host') ?? '127.0.0.1', keys: keys.length ? keys : undefined });
  try { if (opt('--fault')) gw.setFault(opt('--fault')); } catch (e) { console.error(`mock gateway: ${e.message}`); await gw.close(); process.exit(2); }
  console.log(`mock gateway listening on ${gw.url}`);
  const stop = async () => { await gw.close(); process.exit(0); };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
