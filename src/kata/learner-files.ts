/**
 * The files of a kata that belong to the learner (the implementation folder and test/mine/), and
 * the test files a run loads. Shared by the verbs that record, watch, reset or diff them.
 *
 * @example
 * learnerDirs(kata);        // ['/…/katas/config-loader/src', '/…/katas/config-loader/test/mine']
 * fingerprint(kata);        // 'c0ffee…': changes whenever one of the learner's files does
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

import { type Kata, implementationRoot } from './metadata';

/** Where the learner writes tests of their own, relative to the kata folder. */
export const LEARNER_TEST_DIR = path.join('test', 'mine');

/** Folders the learner edits: the implementation folder and test/mine/ (absolute). */
export function learnerDirs(kata: Kata): string[] {
  const root = implementationRoot(kata);
  // A kata whose files sit at its top level has no folder of its own to hand over.
  return root === kata.dir ? [path.join(kata.dir, LEARNER_TEST_DIR)] : [root, path.join(kata.dir, LEARNER_TEST_DIR)];
}

/** Every file the learner may have edited or added, absolute, sorted. */
export function learnerFiles(kata: Kata): string[] {
  const files = new Set<string>(kata.meta.files.map((f) => path.join(kata.dir, f)));
  for (const dir of learnerDirs(kata)) for (const f of filesUnder(dir)) files.add(f);
  return [...files].filter((f) => fs.existsSync(f)).sort();
}

/** A hash of the learner's files (paths and contents): tells whether a recorded run is still current. */
export function fingerprint(kata: Kata): string {
  const hash = createHash('sha1');
  for (const file of learnerFiles(kata)) {
    hash.update(path.relative(kata.dir, file)).update('\0').update(fs.readFileSync(file)).update('\0');
  }
  return hash.digest('hex').slice(0, 16);
}

/** The test files a run loads: the kata's test/*.test.ts, then the learner's test/mine/**\/*.test.ts. */
export function testFiles(kata: Kata): string[] {
  const testDir = path.join(kata.dir, 'test');
  const own = fs.existsSync(testDir)
    ? fs.readdirSync(testDir, { withFileTypes: true }).filter((e) => e.isFile() && e.name.endsWith('.test.ts')).map((e) => path.join(testDir, e.name))
    : [];
  const mine = filesUnder(path.join(kata.dir, LEARNER_TEST_DIR)).filter((f) => f.endsWith('.test.ts'));
  return [...own.sort(), ...mine];
}

/** Files under `dir` (recursive, skipping dot-folders and node_modules), absolute and sorted; [] when absent. */
export function filesUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      if (e.name.startsWith('.') || e.name === 'node_modules') continue;
      const full = path.join(d, e.name);
      if (e.isDirectory()) walk(full);
      else if (e.isFile()) out.push(full);
    }
  };
  walk(dir);
  return out.sort();
}
