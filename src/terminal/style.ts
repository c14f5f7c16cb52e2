/**
 * Terminal styling shared by the CLI and the check's report: colours through picocolors, on only
 * where `colourWanted` says so, and the marks for a pass and a failure.
 * It formats strings and writes nothing: where lines go is the caller's business (src/cli/output.ts
 * writes them for the CLI). Every folder may import it, so it imports no other library folder.
 */
import pc from 'picocolors';

/**
 * Whether text written to `stream` should carry colour codes: FORCE_COLOR decides when set, as
 * Node itself reads it ('', 1, 2, 3 or true: on; anything else, 0 and false among them: off);
 * else a non-empty NO_COLOR turns colour off (no-color.org); else only a terminal that is not
 * dumb gets colour. picocolors' own guess colours pipes whenever CI or FORCE_COLOR is set at all,
 * FORCE_COLOR=0 included, so it is not asked.
 */
export function colourWanted(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): boolean {
  const force = env.FORCE_COLOR;
  if (force !== undefined) return ['', '1', '2', '3', 'true'].includes(force);
  if (env.NO_COLOR) return false;
  return stream.isTTY === true && env.TERM !== 'dumb';
}

/** Colours for stdout, where the CLI writes; text for stderr goes through `forStream`. */
export const color = pc.createColors(colourWanted(process.stdout));

export const ok = (text: string) => `${color.green('✔')} ${text}`;
export const fail = (text: string) => `${color.red('✘')} ${text}`;
export const note = (text: string) => color.dim(text);

// eslint-disable-next-line no-control-regex
const SGR = /\x1b\[[0-9;]*m/g;

/** `text` (styled for stdout) as it should be written to `stream`: without colour codes where colour is not wanted. */
export function forStream(text: string, stream: { isTTY?: boolean }): string {
  return colourWanted(stream) ? text : text.replace(SGR, '');
}
