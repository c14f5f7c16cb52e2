/**
 * Writing to the terminal: styled text (style.ts) to stdout and stderr, each with colour only
 * where that stream wants it. Every folder may use it.
 */
import { forStream } from './style';

/** Writes lines to stdout. */
export function say(...lines: string[]): void {
  process.stdout.write(`${lines.join('\n')}\n`);
}

/** Writes lines to stderr. */
export function warn(...lines: string[]): void {
  process.stderr.write(forStream(`${lines.join('\n')}\n`, process.stderr));
}
