/**
 * Calling code under test the way its callers do, and failing with a precise message when it
 * breaks the contract of its style:
 * - callback APIs: called twice, never called, called synchronously, an error that escaped;
 * - promise APIs: returned undefined (a forgotten `return`), returned something else, threw
 *   synchronously instead of rejecting.
 *
 * @example
 * const config = await callLegacy('loadConfig(app.json)', (cb) => loadConfig(file, cb));
 * const same = await callPromise('promises.loadConfig(app.json)', () => promises.loadConfig(file));
 * const err = await expectRejection('promises.loadConfig(bad.json)', () => promises.loadConfig(bad));
 */
import { captureUncaught, scopedCapture } from './escapes';
import { countResources, type QuietOptions, whenQuiet } from './quiet';
import { describeValue, messages } from './messages';

/** A failed expectation of the harness; shown by mocha like chai's. */
export class KataAssertionError extends Error {
  override name = 'AssertionError';
}

type NodeCallback<T> = (err: Error | null | undefined, value?: T) => void;

export interface CallLegacyOptions {
  /** Allow the callback to be called before the function returns. Default false. */
  allowSync?: boolean;
  /**
   * Whether sockets, servers and timers opened by the call count as work still to come before
   * the verdict ("never called", "called twice"). Default 'baseline': they do, so a callback
   * a timer or a response will call is waited for. 'ignore' for an API that calls back and
   * leaves a connection open on purpose (a client's `connect(cb)`, an agent's keep-alive
   * socket): the verdict comes once nothing else is in flight. A second call that only a later
   * event on that connection would make is then not waited for: provoke it in the test.
   */
  handles?: QuietOptions['handles'];
}

/**
 * Calls a callback-style API. Resolves with the value it called back with, or rejects with the
 * error it called back with. Rejects with a {@link KataAssertionError} when the callback was
 * called twice, never called (once every operation had finished), or synchronously; or when an
 * error escaped from inside a callback.
 */
export async function callLegacy<T>(label: string, invoke: (callback: NodeCallback<T>) => void, options: CallLegacyOptions = {}): Promise<T> {
  // mocha arms the test's own timer just after the test function's synchronous part returns;
  // let it, so the baseline below includes it and it is not taken for work still pending.
  await Promise.resolve();
  return new Promise<T>((resolve, reject) => {
    const calls: Array<{ err: Error | null | undefined; value: T | undefined }> = [];
    let returned = false;
    let calledSync = false;
    let done = false;
    const baseline = countResources();
    const escapes = scopedCapture((err) => finish(new KataAssertionError(`${label}: ${messages.escapedException(err)}`)));

    function finish(failure?: Error): void {
      if (done) return;
      done = true;
      escapes.release();
      if (failure) return reject(failure);
      const first = calls[0]!;
      if (first.err) reject(first.err);
      else resolve(first.value as T);
    }

    async function verdict(): Promise<void> {
      await whenQuiet({ baseline, handles: options.handles ?? 'baseline', cancelled: () => done });
      if (calls.length === 0) return finish(new KataAssertionError(messages.callbackNeverCalled(label)));
      if (calls.length > 1) {
        const show = (c: (typeof calls)[number]) => (c.err ? c.err : c.value);
        return finish(new KataAssertionError(messages.callbackCalledTwice(label, show(calls[0]!), show(calls[1]!))));
      }
      if (calledSync && !options.allowSync) return finish(new KataAssertionError(messages.callbackCalledSynchronously(label)));
      finish();
    }

    const callback: NodeCallback<T> = (err, value) => {
      calls.push({ err, value });
      if (!returned) calledSync = true;
    };
    try {
      escapes.run(() => invoke(callback));
    } catch (err) {
      return finish(new KataAssertionError(`${label} threw ${describeValue(err)} instead of passing the error to its callback.`));
    } finally {
      returned = true;
    }
    void verdict();
  });
}

