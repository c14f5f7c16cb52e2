// The answer to step 1: the characterization tests a learner writes for legacy behaviour that
// the kata's own tests leave unpinned (the coverage table points at it). The verifier runs them
// with the reference solution, so the reference must keep this behaviour too.
import { expect } from 'chai';

import { untilDoneOrStalled, useLineServer } from '../../../../src/harness';
import { FeedClient, type FeedOptions } from '../../src/live-feed';

describe('pinned: what the callback API does that the kata\'s tests do not reach', () => {
  const server = useLineServer();

  async function run(options: FeedOptions, send: (conn: Awaited<ReturnType<typeof server.waitForConnection>>) => Promise<void>): Promise<unknown[]> {
    const client = new FeedClient(options);
    const events: unknown[] = [];
    client.on('message', (m: unknown) => events.push(m));
    client.on('end', () => events.push('end'));
    client.on('error', (e: Error) => events.push(e));
    client.connect(() => undefined);
    const conn = await server.waitForConnection('client.connect()');
    await send(conn);
    await conn.end();
    await untilDoneOrStalled({ done: () => events.includes('end') });
    return events;
  }

  it('empty lines (keep-alives) emit no message', async () => {
    const events = await run({ port: server.port }, (conn) => conn.sendRaw(['\n', '{"sym":"ABC"}\n\n', '\n']));
    expect(events).to.deep.equal([{ sym: 'ABC' }, 'end']);
  });

  it('options.host is the address it connects to', async () => {
    const events = await run({ port: server.port, host: '127.0.0.1' }, (conn) => conn.send([{ sym: 'ABC' }]));
    expect(events).to.deep.equal([{ sym: 'ABC' }, 'end']);
  });
});
