/**
 * log-digest: the nightly summary of the web servers' access logs.
 *
 * One request per line, written by the servers' request logger:
 *
 *   2016-03-14T09:00:00.120Z GET /menu/café 200 512 - 12.5 ms
 *   <timestamp>              <method> <path> <status> <bytes or -> - <response time> ms
 *
 * Lines end with "\n", or "\r\n" on the Windows boxes; the last line may have no line end. Paths
 * are logged decoded, so they can hold any UTF-8 character (/menu/café, /東京, /🍕), but never a
 * space. Blank lines are skipped; any other line that does not match is counted as malformed.
 * The digest counts the requests by status and lists the slowest ones (slowest first; on equal
 * times, the earlier line first), with the line number (1-based, blank lines included) where
 * each was logged.
 *
 * CORRECT ALTERNATIVE (kept for the verifier): the callback shim written by hand: the promise's outcome handed to the callback on a later tick (process.nextTick), outside the promise, so an exception the callback throws escapes as from any callback.
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';

export interface SlowRequest {
  line: number;
  method: string;
  path: string;
  status: number;
  ms: number;
}

export interface Digest {
  /** Lines that are requests. */
  requests: number;
  /** Lines that are neither blank nor a request. */
  malformed: number;
  /** Requests per status code: { '200': 1042, '404': 3 }. */
  status: { [code: string]: number };
  /** The slowest requests, slowest first; on equal times, the earlier line first. */
  slowest: SlowRequest[];
}

export interface DigestOptions {
  /** How many of the slowest requests to list. Default SLOWEST_COUNT. */
  slowest?: number;
}

export type DigestCallback = (err: Error | null, digest?: Digest) => void;

export const SLOWEST_COUNT = 5;

const LINE = /^(\S+) ([A-Z]+) (\S+) (\d{3}) (\d+|-) - (\d+(?:\.\d+)?) ms$/;

/**
 * The running totals of one digest. Its size depends on the number of status codes and on
 * `keep`, never on the length of the log: one line at a time goes in, and nothing of it stays
 * unless it is among the slowest so far.
 */
class Tally {
  private lineNumber = 0;
  private requests = 0;
  private malformed = 0;
  private readonly status: { [code: string]: number } = {};
  /** The slowest requests so far, slowest first, at most `keep` of them. */
  private readonly slowest: SlowRequest[] = [];

  constructor(private readonly keep: number) {}

  add(line: string): void {
    this.lineNumber += 1;
    if (line === '') return;
    const match = LINE.exec(line);
    if (!match) {
      this.malformed += 1;
      return;
    }
    const [, , method, path, code, , ms] = match;
    this.requests += 1;
    this.status[code] = (this.status[code] ?? 0) + 1;
    this.remember({ line: this.lineNumber, method, path, status: Number(code), ms: Number(ms) });
  }

  digest(): Digest {
    return { requests: this.requests, malformed: this.malformed, status: { ...this.status }, slowest: [...this.slowest] };
  }

  /** Inserts `request` in place if it is among the `keep` slowest. Only a strictly slower one goes ahead of an earlier line. */
  private remember(request: SlowRequest): void {
    let at = this.slowest.length;
    while (at > 0 && this.slowest[at - 1]!.ms < request.ms) at -= 1;
    if (at >= this.keep) return;
    this.slowest.splice(at, 0, request);
    if (this.slowest.length > this.keep) this.slowest.pop();
  }
}

async function digestStreamAsync(input: Readable, options: DigestOptions = {}): Promise<Digest> {
  const tally = new Tally(options.slowest ?? SLOWEST_COUNT);
  // readline puts lines cut between two chunks back together, decodes UTF-8 characters cut
  // between two chunks, and turns the stream's 'error' into a rejection of this loop.
  // crlfDelay: Infinity: a "\r" at the end of one chunk and the "\n" at the start of the next
  // are one line break, however long the second chunk takes to arrive.
  for await (const line of createInterface({ input, crlfDelay: Infinity })) tally.add(line);
  return tally.digest();
}

async function digestFileAsync(file: string, options?: DigestOptions): Promise<Digest> {
  return digestStreamAsync(createReadStream(file), options);
}

/** The promise API new callers use. */
export const promises = { digestFile: digestFileAsync, digestStream: digestStreamAsync };

/** The callback API's shape: `options` may be left out. */
interface CallbackApi<Input> {
  (input: Input, callback: DigestCallback): void;
  (input: Input, options: DigestOptions, callback: DigestCallback): void;
}

/** The callback API over a promise API: `options` may be left out; the callback runs outside the promise. */
function withCallback<Input>(run: (input: Input, options?: DigestOptions) => Promise<Digest>): CallbackApi<Input> {
  return (input: Input, options: DigestOptions | DigestCallback, callback?: DigestCallback) => {
    const done = typeof options === 'function' ? options : callback!;
    run(input, typeof options === 'function' ? undefined : options).then(
      (digest) => process.nextTick(done, null, digest),
      (err: Error) => process.nextTick(done, err),
    );
  };
}

/** The callback API old callers use. */
export const digestFile = withCallback(digestFileAsync);
export const digestStream = withCallback(digestStreamAsync);
