/**
 * The dojo's timebox and rotation, driven by sinon's fake clock: no test waits for real minutes.
 */
import { expect } from 'chai';

import { clockText, startTimebox } from '../../src/dojo/timebox';
import { useFakeTime } from '../../src/harness/fake-time';

describe('dojo timebox', () => {
  const time = useFakeTime();

  it('prompts a rotation every N minutes and ends at the timebox, then stops', async () => {
    const rotations: Array<[number, number]> = [];
    let ended = 0;
    const box = startTimebox({ minutes: 45, rotateEvery: 7, onRotate: (n) => rotations.push([n, time.now()]), onEnd: () => (ended += 1) });
    expect(box.remainingMs()).to.equal(45 * 60_000);
    await time.tickAsync(7 * 60_000 - 1);
    expect(rotations).to.deep.equal([]);
    await time.tickAsync(1);
    expect(rotations).to.deep.equal([[1, 7 * 60_000]]);
    await time.tickAsync(38 * 60_000);
    expect(rotations.map(([n]) => n)).to.deep.equal([1, 2, 3, 4, 5, 6]);
    expect(ended).to.equal(1);
    expect(box.remainingMs()).to.equal(0);
    await time.tickAsync(60 * 60_000);
    expect(rotations).to.have.length(6);
    expect(ended).to.equal(1);
  });

  it('no rotation when asked for none; stop() ends the clock early and leaves no timer', async () => {
    let rotated = 0;
    let ended = 0;
    const box = startTimebox({ minutes: 10, rotateEvery: 0, onRotate: () => (rotated += 1), onEnd: () => (ended += 1) });
    await time.tickAsync(5 * 60_000);
    box.stop();
    await time.tickAsync(10 * 60_000);
    expect([rotated, ended]).to.deep.equal([0, 0]);
  });

  it('shows time left as minutes and seconds', () => {
    expect(clockText(45 * 60_000)).to.equal('45:00');
    expect(clockText(61_001)).to.equal('1:02');
    expect(clockText(0)).to.equal('0:00');
  });
});
