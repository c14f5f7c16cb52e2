/**
 * A real HTTP server on 127.0.0.1 (a free port) for katas whose code makes requests: scripted
 * routes, faults as `fetch` really meets them, and a gate that holds requests so a test can
 * prove "all N at once" or "never more than K, refilled as each finishes" without a clock.
 *
 * @example
 * describe('fetchAll', () => {
 *   const server = useLoopbackServer();
 *   it('starts every request before awaiting any', async () => {
 *     server.route('GET', /^\/items\/\d+$/, { json: { ok: true } });
 *     const gate = server.gate();
 *     const all = fetchAll([1, 2, 3].map((id) => `${server.url}/items/${id}`));
 *     await gate.expectAllAtOnce(3, 'fetchAll(3 urls)');
 *     await all;
 *   });
 * });
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

import { KataAssertionError } from './callbacks';
import { networkMessages } from './messages/network';
import { settledYet, untilDoneOrStalled } from './quiet';

// Captured at load: sinon's default fake set replaces setImmediate, and teardown must keep turning.
const realSetImmediate = setImmediate;

// ---------------------------------------------------------------------------------------------
// Routes and faults

/** A request as the server received it. */
export interface RecordedRequest {
  method: string;
  /** Path and query, as sent: `/items/1?full=true`. */
  path: string;
  url: URL;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** What to answer. `json` wins over nothing; `body` is sent as is (for malformed payloads). */
export interface CannedResponse {
  /** Default 200. */
  status?: number;
  headers?: Record<string, string>;
  json?: unknown;
  body?: string | Buffer;
  /** Answer only after this many ms of `setTimeout`, looked up when the request arrives so sinon's fake timers drive it. */
  delayMs?: number;
  /** A broken answer instead of (or after the headers of) the response above. */
  fault?: 'never' | 'reset' | 'destroy' | 'short-body';
}

/** A handler for full control; the fixture has already read the request body. */
export type RouteHandler = (req: RecordedRequest, res: http.ServerResponse) => unknown;

export type Reply = CannedResponse | RouteHandler;

/**
 * Faults as a client meets them (measured with Node 20's fetch): `reset` -> ECONNRESET,
 * `destroy` -> TypeError "fetch failed" (cause UND_ERR_SOCKET), `shortBody` -> TypeError
 * "terminated" while reading the body, `malformedJson` -> SyntaxError from `res.json()`.
 *
 * @example
 * server.route('GET', '/quote', [httpFaults.serverError(503), httpFaults.reset(), { json: { price: 1 } }]);
 */
export const httpFaults = {
  /** The answer `then` (default 200 `{}`), after `ms` of (possibly fake) timer time. */
  delay: (ms: number, then: CannedResponse = { json: {} }): CannedResponse => ({ ...then, delayMs: ms }),
  /** Never answers; the connection stays open until the client gives up or the test ends. */
  never: (): CannedResponse => ({ fault: 'never' }),
  /** Closes the connection with a TCP RST: the client sees ECONNRESET. */
  reset: (): CannedResponse => ({ fault: 'reset' }),
  /** Closes the connection without answering. */
  destroy: (): CannedResponse => ({ fault: 'destroy' }),
  /** A 5xx (default 500) with a JSON error body. */
  serverError: (status = 500, json: unknown = { error: http.STATUS_CODES[status] ?? 'Server Error' }): CannedResponse => ({ status, json }),
  /** 200, `Content-Type: application/json`, and a body that is not JSON. */
  malformedJson: (text = '{"items": [1, 2, '): CannedResponse => ({ headers: { 'content-type': 'application/json' }, body: text }),
  /** Headers announce the whole body; half of it is sent, then the connection closes. */
  shortBody: (json: unknown = { items: [1, 2, 3, 4, 5, 6, 7, 8], note: 'cut short by the test server' }): CannedResponse => ({ json, fault: 'short-body' }),
} as const;

interface Route {
  method: string;
  path: string | RegExp;
  replies: Reply[];
  hits: number;
}

// ---------------------------------------------------------------------------------------------
// Gate

/** Which requests a gate holds; every field that is given must match. */
export interface GateMatch {
  method?: string;
  /** The path without its query: exact string or RegExp. */
  path?: string | RegExp;
}

interface Held {
  request: RecordedRequest;
  release: () => void;
}

/**
 * Holds matching requests until released and counts them. Requests whose client gave up while
 * held stop counting as in flight.
 *
 * @example
 * const gate = server.gate({ path: /^\/items\// });
 * const run = mapWithLimit(ids, 2, fetchItem);
 * await gate.expectConcurrencyLimit(2, ids.length, 'mapWithLimit(5 ids, 2)');
 * await run;
 */
export class Gate {
  readonly #held: Held[] = [];
  readonly #isClosed: () => boolean;
  #arrived = 0;
  #released = 0;
  #abandoned = 0;
  #max = 0;

