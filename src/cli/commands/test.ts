import { parseArgs } from 'node:util';

import { runKata } from '../../runner/run-kata';
import { type Command, UsageError } from '../command';
import { say } from '../output';
import { recordResult } from '../../learner/record-run';
import { reportCoverage } from '../report-run';
import { resolveKata } from '../resolve-kata';
import { formatSummary } from '../summary';

export const testCommand: Command = {
  name: 'test',
  summary: 'Run a kata\'s tests once, then say how many pass, the next failing test, its step, and whether a hint is left.',
  usage: [
    'Usage: npx kata test [kata] [--verbose] [--no-coverage] [--timeout <seconds>] [--json]',
    '',
    '  kata            the kata to run (default: the kata folder you are in)',
    '  --verbose       also print every test as it runs, and the coverage table',
    '  --no-coverage   skip coverage (faster)',
    '  --timeout       stop the run after this long (default: the kata\'s runTimeoutSeconds)',
    '  --json          print the summary as JSON',
    '',
    'Exits 0 when every test passes. `npx kata check` also runs the callback-hell check: done means all three.',
  ].join('\n'),
  async run(args) {
    const { positionals, values } = parseArgs({
      args,
      allowPositionals: true,
      strict: true,
      options: { verbose: { type: 'boolean' }, 'no-coverage': { type: 'boolean' }, timeout: { type: 'string' }, json: { type: 'boolean' } },
    });
    const kata = resolveKata(positionals);
    const timeoutSeconds = values.timeout === undefined ? undefined : Number(values.timeout);
    if (timeoutSeconds !== undefined && !(Number.isInteger(timeoutSeconds) && timeoutSeconds > 0)) {
      throw new UsageError(`expected --timeout to be a whole number of seconds above 0, got "${values.timeout}".`);
    }
    const result = await runKata(kata, {
      print: Boolean(values.verbose && !values.json),
      coverage: !values['no-coverage'],
      ...(timeoutSeconds !== undefined ? { timeoutSeconds } : {}),
    });
    try {
      const { summary } = recordResult(kata, result);
      if (values.json) {
        say(JSON.stringify({ ...summary, coverage: result.coverage ? { total: result.coverage.total, shortfalls: result.coverage.shortfalls } : undefined }, null, 2));
      } else {
        say('', ...formatSummary(kata, summary));
        if (!summary.crash && !summary.timedOut && result.coverage) {
          say('');
          reportCoverage(kata, result, summary.green, summary.currentStep?.number);
        }
      }
      return summary.green ? 0 : 1;
    } finally {
      result.dispose();
    }
  },
};
