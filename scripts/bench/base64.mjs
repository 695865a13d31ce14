#!/usr/bin/env node
// Base64 decode throughput: imagegate's decodeBase64 (wasm, input as Uint8Array bytes and as a string) against
// the platform decoders, on 1 KiB, 64 KiB and 8 MiB of base64 (sizes and MB/s count base64 INPUT bytes,
// MB = 10^6 bytes). The same code runs in node (`node scripts/bench/base64.mjs [--json] [--quick]`) and in
// Chromium (loaded by scripts/bench/browser.mjs).
//
// Cases (each checked once for correct output before timing):
//   wasm.bytes / wasm.string   decodeBase64(input) → new Uint8Array (public API: copy in, kernel, copy out)
//   wasm.into / .into.string   decodeBase64Into(bytes | string, preallocated target) (public API)
//   wasm.kernel                wasm._decodeBase64Into(ptr, len, out, cap, …) on a heap block filled once:
//                              the C++ kernel + one embind call, no copies
//   cost.*                     the pieces the public API adds: HEAPU8.set (bytes in), TextEncoder.encodeInto
//                              (string in), HEAPU8.slice (decoded bytes out), an embind call with len 0; and
//                              cost.freshAlloc: allocating + first-touching a new buffer of the decoded size (what
//                              any API returning a new Uint8Array pays in page faults)
//   peer.*                     Buffer.from(str,'base64') (node), atob + charCodeAt loop, Uint8Array.fromBase64 and
//                              setFromBase64 (Chromium); for bytes input the peer must first make a string
//                              (latin1 TextDecoder), timed as peer.*.bytes
import { decodeBase64, decodeBase64Into } from './imagegate.mjs';
import { wasm } from '../../wasm/js/core.mjs';
import {
  KiB, MiB, isNode, isMain, cliOptions, runCases, randomBytes, base64Bytes, asciiString, sameBytes, environment,
  table, fmt, fmtMs, sizeName,
} from './lib.mjs';

export const SIZES = [1 * KiB, 64 * KiB, 8 * MiB];

