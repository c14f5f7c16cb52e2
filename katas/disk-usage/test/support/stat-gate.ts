// Part of the kata's tests. Do not change this file.
/**
 * How many `lstat`/`stat` calls the code under test has in flight, proved by counting, not by a
 * clock: the file-system twin of the loopback server's gate.
 *
 * Why a wrapper and not the harness's tools (for the lead, see also the report):
 * - fsFaults records calls but not completions, so it cannot say how many are in flight.
 * - The file probe (named pipes) sees files being *read*; an lstat of a pipe returns at once
 *   without a reader, and it holds a libuv thread per file (at most 4): a tree of hundreds of
 *   entries is out of its reach.
 *
 * So this module wraps `fs.lstat`, `fs.stat`, `fs.promises.lstat` and `fs.promises.stat` when it
 * loads (the test file imports it before the code under test, so code that captures
 * `util.promisify(fs.lstat)` at load captures the wrapper too). Outside an armed test, and for
 * paths outside the armed folder, the wrappers only pass the call through. Inside it, each call
 * is in flight from the moment it is made until its result is handed to the caller; with
 * `hold`, a result that has arrived waits until the test releases it, like the HTTP gate holds
 * requests. "At most N" is then a count, "keeps N going" is a count after each release, and
 * "one at a time" is the stall verdict of the harness (untilDoneOrStalled): the process went
 * quiet with fewer calls in flight than could have been.
 *
 * @example
 * const gate = useStatGate();        // before useTempDir(), so its afterEach runs first
 * const tmp = useTempDir();
 * it('keeps at most 3 lstat in flight', async () => {
 *   await tmp.write(tree);
 *   const usage = await gate.expectBoundedWalk(3, tmp.path, tree, promiseRun('du(tree, 3)', () => du(tmp.path, 3)));
 * });
 */
import { AsyncResource } from 'node:async_hooks';
// `import * as` would give esModuleInterop's read-only copy; the wrappers must go on the real module.
import fs = require('node:fs');
import * as os from 'node:os';
import * as path from 'node:path';

import { callPromise, describeValue, fsFaults, KataAssertionError, messages, scopedCapture, type ScopedCapture, type Tree, untilDoneOrStalled, whenQuiet, isSymlink, writeTree } from '../../../../src/harness';

/** The calls counted: every way to read an entry's size and type by path. */
const COUNTED = ['lstat', 'stat'] as const;
type Counted = (typeof COUNTED)[number];

export interface StatCall {
  call: Counted;
  /** Absolute path. */
  path: string;
  api: 'callback' | 'promise';
}

/** A call in flight: its result has not reached the caller yet. */
interface Flight {
  call: StatCall;
  /** The result has arrived from the file system; `hand` gives it to the caller. */
  hand?: () => void;
  /** Who waits for the result to arrive (a release asked before it did). */
  onArrival: Array<() => void>;
}

const INSTALLED = Symbol.for('callback-katas.disk-usage.stat-gate');

let scope: string | undefined;
let holding = false;
const flights: Flight[] = [];
const made: StatCall[] = [];
const delivered = new Set<string>();
let peak = 0;
const listeners = new Set<{ onCall(call: StatCall): void; onDelivered(call: StatCall): void }>();

function isWatched(file: string): boolean {
  if (scope === undefined) return false;
  const rel = path.relative(scope, file);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
}

function pathOf(arg: unknown): string | undefined {
  if (typeof arg === 'string') return path.resolve(arg);
  if (Buffer.isBuffer(arg)) return path.resolve(arg.toString());
  if (arg instanceof URL && arg.protocol === 'file:') return path.resolve(decodeURIComponent(arg.pathname));
  return undefined;
}

function takeOff(call: StatCall): Flight {
  const flight: Flight = { call, onArrival: [] };
  flights.push(flight);
  made.push(call);
  peak = Math.max(peak, flights.length);
  for (const l of listeners) l.onCall(call);
  return flight;
}

function land(flight: Flight, hand: () => void): void {
  flight.hand = hand;
  for (const wake of flight.onArrival.splice(0)) wake();
  if (!holding) deliver(flight);
}