/**
 * Calls a promise-returning API. Rejects with a {@link KataAssertionError} when it returned
 * undefined or a non-promise, or threw synchronously; otherwise settles as the promise does.
 */
export async function callPromise<T>(label: string, invoke: () => Promise<T>): Promise<T> {
  let returned: unknown;
  try {
    returned = invoke();
  } catch (err) {
    throw new KataAssertionError(messages.threwSynchronously(label, err));
  }
  if (returned === undefined) throw new KataAssertionError(messages.returnedUndefined(label));
  if (!isThenable(returned)) throw new KataAssertionError(messages.returnedNonPromise(label, returned));
  return (await returned) as T;
}

/**
 * Calls a promise-returning API that must reject, and returns the rejection reason once the work
 * it started has finished. A promise that resolves instead fails with what it resolved to.
 */
export async function expectRejection(label: string, invoke: () => Promise<unknown>): Promise<Error> {
  let value: unknown;
  try {
    value = await callPromise(label, invoke);
  } catch (err) {
    if (err instanceof KataAssertionError) throw err;
    // Promise.all rejects at the first failure while its siblings are still reading: correct
    // code, whose leftover work must end inside this test, not be reported as left running.
    await siblingsSettled();
    return err instanceof Error ? err : new Error(`rejected with a non-Error: ${describeValue(err)}`);
  }
  throw new KataAssertionError(messages.expectedRejection(label, value));
}

const realSetTimeout = setTimeout;
/** Resolves once the work still running has finished (long-lived handles aside), or after 2 s of it. */
async function siblingsSettled(): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<void>((resolve) => {
    timer = realSetTimeout(resolve, 2000);
  });
  await Promise.race([whenQuiet({ handles: 'ignore' }), limit]);
  clearTimeout(timer);
}

/** How a promise settled, for tests that check more than one thing about it. */
export type Outcome<T> = { ok: true; value: T } | { ok: false; error: unknown };

/** Waits for `promise` to settle and says how, without throwing. */
export function outcome<T>(promise: Promise<T>): Promise<Outcome<T>> {
  return promise.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );
}

function isThenable(v: unknown): v is PromiseLike<unknown> {
  return (typeof v === 'object' || typeof v === 'function') && v !== null && typeof (v as { then?: unknown }).then === 'function';
}

/** What {@link expectCallerErrorEscapes} throws from inside the caller's callback. */
export const CALLER_ERROR_MESSAGE = 'thrown by the caller';

/**
 * The safety-net test every callback shim needs: when the caller's own callback throws, that
 * error is the caller's. It must escape as it would from any callback (an uncaught exception),
 * and must never be fed back into the same callback, which is what `.then(cb).catch(cb)` does.
 * `start` calls the API with the callback it is given. Resolves with the arguments of the one
 * call, for the test to clean up after (close a server it was handed) or check further.
 *
 * @example
 * const [[err, config]] = await expectCallerErrorEscapes('loadConfig', (cb) => loadConfig(file, cb));
 */
export async function expectCallerErrorEscapes(label: string, start: (callback: (...args: unknown[]) => void) => void, quiet: QuietOptions = {}): Promise<unknown[][]> {
  const calls: unknown[][] = [];
  const escaped: unknown[] = [];
  const restore = captureUncaught((err) => escaped.push(err));
  try {
    start((...args: unknown[]) => {
      calls.push(args);
      throw new Error(CALLER_ERROR_MESSAGE);
    });
    await whenQuiet(quiet);
  } finally {
    restore();
  }
  if (calls.length === 0) throw new KataAssertionError(messages.callbackNeverCalled(label));
  if (calls.length > 1) throw new KataAssertionError(messages.callerErrorFedBack(label, calls.length, calls[1]![0]));
  const own = escaped.filter((e) => e instanceof Error && e.message === CALLER_ERROR_MESSAGE);
  if (own.length !== 1 || escaped.length !== 1) throw new KataAssertionError(messages.callerErrorSwallowed(label, escaped));
  return calls;
}
