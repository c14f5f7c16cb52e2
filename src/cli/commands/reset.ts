import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';

import { findKata, KATAS_DIR, kataNames } from '../../kata/catalog';
import { KataFormatError } from '../../kata/errors';
import { type Kata, KataMetaSchema, META_FILE } from '../../kata/metadata';
import { type Command, UsageError } from '../command';
import { color, note, say, warn } from '../output';
import { updateProgress } from '../../learner/progress';
import { changedFromStarter, newBackupDir, NoStarterError, resetToStarter, starterSource } from '../../learner/starter';

export const resetCommand: Command = {
  name: 'reset',
  summary: 'Restore a kata (or all of them) to the starter, keeping your work in a backup folder it names.',
  usage: [
    'Usage: npx kata reset <kata> | --all  [--from <commit>]',
    '',
    '  kata       the kata to restore (its src/ and test/mine/)',
    '  --all      restore every kata you changed',
    '  --from     the commit holding the starter (default: HEAD)',
    '',
    'Your files are copied first to .kata-backups/<date-time>/<kata>/; the kata\'s progress',
    '(run status, hints shown) starts over. The starter comes from git: a copy of the library',
    'that is not a git checkout (a zip download) cannot be reset this way.',
  ].join('\n'),
  async run(args) {
    const { positionals, values } = parseArgs({ args, allowPositionals: true, strict: true, options: { all: { type: 'boolean' }, from: { type: 'string' } } });
    if (values.all && positionals.length > 0) throw new UsageError('give a kata or --all, not both.');
    if (!values.all && positionals.length === 0) throw new UsageError('name the kata to reset, or give --all.');
    if (positionals.length > 1) throw new UsageError(`expected one kata, got ${positionals.length}: ${positionals.join(' ')}.`);
    const katas = values.all ? kataNames().map((name) => kataToReset(name)).sort((a, b) => a.meta.order - b.meta.order) : [kataToReset(positionals[0]!)];
    try {
      const plans = [];
      let skipped = 0;
      for (const kata of katas) {
        const source = starterSource(kata, values.from);
        try {
          plans.push({ kata, source, changed: changedFromStarter(kata, source) });
        } catch (err) {
          // With --all, a kata git does not have yet (one being written) is no reason to stop.
          if (!(err instanceof NoStarterError) || !values.all) throw err;
          warn(color.yellow(`Skipped ${kata.name}: ${err.message.replace(/^Cannot restore the starter of [^:]+: /, '')}`));
          skipped++;
        }
      }
      const todo = plans.filter((p) => p.changed.length > 0);
      if (todo.length === 0) {
        const what = values.all ? (skipped ? 'Every other kata' : 'Every kata') : katas[0]!.name;
        say(`${what} is already the starter${plans[0] ? ` (git ${plans[0].source.commit})` : ''}: nothing to reset.`);
        return 0;
      }
      const backupDir = newBackupDir();
      for (const { kata, source, changed } of todo) {
        const backup = resetToStarter(kata, source, backupDir);
        say(
          `${color.green('✔')} ${color.bold(kata.name)}: restored ${changed.length} file${changed.length === 1 ? '' : 's'} to the starter (git ${source.commit}): ${changed.join(', ')}`,
          `  Your previous work is in ${color.cyan(shown(backup))}`,
        );
      }
      forget(todo.map((p) => p.kata));
      say(note(`Progress of ${todo.map((p) => p.kata.name).join(', ')} starts over.`));
      return 0;
    } catch (err) {
      if (!(err instanceof NoStarterError)) throw err;
      warn(color.red(err.message));
      return 1;
    }
  },
};

function forget(katas: Kata[]): void {
  updateProgress((progress) => {
    for (const k of katas) delete progress.katas[k.name];
  });
}

function shown(dir: string): string {
  const rel = path.relative(process.cwd(), dir);
  return rel && !rel.startsWith('..') ? rel + path.sep : dir + path.sep;
}

/**
 * The kata, even when the learner deleted one of its files: the metadata loader rightly refuses
 * such a kata, and restoring the file is what reset is for. Only the metadata's schema is checked.
 */
function kataToReset(nameOrPath: string): Kata {
  try {
    return findKata(nameOrPath);
  } catch (err) {
    if (!(err instanceof KataFormatError)) throw err;
    const name = kataNames().includes(nameOrPath) ? nameOrPath : path.relative(KATAS_DIR, path.resolve(nameOrPath)).split(path.sep)[0]!;
    const dir = path.join(KATAS_DIR, name);
    try {
      const meta = KataMetaSchema.parse(JSON.parse(fs.readFileSync(path.join(dir, META_FILE), 'utf8')));
      return { name, dir, metaFile: path.join(dir, META_FILE), meta };
    } catch {
      throw err;
    }
  }
}
