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

/** Lines waiting for the consumer before the socket is paused; it is resumed once they are taken. */
const QUEUED_LINES = 256;

/**
 * The messages of a connected socket, as an async iterator written by hand (no generator): the
 * socket's 'data' events fill a queue of lines, the socket is paused while the queue is full, and
 * next() takes from the queue or waits for the socket. Whatever ends the iteration (the end of
 * the feed, an error, return() from a break, the signal) destroys the socket.
 */
class MessageIterator implements AsyncIterableIterator<unknown> {
  readonly #lines: string[] = [];
  #partial = '';
  #ended = false;
  #failure: { error: unknown } | undefined;
  #closed = false;
  #wake: (() => void) | undefined;

  constructor(
    private readonly socket: net.Socket,
    private readonly signal: AbortSignal | undefined,
    private readonly onAbort: () => void,
  ) {
    // One decoder for the whole connection: a character cut between two packets is decoded whole.
    socket.setEncoding('utf8');
    socket.on('data', (text: string) => {
      const lines = (this.#partial + text).split('\n');
      this.#partial = lines.pop()!;
      this.#lines.push(...lines);
      if (this.#lines.length >= QUEUED_LINES) socket.pause();
      this.#wakeUp();
    });
    socket.on('end', () => {
      this.#ended = true;
      if (this.#partial !== '') this.#fail(new Error(`the feed closed in the middle of a message: ${Buffer.byteLength(this.#partial)} bytes arrived without their "\\n"`));
      this.#wakeUp();
    });
    // Stays after close(): the abort that ended the iteration may still be reported.
    socket.on('error', (err) => {
      this.#fail(err);
      this.#wakeUp();
    });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  async next(): Promise<IteratorResult<unknown>> {
    try {
      return await this.#next();
    } catch (err) {
      this.#close();
      throw err;
    }
  }

  async return(): Promise<IteratorResult<unknown>> {
    this.#close();
    return { done: true, value: undefined };
  }

  async #next(): Promise<IteratorResult<unknown>> {
    for (;;) {
      // Lines already read stay unread once the consumer has stopped the feed.
      this.signal?.throwIfAborted();
      const line = this.#take();
      if (line !== undefined) {
        if (line !== '') return { done: false, value: parseLine(line) };
        continue;
      }
      if (this.#failure) throw this.#failure.error;
      if (this.#ended || this.#closed) {
        this.#close();
        return { done: true, value: undefined };
      }
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
        // Wake up for the end of the feed or an error too, not only for data.
        this.socket.once('end', resolve);
        this.socket.once('error', () => resolve());
      });
    }
  }

  #take(): string | undefined {
    const line = this.#lines.shift();
    if (this.#lines.length === 0 && !this.#closed) this.socket.resume();
    return line;
  }

  #fail(error: unknown): void {
    this.#failure ??= { error };
  }

  #wakeUp(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }

  #close(): void {
    this.#closed = true;
    this.signal?.removeEventListener('abort', this.onAbort);
    this.socket.destroy();
  }
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
    return new MessageIterator(socket, signal, onAbort);
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
