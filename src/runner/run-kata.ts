/**
 * Runs a kata's tests in a child process (mocha, with Node's own coverage collection on), against
 * the learner's files or any other folder of implementation files, and returns the results as
 * data. c8 turns the raw coverage into its reports in this process once the child has exited: the
 * same reports as the `c8` command wrapped around mocha, without a third Node process to start.
 *
 * A child process because learner code may hang, crash or leak: none of that can take down the
 * caller, and a watchdog stops a run that does not finish, naming the test it was in.
 *
 * @example
 * const result = await runKata(findKata('config-loader'), { implDirs: ['/tmp/my-attempt'] });
 * result.tests.filter((t) => t.state === 'failed').map((t) => t.fullTitle);
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { REPO_ROOT } from '../kata/catalog';
import { type Kata, implementationRoot, mirrorPath } from '../kata/metadata';
import { hasPatches, materializeVariant } from '../kata/variant-patches';
import { colourWanted } from '../terminal/style';
import type { Difference } from './difference';
import type { EarlyExit } from './exit-probe';

export type TestState = 'passed' | 'failed' | 'pending';

export interface TestResult {
  title: string;
  fullTitle: string;
  /** The test file, relative to the kata folder. */
  file: string;
  state: TestState;
  /** The failure message, for failed tests. */
  message?: string;
  /** For a failed deep-equal of two objects: the paths where they differ (see difference.ts). */
  differences?: Difference[];
}

export type CoverageMetric = 'lines' | 'branches' | 'functions' | 'statements';
export type CoverageFigures = Record<CoverageMetric, { total: number; covered: number; pct: number }>;

export interface CoverageReport {
  total: CoverageFigures;
  /** Per file, keyed by path relative to the kata folder. */
  files: Record<string, CoverageFigures>;
  /** Metrics below the kata's gate, with the figure reached and the one required. */
  shortfalls: Array<{ metric: CoverageMetric; pct: number; required: number }>;
  /** Absolute path of c8's json report (per-line detail), kept until `dispose()`. */
  detailFile: string;
}

export interface RunResult {
  tests: TestResult[];
  /** Set when mocha could not run the tests at all (a syntax error, a missing import...). */
  crash?: string;
  /** Set when the watchdog stopped the run. */
  timedOut?: { seconds: number; lastTest: string | undefined };
  coverage?: CoverageReport;
  exitCode: number | null;
  /** Everything the child printed, stdout and stderr interleaved as they arrived. */
  output: string;
  /** Removes the run's temporary files. */
  dispose(): void;
}

export interface RunOptions {
  /**
   * Folders of implementation files to test instead of the learner's own, searched in order
   * (absolute, or relative to the kata folder). Default: the learner's files.
   */
  implDirs?: string[];
  /** Measure coverage with c8. Default true. */
  coverage?: boolean;
  /** Also run the learner's own tests in test/mine. Default true. */
  includeLearnerTests?: boolean;
  /** Print mocha's spec output and c8's table as the run goes. Default false. */
  print?: boolean;
  /** With `print`: end the spec output with the counts, not mocha's listing of every failure. */
  brief?: boolean;
  /** More test files to run (globs relative to the kata folder), such as the reference's pinning tests. */
  extraSpecs?: string[];
  /** Overrides the kata's runTimeoutSeconds. */
  timeoutSeconds?: number;
  /** Run only the tests with these full titles (mocha's --grep, anchored); default: every test. */
  onlyTests?: readonly string[];
}

/** The kata's own tests: the files directly in test/. */
export const KATA_TESTS = 'test/*.test.ts';
/** Where the learner keeps tests of their own; they count toward coverage. */
export const LEARNER_TESTS = 'test/mine/**/*.test.ts';

const bin = (pkg: string, file: string) => path.join(path.dirname(require.resolve(`${pkg}/package.json`)), file);
const here = (file: string) => path.join(__dirname, file);
const harnessHooks = path.join(REPO_ROOT, 'src', 'harness', 'root-hooks.ts');
/** The one TypeScript loader, as a `node --require` entry. */
export const TS_LOADER = path.join(REPO_ROOT, 'bin', 'register-ts.js');

