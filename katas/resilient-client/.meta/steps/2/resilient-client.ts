/**
 * resilient-client: fetches JSON from the pricing service, which is often slow and sometimes down.
 *
 * getJson(url, options, callback) sends GET url and calls back with the parsed JSON body of a 2xx
 * answer. An attempt that fails in a way worth trying again is retried, at most `retries` times
 * (so at most retries + 1 attempts). Retryable: a network error (refused, reset, closed), an
 * attempt that timed out, and the statuses 408, 502, 503 and 504, and 429 when it carries
 * Retry-After. Any other status from 400 up is final: a 404 will still be a 404 in a second.
 *
 * Before the nth retry it waits the backoff: with d = min(maxDelayMs, baseDelayMs * 2^(n-1)), it
 * waits Math.floor(d * (1 + random()) / 2) ms (exponential, with "equal jitter": between d/2
 * and d). When the answer carries Retry-After, it waits what the server asked instead: a number
 * of seconds, or an HTTP date (until that moment; a date already past means at once). A
 * Retry-After that is neither is ignored: the backoff applies.
 *
 * Each attempt has its own timeout, timeoutMs: when it fires the attempt is abandoned (its
 * connection closed) and counts as a retryable failure with code ETIMEDOUT. The callback is
 * called exactly once: with the JSON, or with the last failure (an HTTP failure has `status`).
 *
 * Written in 2014 with http.get and nested setTimeout. It works on the happy path. Your job is in
 * README.md.
 */
import http = require('http');
import * as timers from 'node:timers/promises';

export interface ClientOptions {
  /** Retries after the first attempt. Default 3. */
  retries?: number;
  /** The first retry's backoff before jitter, doubled for each later one. Default 100. */
  baseDelayMs?: number;
  /** The backoff before jitter never exceeds this. Default 10000. */
  maxDelayMs?: number;
  /** How long one attempt may take, body included. Default 10000. */
  timeoutMs?: number;
  /** A number in [0, 1), like Math.random (the default): the jitter's source. */
  random?: () => number;
}

export type JsonCallback = (err: Error | null, body?: unknown) => void;

export interface HttpError extends Error {
  status?: number;
  code?: string;
}

const RETRYABLE_STATUS = new Set([408, 502, 503, 504]);

/** A failure worth another attempt, and how long the server asked us to wait (ms), if it did. */
class Retryable extends Error {
  constructor(
    readonly failure: Error,
    readonly retryAfterMs?: number,
  ) {
    super(failure.message);
  }
}

function httpError(url: string, status: number): HttpError {
  return Object.assign(new Error(`GET ${url} answered ${status}`), { status });
}

