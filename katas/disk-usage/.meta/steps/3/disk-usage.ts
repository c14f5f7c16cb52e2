/**
 * disk-usage: how much space each entry of a folder takes, largest first. The ops dashboard
 * calls it every few minutes on the build servers' work folders, to answer "which job is eating
 * the disk?".
 *
 * The size of a file is its apparent size (`stats.size`). A folder counts what is under it, at
 * every depth (the folder entry itself counts 0). Each top-level entry of `dir` gets one line:
 * `{ name, size }`, sorted by size, largest first.
 *
 * Written in 2013 and not touched since. It works on the happy path. Your job is in README.md.
 */
import fs = require('fs');
import path = require('path');
import { lstat, readdir } from 'fs/promises';

export interface Usage {
  name: string;
  size: number;
}
export type UsageCallback = (err: Error | null, usage?: Usage[]) => void;
type SizeCallback = (err: NodeJS.ErrnoException | null, size?: number) => void;

export interface DiskUsageOptions {
  /** At most this many entries looked at (lstat) at the same time. Default DEFAULT_CONCURRENCY. */
  concurrency?: number;
}

/** How many entries the walk may look at at once when the caller does not say. */
export const DEFAULT_CONCURRENCY = 8;

/**
 * The callback API. The dashboard (and the safety-net tests) use it: keep its signature and
 * behaviour. Do not change this signature.
 *
 * TODO(step 4): once promises.diskUsage works, make this a thin shim over it.
 */
export function diskUsage(dir: string, callback: UsageCallback): void {
  fs.readdir(dir, function (err, names) {
    if (err) return callback(err);
    var results: Usage[] = [];
    var pending = names.length;
    if (pending === 0) return callback(null, results);

    // Size every entry in parallel: much faster than one by one.
    names.forEach(function (name) {
      sizeOf(path.join(dir, name), function (err, size) {
        if (err) return callback(err);
        results.push({ name: name, size: size! });
        pending--;
        if (pending === 0) {
          results.sort(function (a, b) {
            return b.size - a.size;
          });
          callback(null, results);
        }
      });
    });
  });
}

function sizeOf(file: string, callback: SizeCallback): void {
  fs.lstat(file, function (err, stats) {
    if (err) return callback(err);
    if (stats.isSymbolicLink()) {
      // Count what the link points at: a linked folder (a shared cache, node_modules/.bin)
      // takes space too.
      fs.stat(file, function (err, target) {
        if (err) return callback(err);
        if (target.isDirectory()) return sizeOfFolder(file, callback);
        callback(null, target.size);
      });
      return;
    }
    if (stats.isDirectory()) return sizeOfFolder(file, callback);
    callback(null, stats.size);
  });
}

function sizeOfFolder(dir: string, callback: SizeCallback): void {
  fs.readdir(dir, function (err, names) {
    if (err) return callback(err);
    var total = 0;
    var pending = names.length;
    names.forEach(function (name) {
      sizeOf(path.join(dir, name), function (err, size) {
        if (err) return callback(err);
        total += size!;
        pending--;
        if (pending === 0) callback(null, total);
      });
    });
  });
}

/** Runs `task` once fewer than the limit's count of tasks are running. */
type Limit = <T>(task: () => Promise<T>) => Promise<T>;

/** A limiter: at most `concurrency` tasks at once, the next waiting one started as soon as one ends. */
function createLimit(concurrency: number): Limit {
  let running = 0;
  const waiting: Array<() => void> = [];
  return async (task) => {
    if (running < concurrency) running += 1;
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

/** The size of `file`, everything under it included. Only the lstat goes through the limiter. */
async function sizeOfAsync(file: string, limit: Limit): Promise<number> {
  const stats = await limit(() => lstat(file));
  if (!stats.isDirectory()) return stats.size; // a file, or a symlink counted as itself
  const names = await readdir(file);
  const sizes = await Promise.all(names.map((name) => sizeOfAsync(path.join(file, name), limit)));
  return sizes.reduce((sum, size) => sum + size, 0);
}

/** The promise API new callers want. */
export const promises = {
  /**
   * Resolves with the usage of each entry of `dir`, largest first (entries of the same size by
   * name), looking at no more than `options.concurrency` entries at a time. A symbolic link is
   * counted as the link itself, never followed. Rejects when a folder cannot be read.
   *
   * TODO(step 4): make the callback API a shim over this.
   */
  async diskUsage(dir: string, options: DiskUsageOptions = {}): Promise<Usage[]> {
    const { concurrency = DEFAULT_CONCURRENCY } = options;
    if (!Number.isInteger(concurrency) || concurrency < 1) {
      throw new RangeError(`concurrency must be a whole number of at least 1, got ${String(concurrency)}`);
    }
    const limit = createLimit(concurrency);
    const names = (await readdir(dir)).sort(); // by name: the order of entries of the same size
    const usage = await Promise.all(names.map(async (name) => ({ name, size: await sizeOfAsync(path.join(dir, name), limit) })));
    return usage.sort((a, b) => b.size - a.size);
  },
};
