// Your own tests: pin what the legacy code does before you change it (step 1 of the README).
import { expect } from 'chai';

import { callLegacy } from '../../../../src/harness';
import { ParcelClient, track } from '../../src/parcels';

describe('parcels safety net: the callback API old callers use (mine)', () => {
  it('track calls back with the status of a delivered parcel', async () => {
    const client = new ParcelClient({ sandbox: { parcels: { P2: 'DELIVERED' } } });
    expect(await callLegacy('track(P2)', (cb) => track(client, 'P2', cb))).to.equal('DELIVERED');
  });
});
