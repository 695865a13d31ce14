#!/usr/bin/env node
// The imagegate command line: generate and edit images, chat with image models, list models, check costs and the
// balance, run a batch file. A client of the package's public API like any other program.
import { parseArgs } from 'node:util';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { runBatch } from './batch.mjs';
import {
  createClient, imagePart, providerOptionsKey, DEFAULT_BASE_URL, ValidationError, AuthenticationError, PermissionDeniedError,
  NotFoundError, RateLimitError, BadRequestError, UnprocessableEntityError, InternalServerError,
  APIConnectionTimeoutError, APIConnectionError, APIUserAbortError, InvalidResponseError, APIError,
} from '../js/node.mjs';

/** Exit codes, one per error class, so scripts can react without parsing messages. */
export const EXIT = {
  ok: 0, error: 1, usage: 2, auth: 3, notFound: 4, rateLimit: 5, badRequest: 6, server: 7, connection: 8,
  timeout: 9, invalidResponse: 10, aborted: 130,
};

const HELP = {
  main: `Usage: imagegate <command> [options]

Commands:
  generate "prompt" -m MODEL   make images with an image model (POST /images/generations)
  edit IMAGE... -p PROMPT -m MODEL   edit images, optionally with a mask (POST /images/edits)
  chat "prompt" -m MODEL       ask a chat model that outputs images (POST /chat/completions)
  models                       list the gateway's models
  credits                      the account's balance and total spend (GET /credits)
  cost GENERATION_ID           what one generation cost, who served it, how long it took (GET /generation)
  batch FILE.jsonl -o DIR      one generate or edit request per line, resumable, with a manifest

Environment:
  AI_GATEWAY_API_KEY    the gateway key (never pass it on the command line)
  AI_GATEWAY_BASE_URL   the gateway (default ${DEFAULT_BASE_URL}); --base-url overrides it

Exit codes: 0 ok, 2 usage, 3 auth, 4 not found, 5 rate limited, 6 bad request, 7 server error,
            8 connection, 9 timeout, 10 invalid response, 130 cancelled, 1 anything else.
Run "imagegate <command> --help" for a command's options.`,
  generate: `Usage: imagegate generate "prompt" -m MODEL [options]
  -m, --model MODEL      image model, e.g. bfl/flux-2-pro (required)
  -n, --n N              number of images, 1..10 (default 1)
      --size WxH         e.g. 1024x1024
      --aspect-ratio R   e.g. 16:9 (sent as providerOptions.<the model's provider>.aspectRatio)
      --provider-options JSON   e.g. '{"blackForestLabs":{"outputFormat":"jpeg"}}'
  -o, --out PATH         a file (out.png; numbered when n > 1) or a directory (default: .)
      --base-url URL     gateway base URL
      --timeout MS       per attempt (default 600000)
      --max-retries N    (default 2)
  -q, --quiet            no progress on stderr`,
  chat: `Usage: imagegate chat "prompt" -m MODEL [options]
  -m, --model MODEL      chat model that outputs images, e.g. google/gemini-2.5-flash-image (required)
      --image FILE       an input image to edit (PNG, JPEG, WebP, GIF)
      --system TEXT      a system prompt
      --stream           stream: text as it arrives, progress for images
  -o, --out PATH         where images go: a file or a directory (default: .)
      --base-url URL, --timeout MS, --max-retries N, -q/--quiet as for generate`,
  models: `Usage: imagegate models [--images] [--json]
      --images           only models that make images (images API or chat)
      --json             print JSON instead of a table
      --base-url URL     gateway base URL`,
  edit: `Usage: imagegate edit IMAGE... -p PROMPT -m MODEL [options]
  IMAGE                  1 to 16 files (PNG, JPEG, WebP, GIF, AVIF) or https:/data: URLs
  -p, --prompt TEXT      what to change (required)
  -m, --model MODEL      a model that edits, e.g. openai/gpt-image-2 (required)
      --mask FILE        a PNG of the first image's size: its transparent pixels are what changes
  -n, --n N              number of images, 1..10 (default 1)
      --size WxH         e.g. 1024x1024
      --aspect-ratio R   e.g. 16:9 (in providerOptions.<the model's provider>)
      --provider-options JSON
      --multipart        send multipart/form-data instead of JSON
      --strict           fail (exit 6) instead of warning when the model ignores a setting
  -o, --out PATH         a file or a directory (default: .)
      --base-url URL, --timeout MS, --max-retries N, -q/--quiet as for generate`,
  credits: `Usage: imagegate credits [--json]
      --json             print JSON ({ balance, totalUsed }, USD)
      --base-url URL     gateway base URL`,
  cost: `Usage: imagegate cost GENERATION_ID [--json]
  GENERATION_ID          a gen_… id (printed by generate, edit and batch)
      --json             print the whole record as JSON
      --base-url URL     gateway base URL`,
  batch: `Usage: imagegate batch FILE.jsonl -o DIR [options]
  FILE.jsonl             one JSON request per line: {"prompt": ..., "model"?, "n"?, "size"?, "providerOptions"?, ...}
                         generates; with "images": [FILE or URL...] (and "mask": FILE) it edits. Paths are relative
                         to FILE.jsonl. Blank lines and lines starting with # are skipped.
  -o, --out DIR          where images and DIR/manifest.jsonl go (required)
  -m, --model MODEL      the model for lines that name none
      --concurrency N    requests at once, 1..16 (default 2)
      --no-cost          do not look up each generation's cost
A line's manifest entry ({line, files, generationId, cost, error}) is written as soon as it finishes. Run it again
to resume: lines that succeeded are skipped. A 429 pauses every worker for the time the gateway asks, then the line
is tried again; a failed line never stops the others. Exit 0 when every line succeeded, 1 otherwise.
      --base-url URL, --timeout MS, --max-retries N, -q/--quiet as for generate`,
};

