// The CLI as a user runs it: a child process with the key in the environment, against the mock gateway.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sniffImage } from 'imagegate';
import { start } from '../../scripts/mock-gateway.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const bin = path.join(root, 'wasm/bin/imagegate.mjs');
const KEY = 'sk-cli-MARKER-0123456789';
let gw;
let dir;
before(async () => { gw = await start({ port: 0 }); dir = mkdtempSync(path.join(tmpdir(), 'imagegate-cli-')); });
after(async () => { await gw?.close(); rmSync(dir, { recursive: true, force: true }); });

function run(args, env = {}) {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], {
      cwd: dir, env: { PATH: process.env.PATH, AI_GATEWAY_API_KEY: KEY, AI_GATEWAY_BASE_URL: gw.url, ...env }, timeout: 30_000,
    }, (err, stdout, stderr) => {
      assert.ok(!stdout.includes(KEY) && !stderr.includes(KEY), 'the key never reaches the terminal');
      resolve({ code: err ? err.code : 0, stdout, stderr });
    });
  });
}

test('--help for the CLI and each command', async () => {
  const main = await run(['--help']);
  assert.equal(main.code, 0);
  assert.match(main.stdout, /generate .*models/s);
  for (const cmd of ['generate', 'edit', 'chat', 'models', 'credits', 'cost', 'batch']) {
    const r = await run([cmd, '--help']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, new RegExp(`Usage: imagegate ${cmd}`));
  }
  assert.equal((await run([])).code, 2);
  assert.equal((await run(['paint'])).code, 2);
  assert.equal((await run(['generate', '--bogus'])).code, 2);
});

test('generate -n 2 -o dir writes two valid PNGs and prints where', async () => {
  const r = await run(['generate', 'a red fox', '-m', 'bfl/flux-2-pro', '-n', '2', '--size', '64x48', '-o', 'out/']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /generating 2 images/);
  const files = readdirSync(path.join(dir, 'out')).sort();
  assert.deepEqual(files, ['a-red-fox-1.png', 'a-red-fox-2.png']);
  for (const f of files) {
    const info = sniffImage(new Uint8Array(readFileSync(path.join(dir, 'out', f))));
    assert.deepEqual([info.format, info.width, info.height], ['png', 64, 48]);
    assert.match(r.stdout, new RegExp(`${f}\\timage/png\\t64x48`));
  }
  const jpeg = await run(['generate', 'fox', '-m', 'bfl/flux-2-pro', '--size', '64x48', '-q',
    '--provider-options', '{"blackForestLabs":{"outputFormat":"jpeg"}}', '-o', 'one.jpg']);
  assert.equal(jpeg.code, 0, jpeg.stderr);
  assert.equal(jpeg.stderr, '');
  assert.equal(sniffImage(new Uint8Array(readFileSync(path.join(dir, 'one.jpg')))).format, 'jpeg');
});

test('chat --stream with --image writes the edited image; models --images lists image models', async () => {
  const png = path.join(root, 'tests/fixtures/images/fox-64x48.png');
  const r = await run(['chat', 'invert it', '-m', 'google/gemini-2.5-flash-image', '--image', png, '--stream', '-o', 'edit.png']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /invert it/);
  const info = sniffImage(new Uint8Array(readFileSync(path.join(dir, 'edit.png'))));
  assert.deepEqual([info.width, info.height], [64, 48]);
  const models = await run(['models', '--images']);
  assert.equal(models.code, 0);
  assert.match(models.stdout, /bfl\/flux-2-pro\s+image\s+images/);
  assert.match(models.stdout, /google\/gemini-2.5-flash-image\s+language\s+chat/);
  assert.doesNotMatch(models.stdout, /embedding/);
  const json = JSON.parse((await run(['models', '--json'])).stdout);
  assert.ok(json.length >= 6);
});

test('each error class has its exit code and a clear message', async () => {
  const cases = [
    [['generate', 'x', '-m', 'nope/unknown'], {}, 4, /not found/i],
    [['generate', 'x', '-m', 'bfl/flux-2-pro'], { AI_GATEWAY_API_KEY: '' , AI_GATEWAY_BASE_URL: '' }, 2, /AI_GATEWAY_API_KEY/],
    [['generate', 'x', '-m', 'bfl/flux-2-pro', '-n', '99'], {}, 2, /--n must be/],
    [['generate', 'x', '-m', 'google/gemini-2.5-flash-image'], {}, 6, /language model/],
    [['generate', 'x', '-m', 'bfl/flux-2-pro', '--base-url', 'http://127.0.0.1:9/v1', '--max-retries', '0'], {}, 8, /connect|connection/i],
    [['chat', 'x', '-m', 'google/gemini-2.5-flash-image', '--image', 'missing.png'], {}, 2, /cannot read --image/],
  ];
  for (const [args, env, code, message] of cases) {
    const r = await run(args, env);
    assert.equal(r.code, code, `${args.join(' ')} → ${r.stderr}`);
    assert.match(r.stderr, message);
  }
  for (const [fault, code, message] of [['status=401', 3, /401/], ['status=429', 5, /429/], ['status=500', 7, /500/], ['truncate=40', 10, /invalid|JSON/i]]) {
    gw.setFault(fault);
    try {
      const r = await run(['generate', 'x', '-m', 'bfl/flux-2-pro', '--max-retries', '0']);
      assert.equal(r.code, code, `${fault} → ${r.stderr}`);
      assert.match(r.stderr, message);
    } finally {
      gw.setFault(null);
    }
  }
});

