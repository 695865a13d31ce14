// The full-size viewer: fit to the screen by default, actual size on a toggle (or a click on the picture),
// previous/next across the items it is given (the run's images, then the history's), download and copy inside.
// It shows Blobs through object URLs of its own, revoked when it moves on or closes.

/** Opens the viewer on items[index]; items: [{ blob, name, title, image }]. onCopy(image) copies one. */
export function createViewer({ dialog, body, img, title, position, prev, next, zoom, download, copy, close, onCopy }) {
  let items = [];
  let at = 0;
  let url = null;

  const setZoom = (actual) => {
    body.classList.toggle('fit', !actual);
    zoom.setAttribute('aria-pressed', String(actual));
    zoom.textContent = actual ? 'Fit to screen' : 'Actual size';
  };
  const show = (k) => {
    if (!items.length) return;
    at = (k + items.length) % items.length;
    const item = items[at];
    const fresh = URL.createObjectURL(item.blob);
    img.src = fresh;
    img.alt = item.title;
    if (url) URL.revokeObjectURL(url);
    url = fresh;
    title.textContent = item.title;
    position.textContent = items.length > 1 ? `${at + 1} of ${items.length}` : '';
    prev.disabled = next.disabled = items.length < 2;
    download.href = fresh;
    download.download = item.name;
    dialog.dataset.index = String(at);
    setZoom(false);
  };

  prev.addEventListener('click', () => show(at - 1));
  next.addEventListener('click', () => show(at + 1));
  zoom.addEventListener('click', () => setZoom(body.classList.contains('fit')));
  img.addEventListener('click', () => setZoom(body.classList.contains('fit')));
  copy.addEventListener('click', () => items[at] && onCopy(items[at].image));
  close.addEventListener('click', () => dialog.close());
  dialog.addEventListener('click', (e) => { if (e.target === dialog) dialog.close(); });  // the backdrop
  dialog.addEventListener('keydown', (e) => {
    if (e.target === body && !body.classList.contains('fit')) return;  // actual size: the arrows scroll the image
    if (e.key === 'ArrowLeft') { e.preventDefault(); show(at - 1); }
    if (e.key === 'ArrowRight') { e.preventDefault(); show(at + 1); }
  });
  dialog.addEventListener('close', () => {
    img.removeAttribute('src');
    download.removeAttribute('href');
    if (url) URL.revokeObjectURL(url);
    url = null;
    items = [];
  });

  return {
    open(list, index) {
      items = list;
      show(index);
      if (!dialog.open) dialog.showModal();
    },
  };
}
