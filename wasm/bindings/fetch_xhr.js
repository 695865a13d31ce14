// Reaches the XMLHttpRequest behind an emscripten_fetch (Emscripten 3.1.6's Fetch.js keeps it in Fetch.xhrs,
// indexed by fetch->id - 1, until emscripten_fetch_close()).
mergeInto(LibraryManager.library, {
  // 3.1.6's emscripten_fetch_close() frees an in-flight fetch without aborting its XMLHttpRequest, whose late
  // callbacks would then write into freed memory: abort the XHR first.
  imagegate_fetch_abort__deps: ['$Fetch'],
  imagegate_fetch_abort: function (id) {
    var xhr = Fetch.xhrs[id - 1];
    if (xhr && xhr.readyState > 0 && xhr.readyState < 4) xhr.abort();
  },
  // The finished response's own ArrayBuffer as a Uint8Array (a val handle), or undefined when it is not exactly
  // `len` bytes. Fetch.js copied it into the heap; decoded images are written back into it (warm pages) instead of
  // into new buffers (see images_response_val).
  // The runtime's error behind a failed XMLHttpRequest (node-xhr.mjs records it; browsers give none): a val handle.
  imagegate_fetch_error__deps: ['$Fetch', '$Emval'],
  imagegate_fetch_error: function (id) {
    var xhr = Fetch.xhrs[id - 1];
    return Emval.toHandle(xhr ? xhr[Symbol.for('imagegate.node-xhr.error')] : undefined);
  },
  imagegate_fetch_response__deps: ['$Fetch', '$Emval'],
  imagegate_fetch_response: function (id, len) {
    var xhr = Fetch.xhrs[id - 1];
    var body = xhr && xhr.readyState === 4 && xhr.response instanceof ArrayBuffer ? xhr.response : null;
    return Emval.toHandle(body && body.byteLength === len ? new Uint8Array(body) : undefined);
  },
});
