/**
 * The line server fixture, proved against real `net` clients: each delivery, fault and detector
 * with a client that has a planted mistake (caught) and a correct client (passes).
 */
import { expect } from 'chai';
import * as fs from 'node:fs';
import * as net from 'node:net';

import { outcome } from '../../src/harness/callbacks';
import { floodLines, useLineServer } from '../../src/harness/line-server';

interface Client {
  socket: net.Socket;
  /** Every message, once the server ends the connection; rejects on a socket or parse error. */
  messages: Promise<unknown[]>;
}

/** Correct: decodes text across chunks (setEncoding) and keeps the partial last line. */
function lineClient(port: number): Client {
  const socket = net.connect(port, '127.0.0.1');
  socket.setEncoding('utf8');
  const messages = new Promise<unknown[]>((resolve, reject) => {
    const out: unknown[] = [];
    let partial = '';
    socket.on('data', (text: string) => {
      const lines = (partial + text).split('\n');
      partial = lines.pop()!;
      try {
        for (const line of lines) out.push(JSON.parse(line));
      } catch (err) {
        socket.destroy();
        reject(err as Error);
      }
    });
    socket.on('end', () => resolve(out));
    socket.on('error', reject);
  });
  return { socket, messages };
}

/** Planted: one message per 'data' event. */
function chunkClient(port: number): Client {
  const socket = net.connect(port, '127.0.0.1');
  const messages = new Promise<unknown[]>((resolve, reject) => {
    const out: unknown[] = [];
    socket.on('data', (chunk: Buffer) => {
      try {
        out.push(JSON.parse(chunk.toString()));
      } catch (err) {
        socket.destroy();
        reject(err as Error);
      }
    });
    socket.on('end', () => resolve(out));
    socket.on('error', reject);
  });
  return { socket, messages };
}

/** Planted: splits lines right but decodes each chunk alone, breaking multi-byte characters. */
function bufferToStringClient(port: number): Client {
  const socket = net.connect(port, '127.0.0.1');
  const messages = new Promise<unknown[]>((resolve, reject) => {
    const out: unknown[] = [];
    let partial = '';
    socket.on('data', (chunk: Buffer) => {
      const lines = (partial + chunk.toString()).split('\n');
      partial = lines.pop()!;
      for (const line of lines) out.push(JSON.parse(line));
    });
    socket.on('end', () => resolve(out));
    socket.on('error', reject);
  });
  return { socket, messages };
}

const feedMessages = [{ sym: 'ABC', price: 1.5 }, { sym: 'Café', price: 2 }, { sym: 'XYZ', note: 'naïve ✓' }];

