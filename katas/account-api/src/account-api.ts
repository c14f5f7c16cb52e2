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
import crypto = require('crypto');
import type { Server } from 'http';
import type { AddressInfo } from 'net';

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

/**
 * The Express application. Every answer is JSON, errors included: `{"error": "<what went wrong>"}`.
 *
 * TODO(step 3): async handlers, one error middleware, every status code as the README lists them.
 * TODO(step 4): owners only, and no hash in any answer.
 * TODO(step 5): independent queries together, signup off the event loop, one follow per pair.
 */
export function createApp(db: AccountDb, iterations: number = DEFAULT_ITERATIONS): express.Express {
  var app = express();
  app.use(express.json());

  function withSession(req: express.Request, res: any, next: (session: any) => void) {
    var header = req.get('authorization') || '';
    var token = header.replace(/^Bearer /, '');
    db.sessions.findOne({ token: token }, function (err: Error | null, session: any) {
      if (err) return res.send(500);
      if (!session) return res.status(401).send({ error: 'log in first' });
      next(session);
    });
  }

  app.post('/signup', function (req, res: any) {
    var body = req.body || {};
    if (!body.name || !body.email || !body.password) {
      return res.status(422).send({ error: 'name, email and password are required' });
    }
    db.users.findOne({ email: body.email }, function (err: Error | null, existing: any) {
      if (err) return res.send(500);
      if (existing) return res.status(409).send({ error: 'this email is already registered' });
      var salt = crypto.randomBytes(16).toString('hex');
      var hash = crypto.pbkdf2Sync(body.password, salt, iterations, 32, 'sha256').toString('hex');
      db.users.insert({ name: body.name, email: body.email, bio: '', salt: salt, hash: hash }, function (err: Error | null, user: any) {
        if (err) return res.send(500);
        res.status(201).send(user);
      });
    });
  });

  app.post('/login', function (req, res: any) {
    var body = req.body || {};
    db.users.findOne({ email: body.email }, function (err: Error | null, user: any) {
      if (err) return res.send(500);
      if (!user) return res.status(401).send({ error: 'wrong email or password' });
      crypto.pbkdf2(String(body.password), user.salt, iterations, 32, 'sha256', function (err, key) {
        if (err) return res.send(500);
        if (key.toString('hex') !== user.hash) return res.status(401).send({ error: 'wrong email or password' });
        var token = crypto.randomBytes(24).toString('hex');
        db.sessions.insert({ token: token, userId: user._id }, function (err: Error | null) {
          if (err) return res.send(500);
          res.send({ token: token, user: user });
        });
      });
    });
  });

  app.get('/users/:id', function (req, res: any) {
    withSession(req, res, function () {
      db.users.findOne({ _id: req.params.id }, function (err: Error | null, user: any) {
        if (err) return res.send(500);
        if (!user) res.status(404).send({ error: 'no such user' });
        db.favorites.find({ userId: req.params.id }, function (err: Error | null, favorites: any[]) {
          if (err) return res.send(500);
          db.follows.find({ followee: req.params.id }, function (err: Error | null, follows: any[]) {
            if (err) return res.send(500);
            res.send({
              user: user,
              favorites: favorites.map(function (f) { return f.item; }).sort(),
              followers: follows.map(function (f) { return f.follower; }).sort(),
            });
          });
        });
      });
    });
  });

  app.get('/users/:id/favorites', function (req, res: any) {
    withSession(req, res, function () {
      db.users.findOne({ _id: req.params.id }, function (err: Error | null, user: any) {
        if (err) return res.send(500);
        if (!user) return res.status(404).send({ error: 'no such user' });
        db.favorites.find({ userId: req.params.id }, function (err: Error | null, favorites: any[]) {
          if (err) return res.send(500);
          res.send({ favorites: favorites.map(function (f) { return f.item; }).sort() });
        });
      });
    });
  });

  function updateProfile(req: express.Request, res: any) {
    withSession(req, res, function () {
      var body = req.body || {};
      var profile = { name: body.name, bio: body.bio || '' };
      db.users.update({ _id: req.params.id }, { $set: profile }, {}, function (err: Error | null, updated: number) {
        if (err) return res.send(500);
        if (updated === 0) return res.status(404).send({ error: 'no such user' });
        db.users.findOne({ _id: req.params.id }, function (err: Error | null, user: any) {
          if (err) return res.send(500);
          res.send(user);
        });
      });
    });
  }
  app.put('/users/:id', updateProfile);
  app.patch('/users/:id', updateProfile);

  app.delete('/users/:id', function (req, res: any) {
    withSession(req, res, function () {
      db.users.remove({ _id: req.params.id }, {}, function (err: Error | null, removed: number) {
        if (err) return res.send(500);
        if (removed === 0) return res.status(404).send({ error: 'no such user' });
        db.sessions.remove({ userId: req.params.id }, { multi: true }, function (err: Error | null) {
          if (err) return res.send(500);
          res.status(204).end();
        });
      });
    });
  });

  app.post('/users/:id/follow', function (req, res: any) {
    withSession(req, res, function (session) {
      db.users.findOne({ _id: req.params.id }, function (err: Error | null, user: any) {
        if (err) return res.send(500);
        if (!user) return res.status(404).send({ error: 'no such user' });
        var follow = { follower: session.userId, followee: req.params.id };
        db.follows.findOne(follow, function (err: Error | null, existing: any) {
          if (err) return res.send(500);
          if (existing) return res.status(409).send({ error: 'already following' });
          db.follows.insert(follow, function (err: Error | null) {
            if (err) return res.send(500);
            res.status(201).send({ following: req.params.id });
          });
        });
      });
    });
  });

  app.delete('/users/:id/follow', function (req, res: any) {
    withSession(req, res, function (session) {
      db.follows.remove({ follower: session.userId, followee: req.params.id }, {}, function (err: Error | null, removed: number) {
        if (err) return res.send(500);
        if (removed === 0) return res.status(404).send({ error: 'not following' });
        res.status(204).end();
      });
    });
  });

  app.use(function (req, res: any) {
    res.status(404).send({ error: 'not found' });
  });

  return app;
}

/**
 * The callback API. Old callers (and the safety-net tests) use it: keep its signature and
 * behaviour. Do not change this signature.
 *
 * TODO(step 2): once promises.startAccountServer works, make this a thin shim over it
 * (util.callbackify).
 */
export function startAccountServer(options: AccountServerOptions, callback: StartCallback): void {
  var app = createApp(options.db, options.iterations || DEFAULT_ITERATIONS);
  var server: Server = app.listen(options.port || 0, options.host || '127.0.0.1', function (err?: Error) {
    if (err) return callback(err);
    var address = server.address() as AddressInfo;
    callback(null, {
      url: 'http://' + address.address + ':' + address.port,
      close: function (done) {
        server.closeAllConnections();
        server.close(done);
      },
    });
  });
}

/** The promise API new callers want. */
export const promises = {
  /**
   * Resolves with the running server once it listens, and once the follows datastore has a
   * unique index on the pair (follower, followee); rejects when it cannot listen.
   *
   * TODO(step 2): write it (async/await, `await once(server, 'listening')`), then fix the
   * handlers (steps 3 to 5).
   */
  startAccountServer(options: AccountServerOptions): Promise<PromiseAccountServer> {
    return Promise.reject(
      new Error(`promises.startAccountServer is not written yet (step 2 of the README): it should resolve with a server listening on ${options.host ?? '127.0.0.1'}`),
    );
  },
};
