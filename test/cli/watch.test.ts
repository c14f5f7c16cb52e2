// `kata watch`, run for real: in a pseudo-terminal, files are saved during the test and the rerun
// observed; the learner's mistakes (a syntax error, an infinite loop, process.exit) stop a run,
// never the watcher. Without a terminal, --json gives one line per run.
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

import { cliEnv, KATA, makeSandbox, type Sandbox } from './sandbox';
import { Terminal, terminalUnavailable } from './terminal';

/** The watchdog's limit in these tests: long enough for a loaded machine, short enough to wait for. */
const TIMEOUT_S = 8;
const ALL_PASS = /(\d+) of \1 tests pass/;
const PROMISES_LINE = /^export const promises = .*$/m;

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
    const child = spawn(process.execPath, [path.join(box.root, 'bin', 'kata.js'), 'watch', KATA, '--json', '--timeout', String(TIMEOUT_S)], { cwd: box.root, env: cliEnv() });
    const events: any[] = [];
    let wake = () => {};
    let buffered = '';
    child.stdout.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop()!;
      for (const line of lines) if (line.trim()) events.push(JSON.parse(line));
      wake();
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('close', resolve));
    const runs = (n: number) =>
      new Promise<any>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no run ${n} within 120 s; events: ${JSON.stringify(events)}; stderr: ${stderr}`)), 120_000);
        wake = () => {
          const found = events.find((e) => e.event === 'run' && e.run === n);
          if (found) {
            clearTimeout(timer);
            resolve(found);
          }
        };
        wake();
      });
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
});
