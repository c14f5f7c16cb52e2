// The kata's tests. Do not change this file: make them pass by changing src/. Your own tests go in test/mine/.
import { expect } from 'chai';

import { callLegacy, callPromise, captureUncaught, describeValue, expectRejection, fsFaults, KataAssertionError, messages, outcome, scopedCapture, useTempDir, whenQuiet } from '../../../src/harness';
import { type Digest, digestFile, digestStream, promises, SLOWEST_COUNT } from '../src/log-digest';
import { type BudgetCall, digestWithinHeap } from './support/heap-budget';
import { EMPTY_DIGEST, largeLog, logLine, oracle, SAMPLE, SAMPLE_DIGEST } from './support/logs';
import { byteByByte, chunkedStream, describeCut, splitAt } from './support/streams';

/** The memory test: a log this large, digested by a process whose heap is capped at HEAP_MB. */
const BIG_LOG_MB = 32;
const HEAP_MB = 16;

/** What a stream's error with nobody listening means, for every failure message about it. */
const STREAM_ERRORS =
  "A stream reports a failure with an 'error' event; when nothing listens for it, Node throws the error where nothing can catch it, and the process dies. " +
  "Listen for 'error' (readline and stream/promises' pipeline pass it on for you), and turn it into the callback's error or the promise's rejection.";

/** How a line cut between two chunks must be handled, for every failure message about it. */
const CUT_LINES =
  'A chunk ends wherever the disk or the network cut it, not at a line end: keep the unfinished line until the next chunk completes it, ' +
  'and decode UTF-8 only once a character is whole (node:readline does both).';

