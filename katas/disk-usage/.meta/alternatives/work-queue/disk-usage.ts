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
 * CORRECT ALTERNATIVE (kept for the verifier): no recursion: a queue of paths and N runners, each taking the next path, looking at it, and queueing a folder's entries; a runner with nothing to take waits until the others are done or have queued more.
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

/** A path still to look at, and the top-level entry whose size it adds to. */
interface Job {
  file: string;
  top: string;
}

/** Sums the size of everything under each top-level entry, with `concurrency` runners sharing one queue. */
async function sizeAll(dir: string, names: string[], concurrency: number): Promise<Map<string, number>> {
  const sizes = new Map(names.map((name) => [name, 0]));
  const queue: Job[] = names.map((name) => ({ file: path.join(dir, name), top: name }));
  let busy = 0;
  let idle: Array<() => void> = [];
  const wakeIdle = () => {
    const woken = idle;
    idle = [];
    for (const wake of woken) wake();
  };

  async function look(job: Job): Promise<void> {
    const stats = await lstat(job.file);
    if (!stats.isDirectory()) {
      sizes.set(job.top, sizes.get(job.top)! + stats.size); // a file, or a symlink counted as itself
      return;
    }
    for (const name of await readdir(job.file)) queue.push({ file: path.join(job.file, name), top: job.top });
  }

  async function runner(): Promise<void> {
    for (;;) {
      const job = queue.shift();
      if (job) {
        busy += 1;
        try {
          await look(job);
        } finally {
          busy -= 1;
          wakeIdle();
        }
      } else if (busy === 0) {
        wakeIdle();
        return;
      } else {
        // Nothing to take now; a busy runner may still queue a folder's entries.
        await new Promise<void>((resolve) => idle.push(resolve));
      }
    }
  }

  await Promise.all(Array.from({ length: concurrency }, runner));
  return sizes;
}

/** Largest first. Array.prototype.sort is stable: entries of the same size keep the order they had. */
const bySize = (a: Usage, b: Usage): number => b.size - a.size;

async function diskUsageAsync(dir: string, options: DiskUsageOptions = {}): Promise<Usage[]> {
  const { concurrency = DEFAULT_CONCURRENCY } = options;
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new RangeError(`concurrency must be a whole number of at least 1, got ${String(concurrency)}`);
  }
  const names = (await readdir(dir)).sort(); // by name: the order of entries of the same size
  const sizes = await sizeAll(dir, names, concurrency);
  const usage = names.map((name) => ({ name, size: sizes.get(name)! }));
  return usage.sort(bySize);
}

/** The promise API new callers use. */
export const promises = { diskUsage: diskUsageAsync };

/** The callback API old callers use: a shim over the promise API, with the default concurrency. */
export const diskUsage: (dir: string, callback: UsageCallback) => void = callbackify((dir: string) => diskUsageAsync(dir));
