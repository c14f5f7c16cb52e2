/**
 * fsFaults.hold: the test decides the order in which file-system calls complete, whatever API the
 * code uses, and detectors do not mistake a held completion for code that stalled or finished.
 */
import { expect } from 'chai';
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import { setImmediate as nextTurn } from 'node:timers/promises';
import * as util from 'node:util';

import { callLegacy, KataAssertionError } from '../../src/harness/callbacks';
import { fsFaults } from '../../src/harness/fs-faults';
import { requestsInFlight } from '../../src/harness/resources';
import { useTempDir } from '../../src/harness/temp-dir';

describe('harness: fsFaults.hold controls the order fs calls complete in', () => {
  const temp = useTempDir();
  const file = (name: string) => temp.file(name);
  beforeEach(() => temp.write({ 'a.txt': 'A', 'b.txt': 'B', 'c.txt': 'C' }));

  const readers: Array<[string, (f: string) => Promise<string>]> = [
    ['fs.readFile (callback)', (f) => new Promise((resolve, reject) => fs.readFile(f, 'utf8', (err, text) => (err ? reject(err) : resolve(text))))],
    ['fs/promises readFile', (f) => fsp.readFile(f, 'utf8')],
    ['util.promisify(fs.readFile)', (f) => util.promisify(fs.readFile)(f, 'utf8')],
  ];

  for (const [api, read] of readers) {
    it(`${api}: completions arrive in the order the test releases them`, async () => {
      const gate = fsFaults.hold({ call: 'readFile', path: /\.txt$/ });
      const order: string[] = [];
      const reads = ['a.txt', 'b.txt', 'c.txt'].map((name) => read(file(name)).then((text) => order.push(text)));
      await gate.waitForHeld(3);
      // In the order the reads were called, whichever the thread pool finished first.
      expect(gate.held.map((h) => h.path.slice(-5))).to.deep.equal(['a.txt', 'b.txt', 'c.txt']);
      gate.release('c.txt');
      await nextTurn();
      expect(order).to.deep.equal(['C']);
      gate.releaseAll('reverse');
      await Promise.all(reads);
      expect(order).to.deep.equal(['C', 'B', 'A']);
      expect(gate.arrived).to.equal(3);
    });
  }

  it('a completion that finishes before an earlier call\'s is still held behind it: the order is the calls\', not the thread pool\'s', () => {
    // The thread pool decides which of two reads finishes first; here the later call's completion
    // reaches the gate first, as it sometimes does on a loaded machine.
    const gate = fsFaults.hold({ call: 'stat' });
    const delivered: string[] = [];
    gate.hold(2, 'stat', 'second', false, () => delivered.push('second'));
    gate.hold(1, 'stat', 'first', false, () => delivered.push('first'));
    gate.hold(3, 'stat', 'third', false, () => delivered.push('third'));
    expect(gate.held.map((h) => h.path)).to.deep.equal(['first', 'second', 'third']);
    gate.release();
    expect(delivered).to.deep.equal(['first']);
    gate.releaseAll('reverse');
    expect(delivered).to.deep.equal(['first', 'third', 'second']);
  });

  it('an error completion is held too, and delivered as the same error', async () => {
    const gate = fsFaults.hold({ call: 'readFile' });
    const reading = fsp.readFile(file('missing.txt'));
    await gate.waitForHeld(1);
    expect(gate.held[0]?.failed).to.equal(true);
    gate.release();
    const err = await reading.then(() => undefined, (e: NodeJS.ErrnoException) => e);
    expect(err?.code).to.equal('ENOENT');
  });

  it('waitForHeld fails with a learner\'s message when the reads are made one after another', async () => {
    const gate = fsFaults.hold({ call: 'readFile' });
    const sequential = (async () => {
      for (const name of ['a.txt', 'b.txt']) await fsp.readFile(file(name));
    })();
    const err = await gate.waitForHeld(2, 'readBoth()').then(() => undefined, (e: unknown) => e);
    expect(err).to.be.instanceOf(KataAssertionError);
    expect((err as Error).message).to.match(/^readBoth\(\) had only 1 of the 2 readFile calls under way together/);
    fsFaults.reset(); // opens the gate: the second read, not started yet, will not be held
    await sequential;
  });

  it('waitForHeldUnless stops as soon as the call under test has settled, and says which came first', async () => {
    const gate = fsFaults.hold({ call: 'readFile' });
    const failedAtOnce = Promise.reject(new Error('not written yet'));
    failedAtOnce.catch(() => undefined);
    let answer: boolean | undefined;
    void gate.waitForHeldUnless(2, failedAtOnce, 'readBoth()').then((held) => (answer = held));
    // A stall verdict takes 20 idle turns (and the floor): an answer within 3 turns is not one.
    for (let turn = 0; turn < 3 && answer === undefined; turn++) await nextTurn();
    expect(answer, 'answered within 3 turns that the call settled before 2 reads were held').to.equal(false);
    // The same, told by a function that says whether the call has settled.
    answer = undefined;
    void gate.waitForHeldUnless(2, () => true, 'readBoth()').then((held) => (answer = held));
    for (let turn = 0; turn < 3 && answer === undefined; turn++) await nextTurn();
    expect(answer, 'a function saying the call has settled: answered within 3 turns').to.equal(false);
    const reads = ['a.txt', 'b.txt'].map((name) => fsp.readFile(file(name), 'utf8'));
    expect(await gate.waitForHeldUnless(2, Promise.all(reads), 'readBoth()')).to.equal(true);
    gate.releaseAll();
    expect(await Promise.all(reads)).to.deep.equal(['A', 'B']);
  });

  it('waitForHeldUnless still fails with the learner\'s message when the call neither settles nor holds enough', async () => {
    const gate = fsFaults.hold({ call: 'readFile' });
    const sequential = (async () => {
      for (const name of ['a.txt', 'b.txt']) await fsp.readFile(file(name));
    })();
    const err = await gate.waitForHeldUnless(2, sequential, 'readBoth()').then(() => undefined, (e: unknown) => e);
    expect((err as Error).message).to.match(/^readBoth\(\) had only 1 of the 2 readFile calls under way together/);
    fsFaults.reset();
    await sequential;
  });

  it('a held completion counts as work in flight: a callback detector does not call it "never called"', async () => {
    const gate = fsFaults.hold({ call: 'stat' });
    const stat = callLegacy<fs.Stats>('fs.stat(a.txt)', (cb) => fs.stat(file('a.txt'), cb));
    await gate.waitForHeld(1);
    for (let i = 0; i < 50; i++) await nextTurn(); // far more idle turns than quiet detection needs
    expect(requestsInFlight().get('HeldCompletion')).to.equal(1);
    gate.release();
    expect((await stat).isFile()).to.equal(true);
    expect(requestsInFlight().has('HeldCompletion')).to.equal(false);
  });

  it('synchronous calls are never held, and calls the rule does not match pass straight through', async () => {
    const gate = fsFaults.hold({ call: 'readFile', path: 'a.txt' });
    expect(fs.readFileSync(file('a.txt'), 'utf8')).to.equal('A');
    expect(await fsp.readFile(file('b.txt'), 'utf8')).to.equal('B');
    expect(gate.arrived).to.equal(0);
  });

  it('reset opens every gate, delivering what it held, so no code is left waiting', async () => {
    const gate = fsFaults.hold({ call: 'readFile' });
    const reading = fsp.readFile(file('a.txt'), 'utf8');
    await gate.waitForHeld(1);
    fsFaults.reset();
    expect(await reading).to.equal('A');
    expect(await fsp.readFile(file('b.txt'), 'utf8')).to.equal('B');
    expect(gate.arrived).to.equal(1);
  });

  it('release names what is held when nothing matches', async () => {
    const gate = fsFaults.hold({ call: 'readFile' });
    const reading = fsp.readFile(file('a.txt'));
    await gate.waitForHeld(1);
    expect(() => gate.release(/b\.txt/)).to.throw(/gate\.release\(\/b\\\.txt\/\) found no held readFile completion that matches \(held: .*a\.txt\)/);
    gate.releaseAll();
    await reading;
  });
});
