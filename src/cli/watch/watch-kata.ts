/**
 * `kata watch`: runs a kata's tests, then again on every save of the learner's files, in a
 * long-lived test worker (test-worker.ts), and prints the summary of each run. In a terminal it
 * redraws the screen and takes keys (h hint, c full check, r rerun, q quit); in a pipe it prints
 * one block per run, or one JSON line per run with --json.
 */
import * as path from 'node:path';
import * as readline from 'node:readline';

import { type Kata, implementationRoot } from '../../kata/metadata';
import { kataCommand } from '../command';
import { formatHint, takeNextHint } from '../../learner/hints';
import { testFiles } from '../../kata/learner-files';
import { color, note, warn } from '../output';
import { recordResult } from '../../learner/record-run';
import { formatSummary, type RunSummary } from '../summary';
import { TestWorker, type WatchRun } from '../../runner/watch/test-worker';
import { watchDirs } from './watch-dirs';

export interface WatchOptions {
  /** Overrides the kata's runTimeoutSeconds for the watchdog. */
  timeoutSeconds?: number;
  /** One JSON object per line and per run, instead of text. */
  json?: boolean;
  /** Debounce of file events, ms: an editor's save is often several events. */
  debounceMs?: number;
  /** Runs a full check (coverage + callback-hell check) for the `c` key; resolves with its output lines printed. */
  fullCheck?: (kata: Kata) => Promise<unknown>;
  /** Called with each run's verdict once it is recorded (a dojo journals it). */
  onRun?: (summary: RunSummary) => void;
  /** Lines shown above each run's summary (a dojo's clock and rotation). */
  banner?: () => string[];
  /** Stops watching, as q would (a dojo's timebox running out). */
  signal?: AbortSignal;
}

const CLEAR = '\x1b[2J\x1b[H';
const SOURCE_EXTENSIONS = new Set(['.ts', '.mts', '.cts', '.js', '.mjs', '.cjs', '.json']);
const OUTPUT_LINES = 15;

