/**
 * batch-downloader: fetches the files of the nightly export (invoices, product pictures) from the
 * document store, a few at a time.
 *
 * downloadAll(urls, options, callback) sends GET for every URL, with at most `concurrency`
 * requests in flight at once (default 4), and starts the next one as soon as one finishes, not
 * in batches. It calls back once, when every download has finished, with one result per URL, in
 * the order of `urls`, whatever order they finished in:
 * - `{ url, ok: true, body }` for an answer with a 2xx status: `body` is a Buffer holding the
 *   bytes received, unchanged (the files are pictures and PDFs as well as text);
 * - `{ url, ok: false, error }` for a URL that failed: a network error (refused, reset, closed),
 *   or an answer outside 2xx, whose error has the `status`.
 * One URL failing never loses the others' results: the callback's error is only for a call that
 * is wrong itself. `concurrency` must be a whole number from 1 up: anything else is a TypeError,
 * and nothing is sent. An empty list calls back with [], asynchronously like every other call.
 */
import { callbackify } from 'node:util';

export interface DownloadOptions {
  /** At most this many requests in flight at once: a whole number from 1 up. Default 4. */
  concurrency?: number;
}

export interface DownloadError extends Error {
  /** The answer's status, when the server answered outside 2xx. */
  status?: number;
}

export type Download = { url: string; ok: true; body: Buffer } | { url: string; ok: false; error: DownloadError };

export type DownloadCallback = (err: Error | null, results?: Download[]) => void;

/**
 * Runs tasks with at most `concurrency` of them at once, in the order they were given. A finished
 * task hands its slot straight to the next one waiting, so nothing queued later can take it first.
 * (A production codebase would use p-limit; this is the lesson.)
 */
function limiter(concurrency: number): <T>(task: () => Promise<T>) => Promise<T> {
  let active = 0;
  const waiting: Array<() => void> = [];
  return async (task) => {
    if (active < concurrency) {
      active += 1;
    } else {
      // The slot is handed over by the task that finishes: active stays as it is.
      await new Promise<void>((resolve) => waiting.push(resolve));
    }
    try {
      return await task();
    } finally {
      const successor = waiting.shift();
      if (successor) {
        successor();
      } else {
        active -= 1;
      }
    }
  };
}

/** One download: the body's bytes for a 2xx answer; otherwise an error, with `status` for an answer. */
async function fetchOne(url: string, signal: AbortSignal): Promise<Buffer> {
  const res = await fetch(url, { signal });
  // Read the body whatever the status: the connection is then free for the next request.
  const body = Buffer.from(await res.arrayBuffer());
  if (!res.ok) {
    throw Object.assign(new Error(`GET ${url} answered ${res.status}`), { status: res.status });
  }
  return body;
}

async function downloadAllAsync(urls: readonly string[], options: DownloadOptions & { signal?: AbortSignal } = {}): Promise<Download[]> {
  const { concurrency = 4, signal } = options;
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new TypeError(`concurrency must be a whole number from 1 up; got ${String(concurrency)}`);
  }
  signal?.throwIfAborted();
  // fetch keeps a listener on the signal it is given until the request is garbage-collected: it
  // gets a signal of ours, and the caller's abort is forwarded to it until the batch ends.
  const cancel = new AbortController();
  const forward = () => cancel.abort(signal!.reason);
  signal?.addEventListener('abort', forward, { once: true });
  const limit = limiter(concurrency);
  try {
    const settled = await Promise.allSettled(
      urls.map((url) =>
        limit(() => {
          // Cancelled while this one waited for a slot: it never starts.
          cancel.signal.throwIfAborted();
          return fetchOne(url, cancel.signal);
        }),
      ),
    );
    // Cancelled: the reason, not a list of results cut short.
    signal?.throwIfAborted();
    return settled.map((s, i): Download => (s.status === 'fulfilled' ? { url: urls[i]!, ok: true, body: s.value } : { url: urls[i]!, ok: false, error: s.reason as DownloadError }));
  } finally {
    signal?.removeEventListener('abort', forward);
  }
}

/** The callback API's two forms: `options` may be left out. */
export interface DownloadAll {
  (urls: readonly string[], callback: DownloadCallback): void;
  (urls: readonly string[], options: DownloadOptions, callback: DownloadCallback): void;
}

/**
 * The callback API. Old callers (and the safety-net tests) use it: keep its signature and
 * behaviour. `options` may be left out: callbackify takes the last argument as the callback, and
 * downloadAllAsync's options then default to {}.
 */
export const downloadAll = callbackify(downloadAllAsync) as DownloadAll;

/** The promise API new callers want. */
export const promises = {
  /**
   * Resolves with the results, as the callback API calls back with them; rejects only when the
   * call itself is wrong (a TypeError for a bad `concurrency`) or is cancelled.
   * `options.signal`, the caller's AbortSignal, cancels everything at once: no new request
   * starts, the requests in flight are cancelled (their connections closed), and the promise
   * rejects with the signal's reason; no socket or listener is left behind. A signal already
   * aborted rejects at once, and nothing is sent.
   */
  downloadAll: downloadAllAsync,
};
