// The `kata` binary, run for real, the way a learner goes through a kata: list, next, test,
// hint, a broken file, solution, check, then list and next again.
import { expect } from 'chai';
import * as fs from 'node:fs';
import * as path from 'node:path';

import { loadKata } from '../../src/kata/metadata';
import { KATA, makeSandbox, type Sandbox, SECOND_KATA, solve } from './sandbox';

describe('kata: a learner\'s way through a kata', function () {
  // Real runs of the kata's tests with coverage, and the callback-hell check: seconds each.
  this.timeout(600_000);
  let box: Sandbox;
  let meta: ReturnType<typeof loadKata>['meta'];
  const source = () => box.file(KATA, 'src', 'config-loader.ts');
  const progress = () => JSON.parse(fs.readFileSync(path.join(box.root, '.kata-progress.json'), 'utf8'));

  before(() => {
    box = makeSandbox();
    meta = loadKata(box.file(KATA)).meta;
  });
  after(() => box.remove());

  it('before any run: list says not started for each kata, in learning order; next is the first', async () => {
    const list = await box.kata(['list', '--json']);
    expect(list.code).to.equal(0);
    const rows = JSON.parse(list.stdout);
    expect(rows.map((r: any) => [r.name, r.track, r.level, r.status.state])).to.deep.equal([
      [KATA, meta.track, meta.level, 'not started'],
      [SECOND_KATA, meta.track, meta.level, 'not started'],
    ]);
    expect(rows[0].concepts).to.deep.equal(meta.concepts);

    const next = await box.kata(['next']);
    expect(next.code).to.equal(0);
    expect(next.stdout).to.include(`Next: ${KATA}`).and.include(`Start:  npx kata watch ${KATA}`);
  });

  it('kata test on the starter: how many pass, the next failing test with its message and step, and that a hint exists', async () => {
    const run = await box.kata(['test', KATA]);
    expect(run.code, run.stderr).to.equal(1);
    const json = await box.kata(['test', KATA, '--json', '--no-coverage']);
    const summary = JSON.parse(json.stdout);
    expect(summary.failed).to.equal(meta.starterFailures.length);
    expect(summary.passed + summary.failed).to.equal(summary.total);
    // The first failing test of the earliest step with failures, as the text says too.
    const step = meta.steps.findIndex((s) => s.suite && meta.starterFailures.some((t) => t.startsWith(s.suite!)));
    expect(summary.nextFailing.step).to.deep.include({ number: step + 1, id: meta.steps[step]!.id });
    expect(summary.nextFailing.message).to.be.a('string').and.not.be.empty;
    expect(run.stdout).to.include(`${summary.passed} of ${summary.total} tests pass.`);
    expect(run.stdout).to.include(`Next failing test: ${summary.nextFailing.fullTitle}`);
    // The message as far as it is the same in both runs (it may name a temporary folder).
    expect(run.stdout).to.include(summary.nextFailing.message.split('\n')[0].split('/tmp')[0].slice(0, 60));
    expect(run.stdout).to.include(`It belongs to step ${step + 1} of ${meta.steps.length}: ${meta.steps[step]!.title}.`);
    expect(run.stdout).to.match(new RegExp(`Stuck\\? npx kata hint ${KATA} has \\d+ hints? for step \\d+\\.`));
    // The coverage part of the summary (kept from kata check): which lines never ran.
    expect(run.stdout).to.match(/Coverage gate not met/).and.match(/src\/config-loader\.ts: lines [\d, -]+/);

    const list = JSON.parse((await box.kata(['list', '--json'])).stdout);
    expect(list[0].status).to.deep.include({ state: 'red', passed: summary.passed, total: summary.total, stale: false });
    expect((await box.kata(['list'])).stdout).to.match(new RegExp(`${KATA} .*red ${summary.passed}/${summary.total}`));
  });

  it('kata hint shows the next hint of the current step each time, and remembers which were shown', async () => {
    const current = progress().katas[KATA].lastRun.currentStep as string;
    const step = meta.steps.find((s) => s.id === current)!;
    const first = await box.kata(['hint', KATA]);
    expect(first.code).to.equal(0);
    expect(first.stdout).to.include(`Hint 1 of ${step.hints.length}: ${step.hints[0]}`);
    // On the starter the learner is on step 1 (pinning): the hint says where the unpinned code is.
    expect(current).to.equal(meta.steps[0]!.id);
    expect(first.stdout).to.match(/Not reached by any test in your last run: src\/config-loader\.ts lines [\d, -]+.*\. That is the behaviour left to pin\./);
    // From inside the kata folder the name can be left out.
    const second = await box.kata(['hint'], { cwd: box.file(KATA, 'src') });
    expect(second.stdout).to.include(`Hint 1 of ${step.hints.length}: ${step.hints[0]}`).and.include(`Hint 2 of ${step.hints.length}: ${step.hints[1]}`);
    expect(progress().katas[KATA].hintsShown).to.deep.equal({ [current]: 2 });

    const json = JSON.parse((await box.kata(['hint', KATA, '--json', '--step', meta.steps[2]!.id])).stdout);
    expect(json).to.deep.include({ shown: [meta.steps[2]!.hints[0]], isNew: true });
    const wrong = await box.kata(['hint', KATA, '--step', 'nope']);
    expect(wrong.code).to.equal(2);
    expect(wrong.stderr).to.include(`no step "nope"; its steps are ${meta.steps.map((s) => s.id).join(', ')}`);
  });

  it('kata solution is refused until the kata is green, unless forced; then it is a unified diff from the learner\'s code to the reference', async () => {
    const refused = await box.kata(['solution', KATA]);
    expect(refused.code).to.equal(1);
    expect(refused.stdout).to.include('opens once your tests are green').and.include(`npx kata solution ${KATA} --force`);
    const forced = await box.kata(['solution', KATA, '--force']);
    expect(forced.code).to.equal(0);
    expect(forced.stdout).to.include('--- yours/src/config-loader.ts').and.include('+++ reference/src/config-loader.ts').and.match(/^@@ -\d+,\d+ \+\d+,\d+ @@/m);
    expect(forced.stdout).to.match(/^\+.*callbackify/m);
  });

  it('a syntax error in the learner\'s file: kata test and kata check name the file and line, not the tool\'s stack', async () => {
    const good = fs.readFileSync(source(), 'utf8');
    const lines = good.split('\n');
    const at = lines.findIndex((l) => l.includes('export function loadConfig'));
    lines.splice(at + 1, 0, '  const broken = ;');
    fs.writeFileSync(source(), lines.join('\n'));
    try {
      for (const verb of ['test', 'check']) {
        const run = await box.kata([verb, KATA]);
        expect(run.code, verb).to.equal(1);
        expect(run.stdout, verb).to.include(`src/config-loader.ts:${at + 2}:`).and.include('const broken = ;');
        expect(run.stdout + run.stderr, verb).not.to.match(/node_modules|src[\\/](cli|runner)[\\/]/);
      }
      expect(JSON.parse((await box.kata(['list', '--json'])).stdout)[0].status.state).to.equal('red');
    } finally {
      fs.writeFileSync(source(), good);
    }
  });

  it('an infinite loop in the learner\'s code: kata test stops the run at the timeout and names the test it was in', async () => {
    const good = fs.readFileSync(source(), 'utf8');
    const looping = good.replace(/^export function loadConfig\(.*\{$/m, (line) => `${line}\n  while (file) { /* forever */ }`);
    expect(looping, 'the starter has no `export function loadConfig(...) {` line: update this test').to.not.equal(good);
    fs.writeFileSync(source(), looping);
    try {
      const run = await box.kata(['test', KATA, '--timeout', '5', '--no-coverage']);
      expect(run.code).to.equal(1);
      expect(run.stdout).to.include('Stopped after 5 s: the tests did not finish.').and.match(/Last test started: .+/);
    } finally {
      fs.writeFileSync(source(), good);
    }
  });

  it('once solved: kata check says done, list shows done, next moves on, and solution shows the diff', async () => {
    solve(box);
    const check = await box.kata(['check', KATA]);
    expect(check.code, check.stdout + check.stderr).to.equal(0);
    expect(check.stdout).to.include(`Done: ${KATA} is green, the coverage gate is met and the callback-hell check passes.`);

    const list = JSON.parse((await box.kata(['list', '--json'])).stdout);
    expect(list.map((r: any) => r.status.state)).to.deep.equal(['done', 'not started']);
    const next = JSON.parse((await box.kata(['next', '--json'])).stdout);
    expect(next).to.deep.include({ name: SECOND_KATA, position: 2, of: 2 });

    const solution = await box.kata(['solution', KATA]);
    expect(solution.code).to.equal(0);
    expect(solution.stdout).to.include('src/config-loader.ts is the reference, line for line.');
    // Every alternative on a line of its own, with the check's verdict where it rejects one.
    for (const alt of meta.alternatives) {
      expect(solution.stdout).to.include(`  ${alt.dir}/: ${alt.description}${alt.failsCheck ? ` The callback-hell check rejects it: ${alt.failsCheck}` : ''}`);
    }
  });

  it('kata try and kata shape, the verbs that were there before, still run', async () => {
    const tried = await box.kata(['try', SECOND_KATA, box.file(SECOND_KATA, '.meta', 'solution')]);
    expect(tried.code, tried.stdout + tried.stderr).to.equal(0);
    expect(tried.stdout).to.include('Coverage gate met.');
    const shape = await box.kata(['shape', SECOND_KATA, '--json', '--no-types']);
    expect(shape.code).to.equal(1); // the starter is still the callback pyramid
    expect(JSON.parse(shape.stdout)).to.include({ passed: false });
  });
});