describe('harness: line server', () => {
  const feed = useLineServer();

  describe('delivery', () => {
    for (const delivery of ['separate', 'merged', 'byte-by-byte'] as const) {
      it(`${delivery}: a correct client gets every message`, async () => {
        const client = lineClient(feed.port);
        const conn = await feed.waitForConnection('lineClient()');
        await conn.send(feedMessages, delivery);
        await conn.end();
        expect(await client.messages).to.deep.equal(feedMessages);
      });
    }

    it('split at every byte position: a correct client gets every message each time', async () => {
      const client = lineClient(feed.port);
      const conn = await feed.waitForConnection();
      const bytes = Buffer.byteLength(feedMessages.map((m) => `${JSON.stringify(m)}\n`).join(''));
      for (let at = 1; at < bytes; at += 1) await conn.send(feedMessages, { splitAt: [at] });
      await conn.end();
      const got = await client.messages;
      expect(got).to.have.length(feedMessages.length * (bytes - 1));
      expect(got.every((m, i) => JSON.stringify(m) === JSON.stringify(feedMessages[i % feedMessages.length]))).to.equal(true);
    });

    it('separate: each message arrives in its own read (so one-message-per-chunk code passes here)', async () => {
      const client = chunkClient(feed.port);
      const conn = await feed.waitForConnection();
      await conn.send(feedMessages, 'separate');
      await conn.end();
      expect(await client.messages).to.deep.equal(feedMessages);
    });

    it('merged: catches a client that parses one message per chunk', async () => {
      const client = chunkClient(feed.port);
      const conn = await feed.waitForConnection();
      const result = outcome(client.messages);
      await conn.send(feedMessages, 'merged');
      const r = await result;
      expect(r.ok).to.equal(false);
      if (!r.ok) expect(r.error).to.be.instanceOf(SyntaxError);
    });

    it('split mid-line: catches a client that parses one message per chunk', async () => {
      const client = chunkClient(feed.port);
      const conn = await feed.waitForConnection();
      const result = outcome(client.messages);
      await conn.send(feedMessages.slice(0, 1), { splitAt: [5] });
      const r = await result;
      expect(r.ok).to.equal(false);
    });

    it('byte-by-byte: catches a client that decodes each chunk alone (garbled "é")', async () => {
      const client = bufferToStringClient(feed.port);
      const conn = await feed.waitForConnection();
      await conn.send(feedMessages, 'byte-by-byte');
      await conn.end();
      const got = await client.messages;
      expect(got).to.not.deep.equal(feedMessages);
      expect(JSON.stringify(got)).to.include('\ufffd');
    });

    it('sends raw chunks as they are', async () => {
      const client = lineClient(feed.port);
      const conn = await feed.waitForConnection();
      const result = outcome(client.messages);
      await conn.sendRaw(['{"a":', '1}\n', 'not json\n']);
      const r = await result;
      expect(r.ok).to.equal(false);
      if (!r.ok) expect(r.error).to.be.instanceOf(SyntaxError);
    });
  });

  describe('backpressure', () => {
    it('passes a client that pauses the socket while it is behind', async () => {
      const socket = net.connect(feed.port, '127.0.0.1');
      socket.on('error', () => undefined);
      let lines = 0;
      socket.setEncoding('utf8');
      socket.on('data', (text: string) => {
        lines += text.split('\n').length - 1;
        if (lines >= 100) socket.pause(); // its consumer is behind and never catches up in this test
      });
      const conn = await feed.waitForConnection();
      await conn.expectBackpressure('pausingClient()');
      expect(conn.stats.refusedWrites).to.be.greaterThan(0);
      socket.destroy();
    });

    it('floods by default with more than the kernel can buffer between the two sockets, so a pausing client always blocks', function () {
      const max = (file: string) => Number(fs.readFileSync(file, 'utf8').trim().split(/\s+/)[2]);
      if (!fs.existsSync('/proc/sys/net/ipv4/tcp_rmem')) this.skip(); // not Linux: the default is 20,000 lines
      const kernel = max('/proc/sys/net/ipv4/tcp_rmem') + max('/proc/sys/net/ipv4/tcp_wmem');
      expect(floodLines() * 500, `the default flood against ${kernel} bytes of kernel buffers`).to.be.greaterThan(kernel);
      expect(floodLines()).to.be.at.least(20_000);
    });

    it('catches a client that reads everything without ever pausing', async () => {
      const socket = net.connect(feed.port, '127.0.0.1');
      socket.on('error', () => undefined);
      const kept: Buffer[] = [];
      socket.on('data', (chunk: Buffer) => kept.push(chunk));
      const conn = await feed.waitForConnection();
      const r = await outcome(conn.expectBackpressure('eagerClient()', 5_000));
      expect(r.ok).to.equal(false);
      if (!r.ok) expect((r.error as Error).message).to.match(/eagerClient\(\) read all 5000 lines as fast as the server sent them and never paused/);
      socket.destroy();
    });
  });

  describe('closing from the server side', () => {
    it('end(): the client sees the end of the stream after the last message', async () => {
      const client = lineClient(feed.port);
      const conn = await feed.waitForConnection();
      await conn.send([1, 2]);
      await conn.end();
      expect(await client.messages).to.deep.equal([1, 2]);
    });

    it('reset(): the client sees ECONNRESET', async () => {
      const client = lineClient(feed.port);
      const conn = await feed.waitForConnection();
      const result = outcome(client.messages);
      conn.reset();
      const r = await result;
      expect(r.ok).to.equal(false);
      if (!r.ok) expect(r.error).to.have.property('code', 'ECONNRESET');
    });

    it('destroy(): the client sees the connection close', async () => {
      const client = lineClient(feed.port);
      const conn = await feed.waitForConnection();
      const closed = new Promise((resolve) => client.socket.on('close', resolve));
      conn.destroy();
      await closed;
      expect(conn.closed).to.equal(true);
    });

    it('teardown closes a connection the client left open', async () => {
      const socket = net.connect(feed.port, '127.0.0.1');
      socket.on('error', () => undefined);
      await feed.waitForConnection();
      // No close here: the fixture's afterEach must leave nothing for the leak check.
    });
  });

  describe('detectors', () => {
    it('waitForConnection: resolves when the client connects', async () => {
      const client = lineClient(feed.port);
      const conn = await feed.waitForConnection('lineClient()');
      expect(feed.connections).to.have.length(1);
      await conn.end();
      await client.messages;
    });

    it('waitForConnection: catches a client that never connects', async () => {
      const r = await outcome(feed.waitForConnection('connectFeed()'));
      expect(r.ok).to.equal(false);
      if (!r.ok) expect((r.error as Error).message).to.match(/connectFeed\(\) never connected to the line server/);
    });

    it('waitForLines: resolves with what the client sent', async () => {
      const client = lineClient(feed.port);
      client.socket.write('{"subscribe":"ABC"}\n');
      const conn = await feed.waitForConnection();
      expect(await conn.waitForLines(1)).to.deep.equal(['{"subscribe":"ABC"}']);
      await conn.end();
      await client.messages;
    });

    it('waitForLines: catches a client that forgets the newline', async () => {
      const client = lineClient(feed.port);
      client.socket.write('{"subscribe":"ABC"}');
      const conn = await feed.waitForConnection();
      const r = await outcome(conn.waitForLines(1, 'subscribe()'));
      expect(r.ok).to.equal(false);
      if (!r.ok) expect((r.error as Error).message).to.match(/subscribe\(\) sent 0 lines to the server, but 1 were expected/);
      await conn.end();
      await client.messages;
    });
  });
});
