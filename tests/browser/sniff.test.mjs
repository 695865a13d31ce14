// The browser is the oracle for sniffImage's display size: every fixture in tests/fixtures/images/display/ is
// loaded as an <img> in Chromium, and the package's sniffImage (running in the same page) must report
// displayWidth/displayHeight equal to the image's naturalWidth/naturalHeight, and an orientation that puts the
// stored picture's corners where Chromium draws them. The stored picture is 32x20 in four quadrants: red
// top-left, lime top-right, blue bottom-left, white bottom-right.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { launch, root } from './harness.mjs';

const dir = path.join(root, 'tests/fixtures/images/display');
const { files } = JSON.parse(readFileSync(path.join(root, 'tests/fixtures/images/display.json'), 'utf8'));

// Where the stored top-left (red) and top-right (lime) quadrants are displayed, per EXIF orientation.
const CORNERS = {
  1: ['tl', 'tr'], 2: ['tr', 'tl'], 3: ['br', 'bl'], 4: ['bl', 'br'],
  5: ['tl', 'bl'], 6: ['tr', 'br'], 7: ['br', 'tr'], 8: ['bl', 'tl'],
};

let h;
before(async () => {
  h = await launch({ gateway: null });
  await h.open();
});
after(async () => { await h?.close(); });

test('sniffImage display size equals Chromium naturalWidth/naturalHeight for every display fixture', async () => {
  const names = Object.keys(files).sort();
  assert.ok(names.length >= 34);
  const results = await h.page.evaluate(async (list) => {
    const { sniffImage } = await import('/imagegate/js/index.mjs');
    const out = {};
    for (const [name, b64] of list) {
      const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
      const info = { ...sniffImage(bytes) };
      const img = new Image();
      img.src = URL.createObjectURL(new Blob([bytes], { type: info.mimeType }));
      try {
        await img.decode();
      } catch (e) {
        out[name] = { info, error: String(e) };
        continue;
      }
      // Draw as displayed (drawImage applies the image's orientation) and read each corner's colour.
      const c = document.createElement('canvas');
      c.width = img.naturalWidth;
      c.height = img.naturalHeight;
      const g = c.getContext('2d');
      g.drawImage(img, 0, 0);
      const colour = (x, y) => {
        const [r, gr, b] = g.getImageData(x, y, 1, 1).data;
        return ({ 100: 'red', '010': 'lime', '001': 'blue', 111: 'white' })[[r, gr, b].map((v) => (v > 128 ? 1 : 0)).join('')] ?? 'other';
      };
      const W = c.width, H = c.height;
      const corners = { tl: colour(1, 1), tr: colour(W - 2, 1), bl: colour(1, H - 2), br: colour(W - 2, H - 2) };
      out[name] = { info, natural: [img.naturalWidth, img.naturalHeight], corners };
      URL.revokeObjectURL(img.src);
    }
    return out;
  }, names.map((n) => [n, readFileSync(path.join(dir, n)).toString('base64')]));

  const failures = [];
  for (const name of names) {
    const r = results[name];
    const e = files[name];
    if (r.error) { failures.push(`${name}: Chromium could not decode it (${r.error})`); continue; }
    const ours = [r.info.displayWidth, r.info.displayHeight];
    if (ours.join('x') !== r.natural.join('x')) failures.push(`${name}: sniffImage ${ours.join('x')}, Chromium ${r.natural.join('x')}`);
    const [red, lime] = CORNERS[r.info.orientation];
    if (r.corners[red] !== 'red' || r.corners[lime] !== 'lime') {
      failures.push(`${name}: orientation ${r.info.orientation} puts red at ${red} and lime at ${lime}, Chromium drew ${JSON.stringify(r.corners)}`);
    }
    // And the committed expectations are what the browser shows.
    assert.deepEqual([e.displayWidth, e.displayHeight], r.natural, `${name}: display.json`);
    assert.equal(r.info.orientation, e.orientation, `${name}: orientation`);
    assert.deepEqual([r.info.width, r.info.height], [e.width, e.height], `${name}: stored size`);
  }
  assert.deepEqual(failures, []);
});
