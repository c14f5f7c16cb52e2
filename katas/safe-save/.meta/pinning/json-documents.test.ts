// The answer to step 1: the characterization tests a learner writes for legacy behaviour that
// the kata's own tests leave unpinned (the coverage table points at it). The verifier runs them
// with the reference solution, so the reference must keep this behaviour too.
import { expect } from 'chai';
import * as fs from 'node:fs/promises';
import fsPromises = require('node:fs/promises');

import { callLegacy, fsFaults, useTempDir } from '../../../../src/harness';
import { saveDocument } from '../../src/safe-save';

describe('pinned: what the legacy code does that the kata\'s tests leave open', () => {
  const tmp = useTempDir();
  const read = () => fsFaults.untracked(() => fs.readFile(tmp.file('doc.json'), 'utf8'));
  const save = (content: Parameters<typeof saveDocument>[1]) => callLegacy('saveDocument(doc.json)', (cb) => saveDocument(tmp.file('doc.json'), content, cb));

  it('an object is saved as JSON, indented by two spaces, with a final newline', async () => {
    await save({ title: 'Plan', tags: ['a', 'b'] });
    expect(await read()).to.equal('{\n  "title": "Plan",\n  "tags": [\n    "a",\n    "b"\n  ]\n}\n');
  });

  it('an array is saved as JSON too', async () => {
    await save([1, { two: 2 }]);
    expect(await read()).to.equal('[\n  1,\n  {\n    "two": 2\n  }\n]\n');
  });

  it('a save into a folder that does not exist fails with ENOENT, and creates nothing', async () => {
    const err = await callLegacy('saveDocument(missing/doc.json)', (cb) => saveDocument(tmp.file('missing', 'doc.json'), 'x', cb)).then(
      () => undefined,
      (e: NodeJS.ErrnoException) => e,
    );
    expect(err).to.have.property('code', 'ENOENT');
    expect(await fsFaults.untracked(() => fs.readdir(tmp.path))).to.deep.equal([]);
  });

  it('a temp file that cannot be closed fails the save with the close\'s error', async () => {
    // No ordinary file fails to close: fail it. The legacy code closes with fs.close (fsFaults);
    // a FileHandle closes with its own close(), reached through the handles open() returns.
    fsFaults.inject({ call: 'close', code: 'EIO' });
    const promisesApi = fsPromises as unknown as { open: typeof fsPromises.open };
    const realOpen = promisesApi.open;
    let handleCloseFailed = false;
    promisesApi.open = (async (...args: Parameters<typeof fsPromises.open>) => {
      const handle = await realOpen(...args);
      const realClose = handle.close.bind(handle);
      handle.close = async () => {
        await realClose();
        handleCloseFailed = true;
        throw Object.assign(new Error('EIO: injected by the test, close'), { code: 'EIO' });
      };
      return handle;
    }) as typeof fsPromises.open;
    try {
      const err = await save('x').then(
        () => undefined,
        (e: NodeJS.ErrnoException) => e,
      );
      const closeFailed = handleCloseFailed || fsFaults.calls().some((c) => c.call === 'close' && c.failed);
      // A save that closes nothing itself (writeFile with { flush: true } closes inside) has no close to fail.
      if (closeFailed) expect(err).to.have.property('code', 'EIO');
      else expect(err).to.equal(undefined);
    } finally {
      promisesApi.open = realOpen;
    }
  });
});
