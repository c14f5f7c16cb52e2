/**
 * Real readable streams whose chunk boundaries the test chooses, for "a line cut between two
 * chunks", and one that fails halfway.
 *
 * Each chunk is pushed on its own turn of the event loop, only when the stream is read, so a
 * consumer sees exactly these chunks, whichever way it reads: 'data' events, readline, or
 * `for await` (which, in byte mode, would merge chunks that were already buffered together).
 * `Readable.from(buffers)` does not give that guarantee: it pushes synchronously while the
 * buffer has room.
 */
import { Readable } from 'node:stream';

/** A byte stream that delivers `chunks` one by one, then ends (or fails with `error`). */
export function chunkedStream(chunks: readonly Buffer[], error?: Error): Readable {
  let next = 0;
  let pending = false;
  return new Readable({
    read() {
      if (pending) return;
      pending = true;
      setImmediate(() => {
        pending = false;
        if (next < chunks.length) this.push(chunks[next++]);
        else if (error) this.destroy(error);
        else this.push(null);
      });
    },
  });
}

/** `bytes` cut in two at byte `at`. */
export function splitAt(bytes: Buffer, at: number): Buffer[] {
  return [bytes.subarray(0, at), bytes.subarray(at)];
}

/** `bytes` one byte per chunk. */
export function byteByByte(bytes: Buffer): Buffer[] {
  return [...bytes].map((b) => Buffer.from([b]));
}

/** Where a cut at byte `at` falls, in a learner's words: which line, and inside what. */
export function describeCut(bytes: Buffer, at: number): string {
  const before = bytes.subarray(0, at).toString('latin1');
  const line = before.split('\n').length;
  const isContinuation = (i: number) => i < bytes.length && (bytes[i]! & 0xc0) === 0x80;
  if (isContinuation(at)) {
    let start = at - 1;
    while (start > 0 && isContinuation(start)) start -= 1;
    let end = at;
    while (isContinuation(end)) end += 1;
    const char = bytes.subarray(start, end).toString('utf8');
    return `the cut at byte ${at} falls inside the ${end - start}-byte UTF-8 character "${char}" on line ${line}`;
  }
  if (bytes[at - 1] === 0x0d && bytes[at] === 0x0a) return `the cut at byte ${at} falls between the "\\r" and the "\\n" ending line ${line}`;
  if (bytes[at - 1] === 0x0a) return `the cut at byte ${at} falls at the start of line ${line}`;
  return `the cut at byte ${at} falls inside line ${line}`;
}

/** Captured at load, so a test that fakes timers cannot stop the pacing below. */
const realSetTimeout = setTimeout;

/**
 * A byte stream that delivers `chunks` one by one, each at least `gapMs` of wall-clock time after
 * the one before, then ends (at once after the last).
 *
 * Real time, on purpose, and only as a minimum: node:readline decides whether a "\r" at the end
 * of one chunk and a "\n" at the start of the next are one line end by reading the clock
 * (its crlfDelay, 100 ms by default), through a copy of Date.now that sinon's fake timers cannot
 * replace. The stream waits until Date.now() shows the gap has passed, so a loaded machine can
 * only make the gap longer: the verdict never depends on the machine's speed.
 */
export function pacedStream(chunks: readonly Buffer[], gapMs: number): Readable {
  let next = 0;
  let pending = false;
  let lastPush = 0;
  return new Readable({
    read() {
      if (pending) return;
      pending = true;
      const push = () => {
        const wait = next === 0 || next === chunks.length ? 0 : lastPush + gapMs - Date.now();
        if (wait > 0) {
          realSetTimeout(push, wait + 1);
          return;
        }
        pending = false;
        lastPush = Date.now();
        if (next < chunks.length) this.push(chunks[next++]);
        else this.push(null);
      };
      setImmediate(push);
    },
  });
}

/** A stream the test holds halfway, from {@link heldStream}. */
export interface HeldStream {
  stream: Readable;
  /** Resolves once the first chunk was delivered and the reader asked for more. */
  firstChunkRead: Promise<void>;
  /** Delivers the second chunk, then ends the stream. */
  release(): void;
}

/**
 * A byte stream that delivers `first`, then waits for the test's `release()` before it delivers
 * `rest` and ends: the test decides what happens while a digest is halfway through its log.
 */
export function heldStream(first: Buffer, rest: Buffer): HeldStream {
  let step = 0;
  let released = false;
  let waiting = false;
  let firstRead!: () => void;
  const firstChunkRead = new Promise<void>((resolve) => (firstRead = resolve));
  const stream = new Readable({
    read() {
      if (step === 0) {
        step = 1;
        setImmediate(() => this.push(first));
      } else if (step === 1) {
        firstRead();
        if (released) deliverRest();
        else waiting = true;
      }
    },
  });
  const deliverRest = () => {
    step = 2;
    setImmediate(() => {
      stream.push(rest);
      stream.push(null);
    });
  };
  return {
    stream,
    firstChunkRead,
    release() {
      released = true;
      if (waiting) deliverRest();
    },
  };
}
