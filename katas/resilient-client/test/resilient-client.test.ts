// The kata's tests. Do not change this file: make them pass by changing src/. Your own tests go in test/mine/.
import { expect } from 'chai';
import * as sinon from 'sinon';

import { getEventListeners } from 'node:events';

import { expectCallerErrorEscapes, KataAssertionError, outcome, type Outcome, untilDoneOrStalled, useFakeTime, useLoopbackServer } from '../../../src/harness';
import { type ClientOptions, getJson, type HttpError, promises } from '../src/resilient-client';
import { type Answer, drive, pendingTimers, recordCallback, requestArrived, script } from './support/pricing-server';

/** Where the fake clock starts: Retry-After dates are written relative to it. */
const START = Date.UTC(2026, 11, 3, 9, 0, 0);
/** The per-attempt timeout the tests pass: longer than any backoff, so the two never meet. */
const TIMEOUT = 20_000;
const DEFAULT_TIMEOUT = 10_000;
const PRICE = { pair: 'EURUSD', bid: 1.0842, ask: 1.0844 };
const ok: Answer = { json: PRICE };
const status = (code: number, headers?: Record<string, string>): Answer => ({ status: code, json: { error: `status ${code}` }, ...(headers ? { headers } : {}) });
const httpDate = (ms: number) => new Date(ms).toUTCString();

/**
 * Fails when the call has settled, or its connection was closed, by now: it gave up too early. Waits
 * until nothing else is happening first (real turns, not fake time), so a close the timeout
 * started has reached the server whatever the machine's load.
 */
async function expectStillWaiting(label: string, settled: Promise<unknown>, gate: { abandoned: number; arrived: number }): Promise<void> {
  let done = false;
  void settled.then(() => (done = true));
  await untilDoneOrStalled({ done: () => done || gate.abandoned > 0, progress: () => gate.arrived + gate.abandoned });
  if (done || gate.abandoned > 0) {
    throw new KataAssertionError(`${label}: it had already ${done ? 'settled' : 'closed its connection'}. An attempt must not be abandoned before its timeout (10 s by default).`);
  }
}

/** The jitter source the tests inject: returns the given numbers in turn, then the last again. */
function sequence(...values: number[]): () => number {
  let i = 0;
  return () => values[Math.min(i++, values.length - 1)]!;
}

interface Case {
  title: string;
  answers: Answer[];
  options?: ClientOptions;
  /** What random() returns, in turn (default 0). */
  random?: number[];
  /** Pass no `random`: Math.random returns this instead. */
  mathRandom?: number;
  /** The fake ms at which each attempt must reach the server. */
  times: number[];
  /** Resolves with PRICE, or rejects with this. */
  fails?: { status?: number; name?: string; code?: string };
  /** Whether the legacy version already gets it right: the safety net, or a defect. */
  legacy: boolean;
}

