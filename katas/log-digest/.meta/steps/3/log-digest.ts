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
 * Written in 2014 and not touched since. It works on the happy path. Your job is in README.md.
 */
import fs = require('fs');
import readline = require('readline');
import type { Readable } from 'stream';
import util = require('util');

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

var LINE = /^(\S+) ([A-Z]+) (\S+) (\d{3}) (\d+|-) - (\d+(?:\.\d+)?) ms$/;

/**
 * The running totals of one digest: counts, and the `top` slowest requests so far, slowest first.
 * Nothing else of a line is kept, so memory does not grow with the log.
 */
function newTally(top: number) {
  var status: { [code: string]: number } = {};
  var slowest: SlowRequest[] = [];
  var requests = 0;
  var malformed = 0;
  var lineNumber = 0;

  function remember(request: SlowRequest) {
    // Goes ahead only of strictly faster requests: on equal times, the earlier line stays first.
    var at = slowest.length;
    while (at > 0 && slowest[at - 1]!.ms < request.ms) at--;
    if (at >= top) return;
    slowest.splice(at, 0, request);
    if (slowest.length > top) slowest.pop();
  }

  return {
    add(line: string) {
      lineNumber++;
      if (line === '') return;
      var match = LINE.exec(line);
      if (!match) {
        malformed++;
        return;
      }
      requests++;
      status[match[4]] = (status[match[4]] || 0) + 1;
      remember({ line: lineNumber, method: match[2], path: match[3], status: parseInt(match[4], 10), ms: parseFloat(match[6]) });
    },
    digest(): Digest {
      return { requests: requests, malformed: malformed, status: status, slowest: slowest };
    },
  };
}

/** The promise API new callers want. */
export const promises = {
  /** Resolves with the digest of the log file at `file`; rejects when the file cannot be read. */
  async digestFile(file: string, options?: DigestOptions): Promise<Digest> {
    return promises.digestStream(fs.createReadStream(file), options);
  },

  /**
   * Resolves with the digest of the log `stream` carries, once it ends; rejects when the stream
   * fails, with the stream's error.
   */
  async digestStream(stream: Readable, options?: DigestOptions): Promise<Digest> {
    var tally = newTally(options?.slowest ?? SLOWEST_COUNT);
    // readline's iterator pauses the stream while the loop body runs, and throws the stream's error.
    // crlfDelay: Infinity: a "\r" and a "\n" in two chunks are one line end, however late the "\n" comes.
    for await (const line of readline.createInterface({ input: stream, crlfDelay: Infinity })) tally.add(line);
    return tally.digest();
  },
};

/** The callback API's shape, unchanged for the old callers: `options` may be left out. */
interface CallbackApi<Input> {
  (input: Input, callback: DigestCallback): void;
  (input: Input, options: DigestOptions, callback: DigestCallback): void;
}

/**
 * Digests the log file at `file`. `options` may be left out.
 * Do not change this signature: old callers (and the safety-net tests) use it.
 * A shim over promises.digestFile: callbackify takes the callback from the last argument.
 */
export const digestFile = util.callbackify(promises.digestFile) as CallbackApi<string>;

/**
 * Digests a log that arrives as a stream of bytes (a file, an upload, a socket). `options` may
 * be left out.
 * Do not change this signature: old callers (and the safety-net tests) use it.
 * A shim over promises.digestStream.
 */
export const digestStream = util.callbackify(promises.digestStream) as CallbackApi<Readable>;
