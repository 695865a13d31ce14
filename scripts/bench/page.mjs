#!/usr/bin/env node
// The page bench (issue 19): does the page keep its frames while it receives and shows big images? In headless
// Chromium (/usr/bin/chromium, playwright-core), for each page × scenario, in a fresh context each run:
//   longest main-thread task, total blocking time (Σ of task time above 50 ms), from a CDP trace of the renderer's
//     main thread between the click and the images shown (+ a tail);
//   the largest frame gap (a requestAnimationFrame recorder's timestamps over the same interval);
//   click → image shown (the click event → every expected image loaded and img.decode() resolved).
// Scenarios (the mock gateway's image-bytes fault makes every image a real PNG of that many bytes):
//   images    one images response of ~16 MiB with two 6 MiB PNGs
//   stream    a streamed chat response with one 8 MiB PNG
//   parallel  eight 2 MiB images in parallel (eight requests; the demo page: one request with n = 8)
// Pages: the demo page (web/ via scripts/serve.mjs, driven through its data-testid hooks or, where missing, its ids),
// scripts/bench/pages/client.html (createClient), worker.html (createWorkerClient({ objectURLs: true }), the same code), worker-bitmaps.html
// (the same, bitmaps: true: decoded in the worker, drawn on a canvas) and naive.html (fetch + res.json() + fromBase64). Every page talks to the same in-process mock gateway, directly (the
// demo page's Base URL set to it), under the demo page's Content-Security-Policy, not cross-origin isolated.
// Usage: node scripts/bench/page.mjs [--json] [--quick] [--runs N] [--only images,stream,parallel] [--pages demo,client,worker,naive]
//        [--trace-dir DIR] (keeps each run's trace) [--no-cost] (skips the worker's start-up and memory)
import { chromium } from 'playwright-core';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { start as startServe, CSP } from '../serve.mjs';
import { start as startBenchServer } from './server.mjs';
import { cliOptions, summarize, isMain, MiB } from './lib.mjs';

const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
export const SCENARIOS = {
  images: { label: '16 MiB images response, two 6 MiB PNGs', imageBytes: 6 * MiB, images: 2 },
  stream: { label: 'streamed chat, one 8 MiB PNG', imageBytes: 8 * MiB, images: 1 },
  parallel: { label: 'eight 2 MiB images in parallel', imageBytes: 2 * MiB, images: 8 },
};
export const PAGES = {
  demo: 'demo page (web/)',
  client: 'createClient (main thread)',
  worker: 'createWorkerClient({ objectURLs: true })',
  'worker-bitmaps': 'createWorkerClient({ bitmaps: true })',
  naive: 'naive: fetch + json + fromBase64',
};
const PROMPT = 'a page bench picture';
const KEY = 'vck_page_bench_key_0000';
const TAIL_MS = 250;  // after the images are shown: work the page still does for them (history, cleanup) counts too
const TRACE_CATEGORIES = ['devtools.timeline', 'disabled-by-default-devtools.timeline', 'toplevel', 'blink.user_timing', 'v8.execute',
  'disabled-by-default-v8.cpu_profiler'];  // JS samples: which functions a long task ran

/** The main thread's JS samples from the trace's CPU profile: [{ ts, label }], the leaf function of each sample. */
function cpuSamples(events, pid, tid) {
  const profiles = events.filter((e) => e.name === 'Profile' && e.pid === pid && e.tid === tid);
  const out = [];
  for (const p of profiles) {
    const nodes = new Map();
    let ts = p.args?.data?.startTime ?? p.ts;
    for (const c of events.filter((e) => e.name === 'ProfileChunk' && e.pid === pid && e.id === p.id)) {
      const prof = c.args?.data?.cpuProfile ?? {};
      for (const n of prof.nodes ?? []) nodes.set(n.id, n);
      const deltas = c.args?.data?.timeDeltas ?? [];
      (prof.samples ?? []).forEach((id, i) => {
        ts += deltas[i] ?? 0;
        const f = nodes.get(id)?.callFrame ?? {};
        const where = f.url ? ` ${String(f.url).split('/').pop()}:${(f.lineNumber ?? -1) + 1}` : '';
        out.push({ ts, label: `${f.functionName || '(anonymous)'}${where}` });
      });
    }
  }
  return out.sort((a, b) => a.ts - b.ts);
}

