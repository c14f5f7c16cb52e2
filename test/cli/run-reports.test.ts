// What `kata test` and `kata try` say about a run, run for real on a sandbox: each case is a
// learner's file that used to get a useless or wrong report.
import { expect } from 'chai';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { loadKata } from '../../src/kata/metadata';
import { readCoverage } from '../../src/runner/run-kata';

import { DEEP_EQUAL_TEST, KATA, makeSandbox, type Sandbox } from './sandbox';

const PROMISES_LINE = /^export const promises = .*$/m;
/** Without colour codes: mocha's and c8's own output colours are not what these tests are about. */
// eslint-disable-next-line no-control-regex
const plain = (text: string) => text.replace(/\x1b\[[0-9;]*m/g, '');

describe('kata test and kata try: what a run reports', function () {
  this.timeout(600_000);
  let box: Sandbox;
  let solution: string;
  const source = () => box.file(KATA, 'src', 'config-loader.ts');
  /** The reference as the learner's file, with its `export const promises` line replaced; returns that line's number. */
  const saveWithPromises = (line: string): number => {
    const text = solution.replace(PROMISES_LINE, line);
    fs.writeFileSync(source(), text);
    return text.split('\n').indexOf(line) + 1;
  };

  before(() => {
    box = makeSandbox();
    solution = fs.readFileSync(box.file(KATA, '.meta', 'solution', 'config-loader.ts'), 'utf8');
    expect(solution, 'the reference has no `export const promises` line to change: update this test').to.match(PROMISES_LINE);
  });
  after(() => box.remove());
  afterEach(() => box.restore());

  it('process.exit(0) in the learner\'s code during a test: named, with its file and line and what to do, with and without coverage', async () => {
    const line = saveWithPromises('export const promises = { loadConfig: (file: string) => { process.exit(0); return loadConfigAsync(file); } };');
    for (const args of [['test', KATA], ['test', KATA, '--no-coverage']]) {
      const run = await box.kata(args);
      const what = `kata ${args.join(' ')}`;
      expect(run.code, what).to.equal(1);
      expect(run.stdout, what).not.to.include('(no output)');
      expect(run.stdout, what).to.match(/Your code called process\.exit\(0\) during the test "config-loader promise API: [^"]+": that ends the whole test process/);
      expect(run.stdout, what).to.include(`src/config-loader.ts:${line}:`).and.include('process.exit(0); return loadConfigAsync(file);');
      expect(run.stdout, what).to.include('Remove the process.exit() call');
    }
    const json = JSON.parse((await box.kata(['test', KATA, '--no-coverage', '--json'])).stdout);
    expect(json.crash).to.include({ file: 'src/config-loader.ts', line });
    expect(json.crash.message).to.match(/^process\.exit\(0\) was called during the test "/);
  });

  it('kata check (a kata\'s npm test) leads with what the current step needs: on step 1 the lines no test reaches, before the next failing test; no wall of mocha failures', async () => {
    const run = await box.kata(['check', KATA]);
    const out = plain(run.stdout);
    expect(run.code).to.equal(1);
    const uncovered = out.indexOf('src/config-loader.ts: lines');
    const next = out.indexOf('Next failing test:');
    expect(uncovered, out).to.be.greaterThan(0);
    expect(next, out).to.be.greaterThan(uncovered);
    expect(out).to.include('You are on step 1 of').and.include('the one to fix first is explained below');
    // mocha's own failure listing ("  1) suite title:" with a stack per failure) is left out.
    expect(out).to.not.match(/^ {2}1\) /m);
    expect(out).to.not.include('AssertionError');
  });

  it('process.exit while the test files load: said so, with the line', async () => {
    fs.writeFileSync(source(), `${solution}\nprocess.exit(0);\n`);
    const run = await box.kata(['test', KATA, '--no-coverage']);
    expect(run.code).to.equal(1);
    expect(run.stdout).to.include('Your code called process.exit(0) while the test files were loading').and.include(`src/config-loader.ts:${solution.split('\n').length + 1}:`);
  });

  it('kata try on a folder outside the kata measures its coverage: a gap is named in that folder, and met only when it is met', async () => {
    const attempt = fs.mkdtempSync(path.join(os.tmpdir(), 'kata-attempt-'));
    try {
      // The reference with a function no test reaches: a gap in the attempt's own folder.
      const reference = fs.readFileSync(box.file(KATA, '.meta', 'solution', 'config-loader.ts'), 'utf8');
      fs.writeFileSync(path.join(attempt, 'config-loader.ts'), `${reference}\nexport function neverCalled(n: number): number {\n  return n > 0 ? n : -n;\n}\n`);
      const gap = await box.kata(['try', KATA, attempt]);
      expect(gap.code, gap.stdout + gap.stderr).to.equal(1);
      expect(gap.stdout).to.match(/(\d+) of \1 tests pass/).and.not.include('Coverage gate met');
      expect(gap.stdout).to.match(/Coverage gate not met: lines [1-9]\d*(\.\d+)?% \(gate 100%\)/);
      expect(gap.stdout).to.include(`${path.join(attempt, 'config-loader.ts')}: lines `);
      expect(plain(gap.stdout), 'a coverage table of zeros').to.match(/All files\s*\|\s*[1-9]/);

      // The reference itself, with step 1's answer tests as the learner's own: every line is reached, met by measurement.
      fs.writeFileSync(path.join(attempt, 'config-loader.ts'), reference);
      for (const test of fs.readdirSync(box.file(KATA, '.meta', 'pinning'))) fs.copyFileSync(box.file(KATA, '.meta', 'pinning', test), box.file(KATA, 'test', 'mine', test));
      const met = await box.kata(['try', KATA, attempt]);
      expect(met.code, met.stdout + met.stderr).to.equal(0);
      expect(met.stdout).to.include('Coverage gate met.');
      expect(plain(met.stdout)).to.match(/All files\s*\|\s*100\s*\|/);
    } finally {
      fs.rmSync(attempt, { recursive: true, force: true });
    }
  });

  it('kata try on a variant kept as patches (an answer-key folder) measures the files the patches make', async () => {
    const variant = box.file(KATA, '.meta', 'alternatives', 'sequential-parents');
    expect(fs.readdirSync(variant).some((f) => f.endsWith('.patch')), 'this alternative is no longer kept as a patch: pick another').to.equal(true);
    const run = await box.kata(['try', KATA, variant]);
    const out = plain(run.stdout);
    expect(out, out).to.not.include('Coverage was not measured');
    expect(out, out).to.match(/Coverage gate (met|not met)/);
    expect(out, 'a coverage table of zeros').to.match(/All files\s*\|\s*[1-9]/);
  });

  it('a coverage report that measured no file is never a gate met', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kata-coverage-'));
    try {
      const none = { total: 0, covered: 0, skipped: 0, pct: 'Unknown' };
      fs.writeFileSync(path.join(dir, 'coverage-summary.json'), JSON.stringify({ total: { lines: none, branches: none, functions: none, statements: none } }));
      const report = readCoverage(dir, loadKata(box.file(KATA)));
      expect(report.files).to.deep.equal({});
      expect(report.shortfalls.map((s) => s.metric)).to.have.members(['lines', 'branches', 'functions', 'statements']);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a failed deep-equal whose two sides chai shortens alike: the summary names the paths that differ', async () => {
    fs.writeFileSync(source(), solution);
    fs.writeFileSync(box.file(KATA, 'test', 'mine', 'deep.test.ts'), DEEP_EQUAL_TEST);
    const run = await box.kata(['test', KATA, '--no-coverage']);
    expect(run.code).to.equal(1);
    expect(run.stdout).to.include('Next failing test: my config deep-equals').and.include("    .db.port: expected 5432, got 5433\n      .log[1]: expected 'y', got nothing (missing)\n");
    expect(run.stdout, 'the same shortened value twice').not.to.include('to deeply equal');

    const json = JSON.parse((await box.kata(['test', KATA, '--no-coverage', '--json'])).stdout);
    // The assertion's own message stays, for tools; the differences come with it, as data.
    expect(json.nextFailing.message).to.match(/^expected \{ port: 8080, host: 'b', …\(\d\) \} to deeply equal \{ port: 8080, host: 'b', …\(\d\) \}$/);
    expect(json.nextFailing.differences).to.deep.equal([
      { path: '.db.port', actual: '5433', expected: '5432' },
      { path: '.log[1]', expected: "'y'" },
    ]);
  });
});
