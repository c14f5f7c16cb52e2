/**
 * Which step of a kata a test belongs to, and which step the learner is on. A step's tests are
 * those whose full title starts with the step's `suite` (see kata.json).
 *
 * @example
 * stepOfTest(kata, 'config-loader promise API: promises.loadConfig rejects…'); // { number: 2, step: {…} }
 * currentStep(kata, { tests });                                              // the step to work on now
 */
import type { Kata, KataStep } from '../kata/metadata';
import type { TestResult } from '../runner/run-kata';

export interface NumberedStep {
  /** 1-based, as the kata's README counts them. */
  number: number;
  step: KataStep;
}

const inSuite = (fullTitle: string, suite: string) => fullTitle === suite || fullTitle.startsWith(`${suite} `);

/** The step whose suite holds this test; undefined for a test of no step (the learner's own tests). */
export function stepOfTest(kata: Kata, fullTitle: string): NumberedStep | undefined {
  const index = kata.meta.steps.findIndex((s) => s.suite !== undefined && inSuite(fullTitle, s.suite));
  return index < 0 ? undefined : { number: index + 1, step: kata.meta.steps[index]! };
}

/** Failed tests in the order to fix them: by step, then as they ran; tests of no step last. */
export function failuresInOrder(kata: Kata, tests: readonly TestResult[]): TestResult[] {
  const rank = (t: TestResult) => stepOfTest(kata, t.fullTitle)?.number ?? Number.MAX_SAFE_INTEGER;
  return tests
    .map((t, i) => ({ t, i }))
    .filter(({ t }) => t.state === 'failed')
    .sort((a, b) => rank(a.t) - rank(b.t) || a.i - b.i)
    .map(({ t }) => t);
}

/**
 * A failing kata test that passed on the starter (it is not in starterFailures): the learner's
 * change broke behaviour it pins. It is not work of its step left to do but a regression, whatever
 * step it belongs to: a safety-net test broken while writing the shim is not "step 1".
 */
export function isRegression(kata: Kata, test: TestResult): boolean {
  return test.state === 'failed' && stepOfTest(kata, test.fullTitle) !== undefined && !kata.meta.starterFailures.includes(test.fullTitle);
}

export interface StepEvidence {
  tests: readonly TestResult[];
  /** Undefined when the run did not measure coverage (a watch rerun). */
  coverageMet?: boolean;
  checkPassed?: boolean;
}

/**
 * The first step not finished yet, or undefined when the kata is done. A step with failing tests
 * of its own is not finished. A step without (pinning the legacy behaviour, whose safety net
 * passes from the start; or a final clean-up step with no suite) is finished when the coverage
 * gate is met, or, for all but the last, once the learner has moved on: a test that failed in the
 * starter and belongs to a later step passes now. The last step is finished when the kata is done.
 * A failing test that passed on the starter is a regression ({@link isRegression}), not unfinished
 * work of its step.
 */
export function currentStep(kata: Kata, evidence: StepEvidence): NumberedStep | undefined {
  const { steps, starterFailures } = kata.meta;
  const starterFailing = new Set(starterFailures);
  const { tests } = evidence;
  if (tests.length === 0) return { number: 1, step: steps[0]! };
  const allPass = tests.every((t) => t.state !== 'failed');
  for (let i = 0; i < steps.length; i++) {
    const step = steps[i]!;
    const own = step.suite ? tests.filter((t) => inSuite(t.fullTitle, step.suite!)) : [];
    // A regression does not send the learner back: it is reported as one, on the step they are on.
    if (own.some((t) => t.state === 'failed' && !isRegression(kata, t))) return { number: i + 1, step };
    const hadStarterFailures = step.suite !== undefined && starterFailures.some((t) => inSuite(t, step.suite!));
    if (hadStarterFailures) continue; // its failing tests all pass now
    const last = i === steps.length - 1;
    if (last) {
      if (allPass && evidence.coverageMet === true && evidence.checkPassed === true) continue;
      return { number: i + 1, step };
    }
    if (evidence.coverageMet === true) continue;
    const movedOn = tests.some((t) => t.state === 'passed' && starterFailing.has(t.fullTitle) && (stepOfTest(kata, t.fullTitle)?.number ?? 0) > i + 1);
    if (!movedOn) return { number: i + 1, step };
  }
  return undefined;
}
