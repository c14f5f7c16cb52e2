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
   *
   * TODO(step 2): write it with fetch (or http with promises), AbortController, setTimeout from
   * node:timers/promises, and async/await. The tests under "promise API" say what it must do.
   */
  getJson(url: string, options: ClientOptions & { signal?: AbortSignal } = {}): Promise<unknown> {
    void options;
    return Promise.reject(new Error(`promises.getJson is not written yet (step 2 of the README): it should resolve with the JSON at ${url}`));
  },
};
