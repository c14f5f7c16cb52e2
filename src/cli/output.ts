/**
 * Terminal output for the CLI: styled text (src/terminal/style.ts) written to stdout and stderr,
 * each with colour only where that stream wants it.
 */
import { forStream } from '../terminal/style';

export { color, fail, note, ok } from '../terminal/style';

/** Writes lines to stdout. */
export function say(...lines: string[]): void {
  process.stdout.write(`${lines.join('\n')}\n`);
}

/** Writes lines to stderr. */
export function warn(...lines: string[]): void {
  process.stderr.write(forStream(`${lines.join('\n')}\n`, process.stderr));
}
