// The answer to step 1: the characterization tests a learner writes for legacy behaviour that
// the kata's tests leave unpinned (the coverage table points at it). The verifier runs them with
// the reference solution, so the reference must keep this behaviour too.
import { expect } from 'chai';

import { profileHandler } from '../../src/profile-page';
import { expectedPage, usePageServer, useUpstreams } from '../../test/support/page';

describe('pinned: legacy behaviour the kata\'s tests leave out', () => {
  const upstreams = useUpstreams();
  const pages = usePageServer();

  it('a friends answer with no "friends" list renders the page with an empty list', async () => {
    upstreams.serve({ friends: { json: { total: 0 } } });
    const page = await pages.start(profileHandler(upstreams.options()));
    const reply = await page.get('/profile/ada');
    expect(reply.status).to.equal(200);
    expect(reply.text).to.equal(expectedPage('ada', []));
  });

  it('the page lists the first 50 friends only', async () => {
    const many = Array.from({ length: 60 }, (_, i) => ({ name: `friend ${i}` }));
    upstreams.serve({ friends: { json: { friends: many } } });
    const page = await pages.start(profileHandler(upstreams.options()));
    const reply = await page.get('/profile/ada');
    expect(reply.status).to.equal(200);
    expect(reply.text).to.equal(expectedPage('ada', many.slice(0, 50)));
  });

  it('works with no timeoutMs at all (a default deadline)', async () => {
    upstreams.serve();
    const page = await pages.start(profileHandler({ ...upstreams.options(), timeoutMs: undefined }));
    expect((await page.get('/profile/ada')).text).to.equal(expectedPage('ada'));
  });

  it('a user name with dots and dashes gets its page', async () => {
    upstreams.serve();
    const page = await pages.start(profileHandler(upstreams.options()));
    const reply = await page.get('/profile/o.brien-2');
    expect(reply.text).to.equal(expectedPage('o.brien-2'));
    expect(upstreams.servers.friends.requests.map((r) => r.path)).to.deep.equal(['/friends/o.brien-2']);
  });
});
