/**
 * The fake-time helpers: exact retry times, a whole chain, a rejection while ticking (the
 * planted mistake: attaching the handler after ticking), and what cannot be faked.
 */
import { expect } from 'chai';
import timersPromises = require('node:timers/promises');

import { KataAssertionError } from '../../src/harness/callbacks';
import { FAKED_TIMERS, useFakeTime } from '../../src/harness/fake-time';

// Captured when this file loads, before any clock is installed: keeps real time.
const capturedSleep = timersPromises.setTimeout;

/** Code under test: retries `fn` after each delay, looking setTimeout up at call time. */
async function retry<T>(fn: () => Promise<T>, delays: number[]): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      const wait = delays[attempt];
      if (wait === undefined) throw err;
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }
}

/** Routes unhandled rejections to `seen` instead of mocha and the root hook, until restored. */
function captureUnhandled(seen: unknown[]): () => void {
  const saved = process.listeners('unhandledRejection');
  process.removeAllListeners('unhandledRejection');
  const listener = (reason: unknown) => void seen.push(reason);
  process.on('unhandledRejection', listener);
  return () => {
    process.removeListener('unhandledRejection', listener);
    for (const l of saved) process.on('unhandledRejection', l);
  };
}

describe('harness: fake time', () => {
  const time = useFakeTime();

  it('fakes only the timers and Date, so immediates (and fetch) still run', async () => {
    expect(FAKED_TIMERS).to.deep.equal(['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date']);
    expect(Date.now()).to.equal(0);
    await new Promise((resolve) => setImmediate(resolve)); // would hang with sinon's default set
    await time.tickAsync(1500);
    expect(time.now()).to.equal(1500);
    expect(new Date().toISOString()).to.equal('1970-01-01T00:00:01.500Z');
  });

  it('tickAsync runs each retry at its exact time', async () => {
    const attempts: number[] = [];
    const run = retry(async () => {
      attempts.push(time.now());
      if (attempts.length < 3) throw new Error('busy');
      return 'ok';
    }, [100, 200]);
    await time.tickAsync(99);
    expect(attempts).to.deep.equal([0]);
    await time.tickAsync(1);
    expect(attempts).to.deep.equal([0, 100]);
    await time.tickAsync(200);
    expect(attempts).to.deep.equal([0, 100, 300]);
    expect(await run).to.equal('ok');
  });

  it('settleWhileTicking runs a whole chain and says how it ended', async () => {
    const run = retry(async () => Promise.reject(new Error('still busy')), [100, 200, 400]);
    const outcome = await time.settleWhileTicking('retry(fn)', run);
    expect(outcome.ok).to.equal(false);
    expect(outcome).to.have.nested.property('error.message', 'still busy');
    expect(time.now()).to.equal(700);
  });

  it('the planted mistake: a handler attached after ticking sees the rejection reported unhandled; settleWhileTicking does not', async () => {
    const seen: unknown[] = [];
    const restore = captureUnhandled(seen);
    try {
      const late = retry(async () => Promise.reject(new Error('late')), [100]);
      await time.clock.tickAsync(100);
      await new Promise((resolve) => setImmediate(resolve)); // Node reports unhandled rejections after the microtasks
      await late.catch(() => undefined); // attached too late
      expect(seen).to.have.lengthOf(1);
      expect(seen[0]).to.have.property('message', 'late');

      seen.length = 0;
      const onTime = retry(async () => Promise.reject(new Error('on time')), [100]);
      const outcome = await time.settleWhileTicking('retry(fn)', onTime, 100);
      await new Promise((resolve) => setImmediate(resolve));
      expect(seen).to.deep.equal([]);
      expect(outcome).to.have.nested.property('error.message', 'on time');
    } finally {
      restore();
    }
  });

  it('timers/promises is faked when looked up at call time, not when captured at import', async () => {
    const lookedUp = timersPromises.setTimeout(1000, 'faked');
    expect(await time.settleWhileTicking('timersPromises.setTimeout(1000)', lookedUp, 1000)).to.deep.equal({ ok: true, value: 'faked' });

    const cancel = new AbortController();
    const captured = capturedSleep(1000, 'real', { signal: cancel.signal });
    const err = await time.settleWhileTicking('sleep(1000)', captured, 1000).catch((e: unknown) => e);
    cancel.abort(); // the real timer must not outlive the test
    await captured.catch(() => undefined);
    expect(err).to.be.instanceOf(KataAssertionError);
    expect((err as Error).message).to.match(/^sleep\(1000\) was still pending after 1000 ms of fake time/);
  });

  it('AbortSignal.timeout() cannot be faked: the message points at AbortController + setTimeout', async () => {
    const signal = AbortSignal.timeout(50);
    const aborted = new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
    const err = await time.settleWhileTicking('fetchWithTimeout(url)', aborted, 5000).catch((e: unknown) => e as Error);
    expect(signal.aborted).to.equal(false);
    expect(err).to.be.instanceOf(KataAssertionError);
    expect((err as Error).message).to.contain('AbortSignal.timeout()').and.contain('AbortController');
  });

  it('fails a promise that nothing will ever settle, with the label, once every timer has run', async () => {
    const never = new Promise<void>(() => undefined);
    const err = await time.settleWhileTicking('loadConfig(app.json)', never).catch((e: unknown) => e as Error);
    expect(err).to.be.instanceOf(KataAssertionError);
    expect((err as Error).message).to.match(/^loadConfig\(app\.json\) was still pending after every fake timer had run/);
  });
});

describe('harness: fake time is restored after each test', () => {
  it('Date and setTimeout are real again', async () => {
    expect(Date.now()).to.be.above(1_600_000_000_000);
    await new Promise((resolve) => setTimeout(resolve, 1));
  });
});
