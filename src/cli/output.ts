/**
 * Terminal output for the CLI: colours through picocolors, which turns them off for NO_COLOR,
 * pipes and dumb terminals.
 */
export { color, fail, note, ok } from '../terminal/style';

/** Writes lines to stdout. */
export function say(...lines: string[]): void {
  process.stdout.write(`${lines.join('\n')}\n`);
}

/** Writes lines to stderr. */
export function warn(...lines: string[]): void {
  process.stderr.write(`${lines.join('\n')}\n`);
}
