// The kata's tests. Do not change this file: make them pass by changing src/. Your own tests go in test/mine/.
import { expect } from 'chai';
import * as sinon from 'sinon';

import crypto = require('node:crypto');
import * as net from 'node:net';

import { callLegacy, callPromise, captureUncaught, expectCallerErrorEscapes, expectRejection, fsFaults, KataAssertionError, measureResponsiveness, whenQuiet } from '../../../src/harness';
import { type AccountDb, type AccountServer, promises, startAccountServer } from '../src/account-api';
import { type Collection, COLLECTIONS, ReadGate } from './support/db';
import { type Account, type Reply, type RequestOptions, send, settleOrStall, signUp, TEST_ITERATIONS, useAccountService, watchPbkdf2 } from './support/http';

describe('account-api', function () {
  // Generous: a test that waits for an answer that never comes fails at once (settleOrStall).
  this.timeout(30_000);
  const service = useAccountService();

  /** Two users, Ada and Bob, signed up and logged in on a server started through the callback API. */
  async function adaAndBob(): Promise<{ server: AccountServer; ada: Account; bob: Account; db: AccountDb }> {
    const server = await service.startCallback();
    const ada = await signUp(server.url, 'Ada');
    const bob = await signUp(server.url, 'Bob');
    return { server, ada, bob, db: await service.db() };
  }

  describe('safety net: the callback API old callers use', () => {
    it('signup answers 201 with the new user, login answers a token and the user', async () => {
      const server = await service.startCallback();
      const signup = await send(server.url, 'POST', '/signup', { json: { name: 'Ada', email: 'ada@example.com', password: 'pw' } });
      expect(signup.status, signup.text).to.equal(201);
      expect(signup.json).to.include({ name: 'Ada', email: 'ada@example.com', bio: '' });
      expect(signup.json._id).to.be.a('string');
      const login = await send(server.url, 'POST', '/login', { json: { email: 'ada@example.com', password: 'pw' } });
      expect(login.status, login.text).to.equal(200);
      expect(login.json.token).to.be.a('string').with.length.above(20);
      expect(login.json.user).to.include({ _id: signup.json._id, name: 'Ada', email: 'ada@example.com' });
    });

    it('signup stores the password stretched with PBKDF2 (SHA-256, 32 bytes, the iterations its options name) and a salt of its own per user', async () => {
      const server = await service.startCallback({ iterations: 1234 });
      await signUp(server.url, 'Ada');
      await signUp(server.url, 'Bob');
      const users = await (await service.reopen()).users.findAsync({});
      expect(users).to.have.length(2);
      for (const user of users) {
        const expected = crypto.pbkdf2Sync(`${user.name}'s password`, user.salt, 1234, 32, 'sha256').toString('hex');
        expect(user.hash, `the stored hash of ${user.name} should be pbkdf2(password, salt, 1234 iterations, 32 bytes, 'sha256') in hex: were the iterations of the options passed on?`).to.equal(expected);
      }
      expect(users[0]!.salt).to.not.equal(users[1]!.salt);
    });

    it('without the iterations option, signup stretches with 210000 iterations', async () => {
      const server = await service.startCallback({ iterations: undefined });
      const signup = await send(server.url, 'POST', '/signup', { json: { name: 'Ada', email: 'ada@example.com', password: 'pw' } });
      expect(signup.status, signup.text).to.equal(201);
      const [user] = await (await service.reopen()).users.findAsync({});
      expect(user!.hash).to.equal(crypto.pbkdf2Sync('pw', user!.salt, 210_000, 32, 'sha256').toString('hex'));
    });

    it('login with a wrong password, or an unknown email, answers 401', async () => {
      const server = await service.startCallback();
      await signUp(server.url, 'Ada');
      const wrong = await send(server.url, 'POST', '/login', { json: { email: 'ada@example.com', password: 'guess' } });
      const unknown = await send(server.url, 'POST', '/login', { json: { email: 'eve@example.com', password: 'guess' } });
      for (const reply of [wrong, unknown]) {
        expect(reply.status, reply.text).to.equal(401);
        expect(reply.json).to.deep.equal({ error: 'wrong email or password' });
      }
    });

    it('signup without a name, an email or a password answers 422, with an email already registered 409', async () => {
      const server = await service.startCallback();
      await signUp(server.url, 'Ada');
      for (const json of [{ name: 'Eve', email: 'eve@example.com' }, { email: 'eve@example.com', password: 'pw' }, { name: 'Eve', password: 'pw' }, undefined]) {
        const missing = await send(server.url, 'POST', '/signup', { json });
        expect({ status: missing.status, json: missing.json }, `POST /signup with ${JSON.stringify(json) ?? 'no body'}`).to.deep.equal({ status: 422, json: { error: 'name, email and password are required' } });
      }
      const again = await send(server.url, 'POST', '/signup', { json: { name: 'Ada', email: 'ada@example.com', password: 'other' } });
      expect({ status: again.status, json: again.json }).to.deep.equal({ status: 409, json: { error: 'this email is already registered' } });
    });

    it('GET /users/:id answers the user, their favourites and their followers, each sorted', async () => {
      const { server, ada, bob, db } = await adaAndBob();
      const cy = await signUp(server.url, 'Cy');
      // nedb hands documents back in _id order: these _ids make that order the reverse of the sorted one.
      await db.favorites.insertAsync([{ _id: 'fav-1', userId: ada.id, item: 'tea' }, { _id: 'fav-2', userId: ada.id, item: 'books' }, { _id: 'fav-3', userId: bob.id, item: 'jazz' }]);
      for (const fan of [cy, bob]) expect((await send(server.url, 'POST', `/users/${ada.id}/follow`, { token: fan.token })).status).to.equal(201);
      await db.follows.insertAsync([{ _id: 'follow-1', follower: 'zoe-id', followee: ada.id }, { _id: 'follow-2', follower: 'amy-id', followee: ada.id }]);
      // Cy follows Bob too: that is one of Bob's followers, not Ada's.
      expect((await send(server.url, 'POST', `/users/${bob.id}/follow`, { token: cy.token })).status).to.equal(201);
      const reply = await send(server.url, 'GET', `/users/${ada.id}`, { token: bob.token });
      expect(reply.status, reply.text).to.equal(200);
      expect(reply.json.user).to.include({ _id: ada.id, name: 'Ada', email: 'ada@example.com', bio: '' });
      expect(reply.json.favorites).to.deep.equal(['books', 'tea']);
      expect(reply.json.followers, "Ada's followers, sorted, and nobody else's").to.deep.equal([bob.id, cy.id, 'zoe-id', 'amy-id'].sort());
      const favorites = await send(server.url, 'GET', `/users/${ada.id}/favorites`, { token: bob.token });
      expect({ status: favorites.status, json: favorites.json }).to.deep.equal({ status: 200, json: { favorites: ['books', 'tea'] } });
    });

    it('PUT /users/:id by its owner replaces the profile: name and bio', async () => {
      const { server, ada } = await adaAndBob();
      const put = await send(server.url, 'PUT', `/users/${ada.id}`, { token: ada.token, json: { name: 'Ada L.', bio: 'counts' } });
      expect(put.status, put.text).to.equal(200);
      expect(put.json).to.include({ _id: ada.id, name: 'Ada L.', bio: 'counts', email: 'ada@example.com' });
      const again = await send(server.url, 'PUT', `/users/${ada.id}`, { token: ada.token, json: { name: 'Ada' } });
      expect(again.json, 'PUT replaces the profile: a bio it does not send is emptied').to.include({ name: 'Ada', bio: '' });
    });

    it('follow answers 201, unfollow 204 and removes that follow only, following twice 409, and one user may follow several', async () => {
      const { server, ada, bob, db } = await adaAndBob();
      const cy = await signUp(server.url, 'Cy');
      // Another pair's follow, first in the database's own order (_id): an unfollow must not take it.
      await db.follows.insertAsync({ _id: '!first', follower: 'zoe-id', followee: 'amy-id' });
      const follow = await send(server.url, 'POST', `/users/${ada.id}/follow`, { token: bob.token });
      expect({ status: follow.status, json: follow.json }).to.deep.equal({ status: 201, json: { following: ada.id } });
      const twice = await send(server.url, 'POST', `/users/${ada.id}/follow`, { token: bob.token });
      expect({ status: twice.status, json: twice.json }).to.deep.equal({ status: 409, json: { error: 'already following' } });
      expect((await send(server.url, 'DELETE', `/users/${ada.id}/follow`, { token: bob.token })).status).to.equal(204);
      const gone = await send(server.url, 'DELETE', `/users/${ada.id}/follow`, { token: bob.token });
      expect({ status: gone.status, json: gone.json }).to.deep.equal({ status: 404, json: { error: 'not following' } });
      expect((await send(server.url, 'GET', `/users/${ada.id}`, { token: bob.token })).json.followers).to.deep.equal([]);
      expect(await db.follows.findAsync({ _id: '!first' }), "the other pair's follow is still there").to.have.length(1);
      for (const followee of [ada, cy]) {
        const several = await send(server.url, 'POST', `/users/${followee.id}/follow`, { token: bob.token });
        expect({ status: several.status, json: several.json }, `Bob follows ${followee.name}: one user may follow several`).to.deep.equal({ status: 201, json: { following: followee.id } });
      }
    });

    it('DELETE /users/:id by its owner answers 204: the user is gone, and none of their tokens works any more', async () => {
      const { server, ada, bob } = await adaAndBob();
      // Ada is logged in twice (two devices): deleting the account ends both sessions.
      const second = await send(server.url, 'POST', '/login', { json: { email: ada.email, password: ada.password } });
      expect(second.status, second.text).to.equal(200);
      expect((await send(server.url, 'DELETE', `/users/${ada.id}`, { token: ada.token })).status).to.equal(204);
      const seen = await send(server.url, 'GET', `/users/${ada.id}/favorites`, { token: bob.token });
      expect({ status: seen.status, json: seen.json }).to.deep.equal({ status: 404, json: { error: 'no such user' } });
      for (const [which, token] of [['the token that deleted it', ada.token], ['the other session\'s token', second.json.token as string]]) {
        const stale = await send(server.url, 'GET', `/users/${bob.id}`, { token });
        expect({ status: stale.status, json: stale.json }, which).to.deep.equal({ status: 401, json: { error: 'log in first' } });
      }
    });

    it('without a valid token every account route answers 401', async () => {
      const { server, ada } = await adaAndBob();
      for (const [method, path] of [['GET', `/users/${ada.id}`], ['GET', `/users/${ada.id}/favorites`], ['PUT', `/users/${ada.id}`], ['PATCH', `/users/${ada.id}`], ['DELETE', `/users/${ada.id}`], ['POST', `/users/${ada.id}/follow`], ['DELETE', `/users/${ada.id}/follow`]] as const) {
        for (const token of [undefined, 'not-a-token']) {
          const reply = await send(server.url, method, path, { token, json: method === 'PUT' || method === 'PATCH' ? { name: 'Eve' } : undefined });
          expect({ status: reply.status, json: reply.json }, `${method} ${path} with token ${String(token)}`).to.deep.equal({ status: 401, json: { error: 'log in first' } });
        }
      }
    });

    it('an unknown route answers 404 with a JSON body', async () => {
      const server = await service.startCallback();
      for (const [method, path] of [['GET', '/nowhere'], ['GET', '/signup'], ['POST', '/users']] as const) {
        const reply = await send(server.url, method, path);
        expect({ status: reply.status, json: reply.json }, `${method} ${path}`).to.deep.equal({ status: 404, json: { error: 'not found' } });
      }
    });

    it('every acknowledged write is in the database files after the server restarts', async () => {
      const { server, ada, bob } = await adaAndBob();
      expect((await send(server.url, 'PUT', `/users/${ada.id}`, { token: ada.token, json: { name: 'Ada L.', bio: 'counts' } })).status).to.equal(200);
      expect((await send(server.url, 'POST', `/users/${ada.id}/follow`, { token: bob.token })).status).to.equal(201);
      await closeOnce(server);
      const restarted = await service.startCallback({ db: await service.reopen() });
      const reply = await send(restarted.url, 'GET', `/users/${ada.id}`, { token: bob.token });
      expect(reply.status, 'a session acknowledged before the restart should still be valid after it').to.equal(200);
      expect(reply.json.user).to.include({ name: 'Ada L.', bio: 'counts' });
      expect(reply.json.followers).to.deep.equal([bob.id]);
    });

    it('startAccountServer listens on the host and port its options name, and close calls back once the port is free', async () => {
      const port = await freePort(OTHER_LOOPBACK);
      const server = await service.startCallback({ host: OTHER_LOOPBACK, port });
      expect(server.url, 'the options host and port, passed on to listen()').to.equal(`http://${OTHER_LOOPBACK}:${port}`);
      expect((await send(server.url, 'GET', '/nowhere')).status).to.equal(404);
      await closeOnce(server);
      const after = await send(server.url, 'GET', '/nowhere').then(() => 'answered', (err: NodeJS.ErrnoException) => err.code);
      expect(after, 'a closed server should refuse connections').to.equal('ECONNREFUSED');
    });

    it('a port already in use calls back with EADDRINUSE', async () => {
      const first = await service.startCallback();
      const port = Number(new URL(first.url).port);
      const err = await service.startCallback({ port }).then(() => undefined, (e: NodeJS.ErrnoException) => e);
      expect(err, 'startAccountServer on a port already in use should call back with the error').to.be.instanceOf(Error);
      expect(err).to.have.property('code', 'EADDRINUSE');
    });

    it('an exception thrown by the caller\'s callback is not fed back into that callback', async () => {
      const db = await service.db();
      // Every server handed to the callback is closed afterwards, however many calls there were:
      // a shim that calls back twice must fail here, not leave a listening server behind.
      const handed: AccountServer[] = [];
      try {
        await expectCallerErrorEscapes(
          'startAccountServer',
          (cb) =>
            startAccountServer({ db, iterations: TEST_ITERATIONS }, (err, server) => {
              if (server) handed.push(server);
              cb(err, server);
            }),
          { handles: 'ignore' },
        );
      } finally {
        await Promise.all(handed.map((server) => settleOrStall(new Promise<void>((done) => server.close(() => done())))));
      }
    });
  });

  describe('promise API: promises.startAccountServer', () => {
    it('resolves with a server that answers like the callback one, and close() resolves once the port is free', async () => {
      const server = await service.startPromise();
      expect(server.url).to.match(/^http:\/\/127\.0\.0\.1:\d+$/);
      const ada = await signUp(server.url, 'Ada');
      expect((await send(server.url, 'GET', `/users/${ada.id}`, { token: ada.token })).json.user).to.include({ name: 'Ada' });
      await callPromise('server.close()', () => server.close());
      const after = await send(server.url, 'GET', '/nowhere').then(() => 'answered', (err: NodeJS.ErrnoException) => err.code);
      expect(after, 'a closed server should refuse connections').to.equal('ECONNREFUSED');
    });

    it('listens on the host and port its options name, and stretches with the iterations they name', async () => {
      const port = await freePort(OTHER_LOOPBACK);
      const server = await service.startPromise({ host: OTHER_LOOPBACK, port, iterations: 777 });
      expect(server.url, 'the options host and port, passed on to listen()').to.equal(`http://${OTHER_LOOPBACK}:${port}`);
      await signUp(server.url, 'Ada');
      const [user] = await (await service.db()).users.findAsync({});
      expect(user!.hash).to.equal(crypto.pbkdf2Sync("Ada's password", user!.salt, 777, 32, 'sha256').toString('hex'));
    });

    it('resolves only once the follows datastore has a unique index on (follower, followee)', async () => {
      const db = await service.db();
      await service.startPromise();
      await db.follows.insertAsync({ follower: 'a', followee: 'b' });
      const err = await expectRejection('a second follows record for the same pair, inserted into the datastore', () => db.follows.insertAsync({ follower: 'a', followee: 'b' }));
      expect((err as { errorType?: string }).errorType, 'the follows datastore should refuse a second record for the same (follower, followee): ensureIndexAsync({ fieldName: [\'follower\', \'followee\'], unique: true }) before listening').to.equal('uniqueViolated');
    });

    it('rejects with EADDRINUSE when the port is already in use', async () => {
      const first = await service.startPromise();
      const port = Number(new URL(first.url).port);
      const result = await settleOrStall(callPromise(`promises.startAccountServer({ port: ${port} })`, async () => promises.startAccountServer({ db: await service.db(), port })));
      if (result === 'stalled') throw new KataAssertionError(`promises.startAccountServer({ port: ${port} }) on a port already in use never settled: it should reject with EADDRINUSE (await once(server, 'listening') rejects when 'error' comes first).`);
      if (result.ok) {
        await result.value.close();
        throw new KataAssertionError(`promises.startAccountServer({ port: ${port} }) resolved although the port was in use: it should reject with EADDRINUSE.`);
      }
      expect(result.error).to.have.property('code', 'EADDRINUSE');
    });
  });

  describe('defects: what the legacy handlers get wrong', () => {
    it('a body that is not JSON answers 400 with a JSON body, and the server keeps serving', async () => {
      const server = await service.startCallback();
      const bad = await send(server.url, 'POST', '/signup', { raw: '{"name": "Ada", ' });
      expect(bad.status, bad.text).to.equal(400);
      expectJsonError(bad, 'a body that is not JSON (express.json() passes a SyntaxError with status 400 to the error middleware)');
      expect(bad.text, 'the answer must not show the server\'s stack trace').to.not.match(/\n\s*at /);
      const ok = await send(server.url, 'POST', '/signup', { json: { name: 'Ada', email: 'ada@example.com', password: 'pw' } });
      expect(ok.status).to.equal(201);
    });

    it('GET /users/:id of a user that does not exist answers 404 once, and nothing escapes', async () => {
      const { server, bob } = await adaAndBob();
      const escaped: unknown[] = [];
      const restore = captureUncaught((err) => escaped.push(err));
      let reply: Reply;
      try {
        reply = await send(server.url, 'GET', '/users/nobody', { token: bob.token });
        await whenQuiet({ handles: 'ignore' });
      } finally {
        restore();
      }
      expect({ status: reply.status, json: reply.json }).to.deep.equal({ status: 404, json: { error: 'no such user' } });
      if (escaped.length > 0) {
        throw new KataAssertionError(
          `GET /users/nobody answered 404, and then the handler carried on and answered a second time: ${String(escaped[0])} was thrown inside a database callback, where nothing catches it. ` +
            'In production that crashes the process with every request in flight. Stop after the 404: in an async handler, throw an error the error middleware turns into the answer.',
        );
      }
    });

    it('a write the database fails answers 500 with a JSON body, and only acknowledged writes are there after a restart', async () => {
      const { server, ada, bob } = await adaAndBob();
      fsFaults.inject({ call: 'appendFile', path: /users\.db$/, code: 'ENOSPC' });
      const failed = await send(server.url, 'PUT', `/users/${ada.id}`, { token: ada.token, json: { name: 'Lost', bio: 'lost' } });
      expect(
        failed.status,
        `the database could not write the change (ENOSPC), yet the server answered ${failed.status} ${failed.text}: ` +
          (failed.text === '500' ? 'Express 5 sends res.send(500) as a body of "500" with status 200 (Express 4 took the number for the status). ' : '') +
          'A client told 200 believes the change is saved. Let the error reach the error middleware: 500 with {"error": "..."}.',
      ).to.equal(500);
      expectJsonError(failed, 'a failed write');
      await closeOnce(server);
      const restarted = await service.startCallback({ db: await service.reopen() });
      const reply = await send(restarted.url, 'GET', `/users/${ada.id}`, { token: bob.token });
      expect(reply.json.user, 'the write that failed is not in the file').to.include({ name: 'Ada', bio: '' });
    });

    it('every write the database fails answers 500 with a JSON body: signup, login, follow, unfollow, and both writes of an account deletion', async () => {
      const { server, ada, bob } = await adaAndBob();
      const cy = await signUp(server.url, 'Cy');
      const dan = await signUp(server.url, 'Dan');
      const eve = await signUp(server.url, 'Eve');
      expect((await send(server.url, 'POST', `/users/${ada.id}/follow`, { token: cy.token })).status).to.equal(201);
      const writes: Array<[string, RegExp, () => Promise<Reply>]> = [
        ['POST /signup', /users\.db$/, () => send(server.url, 'POST', '/signup', { json: { name: 'Fay', email: 'fay@example.com', password: 'pw' } })],
        ['POST /login', /sessions\.db$/, () => send(server.url, 'POST', '/login', { json: { email: ada.email, password: ada.password } })],
        ['POST /users/:id/follow', /follows\.db$/, () => send(server.url, 'POST', `/users/${ada.id}/follow`, { token: bob.token })],
        ['DELETE /users/:id/follow', /follows\.db$/, () => send(server.url, 'DELETE', `/users/${ada.id}/follow`, { token: cy.token })],
        ['DELETE /users/:id (removing the user)', /users\.db$/, () => send(server.url, 'DELETE', `/users/${dan.id}`, { token: dan.token })],
        ['DELETE /users/:id (removing their sessions)', /sessions\.db$/, () => send(server.url, 'DELETE', `/users/${eve.id}`, { token: eve.token })],
      ];
      // Every route is tried before any is judged, so that the message names them all.
      const replies: Array<[string, Reply]> = [];
      for (const [route, file, request] of writes) {
        fsFaults.inject({ call: 'appendFile', path: file, code: 'ENOSPC' });
        replies.push([route, await request()]);
        fsFaults.reset();
      }
      const wrong = replies.filter(([, reply]) => reply.status !== 500 || !/^application\/json/.test(reply.contentType ?? '') || typeof reply.json?.error !== 'string');
      if (wrong.length > 0) {
        throw new KataAssertionError(
          `when the database could not write (ENOSPC), ${wrong.map(([route, reply]) => `${route} answered ${reply.status} ${reply.text.slice(0, 80)}`).join('; ')}: ` +
            'each should answer 500 with {"error": "..."}. A client told anything else believes the change is saved. Await every write, and let its failure reach the error middleware.',
        );
      }
      for (const [route, reply] of replies) expect(reply.text, `${route}: the 500 must not show the database's error to the client`).to.not.include('ENOSPC');
    });

    it('every read the database fails answers 500 with a JSON body, on every route that needs that read', async () => {
      const db = await service.db();
      const plain = await service.startCallback();
      const ada = await signUp(plain.url, 'Ada');
      const bob = await signUp(plain.url, 'Bob');
      const failure = Object.assign(new Error('EIO: the disk is gone'), { code: 'EIO' });
      // For each collection whose reads fail, the routes that cannot answer without reading it
      // ('needed': 500), and those that may read it or not, as the code prefers (500, or the
      // status of success).
      const cases: Array<[Collection, string, string, RequestOptions, 'needed' | number]> = [
        ['sessions', 'GET', `/users/${ada.id}`, { token: bob.token }, 'needed'],
        ['sessions', 'GET', `/users/${ada.id}/favorites`, { token: bob.token }, 'needed'],
        ['sessions', 'PUT', `/users/${ada.id}`, { token: ada.token, json: { name: 'Ada', bio: 'x' } }, 'needed'],
        ['sessions', 'PATCH', `/users/${ada.id}`, { token: ada.token, json: { bio: 'x' } }, 'needed'],
        ['sessions', 'DELETE', `/users/${ada.id}`, { token: ada.token }, 'needed'],
        ['sessions', 'POST', `/users/${ada.id}/follow`, { token: bob.token }, 'needed'],
        ['sessions', 'DELETE', `/users/${ada.id}/follow`, { token: bob.token }, 'needed'],
        ['users', 'POST', '/signup', { json: { name: 'Cy', email: 'cy@example.com', password: 'pw' } }, 201],
        ['users', 'POST', '/login', { json: { email: ada.email, password: ada.password } }, 'needed'],
        ['users', 'GET', `/users/${ada.id}`, { token: bob.token }, 'needed'],
        ['users', 'GET', `/users/${ada.id}/favorites`, { token: bob.token }, 'needed'],
        ['users', 'POST', `/users/${ada.id}/follow`, { token: bob.token }, 'needed'],
        ['users', 'PUT', `/users/${ada.id}`, { token: ada.token, json: { name: 'Ada', bio: 'x' } }, 200],
        ['users', 'PATCH', `/users/${ada.id}`, { token: ada.token, json: { bio: 'y' } }, 200],
        ['favorites', 'GET', `/users/${ada.id}`, { token: bob.token }, 'needed'],
        ['favorites', 'GET', `/users/${ada.id}/favorites`, { token: bob.token }, 'needed'],
        ['follows', 'GET', `/users/${ada.id}`, { token: bob.token }, 'needed'],
        ['follows', 'POST', `/users/${ada.id}/follow`, { token: bob.token }, 201],
      ];
      const servers = new Map<Collection, string>();
      for (const collection of COLLECTIONS) {
        const gate = new ReadGate([collection]);
        gate.failWith = failure;
        servers.set(collection, (await service.startCallback({ db: gate.wrap(db) })).url);
      }
      const wrong: string[] = [];
      for (const [collection, method, path, options, expected] of cases) {
        const reply = await send(servers.get(collection)!, method, path, options);
        const isJsonError = /^application\/json/.test(reply.contentType ?? '') && typeof reply.json?.error === 'string' && !reply.text.includes('EIO');
        if (!((reply.status === 500 && isJsonError) || reply.status === expected)) {
          wrong.push(`${method} ${path} when the ${collection} cannot be read answered ${reply.status} ${reply.text.slice(0, 80)}`);
        }
        // A follow the failing read did not stop is undone, so that every case starts alike.
        if (reply.status === 201 && path.endsWith('/follow')) await db.follows.removeAsync({ follower: bob.id }, { multi: true });
      }
      if (wrong.length > 0) {
        throw new KataAssertionError(
          `${wrong.join('; ')}: each should answer 500 with {"error": "..."} and no detail of the failure (the database's error stays on the server). ` +
            'A read that fails is an error like any other: let it reach the error middleware.',
        );
      }
    });

    it('a login whose password cannot be stretched answers 500 with a JSON body', async () => {
      const server = await service.startCallback();
      const ada = await signUp(server.url, 'Ada');
      // crypto.pbkdf2 calls back with an error (out of memory, in production). Code that took its
      // own reference to crypto.pbkdf2 when it loaded (promisify(crypto.pbkdf2) at the top of the
      // module) never meets this fake, and is judged by its ordinary answer instead.
      const fake = sinon.stub(crypto, 'pbkdf2').callsFake(((...args: unknown[]) => {
        const callback = args[args.length - 1] as (err: Error) => void;
        process.nextTick(callback, Object.assign(new Error('pbkdf2: out of memory, from the test'), { code: 'ERR_OUT_OF_MEMORY' }));
      }) as typeof crypto.pbkdf2);
      let reply: Reply;
      try {
        reply = await send(server.url, 'POST', '/login', { json: { email: ada.email, password: ada.password } });
      } finally {
        fake.restore();
      }
      if (!fake.called) {
        expect(reply.status, reply.text).to.equal(200);
        return;
      }
      expect(reply.status, `POST /login when crypto.pbkdf2 failed answered ${reply.status} ${reply.text}: it should answer 500 with {"error": "..."}`).to.equal(500);
      expectJsonError(reply, 'a login whose password could not be stretched');
      expect(reply.text, 'the 500 must not show the error to the client').to.not.include('out of memory');
    });

    it('PATCH /users/:id changes only the fields it sends', async () => {
      const { server, ada } = await adaAndBob();
      await send(server.url, 'PUT', `/users/${ada.id}`, { token: ada.token, json: { name: 'Ada L.', bio: 'counts' } });
      const bio = await send(server.url, 'PATCH', `/users/${ada.id}`, { token: ada.token, json: { bio: 'computes' } });
      expect(bio.status, bio.text).to.equal(200);
      expect(bio.json, 'PATCH {"bio"} must keep the name: it merges, where PUT replaces').to.include({ name: 'Ada L.', bio: 'computes', email: 'ada@example.com' });
      const name = await send(server.url, 'PATCH', `/users/${ada.id}`, { token: ada.token, json: { name: 'Ada' } });
      expect(name.json, 'PATCH {"name"} must keep the bio').to.include({ name: 'Ada', bio: 'computes' });
      const stored = await (await service.reopen()).users.findOneAsync({ _id: ada.id });
      expect(stored).to.include({ name: 'Ada', bio: 'computes' });
    });

    it('PUT and PATCH with a name or bio that is not a string, or an empty name, answer 422 and change nothing', async () => {
      const { server, ada } = await adaAndBob();
      // Every request is sent before any is judged: one wrong answer must not hide the others.
      const replies: Array<[string, Reply]> = [];
      for (const [method, json] of [['PUT', { bio: 'no name' }], ['PUT', undefined], ['PUT', { name: 42 }], ['PATCH', { name: '' }], ['PATCH', { bio: ['x'] }]] as const) {
        replies.push([`${method} ${JSON.stringify(json) ?? 'without a body'}`, await send(server.url, method, `/users/${ada.id}`, { token: ada.token, json })]);
      }
      for (const [what, reply] of replies) {
        expect(reply.status, `${what} answered ${reply.status} ${reply.text}`).to.equal(422);
        expectJsonError(reply, what);
      }
      const stored = await (await service.reopen()).users.findOneAsync({ _id: ada.id });
      expect(stored).to.include({ name: 'Ada', bio: '' });
    });
  });

  describe('security: owners only, and no hash leaves the server', () => {
    it('PUT, PATCH and DELETE on an id that is not the caller\'s own, another user\'s or no one\'s, answer 403 and change nothing', async () => {
      const { server, ada, bob } = await adaAndBob();
      const replies: Array<[string, Reply]> = [];
      for (const [whose, id] of [['Ada\'s id', ada.id], ['an id that is no one\'s', 'nobody']]) {
        for (const method of ['PUT', 'PATCH', 'DELETE'] as const) {
          replies.push([`${method} /users/<${whose}>`, await send(server.url, method, `/users/${id}`, { token: bob.token, json: method === 'DELETE' ? undefined : { name: 'Mallory', bio: 'owned' } })]);
        }
      }
      for (const [what, reply] of replies) {
        expect(reply.status, `${what} with Bob's token answered ${reply.status} ${reply.text}: only the owner may change or delete an account, and whether an account exists is none of anyone else's business`).to.equal(403);
        expectJsonError(reply, `${what} with Bob's token`);
      }
      const stored = await (await service.reopen()).users.findAsync({});
      expect(stored.map((u) => ({ name: u.name, bio: u.bio })).sort((a, b) => String(a.name).localeCompare(String(b.name))), 'the accounts after Bob\'s attempts').to.deep.equal([
        { name: 'Ada', bio: '' },
        { name: 'Bob', bio: '' },
      ]);
    });

    it('no answer of any route contains a password hash or salt', async () => {
      const { server, ada, bob, db } = await adaAndBob();
      await db.favorites.insertAsync({ userId: ada.id, item: 'tea' });
      const replies: Array<[string, Reply]> = [];
      const call = async (method: string, path: string, options: Parameters<typeof send>[3]) => replies.push([`${method} ${path}`, await send(server.url, method, path, options)]);
      await call('POST', '/signup', { json: { name: 'Cy', email: 'cy@example.com', password: 'pw' } });
      await call('POST', '/login', { json: { email: ada.email, password: ada.password } });
      await call('GET', `/users/${ada.id}`, { token: bob.token });
      await call('GET', `/users/${ada.id}/favorites`, { token: bob.token });
      await call('PUT', `/users/${ada.id}`, { token: ada.token, json: { name: 'Ada', bio: 'b' } });
      await call('PATCH', `/users/${ada.id}`, { token: ada.token, json: { bio: 'c' } });
      await call('POST', `/users/${ada.id}/follow`, { token: bob.token });
      const secrets = (await (await service.reopen()).users.findAsync({})).flatMap((u) => [u.hash as string, u.salt as string]);
      for (const [route, reply] of replies) {
        const leaked = secrets.filter((s) => reply.text.includes(s));
        const keys = /"(hash|salt)"\s*:/.exec(reply.text);
        if (leaked.length > 0 || keys) {
          throw new KataAssertionError(
            `${route} answered ${reply.text.slice(0, 200)}: it contains a user's ${keys?.[1] ?? 'password hash'}. ` +
              'With the hash and salt anyone can try passwords offline as fast as their hardware allows. Answer the public fields only (_id, name, email, bio), for every route that returns a user.',
          );
        }
      }
    });
  });

  describe('concurrency: independent queries together, nothing blocks, one follow per pair', () => {
    it('GET /users/:id asks for the user, the favourites and the followers at once, and merges them whatever order they finish in', async () => {
      const gate = new ReadGate(['users', 'favorites', 'follows']);
      const db = await service.db();
      const server = await service.startCallback({ db: gate.wrap(db) });
      gate.open();
      const ada = await signUp(server.url, 'Ada');
      const bob = await signUp(server.url, 'Bob');
      await db.favorites.insertAsync({ userId: ada.id, item: 'tea' });
      await db.follows.insertAsync({ follower: bob.id, followee: ada.id });
      const held = new ReadGate(['users', 'favorites', 'follows']);
      const heldServer = await service.startCallback({ db: held.wrap(db) });
      const reply = send(heldServer.url, 'GET', `/users/${ada.id}`, { token: bob.token });
      await held.waitForHeld(3, `GET /users/${ada.id}`, 'the user, their favourites and their followers');
      held.releaseAll('reverse');
      const answer = await reply;
      expect(answer.status, answer.text).to.equal(200);
      expect(answer.json.user).to.include({ _id: ada.id, name: 'Ada' });
      expect(answer.json.favorites).to.deep.equal(['tea']);
      expect(answer.json.followers).to.deep.equal([bob.id]);
    });

    it('GET /users/:id/favorites asks for the user and the favourites at once', async () => {
      const db = await service.db();
      const { url } = await service.startCallback();
      const ada = await signUp(url, 'Ada');
      await db.favorites.insertAsync({ userId: ada.id, item: 'tea' });
      const held = new ReadGate(['users', 'favorites']);
      const heldServer = await service.startCallback({ db: held.wrap(db) });
      const reply = send(heldServer.url, 'GET', `/users/${ada.id}/favorites`, { token: ada.token });
      await held.waitForHeld(2, `GET /users/${ada.id}/favorites`, 'the user and their favourites');
      held.releaseAll('reverse');
      expect((await reply).json).to.deep.equal({ favorites: ['tea'] });
    });

    it('signup and login stretch the password off the event loop: other requests are served meanwhile', async () => {
      const server = await service.startCallback({ iterations: HEAVY_ITERATIONS });
      const account = { name: 'Ada', email: 'ada@example.com', password: 'pw' };
      const routes: Array<[string, () => Promise<Reply>, number]> = [
        ['POST /signup', () => send(server.url, 'POST', '/signup', { json: account }), 201],
        ['POST /login', () => send(server.url, 'POST', '/login', { json: { email: account.email, password: account.password } }), 200],
      ];
      for (const [route, request, status] of routes) {
        const { result: seen, onThreadPool, onEventLoop } = await watchPbkdf2(() => measureResponsiveness(request));
        expect(seen.result.status, `${route}: ${seen.result.text}`).to.equal(status);
        // The verdict is where the PBKDF2 jobs ran; the stall fraction only illustrates it.
        if (onEventLoop > 0) {
          throw new KataAssertionError(
            `${route} stretched the password on the event loop (${onEventLoop} of ${onEventLoop + onThreadPool} PBKDF2 jobs ran synchronously): ` +
              `no heartbeat for ${seen.longestGapMs.toFixed(0)} ms of the ${seen.durationMs.toFixed(0)} ms request (${(seen.stallFraction * 100).toFixed(0)}%), and nothing else was served meanwhile. ` +
              'crypto.pbkdf2Sync runs on the main thread, even inside an async function; crypto.pbkdf2 (through util.promisify) runs on libuv\'s thread pool and leaves the event loop free.',
          );
        }
      }
    });

    it('two follows of the same user at once leave one record: one answered 201, the other 409', async () => {
      const { ada, bob, db } = await adaAndBob();
      const held = new ReadGate(['follows']);
      const heldServer = await service.startCallback({ db: held.wrap(db) });
      const both = [0, 1].map(() => send(heldServer.url, 'POST', `/users/${ada.id}/follow`, { token: bob.token }));
      // A check-then-insert reads first: both checks are held, then released together, as two
      // requests arriving at once would interleave. Code that reads nothing first is not held.
      await held.waitForHeld(2, 'two follows', 'the checks').catch(() => undefined);
      held.open();
      const statuses = (await Promise.all(both)).map((r) => r.status).sort();
      const records = await (await service.reopen()).follows.findAsync({ follower: bob.id, followee: ada.id });
      if (records.length !== 1) {
        throw new KataAssertionError(
          `two POST /users/<id>/follow at once left ${records.length} follow records for the same pair (answers ${statuses.join(', ')}): ` +
            'the check "already following?" and the insert are two steps, and the second request checked before the first had inserted. ' +
            'Let the database decide: a unique index on (follower, followee), and a uniqueViolated error turned into 409.',
        );
      }
      expect(statuses, 'one follow is created (201), the other is told it already exists (409)').to.deep.equal([201, 409]);
    });
  });

  function expectJsonError(reply: Reply, what: string): void {
    expect(reply.contentType, `${what}: every error is answered as JSON by the error middleware, got ${reply.text.slice(0, 120)}`).to.match(/^application\/json/);
    expect(reply.json?.error, `${what}: the JSON body should be {"error": "<what went wrong>"}`).to.be.a('string');
  }
});

/** server.close(callback), called once: fails when it calls back twice, synchronously, never, or with an error. */
async function closeOnce(server: AccountServer): Promise<void> {
  await callLegacy<void>('server.close', (cb) => server.close(cb));
}

/** Enough PBKDF2 work to judge whether signup blocks the event loop: tens of ms on one core. */
const HEAVY_ITERATIONS = 100_000;

/** A loopback address other than the default 127.0.0.1 (Linux routes all of 127/8 to lo). */
const OTHER_LOOPBACK = '127.0.0.2';

async function freePort(host: string): Promise<number> {
  const probe = net.createServer();
  probe.listen(0, host);
  await new Promise<void>((resolve, reject) => probe.once('listening', resolve).once('error', reject));
  const { port } = probe.address() as net.AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}
