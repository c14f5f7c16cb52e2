/**
 * The event-loop probe against planted mistakes (work on the main thread, before or after an
 * await) and against the correct move (a real worker thread doing the same work).
 */
import { expect } from 'chai';
import { once } from 'node:events';
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';

import { KataAssertionError } from '../../src/harness/callbacks';
import { countWorkersStarted, expectResponsive, expectWorkerStarted, measureResponsiveness } from '../../src/harness/event-loop-probe';

const BUSY_MS = 250;

function busyFor(ms: number): number {
  const end = performance.now() + ms;
  let spins = 0;
  while (performance.now() < end) spins += 1;
  return spins;
}

/** The correct move: the same busy work in a worker; eval'd JS so the worker needs no TypeScript loader. */
async function busyInWorker(ms: number): Promise<number> {
  const worker = new Worker(
    `const { parentPort, workerData } = require('node:worker_threads');
     const { performance } = require('node:perf_hooks');
     const end = performance.now() + workerData;
     let spins = 0;
     while (performance.now() < end) spins += 1;
     parentPort.postMessage(spins);`,
    { eval: true, workerData: ms },
  );
  const exited = once(worker, 'exit');
  const [spins] = (await once(worker, 'message')) as [number];
  await exited;
  return spins;
}

async function rejectionOf(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a rejection');
}

describe('harness: event-loop probe', () => {
  describe('expectResponsive', () => {
    it('fails synchronous busy work, saying it blocked the whole job and to move it to a worker', async () => {
      const err = await rejectionOf(expectResponsive('hashAll(files)', async () => busyFor(BUSY_MS)));
      expect(err).to.be.instanceOf(KataAssertionError);
      expect(err.message).to.match(/^hashAll\(files\) blocked the event loop for (9\d|100)% of the job/);
      expect(err.message).to.contain('the work ran on the main thread; move it to a worker');
      expect(err.message).to.not.contain('awaited something first');
    });

    it('fails work that awaits I/O first and then blocks, and says the await did not help', async () => {
      const job = async () => {
        // A timer, not a file read: the heartbeat is due first, so at least one beat runs
        // before the block whatever the load (a fast read could finish before any beat).
        await new Promise((resolve) => setTimeout(resolve, 20));
        return busyFor(BUSY_MS);
      };
      const err = await rejectionOf(expectResponsive('hashAll(files)', job));
      expect(err).to.be.instanceOf(KataAssertionError);
      expect(err.message).to.match(/blocked the event loop for \d+% of the job/);
      expect(err.message).to.contain('awaited something first');
    });

    it('passes the same work done in a worker thread, and returns its result', async () => {
      const spins = await expectResponsive('hashAll(files)', () => busyInWorker(BUSY_MS));
      expect(spins).to.be.a('number').and.above(0);
    });

    it('reports a job too short to judge as a problem of the test, not of the learner', async () => {
      const err = await rejectionOf(expectResponsive('hashAll([])', async () => 0));
      expect(err.message).to.contain('too short to tell').and.contain('problem of the test');
    });
  });

  describe('measureResponsiveness', () => {
    it('measures a stall fraction near 1 for sync work and below the bound for a worker', async () => {
      const blocked = await measureResponsiveness(() => busyFor(BUSY_MS));
      expect(blocked.stallFraction).to.be.above(0.9);
      expect(blocked.beats).to.equal(0);
      const free = await measureResponsiveness(() => busyInWorker(BUSY_MS));
      expect(free.stallFraction).to.be.below(0.5);
      expect(free.beats).to.be.above(0);
    });

    it('rejects as the job does, and stops its heartbeat (the leak check would see the interval)', async () => {
      const err = await rejectionOf(measureResponsiveness(() => Promise.reject(new Error('boom'))));
      expect(err.message).to.equal('boom');
      const thrown = await rejectionOf(measureResponsiveness(() => {
        throw new Error('sync boom');
      }));
      expect(thrown.message).to.equal('sync boom');
    });
  });

  describe('worker threads', () => {
    it('fails code that never starts a worker: "no worker thread was started"', async () => {
      const err = await rejectionOf(expectWorkerStarted('hashAll(files)', async () => busyFor(5)));
      expect(err).to.be.instanceOf(KataAssertionError);
      expect(err.message).to.equal(
        'hashAll(files): no worker thread was started. The heavy work must run in a `new Worker(...)` from worker_threads; ' +
          'an async function or a promise still runs its code on the main thread.',
      );
    });

    it('counts a real worker, and checks both things in one run when nested', async () => {
      const { workersStarted } = await countWorkersStarted(() => busyInWorker(20));
      expect(workersStarted).to.equal(1);
      const spins = await expectWorkerStarted('hashAll(files)', () => expectResponsive('hashAll(files)', () => busyInWorker(BUSY_MS)));
      expect(spins).to.be.above(0);
    });

    it('still fails a worker that is started but then waited for with a blocking wait', async () => {
      const job = async () => {
        const flag = new Int32Array(new SharedArrayBuffer(4));
        const worker = new Worker(
          `const { workerData } = require('node:worker_threads');
           const { performance } = require('node:perf_hooks');
           const end = performance.now() + ${BUSY_MS};
           while (performance.now() < end);
           Atomics.store(workerData, 0, 1);
           Atomics.notify(workerData, 0);`,
          { eval: true, workerData: flag },
        );
        const exited = once(worker, 'exit');
        Atomics.wait(flag, 0, 0); // the planted mistake: the main thread sleeps until the worker is done
        await exited;
      };
      const err = await rejectionOf(expectWorkerStarted('hashAll(files)', () => expectResponsive('hashAll(files)', job)));
      expect(err.message).to.contain('blocked the event loop');
    });
  });
});
