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
 *
 * Written in 2015 with the `async` library, the way most Node code of the time was. It works on
 * the happy path. Your job is in README.md.
 */
import async = require('async');
import fs = require('fs');
import path = require('path');

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

/**
 * The callback API. Old callers (and the safety-net tests) use it: keep its signature and
 * behaviour. `options` may be left out.
 *
 * TODO(step 4): once promises.importFeed works, make this a thin shim over it, and remove the
 * `async` import: the kata is done when no file in src/ requires the `async` package.
 */
export function importFeed(dir: string, callback: ReportCallback): void;
export function importFeed(dir: string, options: ImportOptions, callback: ReportCallback): void;
export function importFeed(dir: string, options: ImportOptions | ReportCallback, callback?: ReportCallback): void {
  if (typeof options === 'function') {
    callback = options;
    options = {};
  }
  var done = callback!;
  var limit = options.concurrency || DEFAULT_CONCURRENCY;

  async.waterfall(
    [
      function (next: (err: Error | null, files?: unknown[]) => void) {
        async.parallel(
          [
            function (cb: (err: Error | null, value?: unknown) => void) {
              readJson(path.join(dir, 'manifest.json'), cb);
            },
            function (cb: (err: Error | null, value?: unknown) => void) {
              readJson(path.join(dir, 'rates.json'), cb);
            },
          ],
          next as never,
        );
      },
      function (files: unknown[], next: (err: Error | null, report?: Report) => void) {
        var manifest = files[0] as Manifest;
        var rates = files[1] as { [currency: string]: number };
        var rate = rates[manifest.currency];
        if (!rate) return next(new Error('rates.json has no rate for ' + manifest.currency));

        var lines: ReportLine[] = [];
        async.eachLimit(
          manifest.items,
          limit,
          function (name: string, cb: (err?: Error | null) => void) {
            readJson(path.join(dir, 'items', name), function (err, item) {
              if (err) return cb(err);
              var it = item as Item;
              lines.push({ sku: it.sku, name: it.name, price: Math.round(it.price * rate!) });
              cb();
            });
          },
          function (err?: Error | null) {
            if (err) return next(err);
            var total = 0;
            lines.forEach(function (line) {
              total += line.price;
            });
            next(null, { supplier: manifest.supplier, lines: lines, total: total });
          },
        );
      },
      function (report: Report, next: (err: Error | null, report?: Report) => void) {
        var tmp = path.join(dir, 'report.json.tmp');
        fs.writeFile(tmp, JSON.stringify(report, null, 2), function (err) {
          if (err) return next(err);
          async.retry(
            { times: RENAME_ATTEMPTS, interval: RENAME_RETRY_MS },
            function (cb: (err?: Error | null) => void) {
              fs.rename(tmp, path.join(dir, 'report.json'), cb);
            },
            function (err?: Error | null) {
              if (err) return next(err);
              next(null, report);
            },
          );
        });
      },
    ],
    done as never,
  );
}

function readJson(file: string, callback: (err: Error | null, value?: unknown) => void): void {
  fs.readFile(file, 'utf8', function (err, text) {
    if (err) return callback(err);
    callback(null, JSON.parse(text));
  });
}

/** The promise API new callers want. */
export const promises = {
  /**
   * Resolves with the report once `report.json` is in place; rejects with the first error (a
   * file that is missing, or not valid JSON: the error then names the file and keeps the
   * SyntaxError as its `cause`).
   *
   * TODO(step 2): write it with fs/promises and async/await. The tests under "promise API" say
   * what it must do: Promise.all for the two top-level files, a small pool of your own for the
   * item files, a loop with a timer for the rename.
   */
  importFeed(dir: string, options: ImportOptions = {}): Promise<Report> {
    void options;
    return Promise.reject(new Error(`promises.importFeed is not written yet (step 2 of the README): it should resolve with the report of ${dir}`));
  },
};
