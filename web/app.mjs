// The demo page. It uses only the package's public API.
import { decodeBase64, sniffImage, version } from '/imagegate/js/index.mjs';

const $ = (id) => document.getElementById(id);
const RENDERABLE = new Set(['png', 'jpeg', 'webp', 'gif', 'avif']);

function showError(message) {
  const el = document.querySelector('[data-testid="error"]');
  el.textContent = message;
  el.hidden = !message;
}

/** Renders decoded bytes, but only when the sniffer recognises a raster format (never SVG or HTML). */
export function showImage(bytes, caption = '') {
  const info = sniffImage(bytes);
  if (!RENDERABLE.has(info.format)) throw new Error('Not a PNG, JPEG, WebP, GIF or AVIF image');
  const url = URL.createObjectURL(new Blob([bytes], { type: info.mimeType }));
  const figure = document.createElement('figure');
  const img = document.createElement('img');
  img.src = url;
  img.alt = caption || `${info.format} ${info.width}×${info.height}`;
  img.dataset.testid = 'result-image';
  const cap = document.createElement('figcaption');
  cap.textContent = `${info.format} · ${info.width}×${info.height} · ${bytes.length} bytes`;
  figure.append(img, cap);
  document.querySelector('[data-testid="gallery"]').prepend(figure);
  return img;
}

$('decode').addEventListener('click', () => {
  showError('');
  const text = $('b64-input').value.trim();
  const payload = text.startsWith('data:') ? text.slice(text.indexOf(',') + 1) : text;
  try {
    showImage(decodeBase64(payload));
  } catch (err) {
    showError(err.message);
  }
});

document.querySelector('[data-testid="status"]').textContent = `imagegate ${version} ready`;
document.documentElement.dataset.ready = 'true';
