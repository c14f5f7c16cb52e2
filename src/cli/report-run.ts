/**
 * The summary printed after a kata run: what passes, what the coverage gate says and where the
 * uncovered lines are, in the learner's terms.
 */
import * as path from 'node:path';

import type { Kata } from '../kata/metadata';
import type { RunResult } from '../runner/run-kata';
import { findUncovered, lineRanges } from '../runner/uncovered';
import { formatCrash } from './crash';
import { kataCommand } from './command';
import { color, fail, ok, say } from './output';
import { currentStep } from '../learner/steps';

/** Prints the summary; returns true when the kata is green and the coverage gate is met. */
export function reportRun(kata: Kata, result: RunResult): boolean {
  if (result.timedOut) {
    say(
      fail(`Stopped after ${result.timedOut.seconds} s: the tests did not finish.`),
      `  Last test started: ${result.timedOut.lastTest ?? '(none: the test files did not finish loading)'}`,
      '  Usual causes: an infinite loop, a promise that never settles, or a server/timer left open (mocha waits for them).',
    );
    return false;
  }
  if (result.crash) {
    // The learner's file and line, with the line itself: never the tool's stack.
    say(...formatCrash(result.crash, kata.dir));
    return false;
  }
  const passed = result.tests.filter((t) => t.state === 'passed').length;
  const total = result.tests.length;
  const green = passed === total && total > 0;
  say('', green ? ok(`${passed} of ${total} tests pass.`) : fail(`${passed} of ${total} tests pass.`));

  const covered = reportCoverage(kata, result, green, currentStep(kata, { tests: result.tests })?.number);
  return green && covered;
}

/**
 * The coverage part of the summary: whether the gate is met and, when not, which lines of which
 * file never ran and what that usually means at this point of the kata. Returns true when met.
 */
export function reportCoverage(kata: Kata, result: RunResult, green: boolean, step?: number): boolean {
  const cov = result.coverage;
  if (!cov) return false;
  if (Object.keys(cov.files).length === 0) {
    say(fail(`Coverage was not measured: none of the implementation's files was seen by the coverage tool, so the coverage gate cannot be judged. ${color.cyan(kataCommand(`check ${kata.name}`))} measures your own files.`));
    return false;
  }
  if (cov.shortfalls.length === 0) {
    say(ok('Coverage gate met.'));
    return true;
  }
  say(fail(`Coverage gate not met: ${cov.shortfalls.map((s) => `${s.metric} ${s.pct}% (gate ${s.required}%)`).join(', ')}.`));
  for (const u of findUncovered(cov.detailFile, kata.dir)) {
    const where = [u.lines.length ? `lines ${lineRanges(u.lines)}` : '', u.branchLines.length ? `branches on lines ${lineRanges(u.branchLines)}` : ''].filter(Boolean).join('; ');
    // Inside the kata as the README names its files; a folder tried from elsewhere, as the learner would find it.
    const shown = u.file.startsWith('..') ? shownPath(path.resolve(kata.dir, u.file)) : u.file;
    say(`  ${color.bold(shown)}: ${where} never ran.`);
  }
  say(
    color.dim(
      green
        ? '  Code no test reaches is usually dead callback plumbing left from the legacy version: delete it, or write the test that reaches it.'
        : step === undefined || step <= 1
          ? '  Before the refactor, each uncovered line is legacy behaviour no test pins yet: pin it with a test in test/mine/.'
          : '  Mid-refactor, an uncovered line is legacy code not yet replaced, or callback plumbing nothing calls any more: delete it once nothing needs it.',
    ),
  );
  return false;
}

/** Relative to where the learner is when that is shorter than going up and out; else absolute. */
function shownPath(file: string): string {
  const rel = path.relative(process.cwd(), file);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : file;
}
