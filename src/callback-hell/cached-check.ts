/**
 * The callback-hell check behind a disk cache, for the learner's loop (`npm test` in a kata,
 * `kata check`, `c` in watch mode). Loading ESLint, typescript-eslint and TypeScript takes most of
 * a second, and the result depends only on what is hashed here: the checked files, every source
 * file they may import (the kata's src/ and each checked file's folder, for the type-aware
 * rules), the kata's settings, the check's own code, the lockfile (the versions of ESLint, its
 * plugins, TypeScript and @types/node), tsconfig.json and the Node version. While the learner
 * pins the legacy code (step 1: tests change, src/ does not), and on every rerun without a save,
 * the check costs a few file reads.
 *
 * The verifier (`kata verify`, the root `npm test`) does not use it: it runs the check itself.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

import { markUsed, pruneCache } from '../../bin/ts-cache';
import { REPO_ROOT } from '../kata/catalog';
import type { Kata } from '../kata/metadata';
import type { CheckOptions, CheckResult } from './check-kata';
import { filesToCheck } from './checked-files';

const CACHE_DIR = path.join(REPO_ROOT, 'node_modules', '.cache', 'callback-katas', 'check');
const SOURCE = /\.(?:[cm]?[jt]s|json)$/;

/** As checkKata, from the cache when nothing it depends on has changed since a run stored it. */
export async function checkKataCached(kata: Kata, options: CheckOptions = {}): Promise<CheckResult> {
  let entry: string | undefined;
  try {
    entry = path.join(CACHE_DIR, `${cacheKey(kata, options)}.json`);
    const cached = JSON.parse(fs.readFileSync(entry, 'utf8')) as CheckResult;
    markUsed(entry);
    return cached;
  } catch {
    // Not cached (or a file could not be read: then checkKata says what is wrong).
  }
  const { checkKata } = require('./check-kata') as typeof import('./check-kata');
  const result = await checkKata(kata, options);
  if (entry) store(entry, result);
  return result;
}

function store(entry: string, result: CheckResult): void {
  try {
    fs.mkdirSync(CACHE_DIR, { recursive: true });
    const tmp = `${entry}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(result));
    fs.renameSync(tmp, entry);
    pruneCache(CACHE_DIR);
  } catch {
    // A read-only checkout: no cache, the same results.
  }
}

/** Throws when a checked file cannot be read: checkKata reports that itself. */
export function cacheKey(kata: Kata, options: CheckOptions = {}): string {
  const hash = createHash('sha256');
  const add = (label: string, content: string | Buffer) => hash.update(`${label}\0${content.length}\0`).update(content);
  const files = filesToCheck(kata, options);
  add('node', process.version);
  add('options', JSON.stringify({ typed: options.typed !== false, kataDir: kata.dir, files, check: kata.meta.check }));
  for (const file of files) add(file, fs.readFileSync(file));
  const dirs = new Set([path.join(kata.dir, 'src'), ...files.map((f) => path.dirname(f))]);
  for (const dir of [...dirs].sort()) for (const file of sourcesUnder(dir)) add(file, fs.readFileSync(file));
  for (const file of [path.join(kata.dir, 'kata.json'), path.join(REPO_ROOT, 'tsconfig.json'), path.join(REPO_ROOT, 'package-lock.json'), path.join(REPO_ROOT, 'src', 'kata', 'check-settings.ts')]) {
    add(file, readOrEmpty(file));
  }
  for (const file of sourcesUnder(__dirname)) add(file, fs.readFileSync(file));
  return hash.digest('hex');
}

/** Every source file under `dir`, sorted, outside node_modules. */
function sourcesUnder(dir: string): string[] {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  const found: string[] = [];
  for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const full = path.join(dir, e.name);
    if (e.isDirectory() && e.name !== 'node_modules') found.push(...sourcesUnder(full));
    else if (e.isFile() && SOURCE.test(e.name)) found.push(full);
  }
  return found;
}

function readOrEmpty(file: string): Buffer | string {
  try {
    return fs.readFileSync(file);
  } catch {
    return '';
  }
}
