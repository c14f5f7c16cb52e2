/**
 * The document store the tests download from: a real HTTP server on 127.0.0.1 (the harness's
 * loopback server) serving `/files/<name>`, with a gate that holds every request until the test
 * lets it through. Holding requests is how the tests prove "at most N at once, refilled as each
 * finishes" and "in the order of the list, whatever order they finished in" without a clock.
 *
 * @example
 * const store = useStore();
 * const urls = store.serve({ 'a.txt': 'A', 'b.png': httpFaults.serverError(503) });
 * const run = startDownload('promise', urls, { concurrency: 2 });
 * await drive(run, store.gate, 'newest');
 */
import { KataAssertionError, type Gate, type LoopbackServer, messages, outcome, type Outcome, type Reply, scopedCapture, untilDoneOrStalled, useLoopbackServer, whenQuiet } from '../../../../src/harness';
import { type Download, downloadAll, type DownloadOptions, promises } from '../../src/batch-downloader';

export type Api = 'callback' | 'promise';

export interface Store {
  readonly server: LoopbackServer;
  /** Holds every request for a file, until released. Made fresh for each test. */
  readonly gate: Gate;
  /** Serves each file (a string or Buffer is a 200 with that body) and returns their URLs, in order. */
  serve(files: Record<string, string | Buffer | Reply>): string[];
  /** A URL on this machine where nothing listens: connecting is refused. */
  refusedUrl(): Promise<string>;
}

