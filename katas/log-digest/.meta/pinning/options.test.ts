// The answer to step 1: the characterization tests a learner writes for legacy behaviour that
// the kata's tests leave unpinned (the coverage table points at it: the `options` argument,
// which no kata test passes). The verifier runs them with the reference solution, so the
// reference must keep this behaviour too.
import { expect } from 'chai';

import { callLegacy, useTempDir } from '../../../../src/harness';
import { type Digest, digestFile, digestStream } from '../../src/log-digest';
import { logLine, oracle } from '../../test/support/logs';
import { chunkedStream } from '../../test/support/streams';

describe('pinned: the options argument', () => {
  const tmp = useTempDir();
  const requests = [30, 10, 50, 20, 40, 60, 5].map((ms, i) => ({ method: 'GET', path: `/p/${i}`, status: 200, ms }));
  const text = `${requests.map((r) => logLine(r)).join('\n')}\n`;

  it('options.slowest sets how many of the slowest requests digestFile lists', async () => {
    await tmp.write({ 'access.log': text });
    const digest = await callLegacy('digestFile(access.log, { slowest: 2 })', (cb) => digestFile(tmp.file('access.log'), { slowest: 2 }, cb));
    expect(digest).to.deep.equal(oracle(requests, 2));
  });

  it('options.slowest larger than the number of requests lists them all', async () => {
    await tmp.write({ 'access.log': text });
    const digest = await callLegacy<Digest>('digestFile(access.log, { slowest: 50 })', (cb) => digestFile(tmp.file('access.log'), { slowest: 50 }, cb));
    expect(digest?.slowest).to.have.length(requests.length);
  });

  it('options.slowest: 0 lists none, and still counts every request', async () => {
    const digest = await callLegacy('digestStream(log, { slowest: 0 })', (cb) => digestStream(chunkedStream([Buffer.from(text)]), { slowest: 0 }, cb));
    expect(digest).to.deep.equal({ ...oracle(requests), slowest: [] });
  });

  it('empty options mean the default: the 5 slowest', async () => {
    const digest = await callLegacy('digestStream(log, {})', (cb) => digestStream(chunkedStream([Buffer.from(text)]), {}, cb));
    expect(digest).to.deep.equal(oracle(requests, 5));
  });
});
