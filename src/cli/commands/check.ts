import { parseArgs } from 'node:util';

import type { Kata } from '../../kata/metadata';
import { type RunResult, runKata } from '../../runner/run-kata';
import { type Command, kataCommand } from '../command';
import { color, say } from '../output';
import { recordResult } from '../../learner/record-run';
import { reportCoverage, reportRun } from '../report-run';
import { resolveKata } from '../resolve-kata';
import { formatSummary } from '../summary';

export const checkCommand: Command = {
  name: 'check',
  summary: 'Run a kata: its tests, the coverage gate and the callback-hell check (what `npm test` in the kata folder does).',
  usage: [
    'Usage: npx kata check [kata] [--json]',
    '',
    '  kata     the kata to run (default: the kata folder you are in)',
    '  --json   print the results as JSON (tests summary, coverage, structure check)',
    '',
    'Done means all three pass.',
  ].join('\n'),
  async run(args) {
    const { positionals, values } = parseArgs({ args, allowPositionals: true, strict: true, options: { json: { type: 'boolean' } } });
    const kata = resolveKata(positionals);
    const outcome = await runFullCheck(kata, { json: Boolean(values.json) });
    return outcome.done ? 0 : 1;
  },
};

/**
 * Tests with coverage, then the callback-hell check; prints both (or JSON) and records the
 * outcome in the learner's progress. Also what `c` does in `kata watch`.
 */
export async function runFullCheck(kata: Kata, options: { json?: boolean } = {}): Promise<{ done: boolean }> {
  // The tests start first, in a child process; the structure check runs in this process while they
  // run: two cores, one wait. (runKata has spawned the child by the time it returns its promise.)
  const running = runKata(kata, { print: !options.json, brief: true });
  // After the spawn: on a cache miss ESLint and TypeScript take a second to load, which the tests
  // should not wait for. Unchanged files (a rerun, or step 1, where only tests change) hit the cache.
  const { checkKataCached } = require('../../callback-hell/cached-check') as typeof import('../../callback-hell/cached-check');
  const { formatCheck } = require('../../callback-hell/report-check') as typeof import('../../callback-hell/report-check');
  const structure = checkKataCached(kata);
  structure.catch(() => undefined); // awaited below; a crash of the tests must not leave it unhandled
  const result = await running;
  try {
    const shape = await structure;
    const { summary } = recordResult(kata, result, shape.passed);
    if (options.json) {
      const done = greenWithCoverage(result) && shape.passed;
      say(JSON.stringify({ done, summary, coverage: result.coverage ? { total: result.coverage.total, shortfalls: result.coverage.shortfalls } : undefined, check: { passed: shape.passed, findings: shape.findings, scorecard: shape.scorecard } }, null, 2));
      return { done };
    }
    if (summary.crash || summary.timedOut) {
      reportRun(kata, result);
      say('', ...formatCheck(shape, 8));
      return { done: false };
    }
    // What the learner's current step needs comes first: on step 1 (pinning) the lines no test
    // reaches yet; on later steps the next failing test, its step and the hints.
    const step = summary.currentStep?.number;
    const [count = '', ...next] = formatSummary(kata, summary);
    say('', count);
    let covered = false;
    const coverage = () => {
      say('');
      covered = reportCoverage(kata, result, summary.green, step);
    };
    if (step === 1) coverage();
    if (next.length > 0) say(...next);
    if (step !== 1) coverage();
    // The structure check's findings are the last step's work: before it, a few show the way.
    const last = kata.meta.steps.length;
    say('', ...formatCheck(shape, step === undefined || step === last ? 8 : 3));
    const done = summary.green && covered && shape.passed;
    if (done) {
      say('', color.green(color.bold(`Done: ${kata.name} is green, the coverage gate is met and the callback-hell check passes.`)), `Compare with the reference: ${color.cyan(kataCommand(`solution ${kata.name}`))}   Then: ${color.cyan(kataCommand('next'))}`);
    }
    return { done };
  } finally {
    result.dispose();
  }
}

/** What reportRun returns, without printing: every test ran and passed, and the coverage gate is met. */
function greenWithCoverage(result: RunResult): boolean {
  const green = !result.crash && !result.timedOut && result.tests.length > 0 && result.tests.every((t) => t.state !== 'failed');
  return green && result.coverage?.shortfalls.length === 0;
}
