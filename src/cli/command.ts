/**
 * A `kata` command as the learner types it. `kata` is this package's own bin, which npm links
 * into no folder on the PATH of a fresh clone: `npx` finds it, from the library's folder or any
 * kata folder in it. Every command the CLI tells a learner to run goes through here.
 *
 * @example
 * kataCommand('watch config-loader'); // 'npx kata watch config-loader'
 */
export const kataCommand = (args = '') => (args ? `npx kata ${args}` : 'npx kata');

/** The shape of one `kata` verb. Each verb lives in its own file under commands/. */
export interface Command {
  name: string;
  /** One line, shown by `kata --help`. */
  summary: string;
  /** Shown by `kata <verb> --help`: arguments and options. */
  usage: string;
  /** Runs the verb; resolves with the process exit code. */
  run(args: string[]): Promise<number>;
}

/** A mistake in how the command was called: printed with the verb's usage, exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}
