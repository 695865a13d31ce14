#!/usr/bin/env node
// Shipped size and cold start in node (Chromium's cold start is measured by browser.mjs).
//   size: wasm/dist/imagegate_wasm.{wasm,mjs} and wasm/js/*.mjs, raw, gzip -9 (zlib level 9) and brotli (q 11)
//   cold start: a fresh `node` process per sample: time from the start of `import('imagegate')` to the first
//   decodeBase64() result, and from process start (performance.timeOrigin) to that result; a bare `node -e ''`
//   style baseline (process start → first script line) for comparison.
// Usage: node scripts/bench/startup.mjs [--json] [--quick]
import { readdirSync, readFileSync, statSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
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

// The probe is an ES module file, as a user's app is: node's ESM loader is then already running when the app imports
// imagegate (from \`node -e\` its first file import would also pay the loader's own start, ~10 ms). loaderStart = the
// import of an empty module just before, from the same app module: the floor of any import().
const PROBE = (entry) => `
const l0 = performance.now();
await import(${JSON.stringify(pathToFileURL(path.join(os.tmpdir(), 'imagegate-startup-empty.mjs')).href)});
const t0 = performance.now();
const m = await import(${JSON.stringify(entry)});
const out = m.decodeBase64('aGVsbG8gd29ybGQ=');
const t1 = performance.now();
if (out.length !== 11) throw new Error('bad decode');
console.log(JSON.stringify({ importToDecode: t1 - t0, processToDecode: t1, processToScript: l0, loaderStart: t0 - l0 }));
`;

/**
 * Fresh node processes, each importing the package at `pkgRoots[k]` (a directory holding js/ and dist/, default the
 * repo's wasm/). Several roots are sampled in turn (before/after a change, in the same run and the same load).
 */
export function coldStartNode(samples = 9, pkgRoots = [path.join(root, 'wasm')]) {
  writeFileSync(path.join(os.tmpdir(), 'imagegate-startup-empty.mjs'), 'export {};\n');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'imagegate-startup-'));
  const probes = pkgRoots.map((r, k) => {
    const f = path.join(dir, `probe${k}.mjs`);
    writeFileSync(f, PROBE(pathToFileURL(path.join(r, 'js/node.mjs')).href));
    return f;
  });
  const xs = pkgRoots.map(() => []);
  try {
    for (let i = 0; i < samples; i++) {
      probes.forEach((f, k) => xs[k].push(JSON.parse(execFileSync(process.execPath, [f], { encoding: 'utf8' }))));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const one = (ys) => {
    const pick = (k) => summarize(ys.map((x) => x[k]));
    return { samples, importToDecode: pick('importToDecode'), processToDecode: pick('processToDecode'), processToScript: pick('processToScript'),
      loaderStart: pick('loaderStart') };
  };
  return xs.map(one);
}

export async function run(opts = {}) {
  // --compare DIR (or BENCH_STARTUP_BEFORE): also a package tree from before a change, sampled in turn with this one.
  const before = opts.compare || process.env.BENCH_STARTUP_BEFORE || '';
  const [coldNode, beforeNode] = coldStartNode(opts.quick ? 3 : 11, before ? [path.join(root, 'wasm'), before] : undefined);
  return { bench: 'startup', env: environment(), size: shippedSize(), coldNode, ...(before ? { before: { root: before, coldNode: beforeNode } } : {}) };
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
    `  process start → first script line:        ${fmtMs(c.processToScript.median)} ms` +
    (res.before ? `\n  before (${res.before.root}): import → first decodeBase64 ${fmtMs(res.before.coldNode.importToDecode.median)} ms [${fmtMs(res.before.coldNode.importToDecode.p10)}–${fmtMs(res.before.coldNode.importToDecode.p90)}]` : '');
}

if (await isMain(import.meta.url)) {
  const o = await cliOptions({ quick: false, json: false, compare: '' });
  const res = await run(o);
  console.log(o.json ? JSON.stringify(res) : format(res));
}
