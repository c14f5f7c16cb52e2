// The answer to step 1: the characterization tests a learner writes for legacy behaviour that
// the kata's own tests leave unpinned (the coverage table points at it). The verifier runs them
// with the reference solution, so the reference must keep this behaviour too.
import { expect } from 'chai';

import { callLegacy, useTempDir } from '../../../../src/harness';
import { diskUsage } from '../../src/disk-usage';

describe('pinned: the edges of the folder given', () => {
  const tmp = useTempDir();

  it('an empty folder gives an empty list', async () => {
    const usage = await callLegacy('diskUsage(empty folder)', (cb) => diskUsage(tmp.path, cb));
    expect(usage).to.deep.equal([]);
  });

  it('a path that is a file, not a folder, is an error (ENOTDIR)', async () => {
    await tmp.write({ 'notes.txt': 'hello' });
    const err = await callLegacy('diskUsage(notes.txt)', (cb) => diskUsage(tmp.file('notes.txt'), cb)).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).to.have.property('code', 'ENOTDIR');
  });

  it('an entry that is neither a file, a folder nor a link (a named pipe) counts its own size', async () => {
    const { execFileSync } = await import('node:child_process');
    execFileSync('mkfifo', [tmp.file('events.pipe')]);
    await tmp.write({ 'a.log': 'abc' });
    const usage = await callLegacy('diskUsage(folder with a pipe)', (cb) => diskUsage(tmp.path, cb));
    expect(usage).to.deep.equal([
      { name: 'a.log', size: 3 },
      { name: 'events.pipe', size: 0 },
    ]);
  });
});
