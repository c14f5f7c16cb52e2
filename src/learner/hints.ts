/**
 * Hints, one at a time: each call shows the next hint of a step and remembers (in the progress
 * file) how many of that step's hints the learner has seen, so the next call goes one further.
 *
 * @example
 * const h = takeNextHint(kata, 'promise-api');
 * h.shown;   // every hint seen so far, the new one last
 * h.isNew;   // false once all of them were shown (they are shown again)
 */
import type { Kata, KataStep } from '../kata/metadata';
import { kataProgress, readProgress, updateProgress } from './progress';
import { color, note } from '../terminal/style';

export interface HintView {
  step: KataStep;
  /**
   * For a step with no tests of its own (pinning the legacy behaviour): the code the learner's
   * last run with coverage left unreached, which is where that step's work is.
   */
  uncovered?: string[];
  /** 1-based. */
  stepNumber: number;
  /** The hints seen so far, including the one just taken. */
  shown: string[];
  total: number;
  /** False when every hint had been shown already. */
  isNew: boolean;
}

/** Shows (records) the next hint of the step with this id. */
export function takeNextHint(kata: Kata, stepId: string): HintView {
  const index = kata.meta.steps.findIndex((s) => s.id === stepId);
  const step = kata.meta.steps[index]!;
  let seen = 0;
  updateProgress((progress) => {
    const entry = kataProgress(progress, kata);
    seen = Math.min(entry.hintsShown[stepId] ?? 0, step.hints.length);
    progress.katas[kata.name] = { ...entry, hintsShown: { ...entry.hintsShown, [stepId]: Math.min(seen + 1, step.hints.length) } };
  });
  const isNew = seen < step.hints.length;
  const uncovered = step.suite === undefined || index === 0 ? kataProgress(readProgress(), kata).lastRun?.uncovered : undefined;
  return { step, stepNumber: index + 1, shown: step.hints.slice(0, isNew ? seen + 1 : step.hints.length), total: step.hints.length, isNew, ...(uncovered?.length ? { uncovered } : {}) };
}

/** The hint for a terminal: earlier ones dimmed, the new one plain. */
export function formatHint(kata: Kata, h: HintView): string[] {
  const out = [color.bold(`Step ${h.stepNumber} of ${kata.meta.steps.length}: ${h.step.title}`), ''];
  h.shown.forEach((text, i) => {
    const label = `Hint ${i + 1} of ${h.total}:`;
    const latest = i === h.shown.length - 1 && h.isNew;
    out.push(latest ? `${color.cyan(label)} ${text}` : note(`${label} ${text}`));
  });
  if (h.uncovered) out.push('', `${color.cyan('Not reached by any test in your last run:')} ${h.uncovered.join('; ')}. That is the behaviour left to pin.`);
  out.push(
    '',
    h.isNew && h.shown.length < h.total
      ? note(`Run it again for hint ${h.shown.length + 1}. The kata's README explains the step in full.`)
      : note('That is every hint for this step. The kata\'s README explains it in full; `npx kata solution` opens once you are green.'),
  );
  return out;
}
