// Your own tests. Step 1 of the README: before changing src/, pin what the legacy code does
// today, so the refactoring cannot change it by accident. Run `npm test` and read the coverage
// table: every line and branch it lists as uncovered is behaviour no test pins yet.
// These tests count toward the coverage gate. Keep the ones that still hold after the refactor.
import { expect } from 'chai';

import { profileHandler } from '../../src/profile-page';
import { usePageServer, useUpstreams } from '../support/page';

describe('my tests: profile-page as it is today', () => {
  const upstreams = useUpstreams();
  const pages = usePageServer();

  it('the page names the user in its title', async () => {
    upstreams.serve();
    const page = await pages.start(profileHandler(upstreams.options()));
    const reply = await page.get('/profile/grace');
    expect(reply.text).to.contain('<title>grace</title>');
  });

  // TODO(step 1): pin more of the legacy behaviour here, until the coverage table shows every
  // line of src/profile-page.ts that the kata's own tests do not reach.
});
