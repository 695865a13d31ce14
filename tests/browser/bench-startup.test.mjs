// The Chromium start-up bench (scripts/bench/browser.mjs, issue 22) runs and gives figures: import → ready in a fresh
// and a warm (reloaded) context, and the demo page's navigation → core ready. A failing stage only shows up as a
// missing row in bench/REPORT.md, so it is checked here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runBrowser } from '../../scripts/bench/browser.mjs';

test('bench: Chromium start-up figures are measured (no stage error)', { timeout: 120_000 }, async () => {
  const res = await runBrowser({ quick: true, only: ['cold'] });
  assert.deepEqual(res.errors ?? [], []);
  const c = res.results.cold;
  for (const [what, v] of [['fresh', c.cold.importToDecode], ['reload', c.reload.importToDecode], ['navigation', c.cold.navigationToDecode]]) {
    assert.ok(Number.isFinite(v.median) && v.median > 0, `${what}: ${JSON.stringify(v)}`);
  }
  const p = res.results.page;
  assert.ok(p.fresh.navigationToReady.median > 0 && p.reload.navigationToReady.median > 0, JSON.stringify(p));
  // A reload revalidates (304s): far fewer bytes on the wire than the first load, which was compressed.
  assert.ok(p.reload.transferred.median < p.fresh.transferred.median / 2, JSON.stringify(p));
});
