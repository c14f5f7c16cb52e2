// The kata's tests. Do not change this file: make them pass by changing src/. Your own tests go in test/mine/.
import { expect } from 'chai';

import { callLegacy, callPromise, expectCallerErrorEscapes, KataAssertionError, whenQuiet } from '../../../src/harness';
import { loadProfile, type ProfileError, profileHandler, promises, type Upstream } from '../src/profile-page';
import {
  expectAllThreeAtOnce,
  expectedPage,
  expectEventually,
  expectRejectionInTime,
  httpFaults,
  type PageReply,
  SHORT_TIMEOUT_MS,
  UPSTREAMS,
  usePageServer,
  useUpstreams,
} from './support/page';

/** The JSON error answer the page gives for a failed upstream. */
function expectErrorAnswer(reply: PageReply, status: 502 | 504, upstream: Upstream, what: string): void {
  expect(reply.status, `${what}: the page should answer ${status}; it answered ${reply.status} ${reply.text.slice(0, 120)}`).to.equal(status);
  expect(reply.contentType, `${what}: the error answer is JSON`).to.equal('application/json');
  expect(reply.json, `${what}: the body names the error and the upstream`).to.deep.equal({
    error: status === 502 ? 'Bad Gateway' : 'Gateway Timeout',
    upstream,
  });
}

function expectPage(reply: PageReply, user: string): void {
  expect(reply.status, reply.text.slice(0, 200)).to.equal(200);
  expect(reply.contentType).to.equal('text/html; charset=utf-8');
  expect(reply.text, 'the template filled with the name, the picture (as a data: URL of its exact bytes) and the friends').to.equal(expectedPage(user));
}

