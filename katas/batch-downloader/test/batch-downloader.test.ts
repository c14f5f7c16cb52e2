// The kata's tests. Do not change this file: make them pass by changing src/. Your own tests go in test/mine/.
import { expect } from 'chai';

import { getEventListeners } from 'node:events';
import type * as http from 'node:http';

import { expectCallerErrorEscapes, httpFaults, KataAssertionError, type Outcome, untilDoneOrStalled } from '../../../src/harness';
import { type Download, downloadAll } from '../src/batch-downloader';
import { type Api, drain, drive, expectNothingMoreSent, heldTogether, startDownload, type Started, type Store, summary, useStore } from './support/store';

const SAFETY_NET = 'batch-downloader safety net: the callback API old callers use';
const PROMISE_API = 'batch-downloader promise API: promises.downloadAll';
const DEFECTS = 'batch-downloader defects: what the legacy version gets wrong';

/** Text files: the name's letter, repeated, so a body in the wrong place shows. */
function textFiles(...names: string[]): Record<string, string> {
  return Object.fromEntries(names.map((n) => [`${n}.txt`, `${n.toUpperCase()}`.repeat(3)]));
}

function expectResults(o: Outcome<Download[]>, label: string): Download[] {
  if (!o.ok) {
    if (o.error instanceof KataAssertionError) throw o.error;
    throw new KataAssertionError(`${label} failed with ${o.error instanceof Error ? `${o.error.name}: ${o.error.message}` : String(o.error)}: it should settle with one result for each URL.`);
  }
  expect(o.value, `${label} should settle with an array of results`).to.be.an('array');
  return o.value;
}

/**
 * Runs a proof at the gate, given the download's result so that it stops if the download
 * settles first; when the download has failed by then (it sent nothing), its own error is the
 * better message. A proof that passes has let every request through: `drive` takes it from there.
 */
async function atTheGate(run: Started, store: Store, proof: (settling: Promise<unknown>) => Promise<boolean>): Promise<void> {
  try {
    if (!(await proof(run.result))) {
      expectResults(await run.result, run.label);
      throw new KataAssertionError(`${run.label} settled before its requests were in flight at the store: it should download each URL before it settles.`);
    }
  } catch (err) {
    try {
      if (run.settled()) expectResults(await run.result, run.label);
      throw err;
    } finally {
      await drain(store.gate);
    }
  }
}

function expectCalledOnce(run: Started, api: Api): void {
  if (api !== 'callback') return;
  expect(run.calledSync(), `${run.label} called back before it returned: call back asynchronously, always`).to.equal(false);
  expect(run.calls(), `${run.label} should call back exactly once`).to.equal(1);
}

function ok(url: string, body: string): unknown {
  return { url, ok: true, body };
}
function failed(url: string, status?: number): unknown {
  return { url, ok: false, error: 'an Error', status };
}

interface Behaviour {
  title: string;
  /** Whether the legacy version gets it right: the safety net, or a defect. */
  legacy: boolean;
  run(store: Store, api: Api): Promise<void>;
}

