/**
 * A run's verdict (src/learner/verdict.ts) as text for a terminal: how many tests pass, the next
 * failing test with its message, the step it belongs to, the step the learner is on and whether
 * a hint is left for it. Used by `kata test`, `kata check` and `kata watch` alike.
 */
import type { Kata } from '../kata/metadata';
import type { RunSummary } from '../learner/verdict';
import { type Difference, describeDifference } from '../runner/difference';
import { kataCommand } from './command';
import { formatCrash } from './crash';
import { color, fail, note, ok } from './output';

export type { RunSummary } from '../learner/verdict';

/** The summary as lines for a terminal. Coverage details are report-run's job; this says only whether the gate was met. */
export function formatSummary(kata: Kata, s: RunSummary): string[] {
  if (s.timedOut) {
    return [
      fail(`Stopped after ${s.timedOut.seconds} s: the tests did not finish.`),
      `  Last test started: ${s.timedOut.lastTest ?? '(none: the test files did not finish loading)'}`,
      '  Usual causes: an infinite loop, a promise that never settles, or a server/timer left open.',
    ];
  }
  if (s.crash) return formatCrash(s.crash.text, kata.dir);
  const out = [s.green ? ok(`${s.passed} of ${s.total} tests pass.`) : fail(`${s.passed} of ${s.total} tests pass.`)];
  const steps = kata.meta.steps.length;
  if (s.nextFailing) {
    const n = s.nextFailing;
    out.push(
      '',
      `${color.bold('Next failing test:')} ${n.fullTitle}`,
      ...indent(n.differences ? withDifferences(n.message, n.differences) : n.message, '    '),
      note(`    in ${n.file}`),
      !n.step
        ? '  It is one of your own tests (test/mine/).'
        : n.regression
          ? `  A regression: this test passed before your changes (step ${n.step.number} of ${steps}, ${n.step.title}). Callers depend on what it checks: fix it before going on.`
          : `  It belongs to step ${n.step.number} of ${steps}: ${n.step.title}.`,
    );
  }
  const c = s.currentStep;
  if (c) {
    if (!s.nextFailing || s.nextFailing.regression || s.nextFailing.step?.id !== c.id) out.push(`  You are on step ${c.number} of ${steps}: ${c.title}.`);
    const left = c.hints - c.hintsShown;
    out.push(
      left > 0
        ? `  Stuck? ${color.cyan(kataCommand(`hint ${kata.name}`))} has ${left === c.hints ? `${c.hints} hint${c.hints === 1 ? '' : 's'}` : `${left} more hint${left === 1 ? '' : 's'}`} for step ${c.number}.`
        : note(`  All ${c.hints} hints for step ${c.number} were shown: ${color.cyan(kataCommand(`hint ${kata.name}`))} shows them again.`),
    );
  } else if (s.green) {
    out.push(ok('Done: green, coverage gate met and the callback-hell check passes.'));
  }
  return out;
}

/**
 * chai's deep-equal message with both values cut short at the same place reads the same twice:
 * "expected { port: 8080, host: 'b', …(2) } to deeply equal { port: 8080, host: 'b', …(2) }".
 * Where the values differ says more: ".db.port: expected 5432, got 5433", one line per path.
 * A message of another form is kept as it is.
 */
export function withDifferences(message: string, differences: readonly Difference[]): string {
  const [first = '', ...rest] = message.split('\n');
  const deepEqual = /^(.*?)expected .* to deeply equal .*$/.exec(first);
  if (!deepEqual || differences.length === 0) return message;
  const lines = differences.slice(0, 5).map(describeDifference);
  const more = differences.length > 5 ? ['  …and more differences than these.'] : [];
  return [`${deepEqual[1]}${lines[0]}`, ...lines.slice(1).map((l) => `  ${l}`), ...more, ...rest].join('\n');
}

function indent(text: string, by: string): string[] {
  const lines = text.trim().split('\n');
  const shown = lines.slice(0, 12).map((l) => `${by}${l}`);
  if (lines.length > 12) shown.push(note(`${by}…(${lines.length - 12} more lines)`));
  return shown.map((l, i) => (i === 0 ? color.red(l) : l));
}
