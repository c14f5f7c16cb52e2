/**
 * `kata`: the learner's command. `kata <verb> [args]`; `kata --help` lists the verbs. With no
 * verb, a menu of the katas in a terminal, or the list when there is none (CI, a pipe).
 */
import * as path from 'node:path';

import { readCatalog } from '../kata/catalog';
import { KataFormatError, UnknownKataError } from '../kata/errors';
import { type Command, kataCommand, UsageError } from './command';
import { boardCommand } from './commands/board';
import { checkCommand } from './commands/check';
import { doctorCommand } from './commands/doctor';
import { dojoCommand } from './commands/dojo';
import { hintCommand } from './commands/hint';
import { listCommand } from './commands/list';
import { nextCommand } from './commands/next';
import { resetCommand } from './commands/reset';
import { reviewCommand } from './commands/review';
import { shapeCommand } from './commands/shape';
import { solutionCommand } from './commands/solution';
import { testCommand } from './commands/test';
import { tryCommand } from './commands/try';
import { verifyCommand } from './commands/verify';
import { watchCommand } from './commands/watch';
import { reportBroken } from './broken-katas';
import { pickKata } from './menu';
import { color, say, warn } from './output';

export const COMMANDS: readonly Command[] = [
  listCommand,
  nextCommand,
  watchCommand,
  testCommand,
  hintCommand,
  checkCommand,
  solutionCommand,
  resetCommand,
  tryCommand,
  shapeCommand,
  reviewCommand,
  dojoCommand,
  boardCommand,
  doctorCommand,
  verifyCommand,
];

function help(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    'kata: refactor legacy callback code to promises, async/await and worker threads.',
    '',
    `Usage: ${kataCommand('<command> [options]')}     (${kataCommand('<command> --help')} for more)`,
    `       ${kataCommand().padEnd(29)}a menu of the katas (in a terminal; else the list)`,
    '',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
  ].join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [verb, ...rest] = argv;
  if (verb === undefined) return explained('', help(), menu);
  if (verb === '--help' || verb === '-h' || verb === 'help') {
    const about = COMMANDS.find((c) => c.name === rest[0]);
    say(about ? `kata ${about.name}: ${about.summary}\n\n${about.usage}` : help());
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
  return explained(command.name, command.usage, () => command.run(rest));
}

/** Runs a command, turning the errors a learner can fix into their message and an exit code. */
async function explained(name: string, usage: string, run: () => Promise<number>): Promise<number> {
  try {
    return await run();
  } catch (err) {
    if (err instanceof UsageError || isParseArgsError(err)) {
      warn(`kata${name ? ` ${name}` : ''}: ${(err as Error).message}`, '', usage);
      return 2;
    }
    if (err instanceof UnknownKataError || err instanceof KataFormatError) {
      warn(color.red(err.message));
      const deleted = err instanceof KataFormatError && err.code === 'KATA_LEARNER_FILE_MISSING';
      if (deleted) warn(`  Deleted by accident? ${color.cyan(kataCommand(`reset ${path.basename(path.dirname(err.where))}`))} restores the kata's starter (your files go to a backup folder first).`);
      return 1;
    }
    throw err;
  }
}

/** util.parseArgs's own errors (an unknown option, a missing value) are usage errors too. */
function isParseArgsError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS_');
}

async function menu(): Promise<number> {
  if (!process.stdin.isTTY || !process.stdout.isTTY) return listCommand.run([]);
  const { katas, broken } = readCatalog();
  reportBroken(broken);
  const kata = await pickKata(katas);
  if (!kata) return broken.length > 0 ? 1 : 0;
  return watchCommand.run([kata.name]);
}