function deliver(flight: Flight): void {
  const at = flights.indexOf(flight);
  if (at < 0) return;
  flights.splice(at, 1);
  delivered.add(flight.call.path);
  for (const l of listeners) l.onDelivered(flight.call);
  flight.hand!();
}

type AnyFn = (...args: unknown[]) => unknown;

function copyProps(from: object, to: object): void {
  for (const key of Reflect.ownKeys(from)) {
    if (key === 'length' || key === 'name' || key === 'prototype') continue;
    Object.defineProperty(to, key, Object.getOwnPropertyDescriptor(from, key)!);
  }
}

function wrap(target: Record<string, unknown>, name: Counted, api: StatCall['api']): void {
  const original = target[name] as AnyFn;
  const wrapper = function (this: unknown, ...args: unknown[]): unknown {
    const file = pathOf(args[0]);
    const cb = args[args.length - 1];
    if (file === undefined || !isWatched(file) || (api === 'callback' && typeof cb !== 'function')) return original.apply(this, args);
    const flight = takeOff({ call: name, path: file, api });
    try {
      if (api === 'callback') {
        // The caller's callback runs in the caller's async context (errors it throws are theirs),
        // on a tick of its own (a throw never lands inside the test's release()).
        const bound = AsyncResource.bind(cb as AnyFn);
        args[args.length - 1] = (err: unknown, stats: unknown) => land(flight, () => process.nextTick(bound, err, stats));
        return original.apply(this, args);
      }
      const real = original.apply(this, args) as Promise<unknown>;
      return new Promise((resolve, reject) => {
        real.then(
          (stats) => land(flight, () => resolve(stats)),
          (err: unknown) => land(flight, () => reject(err)),
        );
      });
    } catch (err) {
      // Bad arguments throw before any I/O: nothing is in flight.
      flights.splice(flights.indexOf(flight), 1);
      throw err;
    }
  };
  copyProps(original, wrapper);
  Object.defineProperty(wrapper, 'name', { value: original.name });
  target[name] = wrapper;
}

/**
 * While `reversing`, a readdir under the armed folder lists its names last first (reverse order of
 * name): readdir's order is the file system's, alphabetical on some, not on others, so a walk
 * that relies on it for entries of the same size is caught on every run.
 */
let reversing = false;
const byNameLastFirst = (a: unknown, b: unknown): number => {
  const name = (e: unknown) => String(typeof e === 'object' && e !== null && 'name' in e ? (e as { name: unknown }).name : e);
  return name(a) < name(b) ? 1 : name(a) > name(b) ? -1 : 0;
};
const reordered = (list: unknown): unknown => (Array.isArray(list) ? [...list].sort(byNameLastFirst) : list);

function wrapListing(target: Record<string, unknown>, api: StatCall['api']): void {
  const original = target.readdir as AnyFn;
  const wrapper = function (this: unknown, ...args: unknown[]): unknown {
    const file = pathOf(args[0]);
    const cb = args[args.length - 1];
    if (!reversing || file === undefined || !(file === scope || isWatched(file)) || (api === 'callback' && typeof cb !== 'function')) return original.apply(this, args);
    if (api === 'callback') {
      args[args.length - 1] = (err: unknown, list: unknown) => (cb as AnyFn)(err, reordered(list));
      return original.apply(this, args);
    }
    return (original.apply(this, args) as Promise<unknown>).then(reordered);
  };
  copyProps(original, wrapper);
  Object.defineProperty(wrapper, 'name', { value: original.name });
  target.readdir = wrapper;
}

const g = globalThis as Record<symbol, unknown>;
if (!g[INSTALLED]) {
  g[INSTALLED] = true;
  for (const name of COUNTED) {
    wrap(fs as unknown as Record<string, unknown>, name, 'callback');
    wrap(fs.promises as unknown as Record<string, unknown>, name, 'promise');
  }
  wrapListing(fs as unknown as Record<string, unknown>, 'callback');
  wrapListing(fs.promises as unknown as Record<string, unknown>, 'promise');
}

