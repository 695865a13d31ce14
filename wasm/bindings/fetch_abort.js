// Emscripten 3.1.6's emscripten_fetch_close() frees an in-flight fetch without aborting its XMLHttpRequest,
// whose late callbacks would then write into freed memory. This aborts the XHR first (Fetch.xhrs is
// indexed by fetch->id - 1 in this version).
mergeInto(LibraryManager.library, {
  imagegate_fetch_abort__deps: ['$Fetch'],
  imagegate_fetch_abort: function (id) {
    var xhr = Fetch.xhrs[id - 1];
    if (xhr && xhr.readyState > 0 && xhr.readyState < 4) xhr.abort();
  },
});
