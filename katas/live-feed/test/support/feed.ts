// Helpers the kata's tests share. Do not change this file.
import * as net from 'node:net';

import { KataAssertionError, type Outcome, outcome, untilDoneOrStalled } from '../../../../src/harness';

/** Quotes with multi-byte characters: 2 bytes (é, ü), 3 bytes (東京), 4 bytes (🍕). */
export const QUOTES: readonly unknown[] = [
  { sym: 'CMA', name: 'Café Müller AG', bid: 12.5 },
  { sym: '8035', name: '東京エレクトロン', bid: 30120 },
  { sym: 'PZZA', name: 'Pizza 🍕 Holdings', bid: 1.25 },
];

/** The bytes of `messages` as the feed sends them. */
export function wireBytes(messages: readonly unknown[]): Buffer {
  return Buffer.from(messages.map((m) => `${JSON.stringify(m)}\n`).join(''), 'utf8');
}

/** Offsets at which a multi-byte UTF-8 character of `bytes` is cut in two. */
export function insideCharacters(bytes: Buffer): number[] {
  const cuts: number[] = [];
  for (let at = 1; at < bytes.length; at += 1) {
    // A continuation byte (10xxxxxx) at `at` means the cut falls inside a character.
    if ((bytes[at]! & 0xc0) === 0x80) cuts.push(at);
  }
  return cuts;
}

/** What a consumer that takes every message saw: the messages, then how the iteration ended. */
export interface Collected {
  messages: unknown[];
  ended: Outcome<void>;
}

/** Takes every message of `feed` as it arrives (the consumer is always waiting for the next). */
export async function collect(feed: AsyncIterable<unknown>): Promise<Collected> {
  const messages: unknown[] = [];
  const ended = await outcome(
    (async () => {
      for await (const message of feed) messages.push(message);
    })(),
  );
  return { messages, ended };
}

/**
 * Watches `promise` from now on (a rejection is handled at once). `settled()` resolves with how it
 * settled, or fails with `stalledMessage` when nothing was left that could settle it.
 */
export function watchSettle<T>(promise: Promise<T>): { settled(stalledMessage: string): Promise<Outcome<T>> } {
  let result: Outcome<T> | undefined;
  void outcome(promise).then((r) => {
    result = r;
  });
  return {
    async settled(stalledMessage) {
      const verdict = await untilDoneOrStalled({ done: () => result !== undefined });
      if (verdict === 'stalled') throw new KataAssertionError(stalledMessage);
      return result!;
    },
  };
}

/** Resolves once the server saw `conn` close; fails with `stalledMessage` when it never will. */
export async function expectClosed(conn: { closed: boolean }, stalledMessage: string): Promise<void> {
  const verdict = await untilDoneOrStalled({ done: () => conn.closed });
  if (verdict === 'stalled') throw new KataAssertionError(stalledMessage);
}

/** A port on 127.0.0.1 where nothing listens: a server was there a moment ago, and closed. */
export async function refusedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Records the process warnings emitted while the test runs (MaxListenersExceededWarning...). */
export function recordWarnings(): { warnings: Error[]; stop(): Promise<Error[]> } {
  const warnings: Error[] = [];
  const onWarning = (w: Error) => warnings.push(w);
  process.on('warning', onWarning);
  return {
    warnings,
    async stop() {
      // process.emitWarning emits on the next tick.
      await new Promise<void>((resolve) => setImmediate(resolve));
      process.off('warning', onWarning);
      return warnings;
    },
  };
}