// -------------------------------------------------------------------------------------------
// What the tree holds, from the tree literal the test wrote: which entries a walk must look at,
// and which of them are folders (symlinks are not: they are counted, never followed).

const isFolder = (entry: Tree[string]): entry is Tree => typeof entry === 'object' && !Buffer.isBuffer(entry) && !isSymlink(entry);

/**
 * Registers before/after hooks in the enclosing `describe` that write `tree` once into a folder
 * of the OS temp dir, for every test of the describe to walk (they must only read it), and
 * remove it after the last one. For large trees: writing hundreds of files per test is slow on
 * a loaded machine.
 */
export function useSharedTree(prefix: string, tree: Tree): { readonly path: string; readonly tree: Tree } {
  let current: string | undefined;
  before(async function () {
    this.timeout(30_000);
    current = await fsFaults.untracked(async () => {
      const dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), prefix));
      await writeTree(dir, tree);
      return dir;
    });
  });
  after(async () => {
    if (current) await fsFaults.untracked(() => fs.promises.rm(current!, { recursive: true, force: true }));
    current = undefined;
  });
  return {
    get path() {
      if (!current) throw new Error('the shared tree is only available inside a test of the describe that called useSharedTree()');
      return current;
    },
    tree,
  };
}

/** The apparent size of an entry as the kata counts it: files and links their own size, folders what is under them. */
export function sizeOfEntry(entry: Tree[string]): number {
  if (typeof entry === 'string') return Buffer.byteLength(entry);
  if (Buffer.isBuffer(entry)) return entry.length;
  if (!isFolder(entry)) return Buffer.byteLength((entry as { target: string }).target);
  return Object.values(entry).reduce((sum, child) => sum + sizeOfEntry(child), 0);
}