function atobDecode(s) {
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

function casesFor(size) {
  const raw = randomBytes((size / 4) * 3, size);
  const b64 = base64Bytes(raw);           // exactly `size` ASCII bytes, no padding (size % 4 == 0)
  const str = asciiString(b64);
  const target = new Uint8Array(raw.length);
  const latin1 = new TextDecoder('latin1');
  const cases = [];
  const add = (key, label, fn, check) => cases.push({ key, name: label, fn, check, bytes: size });

  add('wasm.bytes', 'imagegate decodeBase64(Uint8Array)', () => decodeBase64(b64), (o) => o);
  add('wasm.string', 'imagegate decodeBase64(string)', () => decodeBase64(str), (o) => o);
  add('wasm.into', 'imagegate decodeBase64Into(bytes, target)', () => decodeBase64Into(b64, target), () => target);
  add('wasm.into.string', 'imagegate decodeBase64Into(string, target)', () => decodeBase64Into(str, target), () => target);

  // The raw kernel: input copied into the heap once; every call decodes heap → heap.
  const inPtr = wasm._malloc(size);
  const outPtr = wasm._malloc(raw.length + 16);
  wasm.HEAPU8.set(b64, inPtr);
  add('wasm.kernel', 'wasm kernel heap→heap (no copies)', () => wasm._decodeBase64Into(inPtr, size, outPtr, raw.length + 16, 0, 0, true),
    () => wasm.HEAPU8.slice(outPtr, outPtr + raw.length));
  // What the wrapper adds around the kernel.
  const enc = new TextEncoder();
  add('cost.copyInBytes', 'cost: HEAPU8.set(bytes) copy-in', () => wasm.HEAPU8.set(b64, inPtr));
  add('cost.copyInString', 'cost: encodeInto(string) copy-in', () => enc.encodeInto(str, wasm.HEAPU8.subarray(inPtr, inPtr + size)));
  add('cost.copyOut', 'cost: HEAPU8.slice(decoded) copy-out', () => wasm.HEAPU8.slice(outPtr, outPtr + raw.length));
  add('cost.freshAlloc', 'cost: new Uint8Array(decoded) + touch each 4 KiB page', () => {
    const a = new Uint8Array(raw.length);
    for (let i = 0; i < a.length; i += 4096) a[i] = 1;
    return a;
  });
  add('cost.embindCall', 'cost: one embind call (len 0)', () => wasm._decodeBase64Into(inPtr, 0, outPtr, 16, 0, 0, true));
  const free = () => { wasm._free(inPtr); wasm._free(outPtr); };

  // Peers.
  if (isNode) {
    add('peer.buffer', "Buffer.from(string, 'base64')", () => Buffer.from(str, 'base64'), (o) => new Uint8Array(o.buffer, o.byteOffset, o.length));
    add('peer.buffer.bytes', "Buffer.from(latin1(bytes), 'base64')", () => Buffer.from(latin1.decode(b64), 'base64'),
      (o) => new Uint8Array(o.buffer, o.byteOffset, o.length));
  }
  add('peer.atob', 'atob + charCodeAt loop (string)', () => atobDecode(str), (o) => o);
  if (typeof Uint8Array.fromBase64 === 'function') {
    add('peer.fromBase64', 'Uint8Array.fromBase64(string)', () => Uint8Array.fromBase64(str), (o) => o);
    add('peer.setFromBase64', 'target.setFromBase64(string)', () => target.setFromBase64(str), (r) => {
      if (r.written !== raw.length || r.read !== size) throw new Error(`setFromBase64 wrote ${r.written} of ${raw.length}`);
      return target;
    });
    add('peer.fromBase64.bytes', 'Uint8Array.fromBase64(latin1(bytes))', () => Uint8Array.fromBase64(latin1.decode(b64)), (o) => o);
  }
  // Correctness first (also a warm-up).
  for (const c of cases) {
    target.fill(0);  // cases that write into `target` must really write it
    const out = c.fn();
    if (c.check && !sameBytes(c.check(out), raw)) throw new Error(`base64 bench: ${c.name} decoded wrong bytes at ${sizeName(size)}`);
  }
  return { cases, free };
}

export async function run(opts = {}) {
  const quick = !!opts.quick;
  const sizes = opts.sizes ?? (quick ? [1 * KiB, 8 * MiB] : SIZES);
  const runOpts = quick ? { rounds: 1, samples: 3, sampleMs: 5, warmup: 1, maxMs: 500 }
    : { rounds: opts.rounds ?? 3, samples: 7, sampleMs: 10, warmup: 2, maxMs: 1200 };
  const log = opts.log ?? (() => {});
  const results = [];
  for (const size of sizes) {
    log(`base64 ${sizeName(size)}`);
    const { cases, free } = casesFor(size);
    try {
      const measured = await runCases(cases, { ...runOpts, log });
      measured.forEach((m, i) => results.push({ size, key: cases[i].key, ...m }));
    } finally {
      free();
    }
  }
  return { bench: 'base64', env: environment(), simd: wasm._simdEnabled(), quick, sizes, results };
}

/** Human-readable tables: per size, every case with MB/s, spread and the speed of wasm.bytes relative to it. */
export function format(res) {
  const lines = [`base64 decode — ${res.env.runtime} ${res.env.version} (simd128 ${res.simd ? 'on' : 'off'})`];
  for (const size of res.sizes) {
    const rows = res.results.filter((r) => r.size === size);
    const ref = rows.find((r) => r.key === 'wasm.bytes');
    const t = [['case', 'median ms', 'MB/s', 'MB/s p10–p90', 'wasm.bytes ×']];
    for (const r of rows) {
      t.push([r.name, fmtMs(r.ms.median), fmt(r.mbps.median), `${fmt(r.mbps.p10)}–${fmt(r.mbps.p90)}`,
        r.key.startsWith('peer') ? fmt(r.ms.median / ref.ms.median) : '']);
    }
    lines.push(`\n${sizeName(size)} of base64:\n${table(t)}`);
  }
  return lines.join('\n');
}

if (await isMain(import.meta.url)) {
  const o = await cliOptions({ quick: false, json: false, rounds: 3 });
  const res = await run({ ...o, log: o.json ? undefined : (s) => process.stderr.write(`${s}\n`) });
  console.log(o.json ? JSON.stringify(res) : format(res));
}