const COMMON = {
  'base-url': { type: 'string' }, timeout: { type: 'string' }, 'max-retries': { type: 'string' },
  quiet: { type: 'boolean', short: 'q' }, help: { type: 'boolean', short: 'h' },
};
const OPTIONS = {
  generate: { ...COMMON, model: { type: 'string', short: 'm' }, n: { type: 'string', short: 'n' }, size: { type: 'string' },
    'aspect-ratio': { type: 'string' },
    'provider-options': { type: 'string' }, out: { type: 'string', short: 'o' } },
  chat: { ...COMMON, model: { type: 'string', short: 'm' }, image: { type: 'string' }, system: { type: 'string' },
    stream: { type: 'boolean' }, out: { type: 'string', short: 'o' } },
  models: { ...COMMON, images: { type: 'boolean' }, json: { type: 'boolean' } },
  edit: { ...COMMON, prompt: { type: 'string', short: 'p' }, model: { type: 'string', short: 'm' }, mask: { type: 'string' },
    n: { type: 'string', short: 'n' }, size: { type: 'string' }, 'aspect-ratio': { type: 'string' }, 'provider-options': { type: 'string' },
    multipart: { type: 'boolean' },
    strict: { type: 'boolean' }, out: { type: 'string', short: 'o' } },
  credits: { ...COMMON, json: { type: 'boolean' } },
  cost: { ...COMMON, json: { type: 'boolean' } },
  batch: { ...COMMON, out: { type: 'string', short: 'o' }, model: { type: 'string', short: 'm' }, concurrency: { type: 'string' },
    'no-cost': { type: 'boolean' } },
};

class UsageError extends Error {}

function exitCodeFor(err) {
  if (err?.usage) return EXIT.usage;
  if (err instanceof UsageError || err instanceof ValidationError) return err instanceof UsageError ? EXIT.usage : EXIT.badRequest;
  if (err instanceof AuthenticationError || err instanceof PermissionDeniedError) return EXIT.auth;
  if (err instanceof NotFoundError) return EXIT.notFound;
  if (err instanceof RateLimitError) return EXIT.rateLimit;
  if (err instanceof BadRequestError || err instanceof UnprocessableEntityError) return EXIT.badRequest;
  if (err instanceof InternalServerError) return EXIT.server;
  if (err instanceof APIConnectionTimeoutError) return EXIT.timeout;
  if (err instanceof APIConnectionError) return EXIT.connection;
  if (err instanceof APIUserAbortError) return EXIT.aborted;
  if (err instanceof InvalidResponseError) return EXIT.invalidResponse;
  return EXIT.error;
}