const CASES: Case[] = [
  { title: 'a 200 resolves with its JSON body after one request', answers: [ok], times: [0], legacy: true },
  {
    title: 'a 503, a 502 and a 504 are retried with exponential backoff and jitter: waits of 50, 150, 399 ms for random() = 0, 0.5, 0.999',
    answers: [status(503), status(502), status(504), ok],
    random: [0, 0.5, 0.999],
    times: [0, 50, 200, 599],
    legacy: true,
  },
  {
    title: 'gives up after retries + 1 attempts, with the last failure (its status)',
    answers: [status(503), status(503), status(502)],
    options: { retries: 2 },
    times: [0, 50, 150],
    fails: { status: 502 },
    legacy: true,
  },
  {
    title: 'the defaults: 3 retries, baseDelayMs 100',
    answers: [status(503)],
    options: { timeoutMs: undefined, retries: undefined, baseDelayMs: undefined },
    times: [0, 50, 150, 350],
    fails: { status: 503 },
    legacy: true,
  },
  {
    title: 'baseDelayMs and maxDelayMs: the backoff doubles from the base and stops growing at the cap',
    answers: [status(503), status(503), status(503), status(503), ok],
    options: { retries: 4, baseDelayMs: 80, maxDelayMs: 300 },
    random: [0.5],
    times: [0, 60, 180, 405, 630],
    legacy: true,
  },
  {
    title: 'the default maxDelayMs is 10 s: the eighth retry waits 5 s, not 6.4',
    answers: [status(503)],
    options: { retries: 8 },
    times: [0, 50, 150, 350, 750, 1550, 3150, 6350, 11350],
    fails: { status: 503 },
    legacy: true,
  },
  { title: 'without options.random, the jitter comes from Math.random', answers: [status(503), ok], mathRandom: 0.5, times: [0, 75], legacy: true },
  { title: 'a 408 is retried', answers: [status(408), ok], times: [0, 50], legacy: true },
  { title: 'a connection reset (ECONNRESET) is retried', answers: [{ fault: 'reset' }, ok], times: [0, 50], legacy: true },
  { title: 'a connection closed without an answer is retried', answers: [{ fault: 'destroy' }, ok], times: [0, 50], legacy: true },
  { title: 'a 503 with Retry-After: 3 is retried after exactly 3 s, not the backoff', answers: [status(503, { 'retry-after': '3' }), ok], times: [0, 3000], legacy: true },
  { title: 'a 429 with Retry-After: 2 is retried after exactly 2 s', answers: [status(429, { 'retry-after': '2' }), ok], times: [0, 2000], legacy: true },
  { title: 'a 429 with Retry-After: 120 is retried after exactly 2 minutes', answers: [status(429, { 'retry-after': '120' }), ok], times: [0, 120_000], legacy: true },
  {
    title: 'a 404 with Retry-After is final all the same: only a 429 is retried for its Retry-After',
    answers: [status(404, { 'retry-after': '1' }), ok],
    times: [0],
    fails: { status: 404 },
    legacy: false,
  },
  ...[400, 401, 403, 404, 422, 500, 501].map(
    (code): Case => ({ title: `a ${code} is final: never retried`, answers: [status(code), ok], times: [0], fails: { status: code }, legacy: false }),
  ),
  { title: 'a 429 without Retry-After is final: never retried', answers: [status(429), ok], times: [0], fails: { status: 429 }, legacy: false },
  {
    title: 'Retry-After as an HTTP date: retried at that moment',
    answers: [status(503, { 'retry-after': httpDate(START + 7000) }), ok],
    times: [0, 7000],
    legacy: false,
  },
  {
    title: 'Retry-After as an HTTP date already past: retried at once',
    answers: [status(429, { 'retry-after': httpDate(START - 60_000) }), ok],
    times: [0, 0],
    legacy: true,
  },
  {
    title: 'a Retry-After that is neither seconds nor a date is ignored: the backoff applies',
    answers: [status(503, { 'retry-after': 'soon' }), ok],
    times: [0, 50],
    legacy: false,
  },
  {
    title: 'a Retry-After that only starts or ends with a number ("3 seconds", "in 30") is neither seconds nor a date: the backoff applies',
    answers: [status(503, { 'retry-after': '3 seconds' }), status(503, { 'retry-after': 'in 30' }), ok],
    times: [0, 50, 150],
    legacy: false,
  },
  {
    title: 'a 200 whose body is not JSON fails with the SyntaxError, and is not retried',
    answers: [{ body: '{"pair": "EURUSD", "bid": ' }, ok],
    times: [0],
    fails: { name: 'SyntaxError' },
    legacy: false,
  },
];

/** Options for a case: the test's timeout and a jitter of 0 unless the case says otherwise. */
function optionsFor(c: Case): ClientOptions {
  if (c.mathRandom !== undefined) return { timeoutMs: TIMEOUT, ...c.options };
  return { timeoutMs: TIMEOUT, random: sequence(...(c.random ?? [0])), ...c.options };
}

/** The outcome of a call that must have settled by now (the clock is not moved to get there). */
async function settledNow<T>(label: string, settled: Promise<Outcome<T>>): Promise<Outcome<T>> {
  let result: Outcome<T> | undefined;
  void settled.then((o) => (result = o));
  await untilDoneOrStalled({ done: () => result !== undefined });
  if (!result) throw new KataAssertionError(`${label} is still pending: it should have settled`);
  return result;
}

