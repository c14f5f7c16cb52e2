import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';

import type { Kata } from '../../kata/metadata';
import { type Defect, namesTest, readReviewKey } from '../../kata/review-key';
import { type Command, kataCommand, UsageError } from '../command';
import { color, fail, note, ok, say } from '../output';
import { resolveKata } from '../resolve-kata';

/** How far a finding's line may be from a defect's lines and still count as finding it. */
export const LINE_TOLERANCE = 3;

export interface Finding {
  /** The learner file, when the line names one. */
  file?: string;
  from: number;
  to: number;
  reason: string;
  /** The line of the findings file, for messages. */
  source: number;
}

export const reviewCommand: Command = {
  name: 'review',
  summary: 'The kata as a code-review exercise: the brief and the starter with line numbers; then your findings scored against the answer key.',
  usage: [
    'Usage: npx kata review [kata] [--minutes N]',
    '       npx kata review [kata] --score findings.txt [--json]',
    '',
    '  --minutes N    the timebox printed in the brief (default 10)',
    '  --score FILE   mark the findings in FILE against the answer key: one per line, "12: reason",',
    '                 "12-15: reason" or "worker-pool.ts 40: reason"; other lines are ignored',
    '',
    `A finding counts when its lines are within ${LINE_TOLERANCE} lines of a defect's. Each missed defect is explained,`,
    'with the test that exposes it and the wrong refactoring that repeats it.',
  ].join('\n'),
  async run(args) {
    const { positionals, values } = parseArgs({ args, allowPositionals: true, strict: true, options: { score: { type: 'string' }, json: { type: 'boolean' }, minutes: { type: 'string' } } });
    const kata = resolveKata(positionals);
    if (values.score === undefined) {
      const minutes = values.minutes === undefined ? 10 : Number(values.minutes);
      if (!Number.isInteger(minutes) || minutes < 1) throw new UsageError(`--minutes takes a whole number of minutes, 1 or more (got "${values.minutes}").`);
      say(...brief(kata, minutes));
      return 0;
    }
    let text: string;
    try {
      text = fs.readFileSync(values.score, 'utf8');
    } catch (err) {
      throw new UsageError(`cannot read the findings file ${values.score} (${(err as NodeJS.ErrnoException).code ?? String(err)}): write one finding per line, "12: reason".`);
    }
    const findings = parseFindings(text, kata.meta.files);
    const result = score(kata, findings);
    if (values.json) say(JSON.stringify(result, null, 2));
    else say(...formatScore(kata, result));
    return 0;
  },
};

function brief(kata: Kata, minutes: number): string[] {
  const readme = fs.readFileSync(path.join(kata.dir, 'README.md'), 'utf8');
  const story = /## The story\s*\n([\s\S]*?)\n## /.exec(readme)?.[1]?.trim() ?? '';
  const out = [
    color.bold(`Code review: ${kata.meta.title} (${minutes} minutes)`),
    '',
    color.bold('What the code is for'),
    story,
    '',
    color.bold('What to look for'),
    '  - errors thrown inside a callback, where no caller can catch them;',
    '  - a callback called twice, or never, on some path (a missing return after callback(err));',
    '  - work started without a bound (every file at once), or one after another when it could overlap;',
    '  - resources not released, or temporary files left, when a step fails halfway;',
    '  - results whose order or content depends on which operation finishes first;',
    '  - blocking calls (…Sync, heavy computation) on the thread that serves everyone;',
    '  - errors that lose what failed (no file name, no cause), or are swallowed.',
    '',
    color.bold('Write your findings'),
    `  One per line in a text file, "12: reason" or "12-15: reason"${kata.meta.files.length > 1 ? ' (with the file name first when it is not the first file: "pool-worker.ts 20: reason")' : ''}. Then:`,
    `  ${color.cyan(kataCommand(`review ${kata.name} --score findings.txt`))}`,
  ];
  for (const file of kata.meta.files) {
    const lines = fs.readFileSync(path.join(kata.dir, file), 'utf8').split('\n');
    if (lines[lines.length - 1] === '') lines.pop();
    const width = String(lines.length).length;
    out.push('', color.bold(file), ...lines.map((l, i) => `${note(String(i + 1).padStart(width))}  ${l}`));
  }
  return out;
}

/** Findings from a reviewer's text: "12: reason", "lines 12-15: reason", "file.ts 12: reason". */
export function parseFindings(text: string, learnerFiles: readonly string[]): Finding[] {
  const findings: Finding[] = [];
  text.split('\n').forEach((raw, i) => {
    const m = /^\s*(?:[-*]\s*)?(?:([\w./-]+\.[cm]?[tj]s)\s*:?\s*)?(?:lines?\s+)?(\d+)(?:\s*[-–]\s*(\d+))?\s*:\s*(.*\S)\s*$/i.exec(raw);
    if (!m) return;
    const file = m[1] ? learnerFiles.find((f) => path.basename(f) === path.basename(m[1]!)) ?? m[1] : undefined;
    const from = Number(m[2]);
    const to = m[3] ? Number(m[3]) : from;
    findings.push({ ...(file ? { file } : {}), from: Math.min(from, to), to: Math.max(from, to), reason: m[4]!, source: i + 1 });
  });
  return findings;
}

