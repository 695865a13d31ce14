// Shared Chromium harness: Debian's /usr/bin/chromium driven by playwright-core (no browser download),
// a fresh profile per run, and the demo server (static + /v1 proxy + in-process mock gateway) on an ephemeral port.
import { chromium } from 'playwright-core';
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { start } from '../../scripts/serve.mjs';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const artifactsDir = path.join(root, 'test-artifacts');

/**
 * Starts serve.mjs and Chromium. Options: gateway (undefined = mock, null = static only), mockKeys (keys the
 * mock accepts), apiKey (the server-side key the proxy adds), viewport.
 * Returns { server, context, page, consoleMessages, requests, settledRequests(), screenshot(name), open(), close() }.
 * `requests` records every request the page makes (url, method, headers, body) for the key-leak checks.
 */
export async function launch({ gateway, mockKeys, apiKey, viewport = { width: 1280, height: 900 } } = {}) {
  const server = await start({ port: 0, gateway, mockKeys, apiKey });
  const profile = mkdtempSync(path.join(tmpdir(), 'imagegate-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport,
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const consoleMessages = [];
  const requests = [];
  const pendingHeaders = [];
  page.on('console', (m) => consoleMessages.push({ type: m.type(), text: m.text() }));
  page.on('pageerror', (e) => consoleMessages.push({ type: 'pageerror', text: String(e) }));
  page.on('response', (r) => { if (r.status() >= 400) consoleMessages.push({ type: 'http', text: `${r.status()} ${r.url()}` }); });
  page.on('request', (r) => {
    const entry = { url: r.url(), method: r.method(), headers: {}, body: r.postDataBuffer()?.toString('latin1') ?? '' };
    requests.push(entry);
    pendingHeaders.push(r.allHeaders().then((h) => { entry.headers = h; }, () => { entry.headers = r.headers(); }));
  });
  mkdirSync(artifactsDir, { recursive: true });
  return {
    server, context, page, consoleMessages, requests,
    /** The captured requests, once every request's full header set is known. */
    async settledRequests() {
      await Promise.all(pendingHeaders);
      return requests;
    },
    screenshot: (name, { fullPage = true } = {}) => page.screenshot({ path: path.join(artifactsDir, name), fullPage }),
    /**
     * Loads the page and waits until the wasm core is up, the history is read and (with a gateway) the models are in.
     * `options`: open the form's Options section (n, size, aspect ratio, provider options), as most tests need.
     */
    async open(url = server.url, { options = true } = {}) {
      await page.goto(url);
      await page.waitForSelector('html[data-ready="true"]', { timeout: 20000 });
      await page.waitForSelector('#history[data-loaded]', { state: 'attached', timeout: 20000 });
      if (gateway !== null) await page.waitForSelector('#model option[value="bfl/flux-2-pro"]', { state: 'attached', timeout: 20000 });
      if (options) await page.$eval('#options', (d) => { d.open = true; });
    },
    async close() {
      await context.close();
      await server.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** How many generations the page has finished (the results section's data-runs). */
export const runsDone = (page) => page.$eval('#results', (s) => Number(s.dataset.runs ?? 0));

/**
 * Chooses a model, writes a prompt and presses Enter; with `wait`, resolves when that run is over.
 * Returns waitDone(), which resolves when the run started here has finished.
 */
export async function generateWith(page, { model, prompt, wait = true }) {
  if (model) await page.selectOption('#model', model);
  await page.fill('#prompt', prompt);
  const before = await runsDone(page);
  await page.press('#prompt', 'Enter');
  const waitDone = (timeout = 20000) => page.waitForFunction((n) =>
    Number(document.getElementById('results').dataset.runs ?? 0) > n, before, { timeout });
  if (wait) await waitDone();
  return waitDone;
}

/** Polls a condition in node (e.g. over captured requests) until it holds. */
export async function until(fn, { timeout = 5000, message = 'condition' } = {}) {
  const end = Date.now() + timeout;
  while (!(await fn())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${message}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Opens the page's connection form (it folds to one line once a key works), and its Advanced section if asked. */
export async function showConnection(page, { advanced = false } = {}) {
  if (await page.isHidden('#connection-form')) await page.click('#connection-toggle');
  if (advanced) await page.$eval('#advanced', (d) => { d.open = true; });
}
