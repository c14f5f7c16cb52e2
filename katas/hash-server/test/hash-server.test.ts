// The kata's tests. Do not change this file: make them pass by changing src/. Your own tests go in test/mine/.
import { expect } from 'chai';

import * as net from 'node:net';

import { callPromise, captureUncaught, expectRejection, KataAssertionError, messages, whenQuiet } from '../../../src/harness';
import { type HashJob, type HashServer, type PromiseHashServer, promises, startHashServer } from '../src/hash-server';
import { closeOnce, get, post, type Reply, send, type Tracked, track, useHashServers } from './support/http';
import { liveWorkers, settleOrStall, workersGone } from './support/live-workers';
import { expectOffMainThread } from './support/off-main-thread';

/** Jobs, and the hashes the user database holds for them: [title, job, hash]. */
const REFERENCE: Array<[string, HashJob, string]> = [
  ['an ASCII password', { password: 'correct horse battery staple', salt: 'c0ffee', rounds: 1000 }, '09a3a59d08c95c4cf272abe2e0f5ffe26d98346aea024e8cc4f4127a14fabfb5'],
  ['a non-ASCII password and salt', { password: 'pässwörd ✓', salt: 'naïve salt', rounds: 20_000 }, 'd8b3071bb588a11f0389e9362f0cc738c687c7766d21ebc8da71ca0674458ff8'],
  ['an empty password and salt, one round', { password: '', salt: '', rounds: 1 }, '81ec6f2bc32a9cb486112291a151bbdc4b1a4333bcf92414a7af2f97b541dc63'],
];
const [ascii, nonAscii] = REFERENCE;

/** Heavy enough to judge whether the main thread stays responsive: about 0.1 s of one core. */
const HEAVY: HashJob = { password: 'hunter2', salt: 'NaCl', rounds: 5_000_000 };
const HEAVY_HASH = 'c0f95da0879a499cb9caef6e9dfbe427beac726602067087534ff9749d76e1d7';
/** Long enough that a close() waiting for it is told apart from one that stops it: about 0.5 s each. */
const LONG: HashJob = { password: 'hunter2', salt: 'NaCl', rounds: 20_000_000 };
/** Fails inside the job: rounds must be from 1 to MAX_ROUNDS (key-stretch.ts). */
const FAILING: HashJob = { password: 'hunter2', salt: 'NaCl', rounds: 1_000_000_000 };

