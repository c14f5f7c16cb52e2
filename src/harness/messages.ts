/**
 * Every message the harness shows a learner, in one place so the wording stays consistent and
 * can be reviewed as a whole. Each says what happened, the usual cause, and what to do next.
 */
import { inspect } from 'node:util';

/** A value as a learner would recognise it, on one line, cut at 160 characters. */
const show = (v: unknown): string => {
  if (v instanceof Error) return `${v.name}: ${v.message}`;
  const s = inspect(v, { depth: 4, breakLength: Infinity, compact: true });
  return s.length > 160 ? `${s.slice(0, 157)}...` : s;
};

export const messages = {
  // Promise discipline
  returnedUndefined: (call: string) =>
    `${call} returned undefined: did you forget to return the promise? ` +
    'An async function returns one for you; a function that builds a .then chain must `return` it.',
  returnedNonPromise: (call: string, value: unknown) =>
    `${call} returned ${show(value)} instead of a Promise. Make it an async function, or return the promise you build.`,
  threwSynchronously: (call: string, err: unknown) =>
    `${call} threw synchronously (${show(err)}) instead of returning a rejected promise. ` +
    'Callers use .catch/await; in an async function a throw becomes a rejection for free.',
  resolvedEarly: (call: string, what: string) =>
    `${call} resolved before ${what}: something inside was not awaited (a forEach(async ...), or a .then without return?).`,

  // Callback discipline
  callbackCalledTwice: (call: string, first: unknown, second: unknown) =>
    `${call} called its callback twice: first with ${show(first)}, then with ${show(second)}. ` +
    'Usually a missing `return` after `callback(err)`, or an error path that does not stop the others.',
  callerErrorFedBack: (call: string, times: number, second: unknown) =>
    `${call} called its callback ${times} times: the second time with ${show(second)}, the error the callback itself threw. ` +
    '`.then(cb).catch(cb)` does that: the .catch catches the caller\'s own exception. util.callbackify calls back outside the promise.',
  callerErrorSwallowed: (call: string, escaped: unknown[]) =>
    escaped.length === 0
      ? `${call} swallowed the error its caller's callback threw: that error belongs to the caller and must escape as it does from any callback (an uncaught exception), not vanish in a promise's .catch or a try/catch around the callback, nor turn into an unhandled rejection because the callback was called inside a .then handler (\`.then((v) => cb(null, v), (e) => cb(e))\`). util.callbackify calls back outside the promise.`
      : `when its caller's callback threw, ${call} let ${escaped.length === 1 ? show(escaped[0]) : `${escaped.length} errors (${escaped.map(show).join(', ')})`} escape instead of just that callback's own error.`,
  callbackNeverCalled: (call: string) =>
    `${call} never called its callback: every file and network operation had finished and nothing was left to wait for. ` +
    'Look for a path that returns without calling back (an empty list, a counter that never reaches 0).',
  callbackCalledSynchronously: (call: string) =>
    `${call} called its callback before returning (synchronously). A callback API must always call back ` +
    'asynchronously, or callers see their code run in an order that depends on the input ("releasing Zalgo"). ' +
    'Defer with process.nextTick or queueMicrotask, or build on a promise.',

  // Escaped errors
  escapedException: (err: unknown) =>
    `this error escaped: it was thrown inside a callback or event handler, where no caller can catch it, ` +
    `so in a real service it would crash the process (${show(err)}). Catch it where it happens and pass it to ` +
    'the callback, or let it reject the promise (inside an async function a throw becomes a rejection).',
  unhandledRejection: (reason: unknown) =>
    `a promise was rejected and nobody handled it (${show(reason)}). ` +
    'A promise that is neither awaited nor returned loses its error: await it, return it, or pass it to Promise.all.',

  // Leaks
  leaked: (items: string[]) =>
    `the test left ${items.length === 1 ? 'something' : 'things'} open after it finished:\n` +
    items.map((i) => `    - ${i}`).join('\n') +
    '\n  Everything a test (or the code under test) opens must be closed before its promise settles.',

  // Unexpected results
  expectedRejection: (call: string, value: unknown) => `${call} resolved with ${show(value)}, but it should have rejected.`,
  wrongErrorMessage: (call: string, err: unknown, wanted: string) =>
    `${call} rejected with ${show(err)}; the error message should mention ${wanted}.`,
  stoppedRunaway: (file: string, times: number) =>
    `the harness stopped a read of ${file} after ${times} reads of that file in one test: the code kept reading it in a loop.`,
  usedSyncCall: (call: string, syncCalls: string[]) =>
    `${call} used ${syncCalls.join(', ')}: a synchronous call blocks the whole process (every other request waits) ` +
    'while the disk works. Use the fs/promises version and await it.',
} as const;

export { show as describeValue };

// The fixtures' own messages live beside them in messages/, one file per area, and are
// reviewed from here with the rest.
export { networkMessages } from './messages/network';
export { probeMessages } from './messages/probes';
export { fsGateMessages } from './messages/fs-gate';
