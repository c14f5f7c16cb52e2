// The kata's tests. Do not change this file: make them pass by changing src/. Your own tests go in test/mine/.
//
// The pools here run the tasks of test/support/tasks.ts. No test measures time: `hold` tasks
// block their worker until the test releases them, so "running" and "queued" are facts the
// test controls, and test/support/worker-watch.ts counts the worker threads as they start and exit.
import { expect } from 'chai';
import { getEventListeners } from 'node:events';
import * as os from 'node:os';

// First: the worker watch must be in place before the pool module loads.
import { closeWithCallback, RecordedCall, settlesOnItsOwn, TASKS, usePoolKit, waitFor } from './support/pool-kit';
import { callPromise, captureUncaught, countWorkersStarted, describeValue, expectRejection, KataAssertionError, messages, type Outcome, untilDoneOrStalled, whenQuiet } from '../../../src/harness';
import { promises, WorkerPool } from '../src/worker-pool';

type PromisePool = InstanceType<typeof promises.WorkerPool>;

/** An ArrayBuffer of `size` bytes, each 1: what arrives can be checked by its sum. */
const bytes = (size: number): ArrayBuffer => new Uint8Array(size).fill(1).buffer;

const WORKER_EXITED = 'its worker thread exited, and nothing is left to call it. Listen for the worker\'s \'exit\' event: it fires however a worker ends.';

