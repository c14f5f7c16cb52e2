// The kata's tests. Do not change this file: make them pass by changing src/. Your own tests go in test/mine/.
import { expect } from 'chai';
import { getEventListeners } from 'node:events';

import { callPromise, expectCallerErrorEscapes, expectRejection, KataAssertionError, type LineConnection, networkMessages, type Outcome, outcome, untilDoneOrStalled, useLineServer } from '../../../src/harness';
import { FeedClient, promises } from '../src/live-feed';
import { collect, expectClosed, insideCharacters, QUOTES, recordWarnings, refusedPort, watchSettle, wireBytes } from './support/feed';

const ASCII = [{ sym: 'ABC', bid: 1.5 }, { sym: 'XYZ', bid: 2 }, { sym: 'QQQ', bid: 3.25, halted: false }];

type Event = ['message', unknown] | ['end'] | ['error', Error];

/** A FeedClient as an old caller uses it, with everything it emits and every connect callback recorded. */
function legacyClient(port: number) {
  const client = new FeedClient({ port });
  const events: Event[] = [];
  const connectCalls: Array<Error | null> = [];
  let returned = false;
  let calledSync = false;
  client.on('message', (m: unknown) => events.push(['message', m]));
  client.on('end', () => events.push(['end']));
  client.on('error', (e: Error) => events.push(['error', e]));
  client.connect((err) => {
    connectCalls.push(err);
    if (!returned) calledSync = true;
  });
  returned = true;
  return {
    client,
    events,
    connectCalls,
    messages: () => events.filter((e) => e[0] === 'message').map((e) => e[1]),
    async connected(): Promise<void> {
      const verdict = await untilDoneOrStalled({ done: () => connectCalls.length > 0 });
      if (verdict === 'stalled') throw new KataAssertionError("client.connect(cb) never called back, and nothing was left that could make it: it must call back once connected, or with the error that prevented it.");
      expect(calledSync, 'client.connect(cb) called back before it returned: a callback must always be called asynchronously').to.equal(false);
    },
    /** Resolves once the client emitted 'end' or 'error'. */
    async finished(): Promise<void> {
      const verdict = await untilDoneOrStalled({ done: () => events.some((e) => e[0] !== 'message') });
      if (verdict === 'stalled') {
        throw new KataAssertionError(`the FeedClient emitted neither 'end' nor 'error', and nothing was left that could make it (it emitted: ${events.map((e) => e[0]).join(', ') || 'nothing'}).`);
      }
    },
  };
}

async function openFeed(port: number, signal?: AbortSignal): Promise<AsyncIterableIterator<unknown>> {
  const feed = await callPromise(`promises.openFeed({ port${signal ? ', signal' : ''} })`, () => promises.openFeed(signal ? { port, signal } : { port }));
  expect(feed, 'promises.openFeed() must resolve with an async iterator (for await (const m of feed))').to.have.property(Symbol.asyncIterator);
  return feed;
}

/** Lines of about 4 KB the server tries to send to a slow consumer. */
const FLOOD_LINES = 16_000;

const NOT_CLOSED = (what: string) => `${what}, but the server never saw the connection close: the socket was left open (destroy it in a finally).`;

