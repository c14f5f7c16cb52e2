/**
 * Watches every worker thread the code under test starts: when it started, whether terminate()
 * was called on it, when it exited. Counting from the main thread's side is what makes
 * "never more than N workers", "the crashed worker was replaced" and "no worker left after
 * close()" provable without a clock.
 *
 * It swaps worker_threads.Worker for a subclass when this module loads, so import it before the
 * code under test (the kata's test file does). Code that says `new Worker(...)` or
 * `new worker_threads.Worker(...)` gets the subclass, whatever library wraps it; the subclass
 * changes nothing in how a worker behaves. A worker counts as alive from its constructor to its
 * 'exit' event (the watch's 'exit' listener is the first one, so a pool's own 'exit' handler
 * sees it already counted out).
 *
 * @example
 * const workers = useWorkerWatch();
 * // ...
 * expect(workers.maxAlive).to.be.at.most(2);
 */
import workerThreads = require('node:worker_threads');

/** One worker thread, as the watch saw it. */
export interface WatchedWorker {
  /** 1 for the first worker started in the current test, 2 for the next... */
  readonly number: number;
  readonly worker: workerThreads.Worker;
  terminateCalled: boolean;
  /** Null while it runs. */
  exitCode: number | null;
  readonly exited: Promise<number>;
}

const OriginalWorker = workerThreads.Worker;
const everyWorker: WatchedWorker[] = [];
let alive = 0;
let maxAlive = 0;
let firstOfTest = 0;
const aliveListeners = new Set<() => void>();

class WatchedWorkerThread extends OriginalWorker {
  readonly #watched: WatchedWorker;

  constructor(filename: string | URL, options?: workerThreads.WorkerOptions) {
    super(filename, options);
    let onExit!: (code: number) => void;
    const exited = new Promise<number>((resolve) => (onExit = resolve));
    this.#watched = { number: everyWorker.length - firstOfTest + 1, worker: this, terminateCalled: false, exitCode: null, exited };
    everyWorker.push(this.#watched);
    alive += 1;
    maxAlive = Math.max(maxAlive, alive);
    this.once('exit', (code: number) => {
      this.#watched.exitCode = code;
      alive -= 1;
      onExit(code);
      for (const listener of aliveListeners) listener();
    });
  }

  override terminate(): Promise<number> {
    this.#watched.terminateCalled = true;
    return super.terminate();
  }
}

(workerThreads as { Worker: typeof OriginalWorker }).Worker = WatchedWorkerThread;

/** What the watch saw in the current test. */
export interface WorkerWatch {
  /** Workers started since the test began. */
  readonly started: number;
  /** Workers started and not exited, now. */
  readonly alive: number;
  /** The most workers alive at once since the test began. */
  readonly maxAlive: number;
  /** The workers started in this test, in the order they were started. */
  list(): WatchedWorker[];
  /** The workers alive now. */
  aliveNow(): WatchedWorker[];
  /** Resolves the next time no worker is alive (at once if none is). */
  whenNoneAlive(): Promise<void>;
}

export const workerWatch: WorkerWatch = {
  get started() {
    return everyWorker.length - firstOfTest;
  },
  get alive() {
    return alive;
  },
  get maxAlive() {
    return maxAlive;
  },
  list: () => everyWorker.slice(firstOfTest),
  aliveNow: () => everyWorker.filter((w) => w.exitCode === null),
  whenNoneAlive: () =>
    new Promise<void>((resolve) => {
      if (alive === 0) return resolve();
      const listener = () => {
        if (alive === 0) {
          aliveListeners.delete(listener);
          resolve();
        }
      };
      aliveListeners.add(listener);
    }),
};

/** Starts a new count for the next test: its workers are numbered from 1 and maxAlive from what is alive now. */
export function startCounting(): void {
  firstOfTest = everyWorker.length;
  maxAlive = alive;
}
