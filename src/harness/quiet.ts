/**
 * "Nothing is left to happen": the one mechanism every detector uses to conclude without a
 * clock that code has finished, or stalled: "the callback will never be called", "it was called
 * only once", "only 1 request was in flight when the loop went quiet".
 *
 * Every piece of pending async work in Node is backed by a request, an immediate, a timer or a
 * handle (microtasks and nextTicks drain before the next turn), so a run of turns with no work
 * means the code under test has nothing left to do. What counts as work is a policy:
 * - requests (a file operation, a DNS lookup, a close in progress) and immediates always do;
 * - handles (sockets, servers) and timers do when `handles` is 'baseline' and there are more of
 *   a kind than at the start: a legacy http.get in flight, a backoff timer. A detector watching
 *   for a stall sets 'ignore': a keep-alive socket or a client's own timeout is not progress.
 * A live worker thread counts like a handle: work under the baseline policy, not otherwise (a
 * pool keeps idle workers alive).
 *
 * Polling uses the real setImmediate and clock captured at load, so it keeps working while a
 * test fakes time.
 *
 * @example
 * await whenQuiet();                                          // nothing left running
 * const verdict = await watch({ done: () => held >= 3, progress: () => arrived, floorMs: 250, handles: 'ignore' });
 */
import { liveWorkerCount } from './leaks';
import { activeResources, isRequest } from './resources';
import { onTheWire } from './wire';

const realSetImmediate = setImmediate;
const realNow = performance.now.bind(performance);

export interface WatchOptions {
  /** Resolve 'done' as soon as this holds. */
  done?: () => boolean;
  /** A number that changes when the code under test makes progress; a change resets the count. */
  progress?: () => number;
  /** Consecutive turns without work before 'quiet'. Default 20 (measured robust on a loaded 2-core machine). */
  idleTurns?: number;
  /** Also at least this many real ms without work. Default 0. It only delays a failure verdict. */
  floorMs?: number;
  /** Whether more handles and timers than at the start count as work. Default 'baseline'. */
  handles?: 'baseline' | 'ignore';
  /** Resource counts at the start of the operation. Default: taken one microtask after the call. */
  baseline?: Map<string, number>;
  /** Requests the caller holds open on purpose (a probe's blocked reads): not work. */
  heldRequests?: () => number;
  /** Stop polling (the promise then never settles): the caller no longer needs the answer. */
  cancelled?: () => boolean;
  /**
   * Ports of this machine's servers. Where the kernel can say (wire.ts), once the loop has been
   * idle for `idleTurns` and every connection to these ports has closed with nothing queued,
   * 'quiet' comes without waiting for `floorMs`. Only for a step on the passing path of code
   * whose timers are all faked: the floor also covers a short real timer, which the wire does
   * not show.
   */
  wire?: readonly number[];
}

export type QuietOptions = Omit<WatchOptions, 'done' | 'progress'>;

/**
 * Count of each kind of pending work (resources.ts: the same on every Node line), plus 'Worker'
 * for live worker threads: a worker computing is work still to come.
 */
export function countResources(): Map<string, number> {
  const counts = activeResources();
  const workers = liveWorkerCount();
  if (workers > 0) counts.set('Worker', workers);
  return counts;
}

/** Immediates this module has scheduled and that have not run: polls must not see each other. */
let ownImmediates = 0;
function pollNextTurn(fn: () => void): void {
  ownImmediates += 1;
  realSetImmediate(() => {
    ownImmediates -= 1;
    fn();
  });
}

function working(options: WatchOptions, baseline: Map<string, number>): boolean {
  let requests = 0;
  for (const [type, count] of countResources()) {
    if (type === 'Immediate') {
      if (count > ownImmediates) return true;
    } else if (isRequest(type)) {
      requests += count;
    } else if (options.handles !== 'ignore' && count > (baseline.get(type) ?? 0)) {
      return true;
    }
  }
  return requests > (options.heldRequests?.() ?? 0);
}

/**
 * Polls once per turn. Resolves 'done' as soon as `done()` holds, or 'quiet' once there was no
 * work and no progress for `idleTurns` turns and `floorMs` ms.
 */
export async function watch(options: WatchOptions = {}): Promise<'done' | 'quiet'> {
  // Called first thing in a test, the default baseline must wait a microtask: mocha arms the
  // test's own timer just after the test function's synchronous part returns.
  if (!options.baseline) await Promise.resolve();
  const { idleTurns = 20, floorMs = 0, baseline = countResources(), cancelled = () => false, done = () => false, progress = () => 0 } = options;
  return new Promise((resolve) => {
    let idle = 0;
    let quietSince = realNow();
    let seen = progress();
    const turn = () => {
      if (cancelled()) return;
      if (done()) return resolve('done');
      const now = progress();
      if (now !== seen || working(options, baseline)) {
        seen = now;
        idle = 0;
        quietSince = realNow();
      } else {
        idle += 1;
      }
      if (idle >= idleTurns && realNow() - quietSince >= floorMs) return resolve('quiet');
      // The wire is read once per `idleTurns` idle turns: a read of the tables costs far more than a turn.
      if (options.wire && idle >= idleTurns && (idle - idleTurns) % idleTurns === 0 && onTheWire(options.wire) === 0) return resolve('quiet');
      pollNextTurn(turn);
    };
    pollNextTurn(turn);
  });
}

/** Resolves once the process has had no work (beyond `baseline`) for `idleTurns` turns in a row. */
export async function whenQuiet(options: QuietOptions = {}): Promise<void> {
  await watch(options);
}

/**
 * Whether the call under test has settled yet, read on each turn of a wait: `settling` is its
 * promise, or a function that already says so; without one, never. A proof given the call stops
 * as soon as the call has failed ("not written yet") instead of waiting out the stall floor.
 */
export function settledYet(settling: Promise<unknown> | (() => boolean) | undefined): () => boolean {
  if (typeof settling === 'function') return settling;
  let settled = false;
  settling?.then(
    () => (settled = true),
    () => (settled = true),
  );
  return () => settled;
}

/** The stall floor: measured robust on a loaded 2-core machine; correct code never waits for it. */
export const STALL_FLOOR_MS = 250;

/**
 * For detectors of "it should be doing N things at once": resolves 'done' as soon as `done()`
 * holds, or 'stalled' once nothing but long-lived handles existed and nothing progressed for 20
 * turns and 250 ms, i.e. `done()` will never hold.
 */
export async function untilDoneOrStalled(options: Omit<WatchOptions, 'handles'>): Promise<'done' | 'stalled'> {
  const verdict = await watch({ floorMs: STALL_FLOOR_MS, ...options, handles: 'ignore' });
  return verdict === 'done' ? 'done' : 'stalled';
}
