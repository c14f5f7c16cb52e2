/**
 * The verdict of a run, as one value: how many tests pass, the next failing test with its
 * message and step (or that it is a regression), the step the learner is on and the hints left
 * for it, whether the coverage gate is met, and where a crash happened. A run goes one way:
 * the runner's results -> this verdict -> the progress record -> a presentation (the terminal
 * text in src/cli/summary.ts, `--json`), all from the same value.
 */
import type { Kata } from '../kata/metadata';
import { type CrashLocation, locateCrash } from '../runner/crash-location';
import type { Difference } from '../runner/difference';
import type { RunResult, TestResult } from '../runner/run-kata';
import { currentStep, failuresInOrder, isRegression, type NumberedStep, stepOfTest } from './steps';

export interface StepInfo {
  number: number;
  id: string;
  title: string;
}

export interface RunSummary {
  kata: string;
  passed: number;
  failed: number;
  pending: number;
  total: number;
  /** Every test ran and none failed. */
  green: boolean;
  /** `message` is the assertion's own; `differences`, for a failed deep-equal, where the values differ. */
  nextFailing?: { fullTitle: string; file: string; message: string; differences?: Difference[]; step?: StepInfo; regression?: boolean };
  /** The step to work on; absent when the kata is done. */
  currentStep?: StepInfo & { hints: number; hintsShown: number };
  coverageMet?: boolean;
  crash?: CrashLocation & { text: string };
  timedOut?: { seconds: number; lastTest?: string };
}

const info = (s: NumberedStep): StepInfo => ({ number: s.number, id: s.step.id, title: s.step.title });

export interface SummaryContext {
  hintsShown: Record<string, number>;
  /** Whether the coverage gate is met: from this run, or from an earlier run of the same files; undefined if unknown. */
  coverageMet?: boolean | undefined;
  checkPassed?: boolean | undefined;
}

export function summarize(kata: Kata, result: Pick<RunResult, 'tests' | 'crash' | 'timedOut'>, context: SummaryContext): RunSummary {
  const { hintsShown, coverageMet, checkPassed } = context;
  const count = (state: TestResult['state']) => result.tests.filter((t) => t.state === state).length;
  const passed = count('passed');
  const failed = count('failed');
  const total = result.tests.length;
  const summary: RunSummary = {
    kata: kata.name,
    passed,
    failed,
    pending: count('pending'),
    total,
    green: !result.crash && !result.timedOut && total > 0 && failed === 0,
  };
  if (coverageMet !== undefined) summary.coverageMet = coverageMet;
  const next = failuresInOrder(kata, result.tests)[0];
  if (next) {
    const step = stepOfTest(kata, next.fullTitle);
    summary.nextFailing = {
      fullTitle: next.fullTitle,
      file: next.file,
      message: next.message ?? '(no message)',
      ...(next.differences ? { differences: next.differences } : {}),
      ...(step ? { step: info(step) } : {}),
      ...(isRegression(kata, next) ? { regression: true } : {}),
    };
  }
  const evidence = { tests: result.tests, ...(coverageMet !== undefined ? { coverageMet } : {}), ...(checkPassed !== undefined ? { checkPassed } : {}) };
  const current = result.crash || result.timedOut ? undefined : currentStep(kata, evidence);
  if (current) summary.currentStep = { ...info(current), hints: current.step.hints.length, hintsShown: Math.min(hintsShown[current.step.id] ?? 0, current.step.hints.length) };
  if (result.crash) summary.crash = { ...locateCrash(result.crash), text: result.crash };
  if (result.timedOut) summary.timedOut = { seconds: result.timedOut.seconds, ...(result.timedOut.lastTest ? { lastTest: result.timedOut.lastTest } : {}) };
  return summary;
}

