/**
 * The main-thread side of the tasks `hold` and `mark` (tasks.ts): hands out tickets, tells which
 * tasks have started and in what order, and releases held tasks. No clock: a test waits for
 * "task 3 has started", and a held task runs until the test says so.
 *
 * @example
 * const gate = new Gate();
 * const first = outcome(pool.run('hold', gate.ticket(1)));
 * await untilStarted(gate, 1, workers, 'the first task');
 * gate.release(1);
 */
import { MAX_TICKETS, ORDER, RELEASE, RELEASE_ALL, SLOTS, STARTED, type Ticket } from './tasks';

/** Atomics.waitAsync (Node 16+): the TypeScript lib this repository targets (es2023) does not declare it yet. */
const waitAsync = (Atomics as unknown as {
  waitAsync(array: Int32Array, index: number, value: number): { async: false; value: string } | { async: true; value: Promise<string> };
}).waitAsync;

export class Gate {
  readonly shared = new SharedArrayBuffer(SLOTS * Int32Array.BYTES_PER_ELEMENT);
  readonly #slots = new Int32Array(this.shared);

  /** The payload of a `hold` or `mark` task with this id (1 to MAX_TICKETS). */
  ticket(id: number): Ticket {
    if (!Number.isInteger(id) || id < 1 || id > MAX_TICKETS) throw new RangeError(`a ticket id runs from 1 to ${MAX_TICKETS}, got ${id}`);
    return { shared: this.shared, id };
  }

  /** How many tasks have started. */
  get count(): number {
    return Atomics.load(this.#slots, STARTED);
  }

  /** The ids of the tasks that have started, in the order they started. */
  started(): number[] {
    const ids: number[] = [];
    for (let i = 0; i < MAX_TICKETS; i++) {
      const id = Atomics.load(this.#slots, ORDER + i);
      if (id === 0) break;
      ids.push(id);
    }
    return ids;
  }

  /** Lets held task `id` return. */
  release(id: number): void {
    Atomics.store(this.#slots, RELEASE + id, 1);
    Atomics.notify(this.#slots, RELEASE + id);
  }

  /**
   * Lets every held task return, now and from now on (cleanup, or "all of them at once").
   *
   * Each task's own flag is raised too, not only RELEASE_ALL: a held task sleeps on its own flag
   * (`Atomics.wait` compares that one slot only), so a release that raised RELEASE_ALL alone
   * between the task's check and its wait would be lost, and the task would sleep for ever.
   */
  releaseAll(): void {
    Atomics.store(this.#slots, RELEASE_ALL, 1);
    for (let id = 1; id <= MAX_TICKETS; id++) {
      Atomics.store(this.#slots, RELEASE + id, 1);
      Atomics.notify(this.#slots, RELEASE + id);
    }
  }

  /** Resolves once at least `count` tasks have started. Never blocks the main thread. */
  async whenStarted(count: number): Promise<void> {
    for (let seen = this.count; seen < count; seen = this.count) {
      const wait = waitAsync(this.#slots, STARTED, seen);
      if (wait.async) await wait.value;
    }
  }
}
