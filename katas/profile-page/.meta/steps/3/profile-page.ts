/**
 * The profile page: `GET /profile/<user>` answers an HTML page made of three parts, each from its
 * own upstream service: the page template, the user's picture, and the list of their friends.
 *
 * Written in 2014 and not touched since. It works on the happy path. Your job is in README.md.
 */
import * as http from 'node:http';
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

// The page's layout has room for 50 friends: the first 50 the service lists.
const MAX_FRIENDS = 50;

export type ProfileCallback = (err: ProfileError | null, html?: string) => void;
export type RequestHandler = (req: http.IncomingMessage, res: http.ServerResponse) => void;

/**
 * Calls back with the page's HTML for `user`, or with an error whose `upstream` names the service
 * that failed.
 */
export const loadProfile: (user: string, options: ProfileOptions, callback: ProfileCallback) => void = callbackify(
  (user: string, options: ProfileOptions): Promise<string> => promises.loadProfile(user, options),
);

/**
 * The request handler old callers mount: `http.createServer(profileHandler(options))`. It answers
 * `GET /profile/<user>` with the page (200, text/html), an upstream failure with 502 and a JSON
 * body `{"error": "Bad Gateway", "upstream": "<name>"}`, and any other request with 404.
 */
export function profileHandler(options: ProfileOptions): RequestHandler {
  return function (req, res) {
    var match = /^\/profile\/([\w.-]+)$/.exec(req.url as string);
    if (req.method !== 'GET' || !match) {
      res.writeHead(404, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ error: 'not found' }));
      return;
    }
    res.setHeader('Content-Type', 'text/html; charset=utf-8');
    loadProfile(match[1]!, options, function (err, html) {
      if (err) {
        var status = err.status || 502;
        res.statusCode = status;
        res.setHeader('Content-Type', 'application/json');
        res.end(JSON.stringify({ error: http.STATUS_CODES[status], upstream: err.upstream }));
        return;
      }
      res.end(html);
    });
  };
}

const DEFAULT_TIMEOUT_MS = 5000;

/** One upstream: its answer read by `read`; any failure, a ProfileError naming it (504 past the deadline). */
async function ask<T>(upstream: Upstream, url: string, read: (res: Response) => Promise<T>, deadline: AbortSignal): Promise<T> {
  try {
    const res = await fetch(url, { signal: deadline });
    if (res.status !== 200) throw new Error(`answered ${res.status}`);
    return await read(res);
  } catch (err) {
    const error: ProfileError = new Error(`the ${upstream} upstream failed: ${(err as Error).message}`, { cause: err });
    error.upstream = upstream;
    error.status = deadline.aborted ? 504 : 502;
    throw error;
  }
}

export const promises = {
  /**
   * Resolves with the page's HTML for `user`, the three upstreams asked at once. Rejects with an
   * error whose `upstream` names the service that failed and whose `status` is 502 (a connection
   * error, a status other than 200, a body that is not JSON) or 504 (no answer within
   * `timeoutMs`).
   *
   * TODO(step 4): ask the three upstreams at once.
   */
  async loadProfile(user: string, options: ProfileOptions): Promise<string> {
    const deadline = AbortSignal.timeout(options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    const id = encodeURIComponent(user);
    const template = await ask('template', options.templateUrl, (res) => res.text(), deadline);
    const avatar = await ask('avatar', `${options.avatarUrl}/${id}`, async (res) => Buffer.from(await res.arrayBuffer()), deadline);
    const body = await ask('friends', `${options.friendsUrl}/${id}`, async (res) => (await res.json()) as { friends?: Friend[] }, deadline);
    return renderPage(template, user, avatar, (body.friends ?? []).slice(0, MAX_FRIENDS));
  },

  /**
   * The async request handler (it returns a promise): answers as profileHandler does, 504 with a
   * JSON body `{"error": "Gateway Timeout", "upstream": "<name>"}` when an upstream is too slow,
   * and calls `res.end` exactly once.
   */
  profileHandler(options: ProfileOptions): (req: http.IncomingMessage, res: http.ServerResponse) => Promise<void> {
    return async (req, res) => {
      const match = /^\/profile\/([\w.-]+)$/.exec(String(req.url));
      if (req.method !== 'GET' || !match) {
        res.writeHead(404, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ error: 'not found' }));
        return;
      }
      try {
        const html = await promises.loadProfile(match[1]!, options);
        res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
        res.end(html);
      } catch (err) {
        const { status = 502, upstream } = err as ProfileError;
        res.writeHead(status, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ error: http.STATUS_CODES[status], upstream }));
      }
    };
  },
};
