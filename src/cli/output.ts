/**
 * Terminal output for the CLI: colours through picocolors, which turns them off for NO_COLOR,
 * pipes and dumb terminals.
 */
import pc from 'picocolors';

export const color = pc;

export const ok = (text: string) => `${pc.green('✔')} ${text}`;
export const fail = (text: string) => `${pc.red('✘')} ${text}`;
export const note = (text: string) => pc.dim(text);

/** Writes lines to stdout. */
export function say(...lines: string[]): void {
  process.stdout.write(`${lines.join('\n')}\n`);
}

/** Writes lines to stderr. */
export function warn(...lines: string[]): void {
  process.stderr.write(`${lines.join('\n')}\n`);
}
