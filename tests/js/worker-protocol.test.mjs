// imagegate/worker's wire form of errors (js/worker-protocol.mjs): every error class crosses structured clone and is
// rebuilt as the same class with the same own fields, message, and cause. (The worker itself: tests/browser/worker.test.mjs.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as ig from 'imagegate';
import { serializeError, reviveError, serializeReason, reviveReason } from '../../wasm/js/worker-protocol.mjs';

const roundTrip = (err) => reviveError(structuredClone(serializeError(err)));

test('every error class comes back as itself, with its fields', () => {
  const cases = [
    new ig.ValidationError('`model` is required', 'model'),
    new ig.Base64DecodeError('bad_padding', 7),
    new ig.DataUrlError('bad_base64', 12, 'partial_chunk'),
    new ig.InvalidResponseError('Invalid images response: cut', { reason: 'invalid_json', position: 99, imageIndex: 1, status: 200, requestId: 'req_1' }),
    new ig.APIConnectionTimeoutError('Request timed out after 5 ms', { cause: new TypeError('Failed to fetch') }),
    new ig.APIUserAbortError('Request aborted'),
  ];
  for (const Cls of [ig.BadRequestError, ig.AuthenticationError, ig.PermissionDeniedError, ig.NotFoundError, ig.ConflictError,
    ig.UnprocessableEntityError, ig.RateLimitError, ig.InternalServerError, ig.APIError, ig.APIConnectionError]) {
    cases.push(Object.assign(new Cls('429 slow down', { status: 429, type: 't', code: 'c', param: { x: 1 }, generationId: 'gen_1', requestId: 'req_2',
      headers: { 'retry-after-ms': '20' }, retryAfterMs: 20 }), { suggestion: 'bfl/flux-2-pro' }));
  }
  for (const err of cases) {
    const back = roundTrip(err);
    assert.equal(back.constructor, err.constructor, err.name);
    assert.ok(back instanceof ig.ImagegateError);
    assert.equal(back.name, err.name);
    assert.equal(back.message, err.message);
    assert.deepEqual({ ...back }, { ...err }, err.name);
    if (err.cause) {
      assert.equal(back.cause.constructor, TypeError);
      assert.equal(back.cause.message, 'Failed to fetch');
    }
  }
});

test('built-in errors stay built-ins; functions and uncloneable fields are left out; abort reasons cross', () => {
  const e = Object.assign(new RangeError('too big'), { fn: () => {}, n: 3 });
  const back = roundTrip(e);
  assert.equal(back.constructor, RangeError);
  assert.deepEqual({ ...back }, { n: 3 });
  const reason = reviveReason(structuredClone(serializeReason(new Error('user left'))));
  assert.ok(reason instanceof Error);
  assert.equal(reason.message, 'user left');
  assert.equal(reviveReason(structuredClone(serializeReason('plain'))), 'plain');
  assert.equal(reviveReason(structuredClone(serializeReason(new DOMException('stop', 'AbortError')))).name, 'AbortError');
});
