/**
 * Test support for safe-save: what the kata's tests need beyond the harness's fsFaults.
 *
 * - Faults at each step of a save, whatever fs API the code under test uses. fsFaults fails the
 *   functions on `fs` and `fs.promises`; it does not reach FileHandle methods (`handle.writeFile`,
 *   `handle.sync`), `fs.write`/`fs.writev`/`fs.fdatasync`, nor a close that really closes before
 *   it reports its error. This module adds those, and arms both for each step.
 * - An ordered log of flushes (with the file each one flushed, read from /proc/self/fd) and
 *   renames, so a test can tell whether the temp file was fsynced before it replaced the document.
 * - A hold: the first rename onto a given file waits until the test releases it, so a test can
 *   stop a save mid-way, start another, and only then let the first one go on. No clock involved.
 *
 * The fs wrappers are installed when this module loads; import it before the code under test, so
 * that code captures the wrappers if it captures fs functions at load time. While nothing is
 * armed they only log and pass the call through.
 *
 * Kata-local on purpose (the harness is shared): see .meta/review.md, "What the harness should
 * offer", for what fsFaults could gain so this file can shrink.
 */
import fs = require('node:fs');
import * as path from 'node:path';

import { fsFaults } from '../../../../src/harness';

/** The steps of a safe save, as a learner would name them. */
export const STEPS = {
  create: 'create the temp file',
  write: 'write the new version to the temp file',
  flush: 'flush the temp file to disk (fsync)',
  backup: 'keep the previous version as .bak',
  rename: 'rename the temp file onto the document',
} as const;
export type Step = keyof typeof STEPS;

export interface LogEntry {
  op: 'flush' | 'rename';
  /** The file flushed, or the source of the rename (normalised: see `SaveProbe.normalise`). */
  file: string;
  /** The target of a rename. */
  to?: string;
}

export interface Hold {
  /** Whether the held rename has been called (and is now waiting). */
  reached(): boolean;
  /** Lets the held rename (and any later one) go on. */
  release(): void;
}

/** Every rename onto one file, held before it runs, released by the test in the order it chooses. */
export interface RenameGate {
  /** The sources of the renames waiting now, oldest first. */
  waiting(): readonly string[];
  /** Runs the newest (or the oldest) waiting rename. */
  release(which: 'newest' | 'oldest'): void;
  /** Runs every waiting rename, and lets every later one through. */
  open(): void;
}

export interface SaveProbe {
  /** Arms a failure with `code` at `step` of the next save of `doc` (an absolute path). */
  failAt(step: Step, doc: string, code: string): void;
  /** Arms a failure with `code` of every cleanup call: closing, unlinking or removing files next to `doc`. */
  failCleanup(doc: string, code: string): void;
  /** Whether a failure armed by failAt has fired (false means the code never made such a call). */
  stepFired(): boolean;
  /** Whether a failure armed by failCleanup has fired. */
  cleanupFired(): boolean;
  /** Flushes and renames since the test started, in order. */
  log(): readonly LogEntry[];
  /** Holds the first rename onto `target` until `release()`. One hold at a time. */
  hold(target: string): Hold;
  /** Holds every rename onto `target` before it runs, until the test releases it. */
  holdRenames(target: string): RenameGate;
  /** Renames and removals (rm, unlink) of files next to a document that were called and have not completed yet. */
  inFlight(): readonly string[];
  /** `file` with its folder's symlinks resolved, as the log records paths. */
  normalise(file: string): string;
}

type AnyFn = (this: unknown, ...args: unknown[]) => unknown;
type OwnKind = 'write' | 'flush' | 'close';

interface OwnRule {
  kind: OwnKind;
  code: string;
  /** Fail every matching call (cleanup) or only the first. */
  every: boolean;
  fired: number;
}

const ownRules: OwnRule[] = [];
const entries: LogEntry[] = [];
let held: { target: string; reached: boolean; release: () => void; gate: Promise<void> } | undefined;
let renameGate: { target: string; opened: boolean; waiting: Array<{ from: string; go: () => void }> } | undefined;
/** Renames and removals called and not completed yet: what a save must have finished before it reports. */
const pending = new Set<{ what: string }>();

