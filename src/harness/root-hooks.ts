/**
 * Root hooks loaded into every mocha run of this library (`--require`): they turn three silent
 * or cryptic failures into a failure of the test that caused them, with a plain message.
 *
 * - An unhandled promise rejection: mocha passes it silently and exits 0 (mocha#5507), and
 *   `--unhandled-rejections=strict` aborts the whole run. Here it fails the current test only.
 * - An error thrown inside a callback: mocha says "Uncaught SyntaxError"; the message now says
 *   that the error escaped and why that matters.
 * - Something left open (server, socket, timer, file, worker): without `--exit` mocha would hang
 *   with no culprit named; the leak check names it on the test that left it.
 */
import type { Context, RootHookObject } from 'mocha';

import { fsFaults } from './fs-faults';
import { findLeaks, takeSnapshot, terminateWorkersSince, type ResourceSnapshot } from './leaks';
import { messages } from './messages';

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

const annotated = new WeakSet<object>();
process.prependListener('uncaughtException', (err: unknown) => {
  if (!(err instanceof Error) || annotated.has(err) || isMochaError(err)) return;
  annotated.add(err);
  const header = `${err.name}: ${err.message}`;
  err.message = messages.escapedException(err);
  // mocha prints the stack, which was computed with the old message: rewrite its first line too.
  if (err.stack?.startsWith(header)) err.stack = `${err.name}: ${err.message}${err.stack.slice(header.length)}`;
});

function isMochaError(err: Error): boolean {
  const { code } = err as { code?: unknown };
  return typeof code === 'string' && code.startsWith('ERR_MOCHA_');
}

/** Waits one turn of the event loop, so closes requested at the end of a test can complete. */
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

export const mochaHooks: RootHookObject = {
  async beforeEach(this: Context) {
    pendingFailures.length = 0;
    fsFaults.reset();
    // Snapshot after one turn, as afterEach does: mocha's timer for an async hook only shows
    // then, and both snapshots must include their hook's own timer to compare equal.
    await nextTurn();
    before = await takeSnapshot();
  },
  async afterEach(this: Context) {
    fsFaults.reset();
    await nextTurn();
    const failures = pendingFailures.splice(0);
    if (before && process.env.KATA_LEAK_CHECK !== 'off') {
      const leaks = findLeaks(before, await takeSnapshot());
      if (leaks.length > 0) failures.push(new Error(messages.leaked(leaks)));
      // Reported; now stop them, or a leaked worker keeps the whole run alive (no --exit here).
      await terminateWorkersSince(before);
    }
    if (failures.length > 0 && this.currentTest?.state !== 'failed') {
      const err = failures.length === 1 ? failures[0]! : new AggregateError(failures, failures.map((f) => f.message).join('\n  and '));
      (this.test as unknown as { error(err: Error): void }).error(err);
    }
  },
};
