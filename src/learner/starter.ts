/**
 * The starter of a kata, as git has it committed: what `kata reset` restores, after copying the
 * learner's work to a backup folder.
 *
 * The pristine copy is git's: the library is used as a git checkout (`git clone`, then `npm ci`),
 * so the committed kata files are the starter, at HEAD unless the learner names another commit.
 * A copy that is not a git checkout (downloaded as a zip) has no pristine copy to restore from;
 * that is an error that says so and changes nothing, rather than a second copy of every starter
 * kept in the library for a case git already covers.
 *
 * @example
 * const source = starterSource(kata);          // throws NoStarterError outside a git checkout
 * changedFromStarter(kata, source);            // ['src/config-loader.ts', 'test/mine/extra.test.ts']
 * resetToStarter(kata, source, newBackupDir()); // backs up, then restores
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

import { REPO_ROOT } from '../kata/catalog';
import type { Kata } from '../kata/metadata';
import { filesUnder, learnerDirs } from '../kata/learner-files';

export const BACKUP_DIR = path.join(REPO_ROOT, '.kata-backups');

/** There is no committed starter to restore: the message says why and what to do instead. */
export class NoStarterError extends Error {
  override name = 'NoStarterError';
}

export interface StarterSource {
  /** The git work tree's top folder. */
  root: string;
  /** As the learner gave it (default HEAD). */
  ref: string;
  /** The commit it names, abbreviated. */
  commit: string;
}

function git(cwd: string, args: string[]): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 * 1024 * 1024 });
}

/**
 * Where the starter of `kata` comes from.
 *
 * @throws {NoStarterError} when git is missing, the kata is not in a git checkout, or `ref` is not a commit.
 */
export function starterSource(kata: Kata, ref = 'HEAD'): StarterSource {
  let root: string;
  try {
    root = git(kata.dir, ['rev-parse', '--show-toplevel']).trim();
  } catch (err) {
    const shown = path.relative(process.cwd(), kata.dir) || kata.dir;
    const why = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'git is not installed' : `${shown} is not in a git checkout (was the library downloaded as a zip?)`;
    throw new NoStarterError(
      `Cannot restore the starter of ${kata.name}: ${why}, so there is no pristine copy to restore from. Nothing was changed.\n` +
        `  To start over: get a fresh copy with \`git clone\` (then \`npm ci\`), or copy ${path.join('katas', kata.name, 'src')} and test/mine/ from a fresh download, after saving your work.`,
      { cause: err },
    );
  }
  let commit: string;
  try {
    commit = git(root, ['rev-parse', '--short', '--verify', '--end-of-options', `${ref}^{commit}`]).trim();
  } catch (err) {
    throw new NoStarterError(`Cannot restore the starter of ${kata.name}: "${ref}" is not a commit of ${root}. Nothing was changed.`, { cause: err });
  }
  return { root, ref, commit };
}

/** The starter's files for this kata's learner folders, as paths relative to the git root. */
function committedFiles(kata: Kata, source: StarterSource): string[] {
  const dirs = learnerDirs(kata).map((d) => path.relative(source.root, d));
  const listed = git(source.root, ['ls-tree', '-r', '--name-only', '-z', source.commit, '--', ...dirs]);
  return listed.split('\0').filter(Boolean);
}

/** Files (relative to the kata folder) that differ from the starter: changed, added or deleted. */
export function changedFromStarter(kata: Kata, source: StarterSource): string[] {
  const committed = committedFiles(kata, source);
  if (committed.length === 0) {
    throw new NoStarterError(`Cannot restore the starter of ${kata.name}: commit ${source.commit} has no files under ${learnerDirs(kata).map((d) => path.relative(source.root, d)).join(' or ')}. Nothing was changed.`);
  }
  const dirs = learnerDirs(kata).map((d) => path.relative(source.root, d));
  const diff = git(source.root, ['diff', '--name-only', '-z', '--no-renames', source.commit, '--', ...dirs]).split('\0').filter(Boolean);
  const committedSet = new Set(committed);
  const added = learnerDirs(kata)
    .flatMap((d) => filesUnder(d))
    .map((f) => path.relative(source.root, f))
    .filter((f) => !committedSet.has(f));
  const toKata = (f: string) => path.relative(kata.dir, path.join(source.root, f));
  return [...new Set([...diff, ...added])].map(toKata).sort();
}

/** A new, empty folder under .kata-backups/ named after the time: one per reset. */
export function newBackupDir(now = new Date()): string {
  const stamp = now.toISOString().replace(/\.\d+Z$/, '').replace(/:/g, '-');
  for (let n = 1; ; n++) {
    const dir = path.join(BACKUP_DIR, n === 1 ? stamp : `${stamp}-${n}`);
    try {
      fs.mkdirSync(dir, { recursive: false });
      return dir;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') fs.mkdirSync(BACKUP_DIR, { recursive: true });
      else if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
}

/**
 * Copies the learner's folders to `<backupDir>/<kata>/`, then restores them to the starter:
 * files the learner added are removed, the committed ones checked out from `source`.
 * Returns the backup folder of this kata.
 */
export function resetToStarter(kata: Kata, source: StarterSource, backupDir: string): string {
  const committed = committedFiles(kata, source);
  const backup = path.join(backupDir, kata.name);
  for (const dir of learnerDirs(kata)) {
    if (fs.existsSync(dir)) fs.cpSync(dir, path.join(backup, path.relative(kata.dir, dir)), { recursive: true });
  }
  const committedSet = new Set(committed.map((f) => path.join(source.root, f)));
  for (const dir of learnerDirs(kata)) {
    for (const file of filesUnder(dir)) if (!committedSet.has(file)) fs.rmSync(file);
  }
  // checkout also resets the index for these paths, so `git status` shows them clean afterwards.
  git(source.root, ['checkout', source.commit, '--', ...committed]);
  return backup;
}
