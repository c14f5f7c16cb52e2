/**
 * "Nothing is left to happen": no file operation, socket, timer or immediate beyond what was
 * there at the start. Lets a test conclude "the callback will never be called" or "it was called
 * only once" as soon as that is certain, without sleeping for a guessed time.
 *
 * Every piece of pending async work in Node is backed by a handle, a request, a timer or an
 * immediate (microtasks and nextTicks drain before the next turn), so a run of turns in which
 * none of them exceeds the baseline means the code under test has nothing left to do. Worker
 * threads are the exception: a message from a worker is not visible here.
 */
export interface QuietOptions {
  /** Consecutive idle turns required. Default 20 (measured robust on a loaded 2-core machine). */
  idleTurns?: number;
  /** Resource counts that do not count as work (taken at the start of the operation). */
  baseline?: Map<string, number>;
  /** Stop polling (and never resolve) once this returns true: the caller no longer needs the answer. */
  cancelled?: () => boolean;
}

export function countResources(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const type of process.getActiveResourcesInfo()) counts.set(type, (counts.get(type) ?? 0) + 1);
  return counts;
}

/**
 * Requests (a file operation, a DNS lookup, a close in progress) and immediates are short-lived:
 * any of them means work is under way, whoever started it. Only long-lived handles (servers,
 * sockets, timers such as mocha's own) are compared with the baseline.
 */
function isRequest(type: string): boolean {
  return type === 'Immediate' || /Req/.test(type);
}

/** Immediates this module has scheduled and that have not run: polls must not see each other. */
let ownImmediates = 0;
function pollNextTurn(fn: () => void): void {
  ownImmediates += 1;
  setImmediate(() => {
    ownImmediates -= 1;
    fn();
  });
}

function busy(baseline: Map<string, number>): boolean {
  for (const [type, count] of countResources()) {
    const n = type === 'Immediate' ? count - ownImmediates : count;
    if (n > 0 && (isRequest(type) || n > (baseline.get(type) ?? 0))) return true;
  }
  return false;
}

/** Resolves once the process has been idle (beyond `baseline`) for `idleTurns` turns in a row. */
export async function whenQuiet(options: QuietOptions = {}): Promise<void> {
  // Called first thing in a test, the default baseline must wait a microtask: mocha arms the
  // test's own timer just after the test function's synchronous part returns.
  if (!options.baseline) await Promise.resolve();
  const { idleTurns = 20, baseline = countResources(), cancelled = () => false } = options;
  return new Promise((resolve) => {
    let idle = 0;
    const turn = () => {
      if (cancelled()) return;
      idle = busy(baseline) ? 0 : idle + 1;
      if (idle >= idleTurns) resolve();
      else pollNextTurn(turn);
    };
    pollNextTurn(turn);
  });
}