/** Registers hooks in the enclosing describe: a fresh store and gate for each test. */
export function useStore(): Store {
  const server = useLoopbackServer();
  let gate: Gate | undefined;
  beforeEach(() => {
    gate = server.gate({ path: /^\/files\// });
  });
  return {
    server,
    get gate() {
      return gate!;
    },
    serve(files) {
      return Object.entries(files).map(([name, reply]) => {
        const path = `/files/${name}`;
        server.route('GET', path, typeof reply === 'string' || Buffer.isBuffer(reply) ? { body: reply } : reply);
        return `${server.url}${path}`;
      });
    },
    async refusedUrl() {
      const { createServer } = await import('node:net');
      const probe = createServer();
      await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
      const { port } = probe.address() as { port: number };
      await new Promise<void>((resolve) => probe.close(() => resolve()));
      return `http://127.0.0.1:${port}/files/gone.txt`;
    },
  };
}

/** A download started through one API, watched without a clock. */
export interface Started {
  readonly label: string;
  settled(): boolean;
  /** How it settled: the results, or the error. */
  readonly result: Promise<Outcome<Download[]>>;
  /** How many times the callback was called (the promise API: 1 once settled). */
  calls(): number;
  /** Whether the callback was called before downloadAll returned. */
  calledSync(): boolean;
  /** Stops capturing errors that escape from what the call started. */
  release(): void;
}

/**
 * Calls downloadAll through `api`. The callback API is called without `options` when they are
 * undefined. An error thrown inside an event handler the call set up fails the call with a
 * learner's message.
 */
export function startDownload(api: Api, urls: readonly string[], options?: DownloadOptions & { signal?: AbortSignal }): Started {
  const label = `${api === 'promise' ? 'promises.' : ''}downloadAll(${urls.length} URL${urls.length === 1 ? '' : 's'}${options ? `, ${JSON.stringify({ ...options, signal: options.signal ? 'signal' : undefined })}` : ''})`;
  let calls = 0;
  let returned = false;
  let sync = false;
  let settle!: (o: Outcome<Download[]>) => void;
  const result = new Promise<Outcome<Download[]>>((resolve) => (settle = resolve));
  let settledYet = false;
  const finish = (o: Outcome<Download[]>) => {
    if (settledYet) return;
    settledYet = true;
    settle(o);
  };
  const escapes = scopedCapture((err) => finish({ ok: false, error: new KataAssertionError(`${label}: ${messages.escapedException(err)}`) }));
  escapes.run(() => {
    try {
      if (api === 'promise') {
        const p: unknown = options === undefined ? promises.downloadAll(urls) : promises.downloadAll(urls, options);
        if (!(p instanceof Promise)) {
          finish({ ok: false, error: new KataAssertionError(`${label} returned ${String(p)} instead of a promise`) });
          return;
        }
        void outcome(p).then((o) => {
          calls += 1;
          finish(o);
        });
        return;
      }
      const callback = (err: Error | null, results?: Download[]) => {
        calls += 1;
        if (!returned) sync = true;
        finish(err ? { ok: false, error: err } : { ok: true, value: results! });
      };
      if (options === undefined) downloadAll(urls, callback);
      else downloadAll(urls, options, callback);
    } catch (err) {
      finish({ ok: false, error: new KataAssertionError(`${label} threw ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)} instead of ${api === 'promise' ? 'rejecting' : 'passing the error to its callback'}.`) });
    } finally {
      returned = true;
    }
  });
  return { label, settled: () => settledYet, result, calls: () => calls, calledSync: () => sync, release: () => escapes.release() };
}

/**
 * What correct code does in a test that knows it: at most `limit` requests at once, refilled as
 * each finishes, and `requests` in all (those that reach the store: a refused URL does not).
 */
export interface Expected {
  limit: number;
  requests: number;
}

/**
 * Lets the held requests through, one at a time, the oldest or the newest first, until the
 * download settles. Then lets through whatever is still held (code that settled early may still
 * have requests out) and waits for them to finish, so a second call of the callback is seen.
 * Fails with a learner's message when the download can never settle: nothing held, nothing
 * running.
 *
 * Without `expected`, each request is let through once the code has nothing else to do, which
 * only the stall floor (250 ms of quiet) can tell. With it, one is let through as soon as
 * min(limit, not yet let through) are held, which correct code reaches at once; code that never
 * does still gets the floor, and the same verdict.
 */
export async function drive(run: Started, gate: Gate, order: 'oldest' | 'newest' = 'oldest', expected?: Expected): Promise<Outcome<Download[]>> {
  const progress = () => gate.arrived + gate.abandoned;
  for (;;) {
    const want = expected ? Math.min(expected.limit, expected.requests - gate.released) : 0;
    const verdict = await untilDoneOrStalled({ done: () => run.settled() || (want > 0 && gate.inFlight >= want), progress });
    // A request beyond the limit comes with the others: a few quiet turns (no floor) let it in,
    // so the newest held is the newest sent.
    if (verdict === 'done' && !run.settled()) await untilDoneOrStalled({ done: () => run.settled(), progress, floorMs: 0 });
    if (run.settled()) break;
    const held = gate.heldRequests;
    if (held.length === 0) {
      run.release();
      throw new KataAssertionError(`${run.label} never settled: no request is left in flight and nothing else is running, so it is waiting for something that will not happen.`);
    }
    if (order === 'oldest') gate.releaseOne();
    else gate.release(held[held.length - 1]!.path);
  }
  await drain(gate, expected?.requests);
  run.release();
  return run.result;
}

/**
 * Lets every held request through until none comes any more, then waits for the work to end.
 * Given the number of requests correct code sends, it stops waiting for more once that many
 * have arrived and none is held; otherwise only the stall floor says that none is coming.
 */
export async function drain(gate: Gate, requests?: number): Promise<void> {
  for (;;) {
    if (requests !== undefined && gate.inFlight === 0 && gate.arrived >= requests) break;
    await untilDoneOrStalled({ done: () => requests !== undefined && gate.inFlight === 0 && gate.arrived >= requests, progress: () => gate.arrived + gate.abandoned });
    if (requests !== undefined && gate.inFlight === 0 && gate.arrived >= requests) break;
    if (gate.inFlight === 0) break;
    gate.releaseAll();
  }
  await whenQuiet({ handles: 'ignore' });
}

/**
 * After the run has settled and been driven to the end: waits until no request comes any more
 * (only the stall floor can say that nothing more will be sent), then checks that exactly
 * `requests` were sent, one per URL. A request sent after settling, or a URL downloaded twice,
 * fails here.
 */
export async function expectNothingMoreSent(gate: Gate, requests: number, label: string): Promise<void> {
  await drain(gate);
  if (gate.arrived === requests) return;
  throw new KataAssertionError(
    gate.arrived > requests
      ? `${label} sent ${gate.arrived} requests for ${requests} URLs: a request went out after it had settled, or a URL was downloaded twice. It settles once every download has finished, and sends nothing more after that.`
      : `${label} sent ${gate.arrived} requests for ${requests} URLs: every URL should be downloaded once.`,
  );
}

/**
 * Resolves once `n` requests are held together; fails, saying how many came, when no more will.
 * Given the run, it stops as soon as the run settles without them, with the run's own error.
 */
export async function heldTogether(gate: Gate, n: number, label: string, run?: Started): Promise<void> {
  await untilDoneOrStalled({ done: () => gate.inFlight >= n || (run?.settled() ?? false), progress: () => gate.arrived + gate.abandoned });
  if (gate.inFlight >= n) return;
  if (run?.settled()) {
    const o = await run.result;
    if (!o.ok) {
      run.release();
      const e = o.error;
      throw e instanceof KataAssertionError ? e : new KataAssertionError(`${label} failed with ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)} before ${n} requests were in flight at once.`);
    }
  }
  throw new KataAssertionError(`${label}: expected ${n} requests in flight at once, but only ${gate.inFlight} were when everything went quiet (${gate.arrived} sent so far).`);
}

/** A result as the tests compare it: the body as text (or hex for binary), the error by its parts. */
export function summary(results: readonly Download[]): unknown[] {
  return results.map((r) => (r.ok ? { url: r.url, ok: true, body: r.body instanceof Buffer ? r.body.toString('latin1') : r.body } : { url: r.url, ok: false, error: r.error instanceof Error ? 'an Error' : r.error, status: r.error?.status }));
}
