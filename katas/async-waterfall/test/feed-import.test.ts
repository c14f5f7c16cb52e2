// The kata's tests. Do not change this file: make them pass by changing src/. Your own tests go in test/mine/.
import { expect } from 'chai';
import * as fs from 'node:fs';
import * as path from 'node:path';

import {
  callLegacy,
  callPromise,
  expectCallerErrorEscapes,
  expectRejection,
  type FsGate,
  fsFaults,
  KataAssertionError,
  type Outcome,
  outcome,
  untilDoneOrStalled,
  useFakeTime,
  useTempDir,
  whenQuiet,
} from '../../../src/harness';
import { DEFAULT_CONCURRENCY, importFeed, type ImportOptions, promises, RENAME_ATTEMPTS, RENAME_RETRY_MS, type Report } from '../src/feed-import';

const RATES = { USD: 0.9, GBP: 1.17 };
const NAMES = 'abcdefghijkl'.split('');
/** Prices in US cents; their euro values need rounding (0.9 x 1995 = 1795.5 rounds up to 1796). */
const PRICES = [1995, 250, 999, 4000, 15, 1234, 777, 5, 3333, 1001, 89, 6500];

/** A feed of `count` items (a.json, b.json, ...) in US dollars, and the report it must give. */
function feed(count: number): { tree: Record<string, unknown>; report: Report } {
  const names = NAMES.slice(0, count);
  const items = Object.fromEntries(names.map((n, i) => [`${n}.json`, JSON.stringify({ sku: `SKU-${n.toUpperCase()}`, name: `Item ${n}`, price: PRICES[i] })]));
  const lines = names.map((n, i) => ({ sku: `SKU-${n.toUpperCase()}`, name: `Item ${n}`, price: Math.round(PRICES[i]! * RATES.USD) }));
  return {
    tree: {
      'manifest.json': JSON.stringify({ supplier: 'acme', currency: 'USD', items: names.map((n) => `${n}.json`) }),
      'rates.json': JSON.stringify(RATES),
      items,
    },
    report: { supplier: 'acme', lines, total: lines.reduce((s, l) => s + l.price, 0) },
  };
}

/** One way of calling the importer: the callback API old callers use, or the promise API. */
interface Api {
  name: string;
  label(options?: ImportOptions): string;
  run(dir: string, options?: ImportOptions): Promise<Report>;
  /** Starts an import and records how it settles, with no check of its own: for tests that fake time. */
  start(dir: string, options?: ImportOptions): { settled(): Outcome<Report> | undefined; calls(): number };
}

const callbackApi: Api = {
  name: 'importFeed',
  label: (options) => (options ? `importFeed(dir, ${JSON.stringify(options)}, cb)` : 'importFeed(dir, cb)'),
  run: (dir, options) =>
    callLegacy<Report>(callbackApi.label(options), (cb) => (options ? importFeed(dir, options, cb as never) : importFeed(dir, cb as never))),
  start(dir, options) {
    const calls: Array<Outcome<Report>> = [];
    const callback = (err: Error | null, report?: Report) => calls.push(err ? { ok: false, error: err } : { ok: true, value: report! });
    if (options) importFeed(dir, options, callback);
    else importFeed(dir, callback);
    return { settled: () => calls[0], calls: () => calls.length };
  },
};

const promiseApi: Api = {
  name: 'promises.importFeed',
  label: (options) => (options ? `promises.importFeed(dir, ${JSON.stringify(options)})` : 'promises.importFeed(dir)'),
  run: (dir, options) => callPromise(promiseApi.label(options), () => (options ? promises.importFeed(dir, options) : promises.importFeed(dir))),
  start(dir, options) {
    let settled: Outcome<Report> | undefined;
    void outcome(options ? promises.importFeed(dir, options) : promises.importFeed(dir)).then((o) => (settled = o));
    return { settled: () => settled, calls: () => (settled ? 1 : 0) };
  },
};