const fox = path.join(root, 'tests/fixtures/images/fox-64x48.png');

test('edit IMAGE... -p -m [--mask] writes the edit; warnings on stderr; --strict fails; usage errors', async () => {
  const r = await run(['edit', fox, fox, '-p', 'night', '-m', 'openai/gpt-image-2', '-o', 'edits/']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /edits\/night\.png\timage\/png\t64x48/);
  assert.match(r.stderr, /editing 2 images with openai\/gpt-image-2/);
  assert.match(r.stderr, /generation gen_/);
  const body = gw.requests.filter((q) => q.path === '/v1/images/edits').at(-1).body;
  assert.equal(body.images.length, 2);
  const masked = await run(['edit', fox, '-p', 'night', '-m', 'bfl/flux-kontext-pro', '--mask', fox, '--multipart', '-o', 'm.png']);
  assert.equal(masked.code, 0, masked.stderr);
  assert.match(masked.stderr, /warning: bfl\/flux-kontext-pro does not take a mask/);
  assert.match(gw.requests.at(-1).headers['content-type'], /^multipart\/form-data/);
  const strict = await run(['edit', fox, '-p', 'night', '-m', 'bfl/flux-kontext-pro', '--mask', fox, '--strict']);
  assert.equal(strict.code, 6);
  assert.match(strict.stderr, /strict: true/);
  for (const [args, message] of [[['edit', '-p', 'x', '-m', 'm/x'], /IMAGE is required/], [['edit', fox, '-m', 'm/x'], /-p PROMPT/],
    [['edit', 'missing.png', '-p', 'x', '-m', 'openai/gpt-image-2'], /cannot read IMAGE missing\.png/]]) {
    const u = await run(args);
    assert.equal(u.code, 2, u.stderr);
    assert.match(u.stderr, message);
  }
});

test('credits and cost GENERATION_ID print the balance and a generation record', async () => {
  const g = await run(['generate', 'a priced fox', '-m', 'bfl/flux-kontext-pro', '--size', '64x48', '-n', '2', '-o', 'priced/']);
  assert.equal(g.code, 0, g.stderr);
  assert.match(g.stderr, /warning: bfl\/flux-kontext-pro returns at most 1 image per provider call/);
  const id = /generation (gen_\w+)/.exec(g.stderr)[1];
  const cost = await run(['cost', id]);
  assert.equal(cost.code, 0, cost.stderr);
  assert.match(cost.stdout, new RegExp(`^generation  ${id}$`, 'm'));
  assert.match(cost.stdout, /^cost        \$0\.08$/m);
  assert.match(cost.stdout, /^provider    bfl$/m);
  assert.equal(JSON.parse((await run(['cost', id, '--json'])).stdout).total_cost, 0.08);
  const credits = await run(['credits']);
  assert.equal(credits.code, 0, credits.stderr);
  assert.match(credits.stdout, /^balance     \$\d+\.\d{2,}\ntotal used  \$\d+\.\d{2,}\n$/);
  assert.deepEqual(Object.keys(JSON.parse((await run(['credits', '--json'])).stdout)), ['balance', 'totalUsed']);
  assert.equal((await run(['cost', 'gen_nope'])).code, 4);
  assert.equal((await run(['cost'])).code, 2);
});

