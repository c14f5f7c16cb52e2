// The answer to step 1: the characterization tests a learner writes for legacy behaviour that
// the kata's own tests leave unpinned (the coverage table points at it). The verifier runs them
// with the reference solution, so the reference must keep this behaviour too.
import { expect } from 'chai';

import { outcome, untilDoneOrStalled, useFakeTime, useLoopbackServer } from '../../../../src/harness';
import { getJson, type HttpError } from '../../src/resilient-client';
import { type Answer, drive, recordCallback, requestArrived, script } from '../../test/support/pricing-server';

const TIMEOUT = 20_000;

describe("pinned: legacy behaviour the kata's tests leave out", () => {
  const server = useLoopbackServer();
  const time = useFakeTime();
  let release = () => {};
  afterEach(() => release());

  it('retries: 0 makes one attempt only, even for a 503', async () => {
    const s = script(server, [{ status: 503, json: {} }, { json: { late: true } }], 0);
    const call = recordCallback('getJson', (cb) => getJson(s.url, { retries: 0, timeoutMs: TIMEOUT }, cb));
    release = call.release;
    const settled = await drive('getJson', call.run, s.gate, time);
    expect(settled.ok).to.equal(false);
    expect((settled as { error: HttpError }).error.status).to.equal(503);
    expect(s.times).to.deep.equal([0]);
  });

  const late: Array<[string, Answer]> = [
    ['a 404', { status: 404, json: {} }],
    ['a connection reset', { fault: 'reset' }],
  ];
  for (const [title, answer] of late) {
    it(`${title} arriving after the timeout is ignored: one call, with ETIMEDOUT`, async () => {
      const s = script(server, [answer], 0);
      const call = recordCallback('getJson', (cb) => getJson(s.url, { retries: 0, timeoutMs: TIMEOUT }, cb));
      release = call.release;
      const settled = outcome(call.run);
      await requestArrived(s.gate, 'getJson');
      await time.tickAsync(TIMEOUT);
      if (s.gate.inFlight > 0) s.gate.releaseOne();
      await untilDoneOrStalled({ done: () => call.calls.length > 1, progress: () => call.calls.length });
      expect(call.calls).to.have.length(1);
      const result = await settled;
      expect((result as { error: HttpError }).error.code).to.equal('ETIMEDOUT');
    });
  }
});