/** Resolves with the exit code when the learner quits (q, Ctrl-C) or the process is told to stop. */
export function watchKata(kata: Kata, options: WatchOptions = {}): Promise<number> {
  const tty = Boolean(process.stdout.isTTY) && !options.json;
  const keys = tty && Boolean(process.stdin.isTTY);
  const worker = new TestWorker(kata, options.timeoutSeconds ?? kata.meta.runTimeoutSeconds);
  const watched = watchedRoots(kata);
  const write = (text: string) => process.stdout.write(text);

  let runs = 0;
  let running = false;
  let again = false;
  let busy = false; // a full check or a hint is on screen: saves wait
  let closing = false;
  let last: RunSummary | undefined;
  let debounce: NodeJS.Timeout | undefined;

  return new Promise<number>((resolve) => {
    const footer = () =>
      keys
        ? note(`Watching ${watched.map((r) => `${r}/`).join(' and ')} · keys: ${color.bold('h')} hint · ${color.bold('c')} full check (coverage + callback-hell check) · ${color.bold('r')} rerun · ${color.bold('q')} quit`)
        : note(`Watching ${watched.map((r) => `${r}/`).join(' and ')} for saves (Ctrl-C to stop). Coverage and the callback-hell check: ${kataCommand(`check ${kata.name}`)}`);

    const show = (result: WatchRun, summary: RunSummary) => {
      if (options.json) {
        write(`${JSON.stringify({ event: 'run', run: runs, ms: result.ms, ...(result.loadMs !== undefined ? { loadMs: result.loadMs } : {}), summary, ...(result.restarted ? { restarted: result.restarted } : {}), output: result.output })}\n`);
        return;
      }
      const banner = options.banner?.() ?? [];
      const lines = [
        ...banner,
        color.bold(`Watching ${kata.name}`) + note(` · run ${runs} · ${new Date().toLocaleTimeString()} · ${result.ms} ms${result.loadMs !== undefined ? ` (loading ${result.loadMs})` : ''}`),
        '',
        ...formatSummary(kata, summary),
      ];
      if (result.restarted) lines.push('', color.yellow(result.restarted));
      const output = result.output.trimEnd();
      if (output) {
        const all = output.split('\n');
        lines.push('', note(`Output of the code under test${all.length > OUTPUT_LINES ? ` (last ${OUTPUT_LINES} of ${all.length} lines)` : ''}:`), ...all.slice(-OUTPUT_LINES));
      }
      if (summary.green && summary.coverageMet === undefined) lines.push('', note(`Coverage is not measured on each save: ${keys ? 'press c' : `run ${kataCommand(`check ${kata.name}`)}`} for the coverage gate and the callback-hell check.`));
      lines.push('', footer(), '');
      write((tty ? CLEAR : '') + lines.join('\n') + '\n');
    };

    const run = async () => {
      if (closing) return;
      if (running || busy) {
        again = true;
        if (running) worker.abort();
        return;
      }
      running = true;
      try {
        do {
          again = false;
          const result = await worker.run(testFiles(kata));
          if (again || closing) continue; // a newer save: its run replaces this one
          runs++;
          const { summary } = recordResult(kata, result);
          last = summary;
          show(result, summary);
          options.onRun?.(summary);
        } while (again && !closing);
      } finally {
        running = false;
      }
    };

    const changed = new Set<string>();
    const onChange = (rel: string, isFolder: boolean) => {
      if (!(isFolder ? isLearnerFolder(rel, watched) : isLearnerSource(rel, kata, watched))) return;
      changed.add(rel.split(path.sep).join('/'));
      clearTimeout(debounce);
      debounce = setTimeout(() => {
        const files = [...changed].sort();
        changed.clear();
        void run();
        // Said once run() has marked a run still going as outdated: from this line on, a tool
        // (or a test) knows that run's results will not be shown.
        if (options.json) write(`${JSON.stringify({ event: 'change', files })}\n`);
      }, options.debounceMs ?? 20);
    };
    const watcher = watchDirs(kata.dir, watched, onChange, (err) => {
      warn(color.red(`kata watch: stopped watching ${kata.dir}: ${err.message}`));
      stop(1);
    });

    const pause = async (task: () => Promise<void> | void) => {
      if (busy) return;
      busy = true;
      try {
        await task();
      } finally {
        busy = false;
        if (again) {
          again = false;
          void run();
        } else if (!closing) {
          write(`\n${footer()}\n`);
        }
      }
    };

    const onKey = (_text: string | undefined, key: readline.Key | undefined) => {
      const name = key?.name;
      if ((key?.ctrl && name === 'c') || name === 'q' || name === 'escape') return stop(0);
      if (name === 'r') return void run();
      if (name === 'h') {
        return void pause(() => {
          const stepId = last?.currentStep?.id ?? kata.meta.steps[0]!.id;
          write(`\n${formatHint(kata, takeNextHint(kata, stepId)).join('\n')}\n`);
        });
      }
      if (name === 'c' && options.fullCheck) {
        return void pause(async () => {
          write(`${CLEAR}${note('Running the full check: tests with coverage, then the callback-hell check...')}\n`);
          await options.fullCheck!(kata);
        });
      }
      return undefined;
    };
    if (keys) {
      readline.emitKeypressEvents(process.stdin);
      process.stdin.setRawMode(true);
      process.stdin.on('keypress', onKey);
      process.stdin.resume();
    }

    const onAbort = () => stop(0);
    if (options.signal?.aborted) queueMicrotask(onAbort);
    else options.signal?.addEventListener('abort', onAbort, { once: true });
    const onSignal = (signal: NodeJS.Signals) => stop(signal === 'SIGINT' ? 130 : 143);
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);

    function stop(code: number): void {
      if (closing) return;
      closing = true;
      clearTimeout(debounce);
      watcher.close();
      worker.stop();
      process.removeListener('SIGINT', onSignal);
      process.removeListener('SIGTERM', onSignal);
      options.signal?.removeEventListener('abort', onAbort);
      if (keys) {
        process.stdin.removeListener('keypress', onKey);
        process.stdin.setRawMode(false);
        process.stdin.pause();
      }
      if (!options.json) write(note(`Stopped watching ${kata.name}.`) + '\n');
      resolve(code);
    }

    if (options.json) write(`${JSON.stringify({ event: 'watching', kata: kata.name, dirs: watched })}\n`);
    else write(note(`Starting the tests of ${kata.name}...`) + '\n');
    void run();
  });
}

/** The folders a save in which reruns the tests, relative to the kata folder: the implementation folder and test/. */
function watchedRoots(kata: Kata): string[] {
  const impl = path.relative(kata.dir, implementationRoot(kata));
  return impl && impl !== 'test' ? [impl, 'test'] : ['test'];
}

/** A folder that appeared or went away: one of the watched folders, or one inside them. */
function isLearnerFolder(rel: string, roots: readonly string[]): boolean {
  const parts = path.normalize(rel).split(path.sep);
  if (parts.some((p) => p.startsWith('.') || p === 'node_modules' || p === 'coverage')) return false;
  return roots.some((r) => rel === r || rel.startsWith(r + path.sep));
}

function isLearnerSource(filename: string, kata: Kata, roots: readonly string[]): boolean {
  const rel = path.normalize(filename);
  const parts = rel.split(path.sep);
  if (parts.some((p) => p.startsWith('.') || p === 'node_modules' || p === 'coverage')) return false;
  if (!SOURCE_EXTENSIONS.has(path.extname(rel))) return false;
  return kata.meta.files.some((f) => path.normalize(f) === rel) || roots.some((r) => rel.startsWith(r + path.sep));
}
