#!/usr/bin/env node
// Regenerates the fixtures recorded from the mock gateway (scripts/mock-gateway.mjs):
//   tests/fixtures/sse/chat-two-images.sse    a streamed chat completion with two 16x12 PNG images, byte for byte
//   tests/fixtures/images/fox-64x48.{png,jpg,webp}   one picture in each output format
// The mock is deterministic, so running this again gives identical files unless the mock's pictures or wire
// format changed (tests/js/mock-gateway.test.mjs checks that the files match a fresh recording).
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { start } from './mock-gateway.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const KEY = 'fixture-recording-key';  // any key works on the mock; it is not written anywhere

export const SSE_BODY = {
  model: 'google/gemini-2.5-flash-image', modalities: ['text', 'image'], messages: [{ role: 'user', content: 'x' }], n: 2,
  stream: true, stream_options: { include_usage: true }, providerOptions: { google: { imageConfig: { imageSize: '16x12' } } },
};
export const FOX = { model: 'bfl/flux-2-pro', prompt: 'a red fox in the snow', size: '64x48' };
const FOX_FORMATS = [['png', 'png'], ['jpeg', 'jpg'], ['webp', 'webp']];

async function post(baseURL, route, body) {
  const res = await fetch(`${baseURL}${route}`, {
    method: 'POST', headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' }, body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${route}: HTTP ${res.status} ${await res.text()}`);
  return res;
}

/** Records every fixture from the mock at baseURL → Map(relative path → Buffer). */
export async function recordFixtures(baseURL) {
  const files = new Map();
  const sse = await post(baseURL, '/chat/completions', SSE_BODY);
  files.set('tests/fixtures/sse/chat-two-images.sse', Buffer.from(await sse.arrayBuffer()));
  for (const [format, ext] of FOX_FORMATS) {
    const res = await (await post(baseURL, '/images/generations', { ...FOX, providerOptions: { blackForestLabs: { outputFormat: format } } })).json();
    files.set(`tests/fixtures/images/fox-64x48.${ext}`, Buffer.from(res.data[0].b64_json, 'base64'));
  }
  return files;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  if (process.argv.includes('--help') || process.argv.includes('-h')) {
    console.log('Usage: node scripts/record-fixtures.mjs\nRewrites tests/fixtures/sse/chat-two-images.sse and tests/fixtures/images/fox-64x48.{png,jpg,webp} from the mock gateway.');
    process.exit(0);
  }
  const gw = await start({ port: 0 });
  try {
    for (const [rel, bytes] of await recordFixtures(gw.url)) {
      await mkdir(path.dirname(path.join(root, rel)), { recursive: true });
      await writeFile(path.join(root, rel), bytes);
      console.log(`${rel} (${bytes.length} bytes)`);
    }
  } finally { await gw.close(); }
}
