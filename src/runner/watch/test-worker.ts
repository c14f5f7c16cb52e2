/**
 * The parent side of `kata watch`'s test worker: starts worker.ts with child_process.fork, sends
 * it runs, and returns each run's results in the same form as runKata's (without coverage).
 *
 * A watchdog guards every run: when a run takes longer than the kata's runTimeoutSeconds (an
 * infinite loop), or the worker dies mid-run (process.exit, a crash), the worker is killed and a
 * fresh one started, and the result says what happened. A run that leaves servers or timers
 * open also gets a fresh worker, so leftovers of one run cannot pile up into the next.
 *
 * @example
 * const worker = new TestWorker(kata);
 * const result = await worker.run(testFiles(kata)); // { tests, crash?, timedOut?, ms, … }
 * worker.stop();
 */
import { type ChildProcess, fork } from 'node:child_process';
import * as path from 'node:path';

import type { Kata } from '../../kata/metadata';
import { type RunResult, TS_LOADER } from '../run-kata';
import { learnerFiles, testFiles } from '../../kata/learner-files';
import type { FromWorker, ToWorker } from './protocol';

/** A watch run: runKata's data form, with how long it took and what the watchdog did. */
export interface WatchRun extends RunResult {
  /** From the run request to the results (ms). */
  ms: number;
  /** Of `ms`, loading the test files in the worker: compiling what changed (ms). */
  loadMs?: number;
  /** Set when the worker had to be replaced: why, in the learner's terms. */
  restarted?: string;
}

// The same code runs from TypeScript (through the library's loader) and compiled: start the worker the same way.
const WORKER_FILE = path.join(__dirname, `worker${path.extname(__filename)}`);
const OUTPUT_LIMIT = 64 * 1024;

interface ActiveRun {
  id: number;
  /** performance.now() when the run was asked for. */
  requested: number;
  lastTest: string | undefined;
  output: string;
  finish(result: Omit<WatchRun, 'exitCode' | 'dispose' | 'output'>): void;
}

export class TestWorker {
  private child: ChildProcess | undefined;
  private ready: Promise<void> | undefined;
  private active: ActiveRun | undefined;
  private nextId = 1;
  private stopped = false;
  private readonly killOnExit = () => this.child?.kill('SIGKILL');

  constructor(
    private readonly kata: Kata,
    private readonly timeoutSeconds = kata.meta.runTimeoutSeconds,
  ) {
    process.once('exit', this.killOnExit);
  }

