// Shared Chromium harness: Debian's /usr/bin/chromium driven by playwright-core (no browser download),
// a fresh profile per run, and the demo server (static + mock gateway) on an ephemeral port.
import { chromium } from 'playwright-core';
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { start } from '../../scripts/serve.mjs';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const artifactsDir = path.join(root, 'test-artifacts');

export async function launch({ gateway } = {}) {
  const server = await start({ port: 0, gateway });
  const profile = mkdtempSync(path.join(tmpdir(), 'imagegate-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1100, height: 800 },
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const consoleMessages = [];
  page.on('console', (m) => consoleMessages.push({ type: m.type(), text: m.text() }));
  page.on('pageerror', (e) => consoleMessages.push({ type: 'pageerror', text: String(e) }));
  page.on('response', (r) => { if (r.status() >= 400) consoleMessages.push({ type: 'http', text: `${r.status()} ${r.url()}` }); });
  mkdirSync(artifactsDir, { recursive: true });
  return {
    server, context, page, consoleMessages,
    screenshot: (name) => page.screenshot({ path: path.join(artifactsDir, name), fullPage: true }),
    async close() {
      await context.close();
      await server.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
