/**
 * Which step a failing test is filed under, and which step the learner is on: a test that passed
 * on the starter and fails now is a regression, shown as one on the step the learner is on, never
 * as "step 1" work with step 1's hints.
 */
import { expect } from 'chai';
import { stripVTControlCharacters } from 'node:util';

import { currentStep, isRegression } from '../../src/learner/steps';
import { formatSummary } from '../../src/cli/summary';
import { summarize } from '../../src/learner/verdict';
import type { Kata } from '../../src/kata/metadata';
import type { TestResult } from '../../src/runner/run-kata';

const SAFETY = 'loader safety net: the callback API';
const PROMISES = 'loader promise API';
const DEFECTS = 'loader defects';

const kata = {
  name: 'loader',
  dir: '/nowhere/loader',
  metaFile: '/nowhere/loader/kata.json',
  meta: {
    steps: [
      { id: 'pin', title: 'Pin the legacy behaviour', suite: SAFETY, hints: ['pin'] },
      { id: 'promise-api', title: 'Write the promise API', suite: PROMISES, hints: ['p1', 'p2'] },
      { id: 'defects', title: 'Fix the defects', suite: DEFECTS, hints: ['d1'] },
      { id: 'shim', title: 'Make the callback API a shim', hints: ['s1'] },
    ],
    starterFailures: [`${PROMISES} resolves`, `${DEFECTS} calls back once`],
  },
} as unknown as Kata;

const test = (fullTitle: string, state: TestResult['state']): TestResult => ({ fullTitle, title: fullTitle, file: 'test/loader.test.ts', state, message: state === 'failed' ? 'expected 1 to equal 2' : undefined } as TestResult);

describe('steps: a broken safety net is a regression, not step 1', () => {
  // The learner has finished the promise API and the defects, and is writing the shim.
  const duringShim = [test(`${SAFETY} keeps the old signature`, 'failed'), test(`${PROMISES} resolves`, 'passed'), test(`${DEFECTS} calls back once`, 'passed')];

  it('a failing test that passed on the starter is a regression; one the starter fails is not', () => {
    expect(isRegression(kata, duringShim[0]!)).to.equal(true);
    expect(isRegression(kata, test(`${PROMISES} resolves`, 'failed'))).to.equal(false);
    expect(isRegression(kata, test('my own test', 'failed'))).to.equal(false);
  });

  it('the learner stays on the step they reached, with its hints', () => {
    expect(currentStep(kata, { tests: duringShim, coverageMet: false })?.number).to.equal(4);
    const summary = summarize(kata, { tests: duringShim }, { hintsShown: {}, coverageMet: false });
    expect(summary.currentStep).to.include({ number: 4, id: 'shim' });
    expect(summary.nextFailing).to.include({ regression: true });
    const text = formatSummary(kata, summary).map((l) => stripVTControlCharacters(l));
    expect(text).to.include('  A regression: this test passed before your changes (step 1 of 4, Pin the legacy behaviour). Callers depend on what it checks: fix it before going on.');
    expect(text).to.include('  You are on step 4 of 4: Make the callback API a shim.');
    expect(text.join('\n')).to.not.include('It belongs to step 1');
  });

  it('a test the starter fails is still filed under its own step', () => {
    const tests = [test(`${SAFETY} keeps the old signature`, 'passed'), test(`${PROMISES} resolves`, 'failed'), test(`${DEFECTS} calls back once`, 'failed')];
    const summary = summarize(kata, { tests }, { hintsShown: {}, coverageMet: true });
    expect(summary.nextFailing).to.not.have.property('regression');
    expect(formatSummary(kata, summary).map((l) => stripVTControlCharacters(l))).to.include('  It belongs to step 2 of 4: Write the promise API.');
  });
});
