/**
 * What the worker-pool tests stand on, besides the harness: a gate for each test (gate.ts), the
 * worker watch (worker-watch.ts), waits that fail with a precise message instead of hanging,
 * a recorder for callback APIs, and a cleanup that stops whatever a failing pool left running.
 *
 * Why not the harness's callLegacy: it concludes "never called" once the main thread goes
 * quiet, and a worker thread computing is invisible to the main thread, so it would give up on
 * a pool while its worker is still starting. Here, "stuck" means no worker is alive and the
 * main thread has nothing left to do: then nothing can ever answer.
 */
import { callPromise, KataAssertionError, messages, type Outcome, outcome, untilDoneOrStalled } from '../../../../src/harness';
import { Gate } from './gate';
import { startCounting, type WorkerWatch, workerWatch } from './worker-watch';

/** The tasks module every pool in the tests is given (it runs in the workers). */
export const TASKS = require.resolve('./tasks');

/**
 * Real time after which a wait fails as "too slow". A verdict only: correct code never waits
 * for it. Starting a worker takes up to a second on a loaded 2-core machine.
 */
export const SLOW_VERDICT_MS = 20_000;

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Waits for `what`. Fails with `stuck` once no worker is alive and the main thread has had
 * nothing to do for a while (then nothing can ever settle it), or with `slow` after
 * SLOW_VERDICT_MS.
 */
export async function waitFor<T>(what: Promise<T>, verdicts: { stuck: () => string; slow: () => string }): Promise<T> {
  let done = false;
  let timer: NodeJS.Timeout | undefined;
  const stuck = (async (): Promise<never> => {
    for (;;) {
      await Promise.race([workerWatch.whenNoneAlive(), what]);
      if (done) return new Promise<never>(() => {});
      const verdict = await untilDoneOrStalled({ done: () => done || workerWatch.alive > 0 });
      if (verdict === 'stalled' && !done) throw new KataAssertionError(verdicts.stuck());
      // A worker started (or `what` settled): watch again.
      await nextTurn();
    }
  })();
  const slow = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new KataAssertionError(verdicts.slow())), SLOW_VERDICT_MS);
  });
  try {
    return await Promise.race([what, stuck, slow]);
  } finally {
    done = true;
    clearTimeout(timer);
  }
}

/** Any error-first callback: what it is called with is checked by the test, not by the compiler. */
type NodeCallback = (err: Error | null | undefined, value?: unknown) => void;

/**
 * A call of a callback API, recorded: every time its callback was called, with what, and
 * whether the first call came before the function returned (synchronously).
 *
 * @example
 * const call = new RecordedCall<number>('pool.run("echo")', (cb) => pool.run('echo', 1, cb));
 * expect(await call.value('its worker exited')).to.equal(1);
 */
export class RecordedCall<T> {
  /** Each call of the callback, with how many worker threads were alive at that moment. */
  readonly calls: Array<{ err: Error | null | undefined; value: T | undefined; workersAlive: number }> = [];
  calledSynchronously = false;
  readonly #first: Promise<void>;

  constructor(
    readonly label: string,
    invoke: (callback: NodeCallback) => void,
  ) {
    let onFirst!: () => void;
    this.#first = new Promise<void>((resolve) => (onFirst = resolve));
    let returned = false;
    invoke((err, value) => {
      this.calls.push({ err, value: value as T | undefined, workersAlive: workerWatch.alive });
      if (!returned) this.calledSynchronously = true;
      onFirst();
    });
    returned = true;
  }

  /** How the first call went. `whyStuck` completes "never called its callback: ..." when no worker is left to answer. */
  async outcome(whyStuck: string): Promise<Outcome<T>> {
    await waitFor(this.#first, {
      stuck: () => `${this.label} never called its callback: ${whyStuck}`,
      slow: () => `${this.label} did not call its callback within ${SLOW_VERDICT_MS / 1000} s, though a worker is still alive: is the task stuck in the queue?`,
    });
    if (this.calledSynchronously) throw new KataAssertionError(messages.callbackCalledSynchronously(this.label));
    const [first] = this.calls;
    return first!.err ? { ok: false, error: first!.err } : { ok: true, value: first!.value as T };
  }

  /** What the first call passed back; throws what it failed with. */
  async value(whyStuck: string): Promise<T> {
    const result = await this.outcome(whyStuck);
    if (!result.ok) throw result.error;
    return result.value;
  }
}

