import { parseArgs } from 'node:util';

import { type Command, UsageError } from '../command';
import { formatHint, takeNextHint } from '../../learner/hints';
import { note, say } from '../output';
import { currentRecord } from '../../learner/record-run';
import { resolveKata } from '../resolve-kata';

export const hintCommand: Command = {
  name: 'hint',
  summary: 'Show the next hint for the step you are on (each call shows one more; they are remembered).',
  usage: [
    'Usage: npx kata hint [kata] [--step <id>] [--json]',
    '',
    '  kata     the kata (default: the kata folder you are in)',
    '  --step   a step id, to take a hint for another step than the current one',
    '  --json   print the step and the hints shown so far as JSON',
    '',
    'The current step is the first one not finished: found from your last run, or a quick run of the',
    'tests when your files changed since.',
  ].join('\n'),
  async run(args) {
    const { positionals, values } = parseArgs({ args, allowPositionals: true, strict: true, options: { step: { type: 'string' }, json: { type: 'boolean' } } });
    const kata = resolveKata(positionals);
    const steps = kata.meta.steps;
    if (values.step !== undefined && !steps.some((s) => s.id === values.step)) {
      throw new UsageError(`this kata has no step "${values.step}"; its steps are ${steps.map((s) => s.id).join(', ')}.`);
    }
    let stepId = values.step;
    if (stepId === undefined) {
      const record = await currentRecord(kata);
      if (record.broken) say(note('(Your code does not load right now: `npx kata test` shows where. Hints are for the step you were on.)'));
      // Done: the last step's hints are the ones about finishing.
      stepId = record.currentStep ?? steps[steps.length - 1]!.id;
    }
    const hint = takeNextHint(kata, stepId);
    if (values.json) {
      say(JSON.stringify({ kata: kata.name, step: { number: hint.stepNumber, id: hint.step.id, title: hint.step.title }, shown: hint.shown, total: hint.total, isNew: hint.isNew }, null, 2));
    } else {
      say(...formatHint(kata, hint));
    }
    return 0;
  },
};
