/**
 * Root hooks loaded into every mocha run of this library (`--require`): they turn three silent
 * or cryptic failures into a failure of the test that caused them, with a plain message.
 *
 * - An unhandled promise rejection: mocha passes it silently and exits 0 (mocha#5507), and
 *   `--unhandled-rejections=strict` aborts the whole run. Here it fails the current test only.
 * - An error thrown inside a callback: mocha says "Uncaught SyntaxError"; mocha is now handed an
 *   error that says that the error escaped and why that matters, with the original as `cause`.
 * - Something left open (server, socket, timer, file, worker): without `--exit` mocha would hang
 *   with no culprit named; the leak check names it on the test that left it.
 */
import type { Context, RootHookObject } from 'mocha';

import { fsFaults } from './fs-faults';
import { transientWorkSettled, findLeaks, takeSnapshot, terminateWorkersSince, type ResourceSnapshot } from './leaks';
import { messages } from './messages';
import { whenQuiet } from './quiet';

const reported = new WeakSet<Promise<unknown>>();
const pendingFailures: Error[] = [];
let before: ResourceSnapshot | undefined;

process.on('unhandledRejection', (reason: unknown, promise: Promise<unknown>) => {
  // mocha re-emits the event it traps; count each promise once.
  if (reported.has(promise)) return;
  reported.add(promise);
  // The rejection's own stack goes into ours, so the learner sees where it came from. Not also as
  // `cause`: mocha would print it a second time.
  const err = new Error(messages.unhandledRejection(reason));
  err.stack = reason instanceof Error && reason.stack ? `${err.message}\n  caused by: ${reason.stack}` : err.message;
  pendingFailures.push(err);
});

/**
 * The error mocha is given for one that escaped: a new Error that says what happened, with the
 * original as its `cause` and the original's stack under the new first line. A new error, not the
 * original rewritten: an error can have a read-only `stack` (one a worker thread threw arrives
 * through structured clone, and from Node 22 on its `stack` is not writable).
 */
const explained = new WeakMap<object, Error>();
function explainEscaped(err: unknown): unknown {
  if (!(err instanceof Error) || isMochaError(err)) return err;
  const known = explained.get(err);
  if (known) return known;
  const explanation = new Error(messages.escapedException(err), { cause: err });
  explanation.name = err.name;
  const header = `${err.name}: ${err.message}`;
  const frames = typeof err.stack === 'string' && err.stack.includes(header) ? err.stack.slice(err.stack.indexOf(header) + header.length) : '';
  explanation.stack = `${explanation.name}: ${explanation.message}${frames}`;
  explained.set(err, explanation);
  explained.set(explanation, explanation);
  return explanation;
}

function isMochaError(err: Error): boolean {
  const { code } = err as { code?: unknown };
  return typeof code === 'string' && code.startsWith('ERR_MOCHA_');
}

type UncaughtListener = (err: unknown, origin?: unknown) => void;
let mochaListeners: UncaughtListener[] = [];
/** Stands in for mocha's uncaughtException listener during the run, handing it the explained error. */
function explainingListener(err: unknown, origin?: unknown): void {
  const explanation = explainEscaped(err);
  for (const listener of mochaListeners) listener.call(process, explanation, origin);
}

const realSetTimeout = setTimeout;
/**
 * The longest the hooks wait for a test's leftover work to finish. A bound, not a verdict: work
 * that outlives it is still reported as left running; only what it does later is no longer
 * pinned on this test.
 */
const DRAIN_LIMIT_MS = 2000;
/**
 * The longest a client socket whose server has closed (or a server closing, or an immediate queued
 * by a teardown) may take to go before it counts as left open.
 */
const SETTLE_LIMIT_MS = 2000;

/** Resolves once nothing is left running but long-lived handles (a leaked server, a timer), or at the limit. */
async function drain(): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  let over = false;
  const limit = new Promise<void>((resolve) => {
    timer = realSetTimeout(() => {
      over = true;
      resolve();
    }, DRAIN_LIMIT_MS);
  });
  // At the limit the poll stops too: left polling, it would run on into the next test.
  await Promise.race([whenQuiet({ handles: 'ignore', cancelled: () => over }), limit]);
  clearTimeout(timer);
}

/** Waits one turn of the event loop, so closes requested at the end of a test can complete. */
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

export const mochaHooks: RootHookObject = {
  beforeAll() {
    // mocha adds its listener when the run starts, after this file loads: take its place now.
    mochaListeners = process.listeners('uncaughtException') as UncaughtListener[];
    process.removeAllListeners('uncaughtException');
    process.on('uncaughtException', explainingListener);
  },
  afterAll() {
    process.removeListener('uncaughtException', explainingListener);
    for (const listener of mochaListeners) process.on('uncaughtException', listener);
    mochaListeners = [];
  },
  async beforeEach(this: Context) {
    pendingFailures.length = 0;
    fsFaults.reset();
    // Snapshot after one turn, as afterEach does: mocha's timer for an async hook only shows
    // then, and both snapshots must include their hook's own timer to compare equal.
    await nextTurn();
    before = await takeSnapshot();
  },
  async afterEach(this: Context) {
    // Room for closing sockets and draining leftover work (below) on top of the usual time for this hook.
    const allowed = this.timeout();
    if (allowed > 0) this.timeout(allowed + SETTLE_LIMIT_MS + DRAIN_LIMIT_MS);
    fsFaults.reset();
    await nextTurn();
    const failures: Error[] = [];
    if (before && process.env.KATA_LEAK_CHECK !== 'off') {
      let leaks = findLeaks(before, await takeSnapshot());
      if (leaks.length > 0) {
        // A socket whose peer has closed is not a leak, only slow to notice: give it time.
        await transientWorkSettled(before, SETTLE_LIMIT_MS);
        leaks = findLeaks(before, await takeSnapshot());
      }
      if (leaks.length > 0) {
        failures.push(new Error(messages.leaked(leaks)));
        // Work still running (a promise nobody awaited) must finish here, not during the next
        // test: whatever it does on the way (a rejection nobody handles, an escaped error) is
        // this test's, and the next test starts from a quiet process. The same code then gets
        // the same verdict on every run, whichever test happens to run next.
        await drain();
      }
      // Reported; now stop them, or a leaked worker keeps the whole run alive (no --exit here).
      await terminateWorkersSince(before);
    }
    failures.unshift(...pendingFailures.splice(0));
    if (failures.length > 0 && this.currentTest?.state !== 'failed') {
      const err = failures.length === 1 ? failures[0]! : new AggregateError(failures, failures.map((f) => f.message).join('\n  and '));
      (this.test as unknown as { error(err: Error): void }).error(err);
    }
  },
};
