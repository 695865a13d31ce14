// imagegate/worker's wire form of errors and abort reasons (both sides: js/worker.mjs and js/worker-host.mjs).
// An error crosses as { name, message, fields, cause } and is rebuilt as the same class from errors.mjs with the
// same own fields; a runtime error (TypeError, RangeError, ...) as that built-in. The fields are the error's own
// data properties that structured clone can carry; the key was redacted from them where they were made.
import * as errors from './errors.mjs';

/** The key of an image the main thread already received from an earlier stream event (by transfer). */
export const SENT = '__imagegateSentImage';

const BUILTINS = { Error, TypeError, RangeError, SyntaxError, ReferenceError };
const cloneable = (v) => v === null || ['string', 'number', 'boolean', 'undefined'].includes(typeof v)
  || (typeof v === 'object' && !(typeof v.then === 'function'));

export function serializeError(err, depth = 0) {
  if (!(err instanceof Error)) return { name: 'Error', message: String(err?.message ?? err), fields: {}, cause: null };
  const fields = {};
  for (const k of Object.keys(err)) {
    if (k === 'name' || k === 'message' || k === 'stack' || k === 'cause') continue;
    const v = err[k];
    if (typeof v === 'function' || !cloneable(v)) continue;
    try {
      structuredClone(v);
      fields[k] = v;
    } catch { /* not cloneable: left out */ }
  }
  const cause = err.cause instanceof Error && depth < 3 ? serializeError(err.cause, depth + 1) : null;
  return { name: err.name, message: err.message, fields, cause, stack: err.stack ?? '' };
}

export function reviveError(wire) {
  const Cls = Object.hasOwn(errors, wire.name) && typeof errors[wire.name] === 'function' && errors[wire.name].prototype instanceof Error
    ? errors[wire.name] : BUILTINS[wire.name] ?? Error;
  const cause = wire.cause ? reviveError(wire.cause) : undefined;
  let err;
  if (Cls === errors.Base64DecodeError) err = new Cls(wire.fields.code, wire.fields.position, wire.message);
  else if (Cls === errors.DataUrlError) err = new Cls(wire.fields.code, wire.fields.position, wire.fields.base64Error);
  else if (Cls.prototype instanceof errors.APIError || Cls === errors.APIError) err = new Cls(wire.message, cause !== undefined ? { cause } : {});
  else err = new Cls(wire.message, cause !== undefined && !(Cls.prototype instanceof errors.ImagegateError) ? { cause } : undefined);
  Object.defineProperty(err, 'message', { value: wire.message, writable: true, configurable: true, enumerable: false });
  Object.assign(err, wire.fields);
  if (cause !== undefined && err.cause === undefined) Object.defineProperty(err, 'cause', { value: cause, writable: true, configurable: true, enumerable: false });
  if (Cls === Error && wire.name !== 'Error') err.name = wire.name;
  // The stack of the call on this thread, then where it failed in the worker.
  if (wire.stack) err.stack = `${err.stack}\n    --- in the imagegate worker ---\n${wire.stack}`;
  return err;
}

/** An abort reason: an Error crosses as one (its message goes into APIUserAbortError's); anything else as it is. */
export function serializeReason(reason) {
  if (reason instanceof Error) return { error: serializeError(reason) };
  try {
    return { value: structuredClone(reason) };
  } catch {
    return { value: String(reason) };
  }
}
export function reviveReason(wire) {
  if (!wire) return undefined;
  if (wire.error) {
    const e = reviveError(wire.error);
    if (wire.error.name === 'AbortError') return new DOMException(wire.error.message, 'AbortError');
    return e;
  }
  return wire.value;
}
