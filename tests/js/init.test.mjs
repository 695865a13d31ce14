// init()'s sources (issue 21): a precompiled WebAssembly.Module (what Workers and Edge hand out), bytes, a URL; bad
// options are typed errors and do not stick (a later call can still load the core).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';
import { init, decodeBase64, ImagegateError, version } from 'imagegate/manual';
import * as core from '../../wasm/js/core.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const bytes = readFileSync(path.join(root, 'wasm/dist/imagegate_wasm.wasm'));

test('imagegate/manual loads nothing on import', () => {
  assert.equal(version, null);
  assert.throws(() => decodeBase64('aGk='), (e) => e instanceof ImagegateError && /await init\(\) first/.test(e.message));
});

test('bad init() options are typed errors, and a later good call still loads', async () => {
  for (const [options, pattern] of [
    [{ wasmModule: bytes }, /`wasmModule` must be a WebAssembly.Module/],
    [{ wasmModule: {} }, /`wasmModule` must be a WebAssembly.Module/],
    [{ wasmBinary: 'AGFzbQ==' }, /`wasmBinary` must be an ArrayBuffer or a typed array/],
    [{ wasmBinary: new Uint8Array([0, 97, 115, 109, 9, 9, 9, 9]) }, /could not load the wasm core/],
    [{ wasmURL: new URL('file:///nonexistent/imagegate_wasm.wasm') }, /ENOENT/],
  ]) {
    const err = await init(options).catch((e) => e);
    assert.ok(err instanceof ImagegateError, `${JSON.stringify(Object.keys(options))}: ${err}`);
    assert.match(err.message, pattern);
    assert.ok(err.cause, 'the runtime error is kept as cause');
  }
  assert.equal(core.wasm, null);
});

test('init({ wasmModule }) instantiates a module compiled elsewhere, even in another realm (edge sandboxes)', async () => {
  // A module compiled in another realm is not `instanceof` this realm's WebAssembly.Module: it must still be taken.
  const foreign = vm.runInNewContext('new WebAssembly.Module(bytes)', { bytes });
  assert.equal(foreign instanceof WebAssembly.Module, false);
  assert.equal(await init({ wasmModule: foreign }), undefined);
  assert.equal(core.version, '0.1.0');
  assert.equal(new TextDecoder().decode(decodeBase64('aGk=')), 'hi');
  // Later calls return the first call's promise.
  assert.equal(await init({ wasmURL: 'https://unused.invalid/x.wasm' }), undefined);
});
