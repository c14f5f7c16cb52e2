/**
 * Turns a finished run into the learner's summary and records it in the progress file, so that
 * `kata list`, `next`, `hint` and `solution` know where the learner stands without rerunning.
 *
 * @example
 * const result = await runKata(kata);
 * const { summary } = recordResult(kata, result);
 * summary.nextFailing?.step?.title; // 'Write the promise API'
 */
import type { Kata } from '../kata/metadata';
import { type CoverageReport, type RunResult, runKata } from '../runner/run-kata';
import { findUncovered, lineRanges } from '../runner/uncovered';
import { fingerprint } from '../kata/learner-files';
import { kataProgress, readProgress, type RunRecord, updateProgress } from './progress';
import { type RunSummary, summarize } from './verdict';

export interface Recorded {
  summary: RunSummary;
  record: RunRecord;
}

/**
 * Summarizes and records a run of the learner's current files. What this run did not measure
 * (coverage in a watch rerun, the structure check in `kata test`) is taken from the previous
 * record when that was a run of the same files with the same results.
 */
export function recordResult(kata: Kata, result: Pick<RunResult, 'tests' | 'crash' | 'timedOut' | 'coverage'>, checkPassed?: boolean): Recorded {
  const print = fingerprint(kata);
  const entry = kataProgress(readProgress(), kata);
  const passed = result.tests.filter((t) => t.state === 'passed').length;
  const total = result.tests.length;
  const broken = Boolean(result.crash || result.timedOut);
  const previous = entry.lastRun;
  const same = previous && !broken && previous.fingerprint === print && previous.passed === passed && previous.total === total ? previous : undefined;
  const coverageMet = result.coverage ? result.coverage.shortfalls.length === 0 : same?.coverageMet;
  const checked = checkPassed ?? same?.checkPassed;
  const summary = summarize(kata, result, { hintsShown: entry.hintsShown, coverageMet, checkPassed: checked });
  const record: RunRecord = {
    at: new Date().toISOString(),
    passed,
    total,
    fingerprint: print,
    ...(coverageMet !== undefined ? { coverageMet } : {}),
    ...(checked !== undefined ? { checkPassed: checked } : {}),
    ...(broken ? { broken } : {}),
    ...(result.coverage && !broken ? { uncovered: describeUncovered(kata, result.coverage) } : same?.uncovered ? { uncovered: same.uncovered } : {}),
    ...(summary.currentStep ? { currentStep: summary.currentStep.id } : broken && previous?.currentStep ? { currentStep: previous.currentStep } : {}),
  };
  updateProgress((progress) => {
    progress.katas[kata.name] = { ...kataProgress(progress, kata), lastRun: record };
  });
  return { summary, record };
}

/** What the coverage report says never ran, one line per file, as the learner's README names the files. */
function describeUncovered(kata: Kata, coverage: CoverageReport): string[] {
  if (coverage.shortfalls.length === 0) return [];
  try {
    return findUncovered(coverage.detailFile, kata.dir).map((u) =>
      [`${u.file}`, u.lines.length ? `lines ${lineRanges(u.lines)}` : '', u.branchLines.length ? `branches on lines ${lineRanges(u.branchLines)}` : ''].filter(Boolean).join(' ').replace(/ (lines .*) (branches)/, ' $1; $2'),
    );
  } catch {
    return []; // a report that cannot be read: nothing to tell, the run's own output said so
  }
}

/**
 * The record of a run of the learner's files as they are now: the recorded one when the files
 * have not changed since, else a fresh run (tests only, no coverage: about a second).
 */
export async function currentRecord(kata: Kata): Promise<RunRecord> {
  const last = kataProgress(readProgress(), kata).lastRun;
  if (last && !last.broken && last.fingerprint === fingerprint(kata)) return last;
  const result = await runKata(kata, { coverage: false });
  try {
    return recordResult(kata, result).record;
  } finally {
    result.dispose();
  }
}