const slug = (s) => s.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 40) || 'image';
const EXT = { png: 'png', jpeg: 'jpg', webp: 'webp', gif: 'gif', avif: 'avif' };

/** Where image i of count goes: -o file (numbered when count > 1) or -o directory. */
export async function outputPath(out, prompt, i, count, format) {
  const ext = EXT[format] ?? 'bin';
  let dir = out ?? '.';
  let isDir = !out || out.endsWith('/') || out.endsWith(path.sep);
  if (out && !isDir) isDir = await stat(out).then((s) => s.isDirectory(), () => false);
  if (isDir) {
    await mkdir(dir, { recursive: true });
    return path.join(dir, `${slug(prompt)}${count > 1 ? `-${i + 1}` : ''}.${ext}`);
  }
  const parsed = path.parse(out);
  dir = parsed.dir || '.';
  await mkdir(dir, { recursive: true });
  return count > 1 ? path.join(dir, `${parsed.name}-${i + 1}${parsed.ext || `.${ext}`}`) : out;
}

function intOption(value, name, { min, max }) {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`--${name} must be an integer from ${min} to ${max}`);
  return n;
}

async function makeClient(values, env) {
  return createClient({
    apiKey: env.AI_GATEWAY_API_KEY || null,
    baseURL: values['base-url'] ?? env.AI_GATEWAY_BASE_URL ?? DEFAULT_BASE_URL,
    timeout: intOption(values.timeout, 'timeout', { min: 1, max: 3_600_000 }),
    maxRetries: intOption(values['max-retries'], 'max-retries', { min: 0, max: 10 }),
  });
}

/** Runs the CLI. Returns the exit code; output goes to the given streams (tests pass their own). */
export async function main(argv, { stdout = process.stdout, stderr = process.stderr, env = process.env, signal } = {}) {
  const say = (s) => stderr.write(`${s}\n`);
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === '-h' || command === 'help') {
    stdout.write(`${HELP.main}\n`);
    return command ? EXIT.ok : EXIT.usage;
  }
  if (!OPTIONS[command]) {
    say(`imagegate: unknown command "${command}"\n\n${HELP.main}`);
    return EXIT.usage;
  }
  let values;
  let positionals;
  try {
    ({ values, positionals } = parseArgs({ args: rest, options: OPTIONS[command], allowPositionals: true, strict: true }));
  } catch (err) {
    say(`imagegate ${command}: ${err.message}\n\n${HELP[command]}`);
    return EXIT.usage;
  }
  if (values.help) {
    stdout.write(`${HELP[command]}\n`);
    return EXIT.ok;
  }
  const progress = values.quiet ? () => {} : say;
  try {
    if (command === 'models') return await runModels(values, env, stdout);
    if (!env.AI_GATEWAY_API_KEY && !values['base-url'] && !env.AI_GATEWAY_BASE_URL) {
      throw new UsageError('set AI_GATEWAY_API_KEY (or point --base-url at a proxy that adds the key)');
    }
    if (command === 'credits') return await runCredits(await makeClient(values, env), values, stdout);
    if (command === 'cost') {
      if (positionals.length !== 1) throw new UsageError('one generation id is required');
      return await runCost(await makeClient(values, env), positionals[0], values, stdout);
    }
    if (command === 'edit') return await runEdit(await makeClient(values, env), positionals, values, { stdout, say, progress, signal });
    if (command === 'batch') {
      if (positionals.length !== 1) throw new UsageError('one FILE.jsonl is required');
      if (!values.out) throw new UsageError('-o DIR is required');
      const concurrency = intOption(values.concurrency, 'concurrency', { min: 1, max: 16 }) ?? 2;
      const client = await makeClient(values, env);
      return await runBatch(client, positionals[0], { out: values.out, model: values.model, concurrency, cost: !values['no-cost'],
        progress, say, signal, outputPath, EXIT });
    }
    const prompt = positionals.join(' ').trim();
    if (!prompt) throw new UsageError('a prompt is required');
    if (!values.model) throw new UsageError('--model is required');
    const client = await makeClient(values, env);
    if (command === 'generate') return await runGenerate(client, prompt, values, { stdout, say, progress, signal });
    return await runChat(client, prompt, values, { stdout, progress, signal });
  } catch (err) {
    say(`imagegate ${command}: ${err.message}`);
    if (err instanceof UsageError) say(`\n${HELP[command]}`);
    return exitCodeFor(err);
  }
}

