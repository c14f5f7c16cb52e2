/**
 * A plain HTTP client for the kata's tests, and a fixture that opens the service's database in a
 * temp folder, starts servers on it, and closes them (and every request still open) after each
 * test.
 *
 * The client opens one connection per request (`agent: false`, so `Connection: close`): no
 * keep-alive socket outlives a test. Every request goes through settleOrStall: a server that never
 * answers fails the test at once, with a message, instead of at mocha's timeout.
 *
 * @example
 * const service = useAccountService();
 * it('signs up', async () => {
 *   const server = await service.startCallback();
 *   const reply = await send(server.url, 'POST', '/signup', { json: { name: 'Ada', email: 'ada@example.com', password: 'pw' } });
 * });
 */
import { createHook } from 'node:async_hooks';
import * as http from 'node:http';

import { callPromise, KataAssertionError, messages, type Outcome, outcome, peersGone, tcpHandles, untilDoneOrStalled, useTempDir } from '../../../../src/harness';
import { type AccountDb, type AccountServer, type AccountServerOptions, type PromiseAccountServer, promises, startAccountServer } from '../../src/account-api';
import { heldReads, openAllGates, openDb } from './db';

/** An answer as the client received it. */
export interface Reply {
  status: number;
  contentType: string | undefined;
  /** The body parsed as JSON; undefined when it is not JSON. */
  json: any;
  text: string;
}

export interface RequestOptions {
  /** Sent as JSON. */
  json?: unknown;
  /** Sent as it is, as application/json: for bodies that are not JSON. */
  raw?: string;
  /** A session token, sent as `Authorization: Bearer <token>`. */
  token?: string;
}

// PBKDF2 runs on libuv's thread pool: while it does, the main thread has nothing to do, yet an
// answer is still to come. The harness's quiet detection does not see crypto jobs; count them here.
const CRYPTO_JOBS = new Set(['PBKDF2REQUEST', 'RANDOMBYTESREQUEST']);
const cryptoInFlight = new Set<number>();
// The PBKDF2 jobs started on this thread while watchPbkdf2 records, and whether each one's
// completion ran as a callback: crypto.pbkdf2 queues the job on libuv's thread pool and calls
// back later ('before' fires), crypto.pbkdf2Sync makes the same job and runs it right there, on
// the event loop ('before' never fires). The same on every Node line from 20.19 to 26.
let recording: Map<number, { calledBack: boolean }> | undefined;
createHook({
  init(asyncId, type) {
    if (CRYPTO_JOBS.has(type)) cryptoInFlight.add(asyncId);
    if (type === 'PBKDF2REQUEST') recording?.set(asyncId, { calledBack: false });
  },
  before(asyncId) {
    const job = recording?.get(asyncId);
    if (job) job.calledBack = true;
  },
  destroy(asyncId) {
    cryptoInFlight.delete(asyncId);
  },
}).enable();

/** What {@link watchPbkdf2} saw: how many PBKDF2 jobs ran on the thread pool, and how many on the event loop. */
export interface Pbkdf2Jobs<T> {
  result: T;
  onThreadPool: number;
  onEventLoop: number;
}

/**
 * Runs `job` and counts the PBKDF2 jobs this thread started meanwhile, by where they ran. A
 * verdict from what the runtime reports, not from a clock: the machine's load cannot change it.
 * (A job handed to a worker thread is not seen here, and blocks nothing here either.)
 */
export async function watchPbkdf2<T>(job: () => Promise<T>): Promise<Pbkdf2Jobs<T>> {
  const jobs = new Map<number, { calledBack: boolean }>();
  recording = jobs;
  let result: T;
  try {
    result = await job();
  } finally {
    recording = undefined;
  }
  const all = [...jobs.values()];
  const onThreadPool = all.filter((j) => j.calledBack).length;
  return { result, onThreadPool, onEventLoop: all.length - onThreadPool };
}

/**
 * Resolves with the outcome of `promise`, or 'stalled' once the main thread had nothing to do,
 * no crypto job ran on the thread pool and no database read was held, for 20 turns and 250 ms.
 */
export async function settleOrStall<T>(promise: Promise<T>): Promise<Outcome<T> | 'stalled'> {
  let settled = false;
  const result = outcome(promise).finally(() => (settled = true));
  for (;;) {
    let jobs = 0;
    const verdict = await untilDoneOrStalled({ done: () => settled, progress: () => (jobs += cryptoInFlight.size + heldReads() > 0 ? 1 : 0) });
    if (verdict === 'done') return result;
    if (cryptoInFlight.size + heldReads() === 0) return 'stalled';
  }
}

const open = new Set<http.ClientRequest>();
let waiting = 0;

