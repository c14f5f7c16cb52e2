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
 * WRONG (kept for the verifier): lists every path first, then looks at them in batches of N with `Promise.all` over slices: never more than N at once, but each batch waits for its slowest lstat before the next starts (N, N-1, ..., 1, N, ...).
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

/** Every path under `dir`, folders included (a symlink is listed, not entered). */
async function listAll(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const nested = await Promise.all(entries.map((entry) => (entry.isDirectory() ? listAll(path.join(dir, entry.name)) : [])));
  return [...entries.map((entry) => path.join(dir, entry.name)), ...nested.flat()];
}

/** Largest first. Array.prototype.sort is stable: entries of the same size keep the order they had. */
const bySize = (a: Usage, b: Usage): number => b.size - a.size;

async function diskUsageAsync(dir: string, options: DiskUsageOptions = {}): Promise<Usage[]> {
  const { concurrency = DEFAULT_CONCURRENCY } = options;
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new RangeError(`concurrency must be a whole number of at least 1, got ${String(concurrency)}`);
  }
  const names = (await readdir(dir)).sort(); // by name: the order of entries of the same size
  const totals = new Map(names.map((name) => [name, 0]));
  const all = await listAll(dir);
  // N at a time: a batch, then the next one.
  for (let i = 0; i < all.length; i += concurrency) {
    const batch = all.slice(i, i + concurrency);
    const stats = await Promise.all(batch.map((file) => lstat(file)));
    stats.forEach((s, j) => {
      if (s.isDirectory()) return;
      const top = path.relative(dir, batch[j]!).split(path.sep)[0]!;
      totals.set(top, totals.get(top)! + s.size);
    });
  }
  const usage = [...totals].map(([name, size]) => ({ name, size }));
  return usage.sort(bySize);
}

/** The promise API new callers use. */
export const promises = { diskUsage: diskUsageAsync };

/** The callback API old callers use: a shim over the promise API, with the default concurrency. */
export const diskUsage: (dir: string, callback: UsageCallback) => void = callbackify((dir: string) => diskUsageAsync(dir));
