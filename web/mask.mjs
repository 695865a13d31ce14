// The mask editor: paint over an image the area a model may change. The canvas has the image's own pixel size, so
// the mask is too (what images.edit's masks must be). Painted pixels become transparent in the mask PNG — OpenAI's
// convention, which the gateway passes on — and everything else stays opaque black.

export function createMaskEditor({ canvas, base, sizeInput, toolInputs, clearButton, onChange }) {
  const ctx = canvas.getContext('2d');
  let painted = false;
  let drawing = false;
  let last = null;

  const tool = () => [...toolInputs].find((i) => i.checked)?.value ?? 'brush';
  // Canvas pixels per CSS pixel: the brush size is in screen pixels, whatever the image's size.
  const scale = () => canvas.width / Math.max(1, canvas.getBoundingClientRect().width);
  const point = (e) => {
    const r = canvas.getBoundingClientRect();
    return { x: (e.clientX - r.left) * scale(), y: (e.clientY - r.top) * scale() };
  };
  const stroke = (a, b) => {
    ctx.globalCompositeOperation = tool() === 'eraser' ? 'destination-out' : 'source-over';
    ctx.strokeStyle = 'rgb(255 64 129 / 55%)';
    ctx.fillStyle = ctx.strokeStyle;
    ctx.lineWidth = Number(sizeInput.value) * scale();
    ctx.lineCap = 'round';
    ctx.lineJoin = 'round';
    ctx.beginPath();
    ctx.moveTo(a.x, a.y);
    ctx.lineTo(b.x + 0.01, b.y);
    ctx.stroke();
    painted = true;
  };

  canvas.addEventListener('pointerdown', (e) => {
    if (!canvas.width) return;
    drawing = true;
    canvas.setPointerCapture(e.pointerId);
    last = point(e);
    stroke(last, last);
  });
  canvas.addEventListener('pointermove', (e) => {
    if (!drawing) return;
    const p = point(e);
    stroke(last, p);
    last = p;
  });
  const end = () => {
    if (!drawing) return;
    drawing = false;
    onChange?.(api.hasMask());
  };
  canvas.addEventListener('pointerup', end);
  canvas.addEventListener('pointercancel', end);
  clearButton.addEventListener('click', () => api.clear());

  const api = {
    /** Starts over on an image (its Blob and pixel size). */
    load(blob, width, height) {
      canvas.width = width;
      canvas.height = height;
      // At most ~40 % of the screen's height, so Generate stays in reach below it.
      canvas.parentElement.style.maxWidth = `min(100%, calc(40vh * ${width / height}))`;
      const old = base.src;
      base.src = URL.createObjectURL(blob);
      if (old.startsWith('blob:')) URL.revokeObjectURL(old);
      api.clear();
    },
    clear() {
      ctx.clearRect(0, 0, canvas.width, canvas.height);
      painted = false;
      onChange?.(false);
    },
    /** Whether anything painted is left (erasing everything counts as no mask). */
    hasMask() {
      if (!painted || !canvas.width) return false;
      const px = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
      for (let i = 3; i < px.length; i += 4) if (px[i]) return true;
      return false;
    },
    /** The mask PNG: the image's size, transparent where painted, opaque elsewhere. */
    async toBlob() {
      const out = new OffscreenCanvas(canvas.width, canvas.height);
      const o = out.getContext('2d');
      o.fillStyle = '#000';
      o.fillRect(0, 0, out.width, out.height);
      o.globalCompositeOperation = 'destination-out';
      o.drawImage(canvas, 0, 0);
      // Any paint at all means "change this": make the painted pixels fully transparent, not half.
      const data = o.getImageData(0, 0, out.width, out.height);
      for (let i = 3; i < data.data.length; i += 4) if (data.data[i] < 255) data.data[i] = 0;
      o.putImageData(data, 0, 0);
      return out.convertToBlob({ type: 'image/png' });
    },
    unload() {
      canvas.width = 0;
      canvas.height = 0;
      if (base.src.startsWith('blob:')) URL.revokeObjectURL(base.src);
      base.removeAttribute('src');
      painted = false;
    },
  };
  return api;
}
