/**
 * A dojo team's run journal: one line of JSON per test run, appended as the team works, read
 * back for the retrospective report and sent to the facilitator's board. Local, plain text, and
 * kept out of git (`.kata-dojo/` is ignored): it is the team's, not the kata's.
 *
 * @example
 * const journal = new Journal(dojoDir(), 'team-ada', 'config-loader');
 * journal.append(entryFor(verdict, { depth: 3, now: new Date() }));
 * journal.read(); // every run so far, oldest first
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { z } from 'zod';

import { REPO_ROOT } from '../kata/catalog';
import type { RunSummary } from '../learner/verdict';

/**
 * red: tests fail; green: every test passes; amber: the tests did not run (a compile error, a
 * crash, a hang), as cyber-dojo's lights say it.
 */
export const LIGHTS = ['red', 'amber', 'green'] as const;
export type Light = (typeof LIGHTS)[number];

export const RunEntrySchema = z.strictObject({
  /** ISO time of the run. */
  at: z.string().datetime(),
  light: z.enum(LIGHTS),
  passed: z.number().int().min(0),
  total: z.number().int().min(0),
  /** The step the team is on (1-based), absent when the kata is done. */
  step: z.number().int().min(1).optional(),
  stepTitle: z.string().max(200).optional(),
  /** The deepest callback nesting in the team's files at that run: how the pyramid flattens. */
  depth: z.number().int().min(0).optional(),
});
export type RunEntry = z.infer<typeof RunEntrySchema>;

/** Where journals live: `.kata-dojo/` at the repository root, one folder per team. */
export function dojoDir(root = REPO_ROOT): string {
  return path.join(root, '.kata-dojo');
}

/** A team name as a folder name: letters, digits and dashes, 1 to 40 of them. */
export const TeamName = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9-]{0,39}$/, 'a team name is 1 to 40 letters, digits or dashes, starting with a letter or digit, for example "team-ada"');

export class Journal {
  readonly file: string;
  constructor(root: string, readonly team: string, readonly kata: string) {
    this.file = path.join(root, team, `${kata}.jsonl`);
  }

  append(entry: RunEntry): void {
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    fs.appendFileSync(this.file, `${JSON.stringify(RunEntrySchema.parse(entry))}\n`);
  }

  /** Every run recorded, oldest first. A line that is not a run (a torn write) is skipped, never fatal. */
  read(): RunEntry[] {
    if (!fs.existsSync(this.file)) return [];
    return fs
      .readFileSync(this.file, 'utf8')
      .split('\n')
      .filter(Boolean)
      .flatMap((line) => {
        try {
          const parsed = RunEntrySchema.safeParse(JSON.parse(line));
          return parsed.success ? [parsed.data] : [];
        } catch {
          return [];
        }
      });
  }
}

/** The light of a run's verdict. */
export function lightOf(summary: Pick<RunSummary, 'crash' | 'timedOut' | 'green' | 'total'>): Light {
  if (summary.crash || summary.timedOut || summary.total === 0) return 'amber';
  return summary.green ? 'green' : 'red';
}

/** A journal entry from a run's verdict. */
export function entryFor(summary: RunSummary, extra: { now: Date; depth?: number }): RunEntry {
  return {
    at: extra.now.toISOString(),
    light: lightOf(summary),
    passed: summary.passed,
    total: summary.total,
    ...(summary.currentStep ? { step: summary.currentStep.number, stepTitle: summary.currentStep.title } : {}),
    ...(extra.depth !== undefined ? { depth: extra.depth } : {}),
  };
}
