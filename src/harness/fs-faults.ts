/**
 * File-system fault injection and call recording that work whatever fs API the learner picked
 * (callbacks, `fs/promises`, `util.promisify(fs.x)` captured at load time) and when the tests
 * run as root, where chmod cannot produce EACCES.
 *
 * The wrappers are installed once, when this module loads (the root hooks load it before any
 * test file, so code that captures `fs.readFile` at import time captures the wrapper). While no
 * fault is armed they only record the call and pass it through. Faults and records are cleared
 * after every test by the root hooks.
 *
 * @example
 * fsFaults.inject({ call: 'rename', path: /doc\.json$/, code: 'EXDEV' });  // the 1st rename fails
 * fsFaults.inject({ call: 'readFile', path: /a\.json$/, fromCall: 20, code: 'ELOOP' }); // 20th on
 * await save(doc);
 * fsFaults.calls().filter((c) => c.api === 'sync'); // any *Sync call the code made
 *
 * Completion order, under the test's control: a gate lets matching calls run for real but holds
 * their completions (the callback, or the promise's settling) until the test releases them, in
 * the order it chooses. A mistake that depends on which of two reads finishes first is then
 * caught on every run, not on the runs where the disk happened to answer in the exposing order.
 *
 * @example
 * const gate = fsFaults.hold({ call: 'readFile', path: /parent-[ab]\.json$/ });
 * const loading = loadConfig(child);
 * await gate.waitForHeld(2, 'loadConfig(child.json)'); // both parents are read together
 * gate.release(/parent-b/);                            // b finishes first...
 * gate.release(/parent-a/);                            // ...then a
 * await loading;                                       // still merged in the listed order?
 */
import { AsyncLocalStorage } from 'node:async_hooks';
// `import * as` would give esModuleInterop's read-only copy; the wrappers must go on the real module.
import fs = require('node:fs');

import { KataAssertionError } from './callbacks';
import { fsGateMessages } from './messages';
import { settledYet, untilDoneOrStalled } from './quiet';
import { countHeldCompletion } from './resources';

/** The fs functions that can be failed and are recorded, by their name on `fs` and `fs.promises`. */
export const FS_CALLS = [
  'access', 'appendFile', 'close', 'copyFile', 'fsync', 'link', 'lstat', 'mkdir', 'mkdtemp', 'open',
  'opendir', 'readdir', 'readFile', 'readlink', 'realpath', 'rename', 'rm', 'rmdir', 'stat', 'symlink',
  'truncate', 'unlink', 'writeFile',
] as const;
export type FsCall = (typeof FS_CALLS)[number];

export interface FaultRule {
  call: FsCall;
  /** Only calls whose path argument matches (a substring or a RegExp). Default: every path. */
  path?: string | RegExp;
  /** Fail only the nth matching call (1-based). Default 1. Ignored when `fromCall` is set. */
  nth?: number;
  /** Fail every matching call from the nth on. */
  fromCall?: number;
  /** The error code, for example 'ENOSPC', 'EACCES', 'EIO'. */
  code: string;
  /** The error message. Default: "<code>: injected by the test, <call> '<path>'". */
  message?: string;
}

export interface RecordedCall {
  call: FsCall;
  path: string;
  api: 'callback' | 'promise' | 'sync';
  /** Whether the harness failed this call. */
  failed: boolean;
}

interface ArmedRule extends FaultRule {
  seen: number;
}

/** Which calls a gate holds: the call, and optionally the path. */
export interface HoldRule {
  call: FsCall;
  /** Only calls whose path argument matches (a substring or a RegExp). Default: every path. */
  path?: string | RegExp;
}

/** A completion a gate holds: the operation has finished; the code has not been told yet. */
export interface HeldCompletion {
  call: FsCall;
  path: string;
  /** Whether the operation failed (the code will receive an error when it is released). */
  failed: boolean;
}

interface HeldEntry extends HeldCompletion {
  /** When the call was made, counted over every gate: the order the gate keeps. */
  seq: number;
  deliver: () => void;
}

/** Numbers each held call when it is made, so a gate orders completions by call, not by finish. */
let callsMade = 0;

/**
 * Holds the completions of matching fs calls until the test releases them. Built by
 * {@link fsFaults.hold}; every gate is opened (whatever it still holds is delivered, in call
 * order) when the test ends.
 *
 * A gate keeps what it holds in the order the calls were made, not the order they finished: two
 * reads started together finish in whichever order the thread pool runs them, so "oldest" and
 * "newest" mean the first and last call, and a release order names the same calls on every run.
 */
export class FsGate {
  readonly #held: HeldEntry[] = [];
  #arrived = 0;
  #open = false;

  /** @internal */
  constructor(readonly rule: HoldRule) {}

  /** Completions held right now, in the order their calls were made. */
  get held(): readonly HeldCompletion[] {
    return this.#held.map(({ call, path, failed }) => ({ call, path, failed }));
  }
  /** Completions that reached the gate so far (held or since released). */
  get arrived(): number {
    return this.#arrived;
  }

  /** @internal */
  matches(call: FsCall, file: string): boolean {
    return !this.#open && call === this.rule.call && pathMatches(this.rule.path, file);
  }

