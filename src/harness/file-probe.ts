/**
 * Which input files are being read at the same time, proved without a clock, for katas about
 * reading files in parallel or with a concurrency limit.
 *
 * The inputs are named pipes (FIFOs). A non-blocking open of a pipe for writing fails with ENXIO
 * until a reader has it open, so polling each pipe once per turn of the event loop tells which
 * files are being read right now, whatever API the learner used (callbacks, fs/promises, streams,
 * a FileHandle). A reader then waits, holding its read, until the probe releases that file:
 * writes its content and closes the pipe, which the reader sees as the end of the file. The test
 * decides when each read finishes, so "3 at once" or "never more than 2" is a fact, not a timing.
 *
 * Limits, on purpose:
 * - At most {@link MAX_PIPES} files per probe: every blocked open or read holds one of libuv's
 *   threads (4 unless UV_THREADPOOL_SIZE says otherwise), and a fifth would wait behind them.
 * - A synchronous read (readFileSync, openSync) of a pipe would block the whole process before
 *   the probe can answer: while a probe is open those calls fail on its pipes with a message.
 * - The pipes live in the OS temp dir: a pipe inside the project makes tools that copy the
 *   project (Stryker) hang on it.
 *
 * @example
 * describe('readAll(files, limit)', () => {
 *   const pipes = usePipeFiles({ 'a.txt': 'A', 'b.txt': 'B', 'c.txt': 'C', 'd.txt': 'D' });
 *   it('reads at most 2 files at once and keeps 2 going', async () => {
 *     const texts = await pipes.expectBoundedReads('readAll(files, 2)', 2, () => readAll(pipes.paths, 2));
 *     expect(texts).to.deep.equal(['A', 'B', 'C', 'D']);
 *   });
 * });
 */
import { execFileSync } from 'node:child_process';
// `import * as` would give esModuleInterop's read-only copy; the sync guard must go on the real module.
import fs = require('node:fs');
import * as os from 'node:os';
import * as path from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';

import { KataAssertionError } from './callbacks';
import { fsFaults } from './fs-faults';
import { probeMessages } from './messages/probes';
import { STALL_FLOOR_MS, watch } from './quiet';

/** Most files one probe may hold; see the module comment. */
export const MAX_PIPES = Math.max(1, Number(process.env.UV_THREADPOOL_SIZE) || 4);

type PipeState =
  | { kind: 'waiting' }
  | { kind: 'reading'; fd: number; since: number }
  | { kind: 'released' };

interface Pipe {
  name: string;
  file: string;
  content: Buffer;
  state: PipeState;
}

/** Files read at once, as the probe saw them. */
export interface ReadReport {
  /** Most files open for reading at the same time. */
  maxAtOnce: number;
  /** File names in the order their reads began. */
  started: string[];
}

export interface PipeFiles {
  /** The directory holding the pipes (in the OS temp dir). */
  readonly dir: string;
  /** File names, in the order given. */
  readonly names: readonly string[];
  /** Absolute paths of the pipes, in the order of {@link names}. */
  readonly paths: readonly string[];
  /** Absolute path of one pipe. */
  path(name: string): string;
  /** Names of the files open for reading right now and not released yet, oldest read first. */
  readingNow(): string[];
  /** What the probe has seen so far. */
  report(): ReadReport;
  /**
   * Resolves with the files being read once `count` of them are open for reading at the same
   * time; rejects with a "read one after the other" message when the process goes quiet first.
   */
  waitForReaders(count: number, label?: string): Promise<string[]>;
  /** Ends the read of `name` (default: the oldest read in progress): writes its content and closes the pipe. */
  release(name?: string): Promise<string>;
  /**
   * Runs `run` and proves that all files (at most {@link MAX_PIPES}) are read at the same time,
   * then lets every read finish. Resolves as `run` does.
   */
  expectParallelReads<T>(label: string, run: () => Promise<T>): Promise<T>;
  /**
   * Runs `run` and proves that it reads `limit` files at once, never more, and starts the next
   * file as soon as one finishes (no batches). Files finish one at a time, oldest first.
   */
  expectBoundedReads<T>(label: string, limit: number, run: () => Promise<T>): Promise<T>;
  /** Unblocks every reader still waiting, closes every fd and removes the pipes. Safe to call twice. */
  close(): Promise<void>;
}