describe('feed-import', () => {
  const tmp = useTempDir('feed-import-');
  const write = (tree: Record<string, unknown>) => tmp.write(tree as Parameters<typeof tmp.write>[0]);
  const itemReads = () => fsFaults.calls().filter((c) => c.call === 'readFile' && c.path.startsWith(tmp.file('items') + path.sep));
  const exists = (name: string) => fs.existsSync(tmp.file(name));

  /** A run that must succeed: a harness failure is rethrown as it is; any other error is explained. */
  async function expectReport(label: string, running: Promise<Report>): Promise<Report> {
    const result = await outcome(running);
    if (!result.ok) {
      if (result.error instanceof KataAssertionError) throw result.error;
      throw new KataAssertionError(`${label} failed with ${String(result.error)}, but the feed is complete and should import.`);
    }
    return result.value;
  }

  /**
   * A run that must fail: returns the error; a harness failure is rethrown as it is. Promise.all
   * rejects at the first error while the other reads are still finishing and closing their
   * files: the loop going quiet lets them end inside the test, as correct code leaves them.
   */
  async function expectFailure(label: string, running: Promise<Report>): Promise<NodeJS.ErrnoException> {
    const result = await outcome(running);
    await whenQuiet();
    if (result.ok) throw new KataAssertionError(`${label} succeeded with ${JSON.stringify(result.value)}, but it should have failed.`);
    if (result.error instanceof KataAssertionError) throw result.error;
    return result.error as NodeJS.ErrnoException;
  }

  /** A run whose outcome can be read at any moment, to explain a gate that waited in vain. */
  function track<T>(running: Promise<T>): { done: Promise<T>; settled(): Outcome<T> | undefined } {
    let settled: Outcome<T> | undefined;
    const observed = outcome(running).then((o) => (settled = o));
    return { done: observed.then((o) => (o.ok ? o.value : Promise.reject(o.error))), settled: () => settled };
  }

  /**
   * gate.waitForHeld, but when the run has already failed, that failure is the message: given
   * at once, without waiting for the loop to go quiet.
   */
  async function waitForHeld(gate: FsGate, n: number, label: string, settled: () => Outcome<unknown> | undefined, stalled?: (held: number) => string): Promise<void> {
    const failure = (err: unknown) => {
      const early = settled();
      if (early && !early.ok) {
        if (early.error instanceof KataAssertionError) return early.error;
        return new KataAssertionError(`${label} failed before it had started the reads the test waits for, with ${String(early.error)}`);
      }
      if (stalled) return new KataAssertionError(stalled(gate.held.length));
      return err;
    };
    let held: boolean;
    try {
      held = await gate.waitForHeldUnless(n, () => settled() !== undefined, label);
    } catch (err) {
      throw failure(err);
    }
    if (!held) throw failure(new KataAssertionError(`${label} finished before ${n} reads were under way together: expected them held at the same time.`));
  }

  /** What to say when fewer item files than the default bound are read at once. */
  const itemsOneByOne = (label: string, n: number) => (held: number) =>
    `${label} had only ${held} of ${n} item files being read at once: with no option, up to DEFAULT_CONCURRENCY (${DEFAULT_CONCURRENCY}) are read together. ` +
    'A loop that awaits each read, or batches that wait for the slowest, read fewer.';

  /** The lines' SKUs, for messages about order. */
  const skus = (report: Report) => report.lines.map((l) => l.sku).join(', ');

  /**
   * Runs `running` with the item reads held at `gate`, releasing one at a time (oldest first),
   * and fails when more than `limit` are read at once, or when fewer are read than could be
   * (one after another, or batches that wait for the slowest).
   */
  async function expectBoundedReads(gate: FsGate, limit: number, total: number, label: string, settled: () => Outcome<unknown> | undefined): Promise<void> {
    for (let finished = 0; finished < total; finished++) {
      const expected = Math.min(limit, total - finished);
      // A run that has settled stops the wait: it can start no more reads.
      const verdict = await untilDoneOrStalled({ done: () => gate.held.length >= expected || settled() !== undefined, progress: () => gate.arrived, heldRequests: () => gate.held.length });
      if (verdict === 'stalled' || gate.held.length < expected) {
        const early = settled();
        if (early && !early.ok) {
          if (early.error instanceof KataAssertionError) throw early.error;
          throw new KataAssertionError(`${label} failed while the test waited for its item reads, with ${String(early.error)}`);
        }
        throw new KataAssertionError(
          finished === 0
            ? `${label} read only ${gate.held.length} item file(s) at a time, with ${total} to read and concurrency ${limit}: it ran them one after another. Start up to ${limit} reads at once.`
            : `${label}: after ${finished} of ${total} item files had finished, only ${gate.held.length} were being read, with concurrency ${limit}. ` +
                'Start the next read as soon as one finishes (a pool of workers), not in batches that wait for the slowest.',
        );
      }
      await whenQuiet({ heldRequests: () => gate.held.length });
      if (gate.held.length > expected) {
        throw new KataAssertionError(
          `${label} read ${gate.held.length} item files at the same time; at most ${limit} may be in flight (concurrency ${limit}). ` +
            `${gate.held.length >= total - finished ? 'It started them all at once: a Promise.all over every item has no bound.' : 'Count the reads in flight before starting another.'}`,
        );
      }
      // The lowest name first: items start in the manifest's order, so lines finish in it too.
      gate.release([...gate.held].sort((x, y) => (x.path < y.path ? -1 : 1))[0]!.path);
    }
  }

  /** The behaviour every importer, callback or promise, must keep. */
  function behaviourTests(api: Api): void {
    it('imports a feed: each price converted to euro cents and rounded, the total summed', async () => {
      const { tree, report } = feed(4);
      await write(tree);
      // The reads finish in the manifest's order here; the tests of order let them finish in others.
      const gate = fsFaults.hold({ call: 'readFile', path: `${path.sep}items${path.sep}` });
      const running = track(api.run(tmp.path));
      await waitForHeld(gate, 4, api.label(), running.settled, itemsOneByOne(api.label(), 4));
      for (const name of ['a', 'b', 'c', 'd']) gate.release(`${path.sep}${name}.json`);
      expect(await expectReport(api.label(), running.done)).to.deep.equal(report);
    });

    it('writes the report to report.json as JSON, through report.json.tmp renamed into place', async () => {
      const { tree, report } = feed(1);
      await write(tree);
      const gate = fsFaults.hold({ call: 'rename' });
      const run = api.start(tmp.path);
      await waitForHeld(gate, 1, `${api.label()} (the rename of report.json.tmp)`, run.settled, () =>
        `${api.label()} never renamed report.json.tmp: write the report to report.json.tmp, then rename it to report.json (a reader never sees half a report).`);
      await whenQuiet({ heldRequests: () => gate.held.length });
      if (run.settled()) {
        throw new KataAssertionError(
          `${api.label()} ${run.settled()!.ok ? 'succeeded' : 'failed'} while its rename of report.json.tmp was still in progress: ` +
            'it should settle once report.json is in place. Is the rename (or the retry around it) awaited?',
        );
      }
      gate.release();
      await untilDoneOrStalled({ done: () => run.settled() !== undefined });
      const settled = run.settled();
      if (!settled?.ok) throw new KataAssertionError(`${api.label()} ${settled ? `failed with ${String(settled.error)}` : 'never finished'}, but the feed is complete and should import.`);
      expect(settled.value).to.deep.equal(report);
      expect(JSON.parse(fs.readFileSync(tmp.file('report.json'), 'utf8')), 'report.json should hold the report, as JSON').to.deep.equal(report);
      const renames = fsFaults.calls().filter((c) => c.call === 'rename');
      expect(renames.map((c) => c.path), 'the report should be written to report.json.tmp and renamed to report.json').to.deep.equal([tmp.file('report.json.tmp')]);
      expect(exists('report.json.tmp'), 'report.json.tmp should be gone: renamed into place').to.equal(false);
      await whenQuiet();
      expect(run.calls(), `${api.name} should settle once`).to.equal(1);
    });

    it('reads manifest.json and rates.json at the same time, and keeps each in its place whichever finishes first', async () => {
      for (const first of ['rates', 'manifest']) {
        const { tree, report } = feed(1);
        await write(tree);
        const gate = fsFaults.hold({ call: 'readFile', path: /\/(manifest|rates)\.json$/ });
        const running = track(api.run(tmp.path));
        await waitForHeld(gate, 2, `${api.label()} (manifest.json and rates.json)`, running.settled);
        gate.release(first === 'rates' ? /rates\.json$/ : /manifest\.json$/);
        gate.release();
        const result = await outcome(running.done);
        if (!result.ok && result.error instanceof KataAssertionError) throw result.error;
        if (!result.ok) {
          throw new KataAssertionError(
            `${api.label()} failed with ${String(result.error)} when ${first}.json finished reading first: ` +
              'the two files\' contents must be taken in the order they were asked for (manifest, then rates), not the order they finished in.',
          );
        }
        expect(result.value, `the report, when ${first}.json finished reading first`).to.deep.equal(report);
        fsFaults.reset();
      }
    });

    it('reads at most `concurrency` item files at once, and starts the next as soon as one finishes', async () => {
      const { tree, report } = feed(7);
      await write(tree);
      const gate = fsFaults.hold({ call: 'readFile', path: `${path.sep}items${path.sep}` });
      const running = track(api.run(tmp.path, { concurrency: 2 }));
      await expectBoundedReads(gate, 2, 7, api.label({ concurrency: 2 }), running.settled);
      expect(await expectReport(api.label({ concurrency: 2 }), running.done)).to.deep.equal(report);
    });

    it('with no option, reads at most DEFAULT_CONCURRENCY item files at once', async () => {
      const { tree, report } = feed(10);
      await write(tree);
      const gate = fsFaults.hold({ call: 'readFile', path: `${path.sep}items${path.sep}` });
      const running = track(api.run(tmp.path));
      await expectBoundedReads(gate, DEFAULT_CONCURRENCY, 10, api.label(), running.settled);
      expect(await expectReport(api.label(), running.done)).to.deep.equal(report);
    });

    it('stops at the first error: without manifest.json no item is read and no report is written', async () => {
      const { tree } = feed(3);
      delete tree['manifest.json'];
      await write(tree);
      const err = await expectFailure(api.label(), api.run(tmp.path));
      expect(err, 'the error should be the ENOENT of manifest.json').to.include({ code: 'ENOENT', path: tmp.file('manifest.json') });
      expect(itemReads().map((c) => path.basename(c.path)), 'no item file should be read once manifest.json has failed').to.deep.equal([]);
      expect(exists('report.json') || exists('report.json.tmp'), 'no report should be written after an error').to.equal(false);
    });

    it('stops at the first error: after an item file fails, no further item is started and no report is written', async () => {
      const { tree } = feed(6);
      delete (tree.items as Record<string, string>)['b.json'];
      await write(tree);
      const label = api.label({ concurrency: 2 });
      const gate = fsFaults.hold({ call: 'readFile', path: `${path.sep}items${path.sep}` });
      const run = api.start(tmp.path, { concurrency: 2 });
      await waitForHeld(gate, 2, label, run.settled, (held) => `${label} had only ${held} of 2 item files being read at once, with concurrency 2.`);
      gate.release(/b\.json$/);
      // a.json is still held: the import must fail without waiting for it.
      await untilDoneOrStalled({ done: () => run.settled() !== undefined, heldRequests: () => gate.held.length });
      const started = itemReads().map((c) => path.basename(c.path));
      const settled = run.settled();
      if (!settled) throw new KataAssertionError(`${label} had not failed once items/b.json had failed: it waits for the other reads, or carries on without the item. The first error ends the import, at once.`);
      if (settled.ok) throw new KataAssertionError(`${label} succeeded although items/b.json is missing.`);
      expect(settled.error, 'the error should be the ENOENT of items/b.json').to.include({ code: 'ENOENT', path: tmp.file('items/b.json') });
      // Let a.json finish too: a pool that keeps going starts its next item now.
      gate.releaseAll();
      await whenQuiet({ heldRequests: () => gate.held.length });
      const after = itemReads().map((c) => path.basename(c.path));
      while (gate.held.length > 0) {
        gate.releaseAll();
        await whenQuiet({ heldRequests: () => gate.held.length });
      }
      if (after.length > 2) {
        throw new KataAssertionError(`${label} went on reading item files after items/b.json had failed (${after.join(', ')}): once an item fails, start no new one.`);
      }
      expect(started.length, 'item reads started').to.equal(2);
      expect(run.calls(), `${api.name} should settle once`).to.equal(1);
      expect(exists('report.json') || exists('report.json.tmp'), 'no report should be written after an error').to.equal(false);
    });

    describe('the rename, with fake time', () => {
      const time = useFakeTime();
      const renames = () => fsFaults.calls().filter((c) => c.call === 'rename').length;
      /** Renames tried by fake time `at`, once the code has done all it can by then. */
      async function renamesBy(at: number, run: ReturnType<Api['start']>): Promise<number> {
        await time.tickAsync(at - time.now());
        await whenQuiet();
        const settled = run.settled();
        if (renames() === 0 && settled && !settled.ok) {
          if (settled.error instanceof KataAssertionError) throw settled.error;
          throw new KataAssertionError(`${api.name} failed before it renamed anything, with ${String(settled.error)}`);
        }
        return renames();
      }

      it('a rename that fails is tried again RENAME_RETRY_MS later, and the import succeeds when it does', async () => {
        const { tree, report } = feed(1);
        await write(tree);
        fsFaults.inject({ call: 'rename', code: 'EBUSY' });
        fsFaults.inject({ call: 'rename', code: 'EBUSY' });
        const run = api.start(tmp.path);
        const timeline: number[] = [];
        for (const at of [0, RENAME_RETRY_MS - 1, RENAME_RETRY_MS, 2 * RENAME_RETRY_MS - 1, 2 * RENAME_RETRY_MS]) timeline.push(await renamesBy(at, run));
        expect(timeline, `renames tried by 0, ${RENAME_RETRY_MS - 1}, ${RENAME_RETRY_MS}, ${2 * RENAME_RETRY_MS - 1} and ${2 * RENAME_RETRY_MS} ms: a failed rename is tried again exactly ${RENAME_RETRY_MS} ms later`).to.deep.equal([1, 1, 2, 2, 3]);
        const settled = run.settled();
        if (!settled) throw new KataAssertionError(`${api.name} had not finished once the third rename had succeeded.`);
        if (!settled.ok) throw new KataAssertionError(`${api.name} failed with ${String(settled.error)}, but the third rename succeeded.`);
        expect(settled.value).to.deep.equal(report);
        expect(exists('report.json'), 'report.json should be in place').to.equal(true);
        expect(run.calls(), `${api.name} should settle once`).to.equal(1);
      });

      it('gives up after RENAME_ATTEMPTS failed renames, with the rename\'s error, and leaves no report.json', async () => {
        const { tree } = feed(2);
        await write(tree);
        fsFaults.inject({ call: 'rename', fromCall: 1, code: 'EBUSY' });
        const run = api.start(tmp.path);
        const timeline: number[] = [];
        for (let attempt = 0; attempt < RENAME_ATTEMPTS; attempt++) timeline.push(await renamesBy(attempt * RENAME_RETRY_MS, run));
        expect(timeline, `a rename every ${RENAME_RETRY_MS} ms, from 0`).to.deep.equal(Array.from({ length: RENAME_ATTEMPTS }, (_, i) => i + 1));
        await renamesBy(RENAME_ATTEMPTS * RENAME_RETRY_MS * 10, run);
        await time.runAllAsync();
        await whenQuiet();
        expect(renames(), `${RENAME_ATTEMPTS} attempts in all, no more`).to.equal(RENAME_ATTEMPTS);
        const settled = run.settled();
        if (!settled) throw new KataAssertionError(`${api.name} never finished after its last rename failed: after ${RENAME_ATTEMPTS} attempts it should fail with the rename's error.`);
        if (settled.ok) throw new KataAssertionError(`${api.name} succeeded although every rename failed.`);
        expect(settled.error).to.have.property('code', 'EBUSY');
        expect(exists('report.json'), 'report.json should not exist: the import failed').to.equal(false);
        expect(run.calls(), `${api.name} should settle once`).to.equal(1);
      });
    });
  }

  describe('safety net: the callback API old callers use', () => {
    behaviourTests(callbackApi);

    it('an exception thrown by the caller\'s callback is not fed back into that callback', async () => {
      await write(feed(2).tree);
      await expectCallerErrorEscapes('importFeed', (cb) => importFeed(tmp.path, cb));
    });
  });

  /** Lets the item reads finish last first: the report must still follow the manifest. */
  async function expectManifestOrder(api: Api): Promise<void> {
    const { tree, report } = feed(4);
    await write(tree);
    const gate = fsFaults.hold({ call: 'readFile', path: `${path.sep}items${path.sep}` });
    const running = track(api.run(tmp.path));
    await waitForHeld(gate, 4, api.label(), running.settled, itemsOneByOne(api.label(), 4));
    gate.releaseAll('reverse');
    const got = await expectReport(api.label(), running.done);
    if (skus(got) !== skus(report)) {
      throw new KataAssertionError(
        `${api.label()} listed the items in the order their files finished reading (${skus(got)}), not the manifest's order (${skus(report)}). ` +
          'Pushing each line as its read finishes keeps completion order: store it at its item\'s index instead.',
      );
    }
    expect(got).to.deep.equal(report);
  }

  describe('defects: what the legacy version gets wrong', () => {
    it('the report lists the items in the manifest\'s order, whatever order their files finish reading in', async () => {
      await expectManifestOrder(callbackApi);
    });

    it('an item file that is not valid JSON reaches the callback as an error naming the file, instead of crashing the process', async () => {
      const { tree } = feed(3);
      (tree.items as Record<string, string>)['b.json'] = '{ "sku": "SKU-B", }';
      await write(tree);
      const err = await expectFailure(callbackApi.label(), callbackApi.run(tmp.path));
      expect(err.message, 'the error message should name the file that is not valid JSON').to.include(path.join('items', 'b.json'));
      expect(err.cause, 'keep the original SyntaxError as the error\'s `cause`').to.be.instanceOf(SyntaxError);
      expect(exists('report.json'), 'no report should be written after an error').to.equal(false);
    });
  });

  describe('promise API: promises.importFeed', () => {
    behaviourTests(promiseApi);

    it('lists the items in the manifest\'s order, whatever order their files finish reading in', async () => {
      await expectManifestOrder(promiseApi);
    });

    it('rejects on an item file that is not valid JSON, naming the file, with the SyntaxError as cause', async () => {
      const { tree } = feed(3);
      (tree.items as Record<string, string>)['c.json'] = 'not json';
      await write(tree);
      const err = await expectRejection(promiseApi.label(), () => promises.importFeed(tmp.path));
      expect(err.message, 'the error message should name the file that is not valid JSON').to.include(path.join('items', 'c.json'));
      expect(err.cause, 'keep the original SyntaxError as the error\'s `cause`, do not swallow it').to.be.instanceOf(SyntaxError);
    });

    it('reads without blocking the process: no synchronous fs calls', async () => {
      await write(feed(3).tree);
      await promiseApi.run(tmp.path);
      const sync = fsFaults.calls().filter((c) => c.api === 'sync');
      expect(sync.map((c) => `${c.call}Sync(${path.basename(c.path)})`), 'synchronous fs calls block every other request of the service: use fs/promises').to.deep.equal([]);
    });
  });

  describe('without the async package: native async/await only', () => {
    it('no file in src/ requires the async package any more', () => {
      const entry = require.resolve('../src/feed-import');
      const offenders: string[] = [];
      const seen = new Set<string>();
      const visit = (file: string) => {
        if (seen.has(file) || file.includes(`${path.sep}node_modules${path.sep}`)) return;
        seen.add(file);
        const source = fs.readFileSync(file, 'utf8');
        if (/require\(\s*['"]async(\/[^'"]*)?['"]\s*\)|from\s+['"]async(\/[^'"]*)?['"]|import\(\s*['"]async(\/[^'"]*)?['"]\s*\)/.test(source)) offenders.push(path.basename(file));
        for (const child of require.cache[file]?.children ?? []) {
          if (/[\\/]node_modules[\\/]async[\\/]/.test(child.filename)) offenders.push(path.basename(file));
          visit(child.filename);
        }
      };
      visit(entry);
      const files = [...new Set(offenders)];
      if (files.length > 0) {
        throw new KataAssertionError(
          `${files.join(', ')} still require${files.length === 1 ? 's' : ''} the async package. ` +
            'Replace async.waterfall with awaits in sequence, async.parallel with Promise.all, async.eachLimit with a small pool of your own, async.retry with a loop and a timer; then remove the import.',
        );
      }
    });
  });
});
