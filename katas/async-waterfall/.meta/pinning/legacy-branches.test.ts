// The answer to step 1: the characterization tests a learner writes for legacy behaviour that
// the kata's own tests leave unpinned (the coverage table points at it). The verifier runs them
// with the reference solution, so the reference must keep this behaviour too.
import { expect } from 'chai';
import * as fs from 'node:fs';

import { callLegacy, fsFaults, outcome, useTempDir } from '../../../../src/harness';
import { importFeed } from '../../src/feed-import';

describe('pinned: feed-import errors the kata\'s tests do not reach', () => {
  const tmp = useTempDir('feed-import-pin-');
  const run = () => outcome(callLegacy('importFeed(dir, cb)', (cb) => importFeed(tmp.path, cb)));

  beforeEach(async () => {
    await tmp.write({
      'manifest.json': JSON.stringify({ supplier: 'acme', currency: 'CHF', items: ['a.json'] }),
      'rates.json': JSON.stringify({ USD: 0.9 }),
      items: { 'a.json': JSON.stringify({ sku: 'A', name: 'a', price: 100 }) },
    });
  });

  it('a currency rates.json has no rate for is an error naming it, and no item is read', async () => {
    const result = await run();
    expect(result.ok).to.equal(false);
    expect(result.ok ? undefined : (result.error as Error).message).to.equal('rates.json has no rate for CHF');
    expect(fsFaults.calls().filter((c) => c.path.includes('items'))).to.deep.equal([]);
  });

  it('a report that cannot be written is an error, and nothing is renamed', async () => {
    fs.writeFileSync(tmp.file('rates.json'), JSON.stringify({ CHF: 1.05 }));
    fsFaults.inject({ call: 'writeFile', path: 'report.json.tmp', code: 'ENOSPC' });
    const result = await run();
    expect(result.ok ? undefined : result.error).to.have.property('code', 'ENOSPC');
    expect(fsFaults.calls().filter((c) => c.call === 'rename')).to.deep.equal([]);
    expect(fs.existsSync(tmp.file('report.json'))).to.equal(false);
  });

  it('a concurrency of 0 is taken as no option: DEFAULT_CONCURRENCY', async () => {
    fs.writeFileSync(tmp.file('rates.json'), JSON.stringify({ CHF: 2 }));
    const report = await callLegacy('importFeed(dir, { concurrency: 0 }, cb)', (cb) => importFeed(tmp.path, { concurrency: 0 }, cb));
    expect(report).to.deep.equal({ supplier: 'acme', lines: [{ sku: 'A', name: 'a', price: 200 }], total: 200 });
  });
});