/** The usage a correct walk reports for `tree`: every top-level entry, largest first, ties by name. */
export function expectedUsage(tree: Tree): Array<{ name: string; size: number }> {
  return Object.entries(tree)
    .map(([name, entry]) => ({ name, size: sizeOfEntry(entry) }))
    .sort((a, b) => b.size - a.size || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** Number of entries under `tree`, at every depth. */
export function countEntries(tree: Tree): number {
  return Object.values(tree).reduce((n, entry) => n + 1 + (isFolder(entry) ? countEntries(entry) : 0), 0);
}

/**
 * Which entries a walk knows about and has not looked at yet: the top-level ones from the
 * start, the children of a folder once the walk could know them: when the result of the
 * folder's lstat reached it (it reads the folder next; the quiet detection waits for that read),
 * or when it lists the folder (readdir or opendir), whichever comes first. A folder is done
 * waiting once it is lstat-ed *or* listed: a walk that tells folders apart with
 * readdir({ withFileTypes: true }) never lstat-s them, and owes no lstat for them. What the bound
 * counts is lstat calls; what waits for one is every file and link the walk has not looked at.
 */
class Frontier {
  private readonly children = new Map<string, string[]>();
  private readonly folders = new Set<string>();
  private readonly known = new Set<string>();
  /** Looked at (an lstat/stat call), or, for a folder, listed. */
  private readonly started = new Set<string>();
  private waitingCount = 0;
  /** How far into fsFaults.calls() the listings were read. */
  private seenCalls = 0;

  constructor(root: string, tree: Tree) {
    const index = (dir: string, t: Tree): string[] =>
      Object.entries(t).map(([name, entry]) => {
        const file = path.join(dir, name);
        if (isFolder(entry)) {
          this.folders.add(file);
          this.children.set(file, index(file, entry));
        }
        return file;
      });
    this.seenCalls = fsFaults.calls().length;
    for (const file of index(root, tree)) this.learn(file);
  }

  /** Entries known and not looked at yet. */
  get waiting(): number {
    this.readListings();
    return this.waitingCount;
  }

  /** A few of them, relative to `root`, for a message. */
  someWaiting(root: string, n = 3): string[] {
    this.readListings();
    return [...this.known].filter((f) => !this.started.has(f)).slice(0, n).map((f) => path.relative(root, f));
  }

  onCall(call: StatCall): void {
    this.start(call.path);
  }

  onDelivered(call: StatCall): void {
    this.open(call.path);
  }

  /** Folders the walk listed since the last look: their children are known, and they owe no lstat. */
  private readListings(): void {
    const calls = fsFaults.calls();
    for (; this.seenCalls < calls.length; this.seenCalls++) {
      const c = calls[this.seenCalls]!;
      if ((c.call === 'readdir' || c.call === 'opendir') && this.folders.has(path.resolve(c.path))) {
        this.start(path.resolve(c.path));
        this.open(path.resolve(c.path));
      }
    }
  }

  private start(file: string): void {
    if (this.started.has(file)) return;
    this.started.add(file);
    if (this.known.has(file)) this.waitingCount -= 1;
  }

  private open(folder: string): void {
    for (const child of this.children.get(folder) ?? []) this.learn(child);
    this.children.delete(folder);
  }

  private learn(file: string): void {
    if (this.known.has(file)) return;
    this.known.add(file);
    if (!this.started.has(file)) this.waitingCount += 1;
  }
}

// -------------------------------------------------------------------------------------------
// Running the code under test, callback or promise, as one thing the gate can drive.

export interface Run<T> {
  label: string;
  /** Starts the code; settles as it does (a callback API: with its first call). */
  start(): Promise<T>;
  /** Once everything is quiet after it settled: fails when the code broke its contract. */
  after(): void;
  /** Said when nothing is left in flight and it never settled. */
  neverSettled(): string;
  /** Called last, whatever happened: gives back what the run borrowed. */
  dispose(): void;
}

/** A promise API, called the way `callPromise` does (a forgotten `return` is named). */
export function promiseRun<T>(label: string, invoke: () => Promise<T>): Run<T> {
  return {
    label,
    start: () => callPromise(label, invoke),
    after: () => undefined,
    dispose: () => undefined,
    neverSettled: () =>
      `${label} never settled: no lstat was in flight and nothing was left to do, yet its promise stayed pending. ` +
      'Something awaits a promise nobody resolves (a limiter slot that is never given back after an error or an empty folder?).',
  };
}

/** A callback API: settles with the first call; `after` fails on a second call or an escaped error. */
export function callbackRun<T>(label: string, invoke: (cb: (err: Error | null | undefined, value?: T) => void) => void): Run<T> {
  const calls: Array<{ err: Error | null | undefined; value: T | undefined }> = [];
  const escaped: unknown[] = [];
  let escapes: ScopedCapture | undefined;
  const escapedMessage = () => `${label}: ${messages.escapedException(escaped[0])}`;
  return {
    label,
    start: () =>
      new Promise<T>((resolve, reject) => {
        escapes = scopedCapture((err) => escaped.push(err));
        try {
          escapes.run(() =>
            invoke((err, value) => {
              calls.push({ err, value });
              if (calls.length > 1) return;
              if (err) reject(err);
              else resolve(value as T);
            }),
          );
        } catch (err) {
          reject(new KataAssertionError(`${label} threw ${describeValue(err)} instead of passing the error to its callback.`));
        }
      }),
    after: () => {
      if (escaped.length > 0) throw new KataAssertionError(escapedMessage());
      if (calls.length > 1) {
        const show = (c: (typeof calls)[number]) => (c.err ? c.err : c.value);
        throw new KataAssertionError(messages.callbackCalledTwice(label, show(calls[0]!), show(calls[1]!)));
      }
    },
    neverSettled: () => (escaped.length > 0 ? escapedMessage() : messages.callbackNeverCalled(label)),
    dispose: () => escapes?.release(),
  };
}

// -------------------------------------------------------------------------------------------
// The gate.

type RunState<T> = { settled: false } | { settled: true; ok: true; value: T } | { settled: true; ok: false; error: unknown };

export const statMessages = {
  overLimit: (label: string, limit: number, peakSeen: number) =>
    `${label} had ${peakSeen} lstat calls in flight at once, but at most ${limit} are allowed. ` +
    'Every entry is looked at as soon as its folder is read (forEach, or Promise.all over the whole tree): on a large tree that is ' +
    'thousands of requests queued at once (and EMFILE once each one holds a file). ' +
    `Start a new lstat only while fewer than ${limit} are running: one limiter for the whole walk, not one per folder. ` +
    'If there is one already, its count goes wrong: a finished task that both frees its slot (running--) and hands it to the ' +
    'next waiter lets one more in each time; hand the slot over, or free it, never both.',
  notFilled: (label: string, limit: number, inFlight: number, possible: number, waiting: string[]) =>
    (inFlight <= 1
      ? `${label} looked at one entry at a time: only ${inFlight} lstat was in flight when the process went quiet`
      : `${label} had only ${inFlight} lstat calls in flight when the process went quiet`) +
    `, though ${possible} could have been (limit ${limit}; waiting: ${waiting.join(', ')}...). ` +
    (inFlight <= 1
      ? 'An `await` inside a for loop waits for each entry before starting the next. '
      : '') +
    `Start up to ${limit} at once, and a new one each time one finishes.`,
  notRefilled: (label: string, limit: number, finished: string, inFlight: number, possible: number, waiting: string[]) =>
    `after the lstat of ${finished} finished, ${label} kept only ${inFlight} in flight although ${possible} could have been ` +
    `(limit ${limit}; entries waiting: ${waiting.join(', ')}...). Either it waits for a whole batch to finish ` +
    `(Promise.all over slices of ${limit}: the slowest entry of each batch holds up the next), or folders hold a limiter slot ` +
    'while they wait for their own children (a limit around the recursive call deadlocks once every slot is a folder). ' +
    'Put the limiter around the lstat call only, and start the next entry as soon as any lstat finishes.',
  resolvedEarly: (label: string, inFlight: number, waiting: number) =>
    messages.resolvedEarly(label, `every size was summed: ${inFlight} lstat call(s) were still in flight and ${waiting} entries not yet looked at`),
  noneSeen: (label: string) =>
    `${label} finished without a single lstat the test could see (it watches fs.lstat, fs.stat and their fs/promises versions). ` +
    'Read each entry\'s size and type with lstat from node:fs/promises.',
} as const;

export interface StatGate {
  /** Calls in flight right now, oldest first. */
  readonly inFlight: readonly StatCall[];
  /** The most calls in flight at once since the gate was armed. */
  readonly maxInFlight: number;
  /** Every call made under the armed folder since it was armed. */
  readonly calls: readonly StatCall[];
  /**
   * Runs `run` on `tree` (already written at `root`), holding every lstat, and proves that it
   * keeps at most `limit` in flight, fills up to `limit` at once, and starts the next entry as
   * soon as one finishes; lstat calls finish one at a time, oldest first. Fails when `run`
   * settles before every entry was looked at. Resolves as `run` does.
   */
  expectBoundedWalk<T>(limit: number, root: string, tree: Tree, run: Run<T>): Promise<T>;
  /**
   * Runs `run` holding every lstat, and lets them finish in the order `pick` chooses among the
   * ones in flight (each time the process is quiet); readdir lists names last first meanwhile
   * (its order is the file system's, never to be relied on). Resolves as `run` does.
   */
  finishInOrder<T>(root: string, run: Run<T>, pick: (inFlight: readonly StatCall[]) => StatCall): Promise<T>;
}

/**
 * Registers beforeEach/afterEach hooks in the enclosing `describe`: each test starts with the
 * gate disarmed and counters at zero; after it, every held result is handed over and the gate
 * disarmed, before later afterEach hooks (call it before useTempDir) remove the folder.
 */
export function useStatGate(): StatGate {
  beforeEach(() => disarm());
  afterEach(async () => {
    release();
    // Let learner code still running after a failure finish before the leak check looks.
    await fsFaults.untracked(() => whenQuiet());
    disarm();
  });
  return {
    get inFlight() {
      return flights.map((f) => f.call);
    },
    get maxInFlight() {
      return peak;
    },
    get calls() {
      return made;
    },
    expectBoundedWalk,
    finishInOrder,
  };
}

function arm(root: string): void {
  disarm();
  scope = path.resolve(root);
  holding = true;
}

function disarm(): void {
  scope = undefined;
  holding = false;
  reversing = false;
  flights.length = 0;
  made.length = 0;
  delivered.clear();
  listeners.clear();
  peak = 0;
}

/** Stops holding: results held are handed over now, later ones as they arrive. */
function release(): void {
  holding = false;
  for (const flight of flights.filter((f) => f.hand)) deliver(flight);
}

async function releaseOne(flight: Flight): Promise<void> {
  if (!flight.hand) await new Promise<void>((resolve) => flight.onArrival.push(resolve));
  deliver(flight);
}

const until = (done: () => boolean, floorMs?: number) =>
  untilDoneOrStalled({ done, progress: () => made.length, ...(floorMs === undefined ? {} : { floorMs }) });

/** Starts `run`, observes its outcome from the start, drives it with `steps`; on failure releases everything first. */
async function drive<T>(run: Run<T>, steps: (state: () => RunState<T>) => Promise<void>): Promise<T> {
  let state: RunState<T> = { settled: false };
  const running = (async () => run.start())().then(
    (value) => void (state = { settled: true, ok: true, value }),
    (error: unknown) => void (state = { settled: true, ok: false, error }),
  );
  try {
    try {
      await steps(() => state);
    } finally {
      // Pass or fail, every held result is handed over and the code under test runs to its end.
      release();
      await whenQuiet();
    }
    const final = state as RunState<T>;
    if (!final.settled) throw new KataAssertionError(run.neverSettled());
    await running;
    run.after();
    if (!final.ok) throw final.error;
    return final.value;
  } finally {
    run.dispose();
  }
}

function expectBoundedWalk<T>(limit: number, root: string, tree: Tree, run: Run<T>): Promise<T> {
  arm(root);
  const frontier = new Frontier(path.resolve(root), tree);
  listeners.add(frontier);
  const over = () => peak > limit;
  const possible = () => Math.min(limit, flights.length + frontier.waiting);
  const waiting = () => frontier.someWaiting(scope!);

  const overLimit = async (): Promise<never> => {
    // Let it run in waves (everything held is released at once, each time it is quiet), for
    // the figure: how many lstat calls it would have in flight at its widest.
    for (let wave = 0; wave < 100; wave++) {
      await until(() => false, 0);
      const ready = flights.filter((f) => f.hand);
      if (ready.length === 0) break;
      for (const flight of ready) deliver(flight);
    }
    throw new KataAssertionError(statMessages.overLimit(run.label, limit, peak));
  };

  return drive(run, async (state) => {
    const full = () => over() || state().settled || flights.length >= possible();
    if ((await until(full)) === 'stalled' && !full()) {
      throw new KataAssertionError(statMessages.notFilled(run.label, limit, flights.length, possible(), waiting()));
    }
    for (;;) {
      // The peak only grows: a call over the limit made at any time is caught at the next look.
      if (over()) await overLimit();
      const now = state();
      if (now.settled) {
        if (!now.ok) return;
        if (made.length === 0) throw new KataAssertionError(statMessages.noneSeen(run.label));
        if (flights.length > 0 || frontier.waiting > 0) throw new KataAssertionError(statMessages.resolvedEarly(run.label, flights.length, frontier.waiting));
        return;
      }
      const oldest = flights[0];
      if (!oldest) {
        // Nothing in flight and nothing known left: let what still runs (reading a folder) end.
        if ((await until(() => over() || state().settled || flights.length > 0, 0)) === 'stalled') return; // drive() says it never settled
        continue;
      }
      await releaseOne(oldest);
      if ((await until(full)) === 'stalled' && !full()) {
        throw new KataAssertionError(statMessages.notRefilled(run.label, limit, path.relative(scope!, oldest.call.path), flights.length, possible(), waiting()));
      }
    }
  });
}

function finishInOrder<T>(root: string, run: Run<T>, pick: (inFlight: readonly StatCall[]) => StatCall): Promise<T> {
  arm(root);
  reversing = true;
  return drive(run, async (state) => {
    for (;;) {
      await until(() => false, 0);
      if (state().settled || flights.length === 0) return;
      const chosen = pick(flights.map((f) => f.call));
      await releaseOne(flights.find((f) => f.call === chosen)!);
    }
  });
}
