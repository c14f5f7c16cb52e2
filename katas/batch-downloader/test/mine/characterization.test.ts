// Your own tests. Step 1 of the README: before changing src/, pin what the legacy code does
// today, so the refactoring cannot change it by accident. Run `npm test` and read the coverage
// table: every line and branch it lists as uncovered is behaviour no test pins yet.
// These tests count toward the coverage gate. Keep the ones that still hold after the refactor.
import { expect } from 'chai';

import { drive, startDownload, summary, useStore } from '../support/store';

describe('my tests: batch-downloader as it is today', () => {
  const store = useStore();

  it('a list of one URL gives one result', async () => {
    const urls = store.serve({ 'one.txt': 'just one' });
    const run = startDownload('callback', urls, { concurrency: 1 });
    const settled = await drive(run, store.gate);
    if (!settled.ok) throw settled.error;
    expect(summary(settled.value)).to.deep.equal([{ url: urls[0], ok: true, body: 'just one' }]);
  });

  // TODO(step 1): pin more of the legacy behaviour here, until the coverage table shows every
  // line of src/batch-downloader.ts that the kata's own tests do not reach.
});
