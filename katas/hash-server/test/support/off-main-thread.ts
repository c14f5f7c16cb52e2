/**
 * "Did the job run off the main thread?", with a message that names the mistake the code made:
 * no worker at all (the job ran on the main thread), or a worker the main thread waited for
 * synchronously (Atomics.wait, a loop over receiveMessageOnPort), which blocks it all the same.
 * The harness's expectResponsive and expectWorkerStarted each see only half of that: nested,
 * the inner one fails first and cannot tell a worker was started.
 *
 * @example
 * const hash = await expectOffMainThread('promises.stretchKey(job)', () => promises.stretchKey(job));
 */
import { countWorkersStarted, KataAssertionError, measureResponsiveness } from '../../../../src/harness';

/** Above this stall fraction the main thread was blocked (event-loop-probe.ts: measured bound). */
const MAX_STALL_FRACTION = 0.5;
/** A job shorter than this cannot be judged (scheduling noise). */
const MIN_DURATION_MS = 20;

const percent = (fraction: number): string => `${Math.round(fraction * 100)}%`;

/**
 * `setup` runs first, in the window where workers are counted but not in the one where the event
 * loop is judged: a pool that starts its workers with the server starts them there.
 */
export async function expectOffMainThread<T>(label: string, job: () => Promise<T>, setup?: () => Promise<void>): Promise<T> {
  const { result: seen, workersStarted } = await countWorkersStarted(async () => {
    await setup?.();
    return measureResponsiveness(job);
  });
  if (seen.durationMs < MIN_DURATION_MS) {
    throw new KataAssertionError(`${label} finished in ${Math.round(seen.durationMs)} ms, too short to judge: a problem of the test, not of your code.`);
  }
  const blocked = `blocked the event loop for ${percent(seen.stallFraction)} of the job (${Math.round(seen.longestGapMs)} ms of ${Math.round(seen.durationMs)} ms without a turn)`;
  if (seen.stallFraction > MAX_STALL_FRACTION && workersStarted === 0) {
    throw new KataAssertionError(
      `${label} ${blocked} and started no worker thread: the job ran on the main thread. An async function is no thread: ` +
        'run stretchKey in src/hash-worker.ts, started with `new Worker(...)` from node:worker_threads.' +
        (seen.beats > 0 ? ' (It awaited something first, then computed: an `await` before heavy work does not move that work off the main thread.)' : ''),
    );
  }
  if (seen.stallFraction > MAX_STALL_FRACTION) {
    throw new KataAssertionError(
      `${label} started ${workersStarted} worker thread(s), yet ${blocked}: the main thread waited for the worker synchronously ` +
        '(Atomics.wait, a loop over receiveMessageOnPort, a busy-wait), or computed the job itself as well. ' +
        "Let the main thread go back to the event loop while the worker computes: `await once(worker, 'message')`.",
    );
  }
  if (workersStarted === 0) {
    throw new KataAssertionError(
      `${label}: no worker thread was started. The job must run in a \`new Worker(...)\` from node:worker_threads (src/hash-worker.ts).`,
    );
  }
  return seen.result;
}