/**
 * In the page, before any of its scripts: a requestAnimationFrame recorder, the click time (capture phase, so before
 * the page's own handler) and the moment every expected result image is loaded and decoded. Marks pb:click and
 * pb:shown go into the trace (blink.user_timing), which is how its timestamps are matched with the page's.
 */
function recorder({ expected }) {
  const pb = { frames: [], t0: null, shown: null, count: 0, armed: false };
  window.__pb = pb;
  const tick = (t) => { pb.frames.push(t); requestAnimationFrame(tick); };
  requestAnimationFrame(tick);
  let resolveShown;
  pb.done = new Promise((r) => { resolveShown = r; });
  const results = () => {
    const tagged = document.querySelectorAll('[data-testid="result-image"]');
    return [...(tagged.length ? tagged : document.querySelectorAll('[data-testid="gallery"] img'))].filter((i) => i.tagName === 'IMG' || i.tagName === 'CANVAS');
  };
  const pending = new WeakSet();
  let checking = false;
  const check = async () => {
    if (pb.t0 === null || pb.shown !== null || checking) return;
    const imgs = results();
    pb.count = imgs.length;
    if (imgs.length < expected) return;
    checking = true;
    try {
      // A canvas is drawn when it joins the page (a bitmaprenderer canvas given a decoded ImageBitmap).
      await Promise.all(imgs.map((img) => (img.tagName === 'CANVAS' ? null : img.complete && img.naturalWidth ? img.decode() : new Promise((res, rej) => {
        if (!pending.has(img)) pending.add(img);
        img.addEventListener('load', () => img.decode().then(res, rej), { once: true });
        img.addEventListener('error', rej, { once: true });
      }))));
      if (pb.shown === null) {
        pb.shown = performance.now();
        performance.mark('pb:shown');
        resolveShown();
      }
    } catch { /* an image that fails to decode: never shown */ } finally { checking = false; }
  };
  const start = (e) => {
    if (!pb.armed || pb.t0 !== null) return;  // armed by the driver right before its click: setting up is not measured
    if (e.type === 'keydown' && e.key !== 'Enter') return;
    pb.t0 = performance.now();
    performance.mark('pb:click');
    check();
  };
  addEventListener('click', start, true);
  addEventListener('keydown', start, true);
  new MutationObserver(() => check()).observe(document, { subtree: true, childList: true, attributes: true, attributeFilter: ['src'] });
}

/** The first selector of `candidates` the page has. */
async function pick(page, candidates) {
  for (const s of candidates) if (await page.$(s)) return s;
  throw new Error(`none of ${candidates.join(', ')} on the page`);
}
const hook = (testid, id) => [`[data-testid="${testid}"]`, `#${id}`];

/** Opens the demo page, connects it to the mock (its Base URL field) and sets the scenario's model and image count. */
async function setUpDemo(page, url, gateway, scenario) {
  await page.goto(url);
  await page.waitForSelector('html[data-ready="true"]', { timeout: 30000 });
  // Folded settings (Advanced, Options) are opened so that their fields can be filled.
  await page.evaluate(() => { for (const d of document.querySelectorAll('details')) d.open = true; });
  const baseURL = await page.$('[data-testid="base-url"]') ?? await page.$('#base-url');
  if (baseURL) await baseURL.fill(gateway);
  const keySel = await pick(page, hook('api-key', 'api-key'));
  await page.fill(keySel, KEY);
  await page.press(keySel, 'Enter');
  const modelSel = await pick(page, hook('model', 'model'));
  const model = scenario === 'stream' ? 'google/gemini-2.5-flash-image' : 'openai/gpt-image-1';
  await page.waitForSelector(`${modelSel} option[value="${model}"]`, { state: 'attached', timeout: 20000 });
  await page.evaluate(() => { for (const d of document.querySelectorAll('details')) d.open = true; });
  await page.selectOption(modelSel, model);
  if (scenario !== 'stream') {
    const n = await page.$('[data-testid="n"]') ?? await page.$('#n');
    if (!n) throw new Error('the demo page has no image count (data-testid="n" / #n)');
    await n.fill(String(SCENARIOS[scenario].images));
  }
  await page.fill(await pick(page, hook('prompt', 'prompt')), PROMPT);
  const generate = await page.$('[data-testid="generate"]');
  return generate ? () => generate.click() : async () => page.press(await pick(page, hook('prompt', 'prompt')), 'Enter');
}