describe('profile-page', function () {
  // A page that never answers fails at once with a message (support/page.ts), not at this timeout.
  this.timeout(30_000);
  const upstreams = useUpstreams();
  const pages = usePageServer();

  describe('safety net: the callback API old callers use', () => {
    it('GET /profile/<user> answers the template filled with the name, the picture and the friends', async () => {
      upstreams.serve();
      const page = await pages.start(profileHandler(upstreams.options()));
      expectPage(await page.get('/profile/ada'), 'ada');
      expect(upstreams.servers.avatar.requests.map((r) => r.path)).to.deep.equal(['/avatars/ada']);
      expect(upstreams.servers.friends.requests.map((r) => r.path)).to.deep.equal(['/friends/ada']);
    });

    it('loadProfile calls back once with the page\'s HTML', async () => {
      upstreams.serve();
      const html = await callLegacy<string>('loadProfile', (cb) => loadProfile('ada', upstreams.options(), cb));
      expect(html).to.equal(expectedPage('ada'));
    });

    for (const upstream of UPSTREAMS) {
      it(`a connection reset by ${upstream} answers 502 with a JSON body naming it`, async () => {
        upstreams.serve({ [upstream]: httpFaults.reset() });
        const page = await pages.start(profileHandler(upstreams.options()));
        expectErrorAnswer(await page.get('/profile/ada'), 502, upstream, `${upstream} reset the connection`);
      });
    }

    it('loadProfile calls back with an error whose upstream names the service that failed', async () => {
      upstreams.serve({ friends: httpFaults.reset() });
      const err = await callLegacy<string>('loadProfile', (cb) => loadProfile('ada', upstreams.options(), cb)).then(
        () => undefined,
        (e: ProfileError) => e,
      );
      expect(err, 'loadProfile should call back with an error').to.be.instanceOf(Error);
      expect(err).to.have.property('upstream', 'friends');
    });

    it('an unknown path, or another method than GET, answers 404 with a JSON body and asks no upstream', async () => {
      upstreams.serve();
      const page = await pages.start(profileHandler(upstreams.options()));
      for (const [method, path] of [['GET', '/nowhere'], ['GET', '/profile/'], ['GET', '/profile/a/b'], ['GET', '/api/profile/ada'], ['POST', '/profile/ada'], ['DELETE', '/profile/ada']] as const) {
        const reply = await page.request(method, path);
        expect(reply.status, `${method} ${path}`).to.equal(404);
        expect(reply.contentType, `${method} ${path}`).to.equal('application/json');
        expect(reply.json, `${method} ${path}`).to.deep.equal({ error: 'not found' });
      }
      const asked = UPSTREAMS.flatMap((u) => upstreams.servers[u].requests.map((r) => `${u} ${r.path}`));
      expect(asked, 'no upstream is asked for a request the page does not serve').to.deep.equal([]);
    });

    it('an exception thrown by the caller\'s callback is not fed back into that callback', async () => {
      upstreams.serve();
      const [[err, html]] = await expectCallerErrorEscapes('loadProfile', (cb) => loadProfile('ada', upstreams.options(), cb), { handles: 'ignore' });
      expect(err).to.equal(null);
      expect(html).to.equal(expectedPage('ada'));
    });
  });

  describe('promise API: promises.loadProfile and promises.profileHandler', () => {
    it('promises.loadProfile resolves with the page\'s HTML', async () => {
      upstreams.serve();
      const html = await callPromise('promises.loadProfile()', () => promises.loadProfile('ada', upstreams.options()));
      expect(html).to.equal(expectedPage('ada'));
    });

    it('promises.loadProfile rejects with an error naming the upstream, status 502, when an upstream resets the connection', async () => {
      upstreams.serve({ avatar: httpFaults.reset() });
      const err: ProfileError = await expectRejectionInTime('promises.loadProfile()', () => promises.loadProfile('ada', upstreams.options()));
      expect(err).to.include({ upstream: 'avatar', status: 502 });
    });

    it('promises.profileHandler(options) is an async handler that answers the page', async () => {
      upstreams.serve();
      const page = await pages.start(promises.profileHandler(upstreams.options()), { expectPromise: true });
      expectPage(await page.get('/profile/ada'), 'ada');
    });

    it('promises.profileHandler answers 502 with a JSON body naming the upstream that reset the connection', async () => {
      upstreams.serve({ template: httpFaults.reset() });
      const page = await pages.start(promises.profileHandler(upstreams.options()), { expectPromise: true });
      expectErrorAnswer(await page.get('/profile/ada'), 502, 'template', 'template reset the connection');
    });
  });

  describe('defects: what the legacy version gets wrong', () => {
    for (const upstream of UPSTREAMS) {
      it(`${upstream} answering 500 gets the page a 502 with a JSON body naming it`, async () => {
        upstreams.serve({ [upstream]: httpFaults.serverError(500) });
        const page = await pages.start(profileHandler(upstreams.options()));
        expectErrorAnswer(await page.get('/profile/ada'), 502, upstream, `${upstream} answered 500`);
      });
    }

    it('promises.loadProfile rejects with status 502 and the upstream\'s name when an upstream answers 500', async () => {
      upstreams.serve({ friends: httpFaults.serverError(503) });
      const err: ProfileError = await expectRejectionInTime('promises.loadProfile()', () => promises.loadProfile('ada', upstreams.options()));
      expect(err).to.include({ upstream: 'friends', status: 502 });
    });

    it('friends that are not JSON get the page a 502 naming friends, and res.end is called once', async () => {
      upstreams.serve({ friends: httpFaults.malformedJson() });
      const page = await pages.start(profileHandler(upstreams.options()));
      expectErrorAnswer(await page.get('/profile/ada'), 502, 'friends', 'friends answered malformed JSON');
    });

    it('loadProfile calls back once, with an error naming friends, when friends are not JSON', async () => {
      upstreams.serve({ friends: httpFaults.malformedJson() });
      let err: ProfileError | undefined;
      try {
        const html = await callLegacy<string>('loadProfile', (cb) => loadProfile('ada', upstreams.options(), cb));
        throw new KataAssertionError(`loadProfile called back with a page (${html.length} characters) although friends were not JSON: it should call back with the error`);
      } catch (e) {
        if (e instanceof KataAssertionError) throw e;
        err = e as ProfileError;
      }
      expect(err).to.have.property('upstream', 'friends');
    });

    it('an upstream that cuts its body short gets the page a 502, not an answer that never comes', async () => {
      upstreams.serve({ avatar: httpFaults.shortBody() });
      const page = await pages.start(profileHandler(upstreams.options()));
      expectErrorAnswer(await page.get('/profile/ada'), 502, 'avatar', 'avatar cut its body short');
    });

    it('an upstream that never answers gets the page a 504 naming it once timeoutMs has passed, and its request is aborted', async () => {
      upstreams.serve();
      const gate = upstreams.servers.friends.gate();
      const page = await pages.start(profileHandler(upstreams.options({ timeoutMs: SHORT_TIMEOUT_MS })));
      expectErrorAnswer(await page.get('/profile/ada'), 504, 'friends', `friends never answered (timeoutMs: ${SHORT_TIMEOUT_MS})`);
      await expectEventually(
        () => gate.abandoned === 1,
        () =>
          'the page answered 504, but its request to friends is still open: the deadline ended the wait, not the request. ' +
          'Pass the AbortSignal to fetch ({ signal }), so that the deadline aborts the request and closes its socket.',
      );
    });

    it('promises.loadProfile rejects with status 504 and the upstream\'s name when an upstream never answers', async () => {
      upstreams.serve();
      upstreams.servers.template.gate();
      const err: ProfileError = await expectRejectionInTime('promises.loadProfile()', () =>
        promises.loadProfile('ada', upstreams.options({ timeoutMs: SHORT_TIMEOUT_MS })),
      );
      expect(err).to.include({ upstream: 'template', status: 504 });
    });
  });

  describe('in parallel: the three upstreams at once', () => {
    it('the page asks the three upstreams at once: each upstream holds its request until all three are in flight', async () => {
      upstreams.serve();
      const gates = { template: upstreams.servers.template.gate(), avatar: upstreams.servers.avatar.gate(), friends: upstreams.servers.friends.gate() };
      const page = await pages.start(profileHandler(upstreams.options()));
      const reply = page.get('/profile/ada');
      reply.catch(() => undefined);
      await expectAllThreeAtOnce(gates, 'GET /profile/ada');
      for (const upstream of UPSTREAMS) gates[upstream].releaseAll();
      expectPage(await reply, 'ada');
    });

    it('promises.loadProfile asks the three upstreams at once', async () => {
      upstreams.serve();
      const gates = { template: upstreams.servers.template.gate(), avatar: upstreams.servers.avatar.gate(), friends: upstreams.servers.friends.gate() };
      const html = callPromise('promises.loadProfile()', () => promises.loadProfile('ada', upstreams.options()));
      html.catch(() => undefined);
      await expectAllThreeAtOnce(gates, 'promises.loadProfile()', html);
      for (const upstream of UPSTREAMS) gates[upstream].releaseAll();
      expect(await html).to.equal(expectedPage('ada'));
    });

    it('the page is the same whichever upstream answers first', async () => {
      const orders: Upstream[][] = [
        ['friends', 'avatar', 'template'],
        ['avatar', 'template', 'friends'],
        ['template', 'friends', 'avatar'],
      ];
      upstreams.serve();
      const gates = { template: upstreams.servers.template.gate(), avatar: upstreams.servers.avatar.gate(), friends: upstreams.servers.friends.gate() };
      const page = await pages.start(profileHandler(upstreams.options()));
      for (const order of orders) {
        const reply = page.get(`/profile/${order.join('-')}`);
        reply.catch(() => undefined);
        await expectAllThreeAtOnce(gates, `GET /profile/${order.join('-')}`);
        for (const upstream of order) {
          gates[upstream].releaseAll();
          // The next answer is released only once this one has reached the page: nothing left to do.
          await whenQuiet({ handles: 'ignore' });
        }
        const got = await reply;
        expect(got.status, `answers released in the order ${order.join(', ')}`).to.equal(200);
        expect(got.text, `answers released in the order ${order.join(', ')}: each part must go to its own placeholder`).to.equal(expectedPage(order.join('-')));
      }
    });

    it('a failing upstream gets the page its 502 at once, without waiting for the others, and their requests are aborted', async () => {
      upstreams.serve({ template: httpFaults.serverError(500) });
      const gates = { avatar: upstreams.servers.avatar.gate(), friends: upstreams.servers.friends.gate() };
      const page = await pages.start(profileHandler(upstreams.options()));
      const reply = page.get('/profile/ada');
      reply.catch(() => undefined);
      // avatar and friends are held: they never answer unless released.
      expectErrorAnswer(await reply, 502, 'template', 'template answered 500 while avatar and friends were still being asked');
      await expectEventually(
        () => gates.avatar.abandoned + gates.friends.abandoned === 2,
        () =>
          `the page answered 502, but ${2 - gates.avatar.abandoned - gates.friends.abandoned} of the requests to avatar and friends ` +
          'is still open: nobody needs their answers any more. Abort them: one AbortController for the page, aborted on the first ' +
          'failure, combined with the deadline (AbortSignal.any).',
      );
    });
  });
});
