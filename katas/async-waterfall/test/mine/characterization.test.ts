// Your own tests. Step 1 of the README: before changing src/, pin what the legacy code does
// today, so the refactoring cannot change it by accident. Run `npm test` and read the coverage
// table: every line and branch it lists as uncovered is behaviour no test pins yet.
// These tests count toward the coverage gate. Keep the ones that still hold after the refactor.
import { expect } from 'chai';

import { callLegacy, useTempDir } from '../../../../src/harness';
import { importFeed } from '../../src/feed-import';

describe('my tests: feed-import as it is today', () => {
  const tmp = useTempDir('feed-import-mine-');

  it('a feed with no items gives an empty report', async () => {
    await tmp.write({
      'manifest.json': JSON.stringify({ supplier: 'acme', currency: 'USD', items: [] }),
      'rates.json': JSON.stringify({ USD: 0.9 }),
    });
    const report = await callLegacy('importFeed(empty feed)', (cb) => importFeed(tmp.path, cb));
    expect(report).to.deep.equal({ supplier: 'acme', lines: [], total: 0 });
  });

  // TODO(step 1): pin more of the legacy behaviour here, until the coverage table shows every
  // branch of src/feed-import.ts that the kata's own tests do not reach.
});
