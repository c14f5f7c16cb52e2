// The answer to step 1: the characterization tests a learner writes for legacy behaviour that
// the kata's own tests leave unpinned (the coverage table points at it). The verifier runs them
// with the reference solution, so the reference must keep this behaviour too.
import { expect } from 'chai';
import * as fs from 'node:fs/promises';

import { callLegacy, fsFaults, useTempDir } from '../../../../src/harness';
import { saveDocument } from '../../src/safe-save';

describe('pinned: documents that are not text', () => {
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
});
