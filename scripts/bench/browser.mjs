#!/usr/bin/env node
// Runs the same benchmark modules (base64.mjs, images.mjs, stream.mjs) inside headless Chromium, plus the
// Chromium cold start. Serves wasm/{js,dist}, scripts/bench and eventsource-parser over a local node:http server
// (scripts/bench/server.mjs; pages are cross-origin isolated for a 5 µs performance.now()), and drives Debian's
// /usr/bin/chromium with playwright-core (never downloads a browser). GC is exposed (--js-flags=--expose-gc) so
// the runner can collect between samples, as in node.
// Usage: node scripts/bench/browser.mjs [--json] [--quick] [--only base64,images,stream,cold] [--regime cold|warm]
import { chromium } from 'playwright-core';
import { start } from './server.mjs';
import { cliOptions, summarize, fmtMs } from './lib.mjs';

const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

async function coldStart(browser, base, samples, regime) {
  const cold = [], warm = [];
  for (let i = 0; i < samples; i++) {
    const context = await browser.newContext();  // fresh context: empty HTTP cache, no code cache
    // The regime (lib.mjs) is read when the bench modules load: set it before any of them does, on every navigation.
    await context.addInitScript((r) => { globalThis.__benchRegime = r; }, regime);
    const page = await context.newPage();
    const probe = async () => {
      await page.goto(`${base}/blank.html`);
      return page.evaluate(async () => {
        const t0 = performance.now();
        const m = await import('/wasm/js/index.mjs');
        const out = m.decodeBase64('aGVsbG8gd29ybGQ=');
        const t1 = performance.now();
        if (out.length !== 11) throw new Error('bad decode');
        return { importToDecode: t1 - t0, navigationToDecode: t1 };
      });
    };
    cold.push(await probe());
    warm.push(await probe());  // same context, reloaded page: HTTP cache (and V8's code caches) may help
    await context.close();
  }
  const pick = (xs, k) => summarize(xs.map((x) => x[k]));
  return {
    samples,
    cold: { importToDecode: pick(cold, 'importToDecode'), navigationToDecode: pick(cold, 'navigationToDecode') },
    reload: { importToDecode: pick(warm, 'importToDecode'), navigationToDecode: pick(warm, 'navigationToDecode') },
  };
}

/**
 * The demo page (web/, served by scripts/serve.mjs as scripts/demo.sh does, static only): navigation start → the
 * moment the page marks the core ready (`<html data-ready="true">`, web/app.mjs), in a fresh context and after a
 * reload of the same context (HTTP cache warm: 304s). Also the bytes the page's resources took on the wire.
 */
async function pageStartup(browser, samples) {
  const { start: startDemo } = await import('../serve.mjs');
  const demo = await startDemo({ port: 0, gateway: null });
  const fresh = [], reload = [];
  try {
    for (let i = 0; i < samples; i++) {
      const context = await browser.newContext();
      await context.addInitScript(() => {
        new MutationObserver((_, obs) => {
          if (document.documentElement?.dataset.ready === 'true') { globalThis.__readyAt = performance.now(); obs.disconnect(); }
        }).observe(document, { attributes: true, subtree: true, attributeFilter: ['data-ready'] });
      });
      const page = await context.newPage();
      const probe = async () => {
        await page.waitForFunction(() => globalThis.__readyAt > 0, null, { timeout: 30_000 });
        return page.evaluate(() => ({ navigationToReady: globalThis.__readyAt,
          transferred: performance.getEntriesByType('resource').reduce((a, e) => a + e.transferSize, 0) +
            (performance.getEntriesByType('navigation')[0]?.transferSize ?? 0) }));
      };
      await page.goto(demo.url);
      fresh.push(await probe());
      await page.reload();
      reload.push(await probe());
      await context.close();
    }
  } finally {
    await demo.close();
  }
  const pick = (xs, k) => summarize(xs.map((x) => x[k]));
  return { samples, fresh: { navigationToReady: pick(fresh, 'navigationToReady'), transferred: pick(fresh, 'transferred') },
    reload: { navigationToReady: pick(reload, 'navigationToReady'), transferred: pick(reload, 'transferred') } };
}

