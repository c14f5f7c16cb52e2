import { parseArgs } from 'node:util';

import type { Command } from '../command';
import { say } from '../output';
import { kataFromArgs } from '../resolve-kata';

export const shapeCommand: Command = {
  name: 'shape',
  summary: 'Show the callback pyramid of a kata\'s code and check it for the patterns the kata forbids.',
  usage: [
    'Usage: npx kata shape [kata] [--dir <folder>] [--json] [--no-types]',
    '',
    '  kata        the kata to check (default: the kata folder you are in)',
    '  --dir       check this folder of implementation files (mirroring the kata\'s) instead of yours',
    '  --json      print the result as JSON',
    '  --no-types  skip the rules that need the type checker (faster)',
  ].join('\n'),
  async run(args) {
    const { positionals, values } = parseArgs({
      args,
      allowPositionals: true,
      strict: true,
      options: { dir: { type: 'string' }, json: { type: 'boolean' }, 'no-types': { type: 'boolean' } },
    });
    const kata = kataFromArgs(positionals[0]);
    // Lazy: ESLint and TypeScript take a second to load, which the other verbs should not pay.
    const { checkKata } = require('../../callback-hell/check-kata') as typeof import('../../callback-hell/check-kata');
    const { checkJson, formatCheck } = require('../../callback-hell/report-check') as typeof import('../../callback-hell/report-check');
    const result = await checkKata(kata, { ...(values.dir ? { dir: values.dir } : {}), typed: !values['no-types'] });
    say(...(values.json ? [checkJson(result)] : formatCheck(result)));
    return result.passed ? 0 : 1;
  },
};
