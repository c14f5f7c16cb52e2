/**
 * The files the callback-hell check covers, without loading ESLint: the check itself and its
 * cache (cached-check.ts) both need them.
 */
import * as path from 'node:path';

import { type Kata, mirrorPath } from '../kata/metadata';

/** The files a check covers: `options.files`, the mirror of the learner's files in `options.dir`, or the learner's. */
export function filesToCheck(kata: Kata, options: { dir?: string; files?: string[] } = {}): string[] {
  if (options.files) return options.files.map((f) => path.resolve(kata.dir, f));
  const { files } = kata.meta;
  if (options.dir) {
    const dir = path.resolve(kata.dir, options.dir);
    return files.map((f) => path.join(dir, mirrorPath(files, f)));
  }
  return files.map((f) => path.join(kata.dir, f));
}
