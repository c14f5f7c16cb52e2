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
 *
 * Written in 2014 with http.get and a hand-rolled queue. It works when nothing fails. Your job is
 * in README.md.
 */
import http = require('http');

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
 * The callback API. Old callers (and the safety-net tests) use it: keep its signature and
 * behaviour. `options` may be left out.
 *
 * TODO(step 3): once promises.downloadAll works, make this a thin util.callbackify shim over it.
 */
export function downloadAll(urls: readonly string[], callback: DownloadCallback): void;
export function downloadAll(urls: readonly string[], options: DownloadOptions, callback: DownloadCallback): void;
export function downloadAll(urls: readonly string[], options: DownloadOptions | DownloadCallback, callback?: DownloadCallback): void {
  if (typeof options === 'function') {
    callback = options;
    options = {};
  }
  var done = callback!;
  var limit = options.concurrency || 4;
  var results: Download[] = [];
  var next = 0;
  var finished = 0;
  var failed = false;

  if (urls.length === 0) return done(null, results);

  function startOne() {
    if (next >= urls.length) return;
    var url = urls[next++]!;
    fetchOne(url, function (err, body) {
      if (err) {
        if (!failed) {
          failed = true;
          done(err);
        }
        startOne();
      }
      finished++;
      if (!err) results.push({ url: url, ok: true, body: body! });
      if (finished === urls.length && !failed) return done(null, results);
      startOne();
    });
  }

  for (var i = 0; i < limit; i++) startOne();
}

function fetchOne(url: string, cb: (err: DownloadError | null, body?: Buffer) => void) {
  var req = http.get(url, function (res) {
    var status = res.statusCode!;
    if (status === 301 || status === 302) {
      // Moved: follow it (the store moves old invoices to the archive).
      res.resume();
      return fetchOne(new URL(res.headers.location!, url).href, cb);
    }
    var body = '';
    res.on('data', function (chunk) {
      body += chunk;
    });
    res.on('end', function () {
      if (status < 200 || status >= 300) {
        var err: DownloadError = new Error('GET ' + url + ' answered ' + status);
        err.status = status;
        return cb(err);
      }
      cb(null, Buffer.from(body));
    });
  });
  req.on('error', function (err) {
    cb(err);
  });
}

/** The promise API new callers want. */
export const promises = {
  /**
   * Resolves with the results, as the callback API calls back with them; rejects only when the
   * call itself is wrong (a TypeError for a bad `concurrency`) or is cancelled.
   * `options.signal`, the caller's AbortSignal, cancels everything at once: no new request
   * starts, the requests in flight are cancelled (their connections closed), and the promise
   * rejects with the signal's reason; no socket or listener is left behind. A signal already
   * aborted rejects at once, and nothing is sent.
   *
   * TODO(step 2): write it with fetch, a small concurrency limiter of your own,
   * Promise.allSettled and async/await. The tests under "promise API" say what it must do.
   */
  downloadAll(urls: readonly string[], options: DownloadOptions & { signal?: AbortSignal } = {}): Promise<Download[]> {
    void options;
    return Promise.reject(new Error(`promises.downloadAll is not written yet (step 2 of the README): it should resolve with one result for each of the ${urls.length} URLs`));
  },
};
