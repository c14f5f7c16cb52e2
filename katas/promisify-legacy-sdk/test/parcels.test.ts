// The kata's tests. Do not change this file: make them pass by changing src/. Your own tests go in test/mine/.
import { expect } from 'chai';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as util from 'node:util';

import { callLegacy, callPromise, describeValue, expectCallerErrorEscapes, KataAssertionError, outcome, whenQuiet } from '../../../src/harness';
import { downloadLabel, ParcelClient, promises, quote, type Quote, track } from '../src/parcels';

/** sha256 of src/vendor/parcel-sdk.js as it was vendored. */
const VENDORED_SDK_SHA256 = '89715f568736c140ca795570a232791ef904cdc6a5fda4a8e805b61f0ca92903';

const sandbox = () => ({
  parcels: { P1: 'IN_TRANSIT' as const, P2: 'DELIVERED' as const },
  rates: { 'LON-PAR': { perKg: 450, currency: 'EUR', etaDays: 2 } },
  labels: { P1: ['%PDF-', 'label P1', '%%EOF'], P3: ['%PDF-', 'half a lab'] },
  failures: { P3: 'PRINTER_JAM: label P3 cut short' },
});
const client = () => new ParcelClient({ sandbox: sandbox() });

/** Fails with a message naming the mistake unless `err` is an Error naming `words`, whose cause is exactly the SDK's string. */
function expectSdkError(label: string, err: unknown, words: string[], reported: string): void {
  if (typeof err === 'string') {
    throw new KataAssertionError(`${label} gave the SDK's error string as it is (${JSON.stringify(err)}): wrap it in an Error (new Error(message, { cause: theString })) so callers get a stack, a message and instanceof Error.`);
  }
  if (!(err instanceof Error)) throw new KataAssertionError(`${label} should fail with an Error, but failed with ${describeValue(err)}.`);
  for (const word of words) expect(err.message, `${label}: the error message should name ${word}`).to.include(word);
  if (err.cause !== reported) {
    throw new KataAssertionError(`${label}: the Error's cause should be the SDK's own error string ${JSON.stringify(reported)}, but it is ${describeValue(err.cause)}: pass it as { cause } so nothing the SDK said is lost.`);
  }
}

/** Calls quote's callback API and resolves with the arguments of its one call, failing on Zalgo or a second call. */
async function callQuote(label: string, start: (cb: (...args: unknown[]) => void) => void): Promise<unknown[]> {
  const calls: unknown[][] = [];
  let returned = false;
  let sync = false;
  start((...args) => {
    calls.push(args);
    if (!returned) sync = true;
  });
  returned = true;
  await whenQuiet();
  if (calls.length !== 1) throw new KataAssertionError(`${label} called its callback ${calls.length} times: it must call it exactly once.`);
  if (sync) throw new KataAssertionError(`${label} called its callback synchronously, before it returned (Zalgo): always call back asynchronously.`);
  return calls[0]!;
}