describe('live-feed safety net: the callback API old callers use', () => {
  const server = useLineServer();

  it('connect calls back once with no error; each message is emitted in order, then end when the server closes', async () => {
    const feed = legacyClient(server.port);
    const conn = await server.waitForConnection('client.connect()');
    await feed.connected();
    await conn.send(ASCII, 'separate');
    await conn.end();
    await feed.finished();
    expect(feed.connectCalls).to.deep.equal([null]);
    expect(feed.events).to.deep.equal([...ASCII.map((m) => ['message', m]), ['end']]);
  });

  it('several messages in one packet are each emitted', async () => {
    const feed = legacyClient(server.port);
    const conn = await server.waitForConnection('client.connect()');
    await conn.send(ASCII, 'merged');
    await conn.end();
    await feed.finished();
    expect(feed.events).to.deep.equal([...ASCII.map((m) => ['message', m]), ['end']]);
  });

  it('a message cut across packets is emitted whole (plain ASCII, cut anywhere)', async () => {
    const feed = legacyClient(server.port);
    const conn = await server.waitForConnection('client.connect()');
    const bytes = wireBytes(ASCII).length;
    for (let at = 1; at < bytes; at += 1) await conn.send(ASCII, { splitAt: [at] });
    await conn.end();
    await feed.finished();
    expect(feed.messages()).to.deep.equal(Array.from({ length: bytes - 1 }, () => ASCII).flat());
  });

  it('connect calls back with ECONNREFUSED when nothing listens', async () => {
    const feed = legacyClient(await refusedPort());
    await feed.connected();
    expect(feed.connectCalls).to.have.length(1);
    expect(feed.connectCalls[0]).to.have.property('code', 'ECONNREFUSED');
  });

  it('close() closes the connection: the server sees it, and end is emitted once', async () => {
    const feed = legacyClient(server.port);
    const conn = await server.waitForConnection('client.connect()');
    await feed.connected();
    await conn.send(ASCII.slice(0, 1));
    await untilDoneOrStalled({ done: () => feed.events.length > 0 });
    feed.client.close();
    await expectClosed(conn, NOT_CLOSED('client.close() was called'));
    await feed.finished();
    expect(feed.events).to.deep.equal([['message', ASCII[0]], ['end']]);
  });

  it("an exception thrown by the caller's connect callback is not fed back into that callback", async () => {
    const client = new FeedClient({ port: server.port });
    client.on('error', () => undefined);
    await expectCallerErrorEscapes('client.connect(cb)', (cb) => client.connect(cb), { handles: 'ignore' });
    // The legacy client never starts reading once the caller's callback has thrown inside its
    // 'connect' listener (Node starts reading after that listener returns): close() cannot reach
    // its end then, so its socket is destroyed here. A shim has no such field.
    const stuck = (client as unknown as { socket?: { destroy(): void } }).socket;
    if (stuck) stuck.destroy();
    else client.close();
    await server.close();
  });
});

describe('live-feed defects: what the legacy version gets wrong', () => {
  const server = useLineServer();

  it('a character cut between two packets is emitted intact, wherever the cut falls inside "é", "ü", "東" or "🍕"', async () => {
    const feed = legacyClient(server.port);
    const conn = await server.waitForConnection('client.connect()');
    const cuts = insideCharacters(wireBytes(QUOTES));
    for (const at of cuts) await conn.send(QUOTES, { splitAt: [at] });
    await conn.end();
    await feed.finished();
    expect(feed.messages(), 'each chunk was decoded on its own (buf += chunk): decode the bytes of the whole connection with one decoder').to.deep.equal(
      Array.from({ length: cuts.length }, () => QUOTES).flat(),
    );
  });

  it('a line that is not JSON is one error event (a SyntaxError quoting the line), and the connection is closed', async () => {
    const feed = legacyClient(server.port);
    const conn = await server.waitForConnection('client.connect()');
    await conn.sendRaw(['{"sym":"ABC"}\nnot json at all\n{"sym":"XYZ"}\n']);
    await expectClosed(conn, NOT_CLOSED('a line that is not JSON was sent'));
    await feed.finished();
    expect(feed.events.map((e) => e[0])).to.deep.equal(['message', 'error']);
    expect(feed.events[1]![1]).to.be.instanceOf(SyntaxError);
    expect((feed.events[1]![1] as Error).message).to.include('not json at all');
  });

  it('a server that closes in the middle of a message is an error event that says so, not end', async () => {
    const feed = legacyClient(server.port);
    const conn = await server.waitForConnection('client.connect()');
    await conn.sendRaw(['{"sym":"ABC"}\n{"sym":"XY']);
    await conn.end();
    await feed.finished();
    expect(feed.events.map((e) => e[0]), 'the last message was cut off, and the feed ended as if nothing was lost').to.deep.equal(['message', 'error']);
    expect((feed.events[1]![1] as Error).message).to.match(/middle of a message/);
  });

  it('a reset after connecting is one error event (ECONNRESET), and the connect callback is not called again', async () => {
    const feed = legacyClient(server.port);
    const conn = await server.waitForConnection('client.connect()');
    await feed.connected();
    conn.reset();
    await feed.finished();
    expect(feed.connectCalls, 'connect(cb) was called back a second time, with the later error').to.deep.equal([null]);
    expect(feed.events).to.have.length(1);
    expect(feed.events[0]![1]).to.have.property('code', 'ECONNRESET');
  });
});

