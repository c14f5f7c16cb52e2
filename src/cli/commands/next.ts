import { parseArgs } from 'node:util';

import { readCatalog } from '../../kata/catalog';
import { reportBroken } from '../broken-katas';
import { type Command, kataCommand } from '../command';
import { fingerprint } from '../../kata/learner-files';
import { color, note, say } from '../output';
import { formatStatus, readProgress, statusOf } from '../../learner/progress';

export const nextCommand: Command = {
  name: 'next',
  summary: 'Show the first kata not done yet, in learning order, and how to start it.',
  usage: 'Usage: npx kata next [--json]\n\n  --json   print the kata and its status as JSON (null when every kata is done)',
  async run(args) {
    const { values } = parseArgs({ args, strict: true, options: { json: { type: 'boolean' } } });
    const progress = readProgress();
    const { katas, broken } = readCatalog();
    reportBroken(broken);
    const index = katas.findIndex((k) => statusOf(k, progress).state !== 'done');
    const kata = katas[index];
    if (values.json) {
      say(JSON.stringify(kata ? { name: kata.name, title: kata.meta.title, position: index + 1, of: katas.length, status: statusOf(kata, progress, fingerprint(kata)) } : null, null, 2));
      return broken.length > 0 ? 1 : 0;
    }
    if (!kata) {
      say(color.green(`Every kata is done (${katas.length} of ${katas.length}). Questions to discuss afterwards are at the end of each kata's README.`));
      return broken.length > 0 ? 1 : 0;
    }
    const status = statusOf(kata, progress, fingerprint(kata));
    say(
      `${color.bold(`Next: ${kata.name}`)}  ${kata.meta.title}  ${note(`(${index + 1} of ${katas.length}: ${kata.meta.track}, level ${kata.meta.level}, about ${kata.meta.timeboxMinutes} min)`)}`,
      `  Status: ${formatStatus(status)}${status.state === 'green' && status.missing?.length ? note(`, missing ${status.missing.join(' and ')}`) : ''}`,
      `  Read:   katas/${kata.name}/README.md`,
      `  Start:  ${color.cyan(kataCommand(`watch ${kata.name}`))}   ${note('(reruns the tests on every save)')}`,
    );
    return broken.length > 0 ? 1 : 0;
  },
};
