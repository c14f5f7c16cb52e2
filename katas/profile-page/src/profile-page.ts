/**
 * The profile page: `GET /profile/<user>` answers an HTML page made of three parts, each from its
 * own upstream service: the page template, the user's picture, and the list of their friends.
 *
 * Written in 2014 and not touched since. It works on the happy path. Your job is in README.md.
 */
import * as http from 'node:http';

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

function get(upstream: Upstream, url: string, callback: (err: ProfileError | null, body?: Buffer) => void): void {
  http
    .get(url, function (res) {
      var chunks: Buffer[] = [];
      res.on('data', function (chunk: Buffer) {
        chunks.push(chunk);
      });
      res.on('end', function () {
        callback(null, Buffer.concat(chunks));
      });
    })
    .on('error', function (err: ProfileError) {
      err.upstream = upstream;
      callback(err);
    });
}

/**
 * Calls back with the page's HTML for `user`, or with an error whose `upstream` names the service
 * that failed.
 *
 * TODO(step 5): once promises.loadProfile works, make this a thin shim over it.
 */
export function loadProfile(user: string, options: ProfileOptions, callback: ProfileCallback): void {
  get('template', options.templateUrl, function (err, template) {
    if (err) return callback(err);
    get('avatar', options.avatarUrl + '/' + encodeURIComponent(user), function (err, avatar) {
      if (err) return callback(err);
      get('friends', options.friendsUrl + '/' + encodeURIComponent(user), function (err, body) {
        if (err) return callback(err);
        var friends: Friend[] = [];
        try {
          friends = JSON.parse(body!.toString('utf8')).friends || [];
          if (friends.length > MAX_FRIENDS) {
            friends = friends.slice(0, MAX_FRIENDS);
          }
        } catch (e) {
          (e as ProfileError).upstream = 'friends';
          callback(e as ProfileError);
        }
        callback(null, renderPage(template!.toString('utf8'), user, avatar!, friends));
      });
    });
  });
}

/**
 * The request handler old callers mount: `http.createServer(profileHandler(options))`. It answers
 * `GET /profile/<user>` with the page (200, text/html), an upstream failure with 502 and a JSON
 * body `{"error": "Bad Gateway", "upstream": "<name>"}`, and any other request with 404.
 *
 * TODO(step 5): once promises.profileHandler works, make this a thin shim over it.
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
        res.statusCode = 502;
        res.setHeader('Content-Type', 'application/json');
        res.end(JSON.stringify({ error: 'Bad Gateway', upstream: err.upstream }));
        return;
      }
      res.end(html);
    });
  };
}

export const promises = {
  /**
   * Resolves with the page's HTML for `user`, the three upstreams asked at once. Rejects with an
   * error whose `upstream` names the service that failed and whose `status` is 502 (a connection
   * error, a status other than 200, a body that is not JSON) or 504 (no answer within
   * `timeoutMs`).
   *
   * TODO(step 2): write it with fetch and async/await, then fix the defects the tests list
   * (step 3), then ask the three upstreams at once (step 4).
   */
  loadProfile(user: string, options: ProfileOptions): Promise<string> {
    return Promise.reject(
      new Error(`promises.loadProfile is not written yet (step 2 of the README): it should resolve with the page of ${JSON.stringify(user)} built from ${options.templateUrl}`),
    );
  },

  /**
   * The async request handler (it returns a promise): answers as profileHandler does, 504 with a
   * JSON body `{"error": "Gateway Timeout", "upstream": "<name>"}` when an upstream is too slow,
   * and calls `res.end` exactly once.
   *
   * TODO(step 2): write it over promises.loadProfile.
   */
  profileHandler(options: ProfileOptions): (req: http.IncomingMessage, res: http.ServerResponse) => Promise<void> {
    return () =>
      Promise.reject(new Error(`promises.profileHandler is not written yet (step 2 of the README): it should answer the pages built from ${options.templateUrl}`));
  },
};
