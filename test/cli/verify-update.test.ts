/**
 * `kata verify --update`: the starter's failing tests are written into kata.json from a real run,
 * never typed by hand, and a list that disagrees with the run says how to regenerate it.
 */
import { expect } from 'chai';
import * as fs from 'node:fs';

import { KATA, keepOneWrong, makeSandbox, type Sandbox } from './sandbox';

describe('kata verify --update: generated test lists', function () {
  this.timeout(300_000);
  let box: Sandbox;
  before(() => {
    box = makeSandbox();
    // --update also runs the wrong refactorings, to suggest tests for their caughtBy: one will do.
    keepOneWrong(box, KATA);
  });
  after(() => box.remove());

  it('an outdated starterFailures is named with the command that fixes it; --update writes it back from a run', async () => {
    const metaFile = box.file(KATA, 'kata.json');
    const original = JSON.parse(fs.readFileSync(metaFile, 'utf8'));
    const dropped = original.starterFailures[0] as string;
    fs.writeFileSync(metaFile, JSON.stringify({ ...original, starterFailures: original.starterFailures.slice(1) }, null, 2));

    const stale = await box.kata(['verify', KATA, '--only', 'starter']);
    expect(stale.code).to.equal(1);
    expect(stale.stdout).to.include(`"${dropped}" fails on the starter but is not in starterFailures`);
    expect(stale.stdout).to.include(`starterFailures is outdated: \`npx kata verify ${KATA} --update\` writes the list from a real run of the starter`);

    const updated = await box.kata(['verify', KATA, '--update', '--only', 'starter']);
    expect(updated.stdout).to.include(`${KATA}: starterFailures written from a run of the starter (1 added, 0 removed).`).and.include(`    + ${dropped}`);
    expect(updated.code, updated.stdout).to.equal(0);
    const written = JSON.parse(fs.readFileSync(metaFile, 'utf8'));
    expect([...written.starterFailures].sort()).to.deep.equal([...original.starterFailures].sort());
    expect({ ...written, starterFailures: [] }).to.deep.equal({ ...original, starterFailures: [] });
  });
});
