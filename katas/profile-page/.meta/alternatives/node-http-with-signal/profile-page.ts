/**
 * The profile page: `GET /profile/<user>` answers an HTML page made of three parts, each from its
 * own upstream service: the page template, the user's picture, and the list of their friends.
 *
 * The three are asked at once, under one deadline (AbortSignal.timeout) shared by all three. The
 * first failure answers the page and aborts the requests still running: nothing is left open.
 * No fetch here: node:http's own client takes an AbortSignal too, and events.once and
 * node:stream/consumers turn its events into promises.
 */
import { once } from 'node:events';
import * as http from 'node:http';
import { buffer } from 'node:stream/consumers';
import { callbackify } from 'node:util';

import { type Friend, renderPage } from './render-page';

export interface ProfileOptions {
  /** GET it answers the HTML template, with `{{name}}`, `{{avatar}}` and `{{friends}}` in it. */
  templateUrl: string;
  /** GET `<avatarUrl>/<user>` answers the user's picture (PNG bytes). */
  avatarUrl: string;
  /** GET `<friendsUrl>/<user>` answers `{"friends": [{"name": "..."}]}`. */
  friendsUrl: string;
  /**
   * How long the page may wait for its upstreams, all three together, in ms: past it, the page
   * answers 504.
   */
  timeoutMs?: number;
}

/** Which upstream failed: 'template', 'avatar' or 'friends'. */
export type Upstream = 'template' | 'avatar' | 'friends';

/** The error a failed page calls back (or rejects) with. */
export interface ProfileError extends Error {
  /** The upstream that failed. */
  upstream?: Upstream;
  /** The status the page answers for it: 502 (the upstream failed) or 504 (it was too slow). */
  status?: number;
}

export type ProfileCallback = (err: ProfileError | null, html?: string) => void;
export type RequestHandler = (req: http.IncomingMessage, res: http.ServerResponse) => void;

const DEFAULT_TIMEOUT_MS = 5000;
// The page's layout has room for 50 friends: the first 50 the service lists.
const MAX_FRIENDS = 50;
const PROFILE_PATH = /^\/profile\/([\w.-]+)$/;

function upstreamError(upstream: Upstream, cause: unknown, timedOut: boolean): ProfileError {
  const reason = timedOut ? 'did not answer in time' : (cause as Error).message;
  const err: ProfileError = new Error(`the ${upstream} upstream failed: ${reason}`, { cause });
  err.upstream = upstream;
  err.status = timedOut ? 504 : 502;
  return err;
}

interface Signals {
  /** Aborts on the deadline or on the first failure: what each request listens to. */
  signal: AbortSignal;
  /** The deadline alone: it tells a 504 from a 502. */
  deadline: AbortSignal;
  /** Aborted by the first failure, to stop the other requests. */
  failed: AbortController;
}

/**
 * One upstream: the answer read by `read`, or a ProfileError. A status other than 200 is a
 * failure. A failure aborts the page's other requests (nobody needs their answers any more), and
 * this request's own unread body with them.
 */
async function ask<T>(upstream: Upstream, url: string, read: (body: Buffer) => T, { signal, deadline, failed }: Signals): Promise<T> {
  try {
    const req = http.get(url, { signal });
    // After the response, an abort destroys the body stream too, and buffer() below rejects with
    // it; the request's own 'error' of that moment has nobody else to listen to it.
    req.on('error', ignore);
    const [res] = (await once(req, 'response')) as [http.IncomingMessage];
    if (res.statusCode !== 200) throw new Error(`answered ${res.statusCode}`);
    return read(await buffer(res));
  } catch (err) {
    const error = upstreamError(upstream, err, deadline.aborted);
    failed.abort(error);
    throw error;
  }
}

const ignore = (): void => undefined;
const readText = (body: Buffer): string => body.toString('utf8');
const readBytes = (body: Buffer): Buffer => body;
const readFriends = (body: Buffer): Friend[] => (JSON.parse(body.toString('utf8')) as { friends?: Friend[] }).friends ?? [];

async function loadProfileAsync(user: string, options: ProfileOptions): Promise<string> {
  const deadline = AbortSignal.timeout(options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  const failed = new AbortController();
  const signals: Signals = { signal: AbortSignal.any([deadline, failed.signal]), deadline, failed };
  const id = encodeURIComponent(user);
  const [template, avatar, friends] = await Promise.all([
    ask('template', options.templateUrl, readText, signals),
    ask('avatar', `${options.avatarUrl}/${id}`, readBytes, signals),
    ask('friends', `${options.friendsUrl}/${id}`, readFriends, signals),
  ]);
  return renderPage(template, user, avatar, friends.slice(0, MAX_FRIENDS));
}

function send(res: http.ServerResponse, status: number, contentType: string, body: string): void {
  res.writeHead(status, { 'Content-Type': contentType });
  res.end(body);
}

function profileHandlerAsync(options: ProfileOptions): (req: http.IncomingMessage, res: http.ServerResponse) => Promise<void> {
  return async (req, res) => {
    const match = PROFILE_PATH.exec(String(req.url));
    if (req.method !== 'GET' || !match) {
      send(res, 404, 'application/json', JSON.stringify({ error: 'not found' }));
      return;
    }
    let html: string;
    try {
      html = await loadProfileAsync(match[1]!, options);
    } catch (err) {
      const { status = 502, upstream } = err as ProfileError;
      send(res, status, 'application/json', JSON.stringify({ error: http.STATUS_CODES[status], upstream }));
      return;
    }
    send(res, 200, 'text/html; charset=utf-8', html);
  };
}

/**
 * Calls back with the page's HTML for `user`, or with an error whose `upstream` names the service
 * that failed.
 */
export const loadProfile: (user: string, options: ProfileOptions, callback: ProfileCallback) => void = callbackify(loadProfileAsync);

/**
 * The request handler old callers mount: `http.createServer(profileHandler(options))`. It answers
 * `GET /profile/<user>` with the page (200, text/html), an upstream failure with 502 and a JSON
 * body `{"error": "Bad Gateway", "upstream": "<name>"}`, and any other request with 404.
 */
export function profileHandler(options: ProfileOptions): RequestHandler {
  const handle = profileHandlerAsync(options);
  return (req, res) => {
    // The async handler answers every failure itself: its promise never rejects.
    void handle(req, res);
  };
}

export const promises = {
  /**
   * Resolves with the page's HTML for `user`, the three upstreams asked at once. Rejects with an
   * error whose `upstream` names the service that failed and whose `status` is 502 (a connection
   * error, a status other than 200, a body that is not JSON) or 504 (no answer within
   * `timeoutMs`).
   */
  loadProfile: loadProfileAsync,

  /**
   * The async request handler (it returns a promise): answers as profileHandler does, 504 with a
   * JSON body `{"error": "Gateway Timeout", "upstream": "<name>"}` when an upstream is too slow,
   * and calls `res.end` exactly once.
   */
  profileHandler: profileHandlerAsync,
};
