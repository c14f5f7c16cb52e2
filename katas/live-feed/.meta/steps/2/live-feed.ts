/**
 * live-feed: the trading desk's client for the quotes feed.
 *
 * The feed server speaks newline-delimited JSON over TCP: one message per line, each line one
 * JSON value followed by "\n", in UTF-8 (instrument names hold any character: "Café Müller AG",
 * "東京エレクトロン"). The server cuts its bytes into packets as it likes: a message may arrive
 * in several packets, a packet may hold several messages, and a packet may end in the middle of
 * a character. Empty lines are keep-alives: skipped. A line that is not JSON ends the feed with
 * a SyntaxError that quotes the line. A server that closes in the middle of a message ends the
 * feed with an error that says so; one that closes after a whole line ends it normally.
 */
import { EventEmitter, once } from 'node:events';
import * as net from 'node:net';

export interface FeedOptions {
  port: number;
  /** Default '127.0.0.1'. */
  host?: string;
}

export interface OpenFeedOptions extends FeedOptions {
  /** Aborting stops the feed: the connection is closed and the iteration ends with an AbortError. */
  signal?: AbortSignal;
}

/** At most this many characters of a bad line are quoted in the error. */
const QUOTED_CHARS = 60;

function parseLine(line: string): unknown {
  try {
    return JSON.parse(line);
  } catch (err) {
    throw new SyntaxError(`the feed sent a line that is not JSON: ${JSON.stringify(line.slice(0, QUOTED_CHARS))}`, { cause: err });
  }
}

/**
 * The lines of a connected socket's text, without their "\n". The loop reads from the socket only
 * when its consumer asks for the next line, so a slow consumer leaves the bytes in the kernel and
 * the server's writes wait (backpressure). Throws when the socket ends in the middle of a line.
 */
async function* linesOf(socket: net.Socket): AsyncGenerator<string, void, undefined> {
  // One decoder for the whole connection: a character cut between two packets is decoded whole.
  socket.setEncoding('utf8');
  let partial = '';
  for await (const text of socket as AsyncIterable<string>) {
    const lines = (partial + text).split('\n');
    partial = lines.pop()!;
    yield* lines;
  }
  if (partial !== '') {
    throw new Error(`the feed closed in the middle of a message: ${Buffer.byteLength(partial)} bytes arrived without their "\\n"`);
  }
}

/** The messages of a connected socket, one per line. The socket is destroyed however the loop ends. */
async function* readMessages(socket: net.Socket, signal: AbortSignal | undefined, onAbort: () => void): AsyncGenerator<unknown, void, undefined> {
  try {
    for await (const line of linesOf(socket)) {
      // Lines already read stay unread once the consumer has stopped the feed.
      signal?.throwIfAborted();
      if (line !== '') yield parseLine(line);
    }
  } finally {
    signal?.removeEventListener('abort', onAbort);
    socket.destroy();
  }
}

/**
 * The callback API old callers use: an EventEmitter that emits 'message' for each message, then
 * one 'end' (the server closed, or close() was called) or one 'error'.
 * Do not change how it is called: old callers (and the safety-net tests) use it.
 *
 * @example
 * const client = new FeedClient({ port: 7000 });
 * client.on('message', (quote) => book.apply(quote));
 * client.on('error', (err) => log.error(err));
 * client.connect((err) => { if (err) return retryLater(err); });
 *
 * TODO(step 3): the defect tests say what goes wrong here. Once promises.openFeed works, make
 * this class a thin shim over it (util.callbackify for connect) and delete the buffering.
 */
export class FeedClient extends EventEmitter {
  options: FeedOptions;
  socket: net.Socket | null = null;
  buf = '';

  constructor(options: FeedOptions) {
    super();
    this.options = options;
  }

  /** Calls back once: with no error when connected, or with the error that prevented it. */
  connect(callback: (err: Error | null) => void): void {
    var self = this;
    var socket = net.connect(self.options.port, self.options.host || '127.0.0.1');
    self.socket = socket;

    socket.on('connect', function () {
      callback(null);
    });

    socket.on('data', function (chunk: Buffer) {
      self.buf += chunk;
      var lines = self.buf.split('\n');
      self.buf = lines.pop()!;
      lines.forEach(function (line) {
        if (line === '') {
          return; // keep-alive
        }
        var message;
        try {
          message = JSON.parse(line);
        } catch (err) {
          self.emit('error', err);
          return;
        }
        self.emit('message', message);
      });
    });

    socket.on('end', function () {
      self.emit('end');
    });

    socket.on('error', function (err) {
      callback(err);
    });
  }

  /** Closes the connection; 'end' follows. */
  close(): void {
    if (this.socket) {
      this.socket.end();
    }
  }
}

/** The promise API new callers want. */
export const promises = {
  /**
   * Connects to the feed and resolves, once connected, with its messages as an async iterator.
   * Rejects when the connection cannot be made (ECONNREFUSED...). Leaving the loop early (break,
   * return, a throw) or aborting `options.signal` closes the connection.
   *
   * @example
   * const feed = await promises.openFeed({ port: 7000, signal });
   * for await (const quote of feed) book.apply(quote);
   */
  async openFeed(options: OpenFeedOptions): Promise<AsyncIterableIterator<unknown>> {
    const { port, host = '127.0.0.1', signal } = options;
    signal?.throwIfAborted();
    const socket = net.connect({ port, host });
    // Abort destroys the socket, whatever the loop is waiting for. Not net.connect's own `signal`
    // option: on Node 20 its listener stays on the signal after the socket closes, and one signal
    // shared by many feeds would collect one per feed.
    const onAbort = () => socket.destroy(signal!.reason as Error);
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      await once(socket, 'connect');
    } catch (err) {
      signal?.removeEventListener('abort', onAbort);
      socket.destroy();
      throw err;
    }
    return readMessages(socket, signal, onAbort);
  },
};
