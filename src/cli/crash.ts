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

import { EARLY_EXIT } from '../runner/run-kata';
import { type CrashLocation, locateCrash } from '../runner/crash-location';
import { color } from './output';

/**
 * Lines explaining a crash to the learner: where, what, and the offending line with a caret.
 * `dir` is the folder relative paths in the crash are relative to (the kata folder).
 */
export function formatCrash(crash: string, dir: string): string[] {
  const where = locateCrash(crash);
  const early = EARLY_EXIT.exec(crash.trim());
  if (early) return formatEarlyExit(early, where, dir);
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

/** The test process ended before the tests finished: what ended it, where, and what to do instead. */
function formatEarlyExit(early: RegExpExecArray, where: CrashLocation, dir: string): string[] {
  const [, exitCode, endedCode, test] = early;
  const during = test ? `during the test "${test}"` : 'while the test files were loading';
  const out: string[] = [];
  if (exitCode !== undefined) {
    out.push(color.red(`Your code called process.exit(${exitCode}) ${during}: that ends the whole test process, so the tests could not finish.`));
    if (where.file && where.line !== undefined) out.push(`  ${color.bold(`${where.file}:${where.line}:${where.column ?? 1}`)}`, ...sourceLines(path.resolve(dir, where.file), where.line, where.column));
    out.push(color.dim('  Remove the process.exit() call: code called by others reports a failure by throwing (or rejecting) an error, and leaves ending the process to the program\'s entry point.'));
  } else {
    out.push(
      color.red(`The test process ended with exit code ${endedCode} ${during}, before the tests finished, without an error.`),
      color.dim('  Something in the code under test ended it: look for a process.exit() call (or process.kill of its own pid) and remove it; throw (or reject) an error instead.'),
    );
  }
  return out;
}

/** The line of source with a caret under the column, as formatCrash shows it. */
function sourceLines(file: string, line: number, column: number | undefined): string[] {
  const source = readLine(file, line);
  if (source === undefined) return [];
  const gutter = `  ${line} | `;
  return [color.dim(gutter) + source, ...(column !== undefined ? [`${' '.repeat(gutter.length + Math.max(0, column - 1))}${color.red('^')}`] : [])];
}

function readLine(file: string, line: number): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8').split('\n')[line - 1]?.replace(/\t/g, '  ');
  } catch {
    return undefined;
  }
}
