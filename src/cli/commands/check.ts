import { parseArgs } from 'node:util';

import { runKata } from '../../runner/run-kata';
import type { Command } from '../command';
import { reportRun } from '../report-run';
import { kataFromArgs } from '../resolve-kata';

export const checkCommand: Command = {
  name: 'check',
  summary: 'Run a kata\'s tests with coverage: what `npm test` in the kata folder does.',
  usage: 'Usage: kata check [kata]\n\n  kata    the kata to run (default: the kata folder you are in)',
  async run(args) {
    const { positionals } = parseArgs({ args, allowPositionals: true, strict: true });
    const kata = kataFromArgs(positionals[0]);
    const result = await runKata(kata, { print: true });
    try {
      return reportRun(kata, result) ? 0 : 1;
    } finally {
      result.dispose();
    }
  },
};