test('batch: a manifest per finished line, a failed line does not stop the rest, a second run resumes', async () => {
  const { writeFileSync, mkdirSync, copyFileSync } = await import('node:fs');
  mkdirSync(path.join(dir, 'jobs'), { recursive: true });
  copyFileSync(fox, path.join(dir, 'jobs', 'fox.png'));
  writeFileSync(path.join(dir, 'jobs', 'b.jsonl'), [
    JSON.stringify({ prompt: 'batch fox one', size: '64x48' }),
    '',
    JSON.stringify({ prompt: 'batch night', model: 'openai/gpt-image-2', images: ['fox.png'], name: 'night' }),
    '{ not json',
    JSON.stringify({ prompt: 'batch unknown', model: 'nope/unknown' }),
    JSON.stringify({ prompt: 'batch fox two', size: '64x48', n: 2 }),
  ].join('\n'));
  const first = await run(['batch', 'jobs/b.jsonl', '-o', 'batch-out', '-m', 'bfl/flux-kontext-pro', '--concurrency', '2']);
  assert.equal(first.code, 1, 'not every line succeeded');
  assert.match(first.stderr, /batch: 3 ok, 2 failed, 0 skipped; cost \$0\.173/);
  const manifest = () => readFileSync(path.join(dir, 'batch-out', 'manifest.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  const entries = new Map(manifest().map((e) => [e.line, e]));
  assert.deepEqual([...entries.keys()].sort(), [1, 3, 4, 5, 6]);
  assert.deepEqual(entries.get(1).files, ['0001-batch-fox-one.png']);
  assert.equal(entries.get(1).cost, 0.04);
  assert.match(entries.get(1).generationId, /^gen_/);
  assert.equal(entries.get(1).error, null);
  assert.deepEqual(entries.get(3).files, ['0003-night.png']);
  assert.equal(entries.get(3).cost, 0.053);
  assert.deepEqual(entries.get(6).files, ['0006-batch-fox-two-1.png', '0006-batch-fox-two-2.png']);
  assert.equal(entries.get(4).error.type, 'UsageError');
  assert.equal(entries.get(5).error.type, 'NotFoundError');
  assert.equal(entries.get(5).error.status, 404);
  for (const f of ['0001-batch-fox-one.png', '0003-night.png', '0006-batch-fox-two-1.png']) {
    assert.equal(sniffImage(new Uint8Array(readFileSync(path.join(dir, 'batch-out', f)))).width, 64);
  }
  // Resume: only the failed lines run again.
  gw.reset();
  const second = await run(['batch', 'jobs/b.jsonl', '-o', 'batch-out', '-m', 'bfl/flux-kontext-pro']);
  assert.equal(second.code, 1);
  assert.match(second.stderr, /line 1: done in an earlier run, skipped/);
  assert.match(second.stderr, /batch: 0 ok, 2 failed, 3 skipped/);
  assert.equal(gw.requests.filter((q) => q.method === 'POST').length, 1, 'only the unknown-model line was sent again');
  // All good → exit 0.
  writeFileSync(path.join(dir, 'jobs', 'ok.jsonl'), `${JSON.stringify({ prompt: 'fine', size: '64x48' })}\n`);
  const fine = await run(['batch', 'jobs/ok.jsonl', '-o', 'batch-ok', '-m', 'bfl/flux-kontext-pro', '--no-cost', '-q']);
  assert.equal(fine.code, 0, fine.stderr);
  assert.equal(JSON.parse(readFileSync(path.join(dir, 'batch-ok', 'manifest.jsonl'), 'utf8')).cost, null);
  assert.equal((await run(['batch', 'jobs/missing.jsonl', '-o', 'x'])).code, 2);
  assert.equal((await run(['batch', 'jobs/ok.jsonl'])).code, 2);
});

test('batch honours a rate limit: every worker waits what the 429 asked, then the line succeeds', async () => {
  const { writeFileSync, mkdirSync } = await import('node:fs');
  mkdirSync(path.join(dir, 'rl'), { recursive: true });
  writeFileSync(path.join(dir, 'rl', 'b.jsonl'), [1, 2, 3].map((i) => JSON.stringify({ prompt: `rate ${i}`, size: '64x48' })).join('\n'));
  gw.reset();
  gw.setFault('fail-first=1:429,retry-after-ms=600');
  try {
    const t0 = Date.now();
    const r = await run(['batch', 'rl/b.jsonl', '-o', 'rl-out', '-m', 'bfl/flux-kontext-pro', '--max-retries', '0', '--concurrency', '1', '--no-cost']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /rate limited, every request waits 0\.6 s/);
    assert.match(r.stderr, /batch: 3 ok, 0 failed/);
    assert.ok(Date.now() - t0 >= 600);
    const posts = gw.requests.filter((q) => q.method === 'POST');
    assert.equal(posts.length, 4, 'the limited line was sent again, once');
  } finally {
    gw.setFault(null);
  }
});

test('--aspect-ratio goes under the model\'s provider-options namespace (the package\'s table)', async () => {
  const r = await run(['generate', 'wide', '-m', 'spacexai/grok-imagine-image', '--aspect-ratio', '16:9', '-o', 'wide.png']);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(gw.requests.at(-1).body.providerOptions, { xai: { aspectRatio: '16:9' } });
  assert.match(r.stdout, /wide\.png\timage\/png\t1024x576/);
  const b = await run(['generate', 'wide', '-m', 'bfl/flux-kontext-pro', '--aspect-ratio', '3:2', '--provider-options', '{"blackForestLabs":{"outputFormat":"jpeg"}}', '-o', 'w2.jpg']);
  assert.equal(b.code, 0, b.stderr);
  assert.deepEqual(gw.requests.at(-1).body.providerOptions, { blackForestLabs: { aspectRatio: '3:2', outputFormat: 'jpeg' } });
  assert.equal((await run(['generate', 'x', '-m', 'bfl/flux-2-pro', '--aspect-ratio', 'wide'])).code, 2);
});