async function runModels(values, env, stdout) {
  const client = await makeClient(values, env);
  const models = await client.models.list({ imageCapable: !!values.images });
  if (values.json) stdout.write(`${JSON.stringify(models, null, 2)}\n`);
  else for (const m of models) stdout.write(`${m.id.padEnd(44)} ${(m.type ?? '').padEnd(10)} ${m.imageEndpoint ?? ''}\n`);
  return EXIT.ok;
}

function ticker(progress, label) {
  const t0 = Date.now();
  const timer = setInterval(() => progress(`${label}… ${((Date.now() - t0) / 1000).toFixed(0)} s`), 5000);
  timer.unref?.();
  return () => clearInterval(timer);
}

/** -n, --size and --provider-options into request parameters. */
function imageParams(values, params) {
  const n = intOption(values.n, 'n', { min: 1, max: 10 });
  if (n) params.n = n;
  if (values.size) params.size = values.size;
  if (values['provider-options']) {
    try { params.providerOptions = JSON.parse(values['provider-options']); } catch (e) {
      throw new UsageError(`--provider-options is not valid JSON: ${e.message}`);
    }
  }
  if (values['aspect-ratio']) {
    if (!/^\d+(\.\d+)?:\d+(\.\d+)?$/.test(values['aspect-ratio'])) throw new UsageError('--aspect-ratio must look like 16:9');
    // The namespace from the package's one table (blackForestLabs, openai, xai, ...); explicit JSON wins.
    const ns = providerOptionsKey(params.model);
    const po = params.providerOptions && typeof params.providerOptions === 'object' ? params.providerOptions : {};
    params.providerOptions = { ...po, [ns]: { aspectRatio: values['aspect-ratio'], ...po[ns] } };
  }
  return params;
}

/** Writes a result's images (and lists URL-only ones); warnings and the generation id go to stderr. */
async function writeImages(res, out, prompt, { stdout, say, progress }) {
  for (const w of res.warnings ?? []) say(`warning: ${w.message}`);
  const withBytes = res.images.filter((img) => img.bytes);
  for (const [i, img] of withBytes.entries()) {
    const file = await outputPath(out, prompt, i, withBytes.length, img.format);
    await writeFile(file, img.bytes);
    stdout.write(`${file}\t${img.mimeType}\t${img.width}x${img.height}\n`);
  }
  for (const img of res.images.filter((x) => !x.bytes)) stdout.write(`${img.url}\t(url, not downloaded)\n`);
  if (res.generationId) progress(`generation ${res.generationId} (imagegate cost ${res.generationId})`);
}

/** A file path or an https:/data: URL → what images.edit takes. */
async function editSource(arg, what) {
  if (/^(https|data):/i.test(arg)) return arg;
  try { return new Uint8Array(await readFile(arg)); } catch (e) { throw new UsageError(`cannot read ${what} ${arg}: ${e.message}`); }
}

async function runEdit(client, files, values, io) {
  if (!files.length) throw new UsageError('at least one IMAGE is required');
  if (files.length > 16) throw new UsageError('at most 16 images');
  if (!values.prompt?.trim()) throw new UsageError('-p PROMPT is required');
  if (!values.model) throw new UsageError('--model is required');
  const params = imageParams(values, { model: values.model, prompt: values.prompt.trim() });
  params.images = await Promise.all(files.map((f) => editSource(f, 'IMAGE')));
  if (values.mask) params.mask = await editSource(values.mask, '--mask');
  io.progress(`editing ${files.length} image${files.length > 1 ? 's' : ''} with ${values.model}…`);
  const stop = ticker(io.progress, 'waiting for the gateway');
  let res;
  try { res = await client.images.edit(params, { signal: io.signal, multipart: !!values.multipart, strict: !!values.strict }); } finally { stop(); }
  await writeImages(res, values.out, params.prompt, io);
  return EXIT.ok;
}

