/**
 * worker-pool: runs CPU-heavy tasks on a bounded set of worker threads, so that the main thread
 * stays free to serve requests.
 *
 * A pool is given a tasks module (a file whose exports are the tasks) and a size. Workers are
 * started when there is work, never more than `size` at once; a task waits in a first-in,
 * first-out queue until a worker is free. ArrayBuffers listed in `transfer` move to the worker
 * instead of being copied. A task that throws rejects its own promise; a worker that dies
 * rejects the task it was running and is replaced; an AbortSignal takes a task out of the queue,
 * or terminates the worker running it. `close()` lets the tasks already given finish, then
 * stops every worker.
 *
 * WRONG (kept for the verifier): run() is a util.callbackify shim, but close() was written by hand as
 * promise.then(cb).catch(cb): when the caller's close callback throws, it is called a second time.
 */
import * as os from 'node:os';
import * as path from 'node:path';
import { callbackify } from 'node:util';
import { type TransferListItem, Worker } from 'node:worker_threads';

export type TaskCallback = (err: Error | null, result?: unknown) => void;
export type CloseCallback = (err?: Error | null) => void;

export interface PoolOptions {
  /** Absolute path of the tasks module: each of its exports is a task, called with the payload. */
  tasks: string;
  /** How many worker threads at most. Default: os.availableParallelism(). */
  size?: number;
}

/** What `promises.WorkerPool#run` takes besides the task's name and payload. */
export interface RunOptions {
  /** ArrayBuffers (or MessagePorts) to move to the worker instead of copying them. */
  transfer?: readonly TransferListItem[];
  /** Aborting it takes the task out of the queue, or stops the worker that is running it. */
  signal?: AbortSignal;
}

// The worker file sits next to this one and is the same kind of file: .ts in the tests, .js once
// compiled. A worker thread inherits this thread's execArgv, which is how it gets the TypeScript
// loader the tests run under (node --require …/register-ts.js): pass no execArgv of your own, or
// start from process.execArgv.
const EXT = path.extname(__filename);
const WORKER_FILE = path.join(__dirname, `pool-worker${EXT}`);

/** What pool-worker sends back for each task. */
type Answer = { ok: true; result: unknown } | { ok: false; error: unknown };

interface Job {
  readonly name: string;
  readonly payload: unknown;
  readonly transfer: readonly TransferListItem[];
  resolve(value: unknown): void;
  reject(reason: unknown): void;
}

interface Slot {
  readonly worker: Worker;
  /** The task it is running; kept until the worker exits when the task was aborted. */
  job: Job | undefined;
  /** Terminated after an abort: it takes no more work, and leaves on its 'exit'. */
  retiring: boolean;
  /** What killed it, from its 'error' event ('exit' follows). */
  crash?: unknown;
}

/** An error of the pool itself (closed, worker lost), as opposed to one a task threw. */
export class PoolError extends Error {
  override name = 'PoolError';
}

class PromiseWorkerPool {
  readonly #tasks: string;
  readonly #size: number;
  /** Every worker until its 'exit': at most #size, dying ones included. */
  readonly #slots = new Set<Slot>();
  readonly #queue: Job[] = [];
  #closing: Promise<void> | undefined;
  #drained: (() => void) | undefined;

  constructor({ tasks, size = os.availableParallelism() }: PoolOptions) {
    this.#tasks = tasks;
    this.#size = size;
  }

  /**
   * Resolves with what the task returned, or rejects with what it threw; rejects when its
   * worker dies (that worker is replaced) or when `options.signal` aborts it.
   */
  run<T = unknown>(name: string, payload?: unknown, { transfer = [], signal }: RunOptions = {}): Promise<T> {
    if (this.#closing) return Promise.reject(new PoolError(`cannot run "${name}": the pool is closed`));
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise<T>((resolve, reject) => {
      // A signal often outlives its task (one per request): settling the task detaches it.
      const onAbort = () => this.#abort(job, signal!.reason);
      const detach = () => signal?.removeEventListener('abort', onAbort);
      const job: Job = {
        name,
        payload,
        transfer,
        resolve: (value) => (detach(), resolve(value as T)),
        reject: (reason) => (detach(), reject(reason)),
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#queue.push(job);
      this.#dispatch();
    });
  }

  /** Lets the running and queued tasks finish, refuses new ones, and resolves once every worker has exited. */
  close(): Promise<void> {
    this.#closing ??= this.#drainAndStop();
    return this.#closing;
  }

  async #drainAndStop(): Promise<void> {
    if (this.#busy()) await new Promise<void>((resolve) => (this.#drained = resolve));
    await Promise.all([...this.#slots].map((slot) => slot.worker.terminate()));
  }

  #busy(): boolean {
    return this.#queue.length > 0 || [...this.#slots].some((slot) => slot.job);
  }

  /** Gives queued tasks, oldest first, to idle workers, starting workers while there is room. */
  #dispatch(): void {
    for (const slot of this.#slots) {
      if (this.#queue.length === 0) break;
      if (!slot.job && !slot.retiring) this.#start(slot, this.#queue.shift()!);
    }
    while (this.#queue.length > 0 && this.#slots.size < this.#size) this.#start(this.#spawn(), this.#queue.shift()!);
    if (this.#drained && !this.#busy()) this.#drained();
  }

  #start(slot: Slot, job: Job): void {
    slot.job = job;
    slot.worker.postMessage({ name: job.name, payload: job.payload }, job.transfer);
  }

  #spawn(): Slot {
    const worker = new Worker(WORKER_FILE, { workerData: { tasks: this.#tasks } });
    const slot: Slot = { worker, job: undefined, retiring: false };
    worker.on('message', (answer: Answer) => this.#answered(slot, answer));
    worker.on('error', (err) => (slot.crash = err));
    worker.on('exit', (code) => this.#exited(slot, code));
    this.#slots.add(slot);
    return slot;
  }

  #answered(slot: Slot, answer: Answer): void {
    const job = slot.job!;
    if (!slot.retiring) slot.job = undefined;
    if (answer.ok) job.resolve(answer.result);
    else job.reject(answer.error);
    this.#dispatch();
  }

  /** However a worker ends (crash, process.exit, terminate), its task fails and its slot frees up. */
  #exited(slot: Slot, code: number): void {
    this.#slots.delete(slot);
    slot.job?.reject(slot.crash ?? new PoolError(`the worker running "${slot.job.name}" exited with code ${code}`));
    this.#dispatch();
  }

  #abort(job: Job, reason: unknown): void {
    job.reject(reason);
    const queued = this.#queue.indexOf(job);
    if (queued >= 0) {
      this.#queue.splice(queued, 1);
      return this.#dispatch();
    }
    // Running: only stopping its thread stops the work. 'exit' then frees the slot.
    const slot = [...this.#slots].find((s) => s.job === job)!;
    slot.retiring = true;
    void slot.worker.terminate();
  }
}

/** The promise API. */
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

  close(callback: CloseCallback): void {
    this.#pool
      .close()
      .then(() => callback(null))
      .catch(callback);
  }
}
