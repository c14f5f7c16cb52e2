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
 */
import { once } from 'node:events';
import * as util from 'node:util';

import { ParcelClient, type ParcelStatus } from './vendor/parcel-sdk';

export { ParcelClient, type ParcelStatus };

export type Quote = { priceCents: number; currency: string; etaDays: number };

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

/** The callback API old callers use: callback(err, status). */
export const track = util.callbackify(promises.track);

/** The whole label as one Buffer: callback(err, label). */
export const downloadLabel = util.callbackify(promises.downloadLabel);

const quoteCallback = util.callbackify(promises.quote);

/**
 * callback(err, priceCents, currency, etaDays), as old callers expect; util.promisify(quote)
 * resolves with a Quote, through util.promisify.custom.
 */
export const quote = Object.assign(
  (client: ParcelClient, from: string, to: string, weightKg: number, callback: (err: Error | null, priceCents?: number, currency?: string, etaDays?: number) => void): void => {
    quoteCallback(client, from, to, weightKg, (err, q) => (err ? callback(err) : callback(null, q.priceCents, q.currency, q.etaDays)));
  },
  { [util.promisify.custom]: promises.quote },
);
