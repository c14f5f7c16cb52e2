/**
 * The service's database for the tests: four real @seald-io/nedb datastores, one file each in a
 * folder of the test's own, and a gate that holds the completions of their reads.
 *
 * A gate wraps the datastores the server is given: a read (`find`, `findOne`, `count`, with a
 * callback or as a promise, `util.promisify`'d or not) runs for real, but the code under test is
 * told only when the test releases it. Reads started together are then held together, whatever
 * the machine's speed: "the user, the favourites and the followers were asked for at once" is
 * proved by counting, never by timing.
 *
 * @example
 * const db = await openDb(tmp.path);
 * const gate = new ReadGate();
 * await startServer({ db: gate.wrap(db) });
 * await gate.waitForHeld(3, 'GET /users/:id');
 * gate.releaseAll('reverse');
 */
import * as path from 'node:path';

import Datastore from '@seald-io/nedb';

import { KataAssertionError, untilDoneOrStalled } from '../../../../src/harness';
import type { AccountDb } from '../../src/account-api';

export const COLLECTIONS = ['users', 'sessions', 'favorites', 'follows'] as const;
export type Collection = (typeof COLLECTIONS)[number];

/** Opens (or reopens, after a restart) the four datastores kept in `dir`. */
export async function openDb(dir: string): Promise<AccountDb> {
  const entries = await Promise.all(
    COLLECTIONS.map(async (name) => {
      const store = new Datastore({ filename: path.join(dir, `${name}.db`) });
      await store.loadDatabaseAsync();
      return [name, store] as const;
    }),
  );
  return Object.fromEntries(entries) as unknown as AccountDb;
}

const gates: ReadGate[] = [];
/** Opens every gate made since the last call (after each test: a read left held would never finish). */
export function openAllGates(): void {
  for (const gate of gates.splice(0)) gate.open();
}

/** Held completions, over every gate: the client's stall detection counts them as work to come. */
let heldEverywhere = 0;
export function heldReads(): number {
  return heldEverywhere;
}

interface Held {
  collection: Collection;
  method: string;
  query: string;
  deliver: () => void;
}

const READS = new Set(['find', 'findOne', 'count', 'findAsync', 'findOneAsync', 'countAsync']);
const CURSOR_SETTLE = new Set(['then', 'catch', 'finally', 'execAsync', 'exec']);
const CURSOR_CHAIN = new Set(['sort', 'skip', 'limit', 'projection']);

/** Holds the completions of reads on the collections it is asked to, until the test releases them. */
export class ReadGate {
  readonly #held: Held[] = [];
  #arrived = 0;
  #open = false;
  /** Set: every read of the gated collections fails with this error instead (nothing is held). */
  failWith: Error | undefined;
  /** Set: every read of the gated collections is delivered this many ms late instead of held (the bench's slow database). */
  delayMs: number | undefined;

  constructor(readonly collections: readonly Collection[] = COLLECTIONS) {
    gates.push(this);
  }

  /** Reads held right now, oldest first: "users.findOne", "follows.find"... */
  get held(): string[] {
    return this.#held.map((h) => `${h.collection}.${h.method.replace(/Async$/, '')}`);
  }

  /** The datastores as the server should be given them. */
  wrap(db: AccountDb): AccountDb {
    const wrapped = {} as Record<Collection, Datastore>;
    for (const name of COLLECTIONS) wrapped[name] = this.collections.includes(name) ? this.#wrapStore(name, db[name]) : db[name];
    return wrapped as unknown as AccountDb;
  }

