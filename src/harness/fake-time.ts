/**
 * Fake time for async code (retries, backoff, timeouts), with the traps of sinon's fake timers
 * handled once here instead of in every kata:
 *
 * - Only setTimeout/clearTimeout/setInterval/clearInterval/Date are faked. sinon's default set
 *   also fakes setImmediate, nextTick, queueMicrotask and performance, and `fetch()` then hangs.
 * - `clock.tick()` does not run promise continuations between timers, so a retry loop written
 *   with `await` never reaches its second timer: use {@link FakeTime.tickAsync} (exact times) or
 *   {@link FakeTime.runAllAsync} (the whole chain).
 * - A promise that rejects while the clock is ticking and gets its handler only afterwards is
 *   reported as an unhandled rejection: {@link settleWhileTicking} attaches it first.
 *
 * What cannot be faked, so kata code meant for these tests must avoid it:
 * - `timers/promises` functions are faked only when the code looks them up at call time
 *   (`timersPromises.setTimeout(ms)`); one destructured at import
 *   (`const { setTimeout: sleep } = require('node:timers/promises')`) keeps real time.
 * - `AbortSignal.timeout(ms)` runs on a timer sinon cannot reach (still pending after
 *   `tickAsync(5000)`): use an AbortController and setTimeout instead.
 *
 * @example
 * describe('fetchWithRetry', () => {
 *   const time = useFakeTime();
 *   it('retries after 100 ms, then 200 ms', async () => {
 *     const run = fetchWithRetry(url);
 *     await time.tickAsync(100); // exactly the first retry
 *     const outcome = await time.settleWhileTicking('fetchWithRetry(url)', run);
 *     expect(outcome.ok).to.equal(true);
 *   });
 * });
 */
import * as sinon from 'sinon';

import { KataAssertionError, outcome, type Outcome } from './callbacks';
import { probeMessages } from './messages/probes';

/** The only timer functions faked: the default set also fakes what fetch() and I/O rely on. */
export const FAKED_TIMERS = ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] as const;

export interface FakeTimeOptions {
  /** Where the fake clock starts, as a Date or epoch ms. Default 0 (1970-01-01T00:00:00Z). */
  now?: number | Date;
}

/**
 * Replaces the timer functions in {@link FAKED_TIMERS} with a clock that moves only when told.
 * Call `.restore()` on the result when done (or use {@link useFakeTime}).
 *
 * @example
 * const clock = installFakeTime({ now: new Date('2024-01-01T00:00:00Z') });
 * try {
 *   await clock.tickAsync(1000);
 * } finally {
 *   clock.restore();
 * }
 */
export function installFakeTime(options: FakeTimeOptions = {}): sinon.SinonFakeTimers {
  return sinon.useFakeTimers({ now: options.now ?? 0, toFake: [...FAKED_TIMERS] });
}

/**
 * Ticks the fake clock by `ms` (or through every timer, as new ones are scheduled, when `ms` is
 * 'all') with the outcome of `promise` already observed, and returns it. Rejects with a
 * {@link KataAssertionError} naming `label` when the promise is still pending afterwards.
 *
 * @example
 * const run = loadWithRetry(file);
 * const result = await settleWhileTicking(clock, 'loadWithRetry(file)', run, 'all');
 * if (!result.ok) expect(result.error).to.have.property('code', 'ENOENT');
 */
export async function settleWhileTicking<T>(
  clock: sinon.SinonFakeTimers,
  label: string,
  promise: Promise<T>,
  ms: number | 'all' = 'all',
): Promise<Outcome<T>> {
  let settled: Outcome<T> | undefined;
  // Attached before the clock moves: a rejection during the ticks then always has a handler.
  const observed = outcome(promise).then((o) => (settled = o));
  if (ms === 'all') await clock.runAllAsync();
  else await clock.tickAsync(ms);
  // Continuations queued by the last timer run within these microtask turns.
  for (let i = 0; i < 10 && settled === undefined; i++) await Promise.resolve();
  if (settled === undefined) {
    void observed;
    throw new KataAssertionError(probeMessages.stillPendingAfterFakeTime(label, ms));
  }
  return settled;
}

/** The fake clock of the current test, from {@link useFakeTime}. */
export interface FakeTime {
  /** The sinon clock itself, for anything not covered below. */
  readonly clock: sinon.SinonFakeTimers;
  /** Fake ms since the epoch (what `Date.now()` returns). */
  now(): number;
  /** Moves the clock by `ms`, running each timer due and the promise continuations after it. */
  tickAsync(ms: number): Promise<number>;
  /** Runs every timer, including those scheduled meanwhile, until none is left. */
  runAllAsync(): Promise<number>;
  /** {@link settleWhileTicking} on this clock. */
  settleWhileTicking<T>(label: string, promise: Promise<T>, ms?: number | 'all'): Promise<Outcome<T>>;
}

/**
 * Registers beforeEach/afterEach hooks in the enclosing `describe` that fake time for each test
 * and restore real time after it, even when the test failed.
 *
 * @example
 * describe('retry', () => {
 *   const time = useFakeTime();
 *   it('waits 100 ms before the 2nd attempt', async () => {
 *     const calls: number[] = [];
 *     const run = retry(() => { calls.push(time.now()); throw new Error('busy'); }, { tries: 2 });
 *     const result = await time.settleWhileTicking('retry(...)', run);
 *     expect(calls).to.deep.equal([0, 100]);
 *     expect(result.ok).to.equal(false);
 *   });
 * });
 */
export function useFakeTime(options: FakeTimeOptions = {}): FakeTime {
  let current: sinon.SinonFakeTimers | undefined;
  beforeEach(() => {
    current = installFakeTime(options);
  });
  afterEach(() => {
    current?.restore();
    current = undefined;
  });
  const clock = (): sinon.SinonFakeTimers => {
    if (!current) throw new Error('fake time is only available inside a test of the describe that called useFakeTime()');
    return current;
  };
  return {
    get clock() {
      return clock();
    },
    now: () => clock().now,
    tickAsync: (ms) => clock().tickAsync(ms),
    runAllAsync: () => clock().runAllAsync(),
    settleWhileTicking: (label, promise, ms) => settleWhileTicking(clock(), label, promise, ms),
  };
}
