// imagegate/manual: the same API as 'imagegate'; nothing is loaded until init() (createClient awaits it itself).
// `version` is null until init() has resolved.
export * from './index.js';