export async function runBrowser({ quick = false, only = null, log = () => {}, rounds, regime = 'cold' } = {}) {
  const server = await start({ port: 0, serveFiles: true });
  const browser = await chromium.launch({
    executablePath: CHROMIUM, headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--js-flags=--expose-gc', '--disable-background-networking',
      '--disable-component-update', '--disable-renderer-backgrounding', '--disable-background-timer-throttling'],
  });
  const out = { bench: 'browser', chromium: browser.version(), regime, results: {} };
  try {
    const want = (name) => !only || only.includes(name);
    const context = await browser.newContext();
    // The regime (lib.mjs) is read when the bench modules load: set it before any of them does, on every navigation.
    await context.addInitScript((r) => { globalThis.__benchRegime = r; }, regime);
    const page = await context.newPage();
    page.on('console', (m) => { if (m.text().startsWith('[bench] ')) log(m.text().slice(8)); });
    page.on('pageerror', (e) => log(`page error: ${e}`));
    await page.goto(`${server.url}/bench.html`);
    out.crossOriginIsolated = await page.evaluate(() => crossOriginIsolated);
    for (const name of ['base64', 'images', 'stream']) {
      if (!want(name)) continue;
      log(`chromium: ${name}`);
      const t0 = Date.now();
      try {
        out.results[name] = await page.evaluate(async ({ name, opts }) => {
          const m = await import(`/scripts/bench/${name}.mjs`);
          return m.run({ ...opts, serverURL: location.origin, log: (s) => console.log(`[bench] ${s}`) });
        }, { name, opts: { quick, rounds: rounds || 2 } });
      } catch (err) {
        // One module failing (e.g. the package changing under the bench) must not lose the others.
        log(`chromium: ${name} FAILED: ${err.message}`);
        (out.errors ??= []).push(`${name}: ${err.message.split('\n')[0]}`);
      }
      log(`chromium: ${name} took ${Math.round((Date.now() - t0) / 1000)} s`);
      await page.reload();  // a fresh JS heap and wasm instance for the next module
    }
    await context.close();
    if (want('cold')) {
      log('chromium: cold start');
      try {
        out.results.cold = await coldStart(browser, server.url, quick ? 1 : 9, regime);
      } catch (err) {
        (out.errors ??= []).push(`cold: ${err.message.split('\n')[0]}`);
      }
      log('chromium: demo page start-up');
      try {
        out.results.page = await pageStartup(browser, quick ? 1 : 7);
      } catch (err) {
        (out.errors ??= []).push(`page start-up: ${err.message.split('\n')[0]}`);
      }
    }
  } finally {
    await browser.close();
    await server.close();
  }
  return out;
}

export async function format(res) {
  const parts = [`Chromium ${res.chromium} (crossOriginIsolated: ${res.crossOriginIsolated})`];
  for (const name of ['base64', 'images', 'stream']) {
    if (!res.results[name]) continue;
    const m = await import(`./${name}.mjs`);
    parts.push(m.format(res.results[name]));
  }
  const c = res.results.cold;
  if (c) {
    parts.push(`cold start, Chromium (${c.samples} fresh contexts, median [p10–p90]):\n` +
      `  import('imagegate') → first decodeBase64, fresh context: ${fmtMs(c.cold.importToDecode.median)} ms [${fmtMs(c.cold.importToDecode.p10)}–${fmtMs(c.cold.importToDecode.p90)}]\n` +
      `  navigation start → first decodeBase64, fresh context:   ${fmtMs(c.cold.navigationToDecode.median)} ms\n` +
      `  import → first decode after a reload (cached):          ${fmtMs(c.reload.importToDecode.median)} ms`);
  }
  const p = res.results.page;
  if (p) {
    parts.push(`demo page start-up (scripts/serve.mjs, ${p.samples} fresh contexts, median):\n` +
      `  navigation → core ready, fresh context: ${fmtMs(p.fresh.navigationToReady.median)} ms [${fmtMs(p.fresh.navigationToReady.p10)}–${fmtMs(p.fresh.navigationToReady.p90)}], ${Math.round(p.fresh.transferred.median / 1024)} KiB on the wire\n` +
      `  navigation → core ready, reload:        ${fmtMs(p.reload.navigationToReady.median)} ms [${fmtMs(p.reload.navigationToReady.p10)}–${fmtMs(p.reload.navigationToReady.p90)}], ${Math.round(p.reload.transferred.median / 1024)} KiB on the wire`);
  }
  return parts.join('\n\n');
}

if (import.meta.url === (await import('node:url')).pathToFileURL(process.argv[1]).href) {
  const o = await cliOptions({ quick: false, json: false, only: '', rounds: 0, regime: 'cold' });
  const res = await runBrowser({ quick: o.quick, only: o.only ? String(o.only).split(',') : null, rounds: o.rounds || undefined,
    regime: o.regime === 'warm' ? 'warm' : 'cold',
    log: (s) => process.stderr.write(`${s}\n`) });
  console.log(o.json ? JSON.stringify(res) : await format(res));
}
