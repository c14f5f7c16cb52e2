// `kata watch`, run for real: in a pseudo-terminal, files are saved during the test and the rerun
// observed; the learner's mistakes (a syntax error, an infinite loop, process.exit) stop a run,
// never the watcher. Without a terminal, --json gives one line per run; those lines are what the
// tests wait for, never a clock.
import { expect } from 'chai';
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { cliEnv, DEEP_EQUAL_TEST, KATA, makeSandbox, type Sandbox } from './sandbox';

import { Terminal, terminalUnavailable } from './terminal';

/** The watchdog's limit in these tests: long enough for a loaded machine, short enough to wait for. */
const TIMEOUT_S = 8;
const ALL_PASS = /(\d+) of \1 tests pass/;
const PROMISES_LINE = /^export const promises = .*$/m;

/** `kata watch --json` in the sandbox: its events as they come, and a wait for the first event that matches. */
function watchJson(box: Sandbox) {
  const child = spawn(process.execPath, [path.join(box.root, 'bin', 'kata.js'), 'watch', KATA, '--json', '--timeout', String(TIMEOUT_S)], { cwd: box.root, env: cliEnv() });
  const events: any[] = [];
  const wakers = new Set<() => void>();
  let buffered = '';
  child.stdout.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    const lines = buffered.split('\n');
    buffered = lines.pop()!;
    for (const line of lines) if (line.trim()) events.push(JSON.parse(line));
    for (const wake of wakers) wake();
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('close', resolve));
  /** The first event that matches, however long ago it came; rejects after `timeoutMs` with every event seen. */
  const event = (what: string, matches: (e: any) => boolean, timeoutMs = 120_000) =>
    new Promise<any>((resolve, reject) => {
      const timer = setTimeout(() => {
        wakers.delete(wake);
        reject(new Error(`no ${what} within ${timeoutMs / 1000} s; events: ${JSON.stringify(events.map(({ output, ...e }) => ({ ...e, output: output?.slice(-300) })))}; stderr: ${stderr}`));
      }, timeoutMs);
      const wake = () => {
        const found = events.find(matches);
        if (!found) return;
        clearTimeout(timer);
        wakers.delete(wake);
        resolve(found);
      };
      wakers.add(wake);
      wake();
    });
  const runs = (n: number) => event(`run ${n}`, (e) => e.event === 'run' && e.run === n);
  return { child, events, event, runs, exited };
}

