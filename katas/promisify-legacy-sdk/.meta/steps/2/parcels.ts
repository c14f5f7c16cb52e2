/**
 * parcels: the shop's wrapper around the vendored ShipQuick SDK (src/vendor/parcel-sdk.js).
 *
 * Every order page tracks parcels, quotes shipping and downloads labels through these three
 * functions. The SDK has the awkward conventions of its time: `track` calls back result first
 * and with a string for an error, and synchronously when the status is cached; `quote` calls back
 * with several success values; `label` completes by events and emits both 'error' and 'end'
 * when it fails. Wrap the SDK at this boundary, do not edit it: the rest of the code must only
 * ever see error-first callbacks or promises, always asynchronous, settled exactly once, and
 * Error objects whose cause is what the SDK reported.
 *
 * Written in 2015. It works on the happy path. Your job is in README.md.
 */
import { once } from 'node:events';

import { ParcelClient, type ParcelStatus } from './vendor/parcel-sdk';

export { ParcelClient, type ParcelStatus };

export type Quote = { priceCents: number; currency: string; etaDays: number };

/**
 * The callback API old callers use: callback(err, status). Keep its signature.
 *
 * TODO(step 3): make it a thin util.callbackify shim over promises.track.
 */
export function track(client: ParcelClient, id: string, callback: (err: any, status?: ParcelStatus) => void): void {
  if (!id) {
    return process.nextTick(callback, new TypeError('track: a parcel id is required'));
  }
  client.track(id, function (status, err) {
    if (err) {
      callback(err);
    }
    callback(null, status!);
  });
}

/**
 * callback(err, priceCents, currency, etaDays), as the SDK gives them. Keep its signature.
 *
 * TODO(step 3): make it a shim over promises.quote, and give it a util.promisify.custom so
 * that util.promisify(quote) resolves with a Quote.
 */
export function quote(client: ParcelClient, from: string, to: string, weightKg: number, callback: (err: any, priceCents?: number, currency?: string, etaDays?: number) => void): void {
  client.quote(from, to, weightKg, callback);
}

/**
 * The whole label as one Buffer: callback(err, label). Keep its signature.
 *
 * TODO(step 3): make it a thin util.callbackify shim over promises.downloadLabel.
 */
export function downloadLabel(client: ParcelClient, id: string, callback: (err: any, label?: Buffer) => void): void {
  var chunks: Buffer[] = [];
  var stream = client.label(id);
  stream.on('data', function (chunk: Buffer) {
    chunks.push(chunk);
  });
  stream.on('error', function (err: string) {
    callback(err);
  });
  stream.on('end', function () {
    callback(null, Buffer.concat(chunks));
  });
}

/** The SDK reports errors as strings: give callers an Error that names the call, the string as its cause. */
function sdkError(call: string, reported: unknown): Error {
  return new Error(`${call} failed: ${String(reported)}`, { cause: reported });
}

/** The promise API new code wants. */
export const promises = {
  /** Resolves with the parcel's status. */
  track(client: ParcelClient, id: string): Promise<ParcelStatus> {
    if (!id) return Promise.reject(new TypeError('track: a parcel id is required'));
    // Result first, so util.promisify cannot read it. A promise settles once and never
    // synchronously, so the SDK's cache hit (a synchronous callback) is tamed here too.
    return new Promise((resolve, reject) => {
      client.track(id, (status, err) => {
        if (err) reject(sdkError(`track ${id}`, err));
        else resolve(status!);
      });
    });
  },
  /** Resolves with { priceCents, currency, etaDays }. */
  quote(client: ParcelClient, from: string, to: string, weightKg: number): Promise<Quote> {
    // Three success values: util.promisify would keep only the first.
    return new Promise((resolve, reject) => {
      client.quote(from, to, weightKg, (err, priceCents, currency, etaDays) => {
        if (err) reject(sdkError(`quote ${from} to ${to}`, err));
        else resolve({ priceCents: priceCents!, currency: currency!, etaDays: etaDays! });
      });
    });
  },
  /** Resolves with the whole label as one Buffer; rejects when the download fails. */
  async downloadLabel(client: ParcelClient, id: string): Promise<Buffer> {
    const stream = client.label(id);
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    try {
      // Rejects on 'error', which the SDK emits before its 'end': a failed label never resolves.
      await once(stream, 'end');
    } catch (err) {
      throw sdkError(`downloadLabel ${id}`, err);
    }
    return Buffer.concat(chunks);
  },
};