async function runCredits(client, values, stdout) {
  const { balance, totalUsed } = await client.credits.retrieve();
  if (values.json) stdout.write(`${JSON.stringify({ balance, totalUsed })}\n`);
  else stdout.write(`balance     $${balance}\ntotal used  $${totalUsed}\n`);
  return EXIT.ok;
}

async function runCost(client, id, values, stdout) {
  const rec = await client.generations.retrieve(id);
  if (values.json) { stdout.write(`${JSON.stringify(rec.raw, null, 2)}\n`); return EXIT.ok; }
  const rows = [['generation', rec.id], ['model', rec.model], ['provider', rec.providerName],
    ['cost', rec.totalCost === null ? 'unknown' : `$${rec.totalCost}`], ['latency', rec.latency === null ? '' : `${rec.latency} ms`],
    ['time', rec.generationTime === null ? '' : `${rec.generationTime} ms`],
    ['tokens', `${rec.promptTokens ?? 0} prompt, ${rec.completionTokens ?? 0} completion`], ['created', rec.createdAt]];
  for (const [k, v] of rows) stdout.write(`${k.padEnd(11)} ${v ?? ''}\n`);
  return EXIT.ok;
}

async function runGenerate(client, prompt, values, { stdout, say, progress, signal }) {
  const params = imageParams(values, { model: values.model, prompt });
  const n = params.n;
  progress(`generating ${n ?? 1} image${(n ?? 1) > 1 ? 's' : ''} with ${values.model}…`);
  const stop = ticker(progress, 'waiting for the gateway');
  let res;
  try { res = await client.images.generate(params, { signal }); } finally { stop(); }
  await writeImages(res, values.out, prompt, { stdout, say, progress });
  return EXIT.ok;
}

async function runChat(client, prompt, values, { stdout, progress, signal }) {
  const content = [{ type: 'text', text: prompt }];
  if (values.image) {
    let bytes;
    try { bytes = new Uint8Array(await readFile(values.image)); } catch (e) { throw new UsageError(`cannot read --image: ${e.message}`); }
    try { content.push(await imagePart(bytes)); } catch (e) { throw new UsageError(`--image: ${e.message}`); }
  }
  const messages = [...(values.system ? [{ role: 'system', content: values.system }] : []), { role: 'user', content }];
  const params = { model: values.model, modalities: ['text', 'image'], messages };
  const images = [];
  if (values.stream) {
    const stream = client.chat.completions.stream(params, { signal });
    let lastProgress = 0;
    for await (const ev of stream) {
      if (ev.type === 'text') stdout.write(ev.delta);
      else if (ev.type === 'image') images.push(ev);
      else if (ev.type === 'image-progress' && ev.receivedBytes - lastProgress > 256 * 1024) {
        lastProgress = ev.receivedBytes;
        progress(`receiving image… ${(ev.receivedBytes / 1048576).toFixed(1)} MiB`);
      }
    }
    stdout.write('\n');
  } else {
    progress(`asking ${values.model}…`);
    const stop = ticker(progress, 'waiting for the gateway');
    let res;
    try { res = await client.chat.completions.create(params, { signal }); } finally { stop(); }
    const msg = res.choices[0]?.message ?? {};
    if (msg.content) stdout.write(`${msg.content}\n`);
    images.push(...(msg.images ?? []));
  }
  const withBytes = images.filter((img) => img.bytes);
  for (const [i, img] of withBytes.entries()) {
    const file = await outputPath(values.out, prompt, i, withBytes.length, img.format);
    await writeFile(file, img.bytes);
    stdout.write(`${file}\t${img.mimeType}\t${img.width}x${img.height}\n`);
  }
  return EXIT.ok;
}

const invokedDirectly = process.argv[1] && (await import('node:url')).pathToFileURL(
  await (await import('node:fs/promises')).realpath(process.argv[1])).href === import.meta.url;
if (invokedDirectly) {
  const ac = new AbortController();
  process.once('SIGINT', () => ac.abort());
  process.exitCode = await main(process.argv.slice(2), { signal: ac.signal });
}
