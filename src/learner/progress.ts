/**
 * The learner's progress: one local JSON file at the root of the library (`.kata-progress.json`,
 * ignored by git), holding for each kata its last recorded run and how many hints of each step
 * were shown. Every verb that runs a kata records the run here; `list`, `next`, `hint` and
 * `solution` read it.
 *
 * @example
 * updateProgress((p) => { p.katas[kata.name] = { hintsShown: {} }; });
 * statusOf(kata, readProgress()); // { state: 'not started', stale: false }
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { z } from 'zod';

import { REPO_ROOT } from '../kata/catalog';
import type { Kata } from '../kata/metadata';
import { warn } from '../terminal/output';
import { color } from '../terminal/style';

export const PROGRESS_FILE = path.join(REPO_ROOT, '.kata-progress.json');

const RunRecordSchema = z.object({
  at: z.string(),
  passed: z.number().int().min(0),
  total: z.number().int().min(0),
  /** Of the learner's files when the run happened (see learner-files.ts). */
  fingerprint: z.string(),
  /** Unknown (absent) for runs without coverage, such as `kata watch`. */
  coverageMet: z.boolean().optional(),
  /** Unknown (absent) unless the callback-hell check ran on these files. */
  checkPassed: z.boolean().optional(),
  /** The tests could not run at all (a syntax error, a hung run...). */
  broken: z.boolean().optional(),
  /** Id of the step the learner was on; absent when done or unknown. */
  currentStep: z.string().optional(),
  /** Code no test reached in that run, as "src/x.ts lines 3-5; branches on lines 7": absent without coverage. */
  uncovered: z.array(z.string()).optional(),
});

const KataProgressSchema = z.object({
  lastRun: RunRecordSchema.optional(),
  /** Step id -> how many of its hints were shown. */
  hintsShown: z.record(z.string(), z.number().int().min(0)).default({}),
});

const ProgressSchema = z.object({
  version: z.literal(1),
  katas: z.record(z.string(), KataProgressSchema).default({}),
});

export type RunRecord = z.infer<typeof RunRecordSchema>;
export type KataProgress = z.infer<typeof KataProgressSchema>;
export type Progress = z.infer<typeof ProgressSchema>;

let warned = false;

/** The progress file's content; an empty record when there is none (or it cannot be read, said once on stderr). */
export function readProgress(file = PROGRESS_FILE): Progress {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return { version: 1, katas: {} };
  }
  try {
    return ProgressSchema.parse(JSON.parse(text));
  } catch (err) {
    if (!warned) {
      warned = true;
      warn(color.yellow(`kata: ignoring ${path.relative(process.cwd(), file) || file}, which is not a progress file this version reads (${err instanceof Error ? err.message.split('\n')[0] : String(err)}). It is replaced on the next run.`));
    }
    return { version: 1, katas: {} };
  }
}

/** Reads, changes and writes the progress file; the write is atomic (a rename), so a reader never sees half a file. */
export function updateProgress(change: (progress: Progress) => void, file = PROGRESS_FILE): Progress {
  const progress = readProgress(file);
  change(progress);
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, `${JSON.stringify(progress, null, 2)}\n`);
  fs.renameSync(tmp, file);
  return progress;
}

export function kataProgress(progress: Progress, kata: Kata): KataProgress {
  return progress.katas[kata.name] ?? { hintsShown: {} };
}

export type State = 'not started' | 'red' | 'green' | 'done';

export interface Status {
  state: State;
  passed?: number;
  total?: number;
  /** The learner's files changed since the recorded run. */
  stale: boolean;
  /** Why a green kata is not done yet, in the learner's terms. */
  missing?: string[];
}

/** A kata's status from its recorded run: done = green + coverage gate + callback-hell check. */
export function statusOf(kata: Kata, progress: Progress, currentPrint?: string): Status {
  const run = kataProgress(progress, kata).lastRun;
  if (!run) return { state: 'not started', stale: false };
  const stale = currentPrint !== undefined && currentPrint !== run.fingerprint;
  const counts = { passed: run.passed, total: run.total, stale };
  if (run.broken || run.total === 0 || run.passed < run.total) return { state: 'red', ...counts };
  if (run.coverageMet === true && run.checkPassed === true) return { state: 'done', ...counts };
  const missing = [
    run.coverageMet === false ? 'the coverage gate' : run.coverageMet === undefined ? 'coverage (not measured yet)' : '',
    run.checkPassed === false ? 'the callback-hell check' : run.checkPassed === undefined ? 'the callback-hell check (not run yet)' : '',
  ].filter(Boolean);
  return { state: 'green', ...counts, missing };
}

/** "red 5/22", "green 22/22", "done", "not started"; coloured; a trailing * when the files changed since. */
export function formatStatus(status: Status): string {
  const mark = status.stale ? '*' : '';
  switch (status.state) {
    case 'not started':
      return color.dim('not started');
    case 'red':
      return color.red(status.total ? `red ${status.passed}/${status.total}${mark}` : `red (does not run)${mark}`);
    case 'green':
      return color.green(`green ${status.passed}/${status.total}${mark}`);
    case 'done':
      return color.bold(color.green(`done${mark}`));
  }
}

/** The plain text of formatStatus, for column widths. */
export function statusWidth(status: Status): number {
  // eslint-disable-next-line no-control-regex
  return formatStatus(status).replace(/\x1b\[[0-9;]*m/g, '').length;
}