// Saved before any guard goes on. The probe's own calls bypass fs-faults' recording, so a kata
// that checks the learner's sync calls does not see the probe's.
const openSync = fs.openSync;
const closeOwn = (fd: number): void => fsFaults.untracked(() => fs.closeSync(fd));
const active = new Map<string, PipeFilesImpl>();

/**
 * Creates one named pipe per entry of `files` (name -> the content its reader will get).
 *
 * @example
 * const pipes = await createPipeFiles({ 'a.txt': 'A', 'b.txt': 'B' });
 * try {
 *   const run = readBoth(pipes.paths);
 *   await pipes.waitForReaders(2);
 *   await pipes.release('a.txt');
 *   await pipes.release('b.txt');
 *   await run;
 * } finally {
 *   await pipes.close();
 * }
 */
export async function createPipeFiles(files: Record<string, string | Buffer>): Promise<PipeFiles> {
  const names = Object.keys(files);
  if (names.length === 0 || names.length > MAX_PIPES) {
    throw new RangeError(
      `createPipeFiles: expected from 1 to ${MAX_PIPES} files, got ${names.length}: each file being read holds one of libuv's ${MAX_PIPES} threads`,
    );
  }
  for (const name of names) {
    if (name !== path.basename(name) || name === '.' || name === '..') {
      throw new TypeError(`createPipeFiles: expected plain file names, got "${name}"`);
    }
  }
  const dir = await fsFaults.untracked(() => fs.promises.mkdtemp(path.join(os.tmpdir(), 'kata-pipes-')));
  const pipes = names.map((name) => ({ name, file: path.join(dir, name), content: Buffer.from(files[name]!), state: { kind: 'waiting' } as PipeState }));
  try {
    execFileSync('mkfifo', ['-m', '600', ...pipes.map((p) => p.file)], { stdio: 'pipe' });
  } catch (err) {
    await fsFaults.untracked(() => fs.promises.rm(dir, { recursive: true, force: true }));
    throw new Error(`createPipeFiles: mkfifo failed, the probe needs a POSIX system: ${String(err)}`, { cause: err });
  }
  return new PipeFilesImpl(dir, pipes);
}

/**
 * Registers beforeEach/afterEach hooks in the enclosing `describe` that give each test fresh
 * pipes with `files` as contents, and close them after it, even when the test failed.
 *
 * @example
 * const pipes = usePipeFiles({ 'a.txt': 'A', 'b.txt': 'B', 'c.txt': 'C' });
 * it('reads all files at once', async () => {
 *   await pipes.expectParallelReads('readAll(files)', () => readAll(pipes.paths));
 * });
 */
export function usePipeFiles(files: Record<string, string | Buffer>): PipeFiles {
  let current: PipeFiles | undefined;
  beforeEach(async () => {
    current = await createPipeFiles(files);
  });
  afterEach(async () => {
    await current?.close();
    current = undefined;
  });
  const get = (): PipeFiles => {
    if (!current) throw new Error('the pipes are only available inside a test of the describe that called usePipeFiles()');
    return current;
  };
  return {
    get dir() {
      return get().dir;
    },
    get names() {
      return get().names;
    },
    get paths() {
      return get().paths;
    },
    path: (name) => get().path(name),
    readingNow: () => get().readingNow(),
    report: () => get().report(),
    waitForReaders: (count, label) => get().waitForReaders(count, label),
    release: (name) => get().release(name),
    expectParallelReads: (label, run) => get().expectParallelReads(label, run),
    expectBoundedReads: (label, limit, run) => get().expectBoundedReads(label, limit, run),
    close: () => get().close(),
  };
}

