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

/**
 * The promise API new code wants. Each one always settles asynchronously and exactly once, and
 * rejects with an Error whose message names the call and the parcel and whose cause is the
 * SDK's own error.
 *
 * TODO(step 2): write them. Use `new Promise` only where nothing else fits (a result-first
 * callback, several values); `events.once` waits for an event.
 */
export const promises = {
  /** Resolves with the parcel's status. */
  track(client: ParcelClient, id: string): Promise<ParcelStatus> {
    return Promise.reject(new Error(`promises.track is not written yet (step 2 of the README): it should resolve with the status of parcel ${id}`));
  },
  /** Resolves with { priceCents, currency, etaDays }. */
  quote(client: ParcelClient, from: string, to: string, weightKg: number): Promise<Quote> {
    return Promise.reject(new Error(`promises.quote is not written yet (step 2 of the README): it should resolve with { priceCents, currency, etaDays } for ${from} to ${to}`));
  },
  /** Resolves with the whole label as one Buffer; rejects when the download fails. */
  downloadLabel(client: ParcelClient, id: string): Promise<Buffer> {
    return Promise.reject(new Error(`promises.downloadLabel is not written yet (step 2 of the README): it should resolve with the label of parcel ${id}`));
  },
};
