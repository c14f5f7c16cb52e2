/**
 * A real, empty directory for each test, removed after it (kept, and its path printed, when
 * KATA_KEEP_TMP=1, for looking at what the code left behind), with a helper to build a tree.
 *
 * @example
 * describe('disk usage', () => {
 *   const tmp = useTempDir();
 *   it('sums a tree', async () => {
 *     await tmp.write({
 *       'a.txt': 'hello',
 *       sub: { 'b.bin': Buffer.alloc(10), empty: {} },
 *       loop: symlink('.'),
 *     });
 *     await diskUsage(tmp.path);
 *   });
 * });
 */
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';

import { fsFaults } from './fs-faults';

const SYMLINK = Symbol('symlink');

/** A symbolic link to `target` (relative to the link's folder, or absolute). */
export interface Symlink {
  [SYMLINK]: true;
  target: string;
}
export function symlink(target: string): Symlink {
  return { [SYMLINK]: true, target };
}

/** File contents, a folder (an object; `{}` is an empty folder), or a symlink. */
export type Tree = { [name: string]: string | Buffer | Symlink | Tree };

export interface TempDir {
  /** Absolute path of this test's directory. Only valid inside a test or hook. */
  readonly path: string;
  /** Absolute path of `rel` inside the directory. */
  file(...rel: string[]): string;
  /** Creates `tree` inside the directory (or inside `under`). */
  write(tree: Tree, under?: string): Promise<void>;
}

export const KEEP_ENV = 'KATA_KEEP_TMP';

/** Creates `tree` under `root`. */
export async function writeTree(root: string, tree: Tree): Promise<void> {
  await fs.mkdir(root, { recursive: true });
  // The entries of a folder are independent (a symlink may dangle until its target exists).
  await Promise.all(
    Object.entries(tree).map(([name, entry]) => {
      const at = path.join(root, name);
      if (typeof entry === 'string' || Buffer.isBuffer(entry)) return fs.writeFile(at, entry);
      if (isSymlink(entry)) return fs.symlink(entry.target, at);
      return writeTree(at, entry);
    }),
  );
}

/** True for an entry made by {@link symlink}. */
export function isSymlink(entry: Tree[string]): entry is Symlink {
  return typeof entry === 'object' && !Buffer.isBuffer(entry) && SYMLINK in entry;
}

/** Registers beforeEach/afterEach hooks in the enclosing `describe` that give each test a directory. */
export function useTempDir(prefix = 'kata-'): TempDir {
  let current: string | undefined;
  beforeEach(async () => {
    current = await fsFaults.untracked(() => fs.mkdtemp(path.join(os.tmpdir(), prefix)));
  });
  afterEach(async function () {
    if (!current) return;
    if (process.env[KEEP_ENV] === '1') {
      process.stderr.write(`  kept ${current} (${this.currentTest?.fullTitle() ?? ''})\n`);
    } else {
      await fsFaults.untracked(() => fs.rm(current!, { recursive: true, force: true }));
    }
    current = undefined;
  });
  const dir: TempDir = {
    get path() {
      if (!current) throw new Error('tmp.path is only available inside a test or hook of the describe that called useTempDir()');
      return current;
    },
    file: (...rel) => path.join(dir.path, ...rel),
    write: (tree, under) => fsFaults.untracked(() => writeTree(under ? path.join(dir.path, under) : dir.path, tree)),
  };
  return dir;
}
