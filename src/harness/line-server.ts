/**
 * A real TCP server on 127.0.0.1 (a free port) speaking newline-delimited JSON, for katas whose
 * client reads a live feed: it delivers messages whole, merged into one write, or split at any
 * byte, floods a client to see whether it applies backpressure, and closes or resets from its
 * side. Every socket is closed when the test ends.
 *
 * @example
 * describe('feed client', () => {
 *   const feed = useLineServer();
 *   it('reassembles a message split across reads', async () => {
 *     const received = collect(connectFeed(feed.port));
 *     const conn = await feed.waitForConnection('connectFeed()');
 *     await conn.send([{ price: 1 }], 'byte-by-byte');
 *     await conn.end();
 *     expect(await received).to.deep.equal([{ price: 1 }]);
 *   });
 * });
 */
import * as fs from 'node:fs';
import * as net from 'node:net';

import { KataAssertionError } from './callbacks';
import { peersGone, tcpHandles } from './loopback-server';
import { untilDoneOrStalled } from './quiet';
import { networkMessages } from './messages/network';

/** Captured at load: the test may fake setImmediate (sinon's default fake set does). */
const realSetImmediate = setImmediate;

/**
 * How the bytes of a send reach the socket:
 * - `'separate'`: one write per message;
 * - `'merged'`: all messages in one write;
 * - `'byte-by-byte'`: one write per byte (splits multi-byte UTF-8 characters too);
 * - `{ splitAt: [5, 9] }`: the concatenated bytes cut at those offsets.
 */
export type Delivery = 'separate' | 'merged' | 'byte-by-byte' | { splitAt: readonly number[] };

/** What the server's writes met on one connection. */
export interface WriteStats {
  writes: number;
  /** Writes for which `socket.write()` returned false: the client was not keeping up. */
  refusedWrites: number;
  /** 'drain' events: the client caught up after a refused write. */
  drains: number;
  bytesWritten: number;
}

/** Each message as its line on the wire (a JSON value and "\n"). */
function toLines(messages: readonly unknown[]): Buffer {
  return Buffer.from(messages.map((m) => `${JSON.stringify(m)}\n`).join(''), 'utf8');
}

/**
 * The chunks each written separately for `delivery`.
 *
 * @example
 * chunksFor(Buffer.from('ab\n'), { splitAt: [1] }); // [<'a'>, <'b\n'>]
 */
export function chunksFor(bytes: Buffer, delivery: Delivery, perMessage: readonly Buffer[] = [bytes]): Buffer[] {
  if (delivery === 'merged') return [bytes];
  if (delivery === 'separate') return [...perMessage];
  if (delivery === 'byte-by-byte') return [...bytes].map((b) => Buffer.from([b]));
  const cuts = [...new Set(delivery.splitAt)].filter((c) => c > 0 && c < bytes.length).sort((a, b) => a - b);
  const chunks: Buffer[] = [];
  let from = 0;
  for (const cut of [...cuts, bytes.length]) {
    chunks.push(bytes.subarray(from, cut));
    from = cut;
  }
  return chunks;
}

/**
 * One accepted client connection, seen from the server.
 *
 * @example
 * const conn = await feed.waitForConnection();
 * await conn.send([{ seq: 1 }, { seq: 2 }], 'merged');
 * conn.reset(); // the client sees ECONNRESET
 */
/**
 * Lines of about 500 bytes that more than fill what the kernel can buffer on a loopback
 * connection: a paused client's receive buffer and the server's send buffer both grow, with
 * autotuning, up to the maxima in /proc/sys/net/ipv4/tcp_rmem and tcp_wmem (32 MB and 4 MB on
 * a stock Linux), and a flood smaller than their sum can all be "delivered" to a client that has
 * stopped reading. Twice the sum, at least 20,000 lines; 20,000 where /proc cannot tell.
 */
export function floodLines(lineBytes = 500): number {
  const maxOf = (file: string): number => {
    try {
      return Number(fs.readFileSync(file, 'utf8').trim().split(/\s+/)[2]) || 0;
    } catch {
      return 0;
    }
  };
  const buffered = maxOf('/proc/sys/net/ipv4/tcp_rmem') + maxOf('/proc/sys/net/ipv4/tcp_wmem');
  return Math.max(20_000, Math.ceil((2 * buffered) / lineBytes));
}