const BEHAVIOURS: Behaviour[] = [
  {
    title: 'downloads every URL and settles once with their bodies, in the order of the list',
    legacy: true,
    async run(store, api) {
      const urls = store.serve(textFiles('a', 'b', 'c'));
      const run = startDownload(api, urls, { concurrency: 2 });
      const results = expectResults(await drive(run, store.gate, 'oldest', { limit: 2, requests: 3 }), run.label);
      expect(summary(results)).to.deep.equal([ok(urls[0]!, 'AAA'), ok(urls[1]!, 'BBB'), ok(urls[2]!, 'CCC')]);
      expect(results.every((r) => r.ok && Buffer.isBuffer(r.body)), 'each body should be a Buffer').to.equal(true);
      expectCalledOnce(run, api);
      await expectNothingMoreSent(store.gate, 3, run.label);
    },
  },
  {
    title: 'never more than `concurrency` requests in flight, and the next one starts as soon as one finishes, not in batches',
    legacy: true,
    async run(store, api) {
      const urls = store.serve(textFiles('a', 'b', 'c', 'd', 'e', 'f', 'g'));
      const run = startDownload(api, urls, { concurrency: 3 });
      await atTheGate(run, store, (settling) => store.gate.expectConcurrencyLimit(3, 7, run.label, settling));
      const results = expectResults(await drive(run, store.gate, 'oldest', { limit: 3, requests: 7 }), run.label);
      expect(results.map((r) => r.ok)).to.deep.equal(Array(7).fill(true));
      expectCalledOnce(run, api);
    },
  },
  {
    title: 'without options, at most 4 requests in flight: the default concurrency',
    legacy: true,
    async run(store, api) {
      const urls = store.serve(textFiles('a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i'));
      const run = startDownload(api, urls);
      await atTheGate(run, store, (settling) => store.gate.expectConcurrencyLimit(4, 9, run.label, settling));
      const results = expectResults(await drive(run, store.gate, 'oldest', { limit: 4, requests: 9 }), run.label);
      expect(summary(results)).to.deep.equal(urls.map((u, i) => ok(u, 'abcdefghi'[i]!.toUpperCase().repeat(3))));
      expectCalledOnce(run, api);
    },
  },
  {
    title: 'a concurrency larger than the list starts every download at once',
    legacy: true,
    async run(store, api) {
      const urls = store.serve(textFiles('a', 'b', 'c'));
      const run = startDownload(api, urls, { concurrency: 10 });
      await atTheGate(run, store, (settling) => store.gate.expectAllAtOnce(3, run.label, settling));
      expect(summary(expectResults(await drive(run, store.gate, 'oldest', { limit: 10, requests: 3 }), run.label))).to.deep.equal([ok(urls[0]!, 'AAA'), ok(urls[1]!, 'BBB'), ok(urls[2]!, 'CCC')]);
    },
  },
  {
    title: 'every 2xx answer is a success: a 201 and a 204 (no body) too',
    legacy: true,
    async run(store, api) {
      const urls = store.serve({ 'made.txt': { status: 201, body: 'made' }, 'empty.txt': { status: 204 } });
      const run = startDownload(api, urls, { concurrency: 2 });
      expect(summary(expectResults(await drive(run, store.gate, 'oldest', { limit: 2, requests: 2 }), run.label))).to.deep.equal([ok(urls[0]!, 'made'), ok(urls[1]!, '')]);
    },
  },
  {
    title: 'keeps the order of the list when the downloads finish in the reverse order',
    legacy: false,
    async run(store, api) {
      const urls = store.serve(textFiles('a', 'b', 'c', 'd'));
      const run = startDownload(api, urls, { concurrency: 4 });
      await heldTogether(store.gate, 4, run.label, run);
      const results = expectResults(await drive(run, store.gate, 'newest', { limit: 4, requests: 4 }), run.label);
      const got = summary(results);
      const want = [ok(urls[0]!, 'AAA'), ok(urls[1]!, 'BBB'), ok(urls[2]!, 'CCC'), ok(urls[3]!, 'DDD')];
      if (JSON.stringify(got) !== JSON.stringify(want)) {
        throw new KataAssertionError(
          `${run.label}: the downloads finished d, c, b, a, and the results came back in the order ${results.map((r) => (r.ok ? r.body.toString().charAt(0).toLowerCase() : '?')).join(', ')}. ` +
            'results[i] must be the result for urls[i]: put each result at its index (or map over the URLs and await them together), never push it when it finishes.',
        );
      }
      expectCalledOnce(run, api);
    },
  },
  {
    title: 'one URL failing never loses the others\' results: a 503, a 404, a reset connection and a refused one each become { ok: false, error }',
    legacy: false,
    async run(store, api) {
      const urls = store.serve({
        'a.txt': 'AAA',
        'b.txt': httpFaults.serverError(503),
        'c.txt': 'CCC',
        'd.txt': httpFaults.reset(),
        'e.txt': { status: 404, body: 'no such file' },
        'f.txt': 'FFF',
      });
      urls.splice(4, 0, await store.refusedUrl());
      const run = startDownload(api, urls, { concurrency: 2 });
      // The refused URL never reaches the store: 6 requests do.
      const o = await drive(run, store.gate, 'oldest', { limit: 2, requests: 6 });
      // A call that sent nothing (step 1: not written yet) lost no download: its own error says it.
      if (!o.ok && !(o.error instanceof KataAssertionError) && store.gate.arrived > 0) {
        throw new KataAssertionError(
          `${run.label} failed as a whole with ${o.error instanceof Error ? `${o.error.name}: ${o.error.message}` : String(o.error)}, and the three files that were downloaded are lost. ` +
            'A URL that fails is one result ({ url, ok: false, error }), not the whole call\'s error: Promise.allSettled, not Promise.all.',
        );
      }
      const results = expectResults(o, run.label);
      expect(summary(results)).to.deep.equal([ok(urls[0]!, 'AAA'), failed(urls[1]!, 503), ok(urls[2]!, 'CCC'), failed(urls[3]!), failed(urls[4]!), failed(urls[5]!, 404), ok(urls[6]!, 'FFF')]);
      const notFound = results[5]!;
      expect(!notFound.ok && notFound.error.message, 'the error of an answer outside 2xx should say so').to.match(/404/);
      expectCalledOnce(run, api);
    },
  },
  {
    title: 'after a failure, still never more than `concurrency` requests in flight',
    legacy: false,
    async run(store, api) {
      const urls = store.serve({ 'a.txt': httpFaults.serverError(503), 'b.txt': httpFaults.serverError(502), 'c.txt': 'CCC', 'd.txt': 'DDD', 'e.txt': 'EEE', 'f.txt': 'FFF' });
      const run = startDownload(api, urls, { concurrency: 2 });
      await atTheGate(run, store, (settling) => store.gate.expectConcurrencyLimit(2, 6, `${run.label}, whose first two answers are a 503 and a 502,`, settling));
      const results = expectResults(await drive(run, store.gate, 'oldest', { limit: 2, requests: 6 }), run.label);
      expect(results.map((r) => r.ok)).to.deep.equal([false, false, true, true, true, true]);
    },
  },
  {
    title: 'a body is the bytes the server sent, unchanged: a picture, and UTF-8 text whose characters are split between two packets',
    legacy: false,
    async run(store, api) {
      const picture = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
      const text = Buffer.from('naïve café ☕ – déjà vu', 'utf8');
      const split = (body: Buffer, at: number) => (_req: unknown, res: http.ServerResponse) => {
        res.writeHead(200, { 'content-length': String(body.length) });
        // Two packets, cut inside a character: the second is written only once the first is out.
        res.write(body.subarray(0, at), () => setImmediate(() => res.end(body.subarray(at))));
      };
      const urls = store.serve({ 'logo.png': picture, 'notes.txt': split(text, text.indexOf(0xe2) + 1) });
      const run = startDownload(api, urls, { concurrency: 2 });
      const results = expectResults(await drive(run, store.gate, 'oldest', { limit: 2, requests: 2 }), run.label);
      const bodies = results.map((r) => (r.ok ? r.body : undefined));
      if (!bodies.every((b) => Buffer.isBuffer(b)) || !bodies[0]!.equals(picture) || !bodies[1]!.equals(text)) {
        const got = bodies.map((b) => (Buffer.isBuffer(b) ? `${b.length} bytes` : String(b)));
        throw new KataAssertionError(
          `${run.label}: the bodies should be the 256 bytes of the picture and the ${text.length} bytes of the text, unchanged; got ${got.join(' and ')}. ` +
            'Decoding the chunks as text (body += chunk) replaces every byte that is not UTF-8, and a character split between two chunks: keep the bytes (Buffer.from(await res.arrayBuffer())).',
        );
      }
    },
  },
  {
    title: 'an empty list settles with [], asynchronously',
    legacy: false,
    async run(store, api) {
      const run = startDownload(api, [], { concurrency: 2 });
      if (api === 'callback' && run.calledSync()) {
        run.release();
        throw new KataAssertionError(`${run.label} called back before it returned. A callback API calls back asynchronously every time, or callers that run code after the call see it run in either order.`);
      }
      const results = expectResults(await drive(run, store.gate), run.label);
      expect(results).to.deep.equal([]);
      expect(store.gate.arrived).to.equal(0);
      expectCalledOnce(run, api);
    },
  },
  {
    title: 'a concurrency that is not a whole number from 1 up (0, -1, 1.5, NaN, "2") is a TypeError, and nothing is sent',
    legacy: false,
    async run(store, api) {
      const urls = store.serve(textFiles('a', 'b'));
      for (const concurrency of [0, -1, 1.5, Number.NaN, '2' as unknown as number]) {
        const run = startDownload(api, urls, { concurrency });
        const verdict = await untilDoneOrStalled({ done: () => run.settled() || store.gate.arrived > 0, progress: () => store.gate.arrived });
        const sent = store.gate.arrived;
        if (sent > 0 || verdict === 'stalled') {
          await drive(run, store.gate).catch(() => undefined);
          throw new KataAssertionError(
            `${run.label}: ${sent > 0 ? `sent ${sent} request(s)` : 'never settled'}; expected a TypeError that names concurrency, before anything is sent. ` +
              'Check the option first: Number.isInteger(concurrency) && concurrency >= 1.',
          );
        }
        const o = await run.result;
        run.release();
        expect(o.ok, `${run.label} should fail with a TypeError`).to.equal(false);
        const error = (o as { error: unknown }).error;
        expect(error, `${run.label} should fail with a TypeError`).to.be.instanceOf(TypeError);
        expect((error as Error).message, 'the TypeError should name the option').to.match(/concurrency/);
        if (api === 'callback') expect(run.calledSync(), `${run.label} called back before it returned: call back asynchronously, always`).to.equal(false);
      }
    },
  },
];

