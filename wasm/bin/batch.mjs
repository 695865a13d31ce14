// `imagegate batch FILE.jsonl -o DIR`: one generate or edit request per line, N at a time, each finished line
// recorded at once in DIR/manifest.jsonl ({ line, files, generationId, cost, error }), so a second run resumes
// where the first stopped (lines that succeeded are skipped). A 429 that the client's own retries did not get
// past pauses every worker for the wait the gateway asked for, then the line goes round again; any other failure
// is recorded and the rest go on. The exit status says whether every line succeeded.
import { appendFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { RateLimitError, APIUserAbortError } from '../js/node.mjs';

const RATE_LIMIT_ROUNDS = 3;          // extra rounds for a line that stays rate limited
const DEFAULT_RATE_LIMIT_PAUSE = 5000;

/** The manifest's entries so far: line → its last entry. A torn last line (a killed run) is ignored. */
async function readManifest(file) {
  const done = new Map();
  let text = '';
  try { text = await readFile(file, 'utf8'); } catch (err) { if (err.code !== 'ENOENT') throw err; }
  for (const row of text.split('\n')) {
    if (!row.trim()) continue;
    try {
      const entry = JSON.parse(row);  // our own manifest, not a gateway response
      if (Number.isInteger(entry?.line)) done.set(entry.line, entry);
    } catch { /* a partial line from an interrupted run */ }
  }
  return done;
}

/** The batch file's requests: [{ line, request } | { line, error }] (1-based line numbers). */
function parseLines(text) {
  const out = [];
  text.split(/\r?\n/).forEach((row, i) => {
    const s = row.trim();
    if (!s || s.startsWith('#')) return;
    let request;
    try { request = JSON.parse(s); } catch (err) { out.push({ line: i + 1, error: `not valid JSON: ${err.message}` }); return; }
    if (!request || typeof request !== 'object' || Array.isArray(request)) out.push({ line: i + 1, error: 'each line must be a JSON object' });
    else out.push({ line: i + 1, request });
  });
  return out;
}

const errorEntry = (err) => ({ type: err?.name ?? 'Error', message: String(err?.message ?? err), ...(err?.status ? { status: err.status } : {}) });

/** A path (relative to the batch file) or an https:/data: URL → what images.edit takes. */
async function source(ref, base, what) {
  if (typeof ref !== 'string') throw new TypeError(`${what} must be a file path or an https:/data: URL`);
  if (/^(https|data):/i.test(ref)) return ref;
  return new Uint8Array(await readFile(path.resolve(base, ref)));
}

/**
 * Runs the batch. Options: out (DIR), model (default for lines without one), concurrency, cost (look each
 * generation's cost up), progress/say (stderr lines), signal, outputPath (the CLI's naming), EXIT codes.
 */
export async function runBatch(client, file, { out, model, concurrency = 2, cost = true, progress, say, signal, outputPath, EXIT }) {
  const text = await readFile(file, 'utf8').catch((err) => { throw Object.assign(new Error(`cannot read ${file}: ${err.message}`), { usage: true }); });
  const base = path.dirname(path.resolve(file));
  await mkdir(out, { recursive: true });
  const manifestFile = path.join(out, 'manifest.jsonl');
  const previous = await readManifest(manifestFile);
  const lines = parseLines(text);
  let writing = Promise.resolve();
  const record = (entry) => { writing = writing.then(() => appendFile(manifestFile, `${JSON.stringify(entry)}\n`)); return writing; };

  const todo = [];
  let skipped = 0;
  for (const item of lines) {
    if (previous.get(item.line)?.error === null) { skipped++; progress(`line ${item.line}: done in an earlier run, skipped`); continue; }
    todo.push({ ...item, rounds: 0 });
  }
  const total = todo.length;
  let finished = 0, ok = 0, failed = 0, spent = 0, pauseUntil = 0;
  const waitForPause = async () => {
    while (Date.now() < pauseUntil) await new Promise((r) => setTimeout(r, Math.min(pauseUntil - Date.now(), 1000)));
  };

  async function runOne(item) {
    const { request } = item;
    const { images, mask, name, ...params } = request;
    params.model ??= model;
    if (!params.model) throw Object.assign(new Error('no "model" on this line and no -m MODEL'), { name: 'UsageError' });
    let res;
    if (images !== undefined) {
      const list = Array.isArray(images) ? images : [images];
      params.images = await Promise.all(list.map((ref, i) => source(ref, base, `images[${i}]`)));
      if (mask !== undefined) params.mask = await source(mask, base, 'mask');
      res = await client.images.edit(params, { signal });
    } else {
      res = await client.images.generate(params, { signal });
    }
    const stem = `${String(item.line).padStart(4, '0')}-${typeof name === 'string' && name ? name : params.prompt ?? 'image'}`;
    const files = [];
    const withBytes = res.images.filter((img) => img.bytes);
    for (const [i, img] of withBytes.entries()) {
      const target = await outputPath(`${out}${path.sep}`, stem, i, withBytes.length, img.format);
      await writeFile(target, img.bytes);
      files.push(path.relative(out, target));
    }
    let price = null;
    if (cost && res.generationId) {
      try { price = (await client.generations.retrieve(res.generationId, { signal })).totalCost; } catch { /* the cost stays unknown */ }
    }
    return { files, generationId: res.generationId ?? null, cost: price, warnings: res.warnings?.map((w) => w.message) ?? [] };
  }

  async function worker() {
    for (let item = todo.shift(); item; item = todo.shift()) {
      if (signal?.aborted) return;
      if (item.error) {
        await record({ line: item.line, files: [], generationId: null, cost: null, error: { type: 'UsageError', message: item.error } });
        finished++; failed++;
        say(`[${finished}/${total}] line ${item.line}: FAILED ${item.error}`);
        continue;
      }
      await waitForPause();
      try {
        const done = await runOne(item);
        await record({ line: item.line, ...done, error: null });
        finished++; ok++;
        if (done.cost) spent += done.cost;
        progress(`[${finished}/${total}] line ${item.line}: ${done.files.length} file${done.files.length === 1 ? '' : 's'}` +
          `${done.generationId ? ` (${done.generationId}${done.cost !== null ? `, $${done.cost}` : ''})` : ''}`);
        for (const w of done.warnings) say(`line ${item.line}: warning: ${w}`);
      } catch (err) {
        if (err instanceof APIUserAbortError || signal?.aborted) return;
        if (err instanceof RateLimitError && item.rounds < RATE_LIMIT_ROUNDS) {
          item.rounds++;
          const wait = err.retryAfterMs ?? DEFAULT_RATE_LIMIT_PAUSE;
          pauseUntil = Math.max(pauseUntil, Date.now() + wait);
          progress(`line ${item.line}: rate limited, every request waits ${(wait / 1000).toFixed(1)} s`);
          todo.push(item);
          continue;
        }
        await record({ line: item.line, files: [], generationId: err?.generationId ?? null, cost: null, error: errorEntry(err) });
        finished++; failed++;
        say(`[${finished}/${total}] line ${item.line}: FAILED ${err?.message ?? err}`);
      }
    }
  }

  progress(`batch: ${total} request${total === 1 ? '' : 's'} to run${skipped ? `, ${skipped} done earlier` : ''}, ${concurrency} at a time`);
  await Promise.all(Array.from({ length: Math.min(concurrency, Math.max(total, 1)) }, worker));
  await writing;
  if (signal?.aborted) { say('batch: cancelled; run it again to resume'); return EXIT.aborted; }
  say(`batch: ${ok} ok, ${failed} failed, ${skipped} skipped${spent ? `; cost $${Math.round(spent * 1e6) / 1e6}` : ''} (manifest: ${manifestFile})`);
  return failed ? EXIT.error : EXIT.ok;
}
