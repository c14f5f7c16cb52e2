/**
 * `kata`: the learner's command. `kata <verb> [args]`; `kata --help` lists the verbs.
 */
import { KataFormatError, UnknownKataError } from '../kata/errors';
import { type Command, UsageError } from './command';
import { checkCommand } from './commands/check';
import { listCommand } from './commands/list';
import { shapeCommand } from './commands/shape';
import { tryCommand } from './commands/try';
import { verifyCommand } from './commands/verify';
import { color, say, warn } from './output';

export const COMMANDS: readonly Command[] = [listCommand, checkCommand, shapeCommand, tryCommand, verifyCommand];

function help(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    'kata: refactor legacy callback code to promises, async/await and worker threads.',
    '',
    'Usage: kata <command> [options]     (kata <command> --help for more)',
    '',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
  ].join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [verb, ...rest] = argv;
  if (verb === undefined) return listCommand.run([]);
  if (verb === '--help' || verb === '-h' || verb === 'help') {
    say(help());
    return 0;
  }
  const command = COMMANDS.find((c) => c.name === verb);
  if (!command) {
    warn(`kata: unknown command "${verb}".`, '', help());
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    say(`kata ${command.name}: ${command.summary}`, '', command.usage);
    return 0;
  }
  try {
    return await command.run(rest);
  } catch (err) {
    if (err instanceof UsageError) {
      warn(`kata ${command.name}: ${err.message}`, '', command.usage);
      return 2;
    }
    if (err instanceof UnknownKataError || err instanceof KataFormatError) {
      warn(color.red(err.message));
      return 1;
    }
    throw err;
  }
}
