// Where the packaged .wasm is, for the entries that load it by URL (browsers, bundlers, node): next to the glue,
// written as new URL(…, import.meta.url), the form Vite, webpack 5 and Parcel rewrite to their emitted asset. Only a
// function is registered here; import.meta.url is read when init() needs it (it is undefined in workerd). The
// Workers/Edge entry does not import this file, so those bundles carry the .wasm once, as a module.
import { _setPackagedWasmURL } from './core.mjs';

_setPackagedWasmURL(() => (typeof import.meta.url === 'string' ? new URL('../dist/imagegate_wasm.wasm', import.meta.url) : null));
