import { parseArgs } from 'node:util';

import { checkKata } from '../../check/check-kata';
import { formatCheck } from '../../check/report-check';
import { runKata } from '../../runner/run-kata';
import type { Command } from '../command';
import { say } from '../output';
import { reportRun } from '../report-run';
import { kataFromArgs } from '../resolve-kata';

export const checkCommand: Command = {
  name: 'check',
  summary: 'Run a kata: its tests, the coverage gate and the callback-hell check (what `npm test` in the kata folder does).',
  usage: 'Usage: kata check [kata]\n\n  kata    the kata to run (default: the kata folder you are in)\n\nDone means all three pass.',
  async run(args) {
    const { positionals } = parseArgs({ args, allowPositionals: true, strict: true });
    const kata = kataFromArgs(positionals[0]);
    // The structure check runs in this process while the tests run in a child: two cores, one wait.
    const structure = checkKata(kata);
    const result = await runKata(kata, { print: true });
    try {
      const testsOk = reportRun(kata, result);
      const shape = await structure;
      say('', ...formatCheck(shape, 8));
      return testsOk && shape.passed ? 0 : 1;
    } finally {
      result.dispose();
    }
  },
};