describe('log-digest', () => {
  const tmp = useTempDir('log-digest-');
  const log = () => tmp.file('access.log');

  const many = [70, 12, 999.5, 3, 450, 450.25, 8, 120].map((ms, i) => ({ method: i % 3 ? 'GET' : 'POST', path: `/page/${i}`, status: [200, 404, 500][i % 3]!, ms }));
  const ties = [5, 7, 7, 1, 7, 7, 7, 7, 9].map((ms, i) => ({ method: 'GET', path: `/tie/${i}`, status: 200, ms }));
  const crlf = [{ method: 'GET', path: '/a', status: 200, ms: 1 }, null, { method: 'GET', path: '/b', status: 301, ms: 2 }, null, null, { method: 'DELETE', path: '/c', status: 204, ms: 3 }];

  /** What every digest, callback or promise, must get right: [title, the log, its digest]. */
  const behaviours: Array<[string, string | Buffer, Digest]> = [
    ['the sample log: requests by status, malformed lines, and the 5 slowest with their line numbers', SAMPLE, SAMPLE_DIGEST],
    ['lists the slowest requests, slowest first, and only 5 of them', `${many.map((r) => logLine(r)).join('\n')}\n`, oracle(many)],
    ['on equal times, the earlier line comes first', `${ties.map((r) => logLine(r)).join('\n')}\n`, oracle(ties)],
    [
      '"\\r\\n" ends a line like "\\n", and blank lines count in the line numbers',
      `${crlf.map((r) => (r ? logLine(r) : '')).join('\r\n')}\r\n`,
      oracle(crlf),
    ],
    ['a last line without a newline is counted', `${logLine(many[0]!)}\n${logLine(many[1]!)}`, oracle(many.slice(0, 2))],
    ['lines that are not requests are malformed, not requests', 'hello\n\n2016-03-14T09:00:00.000Z GET /missing-time 200 5 - ms\n', oracle(['hello', null, 'x'])],
    ['an empty log gives an empty digest', '', EMPTY_DIGEST],
  ];

  describe('safety net: the callback API old callers use', () => {
    for (const [title, text, expected] of behaviours) {
      it(title, async () => {
        await tmp.write({ 'access.log': text });
        const digest = await callLegacy('digestFile(access.log)', (cb) => digestFile(log(), cb));
        expect(digest).to.deep.equal(expected);
      });
    }

    it('digestStream digests a log that arrives as a stream', async () => {
      const digest = await callLegacy('digestStream(sample)', (cb) => digestStream(chunkedStream([SAMPLE]), cb));
      expect(digest).to.deep.equal(SAMPLE_DIGEST);
    });

    it("an exception thrown by the caller's callback is not fed back into that callback", async () => {
      const calls: unknown[][] = [];
      const escaped: unknown[] = [];
      const restore = captureUncaught((err) => escaped.push(err));
      try {
        digestStream(chunkedStream([SAMPLE]), (...args) => {
          calls.push(args);
          throw new Error('thrown by the caller');
        });
        await whenQuiet();
      } finally {
        restore();
      }
      if (calls.length > 1) {
        throw new KataAssertionError(
          messages.callbackCalledTwice('digestStream', calls[0]![1], calls[1]![0]) +
            ' The second call passed back the error the callback itself threw: `.then(cb).catch(cb)` does that; util.callbackify does not.',
        );
      }
      expect(calls, 'the callback should have been called once').to.have.length(1);
      expect(escaped.map(String), "the caller's own error belongs to the caller: it should escape as it does from any callback").to.deep.equal(['Error: thrown by the caller']);
    });
  });

  describe('defects: what the legacy version gets wrong', () => {
    it('a line cut between two chunks is read whole, wherever the cut falls (every byte of the sample)', async function () {
      this.timeout(30_000);
      for (let at = 1; at < SAMPLE.length; at++) {
        // Not callLegacy: its checks wait for the event loop to go quiet, 400 times over. The safety net checks the callback's discipline.
        const digest = await new Promise<Digest | undefined>((resolve, reject) => digestStream(chunkedStream(splitAt(SAMPLE, at)), (err, d) => (err ? reject(err) : resolve(d))));
        expect(digest, `digestStream(sample in 2 chunks): ${describeCut(SAMPLE, at)}. ${CUT_LINES}\n`).to.deep.equal(SAMPLE_DIGEST);
      }
    });

    it('a log larger than one read (64 KiB) counts every line', async () => {
      const { text, digest: expected } = largeLog(300_000);
      await tmp.write({ 'access.log': text });
      const digest = await callLegacy('digestFile(access.log)', (cb) => digestFile(log(), cb));
      expect(digest, `digestFile read a 300 KB log in 64 KiB chunks, and lines were cut between them. ${CUT_LINES}\n`).to.deep.equal(expected);
    });

    it('a missing file calls back with ENOENT instead of crashing the process', async () => {
      const err = await legacyError('digestFile(missing.log)', (cb) => digestFile(tmp.file('missing.log'), cb));
      expect(err, 'the error the file system gave, passed on as it is').to.have.property('code', 'ENOENT');
    });

    it('an unreadable file calls back with its error (EACCES) instead of crashing the process', async () => {
      await tmp.write({ 'access.log': SAMPLE });
      denyReading(log());
      const err = await legacyError('digestFile(access.log)', (cb) => digestFile(log(), cb));
      expect(err, 'the error the file system gave, passed on as it is').to.have.property('code', 'EACCES');
    });

    it('a stream that fails halfway calls back with its error instead of crashing the process', async () => {
      const reset = new Error('connection reset by peer');
      const err = await legacyError('digestStream(failing stream)', (cb) => digestStream(chunkedStream(splitAt(SAMPLE, 150), reset), cb));
      expectSameError('digestStream(failing stream) called back', err, reset);
    });

    it(`memory does not grow with the log: digestFile reads a ${BIG_LOG_MB} MB log with a ${HEAP_MB} MB heap`, async function () {
      this.timeout(90_000);
      await expectFlatMemory('digestFile', tmp.file('big.log'));
    });
  });

  describe('promise API: promises.digestFile and promises.digestStream', () => {
    for (const [title, text, expected] of behaviours) {
      it(title, async () => {
        await tmp.write({ 'access.log': text });
        const digest = await callPromise('promises.digestFile(access.log)', () => promises.digestFile(log()));
        if (digest === undefined) throw new KataAssertionError(messages.resolvedEarly('promises.digestFile(access.log)', 'it had a digest to resolve with (it resolved with undefined)'));
        expect(digest).to.deep.equal(expected);
      });
    }

    it('promises.digestStream digests a log that arrives as a stream', async () => {
      const digest = await callPromise('promises.digestStream(sample)', () => promises.digestStream(chunkedStream([SAMPLE])));
      expect(digest).to.deep.equal(SAMPLE_DIGEST);
    });

    it('a line cut between two chunks is read whole, wherever the cut falls: every byte of the sample, inside "é", "東", "🍕" and "\\r\\n" too', async function () {
      this.timeout(30_000);
      for (let at = 1; at < SAMPLE.length; at++) {
        const digest = await callPromise(`promises.digestStream(sample cut at byte ${at})`, () => promises.digestStream(chunkedStream(splitAt(SAMPLE, at))));
        expect(digest, `promises.digestStream(sample in 2 chunks): ${describeCut(SAMPLE, at)}. ${CUT_LINES}\n`).to.deep.equal(SAMPLE_DIGEST);
      }
    });

    it('a stream of one byte per chunk gives the same digest', async () => {
      const digest = await callPromise('promises.digestStream(one byte per chunk)', () => promises.digestStream(chunkedStream(byteByByte(SAMPLE))));
      expect(digest, `promises.digestStream(sample, one byte per chunk). ${CUT_LINES}\n`).to.deep.equal(SAMPLE_DIGEST);
    });

    it('a log larger than one read (64 KiB) counts every line', async () => {
      const { text, digest: expected } = largeLog(300_000);
      await tmp.write({ 'access.log': text });
      const digest = await callPromise('promises.digestFile(access.log)', () => promises.digestFile(log()));
      expect(digest, `promises.digestFile read a 300 KB log in 64 KiB chunks. ${CUT_LINES}\n`).to.deep.equal(expected);
    });

    it('rejects with ENOENT for a missing file, without crashing the process', async () => {
      const err = await expectStreamRejection('promises.digestFile(missing.log)', () => promises.digestFile(tmp.file('missing.log')));
      expect(err, 'the error the file system gave, passed on as it is').to.have.property('code', 'ENOENT');
    });

    it('rejects with EACCES for a file it may not read', async () => {
      await tmp.write({ 'access.log': SAMPLE });
      denyReading(log());
      const err = await expectStreamRejection('promises.digestFile(access.log)', () => promises.digestFile(log()));
      expect(err, 'the error the file system gave, passed on as it is').to.have.property('code', 'EACCES');
    });

    it('rejects with EISDIR for a directory', async () => {
      await tmp.write({ logs: {} });
      const err = await expectStreamRejection('promises.digestFile(logs/)', () => promises.digestFile(tmp.file('logs')));
      expect(err, 'the error the file system gave, passed on as it is').to.have.property('code', 'EISDIR');
    });

    it("rejects with the stream's error when it fails halfway, instead of resolving with part of a digest", async () => {
      const reset = new Error('connection reset by peer');
      const err = await expectStreamRejection('promises.digestStream(failing stream)', () => promises.digestStream(chunkedStream(splitAt(SAMPLE, 150), reset)));
      expectSameError('promises.digestStream(failing stream) rejected', err, reset);
    });

    it(`memory does not grow with the log: promises.digestStream reads a ${BIG_LOG_MB} MB log with a ${HEAP_MB} MB heap`, async function () {
      this.timeout(90_000);
      await expectFlatMemory('promises.digestStream');
    });

    it('the callback API gives the same answers as the promise API (it is a shim over it)', async () => {
      await tmp.write({ 'access.log': SAMPLE });
      const viaPromise = await callPromise('promises.digestFile(access.log)', () => promises.digestFile(log()));
      const viaCallback = await callLegacy('digestFile(access.log)', (cb) => digestFile(log(), cb));
      expect(viaCallback).to.deep.equal(viaPromise);
      const cut = splitAt(SAMPLE, 40);
      const streamViaPromise = await callPromise('promises.digestStream(sample)', () => promises.digestStream(chunkedStream(cut)));
      const streamViaCallback = await callLegacy('digestStream(sample)', (cb) => digestStream(chunkedStream(cut), cb));
      expect(streamViaCallback).to.deep.equal(streamViaPromise);
    });
  });

  /**
   * Calls a callback API that must fail, and returns the error it called back with. An error
   * that escaped instead (a stream's 'error' event with no listener is thrown where nothing can
   * catch it) fails the test with the harness's message, plus what it means for a stream.
   */
  async function legacyError(label: string, invoke: (cb: (err: Error | null | undefined, digest?: Digest) => void) => void): Promise<unknown> {
    const result = await outcome(callLegacy(label, invoke));
    if (result.ok) throw new KataAssertionError(`${label} called back with ${describeValue(result.value)}, but it should have called back with an error.`);
    if (result.error instanceof KataAssertionError) throw new KataAssertionError(`${result.error.message}\n  ${STREAM_ERRORS}`);
    return result.error;
  }

  /**
   * Like expectRejection, but an error that escapes instead of rejecting (nothing listened for the
   * stream's 'error') fails the test at once, with a message that says so: the promise would
   * never have settled.
   */
  async function expectStreamRejection(label: string, invoke: () => Promise<unknown>): Promise<Error> {
    let escaped!: (err: unknown) => void;
    const escape = new Promise<never>((_resolve, reject) => {
      escaped = (err) => reject(new KataAssertionError(`${label}: ${messages.escapedException(err)}\n  ${STREAM_ERRORS}`));
    });
    const capture = scopedCapture((err) => escaped(err));
    try {
      return await Promise.race([capture.run(() => expectRejection(label, invoke)), escape]);
    } finally {
      capture.release();
    }
  }

  /** Makes every way of opening `file` fail with EACCES, as chmod would for a user other than root. */
  function denyReading(file: string): void {
    fsFaults.inject({ call: 'open', path: file, code: 'EACCES' });
    fsFaults.inject({ call: 'readFile', path: file, code: 'EACCES' });
  }

  function expectSameError(what: string, actual: unknown, expected: Error): void {
    if (actual !== expected) {
      throw new KataAssertionError(`${what} with ${describeValue(actual)}, not with the stream's own error (${describeValue(expected)}): pass the error on as it is.`);
    }
  }

  async function expectFlatMemory(call: BudgetCall, file?: string): Promise<void> {
    const result = await digestWithinHeap({ entry: require.resolve('../src/log-digest'), call, bytes: BIG_LOG_MB * 1e6, heapMb: HEAP_MB, file });
    const what = `${call} of a ${BIG_LOG_MB} MB log, in a process whose heap is capped at ${HEAP_MB} MB`;
    switch (result.kind) {
      case 'finished':
        expect(result.requests, `${what}: the number of requests it counted`).to.equal(result.expected);
        return;
      case 'out-of-memory':
        throw new KataAssertionError(
          `${what}: the process ran out of memory ("JavaScript heap out of memory"). The digest keeps something for every line, or the whole log. ` +
            `Keep only running totals and the ${SLOWEST_COUNT} slowest requests so far (not every request, to sort them at the end), and read the log as a stream, one line at a time: memory must not grow with the size of the log.`,
        );
      case 'failed':
        throw new KataAssertionError(`${what}: it failed with ${result.error}`);
      case 'never-finished':
        throw new KataAssertionError(`${what}: it never finished (nothing was left to do, and it had neither called back nor settled its promise).`);
      case 'died':
        throw new KataAssertionError(`${what}: the process died (${result.detail}).\n${result.stderr}`);
    }
  }
});
