#!/usr/bin/env node
// The benchmark regression gate (scripts/bench.sh --check). Compares the targets of the runs just made with
// bench/baseline.json and fails on a drop beyond the noise the runs show themselves.
// Usage: node scripts/bench/check.mjs <baseline.json> <run1-targets.json> <run2-targets.json> [...] [--update]
//   Each target's current figure is the best over the runs; its noise is the spread between the runs
//   (|a − b| ÷ the better one), now and when the baseline was written. A target fails when it is worse than the
//   baseline by more than max(FLOOR, 2 × the noise now, 2 × the baseline's noise), FLOOR = 20 % (quick runs on a
//   shared 2-core VM: the spread between two invocations is larger than within one). --update writes the baseline
//   instead (on purpose only: commit it with the change that moved the figures, and say why).
import { readFileSync, writeFileSync, existsSync } from 'node:fs';

const FLOOR = 0.2;
const args = process.argv.slice(2);
const update = args.includes('--update');
const [baselineFile, ...runFiles] = args.filter((a) => a !== '--update');
if (!baselineFile || runFiles.length < 2) {
  console.error('usage: check.mjs <baseline.json> <run1-targets.json> <run2-targets.json> [...] [--update]');
  process.exit(2);
}
const runs = runFiles.map((f) => JSON.parse(readFileSync(f, 'utf8')));
const keys = [...new Set(runs.flatMap((r) => r.map((t) => t.key)))];
const current = {};
for (const key of keys) {
  const rows = runs.map((r) => r.find((t) => t.key === key)).filter(Boolean);
  const better = rows[0].better;
  const nums = rows.map((t) => t.number);
  const best = better === 'higher' ? Math.max(...nums) : Math.min(...nums);
  const noise = nums.length > 1 ? (Math.max(...nums) - Math.min(...nums)) / Math.abs(best || 1) : 0;
  current[key] = { number: best, better, noise: Number(noise.toFixed(4)), runs: nums };
}

if (update) {
  const baseline = Object.fromEntries(Object.entries(current).map(([k, v]) => [k, { number: v.number, better: v.better, noise: v.noise }]));
  writeFileSync(baselineFile, `${JSON.stringify(baseline, null, 1)}\n`);
  console.log(`check: wrote ${Object.keys(baseline).length} targets to ${baselineFile}`);
  process.exit(0);
}
if (!existsSync(baselineFile)) {
  console.error(`check: no baseline at ${baselineFile}: run scripts/bench.sh --check --update-baseline once, on purpose`);
  process.exit(2);
}
const baseline = JSON.parse(readFileSync(baselineFile, 'utf8'));
let failed = 0;
const pad = (s, n) => String(s).padEnd(n);
console.log(`${pad('target', 96)} ${pad('baseline', 10)} ${pad('now', 10)} ${pad('change', 8)} ${pad('allowed', 8)} result`);
for (const [key, base] of Object.entries(baseline)) {
  const now = current[key];
  if (!now) {
    console.log(`${pad(key.slice(0, 95), 96)} ${pad(base.number, 10)} ${pad('missing', 10)} ${pad('', 8)} ${pad('', 8)} FAIL (not measured)`);
    failed++;
    continue;
  }
  // change > 0 is worse, whichever way the target points.
  const change = base.better === 'higher' ? (base.number - now.number) / base.number : (now.number - base.number) / base.number;
  const allowed = Math.max(FLOOR, 2 * now.noise, 2 * (base.noise ?? 0));
  const bad = change > allowed;
  if (bad) failed++;
  console.log(`${pad(key.slice(0, 95), 96)} ${pad(base.number, 10)} ${pad(now.number, 10)} ${pad(`${(change * 100).toFixed(0)}%`, 8)} ${pad(`${(allowed * 100).toFixed(0)}%`, 8)} ${bad ? 'FAIL' : 'ok'}`);
}
for (const key of Object.keys(current)) if (!baseline[key]) console.log(`(new target, not in the baseline: ${key})`);
console.log(failed ? `check: ${failed} target(s) dropped beyond the noise` : 'check: no drop beyond the noise');
process.exit(failed ? 1 : 0);
