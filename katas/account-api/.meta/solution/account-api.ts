/**
 * account-api: the accounts service behind the web app.
 *
 * The browser signs up (`POST /signup`), logs in (`POST /login`, which answers a session token),
 * and then asks for an account with its favourites and followers (`GET /users/:id`, the token in
 * `Authorization: Bearer <token>`). The owner of an account edits it (`PUT` replaces the profile,
 * `PATCH` changes only the fields it sends) or deletes it (`DELETE /users/:id`); anyone logged in
 * follows (`POST /users/:id/follow`) and unfollows (`DELETE /users/:id/follow`) anyone else, and
 * reads their favourites (`GET /users/:id/favorites`).
 *
 * The data lives in four @seald-io/nedb datastores (one file each) that the caller opens and
 * hands over. Passwords are stretched with PBKDF2 (`crypto.pbkdf2`, SHA-256, 32 bytes).
 *
 * Written in 2014 for Express 4; moved to Express 5 last month without other changes. It works on
 * the happy path. Your job is in README.md.
 */
import crypto = require('node:crypto');
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { callbackify, promisify } from 'node:util';

import type Datastore from '@seald-io/nedb';
import express = require('express');

/** The four datastores the service keeps its data in. */
export interface AccountDb {
  /** `{ _id, name, email, bio, salt, hash }` */
  users: Datastore;
  /** `{ _id, token, userId }` */
  sessions: Datastore;
  /** `{ _id, userId, item }` */
  favorites: Datastore;
  /** `{ _id, follower, followee }`: follower follows followee. */
  follows: Datastore;
}

export interface AccountServerOptions {
  /** The opened datastores. */
  db: AccountDb;
  /** Default 0: a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** PBKDF2 iterations for new passwords and logins. Default 210000. */
  iterations?: number;
}

/** A running server, as old callers get it. */
export interface AccountServer {
  /** Where it listens: `http://127.0.0.1:<port>`. */
  url: string;
  /** Stops the server; calls back once it is closed. */
  close(callback: (err?: Error | null) => void): void;
}

/** A running server, as new callers want it. */
export interface PromiseAccountServer {
  readonly url: string;
  /** Stops the server; resolves once it is closed. */
  close(): Promise<void>;
}

export type StartCallback = (err: Error | null, server?: AccountServer) => void;

export const DEFAULT_ITERATIONS = 210000;

const pbkdf2 = promisify(crypto.pbkdf2);

/** An answer other than 2xx, for the error middleware to send. */
class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** Whether nedb refused a write because it would break a unique index. */
function isUniqueViolation(err: unknown): boolean {
  return (err as { errorType?: unknown }).errorType === 'uniqueViolated';
}

/**
 * The answer for an error: its own for an HttpError, 400 and the parser's message for a body
 * that is not JSON (express.json() marks its errors `expose: true`), 500 and no detail otherwise.
 */
function httpErrorOf(err: unknown): HttpError {
  if (err instanceof HttpError) return err;
  const { status, expose, message } = err as { status: number; expose?: boolean; message: string };
  if (expose === true) return new HttpError(status, message);
  return new HttpError(500, 'internal error');
}

/** The JSON body of a request; `{}` when it has none. */
function bodyOf(req: express.Request): Record<string, unknown> {
  return (req.body ?? {}) as Record<string, unknown>;
}

/** The user as anyone may see it: never the salt or the hash. */
function publicUser(user: { _id?: string; name?: unknown; email?: unknown; bio?: unknown }) {
  return { _id: user._id, name: user.name, email: user.email, bio: user.bio };
}

/** The profile fields a body sets: each must be a string, and a name must not be empty. */
function profileFields(body: Record<string, unknown>, keys: string[]): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const key of keys) {
    const value = body[key];
    if (typeof value !== 'string' || (key === 'name' && value === '')) {
      throw new HttpError(422, key === 'name' ? 'name must be a non-empty string' : 'bio must be a string');
    }
    fields[key] = value;
  }
  return fields;
}

async function hashPassword(password: string, salt: string, iterations: number): Promise<string> {
  return (await pbkdf2(password, salt, iterations, 32, 'sha256')).toString('hex');
}

/**
 * The Express application. Every answer is JSON, errors included: `{"error": "<what went wrong>"}`.
 */