async function setUpPeer(page, url) {
  await page.goto(url);
  await page.waitForSelector('html[data-ready="true"]', { timeout: 30000 });
  const generate = await page.$('[data-testid="generate"]');
  return () => generate.click();
}

/** The renderer main thread's tasks from a trace, and where the long ones spent their time. */
export function analyseTrace(trace, { tailMs = TAIL_MS } = {}) {
  const events = trace.traceEvents ?? trace;
  const mark = (name) => events.find((e) => e.name === name && e.cat?.includes('blink.user_timing'));
  const click = mark('pb:click'), shown = mark('pb:shown');
  if (!click || !shown) throw new Error('the trace has no pb:click / pb:shown marks');
  const { pid, tid } = click;
  const from = click.ts, to = shown.ts + tailMs * 1000;
  const onMain = events.filter((e) => e.pid === pid && e.tid === tid && e.ph === 'X' && typeof e.dur === 'number');
  onMain.sort((a, b) => a.ts - b.ts || b.dur - a.dur);
  // Top-level tasks: RunTask events not inside another one.
  const tasks = [];
  for (const e of onMain) {
    if (e.name !== 'ThreadControllerImpl::RunTask' && e.name !== 'RunTask') continue;
    const last = tasks.at(-1);
    if (last && e.ts < last.ts + last.dur) continue;
    tasks.push(e);
  }
  const inWindow = tasks.filter((t) => t.ts + t.dur > from && t.ts < to);
  const ms = (us) => us / 1000;
  const longest = inWindow.reduce((m, t) => Math.max(m, ms(t.dur)), 0);
  const tbt = inWindow.reduce((s, t) => s + Math.max(0, ms(t.dur) - 50), 0);
  // Each task over 16 ms: its events' self time by label (function and script for JS, else the event's name).
  const samples = cpuSamples(events, pid, tid);
  const long = inWindow.filter((t) => ms(t.dur) > 16).map((t) => {
    // ThreadControllerImpl::RunTask says who posted the task (e.g. response_body_loader.cc OnStateChange: an <img>
    // reading its body); its self time is the task's work that no finer event covers.
    const inside = onMain.filter((e) => e !== t && e.ts >= t.ts && e.ts + e.dur <= t.ts + t.dur && e.name !== 'RunTask');
    const stack = [], self = new Map();
    const label = (e) => {
      const d = e.args?.data ?? {};
      if (d.functionName !== undefined || d.url) return `${e.name} ${d.functionName || '(anonymous)'} ${String(d.url ?? '').split('/').pop()}:${d.lineNumber ?? ''}`;
      if (d.type) return `${e.name} ${d.type}`;
      if (e.name === 'ThreadControllerImpl::RunTask') return `task posted by ${String(e.args?.src_file ?? '').split('/').pop()} ${e.args?.src_func ?? ''}`;
      return e.name;
    };
    const add = (e, us) => { const k = label(e); self.set(k, (self.get(k) ?? 0) + us); };
    let covered = 0;
    for (const e of inside) {
      while (stack.length && e.ts >= stack.at(-1).end) stack.pop();
      if (stack.length) stack.at(-1).child += e.dur; else covered += e.dur;
      stack.push({ e, end: e.ts + e.dur, child: 0 });
      e.__frame = stack.at(-1);
    }
    for (const e of inside) add(e, e.dur - e.__frame.child);
    if (t.dur - covered > 0) self.set('(task, untraced)', (self.get('(task, untraced)') ?? 0) + t.dur - covered);
    const top = [...self].sort((a, b) => b[1] - a[1]).slice(0, 5).map(([what, us]) => ({ what, ms: Math.round(ms(us) * 10) / 10 }));
    // JS functions (CPU profile samples inside the task, each counted until the next sample): the leaf's self time.
    const js = new Map();
    const inTask = samples.filter((x) => x.ts >= t.ts && x.ts <= t.ts + t.dur);
    inTask.forEach((x, i) => {
      const next = inTask[i + 1]?.ts ?? t.ts + t.dur;
      if (x.label.startsWith('(idle)') || x.label.startsWith('(program)')) return;
      js.set(x.label, (js.get(x.label) ?? 0) + (next - x.ts));
    });
    const functions = [...js].sort((a, b) => b[1] - a[1]).slice(0, 4).filter(([, us]) => us >= 500)
      .map(([what, us]) => ({ what, ms: Math.round(ms(us) * 10) / 10 }));
    return { atMs: Math.round(ms(t.ts - from)), ms: Math.round(ms(t.dur) * 10) / 10, top, functions };
  });
  return { longestTaskMs: longest, tbtMs: tbt, tasks: inWindow.length, long };
}