for (const [suite, api, legacy] of [
  [SAFETY_NET, 'callback', true],
  [PROMISE_API, 'promise', undefined],
  [DEFECTS, 'callback', false],
] as const) {
  describe(suite, () => {
    const store = useStore();
    for (const behaviour of BEHAVIOURS) {
      if (legacy !== undefined && behaviour.legacy !== legacy) continue;
      it(behaviour.title, () => behaviour.run(store, api));
    }

    if (suite === SAFETY_NET) {
      it('an error thrown by the caller\'s callback escapes, and the callback is not called again', async () => {
        // Not held at the gate: the download runs on its own.
        store.server.route('GET', '/free/a.txt', { body: 'AAA' });
        const url = `${store.server.url}/free/a.txt`;
        const [[err, results]] = await expectCallerErrorEscapes('downloadAll', (cb) => downloadAll([url], { concurrency: 1 }, cb), { handles: 'ignore' });
        expect(err).to.equal(null);
        expect(summary(results as Download[])).to.deep.equal([ok(url, 'AAA')]);
      });
    }
  });
}


describe('batch-downloader cancellation: promises.downloadAll with a signal', () => {
  const store = useStore();

  it('abort while downloads are in flight: rejects with the signal\'s reason, closes their connections, and starts no other', async () => {
    const urls = store.serve(textFiles('a', 'b', 'c', 'd', 'e', 'f'));
    const controller = new AbortController();
    const run = startDownload('promise', urls, { concurrency: 2, signal: controller.signal });
    await heldTogether(store.gate, 2, run.label, run);
    store.gate.releaseOne();
    await heldTogether(store.gate, 2, `${run.label}, after the first download finished,`);
    const reason = new Error('the export was cancelled');
    controller.abort(reason);
    const verdict = await untilDoneOrStalled({ done: () => run.settled(), progress: () => store.gate.arrived + store.gate.abandoned });
    if (verdict === 'stalled') {
      await drain(store.gate);
      run.release();
      throw new KataAssertionError(`${run.label} did not settle once the signal was aborted, with 2 downloads in flight: it waits for them. Pass fetch a signal that the caller's abort aborts, so the downloads in flight are cancelled, and reject with signal.reason.`);
    }
    const o = await run.result;
    run.release();
    expect(o.ok, `${run.label} should reject once the signal is aborted`).to.equal(false);
    expect((o as { error: unknown }).error, 'it should reject with the signal\'s reason, the very object').to.equal(reason);
    await untilDoneOrStalled({ done: () => store.gate.abandoned >= 2, progress: () => store.gate.abandoned });
    const abandoned = store.gate.abandoned;
    await drain(store.gate);
    expect(abandoned, 'the two downloads in flight should be cancelled: the server should see both connections close').to.equal(2);
    expect(store.gate.arrived, 'no download should start once the signal is aborted: 3 were sent before it').to.equal(3);
  });

  it('a signal already aborted: rejects with its reason at once, and sends nothing', async () => {
    const urls = store.serve(textFiles('a', 'b'));
    const reason = new Error('cancelled before it began');
    const run = startDownload('promise', urls, { concurrency: 2, signal: AbortSignal.abort(reason) });
    const verdict = await untilDoneOrStalled({ done: () => run.settled() || store.gate.arrived > 0, progress: () => store.gate.arrived });
    const sent = store.gate.arrived;
    if (sent > 0 || verdict === 'stalled') {
      await drive(run, store.gate).catch(() => undefined);
      throw new KataAssertionError(`${run.label} with a signal already aborted ${sent > 0 ? `sent ${sent} request(s)` : 'never settled'}: check signal.throwIfAborted() before anything is sent.`);
    }
    const o = await run.result;
    run.release();
    expect(o.ok).to.equal(false);
    expect((o as { error: unknown }).error, 'it should reject with the signal\'s reason').to.equal(reason);
  });

  it('leaves no listener on the caller\'s signal once it has settled: resolved, with failures, or aborted', async () => {
    const urls = store.serve({ ...textFiles('a', 'b', 'c'), 'gone.txt': { status: 404, body: 'no' } });
    const listeners = (s: AbortSignal) => getEventListeners(s, 'abort').length;

    const resolved = new AbortController();
    const first = startDownload('promise', urls, { concurrency: 2, signal: resolved.signal });
    expectResults(await drive(first, store.gate, 'oldest', { limit: 2, requests: 4 }), first.label);
    expect(listeners(resolved.signal), `${first.label} resolved, and left ${listeners(resolved.signal)} listener(s) on the caller's signal: remove yours in a finally block, and give fetch a signal of your own (fetch keeps its listener until the request is garbage-collected)`).to.equal(0);

    const aborted = new AbortController();
    const second = startDownload('promise', urls, { concurrency: 2, signal: aborted.signal });
    await heldTogether(store.gate, 2, second.label, second);
    aborted.abort(new Error('stop'));
    await untilDoneOrStalled({ done: () => second.settled(), progress: () => store.gate.abandoned });
    await drain(store.gate);
    second.release();
    expect(second.settled(), `${second.label} should settle once aborted`).to.equal(true);
    expect(listeners(aborted.signal), `${second.label} was aborted, and left ${listeners(aborted.signal)} listener(s) on the caller's signal`).to.equal(0);
  });
});
