// The answer to step 1: the characterization tests a learner writes for legacy behaviour that
// the kata's own tests leave unpinned (the coverage table points at it). The verifier runs them
// with the reference solution, so the reference must keep this behaviour too.
import { expect } from 'chai';

import { stretchKey } from '../../src/key-stretch';
import { send, useHashServers } from '../../test/support/http';

describe('pinned: legacy behaviour the kata\'s tests leave out', () => {
  const servers = useHashServers();

  it('a body that is not JSON answers 400 with a JSON body', async () => {
    const server = await servers.startCallback();
    const reply = await send(server.url, 'POST', '/hash', '{"password": "p", ');
    expect(reply.status).to.equal(400);
    expect(reply.contentType).to.equal('application/json');
    expect(reply.json).to.deep.equal({ error: 'the body is not valid JSON' });
  });

  it('an unknown path, or the wrong method, answers 404 with a JSON body', async () => {
    const server = await servers.startCallback();
    for (const [method, path] of [['GET', '/nowhere'], ['GET', '/hash'], ['POST', '/health']]) {
      const reply = await send(server.url, method!, path!, method === 'POST' ? '{}' : undefined);
      expect(reply.status, `${method} ${path}`).to.equal(404);
      expect(reply.json, `${method} ${path}`).to.deep.equal({ error: 'not found' });
    }
  });

  it('a port already in use calls back with EADDRINUSE', async () => {
    const first = await servers.startCallback();
    const port = Number(new URL(first.url).port);
    const err = await servers.startCallback({ port }).then(() => undefined, (e: NodeJS.ErrnoException) => e);
    expect(err).to.have.property('code', 'EADDRINUSE');
  });

  it('stretchKey throws a TypeError, naming both arguments, when the salt is not a string', () => {
    expect(() => stretchKey('p', undefined as unknown as string, 1)).to.throw(TypeError, 'password and salt must be strings, got string and undefined');
  });
});