describe('hash-server', function () {
  // Each job starts a worker thread, which loads its modules before it runs: a second or more on
  // a busy machine. A server that never answers fails at once (settleOrStall), not at this timeout.
  this.timeout(60_000);
  const servers = useHashServers();

  describe('safety net: the callback API old callers use', () => {
    for (const [title, job, hash] of REFERENCE) {
      it(`POST /hash answers the reference hash for ${title}`, async () => {
        const server = await servers.startCallback();
        const reply = await post(server.url, '/hash', job);
        expect(reply.status, reply.text).to.equal(200);
        expect(reply.contentType).to.equal('application/json');
        expect(reply.json).to.deep.equal({ hash });
      });
    }

    it('startHashServer listens on the host and port its options name', async () => {
      const port = await freePort(OTHER_LOOPBACK);
      const server = await servers.startCallback({ host: OTHER_LOOPBACK, port });
      expectListeningOn(server.url, OTHER_LOOPBACK, port);
      expect((await get(server.url, '/health')).json).to.deep.equal({ status: 'ok', running: 0 });
    });

    it('a port already in use calls back with EADDRINUSE', async () => {
      const first = await servers.startCallback();
      const port = Number(new URL(first.url).port);
      const err = await servers.startCallback({ port }).then(() => undefined, (e: NodeJS.ErrnoException) => e);
      expect(err, 'startHashServer on a port already in use should call back with the error').to.be.instanceOf(Error);
      expect(err).to.have.property('code', 'EADDRINUSE');
    });

    it('GET /health answers {"status": "ok", "running": 0} when no job runs', async () => {
      const server = await servers.startCallback();
      const reply = await get(server.url, '/health');
      expect(reply.status).to.equal(200);
      expect(reply.json).to.deep.equal({ status: 'ok', running: 0 });
    });

    it('close calls back once the server is closed, and the port takes no more connections', async () => {
      const server = await servers.startCallback();
      await post(server.url, '/hash', ascii![1]);
      await closeOnce(server);
      const after = await get(server.url, '/health').then(() => 'answered', (err: NodeJS.ErrnoException) => err.code);
      expect(after, 'a closed server should refuse connections').to.equal('ECONNREFUSED');
    });

    it('an exception thrown by the caller\'s callback is not fed back into that callback', async () => {
      const calls: unknown[][] = [];
      const escaped: unknown[] = [];
      const restore = captureUncaught((err) => escaped.push(err));
      try {
        startHashServer({}, (...args) => {
          calls.push(args);
          throw new Error('thrown by the caller');
        });
        await whenQuiet({ handles: 'ignore' });
      } finally {
        restore();
        for (const [, server] of calls) await closeQuietly(server as HashServer | undefined);
      }
      if (calls.length > 1) {
        throw new KataAssertionError(
          `startHashServer called its callback ${calls.length} times: first with a server, then with ${String(calls[1]![0])}, the error the callback itself threw. ` +
            '`.then(cb).catch(cb)` does that; util.callbackify does not.',
        );
      }
      expect(calls, 'the callback should have been called once').to.have.length(1);
      expect(escaped.map(String), 'the caller\'s own error belongs to the caller: it should escape as it does from any callback').to.deep.equal(['Error: thrown by the caller']);
    });

    it('an exception thrown by the caller\'s close() callback is not fed back into that callback', async () => {
      const server = await servers.startCallback();
      const calls: unknown[] = [];
      const escaped: unknown[] = [];
      const restore = captureUncaught((err) => escaped.push(err));
      try {
        let calledBack = () => {};
        const called = new Promise<void>((resolve) => (calledBack = resolve));
        server.close((err) => {
          calls.push(err);
          calledBack();
          throw new Error('thrown by the caller');
        });
        // Closing may wait for worker threads to exit, which the quiet detector does not see.
        if ((await settleOrStall(called)) === 'stalled') throw new KataAssertionError(messages.callbackNeverCalled('server.close'));
        await whenQuiet({ handles: 'ignore' });
      } finally {
        restore();
      }
      if (calls.length > 1) {
        throw new KataAssertionError(
          `server.close called its callback ${calls.length} times: first with ${String(calls[0])}, then with ${String(calls[1])}, the error the callback itself threw. ` +
            '`.then(cb).catch(cb)` does that; util.callbackify does not.',
        );
      }
      expect(calls, 'the close callback should have been called once').to.have.length(1);
      expect(calls[0] ?? null, 'a close that succeeded calls back with no error').to.equal(null);
      expect(
        escaped.map(String),
        "the caller's own error belongs to the caller: it should escape as it does from any callback, not be swallowed or become an unhandled rejection",
      ).to.deep.equal(['Error: thrown by the caller']);
    });
  });

  describe('promise API: promises.startHashServer and promises.stretchKey', () => {
    it('promises.stretchKey resolves with the reference hash of each job', async () => {
      const hashes = await Promise.all(REFERENCE.map(([title, job]) => callPromise(`promises.stretchKey(${title})`, () => promises.stretchKey(job))));
      expect(hashes).to.deep.equal(REFERENCE.map(([, , hash]) => hash));
    });

    it('promises.stretchKey rejects with the job\'s own error: a RangeError for rounds that are not a whole number from 1 up (or past MAX_ROUNDS), a TypeError for a password or salt that is not a string', async () => {
      const range = await expectRejection('promises.stretchKey({ rounds: 1e9 })', () => promises.stretchKey(FAILING));
      const lostType = (name: string, err: Error) =>
        `the job threw a ${name}, but the promise rejected with a ${err.name} (${err.message}): the error lost its type on the way back from the worker ` +
        "(posted as a message and rebuilt as new Error(message)?). Let the worker throw: its 'error' event carries the error with its type.";
      expect(range.name, lostType('RangeError', range)).to.equal('RangeError');
      expect(range.message).to.include('rounds');
      const type = await expectRejection('promises.stretchKey({ salt: undefined })', () => promises.stretchKey({ password: 'p', rounds: 1 } as HashJob));
      expect(type.name, lostType('TypeError', type)).to.equal('TypeError');
      expect(type.message).to.include('salt');
      // The rest of key-stretch.ts's contract: each job fails in its worker, and the error comes back with its type.
      for (const rounds of [0, 1.5]) {
        const err = await expectRejection(`promises.stretchKey({ rounds: ${rounds} })`, () => promises.stretchKey({ password: 'p', salt: 's', rounds }));
        expect(err.name, lostType('RangeError', err)).to.equal('RangeError');
        expect(err.message).to.include('rounds');
      }
      const password = await expectRejection('promises.stretchKey({ password: 42 })', () => promises.stretchKey({ password: 42, salt: 's', rounds: 1 } as unknown as HashJob));
      expect(password.name, lostType('TypeError', password)).to.equal('TypeError');
      expect(password.message).to.include('password');
    });

    it('promises.startHashServer resolves with a server that answers the reference hash, and close() resolves once the port is free', async () => {
      const server = await servers.startPromise();
      expect(server.url).to.match(/^http:\/\/127\.0\.0\.1:\d+$/);
      const reply = await post(server.url, '/hash', ascii![1]);
      expect(reply.json).to.deep.equal({ hash: ascii![2] });
      await callPromise('server.close()', () => server.close());
      const after = await get(server.url, '/health').then(() => 'answered', (err: NodeJS.ErrnoException) => err.code);
      expect(after, 'a closed server should refuse connections').to.equal('ECONNREFUSED');
    });

    it('promises.startHashServer listens on the host and port its options name', async () => {
      const port = await freePort(OTHER_LOOPBACK);
      const server = await servers.startPromise({ host: OTHER_LOOPBACK, port });
      expectListeningOn(server.url, OTHER_LOOPBACK, port);
      expect((await get(server.url, '/health')).json).to.deep.equal({ status: 'ok', running: 0 });
    });

    it('promises.startHashServer rejects with EADDRINUSE when the port is already in use', async () => {
      const first = await servers.startPromise();
      const port = Number(new URL(first.url).port);
      let escaped: unknown;
      const restore = captureUncaught((err) => (escaped ??= err));
      let result: Awaited<ReturnType<typeof settleOrStall<PromiseHashServer>>>;
      try {
        result = await settleOrStall(callPromise(`promises.startHashServer({ port: ${port} })`, () => promises.startHashServer({ port })));
      } finally {
        restore();
      }
      if (escaped !== undefined) {
        throw new KataAssertionError(
          `promises.startHashServer on a port already in use: the server's ${String(escaped)} escaped as an 'error' event nobody listens to, instead of rejecting the promise. ` +
            "Wait for the server with `await once(server, 'listening')` (node:events): it rejects when 'error' comes first.",
        );
      }
      if (result === 'stalled') throw new KataAssertionError(`promises.startHashServer({ port: ${port} }) on a port already in use never settled: it should reject with EADDRINUSE.`);
      if (result.ok) {
        await result.value.close();
        throw new KataAssertionError(`promises.startHashServer({ port: ${port} }) resolved although the port was in use: it should reject with EADDRINUSE.`);
      }
      const outcome = result.error as Error;
      expect(outcome, outcome.message).to.have.property('code', 'EADDRINUSE');
    });

    it('a body that is not JSON answers 400, an unknown path or method 404, each with a JSON body', async () => {
      const server = await servers.startPromise();
      const bad = await send(server.url, 'POST', '/hash', '{"password": "p", ');
      expect(
        { status: bad.status, json: bad.json },
        'a body that is not JSON is the client\'s mistake: 400 {"error": "the body is not valid JSON"}, as the legacy server answers (a 500 means JSON.parse shares the job\'s try/catch)',
      ).to.deep.equal({ status: 400, json: { error: 'the body is not valid JSON' } });
      expect(bad.contentType).to.equal('application/json');
      for (const [method, path] of [['GET', '/nowhere'], ['GET', '/hash'], ['POST', '/health']] as const) {
        const reply = await send(server.url, method, path, method === 'POST' ? '{}' : undefined);
        expect({ status: reply.status, json: reply.json }, `${method} ${path}`).to.deep.equal({ status: 404, json: { error: 'not found' } });
        expect(reply.contentType, `${method} ${path}`).to.equal('application/json');
      }
    });

    it('POST /hash with a job that fails answers 500 with a JSON body naming the error', async () => {
      const server = await servers.startPromise();
      expectJobError(await post(server.url, '/hash', FAILING));
    });

    it('a non-ASCII password sent in chunks hashes like the reference', async () => {
      const server = await servers.startPromise();
      expectSameHashInChunks(await postSplitInsideCharacter(server.url));
    });

    it('the callback API gives the same answers as the promise API (it is a shim over it)', async () => {
      const viaPromise = await servers.startPromise();
      const viaCallback = await servers.startCallback();
      for (const [method, path, body] of [['POST', '/hash', JSON.stringify(ascii![1])], ['GET', '/health', undefined], ['GET', '/nowhere', undefined]] as const) {
        const [a, b] = [await send(viaPromise.url, method, path, body), await send(viaCallback.url, method, path, body)];
        expect({ status: b.status, json: b.json }, `${method} ${path}`).to.deep.equal({ status: a.status, json: a.json });
      }
    });
  });

  describe('defects: what the legacy version gets wrong', () => {
    it('a job that fails answers 500 with a JSON body naming the error, and the server keeps serving', async () => {
      const server = await servers.startCallback();
      let escaped: unknown;
      let onEscape = () => {};
      const escape = new Promise<'escaped'>((resolve) => (onEscape = () => resolve('escaped')));
      const restore = captureUncaught((err) => {
        escaped ??= err;
        onEscape();
      });
      let reply: Reply | 'escaped';
      try {
        reply = await Promise.race([post(server.url, '/hash', FAILING), escape]);
      } finally {
        restore();
      }
      if (reply === 'escaped') {
        throw new KataAssertionError(
          `POST /hash with rounds: 1e9: the job's ${String(escaped)} escaped, thrown where nothing catches it (inside a request handler's event listener, or as a Worker 'error' event nobody listens to). ` +
            'In production that crashes the process, and every request in flight is lost. Catch the job\'s error and answer 500 with a JSON body {"error": "<its message>"}.',
        );
      }
      expectJobError(reply);
      const health = await get(server.url, '/health');
      expect(health.json, 'after a failed job /health should still answer, with no job running').to.deep.equal({ status: 'ok', running: 0 });
    });

    it('a non-ASCII password sent in chunks hashes like the reference', async () => {
      const server = await servers.startCallback();
      expectSameHashInChunks(await postSplitInsideCharacter(server.url));
    });
  });

  describe('worker thread: the job runs off the main thread', () => {
    it('promises.stretchKey runs in a worker thread, and the event loop keeps ticking meanwhile', async () => {
      const hash = await expectOffMainThread('promises.stretchKey(job)', () => callPromise('promises.stretchKey(job)', () => promises.stretchKey(HEAVY)));
      expect(hash).to.equal(HEAVY_HASH);
    });

    it('POST /hash runs in a worker thread, and the server\'s event loop keeps ticking meanwhile', async () => {
      let url = '';
      const reply = await expectOffMainThread(
        'POST /hash',
        () => post(url, '/hash', HEAVY),
        async () => {
          url = (await servers.startPromise()).url;
        },
      );
      expect(reply.json).to.deep.equal({ hash: HEAVY_HASH });
    });

    it('/health answers while a /hash job runs, and counts it', async () => {
      const server = await servers.startPromise();
      await expectHealthWhileHashing(server.url);
    });

    it('old callers get it too: /health answers while a /hash job runs (callback API)', async () => {
      const server = await servers.startCallback();
      await expectHealthWhileHashing(server.url);
    });

    it('close() while jobs run terminates their workers: the clients get 503, not a hash, and no worker is left', async () => {
      const before = liveWorkers();
      const server = await servers.startPromise();
      const jobs = [post(server.url, '/hash', LONG), post(server.url, '/hash', LONG)].map(track);
      const seen = await healthUntil(server.url, jobs, (running) => running === 2);
      if (!seen.found) {
        throw new KataAssertionError(`/health never reported the two /hash jobs running at once (it said running: ${seen.running.join(', ')}): either the jobs ran one after the other ` +
            '(on the main thread, or queued behind a single worker), or /health does not count the jobs in progress. Run each job in a worker thread of its own, and count it from the moment its body is read until it is answered.');
      }
      await callPromise('server.close()', () => server.close());
      const replies = await Promise.all(jobs.map(({ promise }) => promise.then((r) => r, (err: Error) => err)));
      const hashed = replies.filter((r) => !(r instanceof Error) && r.status === 200).length;
      if (hashed > 0) {
        throw new KataAssertionError(
          `close() waited for ${hashed} running job(s) to finish (the client got its hash) instead of stopping them: ` +
            'terminate the workers (worker.terminate(), or abort the signal they wait on), answer 503, then let the server close.',
        );
      }
      for (const r of replies) {
        if (r instanceof Error) throw new KataAssertionError(`a client whose job was stopped by close() got ${r.message} instead of an answer: answer it 503 with a JSON body before closing.`);
        expect(r.status, r.text).to.equal(503);
        expect(r.json).to.have.property('error').that.is.a('string');
      }
      const alive = (await workersGone(before)) - before;
      if (alive > 0) throw new KataAssertionError(`${alive} worker thread(s) still running after close() resolved: close() must terminate every worker it started, and wait until they have exited.`);
    });
  });

  /** /health must answer, and report the job, while a /hash job is still running. */
  async function expectHealthWhileHashing(url: string): Promise<void> {
    const job = track(post(url, '/hash', HEAVY));
    const seen = await healthUntil(url, [job], (running) => running >= 1);
    if (!seen.found) {
      throw new KataAssertionError(
        `/health was asked ${seen.running.length} time(s) while POST /hash was in progress, and every answer said running: 0. ` +
          'Either the job blocked the main thread, so /health waited behind it until the hash was done (run the job in a worker thread, so the main thread stays free to answer), ' +
          'or /health does not count the job in progress (`running` must go up before the job starts and down once it is answered, whatever happened).',
      );
    }
    const reply = await job.promise;
    expect(reply.json, 'the hash computed while /health was answered').to.deep.equal({ hash: HEAVY_HASH });
  }

  /** Asks /health, one request after the other, until `wanted(running)` holds or every job has settled. */
  async function healthUntil(url: string, jobs: Array<Tracked<Reply>>, wanted: (running: number) => boolean): Promise<{ found: boolean; running: number[] }> {
    const running: number[] = [];
    while (jobs.some((j) => !j.settled)) {
      const health = await get(url, '/health');
      running.push(health.json?.running as number);
      if (wanted(health.json?.running as number)) return { found: true, running };
    }
    return { found: false, running };
  }

  async function postSplitInsideCharacter(url: string): Promise<Reply> {
    const body = Buffer.from(JSON.stringify(nonAscii![1]));
    const cut = body.indexOf(Buffer.from('ä')) + 1; // between the two bytes of 'ä'
    return send(url, 'POST', '/hash', [body.subarray(0, cut), body.subarray(cut)]);
  }

  function expectSameHashInChunks(reply: Reply): void {
    expect(reply.status, reply.text).to.equal(200);
    expect(reply.json?.hash).to.equal(
      nonAscii![2],
      'the body arrived in two chunks, cut between the two bytes of "ä", and the hash differs from the reference: the server decoded each chunk to text on its own (`body += chunk`), ' +
        'which breaks a character split across chunks. Collect the bytes and decode them once (node:stream/consumers text(), or Buffer.concat).',
    );
  }

  function expectJobError(reply: Reply): void {
    expect(reply.status, reply.text).to.equal(500);
    expect(reply.contentType).to.equal('application/json');
    expect(reply.json?.error, 'the JSON body should say what went wrong: {"error": "<the job\'s message>"}').to.be.a('string').and.include('rounds');
  }
});

/** A loopback address other than the default 127.0.0.1 (Linux routes all of 127/8 to lo). */
const OTHER_LOOPBACK = '127.0.0.2';

/** A port nothing listens on at `host` right now. */
async function freePort(host: string): Promise<number> {
  const probe = net.createServer();
  probe.listen(0, host);
  await new Promise<void>((resolve, reject) => probe.once('listening', resolve).once('error', reject));
  const { port } = probe.address() as net.AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

function expectListeningOn(url: string, host: string, port: number): void {
  expect(url, `the server should listen where its options say ({ host: '${host}', port: ${port} }), and say so in its url: were the options passed on to listen()?`).to.equal(
    `http://${host}:${port}`,
  );
}

async function closeQuietly(server: HashServer | undefined): Promise<void> {
  if (server?.close) await new Promise<void>((resolve) => server.close(() => resolve()));
}