/** The fixture of one test: a fresh gate, the worker watch, and cleanup. */
export interface PoolKit {
  readonly gate: Gate;
  readonly workers: WorkerWatch;
  /** Registers how to close `pool` should the test end with workers still running; returns the pool. */
  closeAfter<P>(pool: P, close: (pool: P) => Promise<unknown>): P;
  /**
   * Calls a promise API (through the harness's callPromise) and returns how it settled, never
   * rejecting. While the test waits for tasks to start, a tracked call that rejects fails the
   * wait with its own error: "not written yet" says more than "never started".
   */
  track<T>(label: string, invoke: () => Promise<T>): Promise<Outcome<T>>;
  /** Waits until at least `count` hold/mark tasks have started; `what` names them in the failure message. */
  untilStarted(count: number, what: string): Promise<void>;
  /**
   * Like untilStarted, for a test whose tasks are all `hold`s, none released yet. Then a worker
   * that has started a task is blocked in it, and once every worker alive is blocked and the main
   * thread has nothing left to do, no other task can ever start: the wait fails at once with
   * `whyStuck`, instead of after SLOW_VERDICT_MS.
   */
  untilHeld(count: number, what: string, whyStuck: (started: number, alive: number) => string): Promise<void>;
}

/**
 * Call once per describe. After each test: a passing test that left a worker running fails
 * with a message saying so; whatever is still running (a failing pool) is released, closed and
 * terminated, so the next test starts clean and the run never hangs.
 */
export function usePoolKit(): PoolKit {
  let gate = new Gate();
  let closers: Array<() => Promise<unknown>> = [];
  let rejected: Promise<never>;
  let onRejected: (err: unknown) => void;
  const reset = () => {
    gate = new Gate();
    closers = [];
    rejected = new Promise<never>((_resolve, reject) => (onRejected = reject));
    rejected.catch(() => undefined); // observed only while a test waits for tasks to start
  };
  reset();

  beforeEach(() => {
    startCounting();
    reset();
  });

  afterEach(async function () {
    const left = workerWatch.aliveNow();
    gate.releaseAll();
    if (left.length > 0) {
      for (const close of closers) await withDeadline(close(), 3000);
      for (let round = 0; round < 10 && workerWatch.alive > 0; round++) {
        await Promise.all(workerWatch.aliveNow().map((w) => w.worker.terminate()));
        await nextTurn();
      }
      if (this.currentTest?.state === 'passed') {
        const err = new KataAssertionError(
          `the test ended with ${left.length} worker thread(s) still running (worker ${left.map((w) => w.number).join(', ')}): ` +
            'a pool must stop every worker it started once it is closed.',
        );
        (this.test as unknown as { error(err: Error): void }).error(err);
      }
    }
    // One more turn: a worker's async resource is destroyed a turn after its 'exit', and the root
    // hooks' leak check comes next.
    await nextTurn();
  });

  const untilStarted = (count: number, what: string) =>
    waitFor(Promise.race([gate.whenStarted(count), rejected]), {
      stuck: () => `${what} never started: no worker is alive to run it, and nothing is left to start one. A worker that dies must be replaced.`,
      slow: () => `${what} did not start within ${SLOW_VERDICT_MS / 1000} s (started so far: ${gate.started().join(', ') || 'none'}), though a worker is alive: is it stuck in the queue?`,
    });

  return {
    get gate() {
      return gate;
    },
    workers: workerWatch,
    closeAfter(pool, close) {
      closers.push(() => close(pool));
      return pool;
    },
    track<T>(label: string, invoke: () => Promise<T>) {
      const settled = outcome(callPromise(label, invoke));
      void settled.then((o) => {
        if (!o.ok) onRejected(o.error);
      });
      return settled;
    },
    untilStarted,
    async untilHeld(count, what, whyStuck) {
      for (;;) {
        if (gate.count >= count) return;
        // A worker alive and not blocked (starting, or free): the next task can still start on it.
        if (workerWatch.alive > gate.count) {
          await untilStarted(gate.count + 1, what);
          continue;
        }
        // Raced with `rejected`, as untilStarted is: a run() that rejects says more than "stuck".
        const verdict = await Promise.race([untilDoneOrStalled({ done: () => gate.count >= count || workerWatch.alive > gate.count }), rejected]);
        if (verdict === 'stalled') throw new KataAssertionError(whyStuck(gate.count, workerWatch.alive));
      }
    },
  };
}

/**
 * For what the main thread alone decides (an abort, a refusal): resolves with what `tracked`
 * (a promise that never rejects, from `kit.track`) resolves to, or fails with `failure` once
 * the main thread has nothing left to do and it still has not settled.
 */
export async function settlesOnItsOwn<T>(tracked: Promise<T>, failure: string): Promise<T> {
  let settled: { value: T } | undefined;
  void tracked.then((value) => (settled = { value }));
  const verdict = await untilDoneOrStalled({ done: () => settled !== undefined });
  if (verdict === 'stalled') throw new KataAssertionError(failure);
  return settled!.value;
}

/** Settles when `promise` does, or after `ms`, whichever is first; never rejects. */
async function withDeadline(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([promise.catch(() => undefined), new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}

/** A callback-style close as a promise, for cleanup. */
export function closeWithCallback(pool: { close(callback: (err?: Error | null) => void): void }): Promise<void> {
  return new Promise<void>((resolve) => pool.close(() => resolve()));
}