export async function runKata(kata: Kata, options: RunOptions = {}): Promise<RunResult> {
  const { coverage = true, includeLearnerTests = true, print = false } = options;
  const work = fs.mkdtempSync(path.join(os.tmpdir(), `kata-run-${kata.name}-`));
  const resultsFile = path.join(work, 'results.json');
  const progressFile = path.join(work, 'progress.txt');
  const exitFile = path.join(work, 'early-exit.json');
  // A layer that holds patches runs as a temporary folder of whole files: each patch applied to
  // the same file in the layer under it (src/kata/variant-patches.ts).
  const layers = (options.implDirs ?? []).map((d) => path.resolve(kata.dir, d));
  const materialized: Array<{ dir: string; dispose: () => void }> = [];
  let implDirs: string[];
  try {
    implDirs = layers.map((dir, i) => {
      if (!hasPatches(dir)) return dir;
      // Patches apply to the layer under them; a folder tried on its own (`kata try`) patches the reference.
      const under = layers[i + 1] ?? path.join(kata.dir, kata.meta.solution);
      const m = materializeVariant(dir, under);
      materialized.push(m);
      return m.dir;
    });
  } catch (err) {
    for (const m of materialized) m.dispose();
    fs.rmSync(work, { recursive: true, force: true });
    throw err;
  }
  const coverageRoots = implDirs.length > 0 ? implDirs.slice(0, 1) : [implementationRoot(kata)];

  const mochaArgs = [
    bin('mocha', 'bin/mocha.js'),
    '--no-config',
    '--no-package',
    '--extension', 'ts',
    '--require', here('exit-probe.ts'),
    '--require', harnessHooks,
    '--reporter', here('reporter.ts'),
    '--timeout', '5000',
    // Colour in mocha's output follows what this process's output wants.
    print && colourWanted(process.stdout) ? '--color' : '--no-color',
    ...(options.onlyTests ? ['--grep', `^(?:${options.onlyTests.map(escapeRegExp).join('|')})$`] : []),
    KATA_TESTS,
    ...(includeLearnerTests && hasLearnerTests(kata) ? [LEARNER_TESTS] : []),
    ...(options.extraSpecs ?? []),
  ];
  // The TypeScript loader (bin/ts-cache.js) as a Node option, not a mocha one: the worker threads
  // a kata starts inherit it, so `new Worker(file.ts)` needs nothing more. Its cache is keyed by
  // content: unchanged files (the harness, the kata's tests) are not recompiled, and the compiler
  // is loaded only when a file changed.
  // The implementation redirect too, for the same reason: a worker file a variant does not hold
  // is taken from the layer under it.
  const args = ['--require', TS_LOADER, '--require', here('impl-redirect.ts'), ...mochaArgs];
  const rawCoverage = path.join(work, 'raw-coverage');

  const env: NodeJS.ProcessEnv = {
    ...process.env,
    KATA_RESULTS_FILE: resultsFile,
    KATA_PROGRESS_FILE: progressFile,
    KATA_EXIT_FILE: exitFile,
    FORCE_COLOR: print && colourWanted(process.stdout) ? '1' : '0',
  };
  delete env.KATA_SRC_ROOT;
  delete env.KATA_IMPL_DIRS;
  delete env.KATA_LEARNER_FILES;
  // Node writes each process's and each worker thread's coverage there as it exits (what `c8`
  // sets up around a command). Without coverage, an outer c8 (the library's own coverage run) must
  // not swallow the run's.
  if (coverage) {
    fs.mkdirSync(rawCoverage);
    env.NODE_V8_COVERAGE = rawCoverage;
    // Code from Node's compile cache can make coverage less precise (Node's docs): off, even when
    // the learner's shell turns it on.
    env.NODE_DISABLE_COMPILE_CACHE = '1';
  } else {
    delete env.NODE_V8_COVERAGE;
  }
  if (!print) env.KATA_QUIET = '1';
  if (print && options.brief) env.KATA_BRIEF = '1';
  else delete env.KATA_BRIEF;
  if (implDirs.length > 0) {
    env.KATA_SRC_ROOT = implementationRoot(kata);
    env.KATA_IMPL_DIRS = implDirs.join(path.delimiter);
    env.KATA_LEARNER_FILES = kata.meta.files.map((f) => mirrorPath(kata.meta.files, f)).join(path.delimiter);
  }

  const timeoutSeconds = options.timeoutSeconds ?? kata.meta.runTimeoutSeconds;
  const child = spawn(process.execPath, args, { cwd: kata.dir, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const collect = (stream: NodeJS.WritableStream) => (chunk: Buffer) => {
    output += chunk.toString();
    if (print) stream.write(chunk);
  };
  child.stdout.on('data', collect(process.stdout));
  child.stderr.on('data', collect(process.stderr));
  // Loaded while the tests run, on the other core: the report is ready to start when they end.
  const report = coverage ? coverageReporter() : undefined;

  let timedOut = false;
  const watchdog = setTimeout(() => {
    timedOut = true;
    killGroup(child.pid);
  }, timeoutSeconds * 1000);
  // If this process is stopped (Ctrl-C in `kata watch`), take the run down with it.
  const onExit = () => killGroup(child.pid);
  process.once('exit', onExit);

  const exitCode = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve(code));
  }).finally(() => {
    clearTimeout(watchdog);
    process.removeListener('exit', onExit);
  });

  const result: RunResult = {
    tests: [],
    exitCode,
    output,
    dispose: () => {
      fs.rmSync(work, { recursive: true, force: true });
      for (const m of materialized) m.dispose();
    },
  };
  if (timedOut) {
    const lastTest = readIfExists(progressFile)?.trim() || undefined;
    result.timedOut = { seconds: timeoutSeconds, lastTest };
  }
  const results = readIfExists(resultsFile);
  if (results) {
    result.tests = parseMochaJson(results, kata.dir);
  } else if (!timedOut) {
    result.crash = explainEarlyExit(readIfExists(exitFile), output, kata.dir) ?? explainCrash(output, kata.dir);
  }
  if (report && !timedOut) {
    const reportDir = path.join(work, 'coverage');
    try {
      await report({ rawCoverage, reportDir, roots: coverageRoots, print });
    } catch (err) {
      // As when the c8 command fails: the run keeps its test results, without coverage, and says why.
      const why = `c8 could not build the coverage report: ${err instanceof Error ? err.message : String(err)}\n`;
      result.output += why;
      if (print) process.stderr.write(why);
    }
    if (fs.existsSync(path.join(reportDir, 'coverage-summary.json'))) result.coverage = readCoverage(reportDir, kata);
  }
  return result;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function hasLearnerTests(kata: Kata): boolean {
  const dir = path.join(kata.dir, 'test', 'mine');
  return fs.existsSync(dir) && fs.readdirSync(dir, { recursive: true }).some((f) => String(f).endsWith('.test.ts'));
}