export class LineConnection {
  /** Lines the client sent, without their "\n". */
  readonly received: string[] = [];
  readonly stats: WriteStats = { writes: 0, refusedWrites: 0, drains: 0, bytesWritten: 0 };
  #partial = '';
  #closed = false;
  readonly #isShutDown: () => boolean;

  /** @internal Built by the server for each connection. */
  constructor(
    readonly socket: net.Socket,
    isShutDown: () => boolean,
  ) {
    this.#isShutDown = isShutDown;
    socket.setNoDelay(true);
    socket.setEncoding('utf8');
    socket.on('data', (text: string) => {
      const parts = (this.#partial + text).split('\n');
      this.#partial = parts.pop()!;
      this.received.push(...parts);
    });
    socket.on('drain', () => {
      this.stats.drains += 1;
    });
    socket.on('close', () => {
      this.#closed = true;
    });
    // A client that resets its end is a case a test may provoke; it is not the fixture's error.
    socket.on('error', () => undefined);
  }

  /** Whether the connection is closed (by either side). */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Sends each message as a JSON line. Split deliveries wait a turn of the loop between writes,
   * so the client reads each piece on its own (unless it paused the socket).
   */
  async send(messages: readonly unknown[], delivery: Delivery = 'separate'): Promise<void> {
    const perMessage = messages.map((m) => toLines([m]));
    await this.sendRaw(chunksFor(Buffer.concat(perMessage), delivery, perMessage));
  }

  /** Writes each chunk as is (a half line, invalid JSON...), one write each, a turn apart. */
  async sendRaw(chunks: ReadonlyArray<string | Buffer>): Promise<void> {
    for (const [i, chunk] of chunks.entries()) {
      if (i > 0) await clientTurn();
      if (!(await this.#write(typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk))) return;
    }
  }

  /**
   * Writes up to `lines` JSON lines (by default `{ seq, pad }` of about 500 bytes) as fast as the
   * client takes them. `blocked` is true when a write was refused and the client never caught up
   * (it paused reading); false when every line was taken. The default number of lines is more
   * than the kernel can buffer between the two sockets (floodLines()), so a client that pauses
   * is always seen to block the server.
   */
  async flood(lines = floodLines(), make: (seq: number) => unknown = (seq) => ({ seq, pad: 'x'.repeat(480) })): Promise<{ delivered: number; blocked: boolean }> {
    for (let seq = 0; seq < lines; seq += 1) {
      if (this.#closed) return { delivered: seq, blocked: false };
      this.stats.writes += 1;
      const line = toLines([make(seq)]);
      this.stats.bytesWritten += line.length;
      if (this.socket.write(line)) continue;
      this.stats.refusedWrites += 1;
      const drainsBefore = this.stats.drains;
      const verdict = await untilDoneOrStalled({
        done: () => this.stats.drains > drainsBefore || this.#closed,
        progress: () => this.received.length,
        cancelled: this.#isShutDown,
      });
      if (verdict === 'stalled') return { delivered: seq + 1, blocked: true };
    }
    return { delivered: lines, blocked: false };
  }

  /** Floods the client and fails with a learner's message unless it stopped reading at some point. */
  async expectBackpressure(label = 'the client', lines?: number): Promise<void> {
    const { delivered, blocked } = await this.flood(lines);
    if (!blocked) throw new KataAssertionError(networkMessages.noBackpressure(label, delivered));
  }

  /** Resolves with the first `n` lines the client sent; rejects when it sent fewer and went quiet. */
  async waitForLines(n: number, label = 'the client'): Promise<string[]> {
    const verdict = await untilDoneOrStalled({
      done: () => this.received.length >= n,
      progress: () => this.received.length,
      cancelled: this.#isShutDown,
    });
    if (verdict === 'stalled') throw new KataAssertionError(networkMessages.neverSent(label, n, this.received.length));
    return this.received.slice(0, n);
  }

  /** Ends the connection from the server's side once everything written is flushed (the client sees 'end'). */
  async end(): Promise<void> {
    if (this.#closed) return;
    await new Promise<void>((resolve) => this.socket.end(resolve));
  }

  /** Closes the connection at once, dropping unsent data. */
  destroy(): void {
    this.socket.destroy();
  }

  /** Closes the connection with a TCP RST: the client sees ECONNRESET. */
  reset(): void {
    this.socket.resetAndDestroy();
  }

  /** Resolves false when the connection closed before the write finished. */
  #write(chunk: Buffer): Promise<boolean> {
    if (this.#closed || this.socket.destroyed) return Promise.resolve(false);
    this.stats.writes += 1;
    this.stats.bytesWritten += chunk.length;
    return new Promise((resolve) => {
      const settle = (written: boolean) => {
        this.socket.off('close', onClose);
        resolve(written);
      };
      const onClose = () => settle(false);
      this.socket.once('close', onClose);
      const ok = this.socket.write(chunk, (err) => {
        if (ok) settle(!err);
      });
      if (ok) return;
      this.stats.refusedWrites += 1;
      // The client stopped reading: wait until it catches up (or the connection goes).
      this.socket.once('drain', () => settle(true));
    });
  }
}

/**
 * Two turns of the loop: the poll phase in between lets the client, in this same process, read
 * what was just written before the next piece arrives (loopback delivers within write()).
 */
async function clientTurn(): Promise<void> {
  for (let i = 0; i < 2; i += 1) await new Promise<void>((resolve) => realSetImmediate(resolve));
}

/**
 * The running server.
 *
 * @example
 * const feed = await startLineServer();
 * const client = net.connect(feed.port, '127.0.0.1');
 * const conn = await feed.waitForConnection();
 * await feed.close(); // destroys conn and every other socket
 */
export class LineServer {
  readonly #server: net.Server;
  readonly #connections: LineConnection[] = [];
  readonly #socketsBefore: number;
  #taken = 0;
  #shutDown = false;

  /** @internal Use {@link startLineServer}. */
  constructor(server: net.Server, socketsBefore: number) {
    this.#server = server;
    this.#socketsBefore = socketsBefore;
    server.on('connection', (socket) => this.#connections.push(new LineConnection(socket, () => this.#shutDown)));
  }

  get port(): number {
    return (this.#server.address() as net.AddressInfo).port;
  }
  get host(): string {
    return '127.0.0.1';
  }
  /** Every connection accepted so far, in order. */
  get connections(): readonly LineConnection[] {
    return this.#connections;
  }

  /**
   * Resolves with the next connection not yet handed out; rejects with a learner's message when
   * no client connects and nothing is left that could.
   */
  async waitForConnection(label = 'the client'): Promise<LineConnection> {
    const verdict = await untilDoneOrStalled({
      done: () => this.#connections.length > this.#taken,
      progress: () => this.#connections.length,
      cancelled: () => this.#shutDown,
    });
    if (verdict === 'stalled') throw new KataAssertionError(networkMessages.neverConnected(label));
    return this.#connections[this.#taken++]!;
  }

  /** Destroys every connection, closes the server, and waits for both ends of every socket. */
  async close(): Promise<void> {
    if (this.#shutDown) return;
    this.#shutDown = true;
    for (const conn of this.#connections) conn.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
    await peersGone(this.#socketsBefore);
  }
}

/**
 * Starts a line server on 127.0.0.1 and a free port.
 *
 * @example
 * const feed = await startLineServer();
 * try { ... } finally { await feed.close(); }
 */
export async function startLineServer(): Promise<LineServer> {
  const before = tcpHandles();
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  return new LineServer(server, before);
}

/**
 * Registers beforeEach/afterEach hooks in the enclosing `describe`: each test gets a fresh line
 * server, closed with every connection after the test.
 *
 * @example
 * describe('ticker', () => {
 *   const feed = useLineServer();
 *   it('reconnects after a reset', async () => { ... feed.port ... });
 * });
 */
export function useLineServer(): LineServer {
  let current: LineServer | undefined;
  beforeEach(async () => {
    current = await startLineServer();
  });
  afterEach(async () => {
    const server = current;
    current = undefined;
    await server?.close();
  });
  return new Proxy({} as LineServer, {
    get(_target, key) {
      if (!current) throw new Error(networkMessages.outsideTest('the line server', 'useLineServer'));
      const value: unknown = Reflect.get(current, key, current);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(current) : value;
    },
  });
}