/** Sends a request and resolves with the answer; rejects with the connection's error. */
export function send(url: string, method: string, path: string, options: RequestOptions = {}): Promise<Reply> {
  const body = options.raw ?? (options.json === undefined ? undefined : JSON.stringify(options.json));
  const sent = new Promise<Reply>((resolve, reject) => {
    const headers: http.OutgoingHttpHeaders = {};
    if (body !== undefined) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = Buffer.byteLength(body);
    }
    if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
    const req = http.request(`${url}${path}`, { method, headers, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => {
        open.delete(req);
        let json: unknown;
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode ?? 0, contentType: res.headers['content-type'], json, text });
      });
    });
    open.add(req);
    req.on('error', (err) => {
      open.delete(req);
      reject(err);
    });
    req.end(body);
  });
  return answered(`${method} ${path}`, sent);
}

async function answered<T>(label: string, promise: Promise<T>): Promise<T> {
  waiting += 1;
  const result = await settleOrStall(promise).finally(() => (waiting -= 1));
  if (result === 'stalled') {
    throw new KataAssertionError(
      `${label} never got an answer: the server had nothing left to do and never responded. ` +
        'Look for a path that neither answers nor throws: an error caught and dropped, a promise nobody awaits, ' +
        'a handler that returns a rejected promise to a framework that ignores it (Express 4 did).',
    );
  }
  if (result.ok) return result.value;
  throw result.error;
}

/** A signed-up, logged-in user. */
export interface Account {
  id: string;
  token: string;
  name: string;
  email: string;
  password: string;
}

/** Signs up and logs in `name` (email `<name>@example.com`), failing with the server's answer if either does not work. */
export async function signUp(url: string, name: string): Promise<Account> {
  const email = `${name.toLowerCase()}@example.com`;
  const password = `${name}'s password`;
  const signup = await send(url, 'POST', '/signup', { json: { name, email, password } });
  if (signup.status !== 201) throw new KataAssertionError(`POST /signup for ${name} answered ${signup.status} ${signup.text}: it should answer 201 with the new user.`);
  const login = await send(url, 'POST', '/login', { json: { email, password } });
  if (login.status !== 200 || typeof login.json?.token !== 'string') {
    throw new KataAssertionError(`POST /login for ${name} answered ${login.status} ${login.text}: it should answer 200 with {"token", "user"}.`);
  }
  return { id: signup.json._id as string, token: login.json.token as string, name, email, password };
}

/** Low, so that the tests spend their time on what they test: the tests that measure stretching set their own. */
export const TEST_ITERATIONS = 1000;

/**
 * A temp folder with the service's database for each test; starts servers on it through either
 * API, and after each test destroys every request still open and closes every server it started.
 */
export function useAccountService() {
  const tmp = useTempDir('account-api-');
  const closers: Array<() => Promise<void>> = [];
  let db: AccountDb | undefined;
  let tcpBefore = 0;

  beforeEach(() => {
    tcpBefore = tcpHandles();
  });
  afterEach(async () => {
    openAllGates();
    for (const req of open) req.destroy();
    open.clear();
    for (let turn = 0; turn < 50 && waiting > 0; turn += 1) await new Promise<void>((resolve) => setImmediate(resolve));
    for (const close of closers.splice(0)) await settleOrStall(close());
    db = undefined;
    await peersGone(tcpBefore);
  });

  const service = {
    tmp,
    /** The datastores of this test, opened on first use. */
    async db(): Promise<AccountDb> {
      return (db ??= await openDb(tmp.path));
    },
    /** Opens the datastores' files again, as a restarted process would. */
    reopen(): Promise<AccountDb> {
      return openDb(tmp.path);
    },

    /** startAccountServer(options, callback), as old callers use it. */
    async startCallback(options: Partial<AccountServerOptions> = {}): Promise<AccountServer> {
      const full: AccountServerOptions = { db: await service.db(), iterations: TEST_ITERATIONS, ...options };
      let returned = false;
      let calls = 0;
      const started = new Promise<AccountServer>((resolve, reject) => {
        startAccountServer(full, (err, server) => {
          calls += 1;
          if (server) closers.push(() => new Promise<void>((done) => server.close(() => done())));
          if (calls > 1) return;
          if (!returned) reject(new KataAssertionError(messages.callbackCalledSynchronously('startAccountServer')));
          else if (err) reject(err);
          else resolve(server!);
        });
      });
      returned = true;
      const result = await settleOrStall(started);
      if (result === 'stalled') throw new KataAssertionError(messages.callbackNeverCalled('startAccountServer'));
      if (!result.ok) throw result.error;
      return result.value;
    },

    /** promises.startAccountServer(options), as new callers use it. */
    async startPromise(options: Partial<AccountServerOptions> = {}): Promise<PromiseAccountServer> {
      const full: AccountServerOptions = { db: await service.db(), iterations: TEST_ITERATIONS, ...options };
      const server = await callPromise('promises.startAccountServer()', () => promises.startAccountServer(full));
      closers.push(() => server.close());
      return server;
    },
  };
  return service;
}