describe('live-feed promise API: promises.openFeed', () => {
  const server = useLineServer();

  /** Opens a feed and waits for its connection to reach the server; fails with openFeed's error when it rejects instead. */
  async function connected(signal?: AbortSignal): Promise<{ feed: AsyncIterableIterator<unknown>; conn: LineConnection }> {
    let opened: Outcome<AsyncIterableIterator<unknown>> | undefined;
    const opening = outcome(openFeed(server.port, signal));
    void opening.then((r) => {
      opened = r;
    });
    await untilDoneOrStalled({ done: () => opened !== undefined || server.connections.length > 0 });
    if (opened && !opened.ok) throw opened.error;
    const conn = await server.waitForConnection('promises.openFeed()');
    const result = await opening;
    if (!result.ok) throw result.error;
    return { feed: result.value, conn };
  }

  it('resolves once connected with an async iterator: messages in separate packets arrive in order, and the iteration ends when the server closes', async () => {
    const { feed, conn } = await connected();
    const received = collect(feed);
    await conn.send(ASCII, 'separate');
    await conn.end();
    const { messages, ended } = await received;
    expect(messages).to.deep.equal(ASCII);
    expect(ended).to.deep.equal({ ok: true, value: undefined });
  });

  it('several messages in one packet arrive each', async () => {
    const { feed, conn } = await connected();
    const received = collect(feed);
    await conn.send(ASCII, 'merged');
    await conn.end();
    expect((await received).messages).to.deep.equal(ASCII);
  });

  it('a message cut between two packets arrives intact, wherever the cut falls: every byte position, inside "é", "ü", "東" and "🍕" too', async () => {
    const { feed, conn } = await connected();
    const received = collect(feed);
    const bytes = wireBytes(QUOTES).length;
    for (let at = 1; at < bytes; at += 1) await conn.send(QUOTES, { splitAt: [at] });
    await conn.end();
    const { messages, ended } = await received;
    expect(ended.ok ? 'ended' : (ended.error as Error).message).to.equal('ended');
    expect(messages.length, 'messages were lost or merged').to.equal(QUOTES.length * (bytes - 1));
    expect(messages, 'messages were garbled: decode the bytes of the whole connection with one decoder (setEncoding, StringDecoder, readline)').to.deep.equal(
      Array.from({ length: bytes - 1 }, () => QUOTES).flat(),
    );
  });

  it('one byte per packet gives the same messages', async () => {
    const { feed, conn } = await connected();
    const received = collect(feed);
    await conn.send(QUOTES, 'byte-by-byte');
    await conn.end();
    expect((await received).messages).to.deep.equal(QUOTES);
  });

  it('empty lines are keep-alives: skipped', async () => {
    const { feed, conn } = await connected();
    const received = collect(feed);
    await conn.sendRaw(['\n', '{"sym":"ABC"}\n\n', '\n{"sym":"XYZ"}\n', '\n']);
    await conn.end();
    const { messages, ended } = await received;
    expect(ended.ok ? 'ended' : (ended.error as Error).message).to.equal('ended');
    expect(messages).to.deep.equal([{ sym: 'ABC' }, { sym: 'XYZ' }]);
  });

  it('a line that is not JSON ends the iteration with a SyntaxError quoting the line, and closes the connection', async () => {
    const { feed, conn } = await connected();
    const received = collect(feed);
    await conn.sendRaw(['{"sym":"ABC"}\nnot json at all\n{"sym":"XYZ"}\n']);
    await expectClosed(conn, NOT_CLOSED('the iteration met a line that is not JSON'));
    const { messages, ended } = await received;
    expect(messages, 'no message after the bad line').to.deep.equal([{ sym: 'ABC' }]);
    expect(ended.ok, 'the iteration ended without an error: was the bad line skipped?').to.equal(false);
    if (!ended.ok) {
      expect(ended.error).to.be.instanceOf(SyntaxError);
      expect((ended.error as Error).message).to.include('not json at all');
    }
  });

  it('a server that closes in the middle of a message ends the iteration with an error that says so', async () => {
    const { feed, conn } = await connected();
    const received = collect(feed);
    await conn.sendRaw(['{"sym":"ABC"}\n{"sym":"XY']);
    await conn.end();
    const { messages, ended } = await received;
    expect(messages).to.deep.equal([{ sym: 'ABC' }]);
    expect(ended.ok, 'the last message was cut off, and the iteration ended as if nothing was lost').to.equal(false);
    if (!ended.ok) expect((ended.error as Error).message).to.match(/middle of a message/);
  });

  it('a server that closes in the middle of a message is an error even when the part that arrived is valid JSON (no "\\n", no message)', async () => {
    const { feed, conn } = await connected();
    const received = collect(feed);
    await conn.sendRaw(['{"sym":"ABC"}\n{"sym":"XYZ"}']);
    await conn.end();
    const { messages, ended } = await received;
    expect(messages, 'a message counts only once its "\\n" has arrived').to.deep.equal([{ sym: 'ABC' }]);
    expect(ended.ok).to.equal(false);
    if (!ended.ok) expect((ended.error as Error).message).to.match(/middle of a message/);
  });

  it('a connection reset ends the iteration with ECONNRESET', async () => {
    const { feed, conn } = await connected();
    const received = collect(feed);
    conn.reset();
    const { ended } = await received;
    expect(ended.ok).to.equal(false);
    if (!ended.ok) expect(ended.error).to.have.property('code', 'ECONNRESET');
  });

  it('rejects with ECONNREFUSED when nothing listens, and leaves no listener on its signal', async () => {
    const port = await refusedPort();
    const err = await expectRejection('promises.openFeed({ port })', () => promises.openFeed({ port }));
    expect(err).to.have.property('code', 'ECONNREFUSED');
    // The application's shutdown signal, shared by every feed: a feed that never connected keeps nothing on it.
    const stop = new AbortController();
    const withSignal = await expectRejection('promises.openFeed({ port, signal })', () => promises.openFeed({ port, signal: stop.signal }));
    expect(withSignal).to.have.property('code', 'ECONNREFUSED');
    expect(getEventListeners(stop.signal, 'abort'), 'abort listeners left on the signal by a feed whose connection was refused: remove yours when connecting fails too').to.have.length(0);
  });

  it('a slow consumer holds the server back (its writes wait), and once it catches up no message is lost', async () => {
    const { feed, conn } = await connected();
    const first = feed.next();
    // 64 MB: more than the kernel's socket buffers on both ends can hold.
    const flood = conn.flood(FLOOD_LINES, (seq) => ({ seq, pad: 'x'.repeat(4000) }));
    // The consumer takes the first message, then stays busy: it asks for no other until the flood is over.
    expect((await first).value).to.have.property('seq', 0);
    const { delivered, blocked } = await flood;
    expect(blocked, networkMessages.noBackpressure('promises.openFeed()', delivered)).to.equal(true);
    expect(conn.stats.refusedWrites).to.be.greaterThan(0);
    expect(conn.socket.writableLength, 'the server holds the bytes the client would not take').to.be.greaterThan(0);
    const rest = collect(feed);
    await conn.end();
    const { messages, ended } = await rest;
    expect(ended.ok ? 'ended' : (ended.error as Error).message).to.equal('ended');
    expect(messages.length, 'messages were lost while the consumer was busy').to.equal(delivered - 1);
    expect(messages.every((m, i) => (m as { seq: number }).seq === i + 1), 'messages arrived out of order').to.equal(true);
  });

  it('aborting the signal while the consumer waits for a message closes the connection, and the waiting next() rejects with an AbortError', async () => {
    const stop = new AbortController();
    const { feed, conn } = await connected(stop.signal);
    const waiting = watchSettle(feed.next());
    stop.abort();
    await expectClosed(conn, NOT_CLOSED('the signal was aborted'));
    const result = await waiting.settled('the signal was aborted, but the next() the consumer was waiting on never settled: the loop must end on abort, even when no message comes.');
    expect(result.ok, 'next() resolved after abort: the iteration must end with an AbortError').to.equal(false);
    if (!result.ok) expect(result.error).to.have.property('name', 'AbortError');
  });

  it('after abort, no further message is delivered, not even one already received', async () => {
    const stop = new AbortController();
    const { feed, conn } = await connected(stop.signal);
    const first = feed.next();
    await conn.send(ASCII, 'merged');
    expect((await first).value).to.deep.equal(ASCII[0]);
    stop.abort();
    const result = await watchSettle(feed.next()).settled('after abort, next() never settled');
    expect(result.ok ? result.value : undefined, 'a message was delivered after abort').to.equal(undefined);
    if (!result.ok) expect(result.error).to.have.property('name', 'AbortError');
    await expectClosed(conn, NOT_CLOSED('the signal was aborted'));
  });

  it('a signal already aborted rejects with an AbortError, without connecting', async () => {
    const stop = new AbortController();
    stop.abort();
    const err = await expectRejection('promises.openFeed({ port, signal: aborted })', () => promises.openFeed({ port: server.port, signal: stop.signal }));
    expect(err).to.have.property('name', 'AbortError');
    expect(server.connections, 'the feed connected although the signal was already aborted').to.have.length(0);
  });

  it('leaving the loop early (break) closes the connection', async () => {
    const { feed, conn } = await connected();
    await conn.send(ASCII, 'merged');
    for await (const message of feed) {
      expect(message).to.deep.equal(ASCII[0]);
      break;
    }
    await expectClosed(conn, NOT_CLOSED('the consumer left the loop with break'));
  });

  it('adds no listener per message or per feed: 40 messages one packet each, then 12 feeds one after the other with one signal leave no listener on it, and no MaxListenersExceededWarning', async () => {
    const recorder = recordWarnings();
    const stop = new AbortController();
    const messages = Array.from({ length: 40 }, (_, seq) => ({ seq }));
    let warnings: Error[];
    try {
      for (let round = 0; round < 12; round += 1) {
        const { feed, conn } = await connected(stop.signal);
        const received = collect(feed);
        await conn.send(round === 0 ? messages : messages.slice(0, 1), 'separate');
        await conn.end();
        expect((await received).messages).to.have.length(round === 0 ? 40 : 1);
      }
    } finally {
      warnings = await recorder.stop();
    }
    expect(getEventListeners(stop.signal, 'abort'), `abort listeners left on the signal after 12 feeds had ended: remove yours when the feed ends (in a finally)`).to.have.length(0);
    const leaks = warnings.filter((w) => w.name === 'MaxListenersExceededWarning');
    expect(leaks.map((w) => w.message), 'listeners pile up: each one added must be removed when it is no longer needed').to.deep.equal([]);
  });
});