export function createApp(db: AccountDb, iterations: number = DEFAULT_ITERATIONS): express.Express {
  const app = express();
  app.use(express.json());

  async function sessionOf(req: express.Request): Promise<{ userId: string }> {
    const token = (req.get('authorization') ?? '').replace(/^Bearer /, '');
    const session = await db.sessions.findOneAsync({ token });
    if (!session) throw new HttpError(401, 'log in first');
    return { userId: session.userId as string };
  }

  async function ownerOf(req: express.Request): Promise<void> {
    const session = await sessionOf(req);
    if (session.userId !== req.params.id) throw new HttpError(403, 'this account is not yours');
  }

  async function findUser(id: string) {
    const user = await db.users.findOneAsync({ _id: id });
    if (!user) throw new HttpError(404, 'no such user');
    return user;
  }

  async function favoritesOf(id: string): Promise<string[]> {
    const favorites = await db.favorites.findAsync({ userId: id });
    return favorites.map((f) => f.item as string).sort();
  }

  app.post('/signup', async (req, res) => {
    const body = bodyOf(req);
    if (!body.name || !body.email || !body.password) throw new HttpError(422, 'name, email and password are required');
    if (await db.users.findOneAsync({ email: body.email })) throw new HttpError(409, 'this email is already registered');
    const salt = crypto.randomBytes(16).toString('hex');
    const hash = await hashPassword(String(body.password), salt, iterations);
    const user = await db.users.insertAsync({ name: body.name, email: body.email, bio: '', salt, hash });
    res.status(201).json(publicUser(user));
  });

  app.post('/login', async (req, res) => {
    const body = bodyOf(req);
    const user = await db.users.findOneAsync({ email: body.email });
    if (!user) throw new HttpError(401, 'wrong email or password');
    const key = Buffer.from(await hashPassword(String(body.password), user.salt, iterations), 'hex');
    if (!crypto.timingSafeEqual(key, Buffer.from(user.hash, 'hex'))) throw new HttpError(401, 'wrong email or password');
    const token = crypto.randomBytes(24).toString('hex');
    await db.sessions.insertAsync({ token, userId: user._id });
    res.json({ token, user: publicUser(user) });
  });

  app.get('/users/:id', async (req, res) => {
    await sessionOf(req);
    const id = req.params.id;
    const [user, favorites, follows] = await Promise.all([findUser(id), favoritesOf(id), db.follows.findAsync({ followee: id })]);
    res.json({ user: publicUser(user), favorites, followers: follows.map((f) => f.follower as string).sort() });
  });

  app.get('/users/:id/favorites', async (req, res) => {
    await sessionOf(req);
    const [, favorites] = await Promise.all([findUser(req.params.id), favoritesOf(req.params.id)]);
    res.json({ favorites });
  });

  async function updateProfile(req: express.Request<{ id: string }>, fields: Record<string, string>): Promise<object> {
    const { affectedDocuments } = await db.users.updateAsync({ _id: req.params.id }, { $set: fields }, { returnUpdatedDocs: true });
    // Only the owner gets here, with a session the account's deletion removes: the account can
    // vanish only between the session check and this write.
    /* c8 ignore next */
    if (!affectedDocuments) throw new HttpError(404, 'no such user');
    return publicUser(affectedDocuments as { _id: string });
  }

  app.put('/users/:id', async (req, res) => {
    await ownerOf(req);
    res.json(await updateProfile(req, profileFields({ bio: '', ...bodyOf(req) }, ['name', 'bio'])));
  });

  app.patch('/users/:id', async (req, res) => {
    await ownerOf(req);
    const body = bodyOf(req);
    res.json(await updateProfile(req, profileFields(body, ['name', 'bio'].filter((key) => key in body))));
  });

  app.delete('/users/:id', async (req, res) => {
    await ownerOf(req);
    // As for PUT: the account cannot be gone unless it went since the session check.
    await db.users.removeAsync({ _id: req.params.id }, {});
    await db.sessions.removeAsync({ userId: req.params.id }, { multi: true });
    res.status(204).end();
  });

  app.post('/users/:id/follow', async (req, res) => {
    const session = await sessionOf(req);
    await findUser(req.params.id);
    try {
      await db.follows.insertAsync({ follower: session.userId, followee: req.params.id });
    } catch (err) {
      if (isUniqueViolation(err)) throw new HttpError(409, 'already following');
      throw err;
    }
    res.status(201).json({ following: req.params.id });
  });

  app.delete('/users/:id/follow', async (req, res) => {
    const session = await sessionOf(req);
    const removed = await db.follows.removeAsync({ follower: session.userId, followee: req.params.id }, {});
    if (removed === 0) throw new HttpError(404, 'not following');
    res.status(204).end();
  });

  app.use(() => {
    throw new HttpError(404, 'not found');
  });

  // The one error middleware: Express 5 brings here whatever a handler throws or rejects with
  // (Express 4 left the request hanging). Four parameters: that is how Express tells it apart.
  app.use((failure: unknown, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
    const { status, message } = httpErrorOf(failure);
    res.status(status).json({ error: message });
  });

  return app;
}

/** The promise API new callers want. */
export const promises = {
  /**
   * Resolves with the running server once it listens, and once the follows datastore has a
   * unique index on the pair (follower, followee); rejects when it cannot listen.
   */
  async startAccountServer(options: AccountServerOptions): Promise<PromiseAccountServer> {
    const { db } = options;
    // The database, not the handler, decides that a pair follows only once: two requests at once
    // cannot both pass a check made in JavaScript before either has inserted.
    await db.follows.ensureIndexAsync({ fieldName: ['follower', 'followee'], unique: true });
    const server = createApp(db, options.iterations ?? DEFAULT_ITERATIONS).listen(options.port ?? 0, options.host ?? '127.0.0.1');
    await once(server, 'listening');
    const { address, port } = server.address() as AddressInfo;
    return {
      url: `http://${address}:${port}`,
      async close() {
        server.closeAllConnections();
        await promisify(server.close.bind(server))();
      },
    };
  },
};

/**
 * The callback API. Old callers (and the safety-net tests) use it: keep its signature and
 * behaviour. Do not change this signature.
 */
export const startAccountServer: (options: AccountServerOptions, callback: StartCallback) => void = callbackify(async (options: AccountServerOptions): Promise<AccountServer> => {
  const server = await promises.startAccountServer(options);
  return { url: server.url, close: callbackify(() => server.close()) };
});
