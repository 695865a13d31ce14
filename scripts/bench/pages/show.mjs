// What every page-bench peer page does with an image's bytes, so that the pages differ only in how the bytes arrive:
// a Blob, an object URL, an <img> decoded (img.decode(): off the main thread in Chromium) before it joins the gallery.
export const $ = (testid) => document.querySelector(`[data-testid="${testid}"]`);

export async function show(bytes, type = 'image/png', blob = null, bitmap = null, objectURL = null) {
  if (bitmap) {
    // Decoded already (a worker client with bitmaps: true): handed to a canvas, no decode and no copy here.
    const canvas = document.createElement('canvas');
    canvas.dataset.testid = 'result-image';
    canvas.width = bitmap.width;
    canvas.height = bitmap.height;
    canvas.getContext('bitmaprenderer').transferFromImageBitmap(bitmap);
    $('gallery').append(canvas);
    return;
  }
  const img = new Image();
  img.dataset.testid = 'result-image';
  img.alt = 'A generated image';
  // A worker client's images come with a Blob made in the worker (no copy of the bytes on this thread).
  // With objectURLs: true, also its object URL, made there (URL.createObjectURL here would wait for the Blob's bytes).
  img.src = objectURL ?? URL.createObjectURL(blob ?? new Blob([bytes], { type }));
  try { await img.decode(); } catch { /* shown anyway; the bench sees it never decodes */ }
  $('gallery').append(img);
}

/** The page's settings: ?gw=<gateway base URL>&scenario=images|stream|parallel (scripts/bench/page.mjs). */
export const settings = (() => {
  const q = new URLSearchParams(location.search);
  return { gw: q.get('gw'), key: q.get('key') || 'vck_page_bench_key', scenario: q.get('scenario') || 'images' };
})();

/** The requests of each scenario (the mock's image-bytes fault decides the image sizes). */
export const PARALLEL = 8;
export const IMAGES_MODEL = 'openai/gpt-image-1';
export const CHAT_MODEL = 'google/gemini-2.5-flash-image';

export function ready() {
  document.documentElement.dataset.ready = 'true';
}
