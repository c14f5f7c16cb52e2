// The answer to step 1: characterization tests for legacy behaviour the kata's own tests leave
// unpinned (the coverage table points at it). The verifier runs them with the reference too.
import { expect } from 'chai';

import { callLegacy } from '../../../../src/harness';
import { ParcelClient, track } from '../../src/parcels';

describe('parcels safety net: the callback API old callers use (pinned)', () => {
  it('track of a parcel in a fresh client calls back with its status', async () => {
    const client = new ParcelClient({ sandbox: { parcels: { P7: 'LABEL_CREATED' } } });
    expect(await callLegacy('track(P7)', (cb) => track(client, 'P7', cb))).to.equal('LABEL_CREATED');
  });
});

describe('parcels safety net: the callback API old callers use (pinned: bad input)', () => {
  it('track without a parcel id calls back a TypeError that says so, and asks the SDK nothing', async () => {
    const client = new ParcelClient({ sandbox: {} });
    const result = await callLegacy('track("")', (cb) => track(client, '', cb)).then(() => undefined, (err: unknown) => err);
    expect(result).to.be.instanceOf(TypeError);
    expect((result as Error).message, 'the message old callers log').to.equal('track: a parcel id is required');
    expect(client.requests).to.equal(0);
  });
});
