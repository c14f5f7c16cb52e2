import { parseArgs } from 'node:util';

import { listKatas } from '../../kata/catalog';
import type { Command } from '../command';
import { color, say } from '../output';

export const listCommand: Command = {
  name: 'list',
  summary: 'List the katas in learning order.',
  usage: 'Usage: kata list [--json]',
  async run(args) {
    const { values } = parseArgs({ args, strict: true, options: { json: { type: 'boolean' } } });
    const katas = listKatas();
    if (values.json) {
      say(JSON.stringify(katas.map((k) => ({ name: k.name, title: k.meta.title, track: k.meta.track, level: k.meta.level, concepts: k.meta.concepts, timeboxMinutes: k.meta.timeboxMinutes })), null, 2));
      return 0;
    }
    const width = Math.max(...katas.map((k) => k.name.length));
    say(color.bold('Katas, in learning order:'), '');
    katas.forEach((k, i) => {
      say(`  ${String(i + 1).padStart(2)}. ${k.name.padEnd(width)}  ${color.dim(`${k.meta.track}, level ${k.meta.level}, ${k.meta.timeboxMinutes} min`)}  ${k.meta.concepts.join(', ')}`);
    });
    const first = katas[0];
    if (first) say('', `Start with: ${color.cyan(`cd katas/${first.name} && npm test`)}`);
    return 0;
  },
};
