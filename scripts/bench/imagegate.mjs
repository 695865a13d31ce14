// The package entry for the runtime a bench module runs in, as the package's "exports" conditions pick it for a user:
// js/node.mjs under node, js/index.mjs in a page (the bench modules run in both).
const inNode = typeof process === 'object' && typeof process.versions?.node === 'string' && typeof window === 'undefined';
const entry = await import(inNode ? '../../wasm/js/node.mjs' : '../../wasm/js/index.mjs');
export const { createClient, parseImagesResponse, decodeBase64, decodeBase64Into } = entry;
