/**
 * Terminal styling shared by the CLI and the check's report: colours through picocolors, which
 * turns them off for NO_COLOR, pipes and dumb terminals, and the marks for a pass and a failure.
 * It formats strings and writes nothing: where lines go is the caller's business (src/cli/output.ts
 * writes them for the CLI). Every folder may import it, so it imports no other library folder.
 */
import pc from 'picocolors';

export const color = pc;

export const ok = (text: string) => `${pc.green('✔')} ${text}`;
export const fail = (text: string) => `${pc.red('✘')} ${text}`;
export const note = (text: string) => pc.dim(text);
