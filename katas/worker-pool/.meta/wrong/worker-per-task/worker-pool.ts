/**
 * worker-pool: runs CPU-heavy tasks on worker threads, so that the main thread stays free to
 * serve requests.
 *
 * Each task gets a worker of its own, started for it and terminated after it: no queue, no
 * busy flags, no worker to replace when one dies.
 *
 * WRONG (kept for the verifier): one worker per task, with no bound: a burst of 1000 tasks starts
 * 1000 threads (each with its own heap and event loop) and pays a worker start for every task.
 * `size` is ignored.
 */
import { once } from 'node:events';
import * as path from 'node:path';
import { callbackify } from 'node:util';
import { type TransferListItem, Worker } from 'node:worker_threads';

export type TaskCallback = (err: Error | null, result?: unknown) => void;
export type CloseCallback = (err?: Error | null) => void;

export interface PoolOptions {
  /** Absolute path of the tasks module: each of its exports is a task, called with the payload. */
  tasks: string;
  /** How many worker threads at most. */
  size?: number;
}

/** What `promises.WorkerPool#run` takes besides the task's name and payload. */
export interface RunOptions {
  transfer?: readonly TransferListItem[];
  signal?: AbortSignal;
}

// The worker file sits next to this one and is the same kind of file: .ts in the tests, .js once
// compiled. A worker thread inherits this thread's execArgv, which is how it gets the TypeScript
// loader the tests run under (node --require …/register-ts.js): pass no execArgv of your own, or
// start from process.execArgv.
const EXT = path.extname(__filename);
const WORKER_FILE = path.join(__dirname, `pool-worker${EXT}`);

type Answer = { ok: true; result: unknown } | { ok: false; error: unknown };

class PromiseWorkerPool {
  readonly #tasks: string;
  readonly #running = new Set<Worker>();
  #closed = false;

  constructor({ tasks }: PoolOptions) {
    this.#tasks = tasks;
  }

  run<T = unknown>(name: string, payload?: unknown, { transfer = [], signal }: RunOptions = {}): Promise<T> {
    if (this.#closed) return Promise.reject(new Error(`cannot run "${name}": the pool is closed`));
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise<T>((resolve, reject) => {
      const worker = new Worker(WORKER_FILE, { workerData: { tasks: this.#tasks } });
      this.#running.add(worker);
      const onAbort = () => {
        reject(signal!.reason);
        void worker.terminate();
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      let crash: unknown;
      worker.on('message', (answer: Answer) => {
        if (answer.ok) resolve(answer.result as T);
        else reject(answer.error);
        void worker.terminate();
      });
      worker.on('error', (err) => (crash = err));
      worker.on('exit', (code) => {
        this.#running.delete(worker);
        signal?.removeEventListener('abort', onAbort);
        reject(crash ?? new Error(`the worker running "${name}" exited with code ${code}`));
      });
      worker.postMessage({ name, payload }, transfer);
    });
  }

  async close(): Promise<void> {
    this.#closed = true;
    await Promise.all([...this.#running].map((worker) => once(worker, 'exit')));
  }
}

export const promises = { WorkerPool: PromiseWorkerPool };

type RunWithCallback = {
  (name: string, payload: unknown, callback: TaskCallback): void;
  (name: string, payload: unknown, transferList: TransferListItem[], callback: TaskCallback): void;
};

/** The callback API old callers use: a shim over the promise API. */
export class WorkerPool {
  readonly #pool: PromiseWorkerPool;

  constructor(options: PoolOptions) {
    this.#pool = new PromiseWorkerPool(options);
  }

  readonly run = callbackify((name: string, payload: unknown, transferList: TransferListItem[] = []) =>
    this.#pool.run(name, payload, { transfer: transferList }),
  ) as RunWithCallback;

  readonly close: (callback: CloseCallback) => void = callbackify(() => this.#pool.close());
}
