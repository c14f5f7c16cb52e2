// The answer to step 1: the characterization tests a learner writes for legacy behaviour that
// the kata's own tests leave unpinned (the coverage table points at it). The verifier runs them
// with the reference solution, so the reference must keep this behaviour too.
import { expect } from 'chai';

import { send, signUp, useAccountService } from '../../test/support/http';

describe('pinned: legacy behaviour the kata\'s tests leave out', () => {
  const service = useAccountService();

  it('POST /login with no body, or no password, answers 401', async () => {
    const server = await service.startCallback();
    await signUp(server.url, 'Ada');
    for (const json of [undefined, { email: 'ada@example.com' }]) {
      const reply = await send(server.url, 'POST', '/login', { json });
      expect({ status: reply.status, json: reply.json }, `POST /login with ${JSON.stringify(json) ?? 'no body'}`).to.deep.equal({ status: 401, json: { error: 'wrong email or password' } });
    }
  });

  it('following a user that does not exist answers 404, and stores nothing', async () => {
    const server = await service.startCallback();
    const ada = await signUp(server.url, 'Ada');
    const reply = await send(server.url, 'POST', '/users/nobody/follow', { token: ada.token });
    expect({ status: reply.status, json: reply.json }).to.deep.equal({ status: 404, json: { error: 'no such user' } });
    expect(await (await service.db()).follows.countAsync({})).to.equal(0);
  });

  it('PUT /users/:id without a bio empties the bio, and the answer shows the whole profile', async () => {
    const server = await service.startCallback();
    const ada = await signUp(server.url, 'Ada');
    await send(server.url, 'PUT', `/users/${ada.id}`, { token: ada.token, json: { name: 'Ada', bio: 'counts' } });
    const reply = await send(server.url, 'PUT', `/users/${ada.id}`, { token: ada.token, json: { name: 'Ada L.' } });
    expect(reply.json).to.include({ _id: ada.id, name: 'Ada L.', email: 'ada@example.com', bio: '' });
  });
});
