// Issue 16 (one point of it): values handed to JS are shaped as JSON.parse shapes them. A server key "__proto__"
// becomes an own data property, never the object's prototype (val::set assigned through Object.prototype's
// setter); "constructor" and friends are own properties too. Every route that hands server JSON to JS.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createClient, parseImagesResponse } from 'imagegate';

const KEY = 'sk-own-properties-0123456789';
const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGP4z8DwHwAFAAH/iZk9HQAAAABJRU5ErkJggg==';
const hostile = '{"__proto__":{"polluted":1},"constructor":{"x":2},"toString":"s","ok":true}';

/** The object JSON.parse makes of the same text: the oracle. */
function checkLikeJsonParse(value, where) {
  const expected = JSON.parse(hostile);
  assert.equal(Object.getPrototypeOf(value), Object.prototype, `${where}: the prototype changed`);
  assert.equal(value.polluted, undefined, `${where}: "__proto__" became the prototype`);
  assert.ok(Object.hasOwn(value, '__proto__'), `${where}: "__proto__" is an own property`);
  assert.deepEqual(Object.getOwnPropertyDescriptor(value, '__proto__'), Object.getOwnPropertyDescriptor(expected, '__proto__'));
  assert.deepEqual(Object.keys(value).sort(), Object.keys(expected).sort());
  assert.equal(value.constructor.x, 2);
  assert.equal({}.polluted, undefined, 'Object.prototype itself is untouched');
}

const respond = (body, type = 'application/json') => async () => new Response(body, { status: 200, headers: { 'content-type': type } });

test('images: usage, provider metadata and unknown top-level fields', async () => {
  const body = `{"created":1,"usage":${hostile},"provider_metadata":${hostile},"extra_field":${hostile},"data":[{"b64_json":"${PNG}"}]}`;
  const parsed = parseImagesResponse(new TextEncoder().encode(body));
  checkLikeJsonParse(parsed.usage, 'usage');
  checkLikeJsonParse(parsed.providerMetadata, 'provider_metadata');
  checkLikeJsonParse(parsed.extra.extra_field, 'extra');
  const c = await createClient({ apiKey: KEY, baseURL: 'http://127.0.0.1:9/v1', fetch: respond(body) });
  checkLikeJsonParse((await c.images.generate({ model: 'bfl/flux-2-pro', prompt: 'p' })).usage, 'images.generate usage');
});

test('chat create, stream usage, models and error bodies', async () => {
  const chat = `{"id":"c","choices":[{"index":0,"message":{"role":"assistant","content":"hi","extra":${hostile}},"finish_reason":"stop"}],"usage":${hostile}}`;
  const c1 = await createClient({ apiKey: KEY, baseURL: 'http://127.0.0.1:9/v1', fetch: respond(chat) });
  const completion = await c1.chat.completions.create({ model: 'm/x', messages: [{ role: 'user', content: 'x' }] });
  checkLikeJsonParse(completion.usage, 'chat usage');
  checkLikeJsonParse(completion.choices[0].message.extra, 'chat message field');
  const sse = `data: {"choices":[],"usage":${hostile}}\n\ndata: [DONE]\n\n`;
  const c2 = await createClient({ apiKey: KEY, baseURL: 'http://127.0.0.1:9/v1', fetch: respond(sse, 'text/event-stream') });
  const events = [];
  for await (const ev of c2.chat.completions.stream({ model: 'm/x', messages: [{ role: 'user', content: 'x' }] })) events.push(ev);
  checkLikeJsonParse(events.find((e) => e.type === 'usage').usage, 'stream usage');
  const models = `{"data":[{"id":"a/b","type":"image","pricing":${hostile}}]}`;
  const c3 = await createClient({ apiKey: KEY, baseURL: 'http://127.0.0.1:9/v1', fetch: respond(models) });
  checkLikeJsonParse((await c3.models.list())[0].pricing, 'models pricing');
  const err = `{"error":{"message":"no","param":${hostile}}}`;
  const c4 = await createClient({ apiKey: KEY, baseURL: 'http://127.0.0.1:9/v1', maxRetries: 0, fetch: async () => new Response(err, { status: 400, headers: { 'content-type': 'application/json' } }) });
  checkLikeJsonParse((await c4.models.list().catch((e) => e)).param, 'error param');
});