describe('parcels', () => {
  describe('safety net: the callback API old callers use', () => {
    it('the vendored SDK is unchanged', () => {
      const file = require.resolve('../src/vendor/parcel-sdk');
      const hash = createHash('sha256').update(fs.readFileSync(file)).digest('hex');
      if (hash !== VENDORED_SDK_SHA256) {
        throw new KataAssertionError(`${file} was edited: it is vendored third-party code. Wrap the SDK in src/parcels.ts instead of changing it (git diff shows what changed).`);
      }
    });

    it('track calls back with the status of a parcel', async () => {
      expect(await callLegacy('track(P1)', (cb) => track(client(), 'P1', cb))).to.equal('IN_TRANSIT');
    });

    it('quote calls back with the price in cents, the currency and the days on the way, as three values', async () => {
      const args = await callQuote('quote(LON, PAR, 2)', (cb) => quote(client(), 'LON', 'PAR', 2, cb));
      expect(args.slice(0, 4), 'old callers read callback(err, priceCents, currency, etaDays)').to.deep.equal([null, 900, 'EUR', 2]);
    });

    it('quote calls back with an error for a route the SDK does not serve', async () => {
      const [err] = await callQuote('quote(LON, NYC, 1)', (cb) => quote(client(), 'LON', 'NYC', 1, cb));
      expect(String(err)).to.include('NO_ROUTE: LON to NYC');
    });

    it('downloadLabel calls back with the whole label as one Buffer', async () => {
      const label = await callLegacy<Buffer>('downloadLabel(P1)', (cb) => downloadLabel(client(), 'P1', cb));
      expect(Buffer.isBuffer(label), 'the label should be a Buffer').to.equal(true);
      expect(label.toString()).to.equal('%PDF-label P1%%EOF');
    });

    it('downloadLabel of a parcel with no label chunks calls back with an empty Buffer', async () => {
      const label = await callLegacy<Buffer>('downloadLabel(P2)', (cb) => downloadLabel(client(), 'P2', cb));
      expect(Buffer.isBuffer(label) && label.length === 0, `expected an empty Buffer, got ${describeValue(label)}`).to.equal(true);
    });

    it('an exception thrown by the caller\'s callback escapes, and is not fed back into it: track', async () => {
      await expectCallerErrorEscapes('track', (cb) => track(client(), 'P1', cb));
    });

    it('an exception thrown by the caller\'s callback escapes, and is not fed back into it: quote', async () => {
      await expectCallerErrorEscapes('quote', (cb) => quote(client(), 'LON', 'PAR', 1, cb));
    });

    it('an exception thrown by the caller\'s callback escapes, and is not fed back into it: downloadLabel', async () => {
      await expectCallerErrorEscapes('downloadLabel', (cb) => downloadLabel(client(), 'P1', cb));
    });
  });

  describe('promise API: promises', () => {
    it('track resolves with the status of a parcel', async () => {
      expect(await callPromise('promises.track(P1)', () => promises.track(client(), 'P1'))).to.equal('IN_TRANSIT');
    });

    it('track of a cached status still returns a promise, settled after the caller\'s own code has run', async () => {
      const c = client();
      await callPromise('promises.track(P2)', () => promises.track(c, 'P2'));
      const sent = c.requests;
      const order: string[] = [];
      const pending = callPromise('promises.track(P2) again (cached by the SDK)', () => promises.track(c, 'P2')).then((s) => order.push(`status ${s}`));
      order.push('caller went on');
      await pending;
      expect(c.requests, 'the second track should be answered from the SDK\'s cache, not sent again').to.equal(sent);
      expect(order).to.deep.equal(['caller went on', 'status DELIVERED']);
    });

    it('track rejects with an Error naming the call and the parcel, whose cause is the SDK\'s error string', async () => {
      const result = await outcome(callPromise('promises.track(P9)', () => promises.track(client(), 'P9')));
      if (result.ok) throw new KataAssertionError(`promises.track(P9) resolved with ${describeValue(result.value)}: there is no parcel P9, it should reject.`);
      expectSdkError('promises.track(P9)', result.error, ['track', 'P9'], 'NOT_FOUND: no parcel P9');
    });

    it('quote resolves with { priceCents, currency, etaDays }', async () => {
      const q = await callPromise('promises.quote(LON, PAR, 3)', () => promises.quote(client(), 'LON', 'PAR', 3));
      expect(q, 'util.promisify keeps only the first success value: the SDK gives three').to.deep.equal({ priceCents: 1350, currency: 'EUR', etaDays: 2 });
    });

    it('quote rejects with an Error naming the route, whose cause is the SDK\'s error string', async () => {
      const result = await outcome(callPromise('promises.quote(LON, NYC, 1)', () => promises.quote(client(), 'LON', 'NYC', 1)));
      if (result.ok) throw new KataAssertionError(`promises.quote(LON, NYC) resolved with ${describeValue(result.value)}: the SDK has no such route, it should reject.`);
      expectSdkError('promises.quote(LON, NYC, 1)', result.error, ['quote', 'LON', 'NYC'], 'NO_ROUTE: LON to NYC');
    });

    it('downloadLabel resolves with the whole label as one Buffer', async () => {
      const label = await callPromise('promises.downloadLabel(P1)', () => promises.downloadLabel(client(), 'P1'));
      expect(Buffer.isBuffer(label), 'the label should be a Buffer').to.equal(true);
      expect(label.toString()).to.equal('%PDF-label P1%%EOF');
    });

    it('downloadLabel rejects when the SDK emits \'error\' (then \'end\'): an Error whose cause is the SDK\'s string, never the partial label', async () => {
      const result = await outcome(callPromise('promises.downloadLabel(P3)', () => promises.downloadLabel(client(), 'P3')));
      if (result.ok) throw new KataAssertionError(`promises.downloadLabel(P3) resolved with ${describeValue(String(result.value))}: the SDK emitted 'error' before its 'end', so the label is cut short. It should reject.`);
      expectSdkError('promises.downloadLabel(P3)', result.error, ['downloadLabel', 'P3'], 'PRINTER_JAM: label P3 cut short');
      await whenQuiet();
    });
  });

  describe('defects: what the legacy version gets wrong', () => {
    it('track calls back asynchronously even when the SDK has the status cached (no Zalgo)', async () => {
      const c = client();
      await callLegacy('track(P1)', (cb) => track(c, 'P1', cb));
      expect(await callLegacy('track(P1) again (cached by the SDK)', (cb) => track(c, 'P1', cb))).to.equal('IN_TRANSIT');
    });

    it('track of an unknown parcel calls back once, with an error naming it', async () => {
      const result = await outcome(callLegacy('track(P9)', (cb) => track(client(), 'P9', cb)));
      if (!result.ok && result.error instanceof KataAssertionError) throw result.error;
      expect(result.ok, 'track(P9) should fail: there is no parcel P9').to.equal(false);
      expect(String(result.ok ? '' : result.error)).to.include('NOT_FOUND: no parcel P9');
    });

    it('track calls back with an Error whose cause is the SDK\'s error string', async () => {
      const result = await outcome(callLegacy('track(P9)', (cb) => track(client(), 'P9', cb)));
      if (!result.ok && result.error instanceof KataAssertionError) throw result.error;
      expectSdkError('track(P9)', result.ok ? undefined : result.error, ['track', 'P9'], 'NOT_FOUND: no parcel P9');
    });

    it('quote calls back with an Error whose cause is the SDK\'s error string', async () => {
      const [err] = await callQuote('quote(LON, NYC, 1)', (cb) => quote(client(), 'LON', 'NYC', 1, cb));
      expectSdkError('quote(LON, NYC, 1)', err, ['quote', 'LON', 'NYC'], 'NO_ROUTE: LON to NYC');
    });

    it('util.promisify(quote) resolves with { priceCents, currency, etaDays } (util.promisify.custom)', async () => {
      const promised = util.promisify(quote) as unknown as (...args: unknown[]) => Promise<Quote>;
      const q = await callPromise('util.promisify(quote)(LON, PAR, 1)', () => promised(client(), 'LON', 'PAR', 1));
      if (typeof q !== 'object' || q === null) {
        throw new KataAssertionError(`util.promisify(quote) resolved with ${describeValue(q)}: a callback with several success values loses all but the first. Give quote a [util.promisify.custom] that returns promises.quote's promise.`);
      }
      expect(q).to.deep.equal({ priceCents: 450, currency: 'EUR', etaDays: 2 });
    });

    it('a label download that fails calls back once, with an Error whose cause is the SDK\'s string', async () => {
      const result = await outcome(callLegacy('downloadLabel(P3)', (cb) => downloadLabel(client(), 'P3', cb)));
      if (!result.ok && result.error instanceof KataAssertionError) throw result.error;
      expectSdkError('downloadLabel(P3)', result.ok ? undefined : result.error, ['downloadLabel', 'P3'], 'PRINTER_JAM: label P3 cut short');
    });
  });
});
