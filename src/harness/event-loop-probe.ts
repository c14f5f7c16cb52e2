/**
 * Did the main thread stay responsive while a job ran, and did the job really start a worker
 * thread? For katas that move CPU-heavy work off the main thread.
 *
 * Counting heartbeats is fooled by a job that awaits some I/O and then blocks (it still gets
 * dozens of beats in), and `monitorEventLoopDelay()` never samples during a job that blocks from
 * the start. What holds on a loaded machine is the stall fraction: the longest gap between two
 * beats of a 1 ms interval, divided by the job's duration. Load stretches both sides alike.
 * Measured on a loaded 2-core machine: sync work 1.00, await-then-block 0.82-0.93, a worker
 * 0.01-0.05; the default bound of 0.5 separated them in every one of 20 runs each.
 *
 * @example
 * const digest = await expectWorkerStarted('hashAll(files)', () =>
 *   expectResponsive('hashAll(files)', () => hashAll(files)),
 * );
 */
import { createHook } from 'node:async_hooks';
import { performance } from 'node:perf_hooks';

import { KataAssertionError } from './callbacks';
import { probeMessages } from './messages/probes';

// Captured when this module loads: fake timers installed by a test later must not stop the heartbeat.
const realSetInterval = globalThis.setInterval;
const realClearInterval = globalThis.clearInterval;

/** What {@link measureResponsiveness} saw while the job ran. */
export interface Responsiveness<T> {
  /** What the job resolved to. */
  result: T;
  /** Longest time without a heartbeat, divided by the job's duration: 0 (always responsive) to 1 (blocked throughout). */
  stallFraction: number;
  /** Longest time without a heartbeat, in ms (from the start, between beats, or until the end). */
  longestGapMs: number;
  /** Heartbeats that ran during the job. */
  beats: number;
  /** How long the job took, in ms. */
  durationMs: number;
}

export interface ResponsivenessOptions {
  /** Highest stall fraction that passes. Default 0.5. */
  maxStallFraction?: number;
  /**
   * A job shorter than this is reported as a problem of the test: a few milliseconds of blocking
   * cannot be told from scheduling noise. Default 20 ms. Load only makes jobs longer, so this
   * never fails correct code because the machine is busy.
   */
  minDurationMs?: number;
}

/**
 * Runs `job` with a 1 ms heartbeat on the main thread and reports the stall fraction. Rejects as
 * the job does (after stopping the heartbeat). A job that throws synchronously is a rejection too.
 *
 * @example
 * const { result, stallFraction } = await measureResponsiveness(() => resizeAll(images));
 * expect(stallFraction).to.be.below(0.5);
 */
export async function measureResponsiveness<T>(job: () => Promise<T> | T): Promise<Responsiveness<T>> {
  let beats = 0;
  const start = performance.now();
  let last = start;
  let longestGapMs = 0;
  const heartbeat = realSetInterval(() => {
    const now = performance.now();
    longestGapMs = Math.max(longestGapMs, now - last);
    last = now;
    beats += 1;
  }, 1);
  let result: T;
  try {
    // Called inside the try, so a synchronous throw stops the heartbeat and becomes a rejection.
    result = await job();
  } finally {
    realClearInterval(heartbeat);
  }
  const end = performance.now();
  // The gap that ends the job counts too: a job that blocks to the end never lets a beat close it.
  longestGapMs = Math.max(longestGapMs, end - last);
  const durationMs = end - start;
  const stallFraction = durationMs > 0 ? Math.min(1, longestGapMs / durationMs) : 1;
  return { result, stallFraction, longestGapMs, beats, durationMs };
}

/**
 * Runs `job` and resolves with its result if the main thread stayed responsive; rejects with a
 * {@link KataAssertionError} that tells the learner how long the event loop was blocked otherwise.
 *
 * @example
 * const sums = await expectResponsive('checksumAll(files)', () => checksumAll(files));
 */
export async function expectResponsive<T>(label: string, job: () => Promise<T> | T, options: ResponsivenessOptions = {}): Promise<T> {
  const { maxStallFraction = 0.5, minDurationMs = 20 } = options;
  const seen = await measureResponsiveness(job);
  // Checked first: no beat can fit in a job of a few ms, so its stall fraction is always near 1.
  if (seen.durationMs < minDurationMs) {
    throw new KataAssertionError(probeMessages.jobTooShortToJudge(label, seen.durationMs, minDurationMs));
  }
  if (seen.stallFraction > maxStallFraction) {
    throw new KataAssertionError(probeMessages.blockedEventLoop(label, seen.stallFraction, seen.longestGapMs, seen.durationMs, seen.beats));
  }
  return seen.result;
}

/**
 * Runs `job` and counts the worker threads started in the process meanwhile (async_hooks `init`
 * of type WORKER, which fires in the `Worker` constructor whatever wrapper the learner used).
 * Tests run one at a time, so every worker started in the window belongs to the job.
 *
 * @example
 * const { result, workersStarted } = await countWorkersStarted(() => hashAll(files));
 */
export async function countWorkersStarted<T>(job: () => Promise<T> | T): Promise<{ result: T; workersStarted: number }> {
  let workersStarted = 0;
  const hook = createHook({
    init(_asyncId, type) {
      if (type === 'WORKER') workersStarted += 1;
    },
  });
  hook.enable();
  let result: T;
  try {
    result = await job();
  } finally {
    hook.disable();
  }
  return { result, workersStarted };
}

/**
 * Runs `job` and resolves with its result if it started at least one worker thread; rejects with
 * "no worker thread was started" otherwise. Nest it with {@link expectResponsive} to check both
 * in one run: a worker that is started but then awaited with a blocking loop fails the other.
 *
 * @example
 * await expectWorkerStarted('hashAll(files)', () => hashAll(files));
 */
export async function expectWorkerStarted<T>(label: string, job: () => Promise<T> | T): Promise<T> {
  const { result, workersStarted } = await countWorkersStarted(job);
  if (workersStarted === 0) throw new KataAssertionError(probeMessages.noWorkerStarted(label));
  return result;
}