/** How a run of the learner's code ended, when it has. */
type RunState<T> = { settled: false } | { settled: true; ok: true; value: T } | { settled: true; ok: false; error: unknown };

class PipeFilesImpl implements PipeFiles {
  readonly names: readonly string[];
  readonly paths: readonly string[];
  private maxAtOnce = 0;
  private readonly started: string[] = [];
  private syncRead: string | undefined;
  private closed = false;

  constructor(
    readonly dir: string,
    private readonly pipes: Pipe[],
  ) {
    this.names = pipes.map((p) => p.name);
    this.paths = pipes.map((p) => p.file);
    for (const p of pipes) active.set(p.file, this);
    installSyncGuard();
  }

  path(name: string): string {
    return this.pipe(name).file;
  }

  readingNow(): string[] {
    this.poll();
    return this.reading().map((p) => p.name);
  }

  report(): ReadReport {
    this.poll();
    return { maxAtOnce: this.maxAtOnce, started: [...this.started] };
  }

  async waitForReaders(count: number, label = 'the code under test'): Promise<string[]> {
    this.checkCount('waitForReaders', count, this.pipes.length);
    const reached = await this.settle(() => this.reading().length >= count, true);
    if (!reached) throw this.failure(probeMessages.readSerially(label, count, this.readingNames()));
    return this.readingNames();
  }

  async release(name?: string): Promise<string> {
    this.poll();
    const pipe = name === undefined ? this.reading()[0] : this.pipe(name);
    if (!pipe) throw new Error('release(): no file is being read right now');
    if (pipe.state.kind !== 'reading') throw new Error(`release("${pipe.name}"): that file is ${pipe.state.kind === 'waiting' ? 'not being read yet' : 'already released'}`);
    const { fd } = pipe.state;
    try {
      await writeAll(fd, pipe.content);
    } finally {
      pipe.state = { kind: 'released' };
      closeOwn(fd);
    }
    return pipe.name;
  }

  async expectParallelReads<T>(label: string, run: () => Promise<T>): Promise<T> {
    return this.drive(label, run, async (state) => {
      const all = this.pipes.length;
      const reached = await this.settle(() => this.reading().length >= all || state().settled, true);
      if (!reached || this.reading().length < all) {
        // Serial code, or code that skips a file? Finishing the reads held tells them apart:
        // serial code then starts the next file, the other finishes with files unread.
        const seen = this.readingNames();
        const before = this.started.length;
        while (this.reading().length > 0) await this.release();
        await this.settle(() => this.started.length > before || state().settled, true);
        this.failFor(label, state(), probeMessages.readSerially(label, all, seen));
      }
      while (this.reading().length > 0) await this.release();
    });
  }

