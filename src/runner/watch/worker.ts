/**
 * The long-lived test process behind `kata watch` (started with child_process.fork). It loads
 * mocha, chai and the test harness once; each run then only forgets and reloads the kata's own
 * modules (the learner's files and the kata's tests) and runs a fresh Mocha instance. They load
 * through the library's TypeScript loader (bin/ts-cache.js), whose cache is keyed by content:
 * only the file a save changed is compiled again.
 * That is what makes a rerun after a save fast: no process start-up, no recompiling what did
 * not change.
 *
 * It runs without coverage (c8 instruments a whole process from its start, so it cannot be
 * switched on per run); `kata check` measures coverage.
 *
 * The learner's code runs in here, so it may loop forever, call process.exit or crash the
 * process: the parent (test-worker.ts) watches for all three and starts a new worker.
 */
import Mocha = require('mocha');
import * as path from 'node:path';

import { mochaHooks } from '../../harness/root-hooks';
import { noteDifferences } from '../difference';
import { parseMochaJson } from '../run-kata';
import { compileFile } from '../../../bin/ts-cache';
import type { FromWorker, ToWorker } from './protocol';

// mocha 12's entry point is an ES module: require() gives its namespace, whose `Mocha` is the
// class (@types/mocha still describes the older `export =`).
const MochaClass = (Mocha as unknown as { Mocha?: typeof Mocha }).Mocha ?? Mocha;
const { EVENT_RUN_BEGIN, EVENT_TEST_BEGIN, EVENT_TEST_END, EVENT_TEST_FAIL, EVENT_TEST_PENDING } = Mocha.Runner.constants;

interface Collected {
  /** performance.now() when mocha started running tests: the files are loaded (compiled) by then. */
  loadedAt?: number;
  tests: Mocha.Test[];
  pending: Mocha.Test[];
  failures: Mocha.Test[];
}

const send = (message: FromWorker) => process.send?.(message);

/** True for files under `dir`, outside node_modules. */
function under(dir: string): (file: string) => boolean {
  const prefix = dir.endsWith(path.sep) ? dir : dir + path.sep;
  return (file) => file.startsWith(prefix) && !file.includes(`${path.sep}node_modules${path.sep}`);
}

/** The resources open while idle; a run that leaves more behind makes the parent recycle this worker. */
let idle = openResources();
let current: { id: number; runner: Mocha.Runner | undefined } | undefined;
/** The kata folder of the latest run: its modules are reloaded on every run, and compiled only when changed. */
let inKata: (file: string) => boolean = () => false;

process.on('message', (message: ToWorker) => {
  if (message.type === 'run') run(message);
  else if (message.type === 'abort' && current?.id === message.id) current.runner?.abort();
});
// The parent is gone (its terminal closed): nothing is left to report to.
process.on('disconnect', () => process.exit(0));

function run({ id, kataDir, files }: Extract<ToWorker, { type: 'run' }>): void {
  const started = performance.now();
  inKata = under(kataDir);
  for (const file of Object.keys(require.cache)) if (inKata(file)) delete require.cache[file];
  const collected: Collected = { tests: [], pending: [], failures: [] };
  const mocha = new MochaClass({ timeout: 5000, color: false, rootHooks: mochaHooks, reporter: collectingReporter(id, collected) });
  for (const file of files) mocha.addFile(file);
  current = { id, runner: undefined };

  const finish = (crash?: string) => {
    try {
      mocha.dispose();
    } catch {
      // a run that crashed while loading leaves mocha in a state it refuses to dispose from
    }
    current = undefined;
    const tests = crash ? [] : parseMochaJson(JSON.stringify({ tests: collected.tests.map(clean), pending: collected.pending.map(clean), failures: collected.failures.map(clean) }), kataDir);
    // One turn later, so closes requested at the end of the last test have happened.
    setImmediate(() => {
      const now = openResources();
      const leftOpen = [...now.entries()].filter(([kind, n]) => n > (idle.get(kind) ?? 0)).map(([kind]) => kind);
      send({ type: 'done', id, tests, ...(crash ? { crash } : {}), ms: Math.round(performance.now() - started), loadMs: Math.round((collected.loadedAt ?? started) - started), leftOpen });
    });
  };

  try {
    current.runner = mocha.run(() => finish());
  } catch (err) {
    // A file that does not compile or throws while loading: mocha.run loads the files synchronously.
    finish(describeLoadError(err, kataDir));
  }
}

/**
 * The error that stopped the test files from loading, as the learner needs it: ts-node's
 * "file(line,col): error TSnnnn" as it is, else the message and the first stack frame in the
 * kata folder (never one of this tool's frames).
 */
function describeLoadError(err: unknown, kataDir: string): string {
  if (!(err instanceof Error)) return `Error: ${String(err)}`;
  if (/\(\d+,\d+\): error TS\d+/.test(err.message)) return err.message;
  const frame = (err.stack ?? '').split('\n').find((line) => /^\s*at /.test(line) && inKata(line.replace(/^\s*at\s+(.*\()?/, '').replace(/:\d+:\d+\)?$/, '')));
  const where = frame?.trim().replace(/^at\s+(.*\()?/, '').replace(/\)$/, '');
  const header = `${err.name}: ${err.message.split('\n')[0]}`;
  return where ? `${header}\n  at ${path.relative(kataDir, where)}` : header;
}

function collectingReporter(id: number, into: Collected): new (runner: Mocha.Runner) => Mocha.reporters.Base {
  return class Collector extends Mocha.reporters.Base {
    constructor(runner: Mocha.Runner) {
      super(runner);
      // Before the base reporter turns actual and expected into strings (see difference.ts).
      runner.prependListener(EVENT_TEST_FAIL, (_test, err) => noteDifferences(err));
      runner.once(EVENT_RUN_BEGIN, () => (into.loadedAt = performance.now()));
      runner.on(EVENT_TEST_BEGIN, (test) => send({ type: 'test-begin', id, title: test.fullTitle() }));
      runner.on(EVENT_TEST_END, (test) => into.tests.push(test));
      runner.on(EVENT_TEST_PENDING, (test) => into.pending.push(test));
      runner.on(EVENT_TEST_FAIL, (test) => into.failures.push(test));
    }
  };
}

/** The fields of mocha's JSON reporter that parseMochaJson reads. */
function clean(test: Mocha.Test | Mocha.Hook) {
  const err = (test as { err?: Error & { differences?: unknown } }).err;
  return { title: test.title, fullTitle: test.fullTitle(), file: test.file, err: err ? { message: err.message, stack: err.stack, differences: err.differences } : {} };
}

function openResources(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const kind of process.getActiveResourcesInfo()) counts.set(kind, (counts.get(kind) ?? 0) + 1);
  return counts;
}

// Load and compile what every run needs before saying ready: the first run is then as fast as the
// rest, and the watchdog, which starts at the run, does not count the cold start against the tests.
require('chai');
require('../../harness'); // what kata tests import
const [warmDir, ...warmFiles] = process.argv.slice(2);
if (warmDir) {
  inKata = under(warmDir);
  for (const file of warmFiles) {
    try {
      compileFile(file); // into the loader's cache: the first run reads it from there
    } catch {
      // a file that does not compile: the run reports it, with its line
    }
  }
}
idle = openResources();
send({ type: 'ready' });
