#!/usr/bin/env node
// Shipped size and cold start in node (Chromium's cold start is measured by browser.mjs).
//   size: wasm/dist/imagegate_wasm.{wasm,mjs} and wasm/js/*.mjs, raw, gzip -9 (zlib level 9) and brotli (q 11)
//   cold start: a fresh `node` process per sample: time from the start of `import('imagegate')` to the first
//   decodeBase64() result, and from process start (performance.timeOrigin) to that result; a bare `node -e ''`
//   style baseline (process start → first script line) for comparison.
// Usage: node scripts/bench/startup.mjs [--json] [--quick]
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { execFileSync } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { root } from './server.mjs';
import { isMain, cliOptions, summarize, environment, table, fmt, fmtMs } from './lib.mjs';

// Entries a browser never loads (package.json "exports": the node and edge conditions).
const NOT_IN_BROWSERS = {
  'node-xhr.mjs': 'js (node only)', 'node-host.mjs': 'js (node only)', 'node.mjs': 'js (node only)',
  'manual-node.mjs': 'js (node only)', 'edge.mjs': 'js (edge only)',
};

export function shippedSize() {
  const files = [];
  const add = (rel, group) => {
    const data = readFileSync(path.join(root, rel));
    files.push({
      file: rel, group, raw: data.length,
      gzip9: zlib.gzipSync(data, { level: 9 }).length,
      brotli: zlib.brotliCompressSync(data, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11 } }).length,
    });
  };
  add('wasm/dist/imagegate_wasm.wasm', 'wasm');
  add('wasm/dist/imagegate_wasm.mjs', 'glue');
  // Every module of the package, subfolders too (wasm/js/resources/).
  const walk = (dir) => {
    for (const f of readdirSync(path.join(root, dir)).sort()) {
      const rel = `${dir}/${f}`;
      if (statSync(path.join(root, rel)).isDirectory()) walk(rel);
      else if (f.endsWith('.mjs')) add(rel, NOT_IN_BROWSERS[f] ?? 'js');
    }
  };
  walk('wasm/js');
  const sum = (pred) => files.filter(pred).reduce((a, f) => ({ raw: a.raw + f.raw, gzip9: a.gzip9 + f.gzip9, brotli: a.brotli + f.brotli }), { raw: 0, gzip9: 0, brotli: 0 });
  return {
    files,
    total: sum(() => true),
    browser: sum((f) => !/only\)$/.test(f.group)),
  };
}

const PROBE = (entry) => `
const t0 = performance.now();
const m = await import(${JSON.stringify(entry)});
const out = m.decodeBase64('aGVsbG8gd29ybGQ=');
const t1 = performance.now();
if (out.length !== 11) throw new Error('bad decode');
console.log(JSON.stringify({ importToDecode: t1 - t0, processToDecode: t1, processToScript: t0 }));
`;

export function coldStartNode(samples = 9) {
  const entry = pathToFileURL(path.join(root, 'wasm/js/node.mjs')).href;
  const xs = [];
  for (let i = 0; i < samples; i++) {
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', PROBE(entry)], { encoding: 'utf8' });
    xs.push(JSON.parse(out));
  }
  const pick = (k) => summarize(xs.map((x) => x[k]));
  return { samples, importToDecode: pick('importToDecode'), processToDecode: pick('processToDecode'), processToScript: pick('processToScript') };
}

export async function run(opts = {}) {
  return { bench: 'startup', env: environment(), size: shippedSize(), coldNode: coldStartNode(opts.quick ? 3 : 11) };
}

export function format(res) {
  const kb = (n) => `${fmt(n / 1024, 1)} KiB`;
  const t = [['file', 'raw', 'gzip -9', 'brotli']];
  for (const f of res.size.files) t.push([f.file, kb(f.raw), kb(f.gzip9), kb(f.brotli)]);
  t.push(['total (browser: without the node and edge entries)', kb(res.size.browser.raw), kb(res.size.browser.gzip9), kb(res.size.browser.brotli)]);
  t.push(['total (all shipped .wasm + .mjs)', kb(res.size.total.raw), kb(res.size.total.gzip9), kb(res.size.total.brotli)]);
  const c = res.coldNode;
  return `shipped size\n${table(t)}\n\ncold start, node ${res.env.version} (${c.samples} fresh processes, median [p10–p90]):\n` +
    `  import('imagegate') → first decodeBase64: ${fmtMs(c.importToDecode.median)} ms [${fmtMs(c.importToDecode.p10)}–${fmtMs(c.importToDecode.p90)}]\n` +
    `  process start → first decodeBase64:      ${fmtMs(c.processToDecode.median)} ms [${fmtMs(c.processToDecode.p10)}–${fmtMs(c.processToDecode.p90)}]\n` +
    `  process start → first script line:        ${fmtMs(c.processToScript.median)} ms`;
}

if (await isMain(import.meta.url)) {
  const o = await cliOptions({ quick: false, json: false });
  const res = await run(o);
  console.log(o.json ? JSON.stringify(res) : format(res));
}
