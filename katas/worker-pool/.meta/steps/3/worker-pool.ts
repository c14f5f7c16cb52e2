/**
 * worker-pool: runs CPU-heavy tasks on a fixed set of worker threads, so that the main thread
 * stays free to serve requests.
 *
 * A pool is given a tasks module (a file whose exports are the tasks) and a size. Every worker
 * loads that module; `run(name, payload, callback)` calls `tasks[name](payload)` on a free
 * worker, or queues the task until a worker is free. ArrayBuffers listed in `transferList` move
 * to the worker instead of being copied: the caller's buffer is left empty (byteLength 0).
 *
 * Written in 2015 for child_process.fork, and ported to worker_threads in 2019 without changing
 * its design. It works on the happy path. Your job is in README.md.
 */
import os = require('os');
import path = require('path');
import { type TransferListItem, Worker } from 'worker_threads';

export type TaskCallback = (err: Error | null, result?: unknown) => void;
export type CloseCallback = (err?: Error | null) => void;

export interface PoolOptions {
  /** Absolute path of the tasks module: each of its exports is a task, called with the payload. */
  tasks: string;
  /** How many worker threads. Default: one per CPU. */
  size?: number;
}

// Kata plumbing, keep it as it is. The worker file sits next to this one and is the same kind of
// file: .ts in the tests, .js once compiled. A worker thread inherits this thread's execArgv, which
// is how it gets the TypeScript loader the tests run under (node --require …/register-ts.js):
// pass no execArgv of your own, or start from process.execArgv.
var EXT = path.extname(__filename);
var WORKER_FILE = path.join(__dirname, 'pool-worker' + EXT);

interface QueuedTask {
  name: string;
  payload: unknown;
  callback: TaskCallback;
}

/**
 * The callback API. Old callers (and the safety-net tests) use it: keep its behaviour.
 * Do not change the signatures of the constructor, run and close.
 *
 * TODO(step 4): once promises.WorkerPool works, make this class a thin shim over it.
 */
export class WorkerPool {
  size: number;
  tasks: string;
  workers: Worker[] = [];
  busy: boolean[] = [];
  queue: QueuedTask[] = [];
  closed = false;

  constructor(options: PoolOptions) {
    this.size = options.size || os.cpus().length;
    this.tasks = options.tasks;
    for (var i = 0; i < this.size; i++) {
      this.workers.push(new Worker(WORKER_FILE, { workerData: { tasks: this.tasks } }));
      this.busy.push(false);
    }
  }

  run(name: string, payload: unknown, callback: TaskCallback): void;
  run(name: string, payload: unknown, transferList: TransferListItem[], callback: TaskCallback): void;
  run(name: string, payload: unknown, transferList: TransferListItem[] | TaskCallback, callback?: TaskCallback): void {
    if (typeof transferList === 'function') {
      callback = transferList;
      transferList = [];
    }
    if (this.closed) {
      return process.nextTick(callback!, new Error('the pool is closed'));
    }
    for (var i = 0; i < this.size; i++) {
      if (!this.busy[i]) {
        return this._dispatch(i, name, payload, transferList, callback!);
      }
    }
    // Every worker is busy: the task waits for the next one to finish.
    this.queue.push({ name: name, payload: payload, callback: callback! });
  }

  _dispatch(i: number, name: string, payload: unknown, transferList: TransferListItem[], callback: TaskCallback): void {
    var self = this;
    var worker = self.workers[i]!;
    self.busy[i] = true;
    worker.once('message', function (msg: { ok: boolean; result?: unknown; error?: Error }) {
      self.busy[i] = false;
      if (msg.ok) callback(null, msg.result);
      else callback(msg.error!);
      self._next(i);
    });
    // A task that throws takes its worker down with it: tell the caller.
    worker.once('error', callback);
    worker.postMessage({ name: name, payload: payload }, transferList);
  }

  _next(i: number): void {
    var task = this.queue.pop();
    if (task) {
      this._dispatch(i, task.name, task.payload, [], task.callback);
    }
  }

  close(callback: CloseCallback): void {
    var self = this;
    self.closed = true;
    self.workers.forEach(function (worker, i) {
      // The busy ones are left to finish their task.
      if (!self.busy[i]) {
        worker.terminate();
      }
    });
    process.nextTick(callback);
  }
}

/** What `promises.WorkerPool#run` takes besides the task's name and payload. */
export interface RunOptions {
  /** ArrayBuffers (or MessagePorts) to move to the worker instead of copying them. */
  transfer?: readonly TransferListItem[];
  /** Aborting it takes the task out of the queue, or stops the worker that is running it. */
  signal?: AbortSignal;
}

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

/** The promise API new callers want. */
export const promises = { WorkerPool: PromiseWorkerPool };
