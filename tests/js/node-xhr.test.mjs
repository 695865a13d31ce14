// wasm/js/node-xhr.mjs: the node:http XMLHttpRequest that emscripten_fetch uses under node. Local node:http servers
// on 127.0.0.1:0 cover bodies, headers, statuses, redirects, every failure path and the event order.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import zlib from 'node:zlib';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { NodeXMLHttpRequest, installXMLHttpRequest, bodyStats } from '../../wasm/js/node-xhr.mjs';

const BIG = randomBytes(16 * 1024 * 1024);
const CHUNKED = randomBytes(1024 * 1024 + 123);
const TYPES = ['loadstart', 'progress', 'load', 'error', 'timeout', 'abort', 'loadend'];

let server, other, rawServer, base, otherBase, rawBase;
let rawConnections = 0;
const rawSockets = new Set();
let last = null;                                   // the last request the main server saw
const hits = new Map();                            // path -> request count

function route(req, res, body) {
  const u = new URL(req.url, 'http://x');
  const p = u.pathname;
  if (p === '/echo') {
    last = { method: req.method, headers: req.headers, rawHeaders: req.rawHeaders, body };
    res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': body.length });
    return res.end(body);
  }
  if (p === '/big') {
    res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': BIG.length });
    return res.end(BIG);
  }
  if (p === '/chunked') {
    res.writeHead(200, { 'Content-Type': 'application/octet-stream' });       // no Content-Length: chunked
    let off = 0;
    const step = () => {
      for (let i = 0; i < 8 && off < CHUNKED.length; i++) {
        const n = 7001 + ((off / 7) % 5000 | 0);
        res.write(CHUNKED.subarray(off, off + n));
        off += n;
      }
      if (off < CHUNKED.length) setImmediate(step); else res.end();
    };
    return step();
  }
  if (p.startsWith('/status/')) {
    const code = Number(p.slice(8));
    const text = `{"error":"status ${code}"}`;
    res.writeHead(code, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
    return res.end(text);
  }
  if (p === '/headers') {
    res.setHeader('X-Multi', ['one', 'two']);
    res.setHeader('Set-Cookie', ['a=1', 'b=2']);
    res.setHeader('X-UPPER-Case', 'Value With Spaces');
    res.setHeader('Content-Type', 'text/plain; charset=utf-8');
    return res.end('h');
  }
  if (p === '/stall') {                          // headers, a few bytes, then nothing
    res.writeHead(200, { 'Content-Length': 1_000_000 });
    res.write(Buffer.alloc(1000, 1));
    return;                                      // left open: the client times out / aborts
  }
  if (p === '/silent') return;                   // never answers
  if (p === '/reset') {                          // TCP RST in the middle of the body
    res.writeHead(200, { 'Content-Length': 1_000_000 });
    res.write(Buffer.alloc(100_000, 2));
    return setTimeout(() => req.socket.resetAndDestroy(), 30);
  }
  if (p === '/short') {                          // Content-Length lie: fewer bytes, then the connection closes
    res.writeHead(200, { 'Content-Length': 1000 });
    res.write(Buffer.alloc(500, 3));
    return setTimeout(() => req.socket.end(), 30);
  }
  if (p.startsWith('/redirect/')) {
    const n = Number(p.slice(10));
    if (n === 0) {
      last = { method: req.method, headers: req.headers, body };
      return res.end(`final ${req.method} ${body.length}`);
    }
    res.writeHead(302, { Location: `/redirect/${n - 1}` });
    return res.end('redirecting');
  }
  if (p === '/r303' || p === '/r307' || p === '/r308' || p === '/r302') {
    res.writeHead(Number(p.slice(2)), { Location: '/redirect/0' });
    return res.end();
  }
  if (p === '/cross') {
    res.writeHead(302, { Location: `${otherBase}/seen` });
    return res.end();
  }
  if (p === '/gzip') {
    const gz = zlib.gzipSync(CHUNKED);
    res.writeHead(200, { 'Content-Encoding': 'gzip', 'Content-Length': gz.length });
    return res.end(gz);
  }
  if (p === '/empty') { res.writeHead(204); return res.end(); }
  if (p === '/head') { res.writeHead(200, { 'Content-Length': 12345 }); return res.end(); }
  res.writeHead(404);
  res.end();
}

function listen(s) {
  return new Promise((resolve) => s.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${s.address().port}`)));
}

before(async () => {
  server = http.createServer((req, res) => {
    const path = new URL(req.url, 'http://x').pathname;
    hits.set(path, (hits.get(path) ?? 0) + 1);
    const parts = [];
    req.on('data', (c) => parts.push(c));
    req.on('end', () => route(req, res, Buffer.concat(parts)));
  });
  other = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => res.end(JSON.stringify({ authorization: req.headers.authorization ?? null, x: req.headers['x-keep'] ?? null })));
  });
  // Raw TCP server for responses node:http will not produce: more bytes than Content-Length.
  // Raw TCP server for what node:http will not produce: more bytes than Content-Length (/longer), and a
  // keep-alive connection that is reset when it is reused (/stale).
  rawServer = net.createServer((s) => {
    rawSockets.add(s);
    rawConnections++;
    let n = 0;
    s.on('error', () => {});
    s.on('close', () => rawSockets.delete(s));
    s.on('data', (d) => {
      if (d.toString('latin1').startsWith('GET /longer')) {
        return s.end('HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello, and then some more bytes');
      }
      if (++n === 1) s.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: keep-alive\r\n\r\nok');
      else s.resetAndDestroy();                    // the reused connection dies before any response byte
    });
  });
  [base, otherBase, rawBase] = await Promise.all([listen(server), listen(other), listen(rawServer)]);
});

after(async () => {
  for (const s of [server, other]) s.closeAllConnections();
  for (const s of rawSockets) s.destroy();
  await Promise.all([server, other, rawServer].map((s) => new Promise((r) => s.close(r))));
});

/**
 * Runs one request; resolves after loadend (plus `settle` ms, to catch anything fired late) with the xhr and
 * an event log: numbers are readystatechange readyStates, strings are event types.
 */
function run(url, { method = 'GET', headers = {}, body = null, responseType = 'arraybuffer', timeout = 0,
  settle = 0, setup } = {}) {
  return new Promise((resolve) => {
    const xhr = new NodeXMLHttpRequest();
    const log = [];
    const progress = [];
    xhr.onreadystatechange = () => log.push(xhr.readyState);
    for (const t of TYPES) {
      xhr.addEventListener(t, (e) => {
        log.push(t);
        if (t === 'progress') progress.push([e.loaded, e.total, e.lengthComputable]);
        if (t === 'loadend') setTimeout(() => resolve({ xhr, log, progress }), settle);
      });
    }
    xhr.open(method, url);
    xhr.responseType = responseType;
    if (timeout) xhr.timeout = timeout;
    for (const [k, v] of Object.entries(headers)) xhr.setRequestHeader(k, v);
    setup?.(xhr, log);
    xhr.send(body);
  });
}

const bytes = (ab) => Buffer.from(ab);
const terminal = (log) => log.filter((e) => ['load', 'error', 'timeout', 'abort'].includes(e));
const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;

test('GET: binary body intact, request headers reach the server, repeated names combined', async () => {
  const payload = randomBytes(4096);
  const { xhr, log } = await run(`${base}/echo`, {
    method: 'post', body: payload, headers: { 'X-Test': 'a', 'x-test': 'b', Authorization: 'Bearer k' },
  });
  assert.equal(xhr.status, 200);
  assert.equal(xhr.statusText, 'OK');
  assert.deepEqual(terminal(log), ['load']);
  assert.equal(last.method, 'POST');                       // 'post' normalised like browsers
  assert.equal(last.headers['x-test'], 'a, b');
  assert.equal(last.headers.authorization, 'Bearer k');
  assert.equal(last.headers.accept, '*/*');
  assert.equal(last.headers['content-length'], '4096');
  assert.ok(bytes(xhr.response).equals(payload));

  const get = await run(`${base}/big`, { headers: { 'X-Get': '1' }, setup: (x) => x.overrideMimeType('application/octet-stream') });
  assert.equal(get.xhr.status, 200);
  assert.ok(bytes(get.xhr.response).equals(BIG));
});

test('POST bodies: Uint8Array views (offset honoured), ArrayBuffer, string, null, exact bytes on the wire', async () => {
  const backing = randomBytes(10_000);
  const view = new Uint8Array(backing.buffer, backing.byteOffset + 17, 5000);   // what HEAPU8.slice-like callers pass
  let r = await run(`${base}/echo`, { method: 'POST', body: view, headers: { 'Content-Type': 'application/json' } });
  assert.ok(last.body.equals(Buffer.from(view)));
  assert.equal(last.headers['content-type'], 'application/json');
  assert.equal(last.headers['content-length'], '5000');
  assert.ok(bytes(r.xhr.response).equals(Buffer.from(view)));

  const ab = new Uint8Array([0, 255, 1, 254, 0, 0, 10, 13]).buffer;
  await run(`${base}/echo`, { method: 'PUT', body: ab });
  assert.equal(last.method, 'PUT');
  assert.deepEqual([...last.body], [0, 255, 1, 254, 0, 0, 10, 13]);

  await run(`${base}/echo`, { method: 'POST', body: 'héllo' });
  assert.equal(last.body.toString('utf8'), 'héllo');
  assert.equal(last.headers['content-type'], 'text/plain;charset=UTF-8');

  await run(`${base}/echo`, { method: 'POST', body: null });
  assert.equal(last.headers['content-length'], '0');
  assert.equal(last.body.length, 0);

  r = await run(`${base}/echo`, { method: 'GET', body: 'ignored for GET' });
  assert.equal(last.body.length, 0);
  assert.equal(r.xhr.response.byteLength, 0);
});

test('16 MiB with Content-Length: intact, one exact preallocation, no growth, no concat', async () => {
  const before = timers();
  const { xhr, log, progress } = await run(`${base}/big`, { timeout: 30_000 });
  assert.deepEqual(terminal(log), ['load']);
  const ab = xhr.response;
  assert.ok(ab instanceof ArrayBuffer);
  assert.equal(ab.byteLength, BIG.length);
  assert.ok(bytes(ab).equals(BIG));
  assert.deepEqual(xhr[bodyStats], { mode: 'preallocated', capacity: BIG.length, grows: 0, loaded: BIG.length });
  assert.ok(progress.length >= 1);
  assert.deepEqual(progress.at(-1), [BIG.length, BIG.length, true]);
  for (let i = 1; i < progress.length; i++) assert.ok(progress[i][0] >= progress[i - 1][0]);
  assert.equal(xhr.response, ab, 'response is the same ArrayBuffer on every read');
  await sleep(10);
  assert.equal(timers(), before, 'the timeout timer is cleared on completion');
});

test('chunked response without Content-Length: intact, grown geometrically, trimmed to exact length', async () => {
  const { xhr, log, progress } = await run(`${base}/chunked`);
  assert.deepEqual(terminal(log), ['load']);
  assert.equal(xhr.getResponseHeader('content-length'), null);
  assert.equal(xhr.getResponseHeader('transfer-encoding'), 'chunked');
  assert.equal(xhr.response.byteLength, CHUNKED.length);
  assert.ok(bytes(xhr.response).equals(CHUNKED));
  const stats = xhr[bodyStats];
  assert.equal(stats.mode, 'growing');
  assert.equal(stats.loaded, CHUNKED.length);
  assert.ok(stats.grows >= 1 && stats.grows <= 6, `grows=${stats.grows}`);     // 64 KiB doubling to ≥1 MiB: ~5
  assert.deepEqual(progress.at(-1), [CHUNKED.length, 0, false]);
});

test('gzip-encoded response is decoded', async () => {
  const { xhr } = await run(`${base}/gzip`);
  assert.equal(xhr.status, 200);
  assert.ok(bytes(xhr.response).equals(CHUNKED));
});

test('404 and 500 with bodies are loads, not errors', async () => {
  for (const code of [404, 500]) {
    const { xhr, log } = await run(`${base}/status/${code}`, { settle: 20 });
    assert.deepEqual(terminal(log), ['load']);
    assert.equal(xhr.status, code);
    assert.equal(xhr.statusText, http.STATUS_CODES[code]);
    assert.equal(bytes(xhr.response).toString(), `{"error":"status ${code}"}`);
  }
});

test('204 and HEAD: load with an empty body even when Content-Length is announced', async () => {
  let r = await run(`${base}/empty`);
  assert.equal(r.xhr.status, 204);
  assert.equal(r.xhr.response.byteLength, 0);
  r = await run(`${base}/head`, { method: 'HEAD' });
  assert.equal(r.xhr.status, 200);
  assert.equal(r.xhr.getResponseHeader('Content-Length'), '12345');
  assert.equal(r.xhr.response.byteLength, 0);
  assert.deepEqual(terminal(r.log), ['load']);
});

test('getAllResponseHeaders: lower-case, sorted, "name: value\\r\\n", duplicates joined, set-cookie hidden', async () => {
  const xhr = new NodeXMLHttpRequest();
  assert.equal(xhr.getAllResponseHeaders(), '');
  assert.equal(xhr.getResponseHeader('x-multi'), null);
  const { xhr: done } = await run(`${base}/headers`);
  const all = done.getAllResponseHeaders();
  assert.match(all, /\r\n$/);
  const lines = all.slice(0, -2).split('\r\n');
  const names = lines.map((l) => l.slice(0, l.indexOf(':')));
  assert.deepEqual(names, [...names].sort());
  for (const l of lines) assert.match(l, /^[a-z0-9-]+: \S/);
  assert.ok(lines.includes('x-multi: one, two'));
  assert.ok(lines.includes('x-upper-case: Value With Spaces'));
  assert.ok(lines.includes('content-type: text/plain; charset=utf-8'));
  assert.ok(!/set-cookie/i.test(all));
  assert.equal(done.getResponseHeader('X-MULTI'), 'one, two');
  assert.equal(done.getResponseHeader('set-cookie'), null);
  assert.equal(done.getResponseHeader('nope'), null);
  assert.equal(Buffer.from(done.response).toString(), 'h');
});

test('timeout: readystatechange(4), timeout, loadend and nothing else; status 0; no timer left', async () => {
  const before = timers();
  const t0 = performance.now();
  const { xhr, log } = await run(`${base}/stall`, { timeout: 150, settle: 150 });
  const took = performance.now() - t0;
  assert.ok(took >= 140 && took < 2000, `took ${took} ms`);
  assert.deepEqual(log.slice(-3), [4, 'timeout', 'loadend']);
  assert.deepEqual(terminal(log), ['timeout']);
  assert.equal(xhr.readyState, 4);
  assert.equal(xhr.status, 0);
  assert.equal(xhr.statusText, '');
  assert.equal(xhr.response, null);
  assert.equal(xhr.getAllResponseHeaders(), '');
  assert.equal(timers(), before);

  const silent = await run(`${base}/silent`, { timeout: 100 });      // no headers at all
  assert.deepEqual(silent.log, [1, 'loadstart', 4, 'timeout', 'loadend']);
});

test('abort mid-body: abort only, nothing after, readyState ends UNSENT', async () => {
  const xhr = new NodeXMLHttpRequest();
  const log = [];
  xhr.onreadystatechange = () => log.push(xhr.readyState);
  for (const t of TYPES) xhr.addEventListener(t, () => log.push(t));
  const before = timers();
  xhr.open('GET', `${base}/stall`);
  xhr.responseType = 'arraybuffer';
  xhr.timeout = 400;                                 // must not fire after the abort
  await new Promise((resolve) => {
    xhr.onprogress = () => { if (xhr.readyState === 3) resolve(); };
    xhr.send();
  });
  xhr.abort();
  assert.equal(xhr.readyState, 0);
  assert.equal(xhr.status, 0);
  assert.equal(xhr.response, null);
  const atAbort = log.length;
  await sleep(600);                                  // past the timeout: nothing may fire
  assert.deepEqual(log.slice(atAbort - 3), [4, 'abort', 'loadend']);
  assert.equal(log.length, atAbort);
  assert.deepEqual(terminal(log), ['abort']);
  assert.equal(timers(), before);

  // abort() from inside a progress handler stops the transfer on the spot
  const r = await run(`${base}/big`, { settle: 200, setup: (x) => { x.onprogress = () => x.abort(); } });
  assert.deepEqual(terminal(r.log), ['abort']);
  assert.equal(r.log.filter((e) => e === 'progress').length, 1);
});

test('network errors: reset mid-body, connection refused, Content-Length lies → error, status 0', async () => {
  const reset = await run(`${base}/reset`, { settle: 50 });
  assert.deepEqual(terminal(reset.log), ['error']);
  assert.deepEqual(reset.log.slice(-3), [4, 'error', 'loadend']);
  assert.equal(reset.xhr.status, 0);
  assert.equal(reset.xhr.response, null);

  const closed = net.createServer();
  const port = await new Promise((r) => closed.listen(0, '127.0.0.1', () => r(closed.address().port)));
  await new Promise((r) => closed.close(r));
  const refused = await run(`http://127.0.0.1:${port}/`, { settle: 50 });
  assert.deepEqual(refused.log, [1, 'loadstart', 4, 'error', 'loadend']);
  assert.equal(refused.xhr.status, 0);
  assert.equal(refused.xhr.statusText, '');
  assert.equal(refused.xhr.response, null);

  const short = await run(`${base}/short`, { settle: 50 });
  assert.deepEqual(terminal(short.log), ['error']);
  assert.equal(short.xhr.status, 0);
  assert.equal(short.xhr.response, null);

  const longer = await run(`${rawBase}/longer`, { settle: 50 });
  assert.deepEqual(terminal(longer.log), ['error']);  // node's parser rejects the extra bytes
  assert.equal(longer.xhr.status, 0);

  const tls = await run(`${base.replace('http:', 'https:')}/echo`, { settle: 20 });   // TLS to a plain-HTTP port
  assert.deepEqual(tls.log, [1, 'loadstart', 4, 'error', 'loadend']);
  assert.equal(tls.xhr.status, 0);

  const bad = await run('ftp://127.0.0.1/x', { settle: 20 });
  assert.deepEqual(bad.log, [1, 'loadstart', 4, 'error', 'loadend']);
});

test('redirects: followed up to 5, responseURL set, 303 → GET, 307/308 keep method and body', async () => {
  let r = await run(`${base}/redirect/5#frag`);
  assert.equal(r.xhr.status, 200);
  assert.equal(r.xhr.responseURL, `${base}/redirect/0`);
  assert.equal(bytes(r.xhr.response).toString(), 'final GET 0');

  r = await run(`${base}/redirect/6`);
  assert.deepEqual(terminal(r.log), ['error']);
  assert.equal(r.xhr.status, 0);

  const body = randomBytes(777);
  for (const [path, method, expected] of [['/r303', 'POST', 'final GET 0'], ['/r302', 'POST', 'final GET 0'],
    ['/r307', 'POST', 'final POST 777'], ['/r308', 'PUT', 'final PUT 777']]) {
    r = await run(`${base}${path}`, { method, body, headers: { 'Content-Type': 'application/x-test' } });
    assert.equal(bytes(r.xhr.response).toString(), expected, path);
    assert.equal(r.xhr.responseURL, `${base}/redirect/0`);
    if (expected.endsWith('777')) {
      assert.ok(last.body.equals(body));
      assert.equal(last.headers['content-type'], 'application/x-test');
    } else {
      assert.equal(last.headers['content-type'], undefined);
    }
  }

  // Cross-origin redirect: Authorization is dropped, other headers kept
  r = await run(`${base}/cross`, { headers: { Authorization: 'Bearer secret', 'X-Keep': 'yes' } });
  assert.equal(r.xhr.responseURL, `${otherBase}/seen`);
  assert.deepEqual(JSON.parse(bytes(r.xhr.response).toString()), { authorization: null, x: 'yes' });
});

test('event order: readystatechange 1,2,3,4 with loadstart, progress, load, loadend in spec order', async () => {
  const { xhr, log, progress } = await run(`${base}/status/200`);
  assert.deepEqual(log, [1, 'loadstart', 2, 3, 'progress', 'progress', 4, 'load', 'loadend']);
  assert.equal(xhr.readyState, 4);
  const len = Buffer.byteLength('{"error":"status 200"}');
  assert.deepEqual(progress, [[len, len, true], [len, len, true]]);

  const big = await run(`${base}/big`);
  const states = big.log.filter((e) => typeof e === 'number');
  assert.deepEqual([...new Set(states)], [1, 2, 3, 4]);                       // LOADING may repeat (spec)
  assert.deepEqual(big.log.slice(-3), [4, 'load', 'loadend']);
});

test('response before DONE; only arraybuffer responses (what Fetch.js uses); state errors; sync XHR refused', async () => {
  const xhr = new NodeXMLHttpRequest();
  assert.equal(xhr.readyState, NodeXMLHttpRequest.UNSENT);
  assert.equal(xhr.DONE, 4);
  assert.throws(() => xhr.setRequestHeader('a', 'b'), { name: 'InvalidStateError' });
  assert.throws(() => xhr.send(), { name: 'InvalidStateError' });
  assert.throws(() => xhr.open('GET', `${base}/echo`, false), /synchronous XMLHttpRequest is not supported/);
  assert.throws(() => xhr.open('GET', 'not a url'), { name: 'SyntaxError' });
  xhr.open('GET', `${base}/stall`);
  assert.throws(() => xhr.setRequestHeader('bad name', 'v'), { name: 'SyntaxError' });
  assert.throws(() => xhr.setRequestHeader('x', 'a\r\nb: c'), { name: 'SyntaxError' });
  assert.equal(xhr.responseType, '');
  assert.equal(xhr.response, null, 'no body without responseType arraybuffer');
  for (const other of ['text', 'json', 'blob', 'document', '']) {
    assert.throws(() => { xhr.responseType = other; }, { name: 'NotSupportedError' }, other);
  }
  xhr.responseType = 'arraybuffer';
  assert.equal(xhr.responseType, 'arraybuffer');
  assert.equal('responseText' in xhr, false);
  assert.equal('responseXML' in xhr, false);
  let seen = null;
  await new Promise((resolve) => {
    xhr.onprogress = () => { seen = { state: xhr.readyState, response: xhr.response }; resolve(); };
    xhr.send();
  });
  assert.deepEqual(seen, { state: 3, response: null });
  assert.throws(() => { xhr.responseType = 'arraybuffer'; }, { name: 'InvalidStateError' });
  assert.throws(() => xhr.send(), { name: 'InvalidStateError' });
  xhr.abort();
});

test('Fetch.js call pattern (emscripten 3.1.6 fetchXHR) works unchanged', async () => {
  const payload = randomBytes(3000);
  const xhr = new NodeXMLHttpRequest();
  const seen = [];
  xhr.withCredentials = false;
  xhr.open('POST', `${base}/echo`, true, undefined, undefined);
  xhr.timeout = 0;
  xhr.url_ = `${base}/echo`;
  xhr.responseType = 'arraybuffer';
  xhr.overrideMimeType('application/octet-stream');
  xhr.setRequestHeader('Content-Type', 'application/json');
  xhr.setRequestHeader('Authorization', 'Bearer t');
  await new Promise((resolve) => {
    xhr.onload = (e) => { seen.push(['load', xhr.readyState, xhr.status, xhr.response.byteLength, e.loaded]); resolve(); };
    xhr.onerror = () => { seen.push(['error']); resolve(); };
    xhr.ontimeout = () => { seen.push(['timeout']); resolve(); };
    xhr.onprogress = (e) => {
      if (xhr.readyState >= 3 && xhr.status === 0 && e.loaded > 0) xhr.status = 200;   // Fetch.js does this
      seen.push(['progress', e.loaded, e.total]);
    };
    xhr.onreadystatechange = () => seen.push(['rsc', xhr.readyState, xhr.readyState >= 2 ? xhr.status : null]);
    xhr.send(payload.subarray(0));
  });
  assert.deepEqual(seen.at(-1), ['load', 4, 200, 3000, 3000]);
  assert.deepEqual(seen.filter((s) => s[0] === 'rsc').map((s) => s[1]), [2, 3, 4]);
  assert.ok(last.body.equals(payload));
  assert.equal(last.headers.authorization, 'Bearer t');
  assert.match(xhr.getAllResponseHeaders(), /^content-length: 3000\r\n/m);
});

test('installXMLHttpRequest only installs when XMLHttpRequest is missing', () => {
  const had = Object.getOwnPropertyDescriptor(globalThis, 'XMLHttpRequest');
  try {
    delete globalThis.XMLHttpRequest;
    assert.equal(installXMLHttpRequest(), true);
    assert.equal(globalThis.XMLHttpRequest, NodeXMLHttpRequest);
    assert.equal(installXMLHttpRequest(), false);
    class Other {}
    globalThis.XMLHttpRequest = Other;
    assert.equal(installXMLHttpRequest(), false);
    assert.equal(globalThis.XMLHttpRequest, Other);
  } finally {
    delete globalThis.XMLHttpRequest;
    if (had) Object.defineProperty(globalThis, 'XMLHttpRequest', had);
  }
});

test('reuse: open() again on the same object, and keep-alive requests in a row', async () => {
  const xhr = new NodeXMLHttpRequest();
  for (let i = 0; i < 3; i++) {
    await new Promise((resolve) => {
      xhr.open('POST', `${base}/echo`);
      xhr.responseType = 'arraybuffer';
      xhr.onload = resolve;
      xhr.send(new Uint8Array([i, i, i]));
    });
    assert.deepEqual([...new Uint8Array(xhr.response)], [i, i, i]);
  }
  // open() during a request cancels it silently; the new request completes normally
  const log = [];
  xhr.open('GET', `${base}/stall`);
  xhr.onabort = xhr.onerror = () => log.push('bad');
  xhr.send();
  await sleep(30);
  xhr.open('GET', `${base}/status/200`);
  await new Promise((resolve) => { xhr.onload = resolve; xhr.send(); });
  assert.equal(Buffer.from(xhr.response).toString(), '{"error":"status 200"}');
  await sleep(50);
  assert.deepEqual(log, []);
});

test('a keep-alive socket that dies on reuse before any response is retried once on a new connection', async () => {
  const first = await run(`${rawBase}/stale`);
  assert.equal(bytes(first.xhr.response).toString(), 'ok');
  const before = rawConnections;
  const second = await run(`${rawBase}/stale`, { settle: 20 });
  assert.deepEqual(terminal(second.log), ['load']);
  assert.equal(bytes(second.xhr.response).toString(), 'ok');
  assert.equal(rawConnections, before + 1);
});