/** Retry-After in ms from now: delta-seconds or an HTTP date; undefined when absent or unreadable. */
function retryAfterMs(header: string | null): number | undefined {
  if (header === null) {
    return undefined;
  }
  if (/^\d+$/.test(header.trim())) {
    return Number(header) * 1000;
  }
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

/** One attempt, aborted by the caller's signal or by its own timeout, whichever comes first. */
async function attempt(url: string, timeoutMs: number, caller: AbortSignal | undefined): Promise<unknown> {
  const controller = new AbortController();
  const timedOut: HttpError = Object.assign(new Error(`GET ${url} timed out after ${timeoutMs} ms`), { code: 'ETIMEDOUT' });
  const onCallerAbort = () => controller.abort(caller!.reason);
  caller?.addEventListener('abort', onCallerAbort, { once: true });
  // The attempt's own timer, cleared in finally: nothing outlives the attempt.
  const timer = setTimeout(() => controller.abort(timedOut), timeoutMs);
  try {
    const res = await fetch(url, { signal: controller.signal });
    const text = await res.text();
    if (res.ok) {
      return JSON.parse(text);
    }
    const after = retryAfterMs(res.headers.get('retry-after'));
    const err = httpError(url, res.status);
    if (RETRYABLE_STATUS.has(res.status) || (res.status === 429 && after !== undefined)) {
      throw new Retryable(err, after);
    }
    throw err;
  } catch (err) {
    if (controller.signal.aborted) {
      // Aborted: by the caller (final) or by the timeout (worth retrying).
      if (controller.signal.reason === timedOut) {
        throw new Retryable(timedOut);
      }
      throw controller.signal.reason;
    }
    if (err instanceof TypeError) {
      // fetch's network failure: refused, reset, closed.
      throw new Retryable(err);
    }
    throw err;
  } finally {
    clearTimeout(timer);
    caller?.removeEventListener('abort', onCallerAbort);
  }
}

async function getJsonAsync(url: string, options: ClientOptions & { signal?: AbortSignal } = {}): Promise<unknown> {
  const { retries = 3, baseDelayMs = 100, maxDelayMs = 10_000, timeoutMs = 10_000, random = Math.random, signal } = options;
  let last: Retryable | undefined;
  for (let n = 0; n <= retries; n += 1) {
    signal?.throwIfAborted();
    try {
      return await attempt(url, timeoutMs, signal);
    } catch (err) {
      if (!(err instanceof Retryable)) {
        throw err;
      }
      last = err;
    }
    if (n < retries) {
      const d = Math.min(maxDelayMs, baseDelayMs * 2 ** n);
      const delay = last.retryAfterMs ?? Math.floor((d * (1 + random())) / 2);
      try {
        await timers.setTimeout(delay, undefined, { signal });
      } catch {
        // The only way this sleep fails: the caller aborted.
        throw signal!.reason;
      }
    }
  }
  // retries + 1 attempts, each a failure worth retrying: the last one is the answer.
  throw last!.failure;
}

/**
 * The callback API. Old callers (and the safety-net tests) use it: keep its signature and
 * behaviour. `options` may be left out.
 *
 * TODO(step 3): once promises.getJson works, make this a thin util.callbackify shim over it.
 */
export function getJson(url: string, callback: JsonCallback): void;
export function getJson(url: string, options: ClientOptions, callback: JsonCallback): void;
export function getJson(url: string, options: ClientOptions | JsonCallback, callback?: JsonCallback): void {
  if (typeof options === 'function') {
    callback = options;
    options = {};
  }
  var done = callback!;
  var retries = options.retries === undefined ? 3 : options.retries;
  var base = options.baseDelayMs || 100;
  var max = options.maxDelayMs || 10000;
  var timeoutMs = options.timeoutMs || 10000;
  var random = options.random || Math.random;
  var attempt = 0;

  function tryAgain(err: HttpError, retryAfter?: string) {
    if (attempt > retries) return done(err);
    var delay;
    if (retryAfter) {
      delay = parseInt(retryAfter, 10) * 1000;
    } else {
      var d = Math.min(max, base * Math.pow(2, attempt - 1));
      delay = Math.floor((d * (1 + random())) / 2);
    }
    setTimeout(function () {
      send();
    }, delay);
  }

  function send() {
    attempt++;
    var timedOut = false;
    var timer = setTimeout(function () {
      timedOut = true;
      var err: HttpError = new Error('GET ' + url + ' timed out after ' + timeoutMs + ' ms');
      err.code = 'ETIMEDOUT';
      tryAgain(err);
    }, timeoutMs);

    var req = http.get(url, function (res) {
      var body = '';
      res.setEncoding('utf8');
      res.on('data', function (chunk) {
        body += chunk;
      });
      res.on('end', function () {
        var status = res.statusCode!;
        if (status >= 400) {
          if (timedOut) return;
          clearTimeout(timer);
          var err: HttpError = new Error('GET ' + url + ' answered ' + status);
          err.status = status;
          return tryAgain(err, res.headers['retry-after']);
        }
        done(null, JSON.parse(body));
      });
    });
    req.on('error', function (err) {
      if (timedOut) return;
      clearTimeout(timer);
      tryAgain(err);
    });
  }

  send();
}

/** The promise API new callers want. */
export const promises = {
  /**
   * Resolves with the parsed JSON body; rejects with the last failure, as the callback API does.
   * `options.signal`, the caller's AbortSignal, cancels everything at once: the attempt in
   * flight (its connection closed) and any backoff wait; the promise then rejects with the
   * signal's reason, and no timer, socket or listener is left behind.
   */
  getJson: getJsonAsync,
};
