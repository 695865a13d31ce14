// The one abort/timeout helper: every wait and every network attempt follows the caller's AbortSignal and, where
// it has one, its own time limit, through an AbortSignal made here. Listeners are always removed (a caller's
// signal may live for the whole program: nothing of a finished call may stay attached to it).
import { APIConnectionTimeoutError, APIUserAbortError } from './errors.mjs';

/** The error for a caller's abort, with the reason's message when the caller gave one. */
export function abortError(signal, what = 'Request') {
  const reason = signal?.reason;
  return new APIUserAbortError(reason instanceof Error && reason.name !== 'AbortError'
    ? `${what} aborted: ${reason.message}` : `${what} aborted`, { cause: reason });
}

/**
 * A signal that aborts when `callerSignal` does or when `timeoutMs` passes (no limit when it is not a positive
 * finite number). `release()` removes the listener and the timer; `failure(err)` turns whatever a transport threw
 * after the abort into APIUserAbortError or APIConnectionTimeoutError (the err otherwise).
 */
export function deadline(callerSignal, timeoutMs, what = 'Request') {
  const controller = new AbortController();
  let timedOut = false;
  const onAbort = () => controller.abort(callerSignal.reason);
  if (callerSignal?.aborted) controller.abort(callerSignal.reason);
  else callerSignal?.addEventListener('abort', onAbort, { once: true });
  let timer = timeoutMs > 0 && Number.isFinite(timeoutMs)
    ? setTimeout(() => { timedOut = true; controller.abort(); }, timeoutMs) : null;
  return {
    signal: controller.signal,
    release() {
      if (timer) clearTimeout(timer);
      timer = null;
      callerSignal?.removeEventListener('abort', onAbort);
    },
    failure(err) {
      if (timedOut) return new APIConnectionTimeoutError(`${what} timed out after ${timeoutMs} ms`, { cause: err });
      if (callerSignal?.aborted) return abortError(callerSignal, what);
      return err;
    },
  };
}

/** Waits `ms`, or rejects with APIUserAbortError as soon as `signal` aborts. */
export function sleep(ms, signal) {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortError(signal));
    const onAbort = () => { clearTimeout(t); reject(abortError(signal)); };
    const t = setTimeout(() => { signal?.removeEventListener('abort', onAbort); resolve(); }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
