// Your own tests. Step 1 of the README: before changing src/, pin what the legacy code does
// today, so the refactoring cannot change it by accident. Run `npm test` and read the coverage
// table: every line and branch it lists as uncovered is behaviour no test pins yet.
// These tests count toward the coverage gate. Keep the ones that still hold after the refactor.
import { expect } from 'chai';

import { send, signUp, useAccountService } from '../support/http';

describe('my tests: account-api as it is today', () => {
  const service = useAccountService();

  it('a user follows another, and the other sees them among their followers', async () => {
    const server = await service.startCallback();
    const ada = await signUp(server.url, 'Ada');
    const bob = await signUp(server.url, 'Bob');
    const follow = await send(server.url, 'POST', `/users/${ada.id}/follow`, { token: bob.token });
    expect(follow.status).to.equal(201);
    const reply = await send(server.url, 'GET', `/users/${ada.id}`, { token: ada.token });
    expect(reply.json.followers).to.deep.equal([bob.id]);
  });

  // TODO(step 1): pin more of the legacy behaviour here, until the coverage table shows every
  // branch of src/account-api.ts that the kata's own tests do not reach.
});
