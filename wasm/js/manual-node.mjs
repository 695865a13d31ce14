// imagegate/manual for node, Deno and Bun: the node host (js/node-host.mjs), then the manual entry.
import './node-host.mjs';

export * from './manual.mjs';
