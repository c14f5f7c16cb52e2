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
  /** The task it is running, if any. */
  job: Job | undefined;
}

/** The promise API new callers want. */
class PromiseWorkerPool {
  readonly #tasks: string;
  readonly #size: number;
  readonly #slots = new Set<Slot>();
  readonly #queue: Job[] = [];
  #closed = false;

  constructor({ tasks, size = os.availableParallelism() }: PoolOptions) {
    this.#tasks = tasks;
    this.#size = size;
  }

  /**
   * Resolves with what the task returned, or rejects with what it threw; rejects when its
   * worker dies (that worker is replaced) or when `options.signal` aborts it (AbortError).
   *
   * TODO(step 3): the crashes and the AbortSignal.
   */
  run<T = unknown>(name: string, payload?: unknown, { transfer = [] }: RunOptions = {}): Promise<T> {
    if (this.#closed) return Promise.reject(new Error(`cannot run "${name}": the pool is closed`));
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({ name, payload, transfer, resolve: (value) => resolve(value as T), reject });
      this.#dispatch();
    });
  }

  /**
   * Lets the running and queued tasks finish, refuses new ones, and resolves once every worker
   * has exited.
   *
   * TODO(step 3): let the running and queued tasks finish first.
   */
  async close(): Promise<void> {
    this.#closed = true;
    await Promise.all([...this.#slots].map((slot) => slot.worker.terminate()));
  }

  /** Gives queued tasks, oldest first, to idle workers, starting workers while there is room. */
  #dispatch(): void {
    for (const slot of this.#slots) {
      if (this.#queue.length === 0) break;
      if (!slot.job) this.#start(slot, this.#queue.shift()!);
    }
    while (this.#queue.length > 0 && this.#slots.size < this.#size) this.#start(this.#spawn(), this.#queue.shift()!);
  }

  #start(slot: Slot, job: Job): void {
    slot.job = job;
    slot.worker.postMessage({ name: job.name, payload: job.payload }, job.transfer);
  }

  #spawn(): Slot {
    const worker = new Worker(WORKER_FILE, { workerData: { tasks: this.#tasks } });
    const slot: Slot = { worker, job: undefined };
    worker.on('message', (answer: Answer) => this.#answered(slot, answer));
    this.#slots.add(slot);
    return slot;
  }

  #answered(slot: Slot, answer: Answer): void {
    const job = slot.job!;
    slot.job = undefined;
    if (answer.ok) job.resolve(answer.result);
    else job.reject(answer.error);
    this.#dispatch();
  }
}

export const promises = { WorkerPool: PromiseWorkerPool };