  /** @internal Built by {@link LoopbackServer.gate}. */
  constructor(
    readonly match: GateMatch,
    isClosed: () => boolean,
    /** The server's port: what a test passes as `wire` (quiet.ts) to step on an empty wire. */
    readonly port = 0,
  ) {
    this.#isClosed = isClosed;
  }

  /** Requests held right now. */
  get inFlight(): number {
    return this.#held.length;
  }
  /** The most requests held at the same time so far. */
  get maxInFlight(): number {
    return this.#max;
  }
  /** Requests that reached the gate so far. */
  get arrived(): number {
    return this.#arrived;
  }
  /** Requests let through so far. */
  get released(): number {
    return this.#released;
  }
  /** Requests whose client closed the connection while they were held. */
  get abandoned(): number {
    return this.#abandoned;
  }
  /** The requests held right now, oldest first. */
  get heldRequests(): RecordedRequest[] {
    return this.#held.map((h) => h.request);
  }

  /** @internal */
  matches(method: string, pathname: string): boolean {
    const { method: m, path: p } = this.match;
    if (m !== undefined && m.toUpperCase() !== method) return false;
    if (p === undefined) return true;
    return typeof p === 'string' ? p === pathname : p.test(pathname);
  }

  /** @internal Holds a request; `release` answers it, `abandon` is wired to the client giving up. */
  hold(request: RecordedRequest, release: () => void): () => void {
    const entry: Held = { request, release };
    this.#held.push(entry);
    this.#arrived += 1;
    this.#max = Math.max(this.#max, this.#held.length);
    return () => {
      const at = this.#held.indexOf(entry);
      if (at < 0) return;
      this.#held.splice(at, 1);
      this.#abandoned += 1;
    };
  }

