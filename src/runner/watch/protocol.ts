/**
 * Messages between `kata watch` and its test worker (worker.ts), over the child_process IPC
 * channel. The worker stays alive between runs; each run is one `run` message and one `done`.
 */
import type { TestResult } from '../run-kata';

export type ToWorker =
  /** Run these test files (absolute) after forgetting every module loaded from `kataDir`. */
  | { type: 'run'; id: number; kataDir: string; files: string[] }
  /** Stop the run after the current test: a newer save makes its results moot. */
  | { type: 'abort'; id: number };

export type FromWorker =
  /** mocha, chai and the harness are loaded: the next run pays none of that. */
  | { type: 'ready' }
  | { type: 'test-begin'; id: number; title: string }
  | {
      type: 'done';
      id: number;
      tests: TestResult[];
      /** The tests could not be loaded: the error's message and stack, for explainCrash. */
      crash?: string;
      ms: number;
      /** Of `ms`, the time spent loading the test files (compiling what changed since the last run). */
      loadMs: number;
      /** Kinds of resources still open after the run that were not before it (see worker.ts). */
      leftOpen: string[];
    };
