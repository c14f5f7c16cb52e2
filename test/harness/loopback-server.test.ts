/**
 * The loopback server fixture, proved against real `fetch` clients: for each fault and each
 * concurrency detector, a client with a planted mistake (it must be caught, with its message)
 * and a correct client (it must pass, without waiting for any stall floor).
 */
import { expect } from 'chai';
import * as sinon from 'sinon';

import { outcome } from '../../src/harness/callbacks';
import { httpFaults, type Gate, useLoopbackServer } from '../../src/harness/loopback-server';
import { untilDoneOrStalled } from '../../src/harness/quiet';

/** The naive client: no status check, no retry. */
async function getJson(url: string, init?: RequestInit): Promise<unknown> {
  const res = await fetch(url, init);
  return res.json();
}

/** The robust client: retries network errors, 5xx, truncated or malformed bodies. */
async function getJsonWithRetry(url: string, attempts = 3): Promise<unknown> {
  let last: unknown;
  for (let i = 0; i < attempts; i += 1) {
    try {
      const res = await fetch(url);
      if (res.status >= 500) {
        await res.arrayBuffer();
        throw new Error(`HTTP ${res.status}`);
      }
      return await res.json();
    } catch (err) {
      last = err;
    }
  }
  throw last;
}

const serial = async (urls: string[]) => {
  const out: unknown[] = [];
  for (const url of urls) out.push(await getJson(url));
  return out;
};
const parallel = (urls: string[]) => Promise.all(urls.map((u) => getJson(u)));

/** A correct pool: `limit` workers, each takes the next item when its request finishes. */
async function pool(urls: string[], limit: number): Promise<unknown[]> {
  const out: unknown[] = [];
  let next = 0;
  const worker = async () => {
    while (next < urls.length) {
      const i = next++;
      out[i] = await getJson(urls[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, urls.length) }, worker));
  return out;
}

/** Planted: checks the count after starting, so one request too many runs. */
async function poolOffByOne(urls: string[], limit: number): Promise<unknown[]> {
  let running = 0;
  let next = 0;
  const out: unknown[] = [];
  return new Promise((resolve, reject) => {
    const launch = () => {
      while (next < urls.length && running <= limit) {
        const i = next++;
        running += 1;
        getJson(urls[i]!).then((v) => {
          out[i] = v;
          running -= 1;
          if (out.filter(() => true).length === urls.length) resolve(out);
          else launch();
        }, reject);
      }
    };
    launch();
  });
}

/** Planted: Promise.all over slices of `limit` (batching: 3,2,1,3,2,1). */
async function batches(urls: string[], limit: number): Promise<unknown[]> {
  const out: unknown[] = [];
  for (let i = 0; i < urls.length; i += limit) out.push(...(await parallel(urls.slice(i, i + limit))));
  return out;
}