  /**
   * Resolves once `n` reads are held at the same time; fails with a learner's message when the
   * server goes quiet with fewer held: it asked for them one after the other.
   */
  async waitForHeld(n: number, label: string, what: string): Promise<void> {
    const verdict = await untilDoneOrStalled({ done: () => this.#held.length >= n, progress: () => this.#arrived });
    if (verdict === 'stalled') {
      throw new KataAssertionError(
        `${label}: ${what} do not depend on each other, but only ${this.#held.length} of these ${n} reads were in flight at once (${this.held.join(', ') || 'none'}) ` +
          'when the server went quiet: it waited for each answer before asking the next question. ' +
          'Start them together and await them together: `const [a, b] = await Promise.all([...])`.',
      );
    }
  }

  /** Delivers every held read, oldest first or newest first. */
  releaseAll(order: 'arrival' | 'reverse' = 'arrival'): number {
    const entries = this.#held.splice(0);
    if (order === 'reverse') entries.reverse();
    for (const entry of entries) entry.deliver();
    return entries.length;
  }

  /** Stops holding: delivers what is held and lets later reads through. */
  open(): void {
    this.#open = true;
    this.releaseAll();
  }

  #settle(collection: Collection, method: string, query: unknown, outcome: { error: unknown } | { value: unknown }, tell: (error: unknown, value?: unknown) => void): void {
    const failure = this.failWith;
    const deliver = () => (failure ? tell(failure) : 'error' in outcome ? tell(outcome.error) : tell(null, outcome.value));
    if (this.#open || failure) return deliver();
    if (this.delayMs !== undefined) {
      setTimeout(deliver, this.delayMs);
      return;
    }
    this.#arrived += 1;
    heldEverywhere += 1;
    this.#held.push({
      collection,
      method,
      query: JSON.stringify(query),
      deliver: () => {
        heldEverywhere -= 1;
        deliver();
      },
    });
  }

  #wrapStore(collection: Collection, store: Datastore): Datastore {
    return new Proxy(store, {
      get: (target, prop, receiver) => {
        const value = Reflect.get(target, prop, receiver) as unknown;
        if (typeof value !== 'function') return value;
        if (typeof prop !== 'string' || !READS.has(prop)) return (value as (...a: unknown[]) => unknown).bind(target);
        const gate = this;
        return function heldRead(...args: unknown[]) {
          const last = args[args.length - 1];
          if (!prop.endsWith('Async') && typeof last === 'function') {
            // The callback form: run it as the promise form, and call back once released.
            const asyncName = `${prop}Async` as 'findAsync';
            const rest = args.slice(0, -1) as [unknown];
            const callback = last as (error: unknown, value?: unknown) => void;
            (target[asyncName] as (...a: unknown[]) => Promise<unknown>).apply(target, rest).then(
              (value) => gate.#settle(collection, prop, args[0], { value }, (e, v) => setImmediate(callback, e, v)),
              (error: unknown) => gate.#settle(collection, prop, args[0], { error }, (e) => setImmediate(callback, e)),
            );
            return undefined;
          }
          const cursor = (value as (...a: unknown[]) => object).apply(target, args);
          return gate.#wrapCursor(collection, prop, args[0], cursor);
        };
      },
    });
  }

  /** A cursor whose result reaches the code under test only once the gate releases it. */
  #wrapCursor(collection: Collection, method: string, query: unknown, cursor: object): object {
    const gate = this;
    let settled: Promise<unknown> | undefined;
    const result = () =>
      (settled ??= new Promise((resolve, reject) => {
        const tell = (error: unknown, value?: unknown) => (error ? reject(error as Error) : resolve(value));
        (cursor as { execAsync(): Promise<unknown> }).execAsync().then(
          (value) => gate.#settle(collection, method, query, { value }, tell),
          (error: unknown) => gate.#settle(collection, method, query, { error }, tell),
        );
      }));
    const proxy: object = new Proxy(cursor, {
      get(target, prop, receiver) {
        if (typeof prop === 'string' && CURSOR_CHAIN.has(prop)) {
          return (...args: unknown[]) => {
            (Reflect.get(target, prop, receiver) as (...a: unknown[]) => unknown).apply(target, args);
            return proxy;
          };
        }
        if (typeof prop === 'string' && CURSOR_SETTLE.has(prop)) {
          if (prop === 'exec') {
            return (cb: (err: unknown, value?: unknown) => void) => {
              result().then((v) => process.nextTick(cb, null, v), (e: unknown) => process.nextTick(cb, e));
            };
          }
          if (prop === 'execAsync') return () => result();
          return (...args: unknown[]) => (result() as unknown as Record<string, (...a: unknown[]) => unknown>)[prop]!(...args);
        }
        return Reflect.get(target, prop, receiver) as unknown;
      },
    });
    return proxy;
  }
}