function expectOutcome(c: Case, settled: Outcome<unknown>): void {
  if (!c.fails) {
    if (!settled.ok) throw new KataAssertionError(`expected the JSON body ${JSON.stringify(PRICE)}, got the error: ${String(settled.error)}`);
    expect(settled.value).to.deep.equal(PRICE);
    return;
  }
  if (settled.ok) throw new KataAssertionError(`expected a failure (${JSON.stringify(c.fails)}), got the value ${JSON.stringify(settled.value)}`);
  const err = settled.error as HttpError;
  expect(err, 'it must fail with an Error').to.be.instanceOf(Error);
  if (c.fails.status !== undefined) expect(err.status, `the error's status (${err.message})`).to.equal(c.fails.status);
  if (c.fails.name !== undefined) expect(err.name, `the error's name (${err.message})`).to.equal(c.fails.name);
  if (c.fails.code !== undefined) expect(err.code, `the error's code (${err.message})`).to.equal(c.fails.code);
}

function expectTimes(c: Case, times: number[]): void {
  expect(times, `the fake times (ms) at which the attempts reached the server`).to.deep.equal(c.times);
}

describe('resilient-client', function () {
  // Each step waits for the client to go quiet (a quarter second of real time at least).
  this.timeout(30_000);
  const server = useLoopbackServer();
  const time = useFakeTime({ now: START });
  afterEach(() => sinon.restore());
  /** Sets up a case: Math.random returns the case's number, if it has one. */
  function arrange(c: Case): void {
    if (c.mathRandom !== undefined) sinon.stub(Math, 'random').returns(c.mathRandom);
  }

  let release = () => {};
  afterEach(() => release());
  /** Starts a call of the callback API, with the test's options. */
  function viaCallback(url: string, options: ClientOptions) {
    const call = recordCallback('getJson', (cb) => getJson(url, options, cb));
    release = call.release;
    return call;
  }

  /** One case of the table through the callback API: the safety net's and the defects' tests alike. */
  async function viaCallbackCase(c: Case): Promise<void> {
    arrange(c);
    const s = script(server, c.answers, START);
    const { run, calls } = viaCallback(s.url, optionsFor(c));
    expectOutcome(c, await drive(`getJson(${c.title})`, run, s.gate, time));
    expectTimes(c, s.times);
    expect(calls, 'calls of the callback').to.have.length(1);
  }

  describe('safety net: the callback API old callers use', () => {
    for (const c of CASES.filter((x) => x.legacy)) {
      it(c.title, () => viaCallbackCase(c));
    }

    it('the default timeoutMs is 10 s', async () => {
      const s = script(server, [ok], START);
      const { run } = viaCallback(s.url, { retries: 0 });
      const settled = outcome(run);
      await requestArrived(s.gate, 'getJson');
      await time.tickAsync(DEFAULT_TIMEOUT - 1);
      await expectStillWaiting('getJson with retries: 0, 1 ms before 10 s', settled, s.gate);
      await time.tickAsync(1);
      const result = await settledNow('getJson with retries: 0, 10 s after its request', settled);
      expect(result.ok).to.equal(false);
      expect((result as { error: HttpError }).error.code).to.equal('ETIMEDOUT');
    });

    it('options may be left out: getJson(url, callback)', async () => {
      const s = script(server, [ok], START);
      const call = recordCallback('getJson(url, callback)', (cb) => getJson(s.url, cb));
      release = call.release;
      const { run } = call;
      const settled = await drive('getJson(url, callback)', run, s.gate, time);
      expect(settled).to.deep.equal({ ok: true, value: PRICE });
    });

    it("an exception thrown by the caller's callback is not fed back into that callback", async () => {
      const s = script(server, [ok], START, { hold: false });
      const [[err, json]] = await expectCallerErrorEscapes('getJson', (cb) => getJson(s.url, { timeoutMs: TIMEOUT }, cb as never));
      expect(err).to.equal(null);
      expect(json).to.deep.equal(PRICE);
    });
  });

  describe('promise API: promises.getJson', () => {
    for (const c of CASES) {
      it(c.title, async () => {
        arrange(c);
        const s = script(server, c.answers, START);
        const settled = await drive(`promises.getJson(${c.title})`, promises.getJson(s.url, optionsFor(c)), s.gate, time);
        expectOutcome(c, settled);
        expectTimes(c, s.times);
      });
    }

    it('an attempt longer than timeoutMs is abandoned (its connection closed) and retried', async () => {
      const s = script(server, [ok], START);
      const run = outcome(promises.getJson(s.url, { timeoutMs: TIMEOUT, retries: 1, random: sequence(0) }));
      await requestArrived(s.gate, 'promises.getJson');
      await time.tickAsync(TIMEOUT - 1);
      await expectStillWaiting(`promises.getJson with timeoutMs ${TIMEOUT}, 1 ms before it`, run, s.gate);
      await time.tickAsync(1);
      await untilDoneOrStalled({ done: () => s.gate.abandoned > 0, progress: () => s.gate.arrived });
      if (s.gate.abandoned === 0) throw new KataAssertionError(`the attempt timed out after ${TIMEOUT} ms, but its connection is still open: abort the request, do not just stop waiting for it`);
      const settled = await drive('promises.getJson (after a timeout)', run.then((o) => (o.ok ? o.value : Promise.reject(o.error))), s.gate, time);
      expect(settled).to.deep.equal({ ok: true, value: PRICE });
      expect(s.times).to.deep.equal([TIMEOUT + 50]);
    });

    it('the default timeoutMs is 10 s', async () => {
      const s = script(server, [ok], START);
      const settled = outcome(promises.getJson(s.url, { retries: 0 }));
      await requestArrived(s.gate, 'promises.getJson');
      await time.tickAsync(DEFAULT_TIMEOUT - 1);
      await expectStillWaiting('promises.getJson with retries: 0, 1 ms before 10 s', settled, s.gate);
      await time.tickAsync(1);
      const result = await settledNow('promises.getJson with retries: 0, 10 s after its request', settled);
      expect(result.ok).to.equal(false);
      expect((result as { error: HttpError }).error.code).to.equal('ETIMEDOUT');
    });

    it('the timeout covers the body too: a body that stops halfway times out', async () => {
      const s = script(server, [{ json: PRICE, fault: 'stall-body' }], START);
      const settled = outcome(promises.getJson(s.url, { timeoutMs: TIMEOUT, retries: 0 }));
      await requestArrived(s.gate, 'promises.getJson');
      s.gate.releaseOne();
      // The headers and half the body arrive; the client is then left waiting for the rest.
      await untilDoneOrStalled({ done: () => false, progress: () => s.times.length });
      await time.tickAsync(TIMEOUT);
      const result = await settledNow(`promises.getJson, ${TIMEOUT} ms after a body that stopped halfway`, settled);
      if (result.ok) throw new KataAssertionError('expected a timeout, got a value');
      expect((result.error as HttpError).code, String(result.error)).to.equal('ETIMEDOUT');
    });

    it('when the last attempt times out, it rejects with code ETIMEDOUT and leaves no timer', async () => {
      const s = script(server, [ok], START);
      const run = promises.getJson(s.url, { timeoutMs: TIMEOUT, retries: 0 });
      const settled = outcome(run);
      await requestArrived(s.gate, 'promises.getJson');
      await time.tickAsync(TIMEOUT);
      const result = await settledNow('promises.getJson with retries: 0, once its only attempt has timed out', settled);
      if (result.ok) throw new KataAssertionError('expected a timeout, got a value');
      expect((result.error as HttpError).code).to.equal('ETIMEDOUT');
      expect(pendingTimers(time, [TIMEOUT]), 'timers still pending').to.deep.equal([]);
    });

    it('leaves no timer behind once it has resolved, nor once it has failed', async () => {
      const s = script(server, [ok], START);
      const good = await drive('promises.getJson', promises.getJson(s.url, { timeoutMs: TIMEOUT }), s.gate, time);
      expect(good.ok).to.equal(true);
      expect(pendingTimers(time, [TIMEOUT]), 'the attempt timeout still pending after success').to.deep.equal([]);
      const f = script(server, [status(404)], START, { path: '/prices/GBPUSD' });
      const bad = await drive('promises.getJson', promises.getJson(f.url, { timeoutMs: TIMEOUT }), f.gate, time);
      expect(bad.ok).to.equal(false);
      expect(pendingTimers(time, [TIMEOUT]), 'the attempt timeout still pending after a failure').to.deep.equal([]);
    });
  });

  describe('defects: what the legacy version gets wrong', () => {
    for (const c of CASES.filter((x) => !x.legacy)) {
      it(c.title, () => viaCallbackCase(c));
    }

    it('a timeout closes the attempt\'s connection: the server sees the client hang up', async () => {
      const s = script(server, [ok], START);
      const { run } = viaCallback(s.url, { timeoutMs: TIMEOUT, retries: 0 });
      const settled = outcome(run);
      await requestArrived(s.gate, 'getJson');
      await time.tickAsync(TIMEOUT);
      const result = await settledNow('getJson with retries: 0, once its only attempt has timed out', settled);
      expect(result.ok, 'the call must fail').to.equal(false);
      expect((result as { error: HttpError }).error.code).to.equal('ETIMEDOUT');
      await untilDoneOrStalled({ done: () => s.gate.abandoned > 0, progress: () => s.gate.arrived });
      if (s.gate.abandoned === 0) throw new KataAssertionError(`the attempt timed out after ${TIMEOUT} ms, but its connection is still open: abort the request (req.destroy()), do not just stop waiting for it`);
    });

    it('an answer that arrives after the timeout does not call back a second time', async () => {
      const s = script(server, [ok], START);
      const { run, calls } = viaCallback(s.url, { timeoutMs: TIMEOUT, retries: 0 });
      const settled = outcome(run);
      await requestArrived(s.gate, 'getJson');
      await time.tickAsync(TIMEOUT);
      await settledNow('getJson with retries: 0, once its only attempt has timed out', settled);
      // A client that left the connection open now gets its answer, late.
      if (s.gate.inFlight > 0) s.gate.releaseOne();
      await untilDoneOrStalled({ done: () => calls.length > 1, progress: () => s.gate.arrived + calls.length });
      if (calls.length > 1) throw new KataAssertionError(`the callback was called ${calls.length} times: first with ${String(calls[0]![0])}, then with ${JSON.stringify(calls[1]![1])}: once the timeout has called back, a late answer must be ignored`);
    });

    it('leaves no timer behind once it has called back with the JSON', async () => {
      const s = script(server, [ok], START);
      const { run } = viaCallback(s.url, { timeoutMs: TIMEOUT });
      const settled = await drive('getJson', run, s.gate, time);
      expect(settled.ok).to.equal(true);
      expect(pendingTimers(time, [TIMEOUT]), 'the attempt timeout still pending after success: clear it').to.deep.equal([]);
    });
  });

  describe("cancellation: the caller's AbortSignal", () => {
    const isReason = (err: unknown, reason: Error) => err === reason || (err instanceof Error && err.cause === reason);

    it('a signal already aborted rejects with its reason, and sends no request', async () => {
      const s = script(server, [ok], START);
      const reason = new Error('the user left');
      const settled = await settledNow('promises.getJson with a signal already aborted', outcome(promises.getJson(s.url, { timeoutMs: TIMEOUT, signal: AbortSignal.abort(reason) })));
      if (settled.ok) throw new KataAssertionError('resolved despite an aborted signal');
      expect(isReason(settled.error, reason), `rejected with ${String(settled.error)}, not the signal's reason (nor an error whose cause is it)`).to.equal(true);
      await untilDoneOrStalled({ done: () => s.gate.arrived > 0 });
      expect(s.gate.arrived, 'requests sent').to.equal(0);
    });

    /** Starts a call, aborts it once its request has reached the server, and returns how it failed. */
    async function abortInFlight(options: ClientOptions): Promise<{ s: ReturnType<typeof script>; reason: Error; error: unknown }> {
      const s = script(server, [ok], START);
      const controller = new AbortController();
      const settled = outcome(promises.getJson(s.url, { ...options, timeoutMs: TIMEOUT, signal: controller.signal }));
      await requestArrived(s.gate, 'promises.getJson');
      const reason = new Error('the user left');
      controller.abort(reason);
      let result: Outcome<unknown> | undefined;
      void settled.then((o) => (result = o));
      await untilDoneOrStalled({ done: () => result !== undefined && s.gate.abandoned > 0, progress: () => s.gate.arrived });
      if (!result) throw new KataAssertionError('still pending after the abort: the request in flight must be aborted with the signal');
      if (result.ok) throw new KataAssertionError('resolved despite the abort');
      return { s, reason, error: result.error };
    }

    it('abort while a request is in flight: rejects with the reason at once, closes the connection, and leaves no timer', async () => {
      const { s, reason, error } = await abortInFlight({});
      expect(isReason(error, reason), `rejected with ${String(error)}, not the signal's reason`).to.equal(true);
      expect(s.gate.abandoned, 'connections the client closed').to.equal(1);
      expect(pendingTimers(time, [TIMEOUT]), 'the attempt timeout still pending after the abort').to.deep.equal([]);
    });

    it('abort during the last attempt (retries: 0): rejects with the reason, not as a timeout', async () => {
      const { reason, error } = await abortInFlight({ retries: 0 });
      expect(
        isReason(error, reason),
        `rejected with ${String(error)}, not the signal's reason: an abort by the caller is not a timeout, even when no retry is left to stop`,
      ).to.equal(true);
    });

    it('abort during the backoff wait: rejects at once, sends nothing more, and leaves no timer', async () => {
      const s = script(server, [status(503), ok], START);
      const controller = new AbortController();
      const settled = outcome(promises.getJson(s.url, { timeoutMs: TIMEOUT, random: sequence(0), signal: controller.signal }));
      await requestArrived(s.gate, 'promises.getJson');
      s.gate.releaseOne();
      await untilDoneOrStalled({ done: () => pendingTimers(time, [50]).length > 0, progress: () => s.gate.arrived });
      expect(pendingTimers(time, [50]), 'the 50 ms backoff wait').to.have.length(1);
      const reason = new Error('the user left');
      controller.abort(reason);
      let result: Outcome<unknown> | undefined;
      void settled.then((o) => (result = o));
      await untilDoneOrStalled({ done: () => result !== undefined });
      if (!result) throw new KataAssertionError('still pending after the abort: the backoff wait must listen to the signal');
      if (result.ok) throw new KataAssertionError('resolved despite the abort');
      expect(isReason(result.error, reason), `rejected with ${String(result.error)}, not the signal's reason`).to.equal(true);
      expect(pendingTimers(time, [50, TIMEOUT]), 'timers still pending after the abort').to.deep.equal([]);
      await time.tickAsync(1000);
      await untilDoneOrStalled({ done: () => s.gate.arrived > 1 });
      expect(s.gate.arrived, 'requests sent').to.equal(1);
    });

    it("leaves no listener on the caller's signal once it has settled, resolved or failed", async () => {
      const controller = new AbortController();
      const s = script(server, [status(503), ok], START);
      const good = await drive('promises.getJson', promises.getJson(s.url, { timeoutMs: TIMEOUT, random: sequence(0), signal: controller.signal }), s.gate, time);
      expect(good.ok).to.equal(true);
      expect(getEventListeners(controller.signal, 'abort'), 'abort listeners left after success').to.have.length(0);
      const f = script(server, [status(503)], START, { path: '/prices/GBPUSD' });
      const bad = await drive('promises.getJson', promises.getJson(f.url, { timeoutMs: TIMEOUT, retries: 1, signal: controller.signal }), f.gate, time);
      expect(bad.ok).to.equal(false);
      expect(getEventListeners(controller.signal, 'abort'), 'abort listeners left after a failure').to.have.length(0);
    });
  });
});