  /**
   * Resolves once `n` requests are held at the same time. Rejects with a learner's message when
   * fewer are held and nothing is left that could bring more (the requests are run one after another).
   */
  async waitForInFlight(n: number, label = 'the code'): Promise<void> {
    const verdict = await this.#until(() => this.#held.length >= n);
    if (verdict === 'stalled') throw new KataAssertionError(networkMessages.notAllAtOnce(label, n, this.#held.length));
  }

  /** Lets the oldest held request through to its route, and returns it. */
  releaseOne(): RecordedRequest {
    const entry = this.#held.shift();
    if (!entry) throw new Error(networkMessages.nothingToRelease(0));
    this.#released += 1;
    entry.release();
    return entry.request;
  }

  /**
   * Lets the oldest held request whose path (with its query) matches through, and returns it: the
   * test picks the order in which upstreams answer. A string matches a path that contains it.
   */
  release(path: string | RegExp): RecordedRequest {
    const at = this.#held.findIndex((h) => (typeof path === 'string' ? h.request.path.includes(path) : path.test(h.request.path)));
    if (at < 0) throw new Error(networkMessages.nothingMatchesRelease(String(path), this.#held.map((h) => `${h.request.method} ${h.request.path}`)));
    const [entry] = this.#held.splice(at, 1);
    this.#released += 1;
    entry!.release();
    return entry!.request;
  }

  /** Lets every held request through; returns how many. */
  releaseAll(): number {
    const count = this.#held.length;
    for (let i = 0; i < count; i += 1) this.releaseOne();
    return count;
  }

  /**
   * Proves the `total` requests were all in flight together, then lets them through. Given the
   * call under test as `settling`, it stops as soon as that settles first, and answers false (a
   * call that has already failed, "not written yet", then fails its test at once, not after the
   * stall floor); true once proved.
   */
  async expectAllAtOnce(total: number, label = 'the code', settling?: Promise<unknown>): Promise<boolean> {
    const settled = settledYet(settling);
    const verdict = await this.#until(() => this.#held.length >= total || settled());
    if (this.#held.length < total && settled()) return false;
    if (verdict === 'stalled') throw new KataAssertionError(networkMessages.notAllAtOnce(label, total, this.#held.length));
    this.releaseAll();
    return true;
  }

  /**
   * Proves a pool of at most `limit`: fills to min(limit, total), never exceeds `limit` (checked
   * once the loop is quiet), and refills to min(limit, not yet finished) after each release,
   * which catches batching (3,2,1,3,2,1). Releases every request on the way. Given the call under
   * test as `settling`, it answers false as soon as that settles before the pool is first filled
   * (as expectAllAtOnce does); true once proved.
   */
  async expectConcurrencyLimit(limit: number, total: number, label = 'the code', settling?: Promise<unknown>): Promise<boolean> {
    const overLimit = () => new KataAssertionError(networkMessages.overLimit(label, limit, this.#max));
    const first = Math.min(limit, total);
    const settled = settledYet(settling);
    const filled = await this.#until(() => this.#held.length >= first || this.#max > limit || settled());
    if (this.#held.length < first && this.#max <= limit && settled()) return false;
    if (filled === 'stalled') {
      throw new KataAssertionError(networkMessages.poolNotFilled(label, limit, total, this.#held.length));
    }
    let finished = 0;
    for (;;) {
      // Quiet, not a clock, decides that no extra request is coming; a turn count suffices as a
      // late extra request is still caught by the maximum at the next step.
      await this.#until(() => this.#max > limit, 0);
      if (this.#max > limit) throw overLimit();
      if (finished === total) break;
      if (this.#held.length === 0) throw new KataAssertionError(networkMessages.fewerRequests(label, total, this.#arrived));
      this.releaseOne();
      finished += 1;
      if (finished === total) continue;
      const expected = Math.min(limit, total - finished);
      const verdict = await this.#until(() => this.#held.length >= expected || this.#max > limit);
      if (this.#max > limit) throw overLimit();
      if (verdict === 'stalled') {
        if (this.#held.length === 0) throw new KataAssertionError(networkMessages.fewerRequests(label, total, this.#arrived));
        throw new KataAssertionError(networkMessages.notRefilled(label, limit, this.#held.length, expected, finished, total));
      }
    }
    return true;
  }

  #until(done: () => boolean, floorMs?: number): Promise<'done' | 'stalled'> {
    return untilDoneOrStalled({
      done,
      progress: () => this.#arrived + this.#abandoned,
      cancelled: this.#isClosed,
      ...(floorMs === undefined ? {} : { floorMs }),
    });
  }
}

// ---------------------------------------------------------------------------------------------
// Server

/**
 * The running server. Requests not held by a gate go to the first matching route, or get a 404
 * whose body names the routes the server knows.
 *
 * @example
 * const server = await startLoopbackServer();
 * server.route('POST', '/orders', { status: 201, json: { id: 7 } });
 * await fetch(`${server.url}/orders`, { method: 'POST', body: '{}' });
 * server.requests[0]?.body; // '{}'
 * await server.close();
 */
export class LoopbackServer {
  readonly #server: http.Server;
  readonly #routes: Route[] = [];
  readonly #gates: Gate[] = [];
  readonly #pending = new Set<() => void>();
  readonly #requests: RecordedRequest[] = [];
  readonly #socketsBefore: number;
  #closed = false;

  /** @internal Use {@link startLoopbackServer}. */
  constructor(server: http.Server, socketsBefore: number) {
    this.#server = server;
    this.#socketsBefore = socketsBefore;
    // #onRequest handles its own failures (a client that gives up, a throwing handler).
    server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => void this.#onRequest(req, res));
  }

  /** `http://127.0.0.1:<port>`, without a trailing slash. */
  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }
  get port(): number {
    return (this.#server.address() as AddressInfo).port;
  }
  /** Every request received, in order of arrival. */
  get requests(): readonly RecordedRequest[] {
    return this.#requests;
  }

  /**
   * Answers `method path` (path without query: exact string or RegExp). With an array, the nth
   * request gets the nth reply and the last one repeats: `[httpFaults.reset(), { json: 1 }]`.
   */
  route(method: string, path: string | RegExp, reply: Reply | readonly Reply[]): void {
    const replies = Array.isArray(reply) ? [...(reply as readonly Reply[])] : [reply as Reply];
    if (replies.length === 0) throw new Error('route(): give at least one reply');
    this.#routes.push({ method: method.toUpperCase(), path, replies, hits: 0 });
  }

  /** Holds every matching request (default: all) until the test releases it. */
  gate(match: GateMatch = {}): Gate {
    const gate = new Gate(match, () => this.#closed, this.port);
    this.#gates.push(gate);
    return gate;
  }

  /** Closes every connection (held or idle) and the server, and waits for the sockets to be gone. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const cancel of this.#pending) cancel();
    this.#pending.clear();
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
    await peersGone(this.#socketsBefore);
  }

  async #onRequest(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    try {
      for await (const chunk of req) chunks.push(chunk as Buffer);
    } catch {
      return; // the client gave up while sending its body: nothing to answer
    }
    const url = new URL(req.url ?? '/', this.url);
    const request: RecordedRequest = {
      method: req.method ?? 'GET',
      path: `${url.pathname}${url.search}`,
      url,
      headers: req.headers,
      body: Buffer.concat(chunks).toString('utf8'),
    };
    this.#requests.push(request);
    if (this.#closed) return;
    const answer = () => this.#dispatch(request, res);
    const gate = this.#gates.find((g) => g.matches(request.method, url.pathname));
    if (!gate) return answer();
    const abandon = gate.hold(request, answer);
    res.on('close', abandon);
  }

  #dispatch(request: RecordedRequest, res: http.ServerResponse): void {
    if (this.#closed || res.destroyed) return;
    const { pathname } = request.url;
    const route = this.#routes.find(
      (r) => r.method === request.method && (typeof r.path === 'string' ? r.path === pathname : r.path.test(pathname)),
    );
    if (!route) {
      const known = this.#routes.map((r) => `${r.method} ${String(r.path)}`);
      return void respond(res, { status: 404, json: { error: networkMessages.noRoute(request.method, request.path, known) } });
    }
    const reply = route.replies[Math.min(route.hits, route.replies.length - 1)]!;
    route.hits += 1;
    if (typeof reply === 'function') {
      void Promise.resolve()
        .then(() => reply(request, res))
        .catch((err: unknown) => {
          if (!res.headersSent) respond(res, { status: 500, json: { error: networkMessages.handlerFailed(request.method, pathname, err) } });
          else res.destroy();
        });
      return;
    }
    if (!reply.delayMs) return respond(res, reply);
    // The global, looked up now: fake timers installed by the test replace it.
    const clear = globalThis.clearTimeout;
    const timer = globalThis.setTimeout(() => {
      this.#pending.delete(cancel);
      respond(res, reply);
    }, reply.delayMs);
    const cancel = () => clear(timer);
    this.#pending.add(cancel);
    res.on('close', () => {
      this.#pending.delete(cancel);
      cancel();
    });
  }
}

function respond(res: http.ServerResponse, reply: CannedResponse): void {
  if (res.destroyed) return;
  const socket = res.socket;
  switch (reply.fault) {
    case 'never':
      return;
    case 'reset':
      socket?.resetAndDestroy();
      return;
    case 'destroy':
      socket?.destroy();
      return;
    default:
  }
  const isJson = reply.body === undefined && reply.json !== undefined;
  const body = reply.body !== undefined ? Buffer.from(reply.body) : isJson ? Buffer.from(JSON.stringify(reply.json)) : Buffer.alloc(0);
  res.writeHead(reply.status ?? 200, {
    'content-type': isJson ? 'application/json' : 'text/plain; charset=utf-8',
    'content-length': String(body.length),
    ...reply.headers,
  });
  if (reply.fault === 'short-body') {
    // Destroy only once the first half has reached the kernel, or the client sees no body at all.
    res.write(body.subarray(0, Math.max(1, Math.floor(body.length / 2))), () => socket?.destroy());
    return;
  }
  res.end(body);
}

/**
 * Waits (at most 50 turns) until no more than `before` TCP sockets and servers are open. The
 * client's ends of closed connections (fetch's keep-alive pool, an http.Agent) notice the close
 * a turn or two later. A fast path, not a bound: on a loaded machine the root hooks' leak check
 * waits longer (by the clock) before it reports a socket as left open.
 *
 * @example
 * const before = tcpHandles();
 * // ... start a server, serve, destroy every socket, close it ...
 * await peersGone(before);
 */
export async function peersGone(before: number): Promise<void> {
  for (let turn = 0; turn < 50; turn += 1) {
    if (tcpHandles() <= before) return;
    await new Promise<void>((resolve) => realSetImmediate(resolve));
  }
}

/**
 * TCP sockets and servers open in the process right now.
 *
 * @example
 * const before = tcpHandles();
 */
export function tcpHandles(): number {
  return process.getActiveResourcesInfo().filter((t) => t === 'TCPSocketWrap' || t === 'TCPServerWrap').length;
}

/**
 * Starts a server on 127.0.0.1 and a free port.
 *
 * @example
 * const server = await startLoopbackServer();
 * try { ... } finally { await server.close(); }
 */
export async function startLoopbackServer(): Promise<LoopbackServer> {
  const before = tcpHandles();
  const server = http.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  return new LoopbackServer(server, before);
}

/**
 * Registers beforeEach/afterEach hooks in the enclosing `describe`: each test gets a fresh server
 * (no routes, no gates), closed with all its connections after the test.
 *
 * @example
 * describe('retry', () => {
 *   const server = useLoopbackServer();
 *   it('retries a 503', async () => {
 *     server.route('GET', '/x', [httpFaults.serverError(503), { json: { ok: true } }]);
 *     await getWithRetry(`${server.url}/x`);
 *   });
 * });
 */
export function useLoopbackServer(): LoopbackServer {
  let current: LoopbackServer | undefined;
  beforeEach(async () => {
    current = await startLoopbackServer();
  });
  afterEach(async () => {
    const server = current;
    current = undefined;
    await server?.close();
  });
  return new Proxy({} as LoopbackServer, {
    get(_target, key) {
      if (!current) throw new Error(networkMessages.outsideTest('the loopback server', 'useLoopbackServer'));
      const value: unknown = Reflect.get(current, key, current);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(current) : value;
    },
  });
}
