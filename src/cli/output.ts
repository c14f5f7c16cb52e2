/**
 * Terminal output for the CLI: styled text (src/terminal/style.ts) written to stdout and stderr,
 * each with colour only where that stream wants it.
 */
export { say, warn } from '../terminal/output';
export { color, fail, note, ok } from '../terminal/style';
