// What every runtime of the matrix runs against the mock gateway, with the package as that runtime's user gets it
// (the caller imports 'imagegate' its own way and passes the module in): the import itself, the codecs,
// images.generate (the bytes' SHA-256, compared with what the gateway sent), a streamed chat image (same), a typed
// 401 and a typed connection failure. Web APIs only (crypto.subtle, TextEncoder, performance): it runs unchanged in
// node, Bun, Deno, workerd, the Edge Runtime, pages and bundles.
//
// `gw`: { url: the gateway's base URL, key: a key it accepts, refused: a base URL where nothing listens }.
// Resolves to a plain JSON-able object; errors are reported in it (never thrown), so one failure shows the rest.
export const PROBE_KEY = 'sk-runtime-PROBE-7f3a';
export const GENERATE = { model: 'bfl/flux-2-pro', prompt: 'runtimes matrix', size: '40x30' };
export const CHAT = {
  model: 'google/gemini-2.5-flash-image', modalities: ['text', 'image'], image_config: { image_size: '48x32' },
  messages: [{ role: 'user', content: 'a streamed runtime picture' }],
};

const hex = (buf) => [...new Uint8Array(buf)].map((b) => b.toString(16).padStart(2, '0')).join('');
const sha256 = async (bytes) => hex(await crypto.subtle.digest('SHA-256', bytes.slice()));

async function step(out, name, fn) {
  try {
    out[name] = await fn();
  } catch (err) {
    out[name] = { threw: `${err?.name}: ${err?.message}`, cause: err?.cause ? String(err.cause) : undefined };
  }
}

export async function probe(ig, gw) {
  const out = { version: ig.version };
  await step(out, 'codecs', async () => {
    const png = ig.decodeBase64('iVBORw0KGgoAAAANSUhEUgAAAAMAAAACCAIAAAASFvFNAAAAEklEQVR4nGM8ceIEAxgwMcAAACpsAlzQVGNXAAAAAElFTkSuQmCC');
    const info = ig.sniffImage(png);
    return {
      decoded: new TextDecoder().decode(ig.decodeBase64('aW1hZ2VnYXRl')),
      encoded: ig.encodeBase64(new TextEncoder().encode('imagegate')),
      sniff: `${info.format} ${info.width}x${info.height}`,
      dataUrl: new TextDecoder().decode(ig.parseDataUrl('data:text/plain;base64,aGk=').bytes),
      badBase64: (() => { try { ig.decodeBase64('a*b'); return 'no error'; } catch (e) { return `${e.name} ${e.code} ${e.position}`; } })(),
    };
  });
  const client = await ig.createClient({ apiKey: gw.key, baseURL: gw.url, maxRetries: 0 });
  await step(out, 'generate', async () => {
    const res = await client.images.generate(GENERATE);
    const img = res.images[0];
    return { n: res.images.length, mimeType: img.mimeType, width: img.width, height: img.height, sha256: await sha256(img.bytes) };
  });
  await step(out, 'stream', async () => {
    const events = [];
    let image = null;
    for await (const ev of client.chat.completions.stream(CHAT)) {
      events.push(ev.type);
      if (ev.type === 'image') image = { mimeType: ev.mimeType, width: ev.width, height: ev.height, sha256: await sha256(ev.bytes) };
    }
    return { image, sawText: events.includes('text'), last: events.at(-1) };
  });
  await step(out, 'unauthorized', async () => {
    const wrong = 'sk-wrong-key-0123456789';
    const bad = await ig.createClient({ apiKey: wrong, baseURL: gw.url, maxRetries: 2 });
    const t0 = performance.now();
    try {
      await bad.images.generate(GENERATE);
      return { threw: null };
    } catch (e) {
      return {
        name: e.name, status: e.status, authenticationError: e instanceof ig.AuthenticationError,
        imagegateError: e instanceof ig.ImagegateError, keyInMessage: String(e.message).includes(wrong),
        fast: performance.now() - t0 < 1000,
      };
    }
  });
  await step(out, 'refused', async () => {
    const off = await ig.createClient({ apiKey: gw.key, baseURL: gw.refused, maxRetries: 0 });
    const result = {};
    for (const [what, call] of [['generate', () => off.images.generate(GENERATE)],
      ['stream', async () => { for await (const ev of off.chat.completions.stream(CHAT)) void ev; }]]) {
      try {
        await call();
        result[what] = 'no error';
      } catch (e) {
        result[what] = `${e.name} ${e instanceof ig.APIConnectionError}`;
      }
    }
    return result;
  });
  return out;
}

/** What `probe` must resolve to, given the expected image hashes (computed by the harness from the raw answers). */
export function expected({ generateSha256, streamSha256, version }) {
  return {
    version,
    codecs: { decoded: 'imagegate', encoded: 'aW1hZ2VnYXRl', sniff: 'png 3x2', dataUrl: 'hi', badBase64: 'Base64DecodeError invalid_character 1' },
    generate: { n: 1, mimeType: 'image/png', width: 40, height: 30, sha256: generateSha256 },
    stream: { image: { mimeType: 'image/png', width: 48, height: 32, sha256: streamSha256 }, sawText: true, last: 'usage' },
    unauthorized: { name: 'AuthenticationError', status: 401, authenticationError: true, imagegateError: true, keyInMessage: false, fast: true },
    refused: { generate: 'APIConnectionError true', stream: 'APIConnectionError true' },
  };
}
