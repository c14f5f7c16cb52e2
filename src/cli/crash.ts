/**
 * When a kata's tests cannot even load (a syntax error in the learner's file, a throw at the top
 * of a module), the learner needs the file and line of their mistake, not the tool's stack. The
 * runner's `explainCrash` already keeps only the useful lines; this turns its two forms into one
 * `file:line:column` and shows the line itself.
 *
 * @example
 * locateCrash('Exception during run: src/a.ts(37,37): error TS1109: Expression expected.')
 * // { file: 'src/a.ts', line: 37, column: 37, message: 'Expression expected. (TS1109)' }
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

import { color } from './output';

export interface CrashLocation {
  /** As written in the crash: relative to the kata folder when inside it. */
  file?: string;
  line?: number;
  column?: number;
  message: string;
}

export function locateCrash(crash: string): CrashLocation {
  const text = crash.replace(/^\s*Exception during run:\s*/, '').trim();
  // ts-node's compile errors: "src/a.ts(37,37): error TS1109: Expression expected."
  const tsError = /([^\s()]+\.[cm]?[tj]sx?)\((\d+),(\d+)\): error (TS\d+): ([^\n]*)/.exec(text);
  if (tsError) return { file: tsError[1]!, line: Number(tsError[2]), column: Number(tsError[3]), message: `${tsError[5]!.trim()} (${tsError[4]})` };
  // Runtime errors as explainCrash gives them: "TypeError: …\n  at src/a.ts:23:42"
  const firstLine = text.split('\n')[0]!.trim();
  const at = /(?:^|\s)at\s+(?:.*\()?([^\s()]+\.[cm]?[tj]sx?):(\d+):(\d+)/m.exec(text);
  if (at) return { file: at[1]!, line: Number(at[2]), column: Number(at[3]), message: firstLine };
  return { message: firstLine || '(no output)' };
}

/**
 * Lines explaining a crash to the learner: where, what, and the offending line with a caret.
 * `dir` is the folder relative paths in the crash are relative to (the kata folder).
 */
export function formatCrash(crash: string, dir: string): string[] {
  const where = locateCrash(crash);
  if (!where.file || where.line === undefined) {
    return [color.red('The tests could not run:'), `  ${crash.trim().replace(/\n/g, '\n  ')}`];
  }
  const shown = path.isAbsolute(where.file) ? path.relative(process.cwd(), where.file) || where.file : where.file;
  const out = [color.red('The tests could not load your code:'), `  ${color.bold(`${shown}:${where.line}:${where.column ?? 1}`)}  ${where.message}`];
  const source = readLine(path.resolve(dir, where.file), where.line);
  if (source !== undefined) {
    const gutter = `  ${where.line} | `;
    out.push(color.dim(gutter) + source);
    if (where.column !== undefined) out.push(`${' '.repeat(gutter.length + Math.max(0, where.column - 1))}${color.red('^')}`);
  }
  out.push(color.dim('  Fix that line and run again: nothing else ran.'));
  return out;
}

function readLine(file: string, line: number): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8').split('\n')[line - 1]?.replace(/\t/g, '  ');
  } catch {
    return undefined;
  }
}