/** The largest gap between two rAF callbacks over [t0, t1], and where it starts (ms after t0). */
function frameGap(frames, t0, t1) {
  let gap = 0, at = 0, prev = null;
  for (const f of frames) {
    if (prev !== null && f > t0 && f - prev > gap) { gap = f - prev; at = prev - t0; }
    if (f > t1) break;
    prev = f;
  }
  return { gap, at };
}

async function measure(browser, { pageName, scenario, urls, mock, traceDir, runIndex }) {
  const sc = SCENARIOS[scenario];
  mock.setFault(`image-bytes=${sc.imageBytes}`);
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  try {
    await context.addInitScript(recorder, { expected: sc.images });
    const page = await context.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    const clickGenerate = pageName === 'demo' ? await setUpDemo(page, urls.demo, mock.url, scenario)
      : await setUpPeer(page, `${urls.bench}/scripts/bench/pages/${pageName}.html?scenario=${scenario}&key=${KEY}&gw=${encodeURIComponent(mock.url)}`);
    await page.waitForTimeout(400);  // let start-up work settle: it is not what is measured
    await browser.startTracing(page, { categories: TRACE_CATEGORIES });
    await page.waitForTimeout(50);
    await page.evaluate(() => { window.__pb.armed = true; });
    await clickGenerate();
    const outcome = await Promise.race([
      page.evaluate(() => window.__pb.done.then(() => 'shown')),
      new Promise((r) => setTimeout(() => r('timeout'), 60000)),
      page.waitForFunction(() => document.documentElement.dataset.error || document.querySelector('[data-testid="error"]:not([hidden])'),
        null, { polling: 500, timeout: 60000 }).then(() => 'error', () => 'timeout'),
    ]);
    await page.waitForTimeout(TAIL_MS + 50);
    const buf = await browser.stopTracing();
    if (outcome !== 'shown') {
      const why = await page.evaluate(() => document.documentElement.dataset.error || document.querySelector('[data-testid="error"]')?.textContent || '');
      throw new Error(`${pageName}/${scenario}: ${outcome} ${why} ${errors.join('; ')}`.trim());
    }
    const pb = await page.evaluate(() => ({ t0: window.__pb.t0, shown: window.__pb.shown, frames: window.__pb.frames, count: window.__pb.count }));
    if (traceDir) writeFileSync(path.join(traceDir, `${pageName}-${scenario}-${runIndex}.json`), buf);
    const trace = analyseTrace(JSON.parse(buf.toString('utf8')));
    const gap = frameGap(pb.frames, pb.t0, pb.shown + TAIL_MS);
    return { clickToShownMs: pb.shown - pb.t0, frameGapMs: gap.gap, frameGapAtMs: Math.round(gap.at), ...trace, images: pb.count };
  } finally {
    mock.setFault(null);
    await context.close();
  }
}

