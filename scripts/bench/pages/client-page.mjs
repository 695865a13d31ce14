// The page bench's client pages: client.html (createClient, on the main thread), worker.html (createWorkerClient
// with objectURLs: true: the same code, the client in a module Worker) and worker-bitmaps.html (the same with bitmaps: true: images decoded
// in the worker, drawn with a bitmaprenderer canvas). One click runs the scenario of ?scenario= and shows the images.
import { $, show, settings, ready, PARALLEL, IMAGES_MODEL, CHAT_MODEL } from './show.mjs';

const kind = document.documentElement.dataset.client;  // main | worker | worker-bitmaps
const { createClient } = kind !== 'main' ? { createClient: (await import('/wasm/js/worker.mjs')).createWorkerClient }
  : await import('/wasm/js/index.mjs');
const client = await createClient({ apiKey: settings.key, baseURL: settings.gw, maxRetries: 0, ...(kind === 'worker' ? { objectURLs: true } : kind === 'worker-bitmaps' ? { bitmaps: true } : {}) });

async function run(prompt) {
  if (settings.scenario === 'stream') {
    const stream = client.chat.completions.stream({ model: CHAT_MODEL, modalities: ['text', 'image'], messages: [{ role: 'user', content: prompt }] });
    const shown = [];
    for await (const ev of stream) if (ev.type === 'image') shown.push(show(ev.bytes, ev.mimeType, ev.blob, ev.bitmap, ev.objectURL));
    await Promise.all(shown);
  } else if (settings.scenario === 'parallel') {
    await Promise.all(Array.from({ length: PARALLEL }, (_, k) => client.images.generate({ model: IMAGES_MODEL, prompt: `${prompt} ${k + 1}`, n: 1 })
      .then((res) => Promise.all(res.images.map((img) => show(img.bytes, img.mimeType, img.blob, img.bitmap, img.objectURL))))));
  } else {
    const res = await client.images.generate({ model: IMAGES_MODEL, prompt, n: 2 });
    await Promise.all(res.images.map((img) => show(img.bytes, img.mimeType, img.blob, img.bitmap, img.objectURL)));
  }
}

$('generate').addEventListener('click', () => {
  run($('prompt').value).catch((err) => { document.documentElement.dataset.error = `${err.name}: ${err.message}`; });
});
ready();