describe('kata watch', function () {
  this.timeout(600_000);
  let box: Sandbox;
  let solution: string;
  const source = () => box.file(KATA, 'src', 'config-loader.ts');
  /** Saves the reference as the learner's file, with `replace` applied to its `export const promises` line. */
  const save = (replace: (line: string) => string) => fs.writeFileSync(source(), solution.replace(PROMISES_LINE, (line) => replace(line)));
  const keep = (line: string) => line;

  before(() => {
    box = makeSandbox();
    solution = fs.readFileSync(box.file(KATA, '.meta', 'solution', 'config-loader.ts'), 'utf8');
    expect(solution, 'the reference has no `export const promises` line to break: update this test').to.match(PROMISES_LINE);
  });
  after(() => box.remove());
  afterEach(() => box.restore());

  it('in a terminal: reruns on every save, and survives a syntax error, an infinite loop and process.exit; keys r rerun, h hint, c full check, q quit', async function () {
    const why = terminalUnavailable();
    if (why) {
      process.stderr.write(`  skipping the terminal test: ${why}\n`);
      return this.skip();
    }
    const term = new Terminal(box.root, [process.execPath, 'bin/kata.js', 'watch', KATA, '--timeout', String(TIMEOUT_S)]);
    try {
      const first = await term.waitFor(/run 1 [\s\S]*tests pass[\s\S]*keys: h hint/, { timeoutMs: 120_000 });
      expect(first).to.match(/✘ \d+ of \d+ tests pass/).and.include('Next failing test:');

      let from = term.mark();
      save(keep);
      expect(await term.waitFor(/run 2 [\s\S]*keys:/, { from })).to.match(ALL_PASS);

      from = term.mark();
      save((line) => `${line.replace(/;$/, '')} +;`);
      const broken = await term.waitFor(/run 3 [\s\S]*keys:/, { from });
      expect(broken).to.match(/The tests could not load your code:\n\s+src\/config-loader\.ts:\d+:\d+\s+Expression expected/);
      expect(broken).not.to.match(/node_modules|src\/cli/);

      from = term.mark();
      save(() => 'export const promises = { loadConfig: (file: string) => { while (file) { /* forever */ } return loadConfigAsync(file); } };');
      const looped = await term.waitFor(/run 4 [\s\S]*keys:/, { from, timeoutMs: 120_000 });
      expect(looped).to.include(`Stopped after ${TIMEOUT_S} s: the tests did not finish.`).and.match(/Last test started: .*promises/);
      expect(looped).to.include('started a fresh test process');

      from = term.mark();
      save(keep);
      expect(await term.waitFor(/run 5 [\s\S]*keys:/, { from, timeoutMs: 120_000 })).to.match(ALL_PASS);

      from = term.mark();
      save(() => 'export const promises = { loadConfig: (file: string) => { process.exit(3); return loadConfigAsync(file); } };');
      expect(await term.waitFor(/run 6 [\s\S]*keys:/, { from })).to.match(/The test process exited with code 3 during the test ".*promises/);

      from = term.mark();
      save(keep);
      expect(await term.waitFor(/run 7 [\s\S]*keys:/, { from, timeoutMs: 120_000 })).to.match(ALL_PASS);

      from = term.mark();
      term.press('r');
      expect(await term.waitFor(/run 8 [\s\S]*keys:/, { from })).to.match(ALL_PASS);

      from = term.mark();
      term.press('h');
      expect(await term.waitFor(/Hint 1 of \d+: [\s\S]*keys:/, { from })).to.match(/Step \d of \d: /);

      // c: the full check, coverage and the callback-hell check, in the watcher.
      from = term.mark();
      term.press('c');
      const checked = await term.waitFor(/The structure check (passes|fails)[\s\S]*keys:/, { from, timeoutMs: 240_000 });
      expect(checked).to.include('Running the full check').and.match(/Coverage gate/).and.include('The structure check passes');

      term.press('q');
      expect(await term.exitCode()).to.equal(0);
      expect(term.text).to.include(`Stopped watching ${KATA}.`);
    } finally {
      await term.close();
    }
  });

  it('without a terminal, --json prints one JSON line per run, with the summary in runKata\'s terms', async () => {
    const { events, runs, child, exited } = watchJson(box);
    try {
      expect((await runs(1)).summary).to.deep.include({ kata: KATA, green: false });
      expect(events[0]).to.deep.equal({ event: 'watching', kata: KATA, dirs: ['src', 'test'] });
      save(keep);
      const second = await runs(2);
      expect(second.summary).to.include({ green: true, failed: 0 });
      expect(second.summary.passed).to.equal(second.summary.total);
      expect(second.ms).to.be.a('number');

      // A timer left running by the code under test: the test fails, and the next run gets a fresh worker.
      save(() => 'export const promises = { loadConfig: (file: string) => { setInterval(() => {}, 1000); return loadConfigAsync(file); } };');
      const leaky = await runs(3);
      expect(leaky.summary.green).to.equal(false);
      expect(leaky.restarted).to.include('left Timeout open after the tests: started a fresh test process');
      save(keep);
      expect((await runs(4)).summary.green).to.equal(true);
    } finally {
      child.kill('SIGTERM');
      expect(await exited).to.equal(143);
    }
  });

  it('stays current whichever way a file is saved: in place, sed -i, a renamed temp file, delete and re-create, a burst, a save during a run', async () => {
    // Each save writes a new version of the learner's file, numbered in what it prints when it
    // loads and either passing (the reference) or failing (a promise API that forgets the file):
    // every run shown must be of the latest version saved, and pass or fail as that version does.
    const MARK = 'kata-watch-test version';
    const failing = 'export const promises = { loadConfig: async (file: string): Promise<Config> => ({ file }) };';
    const passes = new Map<number, boolean>();
    const version = (n: number, good: boolean, promisesLine?: string) => {
      passes.set(n, good);
      return `${solution.replace(PROMISES_LINE, (line) => promisesLine ?? (good ? line : failing))}\nconsole.log('${MARK} ${n}.');\n`;
    };
    const versionOf = (run: any): number | undefined => {
      const found = [...String(run.output).matchAll(new RegExp(`${MARK} (\\d+)\\.`, 'g'))];
      return found.length ? Number(found[found.length - 1]![1]) : undefined;
    };
    const { events, event, runs, child, exited } = watchJson(box);
    /** The run of version n: it must come, and pass or fail as version n does. */
    const shown = async (n: number) => {
      const run = await event(`a run of version ${n}`, (e) => e.event === 'run' && versionOf(e) === n);
      expect(run.summary.green, `run ${run.run} (version ${n}): ${JSON.stringify(run.summary.nextFailing)}`).to.equal(passes.get(n));
      return run;
    };
    const file = source();
    const gates = fs.mkdtempSync(path.join(os.tmpdir(), 'kata-watch-gates-'));
    try {
      await runs(1);

      fs.writeFileSync(file, version(1, true));
      await shown(1);

      // sed -i writes a temporary file and renames it over the original: a new inode.
      execFileSync('sed', ['-i', '-e', `s/${MARK} 1\\./${MARK} 2./`, '-e', `s/^export const promises = .*$/${failing}/`, file]);
      expect(fs.readFileSync(file, 'utf8'), 'sed did not make version 2 as this test expects').to.equal(version(2, false));
      await shown(2);
      // The save after a rename is the one a watch on the old inode never sees.
      fs.writeFileSync(file, version(3, true));
      await shown(3);

      // An editor's save: a temporary file next to it, renamed over it.
      fs.writeFileSync(`${file}.tmp-4`, version(4, false));
      fs.renameSync(`${file}.tmp-4`, file);
      await shown(4);
      fs.writeFileSync(file, version(5, true));
      await shown(5);

      // Deleted, then written anew.
      fs.unlinkSync(file);
      fs.writeFileSync(file, version(6, false));
      await shown(6);
      fs.writeFileSync(file, version(7, true));
      await shown(7);

      // A burst of saves: whatever runs it makes, the last one shown is of the last version.
      for (const [n, good] of [[8, false], [9, true], [10, false], [11, true], [12, false]] as const) fs.writeFileSync(file, version(n, good));
      await shown(12);

      // A save during a run: version 13 holds its first load at a gate (named pipes) until the test
      // has saved version 14 and seen the watcher take note of it; version 13's run is then outdated.
      const started = path.join(gates, 'started');
      const release = path.join(gates, 'release');
      execFileSync('mkfifo', [started, release]);
      const holding = [
        'export const promises = { loadConfig: async (file: string) => { await gate(); return loadConfigAsync(file); } };',
        'let held: Promise<unknown> | undefined;',
        `const gate = () => (held ??= import('node:fs/promises').then(async (fsp) => { await fsp.writeFile(${JSON.stringify(started)}, 'running'); await fsp.readFile(${JSON.stringify(release)}); }));`,
      ].join('\n');
      fs.writeFileSync(file, version(13, true, holding));
      expect(await withinSeconds(120, fs.promises.readFile(started, 'utf8'), () => unblock(started), 'version 13 never started running')).to.equal('running');
      const before = events.length;
      fs.writeFileSync(file, version(14, false));
      await event('the save of version 14 seen', (e) => e.event === 'change' && events.indexOf(e) >= before && e.files.includes('src/config-loader.ts'));
      await fs.promises.writeFile(release, 'go');
      await shown(14);

      const shownRuns = events.filter((e) => e.event === 'run' && e.run > 1);
      expect(shownRuns.map(versionOf), 'the versions shown, run after run').to.satisfy((vs: number[]) => vs.every((v, i) => v !== undefined && (i === 0 || v >= vs[i - 1]!)));
      expect(shownRuns.map(versionOf), 'version 13 finished after version 14 was saved: its result is outdated').not.to.include(13);
      for (const run of shownRuns) expect(run.summary.green, `run ${run.run}, version ${versionOf(run)}`).to.equal(passes.get(versionOf(run)!));
    } finally {
      child.kill('SIGTERM');
      await exited;
      fs.rmSync(gates, { recursive: true, force: true });
    }
  });

  it('--json: a failed deep-equal in the watcher\'s test process comes with the paths that differ, as in kata test', async () => {
    fs.writeFileSync(source(), solution);
    fs.writeFileSync(box.file(KATA, 'test', 'mine', 'deep.test.ts'), DEEP_EQUAL_TEST);
    const { runs, child, exited } = watchJson(box);
    try {
      const next = (await runs(1)).summary.nextFailing;
      expect(next.fullTitle).to.equal('my config deep-equals');
      expect(next.differences).to.deep.equal([
        { path: '.db.port', actual: '5433', expected: '5432' },
        { path: '.log[1]', expected: "'y'" },
      ]);
    } finally {
      child.kill('SIGTERM');
      await exited;
    }
  });
});

/** `promise`, or a rejection saying `what` after `seconds` (then `cleanup` runs, to free what the promise waits on). */
async function withinSeconds<T>(seconds: number, promise: Promise<T>, cleanup: () => void, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      cleanup();
      reject(new Error(`${what} within ${seconds} s`));
    }, seconds * 1000);
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** Ends a read blocked on a named pipe that no writer will open: open it for writing and close it. */
function unblock(fifo: string): void {
  try {
    fs.closeSync(fs.openSync(fifo, fs.constants.O_WRONLY | fs.constants.O_NONBLOCK));
  } catch {
    // no reader any more
  }
}
