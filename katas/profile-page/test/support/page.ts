/**
 * The kata's fixtures: three upstream services (real HTTP servers on 127.0.0.1, a free port
 * each), a page server that mounts the handler under test, and a plain HTTP client that fails with
 * a message, instead of at mocha's timeout, when the page never answers.
 *
 * The client opens one connection per request (`agent: false`): no keep-alive socket of the test
 * outlives a test. The page server counts every `res.end` call of every response it served.
 *
 * @example
 * const upstreams = useUpstreams();
 * const pages = usePageServer();
 * it('answers', async () => {
 *   upstreams.serve();
 *   const page = await pages.start(profileHandler(upstreams.options()));
 *   const reply = await page.get('/profile/ada');
 * });
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

import {
  expectRejection,
  httpFaults,
  KataAssertionError,
  type LoopbackServer,
  peersGone,
  type Reply as UpstreamReply,
  tcpHandles,
  untilDoneOrStalled,
  useLoopbackServer,
  whenQuiet,
} from '../../../../src/harness';
import type { ProfileOptions, Upstream } from '../../src/profile-page';

export { httpFaults };

/** The template the template service answers. */
export const TEMPLATE = '<!doctype html><title>{{name}}</title><h1>{{name}}</h1><img src="{{avatar}}"><ul>{{friends}}</ul>';
/** A picture whose bytes are not UTF-8 (a PNG signature starts with 0x89): read as text, it is mangled. */
export const AVATAR = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0xff, 0xfe, 0x00, 0xc3, 0x28, 0x41]);
export const FRIENDS = [{ name: 'Grace' }, { name: 'Linus & Ken' }];

/** The page the legacy code renders for `user` from the three answers above. */
export function expectedPage(user: string, friends: Array<{ name: string }> = FRIENDS): string {
  const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
  return TEMPLATE.replace(/\{\{name\}\}/g, esc(user))
    .replace('{{avatar}}', `data:image/png;base64,${AVATAR.toString('base64')}`)
    .replace('{{friends}}', friends.map((f) => `<li>${esc(f.name)}</li>`).join(''));
}

export const UPSTREAMS: readonly Upstream[] = ['template', 'avatar', 'friends'];

/** Generous on purpose: no test may depend on it firing, except those that set their own. */
export const TEST_TIMEOUT_MS = 60_000;
/**
 * How long the tests of a never-answering upstream give the page. The verdict never depends on
 * it: the upstream never answers, so only the deadline can end the wait.
 */
export const SHORT_TIMEOUT_MS = 100;
/**
 * A page is declared "never answers" only after this many real ms with nothing left to do: ten
 * times SHORT_TIMEOUT_MS, so that a deadline which does fire is always seen first.
 */
const STALL_MS = 1000;

/**
 * The answer with `Connection: close`: the upstream closes each connection once it has answered,
 * so no idle keep-alive socket makes a callback API look busy for seconds after it called back.
 */
function closing(reply: UpstreamReply): UpstreamReply {
  return typeof reply === 'function' ? reply : { ...reply, headers: { ...reply.headers, connection: 'close' } };
}

/** Three upstream services, fresh for each test. Registers hooks in the enclosing describe. */
export function useUpstreams() {
  const servers: Record<Upstream, LoopbackServer> = {
    template: useLoopbackServer(),
    avatar: useLoopbackServer(),
    friends: useLoopbackServer(),
  };
  return {
    servers,
    /** Routes for the three services: the answers above, unless `replies` names another for one. */
    serve(replies: Partial<Record<Upstream, UpstreamReply>> = {}): void {
      servers.template.route('GET', '/template.html', closing(replies.template ?? { headers: { 'content-type': 'text/html' }, body: TEMPLATE }));
      servers.avatar.route('GET', /^\/avatars\/[^/]+$/, closing(replies.avatar ?? { headers: { 'content-type': 'image/png' }, body: AVATAR }));
      servers.friends.route('GET', /^\/friends\/[^/]+$/, closing(replies.friends ?? { json: { friends: FRIENDS } }));
    },
    /** The options that point the page at these services. */
    options(extra: Partial<ProfileOptions> = {}): ProfileOptions {
      return {
        templateUrl: `${servers.template.url}/template.html`,
        avatarUrl: `${servers.avatar.url}/avatars`,
        friendsUrl: `${servers.friends.url}/friends`,
        timeoutMs: TEST_TIMEOUT_MS,
        ...extra,
      };
    },
  };
}

