/**
 * disk-usage: how much space each entry of a folder takes, largest first. The ops dashboard
 * calls it every few minutes on the build servers' work folders, to answer "which job is eating
 * the disk?".
 *
 * The size of a file is its apparent size (`stats.size`). A folder counts what is under it, at
 * every depth (the folder entry itself counts 0). A symbolic link counts as the link itself (the
 * length of the path it holds), never followed. Each top-level entry of `dir` gets one line:
 * `{ name, size }`, largest first, entries of the same size by name.
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

/** Runs `task` once fewer than the limit's count of tasks are running. */
type Limit = <T>(task: () => Promise<T>) => Promise<T>;

/** A limiter: at most `concurrency` tasks at once, the next waiting one started as soon as one ends. */
function createLimit(concurrency: number): Limit {
  let running = 0;
  const waiting: Array<() => void> = [];
  return async (task) => {
    if (running < concurrency) running += 1;
    // No slot free: wait until a finishing task hands its slot over (running stays the same).
    else await new Promise<void>((resolve) => waiting.push(resolve));
    try {
      return await task();
    } finally {
      const handOver = waiting.shift();
      if (handOver) handOver();
      else running -= 1;
    }
  };
}

/**
 * The size of `file`, everything under it included. Only the lstat goes through the limiter: a
 * folder waiting for its children holds no slot, so the walk cannot deadlock on itself.
 */
async function sizeOf(file: string, limit: Limit): Promise<number> {
  const stats = await limit(() => lstat(file));
  if (!stats.isDirectory()) return stats.size; // a file, or a symlink counted as itself
  const names = await readdir(file);
  // The legacy counter, kept inside a promise: resolve once every child has reported.
  return new Promise<number>((resolve, reject) => {
    let total = 0;
    let pending = names.length;
    for (const name of names) {
      sizeOf(path.join(file, name), limit).then((size) => {
        total += size;
        pending -= 1;
        if (pending === 0) resolve(total);
      }, reject);
    }
  });
}

/** Largest first. Array.prototype.sort is stable: entries of the same size keep the order they had. */
const bySize = (a: Usage, b: Usage): number => b.size - a.size;

async function diskUsageAsync(dir: string, options: DiskUsageOptions = {}): Promise<Usage[]> {
  const { concurrency = DEFAULT_CONCURRENCY } = options;
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new RangeError(`concurrency must be a whole number of at least 1, got ${String(concurrency)}`);
  }
  const limit = createLimit(concurrency);
  const names = (await readdir(dir)).sort(); // by name: the order of entries of the same size
  const usage = await Promise.all(names.map(async (name) => ({ name, size: await sizeOf(path.join(dir, name), limit) })));
  return usage.sort(bySize);
}

/** The promise API new callers use. */
export const promises = { diskUsage: diskUsageAsync };

/** The callback API old callers use: a shim over the promise API, with the default concurrency. */
export const diskUsage: (dir: string, callback: UsageCallback) => void = callbackify((dir: string) => diskUsageAsync(dir));
