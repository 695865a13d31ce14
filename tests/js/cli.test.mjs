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
  for (const cmd of ['generate', 'chat', 'models']) {
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
