import { parseArgs } from 'node:util';

import { type Command, UsageError } from '../command';
import { runFullCheck } from './check';
import { resolveKata } from '../resolve-kata';
import { watchKata } from '../watch/watch-kata';

export const watchCommand: Command = {
  name: 'watch',
  summary: 'Run a kata\'s tests on every save of your files, and say what to do next (h hint, c full check, q quit).',
  usage: [
    'Usage: npx kata watch [kata] [--timeout <seconds>] [--json]',
    '',
    '  kata        the kata to watch (default: the kata folder you are in)',
    '  --timeout   stop a run that takes longer than this (default: the kata\'s runTimeoutSeconds)',
    '  --json      one JSON object per line: {"event":"run", "summary": ...} after each run, and',
    '              {"event":"change", "files": [...]} when a save is seen (a run still going is then dropped)',
    '',
    'The tests stay loaded between saves, so a rerun takes a fraction of a second. Coverage is not',
    'measured on each save: press c (or run `npx kata check`) for the coverage gate and the callback-hell',
    'check. An infinite loop, process.exit() or a crash in your code stops that run, not the watcher.',
  ].join('\n'),
  async run(args) {
    const { positionals, values } = parseArgs({
      args,
      allowPositionals: true,
      strict: true,
      options: { timeout: { type: 'string' }, json: { type: 'boolean' } },
    });
    const kata = resolveKata(positionals);
    const timeoutSeconds = values.timeout === undefined ? undefined : Number(values.timeout);
    if (timeoutSeconds !== undefined && !(Number.isFinite(timeoutSeconds) && timeoutSeconds > 0)) {
      throw new UsageError(`expected --timeout to be a number of seconds above 0, got "${values.timeout}".`);
    }
    return watchKata(kata, { ...(timeoutSeconds !== undefined ? { timeoutSeconds } : {}), json: Boolean(values.json), fullCheck: runFullCheck });
  },
};