  /** Starts the worker if none is running; resolves once it has loaded mocha and the harness. */
  start(): Promise<void> {
    if (this.ready) return this.ready;
    // The library's TypeScript loader as a Node option, so that the kata's own worker threads
    // inherit it (as in kata runs); compiled to .js the library needs none.
    const execArgv = path.extname(__filename) === '.ts' ? ['--require', TS_LOADER] : [];
    const warm = [this.kata.dir, ...testFiles(this.kata), ...learnerFiles(this.kata).filter((f) => f.endsWith('.ts'))];
    const child = fork(WORKER_FILE, warm, {
      cwd: this.kata.dir,
      execArgv,
      env: { ...process.env, FORCE_COLOR: '0', KATA_QUIET: '1' },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    this.child = child;
    let early = '';
    const collect = (chunk: Buffer) => {
      if (this.child !== child) return;
      if (this.active) {
        if (this.active.output.length < OUTPUT_LIMIT) this.active.output += chunk.toString();
      } else if (early.length < OUTPUT_LIMIT) {
        early += chunk.toString();
      }
    };
    child.stdout!.on('data', collect);
    child.stderr!.on('data', collect);

    let started = false;
    this.ready = new Promise<void>((resolve, reject) => {
      child.on('message', (message: FromWorker) => {
        if (message.type === 'ready') {
          started = true;
          resolve();
        } else {
          this.onMessage(message);
        }
      });
      child.once('exit', (code, signal) => {
        reject(new Error(`The test worker stopped while starting (${signal ?? `exit code ${code}`}):\n${early.trim()}`));
        // A worker that never started would fail the same way again: wait for the next save.
        this.onExit(child, code, signal, started);
      });
    });
    // The rejection is reported by the run that awaits it; a worker started ahead of time may have none.
    this.ready.catch(() => undefined);
    return this.ready;
  }

  /** Runs these test files; never rejects: a worker that cannot start is reported as a crash. */
  async run(files: string[]): Promise<WatchRun> {
    const requested = performance.now();
    try {
      await this.start();
    } catch (err) {
      this.ready = undefined;
      return this.result({ tests: [], crash: (err as Error).message, ms: 0 }, '');
    }
    const child = this.child!;
    const id = this.nextId++;
    return new Promise<WatchRun>((resolve) => {
      const timer = setTimeout(() => {
        const lastTest = this.active?.lastTest;
        this.replace(child);
        finish({ tests: [], timedOut: { seconds: this.timeoutSeconds, lastTest }, ms: Math.round(performance.now() - requested), restarted: 'Stopped the tests and started a fresh test process.' });
      }, this.timeoutSeconds * 1000);
      const finish: ActiveRun['finish'] = (result) => {
        clearTimeout(timer);
        const output = this.active?.output ?? '';
        this.active = undefined;
        resolve(this.result(result, output));
      };
      this.active = { id, requested, lastTest: undefined, output: '', finish };
      child.send({ type: 'run', id, kataDir: this.kata.dir, files } satisfies ToWorker);
    });
  }

  /** Asks the running run to stop after its current test (its results will be ignored). */
  abort(): void {
    if (this.active && this.child?.connected) this.child.send({ type: 'abort', id: this.active.id } satisfies ToWorker);
  }

  /** Kills the worker; no run may follow. */
  stop(): void {
    this.stopped = true;
    process.removeListener('exit', this.killOnExit);
    this.child?.kill('SIGKILL');
    this.child = undefined;
  }

  private onMessage(message: FromWorker): void {
    const active = this.active;
    if (!active || message.type === 'ready' || message.id !== active.id) return;
    if (message.type === 'test-begin') {
      active.lastTest = message.title;
      return;
    }
    const result: Omit<WatchRun, 'exitCode' | 'dispose' | 'output'> = { tests: message.tests, ms: Math.round(performance.now() - active.requested), loadMs: message.loadMs };
    if (message.crash) result.crash = message.crash;
    if (message.leftOpen.length > 0) {
      this.replace(this.child!);
      result.restarted = `The code under test left ${message.leftOpen.join(', ')} open after the tests: started a fresh test process, so leftovers cannot pile up.`;
    }
    active.finish(result);
  }

  private onExit(child: ChildProcess, code: number | null, signal: NodeJS.Signals | null, started: boolean): void {
    if (this.child !== child) return; // a worker we replaced on purpose
    this.child = undefined;
    this.ready = undefined;
    const active = this.active;
    if (!active) {
      if (started && !this.stopped) void this.start().catch(() => undefined);
      return;
    }
    const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
    const during = active.lastTest ? `during the test "${active.lastTest}"` : 'while loading the test files';
    active.finish({
      tests: [],
      crash: `The test process ${how} ${during}. Something in the code under test ended the process: a call to process.exit(), or an error thrown where nothing could catch it.`,
      ms: Math.round(performance.now() - active.requested),
      restarted: 'Started a fresh test process.',
    });
    if (!this.stopped) void this.start().catch(() => undefined);
  }

  /** Kills this worker and starts the next one now, so the next save does not wait for it. */
  private replace(child: ChildProcess): void {
    if (this.child === child) {
      this.child = undefined;
      this.ready = undefined;
    }
    child.kill('SIGKILL');
    if (!this.stopped) void this.start().catch(() => undefined);
  }

  private result(partial: Omit<WatchRun, 'exitCode' | 'dispose' | 'output'>, output: string): WatchRun {
    return { ...partial, exitCode: null, output, dispose: () => undefined };
  }
}