  async expectBoundedReads<T>(label: string, limit: number, run: () => Promise<T>): Promise<T> {
    this.checkCount('expectBoundedReads', limit, Infinity);
    const over = () => this.reading().length > limit;
    const exceeded = () => this.failure(probeMessages.exceededLimit(label, limit, this.readingNames()));
    return this.drive(label, run, async (state) => {
      const first = Math.min(limit, this.pipes.length);
      const reached = await this.settle(() => this.reading().length >= first || over() || state().settled, true);
      if (over()) throw exceeded();
      if (!reached || this.reading().length < first) this.failFor(label, state(), probeMessages.readSerially(label, first, this.readingNames()));
      for (;;) {
        // Quiet without the time floor: a read beyond the limit that was already asked for is a
        // request in flight, so it keeps the process busy until it shows up as a reader.
        await this.settle(over, false);
        if (over()) throw exceeded();
        if (this.reading().length === 0) return;
        const finished = await this.release();
        const target = Math.min(limit, this.pipes.filter((p) => p.state.kind !== 'released').length);
        const refilled = await this.settle(() => this.reading().length >= target || over() || state().settled, true);
        if (over()) throw exceeded();
        if (!refilled || this.reading().length < target) {
          this.failFor(label, state(), probeMessages.didNotRefill(label, finished, target, this.readingNames()));
        }
      }
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const errors: unknown[] = [];
    // Each pipe is opened read-write (never blocks on Linux) before it is removed: a reader
    // waiting in open(), or one whose open lands before the removal, gets a writer and so
    // returns; closing every write end afterwards gives all of them an end of file instead of
    // a libuv thread held forever. Sync calls only: the threads may all be taken by readers.
    const keepOpen: number[] = [];
    for (const pipe of this.pipes) {
      try {
        keepOpen.push(fsFaults.untracked(() => openSync(pipe.file, fs.constants.O_RDWR | fs.constants.O_NONBLOCK)));
      } catch (err) {
        errors.push(err);
      }
      if (pipe.state.kind === 'reading') closeOwn(pipe.state.fd);
      pipe.state = { kind: 'released' };
      active.delete(pipe.file);
    }
    if (active.size === 0) removeSyncGuard();
    try {
      fsFaults.untracked(() => fs.rmSync(this.dir, { recursive: true, force: true }));
    } catch (err) {
      errors.push(err);
    }
    for (const fd of keepOpen) closeOwn(fd);
    if (errors.length > 0) throw new AggregateError(errors, `closing the pipes in ${this.dir} failed`);
  }

  /** Records that the learner read `file` synchronously; the caller throws. */
  noteSyncRead(file: string): void {
    this.syncRead ??= path.basename(file);
  }

  private pipe(name: string): Pipe {
    const pipe = this.pipes.find((p) => p.name === name);
    if (!pipe) throw new Error(`no pipe named "${name}"; the files are ${this.names.join(', ')}`);
    return pipe;
  }

  private reading(): Pipe[] {
    return this.pipes
      .filter((p): p is Pipe & { state: { kind: 'reading'; fd: number; since: number } } => p.state.kind === 'reading')
      .sort((a, b) => a.state.since - b.state.since);
  }

  private readingNames(): string[] {
    return this.reading().map((p) => p.name);
  }

  /** One look at every pipe not yet seen: a non-blocking open for writing succeeds once a reader is there. */
  private poll(): void {
    if (this.closed) return;
    for (const pipe of this.pipes) {
      if (pipe.state.kind !== 'waiting') continue;
      let fd: number;
      try {
        fd = fsFaults.untracked(() => openSync(pipe.file, fs.constants.O_WRONLY | fs.constants.O_NONBLOCK));
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENXIO') continue;
        throw err;
      }
      // Holding the write end keeps the reader waiting for data until release().
      pipe.state = { kind: 'reading', fd, since: this.started.length };
      this.started.push(pipe.name);
    }
    this.maxAtOnce = Math.max(this.maxAtOnce, this.reading().length);
  }

  /**
   * Resolves true as soon as `done()` holds, false once the process goes quiet (see quiet.ts):
   * no request or immediate beyond the reads the probe holds, and no new reader, for 20 turns
   * (and 250 ms when `withFloor`, for a failure verdict). Handles are left out: none reads a file.
   */
  private async settle(done: () => boolean, withFloor: boolean): Promise<boolean> {
    const verdict = await watch({
      done: () => {
        this.poll();
        return this.syncRead !== undefined || done();
      },
      progress: () => this.started.length,
      // Each reader the probe holds waits in exactly one request (its open or its read).
      heldRequests: () => this.reading().length,
      handles: 'ignore',
      floorMs: withFloor ? STALL_FLOOR_MS : 0,
    });
    if (this.syncRead !== undefined) throw this.failure(probeMessages.readSynchronously(this.syncRead));
    return verdict === 'done';
  }

  /**
   * Runs the learner's code with its outcome observed from the start (a rejection while the
   * probe drives the reads is never unhandled), then `steps`. On a failure the pipes are closed
   * at once, so the learner's blocked reads end and their code can settle before the test ends.
   */
  private async drive<T>(label: string, run: () => Promise<T>, steps: (state: () => RunState<T>) => Promise<void>): Promise<T> {
    let state: RunState<T> = { settled: false };
    // An async wrapper turns a synchronous throw into a rejection, like everything else.
    const started = (async () => run())();
    const running = started.then(
      (value) => void (state = { settled: true, ok: true, value }),
      (error: unknown) => void (state = { settled: true, ok: false, error }),
    );
    try {
      await steps(() => state);
    } catch (err) {
      await this.close();
      // Until nothing is in flight, not just until the run settles: Promise.all rejects at the
      // first error while the other reads are still closing their files.
      await this.settle(() => false, false);
      throw err;
    }
    await running;
    const final = state as RunState<T>;
    if (!final.settled) throw new Error(`${label}: the run did not settle (a bug of the probe)`);
    if (!final.ok) {
      await this.settle(() => false, false); // as above: the other reads may still be closing
      throw final.error;
    }
    const unread = this.unread();
    if (unread.length > 0) throw this.failure(probeMessages.neverRead(label, unread));
    return final.value;
  }

  private unread(): string[] {
    return this.pipes.filter((p) => p.state.kind === 'waiting').map((p) => p.name);
  }

  /**
   * Fails with what the learner most needs to see: their own error when their code already
   * rejected, "never read" when it finished without reading some files, `message` otherwise.
   */
  private failFor(label: string, state: RunState<unknown>, message: string): never {
    if (state.settled && !state.ok) throw state.error;
    if (state.settled && this.unread().length > 0) throw this.failure(probeMessages.neverRead(label, this.unread()));
    throw this.failure(message);
  }

  private failure(message: string): KataAssertionError {
    return new KataAssertionError(message);
  }

  private checkCount(fn: string, count: number, max: number): void {
    if (!Number.isInteger(count) || count < 1 || count > max) {
      throw new RangeError(`${fn}: expected an integer from 1 to ${max}, got ${String(count)} (${typeof count})`);
    }
  }
}

/** Writes `content` to a non-blocking pipe, waiting a turn whenever the pipe buffer is full. */
async function writeAll(fd: number, content: Buffer): Promise<void> {
  let offset = 0;
  while (offset < content.length) {
    try {
      offset += fsFaults.untracked(() => fs.writeSync(fd, content, offset));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw err;
      await nextTurn();
    }
  }
}

// A synchronous open of a pipe with no writer blocks the main thread, so the probe could never
// answer and mocha's timeout could never fire. While a probe is open, the two sync entry points
// that open by path fail on its pipes instead. (readFileSync with 'utf8' does not go through
// openSync, hence both.) Code that captured these functions before the probe was created is
// not covered: kata tests should reject sync calls on regular files first (fsFaults.calls()).
const guarded = { openSync: fs.openSync, readFileSync: fs.readFileSync };
let guardInstalled = false;

function syncGuard<F extends (...args: never[]) => unknown>(original: F, opensForWriting: (flags: unknown) => boolean): F {
  return function (this: unknown, ...args: Parameters<F>) {
    const file = typeof args[0] === 'string' ? path.resolve(args[0]) : undefined;
    const owner = file === undefined ? undefined : active.get(file);
    if (owner && !opensForWriting(args[1])) {
      owner.noteSyncRead(file!);
      const err: NodeJS.ErrnoException = new Error(probeMessages.readSynchronously(path.basename(file!)));
      err.code = 'EWOULDBLOCK';
      throw err;
    }
    return original.apply(this, args);
  } as F;
}

function installSyncGuard(): void {
  if (guardInstalled) return;
  guardInstalled = true;
  guarded.openSync = fs.openSync;
  guarded.readFileSync = fs.readFileSync;
  const nonBlocking = (flags: unknown) => typeof flags === 'number' && (flags & fs.constants.O_NONBLOCK) !== 0;
  fs.openSync = syncGuard(guarded.openSync, nonBlocking);
  fs.readFileSync = syncGuard(guarded.readFileSync, () => false);
}

function removeSyncGuard(): void {
  if (!guardInstalled) return;
  guardInstalled = false;
  fs.openSync = guarded.openSync;
  fs.readFileSync = guarded.readFileSync;
}