function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

function readIfExists(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

interface MochaJsonTest {
  title: string;
  fullTitle: string;
  file?: string;
  err?: { message?: string; stack?: string; differences?: Difference[] };
}
interface MochaJson {
  tests: MochaJsonTest[];
  pending: MochaJsonTest[];
  failures: MochaJsonTest[];
}

/** Reads the output of mocha's JSON reporter. */
export function parseMochaJson(text: string, kataDir: string): TestResult[] {
  const json = JSON.parse(text) as MochaJson;
  const pending = new Set(json.pending.map((t) => t.fullTitle));
  const failed = new Map(json.failures.map((t) => [t.fullTitle, t] as const));
  const results: TestResult[] = json.tests.map((t) => {
    const failure = failed.get(t.fullTitle);
    const state: TestState = failure ? 'failed' : pending.has(t.fullTitle) ? 'pending' : 'passed';
    const result: TestResult = { title: t.title, fullTitle: t.fullTitle, file: t.file ? path.relative(kataDir, t.file) : '', state };
    if (failure) {
      result.message = failure.err?.message ?? '(no message)';
      if (failure.err?.differences?.length) result.differences = failure.err.differences;
    }
    return result;
  });
  // Hook failures ("before all" hook...) are failures that are not in the test list.
  for (const f of json.failures) {
    if (!results.some((r) => r.fullTitle === f.fullTitle)) {
      results.push({ title: f.title, fullTitle: f.fullTitle, file: f.file ? path.relative(kataDir, f.file) : '', state: 'failed', message: f.err?.message ?? '(no message)' });
    }
  }
  return results;
}

/** The first line of a crash that `explainEarlyExit` made; crash.ts words it for the learner. */
export const EARLY_EXIT = /^(?:process\.exit\((-?\d+)\) was called|The test process ended with exit code (-?\d+)) (?:during the test "(.*)"|while the test files were loading)/;

/**
 * When the test process ended before mocha wrote its results, without a crash of its own: the
 * process.exit() call (with the learner's file and line) or, when nothing says who ended it, that
 * it ended early. Undefined when the exit probe saw nothing, or the output shows an error to report.
 */
export function explainEarlyExit(recorded: string | undefined, output: string, kataDir: string): string | undefined {
  if (!recorded) return undefined;
  const early = JSON.parse(recorded) as EarlyExit;
  const during = early.test ? `during the test "${early.test}"` : 'while the test files were loading';
  if (early.stack) {
    const frame = early.stack.split('\n').find((l) => /\.[cm]?[tj]sx?:\d+:\d+/.test(l) && !l.includes('node_modules') && !l.includes(`${path.sep}node:`));
    const where = frame?.trim().replace(/^at\s+(.*\()?/, '').replace(/\)$/, '').replace(kataDir + path.sep, '');
    return `process.exit(${early.code}) was called ${during}: it ended the test process before the tests finished.${where ? `\n  at ${where}` : ''}`;
  }
  if (/\w*Error\b|Exception/.test(output)) return undefined; // a crash the output explains
  return `The test process ended with exit code ${early.code} ${during}, before the tests finished, and without an error.`;
}

/**
 * Turns mocha's output when it could not even start (a syntax or type error in a learner's file)
 * into the file, line and message, without the tool's own stack.
 */
export function explainCrash(output: string, kataDir: string): string {
  const lines = output.split('\n');
  // A TypeScript syntax error says where itself: "src/a.ts(31,45): error TS1128: ...".
  const diagnostic = lines.find((l) => /\(\d+,\d+\): error TS\d+/.test(l));
  if (diagnostic) return `TSError: ${diagnostic.trim()}`;
  const tool = [`${path.sep}src${path.sep}runner`, path.join(REPO_ROOT, 'bin')];
  const located = lines.find((l) => /\.(ts|js):\d+/.test(l) && !l.includes('node_modules') && !tool.some((t) => l.includes(t)));
  const message = lines.find((l) => /^\s*(\w*Error|TSError|⨯)\b|Error:/.test(l)) ?? lines.find((l) => l.trim()) ?? '(no output)';
  const where = located ? located.trim().replace(/^at\s+(.*\()?/, '').replace(/\)$/, '').replace(kataDir + path.sep, '') : undefined;
  return where ? `${message.trim()}\n  at ${where}` : message.trim();
}

interface IstanbulSummaryEntry {
  lines: { total: number; covered: number; pct: number };
  branches: { total: number; covered: number; pct: number };
  functions: { total: number; covered: number; pct: number };
  statements: { total: number; covered: number; pct: number };
}

const METRICS: CoverageMetric[] = ['lines', 'branches', 'functions', 'statements'];

interface C8Options {
  include: string[];
  exclude: string[];
  extension: string[];
  excludeAfterRemap: boolean;
  reporter: string[];
  reporterOptions: Record<string, Record<string, unknown>>;
  reportsDirectory: string;
  tempDirectory: string;
  omitRelative: boolean;
  resolve: string;
  all: boolean;
  src: string[];
  allowExternal: boolean;
  skipFull: boolean;
  excludeNodeModules: boolean;
  mergeAsync: boolean;
}

/**
 * c8's report (its package's export, what `c8 report` runs) with the options the `c8` command
 * would be given, its own defaults for the rest. Writes coverage-summary.json and
 * coverage-final.json to `reportDir`; with `print`, also c8's table, on stdout.
 */
function coverageReporter(): (run: { rawCoverage: string; reportDir: string; roots: string[]; print: boolean }) => Promise<void> {
  const { Report } = require('c8') as { Report: (options: C8Options) => { run(): Promise<void> } };
  const defaultExclude = require('@istanbuljs/schema/default-exclude') as string[];
  const defaultExtension = require('@istanbuljs/schema/default-extension') as string[];
  return async ({ rawCoverage, reportDir, roots, print }) => {
    // The table goes to the terminal, coloured as c8 colours it, only where this process's output
    // wants colour; otherwise c8 writes it to a file and it is printed as plain text.
    const tableToFile = print && !colourWanted(process.stdout);
    await Report({
      include: roots.map((root) => `${root}/**/*.ts`),
      exclude: defaultExclude,
      extension: defaultExtension,
      excludeAfterRemap: false,
      reporter: ['json-summary', 'json', ...(print ? ['text'] : [])],
      reporterOptions: tableToFile ? { text: { file: 'table.txt' } } : {},
      reportsDirectory: reportDir,
      tempDirectory: rawCoverage,
      omitRelative: true,
      resolve: '',
      all: true,
      src: roots,
      // c8 measures only files under its working folder (the kata's) unless told otherwise: a
      // folder tried from elsewhere (`kata try config-loader ~/attempt`) came back as no file at all.
      allowExternal: true,
      skipFull: false,
      // A variant kept as patches runs from whole files written under node_modules/.cache: c8
      // leaves out everything under a node_modules folder unless told not to, and saw no file of it
      // at all. `include` keeps the measure to the implementation's own files either way.
      excludeNodeModules: !roots.some(insideNodeModules),
      mergeAsync: false,
    }).run();
    if (tableToFile) process.stdout.write(fs.readFileSync(path.join(reportDir, 'table.txt'), 'utf8'));
  };
}

/** Whether `dir` lies inside a node_modules folder (where c8 measures nothing by default). */
function insideNodeModules(dir: string): boolean {
  return path.resolve(dir).split(path.sep).includes('node_modules');
}

export function readCoverage(reportDir: string, kata: Kata): CoverageReport {
  const summary = JSON.parse(fs.readFileSync(path.join(reportDir, 'coverage-summary.json'), 'utf8')) as Record<string, IstanbulSummaryEntry>;
  const pick = (e: IstanbulSummaryEntry): CoverageFigures =>
    Object.fromEntries(METRICS.map((m) => [m, { total: e[m].total, covered: e[m].covered, pct: e[m].total === 0 ? 100 : e[m].pct }])) as CoverageFigures;
  const files: Record<string, CoverageFigures> = {};
  for (const [file, entry] of Object.entries(summary)) {
    if (file !== 'total') files[path.relative(kata.dir, file)] = pick(entry);
  }
  const total = pick(summary.total!);
  // No file measured is no evidence: pick() counts an empty total as 100%, which is not a gate met.
  const measured = Object.keys(files).length > 0;
  const shortfalls = METRICS.filter((m) => !measured || total[m].pct < kata.meta.coverage[m]).map((m) => ({ metric: m, pct: total[m].pct, required: kata.meta.coverage[m] }));
  return { total, files, shortfalls, detailFile: path.join(reportDir, 'coverage-final.json') };
}
