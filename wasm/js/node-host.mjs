// The node path (node, Deno, Bun; reached through the "node", "deno" and "bun" export conditions only, so browser
// bundlers never see a node: module). Imported first by js/node.mjs and js/manual-node.mjs: it gives the core node's
// file system for file: URLs (the packaged .wasm is read, not fetched) and gives the glue what its node code expects
// (require, __filename, __dirname, process) plus the package's XMLHttpRequest over node:http for emscripten_fetch.
// Only in node proper: a module with a file: URL and process.versions.node. Anywhere else (a runtime that resolved
// the "node" condition but is not node, or a `process` polyfill) nothing is installed and the web path is taken.
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { dirname } from 'node:path';
import { readFile } from 'node:fs';  // not node:fs/promises: loading it costs ~4 ms at import (it pulls in readline)
import { NodeXMLHttpRequest } from './node-xhr.mjs';
import { _useNodeHost } from './core.mjs';

const url = import.meta.url;
if (typeof url === 'string' && url.startsWith('file:') && typeof process === 'object' &&
    typeof process.versions?.node === 'string') {
  const glueFile = fileURLToPath(new URL('../dist/imagegate_wasm.mjs', url));
  let glueRequire = null;
  _useNodeHost({
    readFile: (fileURL) => new Promise((resolve, reject) => readFile(fileURL, (err, data) => (err ? reject(err) : resolve(data)))),
    glue: {
      // Made on the glue's first require() (it has none on the instantiateWasm path this package takes).
      require: (name) => (glueRequire ??= createRequire(glueFile))(name), __filename: glueFile, __dirname: dirname(glueFile), process,
      // A page-like runtime's own XMLHttpRequest wins (e.g. a test environment that provides one).
      XMLHttpRequest: typeof globalThis.XMLHttpRequest === 'function' ? globalThis.XMLHttpRequest : NodeXMLHttpRequest,
    },
  });
}