  /**
   * @internal Holds a finished operation's completion, in its place by `seq` (when the call was
   * made); `deliver` tells the code under test.
   */
  hold(seq: number, call: FsCall, file: string, failed: boolean, deliver: () => void): void {
    const stopCounting = countHeldCompletion();
    this.#arrived += 1;
    const entry: HeldEntry = {
      seq,
      call,
      path: file,
      failed,
      deliver: () => {
        stopCounting();
        deliver();
      },
    };
    const later = this.#held.findIndex((h) => h.seq > seq);
    this.#held.splice(later < 0 ? this.#held.length : later, 0, entry);
  }

  /**
   * Resolves once `n` completions are held at the same time. Rejects with a learner's message
   * when the code goes quiet with fewer: it did not start the operations together. `advice`
   * replaces the message's closing advice (Promise.all) where that is not the fix, such as work
   * with a concurrency bound.
   */
  async waitForHeld(n: number, label = 'the code', advice?: string): Promise<void> {
    await this.waitForHeldUnless(n, undefined, label, advice);
  }

  /**
   * As `waitForHeld`, but stops as soon as `settling` (the call under test) has settled: true
   * when `n` completions are held, false when the call finished first. A call that has already
   * failed ("not written yet") then fails its test at once, not after the stall floor.
   * `settling` is the call's promise, or a function that says whether it has settled.
   *
   * @example
   * const loading = outcome(promises.loadConfig(app));
   * if (await gate.waitForHeldUnless(2, loading, 'loadConfig(app.json)')) gate.release(/b\.json$/);
   */
  async waitForHeldUnless(n: number, settling: Promise<unknown> | (() => boolean) | undefined, label = 'the code', advice?: string): Promise<boolean> {
    const settled = settledYet(settling);
    const verdict = await untilDoneOrStalled({
      done: () => this.#held.length >= n || settled(),
      progress: () => this.#arrived,
      heldRequests: () => this.#held.length,
    });
    if (this.#held.length >= n) return true;
    if (verdict === 'stalled') throw new KataAssertionError(fsGateMessages.notAllAtOnce(label, this.rule.call, n, this.#held.length, advice));
    return false;
  }

  /**
   * Delivers the held completion of the earliest call whose path matches (default: the earliest
   * of all), and returns it. The code under test is told in a later tick, as the real fs would.
   */
  release(path?: string | RegExp): HeldCompletion {
    const at = this.#held.findIndex((h) => pathMatches(path, h.path));
    if (at < 0) throw new Error(fsGateMessages.nothingToRelease(this.rule.call, path === undefined ? '' : String(path), this.#held.map((h) => h.path)));
    const [entry] = this.#held.splice(at, 1);
    entry!.deliver();
    return { call: entry!.call, path: entry!.path, failed: entry!.failed };
  }

  /**
   * Delivers every held completion, in the order the calls were made or the reverse (the last
   * call's first); returns how many.
   */
  releaseAll(order: 'call' | 'reverse' = 'call'): number {
    const entries = this.#held.splice(0);
    if (order === 'reverse') entries.reverse();
    for (const entry of entries) entry.deliver();
    return entries.length;
  }

  /**
   * Stops holding: delivers what is held, in call order, and lets later calls through. The
   * root hooks open every gate when a test ends; a test opens one itself once the order it
   * wanted to control is past (code that reads one file after another needs no gate).
   */
  open(): void {
    this.#open = true;
    this.releaseAll();
  }
}

function pathMatches(rule: string | RegExp | undefined, file: string): boolean {
  return rule === undefined || (typeof rule === 'string' ? file.includes(rule) : rule.test(file));
}

const gates: FsGate[] = [];
const rules: ArmedRule[] = [];
const recorded: RecordedCall[] = [];
const harnessOwn = new AsyncLocalStorage<true>();
const INSTALLED = Symbol.for('callback-katas.fs-faults');

export const fsFaults = {
  /** Arms a fault. Several can be armed at once; the first matching one applies. */
  inject(rule: FaultRule): void {
    if (!FS_CALLS.includes(rule.call)) {
      throw new TypeError(`fsFaults.inject: unknown call "${rule.call}"; expected one of ${FS_CALLS.join(', ')}`);
    }
    rules.push({ ...rule, seen: 0 });
  },
  /**
   * Holds the completions of matching calls (callback, fs/promises and promisified alike; not
   * *Sync calls, which cannot be held) until the test releases them through the returned gate.
   * The operation itself runs for real, at once. Several gates can be armed; the first that
   * matches holds a call.
   */
  hold(rule: HoldRule): FsGate {
    if (!FS_CALLS.includes(rule.call)) {
      throw new TypeError(`fsFaults.hold: unknown call "${rule.call}"; expected one of ${FS_CALLS.join(', ')}`);
    }
    const gate = new FsGate(rule);
    gates.push(gate);
    return gate;
  },
  /** The fs calls made since the last reset, in order. */
  calls(): readonly RecordedCall[] {
    return recorded;
  },
  /** Runs `fn`, and everything it awaits, with recording and faults off: for the harness's own fs use. */
  untracked<T>(fn: () => T): T {
    return harnessOwn.run(true, fn);
  },
  /** Disarms every fault, opens every gate (delivering what it holds) and forgets recorded calls. */
  reset(): void {
    for (const gate of gates.splice(0)) gate.open();
    rules.length = 0;
    recorded.length = 0;
  },
};

function pathOf(arg: unknown): string {
  if (typeof arg === 'string') return arg;
  if (Buffer.isBuffer(arg)) return arg.toString();
  if (arg instanceof URL) return arg.pathname;
  if (typeof arg === 'number') return `fd ${arg}`;
  return String(arg);
}

function faultFor(call: FsCall, file: string): NodeJS.ErrnoException | undefined {
  for (const rule of rules) {
    if (rule.call !== call) continue;
    const matches = rule.path === undefined || (typeof rule.path === 'string' ? file.includes(rule.path) : rule.path.test(file));
    if (!matches) continue;
    rule.seen += 1;
    const fires = rule.fromCall !== undefined ? rule.seen >= rule.fromCall : rule.seen === (rule.nth ?? 1);
    if (!fires) continue;
    const err: NodeJS.ErrnoException = new Error(rule.message ?? `${rule.code}: injected by the test, ${call} '${file}'`);
    err.code = rule.code;
    err.syscall = call;
    err.path = file;
    return err;
  }
  return undefined;
}

/**
 * A close that fails still releases the descriptor (as close(2) does on EIO), so the fault must
 * close it for real and then report the error; otherwise the leak check blames the code under test.
 */
function failedClose(this: unknown, original: AnyFn, args: unknown[], api: RecordedCall['api'], err: NodeJS.ErrnoException): unknown {
  if (api === 'sync') {
    try {
      original.apply(this, args);
    } catch {
      // The error to report is the injected one, whatever the real close said.
    }
    throw err;
  }
  const cb = args[args.length - 1];
  original.call(this, args[0], () => {
    if (typeof cb === 'function') (cb as AnyFn)(err);
  });
  return undefined;
}

/** Runs the call for real and hands its completion to the gate instead of the caller. */
function heldCall(this: unknown, original: AnyFn, args: unknown[], api: RecordedCall['api'], gate: FsGate, call: FsCall, file: string): unknown {
  if (api === 'promise') {
    const seq = (callsMade += 1);
    return new Promise((resolve, reject) => {
      (original.apply(this, args) as Promise<unknown>).then(
        (value) => gate.hold(seq, call, file, false, () => resolve(value)),
        // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- the fs call's own rejection, passed on unchanged
        (error: unknown) => gate.hold(seq, call, file, true, () => reject(error)),
      );
    });
  }
  const last = args.length - 1;
  const cb = args[last];
  if (typeof cb !== 'function') return original.apply(this, args);
  const seq = (callsMade += 1);
  const held = [...args];
  held[last] = (...results: unknown[]) => gate.hold(seq, call, file, results[0] != null, () => process.nextTick(() => (cb as AnyFn)(...results)));
  return original.apply(this, held);
}

function copyProps(from: object, to: object): void {
  for (const key of Reflect.ownKeys(from)) {
    if (key === 'length' || key === 'name' || key === 'prototype') continue;
    Object.defineProperty(to, key, Object.getOwnPropertyDescriptor(from, key)!);
  }
}

type AnyFn = (...args: unknown[]) => unknown;

function wrap(target: Record<string, unknown>, name: string, call: FsCall, api: RecordedCall['api']): void {
  const original = target[name] as AnyFn | undefined;
  if (typeof original !== 'function') return;
  const wrapper = function (this: unknown, ...args: unknown[]) {
    if (harnessOwn.getStore()) return original.apply(this, args);
    const file = pathOf(args[0]);
    const err = faultFor(call, file);
    recorded.push({ call, path: file, api, failed: err !== undefined });
    if (!err) {
      const gate = api === 'sync' ? undefined : gates.find((g) => g.matches(call, file));
      return gate ? heldCall.call(this, original, args, api, gate, call, file) : original.apply(this, args);
    }
    if (call === 'close') return failedClose.call(this, original, args, api, err);
    if (api === 'sync') throw err;
    if (api === 'promise') return Promise.reject(err);
    const cb = args[args.length - 1];
    if (typeof cb === 'function') process.nextTick(cb as AnyFn, err);
    return undefined;
  };
  copyProps(original, wrapper);
  Object.defineProperty(wrapper, 'name', { value: original.name });
  target[name] = wrapper;
}

const g = globalThis as Record<symbol, unknown>;
if (!g[INSTALLED]) {
  g[INSTALLED] = true;
  const cbApi = fs as unknown as Record<string, unknown>;
  const promiseApi = fs.promises as unknown as Record<string, unknown>;
  for (const call of FS_CALLS) {
    wrap(cbApi, call, call, 'callback');
    wrap(cbApi, `${call}Sync`, call, 'sync');
    // fs.promises calls fsync "datasync/sync" on a FileHandle, and has no close: skip what is absent.
    wrap(promiseApi, call, call, 'promise');
  }
}