const CLEANUP_CALLS: ReadonlySet<string> = new Set(['unlink', 'rm', 'rmdir']);
const INSTALLED = Symbol.for('callback-katas.safe-save.save-probe');
const HANDLE_PATCHED = Symbol.for('callback-katas.safe-save.save-probe.file-handle');

function normalise(file: string): string {
  const abs = path.resolve(file);
  try {
    return path.join(fsFaults.untracked(() => fs.realpathSync(path.dirname(abs))), path.basename(abs));
  } catch {
    return abs;
  }
}

function pathOfFd(fd: unknown): string {
  if (typeof fd !== 'number') return `fd ${String(fd)}`;
  try {
    return fsFaults.untracked(() => fs.readlinkSync(`/proc/self/fd/${fd}`));
  } catch {
    return `fd ${fd}`;
  }
}

function ownFault(kind: OwnKind, what: string): NodeJS.ErrnoException | undefined {
  const rule = ownRules.find((r) => r.kind === kind && (r.every || r.fired === 0));
  if (!rule) return undefined;
  rule.fired += 1;
  const err: NodeJS.ErrnoException = new Error(`${rule.code}: injected by the test, ${what}`);
  err.code = rule.code;
  err.syscall = what;
  return err;
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Replaces `target[name]` with `make(original)`, keeping the original's own properties (util.promisify.custom). */
function replace(target: Record<string, unknown>, name: string, make: (original: AnyFn) => AnyFn): void {
  const original = target[name] as AnyFn | undefined;
  if (typeof original !== 'function') return;
  const wrapper = make(original);
  for (const key of Reflect.ownKeys(original)) {
    if (key === 'length' || key === 'name' || key === 'prototype') continue;
    Object.defineProperty(wrapper, key, Object.getOwnPropertyDescriptor(original, key)!);
  }
  Object.defineProperty(wrapper, 'name', { value: original.name });
  target[name] = wrapper;
}

/** The hold, if `to` is its target and it has not been reached yet: the caller must wait for the gate. */
function holdFor(to: unknown, from?: unknown): Promise<void> | undefined {
  if (renameGate && !renameGate.opened && typeof to === 'string' && normalise(to) === renameGate.target) {
    const gate = renameGate;
    return new Promise<void>((go) => gate.waiting.push({ from: String(from), go }));
  }
  if (!held || held.reached || typeof to !== 'string' || normalise(to) !== held.target) return undefined;
  held.reached = true;
  return held.gate;
}

/** `args` with its callback wrapped so the call counts as pending until the callback runs. */
function tracked(what: string, args: unknown[]): unknown[] {
  const cb = args[args.length - 1];
  if (typeof cb !== 'function') return args;
  const entry = { what };
  pending.add(entry);
  return [
    ...args.slice(0, -1),
    function (this: unknown, ...results: unknown[]) {
      pending.delete(entry);
      return (cb as AnyFn).apply(this, results);
    },
  ];
}

function trackedPromise(what: string, run: () => unknown): unknown {
  const entry = { what };
  pending.add(entry);
  const done = () => pending.delete(entry);
  let result: unknown;
  try {
    result = run();
  } catch (err) {
    done();
    throw err;
  }
  if (result && typeof (result as Promise<unknown>).then === 'function') {
    return (result as Promise<unknown>).then(
      (value) => (done(), value),
      (err: unknown) => {
        done();
        throw err;
      },
    );
  }
  done();
  return result;
}

function installFsWrappers(): void {
  const g = globalThis as Record<symbol, unknown>;
  if (g[INSTALLED]) return;
  g[INSTALLED] = true;
  const cbApi = fs as unknown as Record<string, unknown>;
  const promiseApi = fs.promises as unknown as Record<string, unknown>;

  // fs.write / fs.writev: not in fsFaults. fs.writeFile(fd) and write streams go through them too.
  for (const name of ['write', 'writev']) {
    replace(cbApi, name, (original) =>
      function (this: unknown, ...args: unknown[]) {
        const err = ownFault('write', `fs.${name}`);
        const cb = args[args.length - 1];
        if (err && typeof cb === 'function') return void process.nextTick(cb as AnyFn, err);
        return original.apply(this, args);
      },
    );
  }

  // fs.fsync is failed by fsFaults; fs.fdatasync is not. Both are logged with the file they flush.
  for (const name of ['fsync', 'fdatasync']) {
    replace(cbApi, name, (original) =>
      function (this: unknown, ...args: unknown[]) {
        entries.push({ op: 'flush', file: pathOfFd(args[0]) });
        const err = name === 'fdatasync' ? ownFault('flush', 'fs.fdatasync') : undefined;
        const cb = args[args.length - 1];
        if (err && typeof cb === 'function') return void process.nextTick(cb as AnyFn, err);
        return original.apply(this, args);
      },
    );
  }

  // A cleanup fault on fs.close really closes the fd, then reports the error: a failed close
  // still releases the descriptor on Linux, and a leak check must not blame the code for it.
  replace(cbApi, 'close', (original) =>
    function (this: unknown, ...args: unknown[]) {
      const err = ownFault('close', 'fs.close');
      const cb = args[args.length - 1];
      if (!err || typeof cb !== 'function') return original.apply(this, args);
      return original.apply(this, [...args.slice(0, -1), () => (cb as AnyFn)(err)]);
    },
  );

  replace(cbApi, 'rename', (original) =>
    function (this: unknown, ...args: unknown[]) {
      entries.push({ op: 'rename', file: normalise(String(args[0])), to: normalise(String(args[1])) });
      const gate = holdFor(args[1], args[0]);
      const run = () => original.apply(this, tracked(`rename of ${path.basename(String(args[0]))} onto ${path.basename(String(args[1]))}`, args));
      if (!gate) return run();
      void gate.then(run);
      return undefined;
    },
  );
  replace(promiseApi, 'rename', (original) =>
    function (this: unknown, ...args: unknown[]) {
      entries.push({ op: 'rename', file: normalise(String(args[0])), to: normalise(String(args[1])) });
      const gate = holdFor(args[1], args[0]);
      const what = `rename of ${path.basename(String(args[0]))} onto ${path.basename(String(args[1]))}`;
      return gate ? gate.then(() => trackedPromise(what, () => original.apply(this, args))) : trackedPromise(what, () => original.apply(this, args));
    },
  );
  for (const name of ['rm', 'unlink']) {
    replace(cbApi, name, (original) =>
      function (this: unknown, ...args: unknown[]) {
        return original.apply(this, tracked(`${name} of ${path.basename(String(args[0]))}`, args));
      },
    );
    replace(promiseApi, name, (original) =>
      function (this: unknown, ...args: unknown[]) {
        return trackedPromise(`${name} of ${path.basename(String(args[0]))}`, () => original.apply(this, args));
      },
    );
  }
}

/** FileHandle methods live on a prototype no module exports: reach it through a handle. */
async function patchFileHandle(): Promise<void> {
  const g = globalThis as Record<symbol, unknown>;
  if (g[HANDLE_PATCHED]) return;
  const handle = await fsFaults.untracked(() => fs.promises.open(__filename, 'r'));
  const proto = Object.getPrototypeOf(handle) as Record<string, unknown>;
  await handle.close();
  if (g[HANDLE_PATCHED]) return;
  g[HANDLE_PATCHED] = true;
  for (const name of ['write', 'writev', 'writeFile', 'appendFile']) {
    replace(proto, name, (original) =>
      function (this: unknown, ...args: unknown[]) {
        const err = ownFault('write', `filehandle.${name}`);
        return err ? Promise.reject(err) : original.apply(this, args);
      },
    );
  }
  for (const name of ['sync', 'datasync']) {
    replace(proto, name, (original) =>
      function (this: unknown, ...args: unknown[]) {
        entries.push({ op: 'flush', file: pathOfFd((this as { fd?: unknown }).fd) });
        const err = ownFault('flush', `filehandle.${name}`);
        return err ? Promise.reject(err) : original.apply(this, args);
      },
    );
  }
}

installFsWrappers();

/**
 * Registers the hooks (in the enclosing describe; call it before useTempDir so a hold is
 * released before the folder goes) and returns the probe.
 */
export function useSaveProbe(): SaveProbe {
  before(patchFileHandle);
  beforeEach(() => {
    ownRules.length = 0;
    entries.length = 0;
    held = undefined;
    renameGate = undefined;
    pending.clear();
  });
  afterEach(() => {
    ownRules.length = 0;
    held?.release();
    held = undefined;
    openRenameGate();
  });

  const failedCalls = () => fsFaults.calls().filter((c) => c.failed);
  return {
    failAt(step, doc, code) {
      const dir = path.dirname(doc);
      const name = path.basename(doc);
      // Anything in the document's folder but the document and its .bak: the temp file, whatever its name.
      const scratch = new RegExp(`^${escape(dir + path.sep)}(?!${escape(name)}(\\.bak)?$)`);
      const exactly = (file: string) => new RegExp(`^${escape(file)}$`);
      switch (step) {
        case 'create':
          fsFaults.inject({ call: 'open', path: scratch, code });
          fsFaults.inject({ call: 'writeFile', path: scratch, code });
          break;
        case 'write':
          // The first write of any kind: fs.writeFile / fs.promises.writeFile (to a path, an fd
          // or a FileHandle), fs.write(v), handle.write(v)/writeFile.
          fsFaults.inject({ call: 'writeFile', code });
          ownRules.push({ kind: 'write', code, every: false, fired: 0 });
          break;
        case 'flush':
          fsFaults.inject({ call: 'fsync', code });
          ownRules.push({ kind: 'flush', code, every: false, fired: 0 });
          break;
        case 'backup':
          // Whatever keeps the previous version: a rename, copy or link of the document, or a
          // write of the .bak file.
          for (const call of ['rename', 'copyFile', 'link'] as const) fsFaults.inject({ call, path: exactly(doc), code });
          for (const call of ['writeFile', 'open'] as const) fsFaults.inject({ call, path: exactly(`${doc}.bak`), code });
          break;
        case 'rename':
          fsFaults.inject({ call: 'rename', path: scratch, code });
          break;
      }
    },
    failCleanup(doc, code) {
      const scratch = new RegExp(`^${escape(path.dirname(doc) + path.sep)}`);
      for (const call of ['unlink', 'rm', 'rmdir'] as const) fsFaults.inject({ call, path: scratch, fromCall: 1, code });
      ownRules.push({ kind: 'close', code, every: true, fired: 0 });
    },
    stepFired: () => failedCalls().some((c) => !CLEANUP_CALLS.has(c.call)) || ownRules.some((r) => r.kind !== 'close' && r.fired > 0),
    cleanupFired: () => failedCalls().some((c) => CLEANUP_CALLS.has(c.call)) || ownRules.some((r) => r.kind === 'close' && r.fired > 0),
    log: () => entries,
    hold(target) {
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      const state = { target: normalise(target), reached: false, release, gate };
      held = state;
      return { reached: () => state.reached, release };
    },
    holdRenames(target) {
      openRenameGate();
      const gate = { target: normalise(target), opened: false, waiting: [] as Array<{ from: string; go: () => void }> };
      renameGate = gate;
      return {
        waiting: () => gate.waiting.map((w) => w.from),
        release(which) {
          const next = which === 'newest' ? gate.waiting.pop() : gate.waiting.shift();
          next?.go();
        },
        open() {
          gate.opened = true;
          for (const w of gate.waiting.splice(0)) w.go();
        },
      };
    },
    inFlight: () => [...pending].map((p) => p.what),
    normalise,
  };
}

function openRenameGate(): void {
  const gate = renameGate;
  renameGate = undefined;
  if (!gate) return;
  gate.opened = true;
  for (const w of gate.waiting.splice(0)) w.go();
}

/** Every error reachable from `err` through AggregateError.errors, cause, and SuppressedError's error/suppressed. */
export function errorsIn(err: unknown): unknown[] {
  const seen = new Set<unknown>();
  const walk = (e: unknown): void => {
    if (e === null || e === undefined || seen.has(e) || seen.size > 50) return;
    seen.add(e);
    if (typeof e !== 'object') return;
    const o = e as { errors?: unknown; cause?: unknown; error?: unknown; suppressed?: unknown };
    if (Array.isArray(o.errors)) o.errors.forEach(walk);
    walk(o.cause);
    walk(o.error);
    walk(o.suppressed);
  };
  walk(err);
  return [...seen];
}

/** The `code`s of every error reachable from `err`. */
export function codesIn(err: unknown): string[] {
  return errorsIn(err).flatMap((e) => {
    const code = (e as { code?: unknown } | null)?.code;
    return typeof code === 'string' ? [code] : [];
  });
}
