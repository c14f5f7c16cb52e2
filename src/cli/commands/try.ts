import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';

import { runKata } from '../../runner/run-kata';
import { type Command, UsageError } from '../command';
import { note, say } from '../output';
import { reportRun } from '../report-run';
import { kataFromArgs } from '../resolve-kata';

export const tryCommand: Command = {
  name: 'try',
  summary: 'Run a kata\'s tests against another folder of implementation files, without touching the kata.',
  usage: [
    'Usage: npx kata try <kata> <folder> [--over <folder>] [--no-learner-tests]',
    '',
    '  folder               holds files mirroring the kata\'s src/ (for config-loader: <folder>/config-loader.ts)',
    '  --over <folder>      the files <folder> does not hold come from this one (for a variant:',
    '                       --over katas/<kata>/.meta/solution); patches in <folder> apply to it',
    '  --no-learner-tests   run only the kata\'s tests, not those in test/mine/',
    '',
    'Example: npx kata try config-loader katas/config-loader/.meta/solution',
  ].join('\n'),
  async run(args) {
    const { positionals, values } = parseArgs({ args, allowPositionals: true, strict: true, options: { 'no-learner-tests': { type: 'boolean' }, over: { type: 'string' } } });
    if (positionals.length !== 2) throw new UsageError('expected a kata and a folder.');
    const kata = kataFromArgs(positionals[0]);
    const folder = path.resolve(positionals[1]!);
    if (!fs.statSync(folder, { throwIfNoEntry: false })?.isDirectory()) throw new UsageError(`${positionals[1]} is not a folder.`);
    const over = values.over === undefined ? undefined : path.resolve(values.over);
    if (over !== undefined && !fs.statSync(over, { throwIfNoEntry: false })?.isDirectory()) throw new UsageError(`--over ${values.over} is not a folder.`);
    // The reference keeps legacy behaviour that only step 1's answer tests pin: bring them along.
    const isReference = folder === path.join(kata.dir, kata.meta.solution);
    const extraSpecs = isReference && kata.meta.pinningTests ? [`${kata.meta.pinningTests}/**/*.test.ts`] : [];
    if (extraSpecs.length > 0) say(note(`This is the reference solution: running ${kata.meta.pinningTests}/ (step 1's answer tests) with it.`));
    const result = await runKata(kata, { print: true, implDirs: over ? [folder, over] : [folder], includeLearnerTests: !values['no-learner-tests'], extraSpecs });
    try {
      return reportRun(kata, result) ? 0 : 1;
    } finally {
      result.dispose();
    }
  },
};
