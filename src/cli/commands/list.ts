import { parseArgs } from 'node:util';

import { readCatalog } from '../../kata/catalog';
import { reportBroken } from '../broken-katas';
import { type Command, kataCommand } from '../command';
import { fingerprint } from '../../kata/learner-files';
import { color, note, say } from '../output';
import { formatStatus, readProgress, statusOf, statusWidth } from '../../learner/progress';

export const listCommand: Command = {
  name: 'list',
  summary: 'List the katas in learning order, with your status in each.',
  usage: [
    'Usage: npx kata list [--json]',
    '',
    '  --json   print the list as JSON',
    '',
    'Status: not started; red n/m (n of m tests pass); green (every test passes); done (green, the',
    'coverage gate met and the callback-hell check passed: `npx kata check`). A * means your files',
    'changed since that run.',
  ].join('\n'),
  async run(args) {
    const { values } = parseArgs({ args, strict: true, options: { json: { type: 'boolean' } } });
    const { katas, broken } = readCatalog();
    reportBroken(broken);
    const progress = readProgress();
    const rows = katas.map((k) => ({ kata: k, status: statusOf(k, progress, fingerprint(k)) }));
    if (values.json) {
      say(
        JSON.stringify(
          rows.map(({ kata: k, status }) => ({ name: k.name, title: k.meta.title, track: k.meta.track, level: k.meta.level, concepts: k.meta.concepts, timeboxMinutes: k.meta.timeboxMinutes, status })),
          null,
          2,
        ),
      );
      return broken.length > 0 ? 1 : 0;
    }
    const nameWidth = Math.max(...katas.map((k) => k.name.length));
    const kindWidth = Math.max(...katas.map((k) => `${k.meta.track}, level ${k.meta.level}`.length));
    const statusCol = Math.max(...rows.map((r) => statusWidth(r.status)));
    say(color.bold('Katas, in learning order:'), '');
    rows.forEach(({ kata: k, status }, i) => {
      const shown = formatStatus(status);
      say(`  ${String(i + 1).padStart(2)}. ${k.name.padEnd(nameWidth)}  ${note(`${k.meta.track}, level ${k.meta.level}`.padEnd(kindWidth))}  ${shown}${' '.repeat(statusCol - statusWidth(status))}  ${k.meta.concepts.join(', ')}`);
    });
    if (rows.some((r) => r.status.stale)) say('', note('* your files changed since that run.'));
    const next = rows.find((r) => r.status.state !== 'done');
    say('', next ? `Next: ${color.cyan(kataCommand(`watch ${next.kata.name}`))}  ${note(`(${kataCommand('next')} says why)`)}` : color.green('Every kata is done.'));
    return broken.length > 0 ? 1 : 0;
  },
};
