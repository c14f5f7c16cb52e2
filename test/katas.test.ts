/**
 * The library's promise about every kata, proved by running each kata's tests for real against
 * its starter, its reference solution, its wrong refactorings and its alternatives.
 */
import { expect } from 'chai';
import * as path from 'node:path';

import { KATAS_DIR, kataNames } from '../src/kata/catalog';
import { type Kata, loadKata } from '../src/kata/metadata';
import { type Claim, type ClaimKind, verifyKata } from '../src/verify/verify-kata';

const explain = (check: Claim | undefined) =>
  check ? `${check.subject}:\n    ${check.problems.join('\n    ')}` : 'the check did not run';

for (const name of kataNames()) {
  describe(`kata ${name}`, function () {
    // Each check is a real c8 + mocha run of the kata (about 1-2 s, two at a time).
    this.timeout(300_000);
    let kata: Kata;
    let checks: Claim[] = [];
    const find = (kind: ClaimKind, subject?: string) => checks.find((c) => c.kind === kind && (!subject || c.subject.endsWith(subject)));

    before(async () => {
      kata = loadKata(path.join(KATAS_DIR, name));
      checks = (await verifyKata(kata)).claims;
    });

    it('follows the kata format (metadata, README, TODO markers, test headers)', () => {
      expect(find('format')?.problems, explain(find('format'))).to.deep.equal([]);
    });
    it('starter: the safety net passes, exactly the declared tests fail, coverage is below the gate', () => {
      expect(find('starter')?.problems, explain(find('starter'))).to.deep.equal([]);
    });
    it('callback-hell check: the starter fails it, the reference passes it', () => {
      expect(find('structure')?.problems, explain(find('structure'))).to.deep.equal([]);
    });
    it('reference solution: every test passes and the coverage gate is met', () => {
      expect(find('solution')?.problems, explain(find('solution'))).to.deep.equal([]);
    });
    it('every known-wrong refactoring is caught by the tests declared to catch it', () => {
      const wrong = checks.filter((c) => c.kind === 'wrong');
      expect(wrong, 'a kata keeps at least one wrong refactoring').to.not.be.empty;
      const problems = wrong.filter((c) => c.problems.length > 0);
      expect(problems.map(explain), `${wrong.length - problems.length} of ${wrong.length} caught`).to.deep.equal([]);
    });
    it('the README\'s steps can be followed in order: each step snapshot passes its steps and leads to the next', () => {
      const steps = checks.filter((c) => c.kind === 'step');
      expect(steps.length, 'one snapshot check per step but the last').to.equal(kata.meta.steps.length - 1);
      const problems = steps.filter((c) => c.problems.length > 0);
      expect(problems.map(explain)).to.deep.equal([]);
    });
    it('every alternative correct refactoring passes (the tests do not overfit one solution)', () => {
      const problems = checks.filter((c) => c.kind === 'alternative' && c.problems.length > 0);
      expect(problems.map(explain)).to.deep.equal([]);
    });
  });
}
