/**
 * feed-import: turns a supplier's price feed into the shop's import report.
 *
 * A feed is a folder. `manifest.json` names the supplier, the feed's currency and its item
 * files (`{ "supplier": "acme", "currency": "USD", "items": ["a.json", "b.json"] }`);
 * `rates.json` gives the euro value of one unit of each currency (`{ "USD": 0.9 }`); each item
 * file under `items/` holds `{ "sku", "name", "price" }`, the price in cents of the feed's
 * currency. The two top-level files are read at the same time. The item files are read with
 * readFile, at most `concurrency` at a time (DEFAULT_CONCURRENCY when the option is not given),
 * and the report lists them in the manifest's order, each price converted to euro cents and
 * rounded. The report is written as JSON to `report.json.tmp` and renamed to `report.json`:
 * the shop's share is scanned by an antivirus that holds new files, so a rename that fails is
 * tried again RENAME_RETRY_MS later, RENAME_ATTEMPTS attempts in all, as graceful-fs does on
 * Windows. The first error stops the import: nothing after it runs, and no report is written.
 */
import { readFile, rename, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import * as util from 'node:util';

export const DEFAULT_CONCURRENCY = 4;
export const RENAME_ATTEMPTS = 3;
export const RENAME_RETRY_MS = 100;

export interface ImportOptions {
  /** How many item files may be read at the same time. Default DEFAULT_CONCURRENCY. */
  concurrency?: number;
}

export interface ReportLine {
  sku: string;
  name: string;
  /** Euro cents, rounded. */
  price: number;
}

export interface Report {
  supplier: string;
  lines: ReportLine[];
  /** The sum of the lines' prices, in euro cents. */
  total: number;
}

export type ReportCallback = (err: Error | null, report?: Report) => void;

interface Manifest {
  supplier: string;
  currency: string;
  items: string[];
}

interface Item {
  sku: string;
  name: string;
  price: number;
}

async function readJson(file: string): Promise<unknown> {
  const text = await readFile(file, 'utf8');
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new Error(`${file} is not valid JSON`, { cause: err });
  }
}

/**
 * p-limit's shape: `limit(fn)` runs `fn` at once when fewer than `max` are running, otherwise
 * when one of them finishes. After a failure, calls still waiting are skipped.
 */
function limiter(max: number): <R>(fn: () => Promise<R>) => Promise<R> {
  let running = 0;
  let failed = false;
  const waiting: Array<() => void> = [];
  const free = () => {
    running -= 1;
    waiting.shift()?.();
  };
  return async <R>(fn: () => Promise<R>): Promise<R> => {
    if (running >= max) await new Promise<void>((resolve) => waiting.push(resolve));
    if (failed) throw new Error('skipped: an earlier item failed');
    running += 1;
    try {
      return await fn();
    } catch (err) {
      failed = true;
      throw err;
    } finally {
      free();
    }
  };
}

/** Runs `work` on every item through a limiter; Promise.all keeps the items' order. */
function mapLimit<T, R>(items: readonly T[], max: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const limit = limiter(max);
  return Promise.all(items.map((item) => limit(() => work(item))));
}

/** Calls `attempt` until it succeeds, at most `times` times, `intervalMs` apart (async.retry). */
async function retry<T>(times: number, intervalMs: number, attempt: () => Promise<T>): Promise<T> {
  for (let tries = 1; tries < times; tries++) {
    try {
      return await attempt();
    } catch {
      // Not the last attempt: wait, and try again. The last attempt's error is the one reported.
    }
    await sleep(intervalMs);
  }
  return attempt();
}

async function importFeedAsync(dir: string, options: ImportOptions | undefined): Promise<Report> {
  const limit = options?.concurrency || DEFAULT_CONCURRENCY;
  const [manifest, rates] = (await Promise.all([readJson(path.join(dir, 'manifest.json')), readJson(path.join(dir, 'rates.json'))])) as [
    Manifest,
    { [currency: string]: number },
  ];
  const rate = rates[manifest.currency];
  if (!rate) throw new Error(`rates.json has no rate for ${manifest.currency}`);

  const lines = await mapLimit(manifest.items, limit, async (name): Promise<ReportLine> => {
    const item = (await readJson(path.join(dir, 'items', name))) as Item;
    return { sku: item.sku, name: item.name, price: Math.round(item.price * rate) };
  });
  const report: Report = { supplier: manifest.supplier, lines, total: lines.reduce((sum, line) => sum + line.price, 0) };

  const tmp = path.join(dir, 'report.json.tmp');
  await writeFile(tmp, JSON.stringify(report, null, 2));
  await retry(RENAME_ATTEMPTS, RENAME_RETRY_MS, () => rename(tmp, path.join(dir, 'report.json')));
  return report;
}

/** The callback API's two forms: `options` may be left out. */
export interface ImportFeedWithCallback {
  (dir: string, callback: ReportCallback): void;
  (dir: string, options: ImportOptions, callback: ReportCallback): void;
}

/**
 * The callback API. Old callers (and the safety-net tests) use it: keep its signature and
 * behaviour. `options` may be left out.
 */
// callbackify takes the last argument as the callback, so `importFeed(dir, cb)` works too.
export const importFeed = util.callbackify(importFeedAsync) as ImportFeedWithCallback;

/** The promise API new callers want. */
export const promises = {
  /**
   * Resolves with the report once `report.json` is in place; rejects with the first error (a
   * file that is missing, or not valid JSON: the error then names the file and keeps the
   * SyntaxError as its `cause`).
   */
  importFeed(dir: string, options?: ImportOptions): Promise<Report> {
    return importFeedAsync(dir, options);
  },
};
