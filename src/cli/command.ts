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
