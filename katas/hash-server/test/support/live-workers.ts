/**
 * Worker threads alive right now, and "wait for this promise, or tell me it never settles" for
 * code that hands its work to worker threads.
 *
 * The harness's quiet detector (untilDoneOrStalled) sees the main thread only: while a worker
 * computes, the main thread has nothing to do and looks stalled. Here a live worker counts as
 * work, so a stall is declared only once the main thread is quiet AND no worker is running.
 * (The harness could offer this as an option of `watch`; see the kata's report.)
 *
 * @example
 * const result = await settleOrStall(post(url, '/hash', job));
 * if (result === 'stalled') throw new KataAssertionError('POST /hash never answered');
 */
import { createHook } from 'node:async_hooks';

import { type Outcome, outcome, untilDoneOrStalled } from '../../../../src/harness';

// Captured at load, like the harness's own timers: a test that fakes time must not stop the wait.
const realSetTimeout = setTimeout;
const realClearTimeout = clearTimeout;

// asyncId -> the worker's handle (what async_hooks sees of a Worker).
const alive = new Map<number, { unref?: () => void }>();
createHook({
  init(asyncId, type, _trigger, resource) {
    if (type === 'WORKER') alive.set(asyncId, resource as { unref?: () => void });
  },
  destroy(asyncId) {
    alive.delete(asyncId);
  },
}).enable();

/** Worker threads started and not yet exited, in this process. */
export function liveWorkers(): number {
  return alive.size;
}

/** How long workers may take to exit after a test before they count as left running. */
export const EXIT_FLOOR_MS = 1000;

/**
 * After a test: waits for the workers still alive to exit. A worker that posted its answer ends
 * by itself a moment later, which is fine; one still alive after EXIT_FLOOR_MS is left running
 * (the root hooks then report it on the test) and is unref'd, so that it cannot keep the whole
 * run from ending. The floor only delays that verdict: workers that exit never wait for it.
 */
export async function settleWorkers(): Promise<void> {
  const start = performance.now();
  while (alive.size > 0 && performance.now() - start < EXIT_FLOOR_MS) {
    await new Promise<void>((resolve) => realSetTimeout(resolve, 10));
  }
  for (const handle of alive.values()) handle.unref?.();
}

/**
 * Waits (at most 50 turns) until no more than `atMost` workers are alive (an exited worker is
 * reported gone a turn or two later); resolves with how many are alive.
 */
export async function workersGone(atMost = 0): Promise<number> {
  for (let turn = 0; turn < 50 && alive.size > atMost; turn += 1) {
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  return alive.size;
}

/**
 * Resolves with how `promise` settled, or 'stalled' once it is clear it never will: no worker
 * thread alive, and the main thread quiet for 20 turns and 250 ms (the harness's stall rule).
 */
export async function settleOrStall<T>(promise: Promise<T>): Promise<Outcome<T> | 'stalled'> {
  let settled: Outcome<T> | undefined;
  const tracked = outcome(promise).then((o) => {
    settled = o;
  });
  // Read through a function: the variable changes behind TypeScript's back (in the callback above).
  const result = () => settled;
  for (;;) {
    const done = result();
    if (done) return done;
    if (alive.size > 0) {
      // A worker is computing: poll gently instead of spinning the main thread against it.
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([tracked, new Promise<void>((resolve) => (timer = realSetTimeout(resolve, 10)))]);
      realClearTimeout(timer);
    } else {
      const verdict = await untilDoneOrStalled({ done: () => result() !== undefined || alive.size > 0 });
      if (verdict === 'stalled') return 'stalled';
    }
  }
}
