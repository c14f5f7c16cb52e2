/**
 * A plain HTTP client for the kata's tests, and a fixture that starts hash servers and closes
 * them (and every request still open) after each test.
 *
 * The client opens one connection per request (`agent: false`, so `Connection: close`): no
 * keep-alive socket outlives a test, and a server's close() never waits for a client to leave.
 * Every request goes through settleOrStall: a server that never answers fails the test at once,
 * with a message, instead of at mocha's timeout.
 *
 * @example
 * const servers = useHashServers();
 * it('hashes', async () => {
 *   const server = await servers.startPromise();
 *   const reply = await post(server.url, '/hash', { password: 'p', salt: 's', rounds: 1 });
 * });
 */
import * as http from 'node:http';

import { callPromise, KataAssertionError, messages, peersGone, tcpHandles, whenQuiet } from '../../../../src/harness';
import { type HashServer, type HashServerOptions, type PromiseHashServer, promises, startHashServer } from '../../src/hash-server';
import { settleOrStall, settleWorkers } from './live-workers';

/** An answer as the client received it. */
export interface Reply {
  status: number;
  contentType: string | undefined;
  /** The body parsed as JSON; undefined when it is not JSON. */
  json: any;
  text: string;
}

const open = new Set<http.ClientRequest>();
/** Requests still being waited for: each polls the event loop until it settles. */
let waiting = 0;

/**
 * Sends a request and resolves with the answer; rejects with the connection's error (ECONNRESET,
 * ECONNREFUSED). `body` as an array is sent chunk by chunk (chunked transfer encoding): the
 * server receives each element as its own 'data' event.
 */
export function send(url: string, method: string, path: string, body?: string | Buffer[]): Promise<Reply> {
  const sent = new Promise<Reply>((resolve, reject) => {
    const headers: http.OutgoingHttpHeaders = {};
    if (typeof body === 'string') {
      headers['content-type'] = 'application/json';
      headers['content-length'] = Buffer.byteLength(body);
    }
    const req = http.request(`${url}${path}`, { method, headers, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => {
        open.delete(req);
        const contentType = res.headers['content-type'];
        let json: unknown;
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode ?? 0, contentType, json, text });
      });
    });
    open.add(req);
    req.on('error', (err) => {
      open.delete(req);
      reject(err);
    });
    if (Array.isArray(body)) {
      for (const chunk of body) req.write(chunk);
      req.end();
    } else {
      req.end(body);
    }
  });
  return answered(`${method} ${path}`, sent);
}

export const get = (url: string, path: string): Promise<Reply> => send(url, 'GET', path);
export const post = (url: string, path: string, json: unknown): Promise<Reply> => send(url, 'POST', path, JSON.stringify(json));

/** Resolves as `promise` does, or fails with a message once it is clear the server will never answer. */
async function answered<T>(label: string, promise: Promise<T>): Promise<T> {
  waiting += 1;
  const result = await settleOrStall(promise).finally(() => (waiting -= 1));
  if (result === 'stalled') {
    throw new KataAssertionError(
      `${label} never got an answer: the server had nothing left to do (no I/O, no timer, no worker thread) and never responded. ` +
        'Look for a path that neither sends a response nor throws: an error caught and dropped, a promise nobody awaits, a worker whose error or exit nobody listens for.',
    );
  }
  if (result.ok) return result.value;
  throw result.error;
}

/** A promise whose state can be read while it runs. */
export interface Tracked<T> {
  promise: Promise<T>;
  readonly settled: boolean;
}

export function track<T>(promise: Promise<T>): Tracked<T> {
  let settled = false;
  const done = () => {
    settled = true;
  };
  promise.then(done, done);
  return {
    promise,
    get settled() {
      return settled;
    },
  };
}

/**
 * Starts hash servers through either API, and after each test destroys every request still open
 * and closes every server it started. Registers beforeEach/afterEach in the enclosing describe.
 */
export function useHashServers() {
  const closers: Array<() => Promise<void>> = [];
  let tcpBefore = 0;

  beforeEach(() => {
    tcpBefore = tcpHandles();
  });
  afterEach(async () => {
    for (const req of open) req.destroy();
    open.clear();
    // A destroyed request settles a turn later; its wait must end before the leak check runs.
    for (let turn = 0; turn < 50 && waiting > 0; turn += 1) {
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    for (const close of closers.splice(0)) {
      // An error means the test closed it already; a close that never ends is the test's failure.
      await settleOrStall(close());
    }
    await settleWorkers();
    // The client's ends of closed connections notice a little later.
    await peersGone(tcpBefore);
  });

  return {
    /** startHashServer(options, callback), as old callers use it. */
    async startCallback(options: HashServerOptions = {}): Promise<HashServer> {
      let returned = false;
      let calls = 0;
      const started = new Promise<HashServer>((resolve, reject) => {
        startHashServer(options, (err, server) => {
          calls += 1;
          if (server) closers.push(() => new Promise<void>((done) => server.close(() => done())));
          if (calls > 1) return;
          if (!returned) reject(new KataAssertionError(messages.callbackCalledSynchronously('startHashServer')));
          else if (err) reject(err);
          else resolve(server!);
        });
      });
      returned = true;
      const result = await settleOrStall(started);
      if (result === 'stalled') throw new KataAssertionError(messages.callbackNeverCalled('startHashServer'));
      if (!result.ok) throw result.error;
      return result.value;
    },

    /** promises.startHashServer(options), as new callers use it. */
    async startPromise(options: HashServerOptions = {}): Promise<PromiseHashServer> {
      const server = await callPromise('promises.startHashServer()', () => promises.startHashServer(options));
      closers.push(() => server.close());
      return server;
    },
  };
}

/**
 * server.close(callback) of the callback API, called once: resolves when it calls back without
 * an error; fails when it calls back with one, twice, synchronously, or never (with no worker
 * alive and the event loop quiet). The harness's callLegacy cannot tell "never" while a worker
 * thread is still exiting: it does not see worker threads.
 */
export async function closeOnce(server: HashServer): Promise<void> {
  const calls: unknown[] = [];
  let returned = false;
  let calledSync = false;
  const closed = new Promise<void>((resolve, reject) => {
    server.close((err) => {
      calls.push(err);
      if (!returned) calledSync = true;
      if (err) reject(err);
      else resolve();
    });
  });
  returned = true;
  const result = await settleOrStall(closed);
  if (result === 'stalled') throw new KataAssertionError(messages.callbackNeverCalled('server.close'));
  if (!result.ok) throw result.error;
  if (calledSync) throw new KataAssertionError(messages.callbackCalledSynchronously('server.close'));
  await whenQuiet({ handles: 'ignore' });
  if (calls.length > 1) throw new KataAssertionError(messages.callbackCalledTwice('server.close', calls[0], calls[1]));
}
