/**
 * A kata's review answer key (`.meta/review.md`) as data. The key is written for people, as a
 * markdown table, one row per defect of the starter:
 *
 *   | # | Defect | Lines | Why it is wrong | Exposed by |
 *   | D1 | `JSON.parse` unguarded inside the `fs.readFile` callback | 55 | ... | *defects: a file that is not valid JSON ...* |
 *
 * and read here, so that `kata review --score` can mark a reviewer's findings against it and the
 * verifier can prove it still fits the starter: each defect's lines exist in the learner's file,
 * contain the code the defect names (in backticks), and a test that fails on the starter exposes
 * it (the italic titles in "Exposed by", where "..." skips words and "defects:" stands for the
 * step's suite).
 *
 * @example
 * const key = readReviewKey(kata);
 * key.defects[0]; // { id: 'D1', lines: [{ file: 'src/config-loader.ts', line: 55 }], ... }
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

import type { Kata } from './metadata';

export interface LineRef {
  /** The learner file, relative to the kata folder (for example src/config-loader.ts). */
  file: string;
  line: number;
}

export interface Defect {
  id: string;
  title: string;
  /** The lines as the key's author wrote them, for display. */
  linesText: string;
  lines: LineRef[];
  why: string;
  exposedByText: string;
  /** The italic test titles of "Exposed by", as written. */
  exposedBy: string[];
  /** Code the defect names, in backticks. */
  code: string[];
}

export interface ReviewKey {
  file: string;
  defects: Defect[];
}

const strip = (cell: string) => cell.trim();

/** Lines of a cell such as "46, 85 (and 62, 67, 80)" or "worker-pool.ts 57-60, 86-92; pool-worker.ts 19-22". */
export function parseLines(text: string, learnerFiles: readonly string[]): LineRef[] {
  const refs: LineRef[] = [];
  let file = learnerFiles[0]!;
  // Backticked code may hold digits (`'end'`, `Buffer.alloc(16)`): not line numbers.
  const tokens = text.replace(/`[^`]*`/g, ' ').match(/[\w.-]+\.[cm]?[tj]s\b|\d+\s*[-–]\s*\d+|\d+/g) ?? [];
  for (const token of tokens) {
    if (/\.[cm]?[tj]s$/.test(token)) {
      file = learnerFiles.find((f) => path.basename(f) === token || f === token) ?? `(unknown file ${token})`;
      continue;
    }
    const [from, to = from] = token.split(/\s*[-–]\s*/).map(Number) as [number, number?];
    for (let line = from; line <= (to ?? from) && line - from < 500; line++) refs.push({ file, line });
  }
  return refs;
}

export function parseReviewKey(text: string, learnerFiles: readonly string[], file = 'review.md'): ReviewKey {
  const defects: Defect[] = [];
  for (const row of text.split('\n')) {
    const m = /^\|\s*(D\d+)\s*\|(.*)\|\s*$/.exec(row);
    if (!m) continue;
    const cells = m[2]!.split(/(?<!\\)\|/).map(strip);
    const [title = '', linesText = '', why = '', exposedByText = ''] = cells;
    defects.push({
      id: m[1]!,
      title,
      linesText,
      lines: parseLines(linesText, learnerFiles),
      why,
      exposedByText,
      exposedBy: [...exposedByText.matchAll(/\*([^*]+)\*/g)].map((x) => x[1]!.trim()),
      code: [...title.matchAll(/`([^`]+)`/g)].map((x) => x[1]!),
    });
  }
  return { file, defects };
}

export function readReviewKey(kata: Kata): ReviewKey {
  const file = path.join(kata.dir, kata.meta.review);
  return parseReviewKey(fs.readFileSync(file, 'utf8'), kata.meta.files, kata.meta.review);
}

/** Whether an "Exposed by" title, as the key abbreviates it, names this full test title. */
export function namesTest(abbreviated: string, fullTitle: string): boolean {
  const colon = abbreviated.indexOf(': ');
  const [suiteHint, rest] = colon > 0 ? [abbreviated.slice(0, colon), abbreviated.slice(colon + 2)] : ['', abbreviated];
  if (suiteHint && !fullTitle.includes(suiteHint)) return false;
  const parts = rest.split(/\.\.\.|…/).map((p) => p.trim()).filter(Boolean);
  let from = suiteHint ? fullTitle.indexOf(suiteHint) + suiteHint.length : 0;
  for (const part of parts) {
    const at = fullTitle.indexOf(part, from);
    if (at < 0) return false;
    from = at + part.length;
  }
  return parts.length > 0;
}

const squash = (s: string) => s.replace(/\s+/g, '');

/**
 * One line per problem: a key with no defect; a defect with no line, a line past the end of its
 * file, named code that is not on its lines, or no test failing on the starter that exposes it.
 */
export function reviewKeyProblems(kata: Kata, key: ReviewKey = readReviewKey(kata)): string[] {
  const problems: string[] = [];
  if (key.defects.length === 0) {
    return [`${key.file} has no defect rows: write the key as a table, one row per defect, "| D1 | what | lines | why | *the test that exposes it* |".`];
  }
  const source = new Map(kata.meta.files.map((f) => [f, fs.readFileSync(path.join(kata.dir, f), 'utf8').split('\n')]));
  for (const d of key.defects) {
    const where = `${key.file} ${d.id}`;
    if (d.lines.length === 0) problems.push(`${where} names no line of the starter ("${d.linesText}"): give the line numbers where the defect is, as a reviewer would point at them.`);
    const unknown = [...new Set(d.lines.filter((l) => !source.has(l.file)).map((l) => l.file))];
    for (const f of unknown) problems.push(`${where} points into ${f}, which is not a learner file (${kata.meta.files.join(', ')}).`);
    const past = d.lines.filter((l) => source.has(l.file) && l.line > source.get(l.file)!.length);
    if (past.length > 0) problems.push(`${where} points at line ${past[0]!.line} of ${past[0]!.file}, which has ${source.get(past[0]!.file)!.length} lines: the starter changed under the key.`);
    const text = squash(d.lines.filter((l) => source.has(l.file)).map((l) => source.get(l.file)![l.line - 1] ?? '').join('\n'));
    if (d.code.length > 0 && d.lines.length > 0 && !d.code.some((c) => text.includes(squash(c)))) {
      problems.push(`${where} names ${d.code.map((c) => `\`${c}\``).join(', ')}, but none of it is on lines ${d.linesText}: the starter changed under the key, or the lines are wrong.`);
    }
    const exposing = kata.meta.starterFailures.filter((t) => d.exposedBy.some((a) => namesTest(a, t)));
    if (exposing.length === 0) {
      problems.push(
        `${where}: no test that fails on the starter matches "Exposed by" (${d.exposedBy.length ? d.exposedBy.map((e) => `"${e}"`).join(', ') : 'no *italic* test title'}). Name the test in italics, "suite: title", with "..." for words left out.`,
      );
    }
  }
  return problems;
}
