// Your own tests. Step 1 of the README: before changing src/, pin what the legacy code does
// today, so the refactoring cannot change it by accident. Run `npm test` and read the coverage
// table: every line and branch it lists as uncovered is behaviour no test pins yet.
// These tests count toward the coverage gate. Keep the ones that still hold after the refactor.
import { expect } from 'chai';

import { callLegacy, useTempDir } from '../../../../src/harness';
import { diskUsage } from '../../src/disk-usage';

describe('my tests: disk-usage as it is today', () => {
  const tmp = useTempDir();

  it('a name with spaces and accents is listed as it is', async () => {
    await tmp.write({ 'résumé final.pdf': 'x'.repeat(12) });
    const usage = await callLegacy('diskUsage(folder)', (cb) => diskUsage(tmp.path, cb));
    expect(usage).to.deep.equal([{ name: 'résumé final.pdf', size: 12 }]);
  });

  // TODO(step 1): pin more of the legacy behaviour here, until the coverage table shows every
  // branch of src/disk-usage.ts that the kata's own tests do not reach.
});