describe('worker-pool', function () {
  // Each worker loads its modules before it can run a task (up to a second on a busy machine). The
  // waits below fail with their own message long before this.
  this.timeout(60_000);
  const kit = usePoolKit();

  const callbackPool = (size: number) => kit.closeAfter(new WorkerPool({ tasks: TASKS, size }), closeWithCallback);
  const promisePool = (size: number) => kit.closeAfter(new promises.WorkerPool({ tasks: TASKS, size }), (pool) => pool.close());

  /** pool.run through the callback API, recorded. */
  function runWithCallback<T>(pool: WorkerPool, name: string, payload: unknown, transfer?: ArrayBuffer[]): RecordedCall<T> {
    return new RecordedCall<T>(`pool.run('${name}')`, (cb) => (transfer ? pool.run(name, payload, transfer, cb) : pool.run(name, payload, cb)));
  }

  /** Closes a callback pool: close() must call back once, and then every worker must exit. */
  async function closeCallbackPool(pool: WorkerPool): Promise<void> {
    const closing = new RecordedCall<void>('pool.close()', (cb) => pool.close(cb));
    await closing.value('the pool has no worker left to stop, so it should call back at once.');
    await waitFor(kit.workers.whenNoneAlive(), {
      stuck: () => 'no worker is alive', // never shown: that is what this waits for
      slow: () => `pool.close() called back, but ${kit.workers.alive} worker thread(s) were still running long after: it must terminate every worker it started.`,
    });
    expect(closing.calls, 'pool.close() should call back exactly once').to.have.length(1);
  }

  /** Closes a promise pool: close() must resolve, and no worker may be alive by then. */
  async function closePromisePool(pool: PromisePool): Promise<void> {
    await waitFor(callPromise('pool.close()', () => pool.close()), {
      stuck: () => 'pool.close() never settled, though no worker is alive: it waits for something that can no longer happen.',
      slow: () => `pool.close() did not settle within the time limit; ${kit.workers.alive} worker thread(s) still alive.`,
    });
    expect(kit.workers.alive, 'pool.close() resolved while worker threads were still running: await every worker\'s exit (worker.terminate() resolves then) before resolving').to.equal(0);
  }

  /** Why a task given before close() never settled. */
  const CLOSE_DROPPED_TASK = 'close() stopped the worker before the task finished, and nothing rejected it. close() must let the tasks already given finish first.';
  /** Waits for a tracked task (kit.track) to settle; fails with `stuck` when no worker is left to settle it. */
  const settled = <T>(label: string, tracked: Promise<Outcome<T>>, stuck: string) =>
    waitFor(tracked, { stuck: () => `${label} never settled: ${stuck}`, slow: () => `${label} did not settle within the time limit, though a worker is alive.` });

  /** Checks that a task succeeded with `expected`; when it failed, says with what. */
  function expectValue(what: string, result: Outcome<unknown>, expected: unknown): void {
    if (!result.ok) throw new KataAssertionError(`${what} should have resolved with ${describeValue(expected)}, but it failed: ${describeValue(result.error)}`);
    expect(result.value, what).to.deep.equal(expected);
  }

  /** The error a task rejected (or called back) with; fails when it succeeded instead. */
  function errorOf(label: string, result: Outcome<unknown>): Error {
    if (result.ok) throw new KataAssertionError(messages.expectedRejection(label, result.value));
    return result.error instanceof Error ? result.error : new Error(`a non-Error: ${String(result.error)}`);
  }

  describe('safety net: the callback API old callers use', () => {
    it('runs a task on a worker thread and calls back once with its result', async () => {
      const { result, workersStarted } = await countWorkersStarted(async () => {
        const pool = callbackPool(2);
        const call = runWithCallback(pool, 'echo', { answer: 42, list: [1, 2] });
        const value = await call.value(WORKER_EXITED);
        await closeCallbackPool(pool);
        expect(call.calls, 'the callback of pool.run should be called exactly once').to.have.length(1);
        return value;
      });
      expect(workersStarted, 'the task should run on a worker thread').to.be.at.least(1);
      expect(result).to.deep.equal({ answer: 42, list: [1, 2] });
    });

    it('runs as many tasks at once as it has workers', async () => {
      const pool = callbackPool(2);
      const first = runWithCallback(pool, 'hold', kit.gate.ticket(1));
      const second = runWithCallback(pool, 'hold', kit.gate.ticket(2));
      await kit.untilStarted(2, 'the second of two tasks on a pool of 2 workers');
      kit.gate.release(1);
      kit.gate.release(2);
      expect([await first.value(WORKER_EXITED), await second.value(WORKER_EXITED)]).to.deep.equal([1, 2]);
      await closeCallbackPool(pool);
    });

    it('a task that throws calls back with its error', async () => {
      const pool = callbackPool(1);
      const err = errorOf('pool.run(\'fail\')', await runWithCallback(pool, 'fail', 'bad input').outcome(WORKER_EXITED));
      expect(err.message).to.equal('bad input');
      await closeCallbackPool(pool);
    });

    it('an ArrayBuffer in the transfer list moves to the worker instead of being copied', async () => {
      const pool = callbackPool(1);
      const buffer = bytes(1024);
      const measured = await runWithCallback(pool, 'measure', buffer, [buffer]).value(WORKER_EXITED);
      expect(measured, 'what the worker received').to.deep.equal({ byteLength: 1024, sum: 1024 });
      expect(buffer.byteLength, 'a transferred ArrayBuffer is left empty (byteLength 0) on the sender\'s side').to.equal(0);
      await closeCallbackPool(pool);
    });

    it('close() calls back once, and then every worker exits', async () => {
      const pool = callbackPool(2);
      expect(await runWithCallback(pool, 'echo', 'before close').value(WORKER_EXITED)).to.equal('before close');
      await closeCallbackPool(pool);
    });

    it('an exception thrown by the caller\'s callback is not fed back into that callback', async () => {
      const pool = callbackPool(1);
      const calls: unknown[][] = [];
      const escaped: unknown[] = [];
      const restore = captureUncaught((err) => escaped.push(err));
      try {
        const call = new RecordedCall('pool.run(\'echo\')', (cb) =>
          pool.run('echo', 'hello', (...args) => {
            calls.push(args);
            cb(null);
            throw new Error('thrown by the caller');
          }),
        );
        await call.value(WORKER_EXITED);
        await whenQuiet();
      } finally {
        restore();
      }
      if (calls.length > 1) {
        throw new KataAssertionError(messages.callbackCalledTwice('pool.run', calls[0]![1], calls[1]![0]) + ' The second call passed back the error the callback itself threw: `.then(cb).catch(cb)` does that; util.callbackify does not.');
      }
      expect(calls, 'the callback should have been called once').to.deep.equal([[null, 'hello']]);
      expect(escaped.map(String), 'the caller\'s own error belongs to the caller: it should escape as it does from any callback').to.deep.equal(['Error: thrown by the caller']);
      await closeCallbackPool(pool);
    });

    it('an exception thrown by the caller\'s close() callback is not fed back into that callback', async () => {
      const pool = callbackPool(1);
      expect(await runWithCallback(pool, 'echo', 'before close').value(WORKER_EXITED)).to.equal('before close');
      const calls: unknown[][] = [];
      const escaped: unknown[] = [];
      const restore = captureUncaught((err) => escaped.push(err));
      try {
        const closing = new RecordedCall('pool.close()', (cb) =>
          pool.close((...args) => {
            calls.push(args);
            cb(null);
            throw new Error('thrown by the caller');
          }),
        );
        await closing.outcome('the pool has no worker left to stop, so it should call back.');
        await whenQuiet();
      } finally {
        restore();
      }
      if (calls.length > 1) {
        throw new KataAssertionError(messages.callerErrorFedBack('pool.close', calls.length, calls[1]![0]));
      }
      expect(escaped.map(String), 'the caller\'s own error belongs to the caller: it should escape from close()\'s callback as it does from any callback, not be swallowed by a promise chain').to.deep.equal(['Error: thrown by the caller']);
      await waitFor(kit.workers.whenNoneAlive(), { stuck: () => 'unreachable', slow: () => `pool.close() called back, but ${kit.workers.alive} worker thread(s) were still running long after.` });
    });
  });

  describe('defects: what the legacy version gets wrong', () => {
    it('a task that calls process.exit calls back with an error naming the exit code, and the next task still runs', async () => {
      const pool = callbackPool(1);
      const err = errorOf('pool.run(\'exit\')', await runWithCallback(pool, 'exit', 3).outcome(WORKER_EXITED));
      expect(err.message, `the error should give the exit code, 3 (it says: ${err.message})`).to.include('3');
      const next = runWithCallback(pool, 'echo', 'next');
      expect(await next.value('the worker that exited was never replaced, so no worker is left to run the next task.')).to.equal('next');
      await closeCallbackPool(pool);
    });

    it('after a task throws, the pool goes on running tasks', async () => {
      const pool = callbackPool(1);
      errorOf('pool.run(\'fail\')', await runWithCallback(pool, 'fail', 'bad input').outcome(WORKER_EXITED));
      const next = runWithCallback(pool, 'echo', 'next');
      const why = 'the task\'s exception killed its worker thread, and nothing replaced it. Catch a task\'s error inside the worker and send it back as the answer to that task.';
      expect(await next.value(why)).to.equal('next');
      await closeCallbackPool(pool);
    });

    it('a task\'s callback is called once, even when a later task on the same worker throws', async () => {
      const pool = callbackPool(1);
      const first = runWithCallback(pool, 'echo', 'first');
      expect(await first.value(WORKER_EXITED)).to.equal('first');
      errorOf('pool.run(\'fail\')', await runWithCallback(pool, 'fail', 'bad input').outcome(WORKER_EXITED));
      if (first.calls.length > 1) {
        throw new KataAssertionError(
          messages.callbackCalledTwice('pool.run(\'echo\')', first.calls[0]!.value, first.calls[1]!.err) +
            ' The second call carried the error of a later task: the first task\'s error listener stayed on the worker after that task had finished.',
        );
      }
      await closeCallbackPool(pool);
    });

    it('queued tasks start in the order they were queued', async () => {
      const pool = callbackPool(1);
      const calls = [1, 2, 3, 4].map((id) => runWithCallback<number>(pool, 'hold', kit.gate.ticket(id)));
      for (let n = 1; n <= 4; n++) {
        await kit.untilStarted(n, `task number ${n} of 4`);
        kit.gate.release(kit.gate.started()[n - 1]!);
      }
      for (const call of calls) await call.value(WORKER_EXITED);
      expect(kit.workers.maxAlive, `a pool of 1 had ${kit.workers.maxAlive} worker threads alive at once, so the tasks did not wait in a queue at all: start a worker only while fewer than \`size\` exist, and queue the rest`).to.be.at.most(1);
      expect(kit.gate.started(), 'with one worker busy, the queued tasks should start first in, first out: the queue gave the worker its newest entry first (pop() instead of shift()?)').to.deep.equal([1, 2, 3, 4]);
      await closeCallbackPool(pool);
    });

    it('a queued task\'s ArrayBuffer is transferred too, not copied', async () => {
      const pool = callbackPool(1);
      const running = runWithCallback(pool, 'hold', kit.gate.ticket(1));
      await kit.untilStarted(1, 'the task that keeps the only worker busy');
      const buffer = bytes(4096);
      const queued = runWithCallback(pool, 'measure', buffer, [buffer]);
      kit.gate.release(1);
      await running.value(WORKER_EXITED);
      expect(await queued.value(WORKER_EXITED), 'what the worker received').to.deep.equal({ byteLength: 4096, sum: 4096 });
      expect(buffer.byteLength, 'the queued task\'s ArrayBuffer should have moved to the worker (byteLength 0 here), but it was copied: the queue lost the transfer list, or the callback API did not pass run()\'s transfer list on to the pool').to.equal(0);
      await closeCallbackPool(pool);
    });

    it('close() lets the running and queued tasks finish, and calls back once every worker has exited', async () => {
      const pool = callbackPool(1);
      const running = runWithCallback(pool, 'hold', kit.gate.ticket(1));
      await kit.untilStarted(1, 'the task that keeps the only worker busy');
      const queued = runWithCallback(pool, 'echo', 'queued');
      const closing = new RecordedCall<void>('pool.close()', (cb) => pool.close(cb));
      const late = runWithCallback(pool, 'echo', 'after close');
      kit.gate.release(1);
      await closing.value('the pool has no worker left to stop, so it should call back.');
      const { workersAlive } = closing.calls[0]!;
      expect(workersAlive, 'pool.close() called back while worker threads were still running: terminate every worker, busy ones included once their task is done, and call back when they have exited').to.equal(0);
      expectValue('the task that was running when close() was called', await running.outcome(WORKER_EXITED), 1);
      expectValue('the task that was queued when close() was called', await queued.outcome(WORKER_EXITED), 'queued');
      const refused = errorOf('pool.run() after close()', await late.outcome('a task given to a closed pool should call back with an error at once.'));
      expect(refused.message, 'say why the task was refused').to.match(/closed/i);
    });

    it('running many tasks does not pile up listeners on a worker (MaxListenersExceededWarning)', async () => {
      const warnings: Error[] = [];
      const onWarning = (warning: Error) => warnings.push(warning);
      process.on('warning', onWarning);
      try {
        const pool = callbackPool(1);
        for (let i = 1; i <= 12; i++) expect(await runWithCallback(pool, 'echo', i).value(WORKER_EXITED)).to.equal(i);
        await closeCallbackPool(pool);
        await whenQuiet();
      } finally {
        process.off('warning', onWarning);
      }
      const leaks = warnings.filter((w) => w.name === 'MaxListenersExceededWarning').map((w) => w.message);
      expect(leaks, 'every task added a listener to its worker and nothing removed it: listen once per worker, not once per task').to.deep.equal([]);
    });

    it('the callback API gives the same answers as the promise API (it is a shim over it)', async () => {
      const viaCallback = callbackPool(1);
      const viaPromise = promisePool(1);
      const echoed = await callPromise('pool.run(\'echo\')', () => viaPromise.run('echo', { n: 1 }));
      expect(await runWithCallback(viaCallback, 'echo', { n: 1 }).value(WORKER_EXITED)).to.deep.equal(echoed);
      const rejected = await expectRejection('pool.run(\'fail\')', () => viaPromise.run('fail', 'bad input'));
      const err = errorOf('pool.run(\'fail\')', await runWithCallback(viaCallback, 'fail', 'bad input').outcome(WORKER_EXITED));
      expect([err.name, err.message], 'the callback API\'s error').to.deep.equal([rejected.name, rejected.message]);
      // One pool closed after the other, so what is alive when the callback API calls back is its own
      // worker or nothing: a race between the two pools' exits would decide nothing.
      expect(await callPromise('pool.close()', () => viaPromise.close())).to.equal(undefined);
      const close = new RecordedCall<void>('pool.close()', (cb) => viaCallback.close(cb));
      expectValue('the callback API\'s close()', await close.outcome('nothing is left to call it.'), undefined);
      expect(close.calls[0]!.workersAlive, 'worker threads still running when the callback API\'s close() called back: like the promise API\'s, it is done once every worker has exited').to.equal(0);
    });
  });

  describe('promise API: promises.WorkerPool runs tasks on at most N workers', () => {
    it('run() resolves with the task\'s result, computed on a worker thread', async () => {
      const { result, workersStarted } = await countWorkersStarted(async () => {
        const pool = promisePool(2);
        const value = await callPromise('pool.run(\'echo\')', () => pool.run('echo', { answer: 42, list: [1, 2] }));
        await closePromisePool(pool);
        return value;
      });
      expect(workersStarted, 'the task should run on a worker thread').to.be.at.least(1);
      expect(result).to.deep.equal({ answer: 42, list: [1, 2] });
    });

    it('runs at most N tasks at once, and starts the oldest queued task as soon as any task finishes', async () => {
      const pool = promisePool(2);
      const results = [1, 2, 3, 4, 5].map((id) => kit.track(`pool.run('hold', ${id})`, () => pool.run('hold', kit.gate.ticket(id))));
      await kit.untilStarted(2, 'the first two of five tasks on a pool of 2 workers');
      const tooMany = (): string => `a pool of 2 had ${kit.workers.maxAlive} worker threads alive at once: start a worker only while fewer than 2 exist, and queue the rest`;
      expect(kit.workers.maxAlive, tooMany()).to.be.at.most(2);
      expect([...kit.gate.started()].sort(), 'the first two tasks given to the pool should be the two running').to.deep.equal([1, 2]);
      // Finish them out of order: the next task must go to whichever worker is free.
      for (const [finish, next] of [[2, 3], [3, 4], [1, 5]] as const) {
        kit.gate.release(finish);
        await kit.untilStarted(next, `task ${next}, once task ${finish} had finished and freed a worker`);
        expect(kit.gate.started()[next - 1], `after task ${finish} finished, the oldest queued task (${next}) should start, first in, first out (a queue that gives out its newest entry first, pop() instead of shift(), starts the last one)`).to.equal(next);
      }
      kit.gate.release(4);
      kit.gate.release(5);
      const settledAll = await waitFor(Promise.all(results), { stuck: () => `some tasks never settled: ${WORKER_EXITED}`, slow: () => 'some tasks did not settle.' });
      settledAll.forEach((result, i) => expectValue(`pool.run('hold', ${i + 1})`, result, i + 1));
      expect(kit.workers.maxAlive, tooMany()).to.be.at.most(2);
      await closePromisePool(pool);
    });

    it('an ArrayBuffer in `transfer` moves to the worker, for a task that waits in the queue too', async () => {
      const pool = promisePool(1);
      const direct = bytes(1024);
      expect(await callPromise('pool.run(\'measure\')', () => pool.run('measure', direct, { transfer: [direct] }))).to.deep.equal({ byteLength: 1024, sum: 1024 });
      expect(direct.byteLength, 'a transferred ArrayBuffer is left empty (byteLength 0) on the sender\'s side: pass `transfer` to postMessage').to.equal(0);

      const running = kit.track('pool.run(\'hold\')', () => pool.run('hold', kit.gate.ticket(1)));
      await kit.untilStarted(1, 'the task that keeps the only worker busy');
      const queuedBuffer = bytes(4096);
      const queued = kit.track('pool.run(\'measure\')', () => pool.run('measure', queuedBuffer, { transfer: [queuedBuffer] }));
      kit.gate.release(1);
      expectValue('the task that kept the worker busy', await settled('pool.run(\'hold\')', running, WORKER_EXITED), 1);
      expectValue('what the worker received for the queued task', await settled('pool.run(\'measure\')', queued, WORKER_EXITED), { byteLength: 4096, sum: 4096 });
      expect(queuedBuffer.byteLength, 'the queued task\'s ArrayBuffer should have moved to the worker too: keep the transfer list with the queued task').to.equal(0);
      await closePromisePool(pool);
    });

    it('a task that throws rejects its own promise only: the other tasks resolve, and its worker carries on', async () => {
      const pool = promisePool(2);
      const running = kit.track('pool.run(\'hold\')', () => pool.run('hold', kit.gate.ticket(1)));
      await kit.untilStarted(1, 'the task that keeps one worker busy');
      const err = await expectRejection('pool.run(\'fail\')', () => pool.run('fail', 'bad input'));
      expect(err, 'the task\'s own error, as it threw it').to.be.instanceOf(Error);
      expect(err.message, 'the message of the error the task threw').to.equal('bad input');
      expect(err.name, `the task threw a TypeError, but the promise rejected with ${err.name === 'Error' ? 'a plain Error' : `a ${err.name}`} carrying its message: reject with the error as the worker sent it back (postMessage keeps an Error's name, message and stack), not a new Error made from its message`).to.equal('TypeError');
      expect(await callPromise('pool.run(\'echo\')', () => pool.run('echo', 'after the error'))).to.equal('after the error');
      kit.gate.release(1);
      expectValue('the task running beside the failing one', await settled('pool.run(\'hold\')', running, WORKER_EXITED), 1);
      expect(kit.workers.started, 'a task that throws should not cost its worker (starting one is slow): catch the error inside the worker and send it back').to.equal(2);
      await closePromisePool(pool);
    });

    it('a task the tasks module does not have rejects with an error naming it', async () => {
      const pool = promisePool(1);
      const err = await expectRejection('pool.run(\'no-such-task\')', () => pool.run('no-such-task', 1));
      expect(err.message, 'the error should name the missing task').to.include('no-such-task');
      expect(await callPromise('pool.run(\'echo\')', () => pool.run('echo', 'still serving'))).to.equal('still serving');
      await closePromisePool(pool);
    });

    it('without a size, it runs one task per core at once', async () => {
      const pool = kit.closeAfter(new promises.WorkerPool({ tasks: TASKS }), (p) => p.close());
      const cores = os.availableParallelism();
      // Up to 4 of them: enough to tell the default from 1, without starting 64 workers on a big machine.
      const atOnce = Math.min(cores, 4);
      const results = Array.from({ length: atOnce }, (_, i) => kit.track(`pool.run('hold', ${i + 1})`, () => pool.run('hold', kit.gate.ticket(i + 1))));
      await kit.untilHeld(
        atOnce,
        `all ${atOnce} tasks given at once to a pool without a size, on ${cores} cores`,
        (started, alive) =>
          `a pool without a size ran ${started} of ${atOnce} tasks given at once on ${cores} cores, and started no other worker while its ${alive} worker(s) were busy: ` +
          'the default size is one worker per core, os.availableParallelism().',
      );
      expect(kit.workers.maxAlive, `a pool without a size had ${kit.workers.maxAlive} worker threads alive at once on ${cores} cores: the default is one per core`).to.be.at.most(cores);
      kit.gate.releaseAll();
      const all = await waitFor(Promise.all(results), { stuck: () => `some tasks never settled: ${WORKER_EXITED}`, slow: () => 'some tasks did not settle.' });
      all.forEach((result, i) => expectValue(`pool.run('hold', ${i + 1})`, result, i + 1));
      await closePromisePool(pool);
    });

    it('close() on an idle pool resolves once every worker has exited, and so does a second close()', async () => {
      const pool = promisePool(2);
      expect(await callPromise('pool.run(\'echo\')', () => Promise.all([pool.run('echo', 1), pool.run('echo', 2)]))).to.deep.equal([1, 2]);
      await closePromisePool(pool);
      await closePromisePool(pool);
    });
  });

  describe('promise API: crashes, AbortSignal and close()', () => {
    it('a worker that calls process.exit is replaced: its task rejects, naming the exit code, and the next task runs', async () => {
      const pool = promisePool(1);
      const err = errorOf('pool.run(\'exit\')', await settled('pool.run(\'exit\')', kit.track('pool.run(\'exit\')', () => pool.run('exit', 3)), WORKER_EXITED));
      expect(err.message, `the error should give the exit code, 3 (it says: ${err.message})`).to.include('3');
      const next = await settled('pool.run(\'echo\')', kit.track('pool.run(\'echo\')', () => pool.run('echo', 'next')), 'no worker replaced the one that exited.');
      expectValue('the task after the crash', next, 'next');
      expect(kit.workers.maxAlive, 'a replacement started before the dead worker had exited: start it from the \'exit\' event').to.be.at.most(1);
      await closePromisePool(pool);
    });

    it('a worker that exits with code 0 in the middle of a task fails that task too, and is replaced', async () => {
      const pool = promisePool(1);
      const exited = kit.track('pool.run(\'exit\', 0)', () => pool.run('exit', 0));
      const why = 'its worker exited with code 0 in the middle of the task, and nothing rejected the task. Listen for the worker\'s \'exit\' event, and treat an exit while a task runs as a crash whatever its code: do not reject only when the code is not 0.';
      errorOf('pool.run(\'exit\', 0)', await settled('pool.run(\'exit\', 0)', exited, why));
      const next = await settled('pool.run(\'echo\')', kit.track('pool.run(\'echo\')', () => pool.run('echo', 'next')), 'no worker replaced the one that exited.');
      expectValue('the task after the exit', next, 'next');
      await closePromisePool(pool);
    });

    it('the tasks queued behind a task whose worker dies run on its replacement', async () => {
      const pool = promisePool(1);
      const dying = kit.track('pool.run(\'exit\', 3)', () => pool.run('exit', 3));
      const behind = [1, 2].map((id) => kit.track(`pool.run('mark', ${id})`, () => pool.run('mark', kit.gate.ticket(id))));
      errorOf('pool.run(\'exit\', 3)', await settled('pool.run(\'exit\', 3)', dying, WORKER_EXITED));
      const why = 'it waited in the queue while the worker ahead of it died, and no worker was started for it: when a worker exits and tasks are waiting, start a replacement then (dispatch from the \'exit\' handler), not only when the next run() comes.';
      for (const [i, tracked] of behind.entries()) expectValue(`the queued pool.run('mark', ${i + 1})`, await settled(`the queued pool.run('mark', ${i + 1})`, tracked, why), i + 1);
      expect(kit.gate.started(), 'the queued tasks, in the order they were given').to.deep.equal([1, 2]);
      expect(kit.workers.maxAlive, 'a replacement started before the dead worker had exited: start it from the \'exit\' event').to.be.at.most(1);
      await closePromisePool(pool);
    });

    it('a worker that dies of an uncaught error is replaced: its task rejects with that error, and the next task runs', async () => {
      const pool = promisePool(1);
      const err = errorOf('pool.run(\'crash\')', await settled('pool.run(\'crash\')', kit.track('pool.run(\'crash\')', () => pool.run('crash', 'kaboom')), WORKER_EXITED));
      expect(err.message, `the task should reject with the error that killed its worker, from the worker's 'error' event (it says: ${err.message})`).to.include('kaboom');
      const next = await settled('pool.run(\'echo\')', kit.track('pool.run(\'echo\')', () => pool.run('echo', 'next')), 'no worker replaced the one that died.');
      expectValue('the task after the crash', next, 'next');
      expect(kit.workers.maxAlive, 'a replacement started before the dead worker had exited: \'exit\' follows \'error\'; start the replacement from \'exit\'').to.be.at.most(1);
      await closePromisePool(pool);
    });

    it('a signal that is already aborted rejects with an AbortError at once, and the task never starts', async () => {
      const pool = promisePool(1);
      const err = await expectRejection('pool.run(\'mark\', { signal: aborted })', () => pool.run('mark', kit.gate.ticket(1), { signal: AbortSignal.abort() }));
      expect(err.name, `reject with the signal's reason, an AbortError (it rejected with ${err.name}: ${err.message})`).to.equal('AbortError');
      expect(await callPromise('pool.run(\'mark\')', () => pool.run('mark', kit.gate.ticket(2)))).to.equal(2);
      expect(kit.gate.started(), 'the tasks that started: the aborted one must not').to.deep.equal([2]);
      await closePromisePool(pool);
    });

    it('an aborted queued task rejects with an AbortError and never starts; the tasks behind it still run', async () => {
      const pool = promisePool(1);
      const running = kit.track('pool.run(\'hold\')', () => pool.run('hold', kit.gate.ticket(1)));
      await kit.untilStarted(1, 'the task that keeps the only worker busy');
      const controller = new AbortController();
      const aborted = kit.track('pool.run(\'mark\', { signal })', () => pool.run('mark', kit.gate.ticket(2), { signal: controller.signal }));
      const behind = kit.track('pool.run(\'mark\')', () => pool.run('mark', kit.gate.ticket(3)));
      controller.abort();
      const err = errorOf('the aborted task', await settlesOnItsOwn(aborted, 'the queued task did not reject when its signal aborted: listen for the signal\'s \'abort\' event, take the task out of the queue and reject it then, without waiting for a worker.'));
      expect(err.name, `reject with the signal's reason, an AbortError (it rejected with ${err.name}: ${err.message})`).to.equal('AbortError');
      kit.gate.release(1);
      expectValue('the task that kept the worker busy', await settled('pool.run(\'hold\')', running, WORKER_EXITED), 1);
      expectValue('the task queued behind the aborted one', await settled('pool.run(\'mark\')', behind, WORKER_EXITED), 3);
      expect(kit.gate.started(), 'the tasks that started: the aborted one must not').to.deep.equal([1, 3]);
      expect(kit.workers.started, 'aborting a queued task should not touch the workers').to.equal(1);
      await closePromisePool(pool);
    });

    it('an aborted running task rejects with an AbortError, and its worker is terminated and replaced', async () => {
      const pool = promisePool(1);
      const controller = new AbortController();
      const running = kit.track('pool.run(\'hold\', { signal })', () => pool.run('hold', kit.gate.ticket(1), { signal: controller.signal }));
      await kit.untilStarted(1, 'the task to abort');
      const [worker] = kit.workers.aliveNow();
      let settledEarly = false;
      void running.then(() => (settledEarly = true));
      controller.abort();
      // Stopping the worker is the main thread's decision: it needs no worker to answer. The task
      // may reject at once or once its worker has exited (terminate() takes a while): both are right.
      const stopped = await untilDoneOrStalled({ done: () => worker!.terminateCalled || worker!.exitCode !== null });
      if (stopped === 'stalled') {
        throw new KataAssertionError(
          `the worker running the aborted task was never terminated${settledEarly ? '' : ', and the task did not reject either'}: it goes on computing a result nobody wants, and its slot stays busy. ` +
            'Listen for the signal\'s \'abort\' event, call worker.terminate(), and start a replacement from its \'exit\' event.',
        );
      }
      await waitFor(worker!.exited, { stuck: () => 'unreachable', slow: () => 'the worker running the aborted task was terminated but did not exit.' });
      const err = errorOf('the aborted task', await settlesOnItsOwn(running, 'the running task did not reject when its signal aborted, even once its worker had been terminated and had exited: reject the task when the signal aborts (or at the latest on its worker\'s \'exit\').'));
      expect(err.name, `reject with the signal's reason, an AbortError (it rejected with ${err.name}: ${err.message})`).to.equal('AbortError');
      const next = await settled('pool.run(\'echo\')', kit.track('pool.run(\'echo\')', () => pool.run('echo', 'next')), 'no worker replaced the terminated one.');
      expectValue('the task after the abort', next, 'next');
      expect(kit.workers.maxAlive, 'a replacement started before the terminated worker had exited: start it from the \'exit\' event').to.be.at.most(1);
      await closePromisePool(pool);
    });

    it('aborting a running task terminates the worker running it, and no other: the task beside it finishes', async () => {
      const pool = promisePool(2);
      const controller = new AbortController();
      const beside = kit.track('pool.run(\'hold\', 1)', () => pool.run('hold', kit.gate.ticket(1)));
      // Whether the aborted task rejects is the test above's; this one asks which worker stops.
      void kit.track('pool.run(\'hold\', 2, { signal })', () => pool.run('hold', kit.gate.ticket(2), { signal: controller.signal }));
      await kit.untilStarted(2, 'the two tasks on a pool of 2');
      controller.abort();
      kit.gate.release(1);
      const result = await settled('pool.run(\'hold\', 1)', beside, WORKER_EXITED);
      if (!result.ok) {
        throw new KataAssertionError(
          `the task running beside the aborted one failed (${describeValue(result.error)}): the abort terminated its worker instead of the aborted task's. ` +
            'Terminate the worker whose current task is the aborted one: find it by its task, not by its place in the pool.',
        );
      }
      expect(result.value, 'what the task beside the aborted one returned').to.equal(1);
      await untilDoneOrStalled({ done: () => kit.workers.list().some((w) => w.terminateCalled) });
      const terminated = kit.workers.list().filter((w) => w.terminateCalled).length;
      expect(terminated, `one abort of a running task terminated ${terminated} worker(s): it should terminate one, the worker running that task`).to.equal(1);
      await closePromisePool(pool);
    });

    it('a task queued behind an aborted running task runs on the replacement, not on the worker being terminated', async () => {
      const pool = promisePool(1);
      const controller = new AbortController();
      const running = kit.track('pool.run(\'hold\', { signal })', () => pool.run('hold', kit.gate.ticket(1), { signal: controller.signal }));
      await kit.untilStarted(1, 'the task to abort');
      const queued = kit.track('pool.run(\'mark\')', () => pool.run('mark', kit.gate.ticket(2)));
      controller.abort();
      // The held task never returns on its own: without a terminate() nothing here would ever settle.
      const stopped = await untilDoneOrStalled({ done: () => kit.workers.list().some((w) => w.terminateCalled) });
      if (stopped === 'stalled') {
        throw new KataAssertionError(
          'the worker running the aborted task was never terminated, so the task queued behind it waits for ever. ' +
            'Listen for the signal\'s \'abort\' event, call worker.terminate(), and start a replacement from its \'exit\' event.',
        );
      }
      errorOf('the aborted task', await settled('pool.run(\'hold\', { signal })', running, 'its worker was terminated, and nothing rejected the task.'));
      const result = await settled('the queued pool.run(\'mark\')', queued, 'no worker replaced the terminated one, so the queued task never ran.');
      if (!result.ok) {
        throw new KataAssertionError(
          `the task queued behind the aborted one failed (${describeValue(result.error)}): it was given to the worker that was being terminated, and died with it. ` +
            'A worker you have terminated takes no more tasks: keep it busy (or out of the pool) until its \'exit\', and let the queued task wait for the replacement.',
        );
      }
      expect(result.value, 'what the queued task returned').to.equal(2);
      expect(kit.workers.maxAlive, 'a replacement started before the terminated worker had exited: start it from the \'exit\' event').to.be.at.most(1);
      await closePromisePool(pool);
    });

    it('aborting a signal after its task has finished leaves the pool and the other tasks alone', async () => {
      const pool = promisePool(1);
      // One signal for a whole request, as a server has: it outlives the task it was given to.
      const controller = new AbortController();
      expect(await callPromise('pool.run(\'mark\')', () => pool.run('mark', kit.gate.ticket(1), { signal: controller.signal }))).to.equal(1);
      expect(getEventListeners(controller.signal, 'abort'), 'once its task has settled, the pool should remove its \'abort\' listener from the signal, or a long-lived signal collects one per task').to.have.length(0);
      const running = kit.track('pool.run(\'hold\')', () => pool.run('hold', kit.gate.ticket(2)));
      await kit.untilStarted(2, 'the task running when the old signal aborts');
      controller.abort();
      kit.gate.release(2);
      expectValue('the task that had nothing to do with the aborted signal', await settled('pool.run(\'hold\')', running, WORKER_EXITED), 2);
      expect(kit.workers.list().filter((w) => w.terminateCalled), 'workers terminated because of an abort that came after its task had finished').to.deep.equal([]);
      await closePromisePool(pool);
    });

    it('a signal given to a task that fails, or whose worker dies, keeps no listener either', async () => {
      const pool = promisePool(1);
      const controller = new AbortController();
      const listeners = () => getEventListeners(controller.signal, 'abort').length;
      const failed = await expectRejection('pool.run(\'fail\', { signal })', () => pool.run('fail', 'bad input', { signal: controller.signal }));
      expect(failed.message, 'the task\'s own error').to.equal('bad input');
      expect(listeners(), 'once its task has rejected (the task threw), the pool should remove its \'abort\' listener from the signal: remove it however the task settles, resolved or rejected').to.equal(0);
      const died = kit.track('pool.run(\'exit\', 3, { signal })', () => pool.run('exit', 3, { signal: controller.signal }));
      errorOf('pool.run(\'exit\', 3, { signal })', await settled('pool.run(\'exit\', 3, { signal })', died, WORKER_EXITED));
      expect(listeners(), 'once its task has rejected (its worker died), the pool should remove its \'abort\' listener from the signal: remove it however the task settles, resolved or rejected').to.equal(0);
      expect(await callPromise('pool.run(\'echo\')', () => pool.run('echo', 'still serving', { signal: controller.signal }))).to.equal('still serving');
      expect(listeners(), 'once its task has resolved, the pool should remove its \'abort\' listener from the signal').to.equal(0);
      await closePromisePool(pool);
    });

    it('a second close() called while the first waits for a running task settles no sooner, once every worker has exited', async () => {
      const pool = promisePool(1);
      const running = kit.track('pool.run(\'hold\')', () => pool.run('hold', kit.gate.ticket(1)));
      await kit.untilStarted(1, 'the task that keeps the only worker busy');
      const aliveWhen: { first?: number; second?: number } = {};
      const first = kit.track('the first pool.close()', () => pool.close()).then((o) => ((aliveWhen.first = kit.workers.alive), o));
      const second = kit.track('the second pool.close()', () => pool.close()).then((o) => ((aliveWhen.second = kit.workers.alive), o));
      // The held task keeps its worker busy until the test releases it: neither close() can be done yet.
      const early = await untilDoneOrStalled({ done: () => aliveWhen.first !== undefined || aliveWhen.second !== undefined });
      if (early === 'done') {
        const which = aliveWhen.second !== undefined && aliveWhen.first === undefined ? 'the second pool.close()' : 'pool.close()';
        throw new KataAssertionError(
          `${which} settled while a task was still running on a live worker: close() must wait for the tasks already given and for every worker's exit. ` +
            'A second close() should return the first one\'s promise (keep it), not a promise that is already settled.',
        );
      }
      kit.gate.release(1);
      const both = await waitFor(Promise.all([first, second]), { stuck: () => 'a pool.close() never settled, though no worker is alive.', slow: () => 'a pool.close() did not settle.' });
      expectValue('the first pool.close()', both[0], undefined);
      expectValue('the second pool.close()', both[1], undefined);
      expect(aliveWhen, 'worker threads alive at the moment each close() resolved: both must wait for every worker\'s exit').to.deep.equal({ first: 0, second: 0 });
      expectValue('the task that was running when close() was called', await settled('the task that was running when close() was called', running, CLOSE_DROPPED_TASK), 1);
    });

    it('close() lets the running and queued tasks finish, refuses new ones, and resolves once every worker has exited', async () => {
      const pool = promisePool(1);
      const order: string[] = [];
      const running = kit.track('pool.run(\'hold\')', () => pool.run('hold', kit.gate.ticket(1))).then((o) => (order.push('running task settled'), o));
      await kit.untilStarted(1, 'the task that keeps the only worker busy');
      const queued = kit.track('pool.run(\'echo\')', () => pool.run('echo', 'queued')).then((o) => (order.push('queued task settled'), o));
      let aliveWhenClosed = -1;
      const closing = kit.track('pool.close()', () => pool.close()).then((o) => {
        aliveWhenClosed = kit.workers.alive;
        order.push('close() settled');
        return o;
      });
      const refused = await expectRejection('pool.run() after close()', () => pool.run('echo', 'after close'));
      expect(refused.message, 'say why the task was refused').to.match(/closed/i);
      kit.gate.release(1);
      const closed = await waitFor(closing, { stuck: () => 'pool.close() never settled, though no worker is alive.', slow: () => 'pool.close() did not settle.' });
      expectValue('pool.close()', closed, undefined);
      // What had settled when close() did, before waiting for any task: a close() that stopped its
      // worker under a task leaves that task unsettled, and this says so at once.
      expect(order, 'close() should wait for the tasks already given to the pool').to.deep.equal(['running task settled', 'queued task settled', 'close() settled']);
      expectValue('the task that was running when close() was called', await settled('the task that was running when close() was called', running, CLOSE_DROPPED_TASK), 1);
      expectValue('the task that was queued when close() was called', await settled('the task that was queued when close() was called', queued, CLOSE_DROPPED_TASK), 'queued');
      expect(aliveWhenClosed, 'pool.close() resolved while worker threads were still running: await every worker\'s exit before resolving').to.equal(0);
    });
  });
});
