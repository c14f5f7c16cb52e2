/**
 * `kata review`: the brief with the starter numbered, and a reviewer's findings scored against
 * the answer key, run for real.
 */
import { expect } from 'chai';
import * as fs from 'node:fs';

import { parseReviewKey } from '../../src/kata/review-key';
import { KATA, makeSandbox, type Sandbox } from './sandbox';

describe('kata review', function () {
  this.timeout(120_000);
  let box: Sandbox;
  before(() => {
    box = makeSandbox({ git: false });
  });
  after(() => box.remove());

  it('prints the brief and the starter with line numbers', async () => {
    const run = await box.kata(['review', KATA, '--minutes', '15']);
    expect(run.code).to.equal(0);
    expect(run.stdout).to.match(/^Code review: .* \(15 minutes\)$/m);
    expect(run.stdout).to.include('What the code is for').and.include('What to look for').and.include(`npx kata review ${KATA} --score findings.txt`);
    const source = fs.readFileSync(box.file(KATA, 'src', 'config-loader.ts'), 'utf8').split('\n');
    expect(run.stdout).to.include(`${String(10).padStart(String(source.length - 1).length)}  ${source[9]}`);
  });

  it('scores findings: found, missed with the test that exposes each and the wrong refactoring that repeats it, and findings not in the key', async () => {
    const key = parseReviewKey(fs.readFileSync(box.file(KATA, '.meta', 'review.md'), 'utf8'), ['src/config-loader.ts']);
    const [first, ...rest] = key.defects;
    // One finding on the first defect's first line, one far from any defect.
    fs.writeFileSync(box.file(KATA, 'findings.txt'), `# my review\n${first!.lines[0]!.line}: ${first!.title}\n1: the header comment is long\n`);
    const json = await box.kata(['review', KATA, '--score', 'findings.txt', '--json'], { cwd: box.file(KATA) });
    const result = JSON.parse(json.stdout) as { found: number; total: number; defects: Array<{ id: string; foundBy: number[]; tests: string[] }>; unmatched: Array<{ from: number }> };
    expect(result).to.deep.include({ found: 1, total: key.defects.length });
    expect(result.defects[0]).to.deep.include({ id: first!.id, foundBy: [2] });
    expect(result.unmatched.map((f) => f.from)).to.deep.equal([1]);
    for (const d of result.defects) expect(d.tests, `${d.id} has a test that exposes it`).to.not.be.empty;

    const text = await box.kata(['review', KATA, '--score', 'findings.txt'], { cwd: box.file(KATA) });
    expect(text.stdout).to.include(`${KATA}: you found 1 of the ${key.defects.length} defects in the answer key.`);
    for (const d of rest) expect(text.stdout).to.include(`Missed ${d.id}: ${d.title}`);
    expect(text.stdout).to.include('Exposed by the test: ').and.include('line 1: the header comment is long');
  });

  it('a findings file that cannot be read is a usage error that says what to write', async () => {
    const run = await box.kata(['review', KATA, '--score', 'nope.txt']);
    expect(run.code).to.equal(2);
    expect(run.stderr).to.include('cannot read the findings file nope.txt (ENOENT): write one finding per line, "12: reason".');
  });
});