export interface ScoredDefect {
  id: string;
  title: string;
  lines: string;
  why: string;
  /** The reviewer's findings that found it (their line in the findings file). */
  foundBy: number[];
  /** Full titles of the tests that expose it (fail on the starter). */
  tests: string[];
  /** The known-wrong refactorings that repeat it: caught by those same tests. */
  repeatedBy: string[];
}

export interface Score {
  kata: string;
  found: number;
  total: number;
  defects: ScoredDefect[];
  /** Findings that match no defect of the key. */
  unmatched: Finding[];
}

/** How many lines a finding is from a defect (0 when it covers one of its lines); undefined when out of reach. */
function distance(f: Finding, d: Defect): number | undefined {
  let best: number | undefined;
  for (const l of d.lines) {
    if (f.file !== undefined && f.file !== l.file) continue;
    const off = l.line < f.from ? f.from - l.line : l.line > f.to ? l.line - f.to : 0;
    if (off <= LINE_TOLERANCE && (best === undefined || off < best)) best = off;
  }
  return best;
}

const words = (text: string) => new Set(text.toLowerCase().match(/[a-z]{4,}/g) ?? []);

/**
 * Each finding finds at most one defect: the nearest; between defects on the same lines, one not
 * found yet, then the one whose description shares the most words with the finding's reason.
 * Two defects on one line take two findings.
 */
export function score(kata: Kata, findings: readonly Finding[]): Score {
  const key = readReviewKey(kata);
  const foundBy = new Map<string, number[]>(key.defects.map((d) => [d.id, []]));
  const unmatched: Finding[] = [];
  for (const f of findings) {
    const reason = words(f.reason);
    const overlap = (d: Defect) => [...words(`${d.title} ${d.why}`)].filter((w) => reason.has(w)).length;
    const candidates = key.defects
      .map((d) => ({ d, off: distance(f, d) }))
      .filter((c): c is { d: Defect; off: number } => c.off !== undefined)
      .sort((a, b) => a.off - b.off || foundBy.get(a.d.id)!.length - foundBy.get(b.d.id)!.length || overlap(b.d) - overlap(a.d));
    const pick = candidates[0];
    if (pick) foundBy.get(pick.d.id)!.push(f.source);
    else unmatched.push(f);
  }
  const defects = key.defects.map((d): ScoredDefect => {
    const tests = kata.meta.starterFailures.filter((t) => d.exposedBy.some((a) => namesTest(a, t)));
    return {
      id: d.id,
      title: d.title,
      lines: d.linesText,
      why: d.why,
      foundBy: foundBy.get(d.id)!,
      tests,
      repeatedBy: kata.meta.wrong.filter((w) => w.caughtBy.some((t) => tests.includes(t))).map((w) => w.dir),
    };
  });
  return { kata: kata.name, found: defects.filter((d) => d.foundBy.length > 0).length, total: defects.length, defects, unmatched };
}

function formatScore(kata: Kata, s: Score): string[] {
  const out = [color.bold(`${kata.name}: you found ${s.found} of the ${s.total} defects in the answer key.`), ''];
  for (const d of s.defects.filter((x) => x.foundBy.length > 0)) out.push(ok(`${d.id} ${d.title} (lines ${d.lines}): your finding on line ${d.foundBy.join(', ')} of your file.`));
  const missed = s.defects.filter((x) => x.foundBy.length === 0);
  for (const d of missed) {
    out.push(
      '',
      fail(`Missed ${d.id}: ${d.title} (lines ${d.lines})`),
      `    Why: ${d.why}`,
      ...d.tests.map((t) => `    Exposed by the test: ${t}`),
      ...(d.repeatedBy.length ? [`    Repeated by the wrong refactoring${d.repeatedBy.length > 1 ? 's' : ''}: ${d.repeatedBy.join(', ')} (in katas/${kata.name}/)`] : []),
    );
  }
  if (s.unmatched.length > 0) {
    out.push('', color.bold(`Not in the key (${s.unmatched.length}):`), note('  Not necessarily wrong: compare with "Smaller things a good review also notes" in the key.'));
    for (const f of s.unmatched) out.push(`  line ${f.from}${f.to !== f.from ? `-${f.to}` : ''}: ${f.reason}`);
  }
  out.push('', note(`The whole key: katas/${kata.name}/${kata.meta.review}`));
  return out;
}
