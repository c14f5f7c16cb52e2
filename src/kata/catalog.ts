/**
 * The katas of this library: found under katas/, loaded through the one metadata loader, in
 * learning order.
 *
 * @example
 * const katas = listKatas();          // every kata, learning order
 * const kata = findKata('config-lodaer'); // throws UnknownKataError: Did you mean "config-loader"?
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { distance } from 'fastest-levenshtein';

import { KataFormatError, UnknownKataError } from './errors';
import { type Kata, loadKata, META_FILE } from './metadata';

/** The repository root: the folder holding katas/, src/ and package.json. */
export const REPO_ROOT = path.resolve(__dirname, '..', '..');
export const KATAS_DIR = path.join(REPO_ROOT, 'katas');

/** Names of the kata folders (those with a kata.json), alphabetical. Reads no metadata. */
export function kataNames(katasDir = KATAS_DIR): string[] {
  return fs
    .readdirSync(katasDir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && fs.existsSync(path.join(katasDir, e.name, META_FILE)))
    .map((e) => e.name)
    .sort();
}

/** Every kata, in learning order. Throws on the first malformed kata, naming it. */
export function listKatas(katasDir = KATAS_DIR): Kata[] {
  return kataNames(katasDir)
    .map((name) => loadKata(path.join(katasDir, name)))
    .sort((a, b) => a.meta.order - b.meta.order || a.name.localeCompare(b.name));
}

/**
 * Every kata that loads, in learning order, and the error of each that does not: one malformed
 * kata.json must not hide the others from a learner's list or menu (the verifier, which must
 * not pass a broken kata, uses listKatas).
 */
export function readCatalog(katasDir = KATAS_DIR): { katas: Kata[]; broken: KataFormatError[] } {
  const katas: Kata[] = [];
  const broken: KataFormatError[] = [];
  for (const name of kataNames(katasDir)) {
    try {
      katas.push(loadKata(path.join(katasDir, name)));
    } catch (err) {
      if (!(err instanceof KataFormatError)) throw err;
      broken.push(err);
    }
  }
  katas.sort((a, b) => a.meta.order - b.meta.order || a.name.localeCompare(b.name));
  return { katas, broken };
}

/**
 * The kata a learner named: by folder name, or by a path to (or inside) its folder.
 *
 * @throws {UnknownKataError} with the closest names when there is no such kata.
 */
export function findKata(nameOrPath: string, katasDir = KATAS_DIR): Kata {
  const names = kataNames(katasDir);
  const asPath = path.resolve(nameOrPath);
  const inside = path.relative(katasDir, asPath).split(path.sep)[0];
  const name = names.includes(nameOrPath) ? nameOrPath : inside && names.includes(inside) ? inside : undefined;
  if (name) return loadKata(path.join(katasDir, name));
  throw new UnknownKataError(nameOrPath, closestNames(nameOrPath, names));
}

/** Up to three names within a small edit distance of `wanted`, closest first. */
export function closestNames(wanted: string, names: readonly string[]): string[] {
  const w = wanted.toLowerCase();
  return names
    .map((n) => ({ n, d: n.includes(w) || w.includes(n) ? 0 : distance(w, n) }))
    .filter(({ n, d }) => d <= Math.max(2, Math.floor(n.length / 3)))
    .sort((a, b) => a.d - b.d)
    .slice(0, 3)
    .map(({ n }) => n);
}