/** An answer as the browser received it. */
export interface PageReply {
  status: number;
  contentType: string | undefined;
  /** The body parsed as JSON; undefined when it is not JSON. */
  json: any;
  text: string;
}

/** What the page server saw of one response. */
interface Served {
  path: string;
  ends: number;
  errors: unknown[];
}

type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => unknown;

/** A page server around `handler`: `get(path)` asks it, then checks `res.end` was called once. */
export interface PageServer {
  url: string;
  get(path: string): Promise<PageReply>;
  /** Any method; answered like get(). */
  request(method: string, path: string): Promise<PageReply>;
  /** Requests sent and not yet answered, for tests that check what happens meanwhile. */
  readonly served: readonly Served[];
}

const isThenable = (v: unknown): v is PromiseLike<unknown> => typeof (v as { then?: unknown } | null)?.then === 'function';

// Captured at load: a test's fake clock must not stop the wait for sockets to close.
/** Starts page servers and, after each test, closes them with every connection. */
export function usePageServer() {
  const closers: Array<() => Promise<void>> = [];
  const open = new Set<http.ClientRequest>();
  let socketsBefore = 0;
  beforeEach(() => {
    socketsBefore = tcpHandles();
  });
  afterEach(async () => {
    for (const req of open) req.destroy();
    open.clear();
    for (const close of closers.splice(0)) await close();
    // Every server is closed by now (the upstreams' hook runs first), so every client socket, the
    // test's and those the page's fetch opened, has its peer's FIN to read: wait (a bounded time)
    // until they close, so the leak check sees what stays open, whatever the machine's load.
    await peersGone(socketsBefore);
  });

  return {
    /**
     * Mounts `handler` (a callback-era handler, or an async one whose promise the server awaits)
     * on a fresh server. `expectPromise` fails a handler that does not return a promise.
     */
    async start(handler: Handler, { expectPromise = false } = {}): Promise<PageServer> {
      const served: Served[] = [];
      const handlerFailures: unknown[] = [];
      const server = http.createServer((req, res) => {
        const record: Served = { path: req.url ?? '', ends: 0, errors: [] };
        served.push(record);
        const end = res.end.bind(res) as (...args: unknown[]) => http.ServerResponse;
        res.end = ((...args: unknown[]) => {
          record.ends += 1;
          return end(...args);
        }) as typeof res.end;
        // A second res.end emits ERR_STREAM_WRITE_AFTER_END here: recorded, not a crash.
        res.on('error', (err) => record.errors.push(err));
        const result = handler(req, res);
        if (expectPromise && !isThenable(result)) {
          handlerFailures.push(new KataAssertionError('the async handler returned undefined: did you forget to return the promise (an async function)?'));
        }
        if (isThenable(result)) {
          result.then(undefined, (err: unknown) => {
            handlerFailures.push(err);
            if (!res.headersSent) {
              res.writeHead(500, { 'content-type': 'text/plain' });
              end(`the handler rejected: ${String(err)}`);
            }
          });
        }
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      closers.push(async () => {
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      });
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

      const ask = async (method: string, path: string): Promise<PageReply> => {
        let settled = false;
        const sent = request(url, method, path, open).finally(() => (settled = true));
        // Read below; a request destroyed after a failed test must not count as unhandled.
        sent.catch(() => undefined);
        const verdict = await untilDoneOrStalled({ done: () => settled, floorMs: STALL_MS });
        if (verdict === 'stalled') {
          throw new KataAssertionError(
            `${method} ${path} never got an answer: the page had nothing left to do (no I/O in progress, no timer of its own) and never responded. ` +
              'Look for a path that neither answers nor throws: an upstream error or an aborted body that nobody listens for, ' +
              'a request with no deadline (AbortSignal.timeout), a promise nobody awaits.',
          );
        }
        const reply = await sent;
        // A second res.end comes at once or a turn later: let it show before counting.
        await whenQuiet({ handles: 'ignore' });
        const mine = served.filter((s) => s.path === path);
        const record = mine[mine.length - 1];
        if (handlerFailures.length > 0) throw handlerFailures[0];
        if (record && record.ends > 1) {
          throw new KataAssertionError(
            `res.end was called ${record.ends} times for ${method} ${path} (answered ${reply.status}): ` +
              'after the error answer, the code went on and answered again. A missing `return` after answering the error, ' +
              'or a callback called twice (an error, then the page). Answer exactly once.',
          );
        }
        return reply;
      };
      return { url, served, get: (path) => ask('GET', path), request: ask };
    },
  };
}

function request(url: string, method: string, path: string, open: Set<http.ClientRequest>): Promise<PageReply> {
  return new Promise<PageReply>((resolve, reject) => {
    const req = http.request(`${url}${path}`, { method, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () => {
        open.delete(req);
        const text = Buffer.concat(chunks).toString('utf8');
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
    req.end();
  });
}

/**
 * Resolves once `done()` holds; fails with `message` once nothing is left that could make it
 * hold (the loop quiet for STALL_MS).
 */
export async function expectEventually(done: () => boolean, message: () => string): Promise<void> {
  const verdict = await untilDoneOrStalled({ done, floorMs: STALL_MS });
  if (verdict === 'stalled') throw new KataAssertionError(message());
}

/**
 * Proves the three upstreams were asked at once: resolves once each of the three gates holds a
 * request at the same moment; fails, naming which were asked, when the loop goes quiet first.
 * Given the call under test as `settling`, a call that rejects first fails with its own error,
 * at once ("not written yet").
 */
export async function expectAllThreeAtOnce(gates: Record<Upstream, { inFlight: number; arrived: number }>, label: string, settling?: Promise<unknown>): Promise<void> {
  const held = () => UPSTREAMS.filter((u) => gates[u].inFlight > 0);
  let failed: { error: unknown } | undefined;
  settling?.catch((error: unknown) => (failed = { error }));
  const verdict = await untilDoneOrStalled({
    done: () => held().length === UPSTREAMS.length || failed !== undefined,
    progress: () => UPSTREAMS.reduce((n, u) => n + gates[u].arrived, 0),
  });
  if (held().length < UPSTREAMS.length && failed) {
    const { error } = failed;
    throw error instanceof KataAssertionError ? error : new KataAssertionError(`${label} failed before the three upstreams were asked, with ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`);
  }
  if (verdict === 'stalled') {
    const asked = held();
    throw new KataAssertionError(
      `${label} asked ${asked.length === 0 ? 'none' : asked.join(' and ')} of the three upstreams, then waited: ` +
        `${UPSTREAMS.filter((u) => !asked.includes(u)).join(' and ')} had not been asked when the loop went quiet. ` +
        'The three requests are independent: start all three first, then await them together (Promise.all), ' +
        'so that the page takes as long as the slowest upstream, not the sum of the three.',
    );
  }
}

/**
 * expectRejection, or a failure with a message once nothing is left that could settle the
 * promise (no deadline fired: the loop quiet for STALL_MS).
 */
export async function expectRejectionInTime(label: string, invoke: () => Promise<unknown>): Promise<Error> {
  let settled = false;
  const result = expectRejection(label, invoke).finally(() => (settled = true));
  result.catch(() => undefined);
  const verdict = await untilDoneOrStalled({ done: () => settled, floorMs: STALL_MS });
  if (verdict === 'stalled') {
    throw new KataAssertionError(
      `${label} never settled: nothing was left to do (no I/O in progress, no timer of its own) and it neither resolved nor rejected. ` +
        'An upstream that never answers is only cut by a deadline: AbortSignal.timeout(options.timeoutMs) as the signal of every fetch.',
    );
  }
  return result;
}