describe('harness: loopback server', () => {
  const server = useLoopbackServer();
  const urls = (n: number) => Array.from({ length: n }, (_, i) => `${server.url}/items/${i + 1}`);

  describe('routes', () => {
    it('answers a canned response with status, headers and JSON body, and records the request', async () => {
      server.route('POST', '/orders', { status: 201, headers: { 'x-order': '7' }, json: { id: 7 } });
      const res = await fetch(`${server.url}/orders?dry=1`, { method: 'POST', body: '{"qty":2}' });
      expect(res.status).to.equal(201);
      expect(res.headers.get('x-order')).to.equal('7');
      expect(res.headers.get('content-type')).to.equal('application/json');
      expect(await res.json()).to.deep.equal({ id: 7 });
      expect(server.requests).to.have.length(1);
      expect(server.requests[0]).to.include({ method: 'POST', path: '/orders?dry=1', body: '{"qty":2}' });
    });

    it('plays a sequence of replies, the last one repeating, and runs handlers', async () => {
      server.route('GET', '/seq', [{ json: 1 }, { json: 2 }]);
      server.route('GET', /^\/echo\//, (req, res) => res.end(req.url.pathname));
      expect([await getJson(`${server.url}/seq`), await getJson(`${server.url}/seq`), await getJson(`${server.url}/seq`)]).to.deep.equal([1, 2, 2]);
      expect(await (await fetch(`${server.url}/echo/abc`)).text()).to.equal('/echo/abc');
    });

    it('answers 404 naming the known routes when the client builds a wrong URL', async () => {
      server.route('GET', '/users', { json: [] });
      const res = await fetch(`${server.url}/user`);
      expect(res.status).to.equal(404);
      expect(((await res.json()) as { error: string }).error).to.match(/no route for GET \/user \(it knows: GET \/users\)/);
    });
  });

  describe('faults, as fetch meets them', () => {
    const cases: Array<{ fault: string; reply: () => ReturnType<typeof httpFaults.reset>; naive: (e: unknown) => void }> = [
      { fault: 'connection reset', reply: httpFaults.reset, naive: (e) => expect(causeCode(e)).to.equal('ECONNRESET') },
      {
        fault: 'socket destroyed',
        reply: httpFaults.destroy,
        naive: (e) => {
          expect(e).to.be.instanceOf(TypeError).with.property('message', 'fetch failed');
          expect(causeCode(e)).to.equal('UND_ERR_SOCKET');
        },
      },
      { fault: 'body shorter than Content-Length', reply: httpFaults.shortBody, naive: (e) => expect(e).to.be.instanceOf(TypeError).with.property('message', 'terminated') },
      { fault: 'malformed JSON', reply: httpFaults.malformedJson, naive: (e) => expect(e).to.be.instanceOf(SyntaxError) },
    ];
    for (const c of cases) {
      it(`${c.fault}: a client without retry fails with the documented error`, async () => {
        server.route('GET', '/x', c.reply());
        const result = await outcome(getJson(`${server.url}/x`));
        expect(result.ok, 'the naive client should fail').to.equal(false);
        if (!result.ok) c.naive(result.error);
      });
      it(`${c.fault}: a retrying client gets through on the next attempt`, async () => {
        server.route('GET', '/x', [c.reply(), { json: { ok: true } }]);
        expect(await getJsonWithRetry(`${server.url}/x`)).to.deep.equal({ ok: true });
        expect(server.requests).to.have.length(2);
      });
    }

    it('5xx: a client that does not check the status returns the error body as data', async () => {
      server.route('GET', '/x', httpFaults.serverError(503));
      expect(await getJson(`${server.url}/x`)).to.deep.equal({ error: 'Service Unavailable' });
    });
    it('5xx: a client that checks the status retries and gets the data', async () => {
      server.route('GET', '/x', [httpFaults.serverError(503), httpFaults.serverError(502), { json: [1] }]);
      expect(await getJsonWithRetry(`${server.url}/x`)).to.deep.equal([1]);
    });

    it('never answers: the request stays pending until the client gives up', async () => {
      server.route('GET', '/x', httpFaults.never());
      const controller = new AbortController();
      let settled = false;
      const result = outcome(getJson(`${server.url}/x`, { signal: controller.signal })).finally(() => (settled = true));
      await untilDoneOrStalled({ done: () => server.requests.length === 1, progress: () => 0 });
      expect(await untilDoneOrStalled({ done: () => settled, progress: () => 0, floorMs: 0 })).to.equal('stalled');
      controller.abort();
      const r = await result;
      expect(r.ok).to.equal(false);
      if (!r.ok) expect(r.error).to.have.property('name', 'AbortError');
    });

    describe('delay, driven by fake timers', () => {
      let clock: sinon.SinonFakeTimers;
      beforeEach(() => {
        // Only these: the default fake set hangs fetch().
        clock = sinon.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
      });
      afterEach(() => clock.restore());

      /** A client with a timeout built on setTimeout (AbortSignal.timeout cannot be faked). */
      async function getWithTimeout(url: string, ms: number): Promise<unknown> {
        const controller = new AbortController();
        const timer = setTimeout(() => controller.abort(new Error(`timed out after ${ms} ms`)), ms);
        try {
          return await getJson(url, { signal: controller.signal });
        } finally {
          clearTimeout(timer);
        }
      }

      it('answers exactly when the fake clock reaches the delay', async () => {
        server.route('GET', '/slow', httpFaults.delay(1000, { json: 'late' }));
        let settled = false;
        const result = getJson(`${server.url}/slow`).finally(() => (settled = true));
        await untilDoneOrStalled({ done: () => server.requests.length === 1, progress: () => 0 });
        await clock.tickAsync(999);
        expect(await untilDoneOrStalled({ done: () => settled, progress: () => 0, floorMs: 0 })).to.equal('stalled');
        await clock.tickAsync(1);
        expect(await result).to.equal('late');
      });

      it('a client whose timeout is shorter than the delay gives up (planted: timeout too short)', async () => {
        server.route('GET', '/slow', httpFaults.delay(1000));
        const result = outcome(getWithTimeout(`${server.url}/slow`, 500));
        await untilDoneOrStalled({ done: () => server.requests.length === 1, progress: () => 0 });
        await clock.tickAsync(500);
        const r = await result;
        expect(r.ok).to.equal(false);
        if (!r.ok) expect(String(r.error)).to.match(/timed out after 500 ms/);
      });

      it('a client whose timeout is longer than the delay gets the answer', async () => {
        server.route('GET', '/slow', httpFaults.delay(1000, { json: 'late' }));
        const result = getWithTimeout(`${server.url}/slow`, 2000);
        await untilDoneOrStalled({ done: () => server.requests.length === 1, progress: () => 0 });
        await clock.tickAsync(1000);
        expect(await result).to.equal('late');
      });
    });
  });

  describe('gate: all at once', () => {
    beforeEach(() => server.route('GET', /^\/items\//, { json: 'item' }));

    it('passes parallel code as soon as all N are held', async () => {
      const gate = server.gate();
      const run = parallel(urls(3));
      await gate.expectAllAtOnce(3, 'fetchAll(3 urls)');
      expect(await run).to.deep.equal(['item', 'item', 'item']);
      expect(gate.maxInFlight).to.equal(3);
    });

    it('catches serial code with a message that says so', async () => {
      const gate = server.gate();
      const run = outcome(serial(urls(3)));
      const r = await outcome(gate.waitForInFlight(3, 'fetchAll(3 urls)'));
      expect(r.ok).to.equal(false);
      if (!r.ok) {
        expect((r.error as Error).message).to.include(
          'fetchAll(3 urls) ran the 3 requests one after another: only 1 was in flight when the loop went quiet',
        );
      }
      await server.close(); // the held request fails; nothing is left open
      expect((await run).ok).to.equal(false);
    });

    it('holds only matching requests', async () => {
      server.route('GET', '/config', { json: 'cfg' });
      const gate = server.gate({ method: 'GET', path: /^\/items\// });
      expect(await getJson(`${server.url}/config`)).to.equal('cfg');
      const run = parallel(urls(2));
      await gate.waitForInFlight(2);
      expect(gate.releaseOne().path).to.equal('/items/1');
      gate.releaseAll();
      await run;
      expect(() => gate.releaseOne()).to.throw(/found no request waiting at the gate/);
    });

    it('release(path) answers the held requests in the order the test chooses', async () => {
      const gate = server.gate();
      const answered: string[] = [];
      const run = Promise.all(urls(3).map((u) => getJson(u).then(() => answered.push(new URL(u).pathname))));
      await gate.waitForInFlight(3);
      expect(gate.release('/items/3').path).to.equal('/items/3');
      await gate.waitForInFlight(2); // still held: the other two
      while (answered.length === 0) await new Promise((resolve) => setImmediate(resolve));
      expect(gate.release(/\/items\/2$/).path).to.equal('/items/2');
      gate.releaseAll();
      await run;
      expect(answered[0]).to.equal('/items/3');
      expect(gate.released).to.equal(3);
      expect(() => gate.release('/items/9')).to.throw(/gate\.release\(\/items\/9\) found no held request whose path matches \(held: none\)/);
    });

    it('stops counting a request whose client gave up', async () => {
      const gate = server.gate();
      const controller = new AbortController();
      const run = outcome(getJson(urls(1)[0]!, { signal: controller.signal }));
      await gate.waitForInFlight(1);
      controller.abort();
      expect((await run).ok).to.equal(false);
      await untilDoneOrStalled({ done: () => gate.inFlight === 0, progress: () => 0 });
      expect(gate.abandoned).to.equal(1);
    });
  });

  describe('gate: at most K, refilled as each finishes', () => {
    beforeEach(() => server.route('GET', /^\/items\//, { json: 'item' }));

    const expectCaught = async (gate: Gate, run: Promise<unknown>, limit: number, total: number, pattern: RegExp) => {
      const settledRun = outcome(run);
      const r = await outcome(gate.expectConcurrencyLimit(limit, total, 'mapWithLimit'));
      expect(r.ok, 'the planted mistake should be caught').to.equal(false);
      if (!r.ok) expect((r.error as Error).message).to.match(pattern);
      await server.close();
      await settledRun;
    };

    it('passes a correct pool (limit 2, 5 items)', async () => {
      const gate = server.gate();
      const run = pool(urls(5), 2);
      await gate.expectConcurrencyLimit(2, 5, 'mapWithLimit');
      expect(await run).to.have.length(5);
      expect(gate.maxInFlight).to.equal(2);
    });

    it('passes a correct pool whose limit is above the item count', async () => {
      const gate = server.gate();
      const run = pool(urls(2), 4);
      await gate.expectConcurrencyLimit(4, 2, 'mapWithLimit');
      expect(await run).to.have.length(2);
    });

    it('catches a pool that starts K+1', async () => {
      await expectCaught(server.gate(), poolOffByOne(urls(5), 2), 2, 5, /had 3 requests in flight at once, but at most 2/);
    });

    it('catches no limit at all (Promise.all)', async () => {
      await expectCaught(server.gate(), parallel(urls(5)), 2, 5, /in flight at once, but at most 2/);
    });

    it('catches batching (3,2,1,3,2,1)', async () => {
      await expectCaught(server.gate(), batches(urls(6), 3), 3, 6, /did not start another request when one finished: after 1 of 6/);
    });

    it('catches a pool that runs one at a time', async () => {
      await expectCaught(server.gate(), serial(urls(4)), 2, 4, /only 1 request in flight when the loop went quiet, but up to 2/);
    });
  });

  describe('gate: given the call under test, a proof stops when the call settles first', () => {
    beforeEach(() => server.route('GET', /^\/items\//, { json: 'item' }));

    for (const proof of ['expectAllAtOnce', 'expectConcurrencyLimit'] as const) {
      it(`${proof} answers false within 3 turns for a call that has already failed, and true once proved`, async () => {
        const gate = server.gate();
        const prove = (settling: Promise<unknown>) => (proof === 'expectAllAtOnce' ? gate.expectAllAtOnce(3, 'fetchAll(3 urls)', settling) : gate.expectConcurrencyLimit(2, 3, 'mapWithLimit', settling));
        const failedAtOnce = Promise.reject(new Error('not written yet'));
        failedAtOnce.catch(() => undefined);
        let answer: boolean | undefined;
        void prove(failedAtOnce).then((proved) => (answer = proved));
        // A stall verdict takes 20 idle turns (and the floor): an answer within 3 turns is not one.
        for (let turn = 0; turn < 3 && answer === undefined; turn++) await new Promise((resolve) => setImmediate(resolve));
        expect(answer, 'answered within 3 turns that the call settled before its requests were held').to.equal(false);
        const run = proof === 'expectAllAtOnce' ? parallel(urls(3)) : pool(urls(3), 2);
        expect(await prove(run)).to.equal(true);
        expect(await run).to.have.length(3);
      });
    }

    it('a call that neither settles nor fills the pool still gets the learner\'s message', async () => {
      const gate = server.gate();
      const run = outcome(serial(urls(3)));
      const r = await outcome(gate.expectAllAtOnce(3, 'fetchAll(3 urls)', run));
      expect(r.ok).to.equal(false);
      if (!r.ok) expect((r.error as Error).message).to.include('fetchAll(3 urls) ran the 3 requests one after another');
      await server.close();
      expect((await run).ok).to.equal(false);
    });
  });
});

describe('harness: loopback server outside a test', () => {
  const server = useLoopbackServer();
  it('refuses to be used from describe time (message checked here on a value captured then)', () => {
    expect(outsideMessage).to.match(/only available inside a test or hook of the describe that called useLoopbackServer\(\)/);
    expect(server.url).to.match(/^http:\/\/127\.0\.0\.1:\d+$/);
  });
  let outsideMessage = '';
  try {
    void server.url;
  } catch (err) {
    outsideMessage = (err as Error).message;
  }
});

function causeCode(err: unknown): unknown {
  return (err as { cause?: { code?: unknown } }).cause?.code;
}
