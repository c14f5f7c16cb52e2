/**
 * The reporter every kata run uses: mocha's own JSON reporter writes the results as data to
 * KATA_RESULTS_FILE (the verifier and the CLI read that, never the text), and, unless
 * KATA_QUIET is set, mocha's spec reporter prints for the person watching. Before each test it
 * records the test's title in KATA_PROGRESS_FILE, so a run stopped as hung can say where it hung.
 * A failed deep-equal assertion also records the paths where the values differ (difference.ts).
 *
 * With KATA_BRIEF set (`kata check`, which is a kata's `npm test`), the spec list ends with the
 * counts only: mocha's full failure listing, a screen per failure of every later step, would
 * bury what the learner's current step needs, which the CLI prints next.
 */
import * as fs from 'node:fs';
import Mocha = require('mocha');

import { noteDifferences } from './difference';

const { JSON: JSONReporter, Spec } = Mocha.reporters;

/** The spec list, with an epilogue of counts only. */
class BriefSpec extends Spec {
  override epilogue(): void {
    const { passes = 0, pending = 0, failures = 0 } = this.stats;
    const lines = ['', `  ${passes} passing`];
    if (pending) lines.push(`  ${pending} pending`);
    if (failures) lines.push(`  ${failures} failing: the one to fix first is explained below (npx kata test --verbose lists every failure in full)`);
    Mocha.reporters.Base.consoleLog(lines.join('\n'));
  }
}

class KataReporter extends JSONReporter {
  constructor(runner: Mocha.Runner, options: Mocha.MochaOptions) {
    const output = process.env.KATA_RESULTS_FILE;
    if (!output) throw new Error('KATA_RESULTS_FILE is not set: run kata tests through `npx kata test` or `npm test`.');
    // mocha reads `reporterOption` (singular); @types/mocha only knows the older plural spelling.
    const withOutput = options as Mocha.MochaOptions & { reporterOption?: Record<string, unknown> };
    super(runner, { ...withOutput, reporterOption: { ...withOutput.reporterOption, output } } as Mocha.MochaOptions);
    // Before the base reporter turns actual and expected into strings (see difference.ts).
    runner.prependListener(Mocha.Runner.constants.EVENT_TEST_FAIL, (_test, err) => noteDifferences(err));
    if (!process.env.KATA_QUIET) new (process.env.KATA_BRIEF ? BriefSpec : Spec)(runner, options);
    const progress = process.env.KATA_PROGRESS_FILE;
    if (progress) {
      runner.on(Mocha.Runner.constants.EVENT_TEST_BEGIN, (test) => fs.writeFileSync(progress, test.fullTitle()));
      runner.on(Mocha.Runner.constants.EVENT_RUN_END, () => fs.writeFileSync(progress, ''));
    }
  }
}

export = KataReporter;
