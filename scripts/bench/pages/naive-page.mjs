// The page bench's naive peer: what a page does without imagegate. fetch + res.json() + Uint8Array.fromBase64 (atob
// where it is missing) on the main thread; a chat stream read by hand (TextDecoder, blank-line split, JSON.parse of
// each event). The images are shown as the client pages show them (show.mjs).
import { $, show, settings, ready, PARALLEL, IMAGES_MODEL, CHAT_MODEL } from './show.mjs';

const fromBase64 = Uint8Array.fromBase64 ? (s) => Uint8Array.fromBase64(s) : (s) => {
  const bin = atob(s), out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
};
const post = (path, body) => fetch(`${settings.gw}${path}`, {
  method: 'POST', headers: { authorization: `Bearer ${settings.key}`, 'content-type': 'application/json' }, body: JSON.stringify(body),
});
const fromDataUrl = (url) => fromBase64(url.slice(url.indexOf(',') + 1));

async function generate(prompt, n) {
  const res = await post('/images/generations', { model: IMAGES_MODEL, prompt, n });
  if (!res.ok) throw new Error(`HTTP ${res.status}`);
  const json = await res.json();
  await Promise.all(json.data.map((d) => show(fromBase64(d.b64_json), 'image/png')));
}

async function stream(prompt) {
  const res = await post('/chat/completions', { model: CHAT_MODEL, modalities: ['text', 'image'], stream: true, messages: [{ role: 'user', content: prompt }] });
  if (!res.ok) throw new Error(`HTTP ${res.status}`);
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buf = '', from = 0;
  const shown = [];
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buf += value;
    let end;
    while ((end = buf.indexOf('\n\n', from)) >= 0) {
      const event = buf.slice(0, end);
      buf = buf.slice(end + 2);
      from = 0;
      const data = event.split('\n').filter((l) => l.startsWith('data:')).map((l) => l.slice(5).trimStart()).join('\n');
      if (!data || data === '[DONE]') continue;
      for (const choice of JSON.parse(data).choices ?? []) {
        for (const im of choice.delta?.images ?? []) shown.push(show(fromDataUrl(im.image_url?.url ?? im.url), 'image/png'));
      }
    }
    from = Math.max(0, buf.length - 1);
  }
  await Promise.all(shown);
}

async function run(prompt) {
  if (settings.scenario === 'stream') return stream(prompt);
  if (settings.scenario === 'parallel') return Promise.all(Array.from({ length: PARALLEL }, (_, k) => generate(`${prompt} ${k + 1}`, 1)));
  return generate(prompt, 2);
}

$('generate').addEventListener('click', () => {
  run($('prompt').value).catch((err) => { document.documentElement.dataset.error = `${err.name}: ${err.message}`; });
});
ready();
