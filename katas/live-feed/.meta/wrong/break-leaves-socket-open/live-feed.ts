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
import { createInterface } from 'node:readline';
import { callbackify } from 'node:util';

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
 * The lines of a connected socket, without their "\n", read by node:readline. Its async iterator
 * pauses the socket while 1024 lines wait for the consumer. readline also yields a last line that
 * has no "\n"; counting the "\n"s that arrived tells that line apart: it means the socket ended
 * in the middle of a message.
 */
async function* linesOf(socket: net.Socket): AsyncGenerator<string, void, undefined> {
  socket.setEncoding('utf8');
  let newlines = 0;
  // Added before readline's own listener: each chunk is counted before readline splits it.
  socket.on('data', (text: string) => {
    newlines += text.split('\n').length - 1;
  });
  const rl = createInterface({ input: socket, crlfDelay: Infinity });
  let lines = 0;
  try {
    for await (const line of rl) {
      lines += 1;
      if (lines > newlines) {
        throw new Error(`the feed closed in the middle of a message: ${Buffer.byteLength(line)} bytes arrived without their "\\n"`);
      }
      yield line;
    }
  } finally {
    rl.close();
    // rl.close() takes readline's 'error' listener off the socket. An error the socket reports
    // after the loop has ended (the abort that ended it) is then nobody's: without a listener it
    // would crash the process.
    socket.on('error', () => undefined);
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
  } catch (err) {
    signal?.removeEventListener('abort', onAbort);
    socket.destroy();
    throw err;
  }
  signal?.removeEventListener('abort', onAbort);
}

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

/**
 * The callback API old callers use: an EventEmitter that emits 'message' for each message, then
 * one 'end' (the server closed, or close() was called) or one 'error'.
 *
 * @example
 * const client = new FeedClient({ port: 7000 });
 * client.on('message', (quote) => book.apply(quote));
 * client.on('error', (err) => log.error(err));
 * client.connect((err) => { if (err) return retryLater(err); });
 */
export class FeedClient extends EventEmitter {
  readonly #stop = new AbortController();

  constructor(readonly options: FeedOptions) {
    super();
  }

  /** Calls back once: with no error when connected, or with the error that prevented it. */
  readonly connect: (callback: (err: Error | null) => void) => void = callbackify(async () => {
    const feed = await promises.openFeed({ ...this.options, signal: this.#stop.signal });
    void this.#emitAll(feed);
  });

  /** Closes the connection; 'end' follows. */
  close(): void {
    this.#stop.abort();
  }

  async #emitAll(feed: AsyncIterable<unknown>): Promise<void> {
    try {
      for await (const message of feed) this.emit('message', message);
    } catch (err) {
      if (!this.#stop.signal.aborted) {
        this.emit('error', err);
        return;
      }
    }
    this.emit('end');
  }
}