/** Asks the mock for every scenario's images once, so that no run pays for the mock drawing them. */
async function warmMock(mock) {
  const post = (p, body, bytes) => fetch(`${mock.url}${p}`, { method: 'POST', body: JSON.stringify(body),
    headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json', 'x-mock-fault': `image-bytes=${bytes}` } }).then((r) => r.arrayBuffer());
  await post('/images/generations', { model: 'openai/gpt-image-1', prompt: PROMPT, n: 2 }, SCENARIOS.images.imageBytes);
  await post('/images/generations', { model: 'openai/gpt-image-1', prompt: PROMPT, n: 8 }, SCENARIOS.parallel.imageBytes);
  for (let k = 1; k <= 8; k++) await post('/images/generations', { model: 'openai/gpt-image-1', prompt: `${PROMPT} ${k}`, n: 1 }, SCENARIOS.parallel.imageBytes);
  await post('/chat/completions', { model: 'google/gemini-2.5-flash-image', modalities: ['text', 'image'], messages: [{ role: 'user', content: PROMPT }] }, SCENARIOS.stream.imageBytes);
}

/**
 * What the worker costs (README): import() → client ready for createClient and createWorkerClient, in a fresh context
 * and after a reload (warm: HTTP and code caches), and the memory of the worker: its wasm linear memory (workerStats)
 * and its JS realm (performance.measureUserAgentSpecificMemory, DedicatedWorkerGlobalScope; needs a cross-origin
 * isolated page, hence the bench server's isolated pages), after one small generation.
 */
async function workerCost(browser, benchURL, gateway, samples) {
  const one = async (page, kind) => page.evaluate(async ({ kind, gateway, key }) => {
    const t0 = performance.now();
    const client = kind === 'worker' ? await (await import('/wasm/js/worker.mjs')).createWorkerClient({ apiKey: key, baseURL: gateway })
      : await (await import('/wasm/js/index.mjs')).createClient({ apiKey: key, baseURL: gateway });
    const ready = performance.now() - t0;
    await client.images.generate({ model: 'bfl/flux-2-pro', prompt: 'cost', size: '64x48' });
    const out = { ready };
    if (kind === 'worker') {
      const st = await client.workerStats();
      out.heapSize = st.heapSize;
      const m = await performance.measureUserAgentSpecificMemory();
      out.realm = m.breakdown.filter((b) => b.attribution.some((a) => a.scope === 'DedicatedWorkerGlobalScope')).reduce((s, b) => s + b.bytes, 0);
      out.total = m.bytes;
    }
    return out;
  }, { kind, gateway, key: KEY });
  const res = { main: { fresh: [], warm: [] }, worker: { fresh: [], warm: [] } };
  for (let i = 0; i < samples; i++) {
    for (const kind of ['main', 'worker']) {
      const context = await browser.newContext();
      try {
        const page = await context.newPage();
        await page.goto(`${benchURL}/blank.html`);
        res[kind].fresh.push(await one(page, kind));
        await page.goto(`${benchURL}/blank.html`);
        res[kind].warm.push(await one(page, kind));
      } finally {
        await context.close();
      }
    }
  }
  const med = (xs, k) => summarize(xs.map((x) => x[k]).filter((x) => typeof x === 'number'));
  return {
    samples,
    main: { freshReadyMs: med(res.main.fresh, 'ready'), warmReadyMs: med(res.main.warm, 'ready') },
    worker: { freshReadyMs: med(res.worker.fresh, 'ready'), warmReadyMs: med(res.worker.warm, 'ready'),
      heapSize: med(res.worker.fresh, 'heapSize'), realmBytes: med(res.worker.fresh, 'realm') },
  };
}

export async function runPage({ quick = false, runs, only = null, pages = null, traceDir = null, cost = true, log = () => {} } = {}) {
  runs ??= quick ? 2 : 5;
  const serve = await startServe({ port: 0 });
  const bench = await startBenchServer({ port: 0, serveFiles: true, isolate: false, headers: { 'Content-Security-Policy': CSP } });
  const browser = await chromium.launch({
    executablePath: CHROMIUM, headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--disable-renderer-backgrounding', '--disable-background-timer-throttling', '--enable-blink-features=ForceEagerMeasureMemory'],
  });
  if (traceDir) mkdirSync(traceDir, { recursive: true });
  const scenarios = Object.keys(SCENARIOS).filter((s) => !only || only.includes(s));
  const pageNames = Object.keys(PAGES).filter((p) => !pages || pages.includes(p));
  const out = { bench: 'page', chromium: browser.version(), runs, tailMs: TAIL_MS, load: [], results: {}, errors: [] };
  const loadavg = async () => (await import('node:fs')).readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  try {
    const mock = serve.mock;
    await warmMock(mock);
    out.load.push(await loadavg());
    const samples = {};
    for (let r = 0; r < runs; r++) {
      for (const scenario of scenarios) {
        // The pages take turns within a round, so a burst of load hits them alike.
        for (const pageName of pageNames) {
          try {
            const m = await measure(browser, { pageName, scenario, urls: { demo: serve.url, bench: bench.url }, mock, traceDir, runIndex: r });
            ((samples[scenario] ??= {})[pageName] ??= []).push(m);
            log(`page ${scenario} ${pageName} run ${r + 1}: longest task ${m.longestTaskMs.toFixed(1)} ms, TBT ${m.tbtMs.toFixed(1)} ms, ` +
              `frame gap ${m.frameGapMs.toFixed(1)} ms (at +${m.frameGapAtMs}), click → shown ${m.clickToShownMs.toFixed(0)} ms`);
          } catch (err) {
            log(`page ${scenario} ${pageName} run ${r + 1} FAILED: ${err.message}`);
            out.errors.push(`${scenario}/${pageName}: ${err.message.split('\n')[0]}`);
          }
        }
      }
    }
    if (cost) {
      log('page: what the worker costs (start-up, memory)');
      const isolated = await startBenchServer({ port: 0, serveFiles: true });
      try {
        out.cost = await workerCost(browser, isolated.url, mock.url, quick ? 2 : 7);
      } catch (err) {
        out.errors.push(`cost: ${err.message.split('\n')[0]}`);
      } finally {
        await isolated.close();
      }
    }
    out.load.push(await loadavg());
    for (const [scenario, byPage] of Object.entries(samples)) {
      for (const [pageName, ms] of Object.entries(byPage)) {
        const pickS = (k) => summarize(ms.map((m) => m[k]));
        // The long tasks of the median run (by longest task): where the time goes.
        const byLongest = [...ms].sort((a, b) => a.longestTaskMs - b.longestTaskMs);
        (out.results[scenario] ??= {})[pageName] = {
          n: ms.length, longestTaskMs: pickS('longestTaskMs'), tbtMs: pickS('tbtMs'), frameGapMs: pickS('frameGapMs'),
          clickToShownMs: pickS('clickToShownMs'), longTasks: byLongest[Math.floor((byLongest.length - 1) / 2)].long,
        };
      }
    }
  } finally {
    await browser.close();
    await bench.close();
    await serve.close();
  }
  return out;
}

const f1 = (x) => (x === undefined || Number.isNaN(x) ? '–' : x.toFixed(1));
/** Markdown: one table per scenario (medians [p10–p90]), then where the long tasks come from. */
export function format(res) {
  const lines = [`Chromium ${res.chromium}, ${res.runs} runs per page × scenario, each in a fresh context; medians [min–max]. ` +
    `Load average before / after: ${res.load.join(' / ')}. The interval is click → images shown + ${res.tailMs} ms.`, ''];
  const goalMet = (r) => r.longestTaskMs.median <= 16 && r.tbtMs.median === 0;
  for (const [scenario, byPage] of Object.entries(res.results)) {
    lines.push(`**${SCENARIOS[scenario]?.label ?? scenario}**`, '',
      '| page | longest task (ms) | TBT (ms) | largest frame gap (ms) | click → shown (ms) | goal (≤ 16 ms, TBT 0) |',
      '|---|---:|---:|---:|---:|---|');
    for (const [pageName, r] of Object.entries(byPage)) {
      const cell = (s) => `${f1(s.median)} [${f1(s.min)}–${f1(s.max)}]`;
      lines.push(`| ${PAGES[pageName] ?? pageName} | ${cell(r.longestTaskMs)} | ${cell(r.tbtMs)} | ${cell(r.frameGapMs)} | ${cell(r.clickToShownMs)} | ${goalMet(r) ? 'met' : 'missed'} |`);
    }
    const ref = byPage.client?.clickToShownMs.median;
    if (ref) {
      const ratios = Object.entries(byPage).filter(([p]) => p !== 'client').map(([p, r]) => `${p} ${(r.clickToShownMs.median / ref).toFixed(2)}×`);
      lines.push('', `click → shown against createClient (ratio of medians): ${ratios.join(', ')}`);
    }
    lines.push('');
  }
  const where = [];
  for (const [scenario, byPage] of Object.entries(res.results)) {
    for (const [pageName, r] of Object.entries(byPage)) {
      for (const t of r.longTasks ?? []) {
        const fns = t.functions?.length ? ` — JS: ${t.functions.map((x) => `${x.what} ${f1(x.ms)}`).join('; ')}` : '';
        where.push(`- ${scenario} / ${pageName}: a ${f1(t.ms)} ms task at +${t.atMs} ms: ${t.top.map((x) => `${x.what} ${f1(x.ms)}`).join('; ')}${fns}`);
      }
    }
  }
  if (where.length) lines.push('Tasks over 16 ms in the median run of each page (self time by trace event, ms):', '', ...where, '');
  const c = res.cost;
  if (c) {
    const m = (s) => `${f1(s.median)} ms [${f1(s.min)}–${f1(s.max)}]`;
    lines.push(`What the worker costs (${c.samples} fresh contexts; medians [min–max]):`, '',
      '| | createClient | createWorkerClient |', '|---|---:|---:|',
      `| import() → client ready, fresh context | ${m(c.main.freshReadyMs)} | ${m(c.worker.freshReadyMs)} |`,
      `| import() → client ready, warm (reloaded page) | ${m(c.main.warmReadyMs)} | ${m(c.worker.warmReadyMs)} |`,
      `| the worker's wasm linear memory | – | ${f1(c.worker.heapSize.median / MiB)} MiB |`,
      `| the worker's JS realm (measureUserAgentSpecificMemory) | – | ${f1(c.worker.realmBytes.median / MiB)} MiB |`, '');
  }
  if (res.errors?.length) lines.push(`Failed runs: ${res.errors.join('; ')}`, '');
  return lines.join('\n');
}

if (await isMain(import.meta.url)) {
  const o = await cliOptions({ quick: false, json: false, runs: 0, only: '', pages: '', traceDir: '', noCost: false });
  const res = await runPage({ quick: o.quick, runs: o.runs || undefined, cost: !o.noCost, only: o.only ? String(o.only).split(',') : null,
    pages: o.pages ? String(o.pages).split(',') : null, traceDir: o.traceDir || null, log: (s) => process.stderr.write(`${s}\n`) });
  console.log(o.json ? JSON.stringify(res) : format(res));
  if (!Object.keys(res.results).length) process.exit(1);
}
