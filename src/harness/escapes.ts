/**
 * Catching errors that escape from callbacks (thrown where no caller can catch them) and
 * telling which call they came from, even when several calls are pending at once.
 *
 * One router replaces the process's uncaughtException listeners while any capture is active,
 * and puts them back when the last one ends. The router asks AsyncLocalStorage which call the
 * failing callback descends from (the store survives into the uncaughtException handler), and
 * hands the error to that call; errors from nowhere in particular go to the newest catch-all
 * capture, else to the listeners it replaced (mocha's). process.setUncaughtExceptionCaptureCallback
 * cannot be used: it throws while the domain module is loaded, as some loaders and tools do.
 *
 * @example
 * const release = captureUncaught((err) => escaped.push(err)); // everything, until release()
 * const scoped = scopedCapture((err) => fail(err));
 * scoped.run(() => legacyApi(arg, callback));                  // only what descends from this call
 * scoped.release();
 */
import { AsyncLocalStorage } from 'node:async_hooks';

type Listener = (err: unknown, origin?: unknown) => void;

interface Capture {
  onError: Listener;
  live: boolean;
}

const owner = new AsyncLocalStorage<Capture>();
const catchAll: Capture[] = [];
let replaced: Listener[] | undefined;
let users = 0;

function router(err: unknown, origin?: unknown): void {
  const scoped = owner.getStore();
  if (scoped?.live) return scoped.onError(err);
  const newest = catchAll[catchAll.length - 1];
  if (newest) return newest.onError(err);
  for (const listener of replaced ?? []) listener.call(process, err, origin);
}

function acquire(): void {
  if (users++ > 0) return;
  replaced = process.listeners('uncaughtException') as Listener[];
  process.removeAllListeners('uncaughtException');
  process.on('uncaughtException', router);
}

function release(): void {
  if (--users > 0) return;
  process.removeListener('uncaughtException', router);
  for (const listener of replaced ?? []) process.on('uncaughtException', listener);
  replaced = undefined;
}

function once(fn: () => void): () => void {
  let done = false;
  return () => {
    if (!done) {
      done = true;
      fn();
    }
  };
}

/** Routes every escaped error to `onError` until the returned function is called. */
export function captureUncaught(onError: (err: unknown) => void): () => void {
  const capture: Capture = { onError, live: true };
  catchAll.push(capture);
  acquire();
  return once(() => {
    capture.live = false;
    catchAll.splice(catchAll.indexOf(capture), 1);
    release();
  });
}

/** A capture of the errors escaping from what `run` starts, and only those. */
export interface ScopedCapture {
  run<T>(fn: () => T): T;
  release(): void;
}

export function scopedCapture(onError: (err: unknown) => void): ScopedCapture {
  const capture: Capture = { onError, live: true };
  acquire();
  return {
    run: (fn) => owner.run(capture, fn),
    release: once(() => {
      capture.live = false;
      release();
    }),
  };
}
