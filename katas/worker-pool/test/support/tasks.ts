/**
 * The tasks module the kata's tests give the pool. It runs inside the pool's worker threads
 * (pool-worker.ts requires it): every export that is a function is a task.
 *
 * A test must know, without a clock, which tasks are running and which are queued. So `hold`
 * records that it started and then blocks its worker thread (Atomics.wait blocks only that
 * thread) until the test releases it; `mark` records that it started and returns at once. The
 * record lives in a SharedArrayBuffer the test owns: see gate.ts for the main-thread side.
 */

/** Tickets a gate can hand out (ids 1..MAX_TICKETS). */
export const MAX_TICKETS = 32;
/** Int32 slots of a gate: how many tasks started, the order they started in, and the release flags. */
export const STARTED = 0;
export const ORDER = 1;
export const RELEASE_ALL = ORDER + MAX_TICKETS;
export const RELEASE = RELEASE_ALL + 1;
export const SLOTS = RELEASE + MAX_TICKETS + 1;

/** What a test passes as the payload of `hold` and `mark`. */
export interface Ticket {
  shared: SharedArrayBuffer;
  id: number;
}

function recordStart({ shared, id }: Ticket): Int32Array {
  const slots = new Int32Array(shared);
  // Append the id to the first free ORDER slot: compareExchange makes the appends of two workers
  // starting at the same time land in two different slots, in the order they happened.
  for (let i = 0; Atomics.compareExchange(slots, ORDER + i, 0, id) !== 0; i++);
  Atomics.add(slots, STARTED, 1);
  Atomics.notify(slots, STARTED);
  return slots;
}

/** Returns its payload: the plainest task there is. */
export function echo(value: unknown): unknown {
  return value;
}

/** Says how many bytes arrived, and their sum, so a test can tell the data really got there. */
export function measure(buffer: ArrayBuffer): { byteLength: number; sum: number } {
  const bytes = new Uint8Array(buffer);
  let sum = 0;
  for (const b of bytes) sum += b;
  return { byteLength: buffer.byteLength, sum };
}

/** Records that it started, and returns its id. */
export function mark(ticket: Ticket): number {
  recordStart(ticket);
  return ticket.id;
}

/** Records that it started, blocks its worker until the test releases it, and returns its id. */
export function hold(ticket: Ticket): number {
  const slots = recordStart(ticket);
  while (Atomics.load(slots, RELEASE + ticket.id) === 0 && Atomics.load(slots, RELEASE_ALL) === 0) {
    Atomics.wait(slots, RELEASE + ticket.id, 0);
  }
  return ticket.id;
}

/** Throws, as a task given bad input does. */
export function fail(message: string): never {
  throw new TypeError(message);
}

/** Ends its worker thread in the middle of the task, as native code or a careless library can. */
export function exit(code: number): never {
  process.exit(code);
}

/**
 * Never answers: an error thrown from a timer kills its worker thread while the task is still
 * running (an uncaught exception in the worker, not a task that throws).
 */
export function crash(message: string): Promise<never> {
  return new Promise<never>(() => {
    setImmediate(() => {
      throw new Error(message);
    });
  });
}
