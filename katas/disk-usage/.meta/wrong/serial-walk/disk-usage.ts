/**
 * disk-usage: how much space each entry of a folder takes, largest first. The ops dashboard
 * calls it every few minutes on the build servers' work folders, to answer "which job is eating
 * the disk?".
 *
 * The size of a file is its apparent size (`stats.size`). A folder counts what is under it, at
 * every depth (the folder entry itself counts 0). A symbolic link counts as the link itself (the
 * length of the path it holds), never followed. Each top-level entry of `dir` gets one line:
 * `{ name, size }`, largest first, entries of the same size by name.
 *
 * WRONG (kept for the verifier): a fully serial walk: `for...of` with `await` looks at one entry at a time. It never goes over any limit, and it is as slow as a walk can be: the disk (and libuv's thread pool) sits idle while each lstat waits for the one before.
 */
import { lstat, readdir } from 'node:fs/promises';
import * as path from 'node:path';
import { callbackify } from 'node:util';

export interface Usage {
  name: string;
  size: number;
}
export type UsageCallback = (err: Error | null, usage?: Usage[]) => void;

export interface DiskUsageOptions {
  /** At most this many entries looked at (lstat) at the same time. Default DEFAULT_CONCURRENCY. */
  concurrency?: number;
}

/** How many entries the walk may look at at once when the caller does not say. */
export const DEFAULT_CONCURRENCY = 8;

/** The size of `file`, everything under it included: one entry after the other. */
async function sizeOf(file: string): Promise<number> {
  const stats = await lstat(file);
  if (!stats.isDirectory()) return stats.size; // a file, or a symlink counted as itself
  let total = 0;
  for (const name of await readdir(file)) {
    total += await sizeOf(path.join(file, name));
  }
  return total;
}

/** Largest first. Array.prototype.sort is stable: entries of the same size keep the order they had. */
const bySize = (a: Usage, b: Usage): number => b.size - a.size;

async function diskUsageAsync(dir: string, options: DiskUsageOptions = {}): Promise<Usage[]> {
  const { concurrency = DEFAULT_CONCURRENCY } = options;
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new RangeError(`concurrency must be a whole number of at least 1, got ${String(concurrency)}`);
  }
  // One at a time is always within the limit.
  const usage: Usage[] = [];
  for (const name of (await readdir(dir)).sort()) {
    usage.push({ name, size: await sizeOf(path.join(dir, name)) });
  }
  return usage.sort(bySize);
}

/** The promise API new callers use. */
export const promises = { diskUsage: diskUsageAsync };

/** The callback API old callers use: a shim over the promise API, with the default concurrency. */
export const diskUsage: (dir: string, callback: UsageCallback) => void = callbackify((dir: string) => diskUsageAsync(dir));
