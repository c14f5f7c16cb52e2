// The kata's tests. Do not change this file: make them pass by changing src/. Your own tests go in test/mine/.
import { expect } from 'chai';

import { callLegacy, callPromise, describeValue, expectCallerErrorEscapes, expectRejection, fsFaults, KataAssertionError, messages, outcome, scopedCapture, useTempDir, whenQuiet } from '../../../src/harness';
import { type Digest, type DigestOptions, digestFile, digestStream, promises, SLOWEST_COUNT } from '../src/log-digest';
import { type BudgetCall, digestWithinHeap } from './support/heap-budget';
import { EMPTY_DIGEST, largeLog, logLine, oracle, SAMPLE, SAMPLE_DIGEST } from './support/logs';
import { byteByByte, chunkedStream, describeCut, heldStream, pacedStream, splitAt } from './support/streams';

/**
 * The memory test: a log this large, digested by a process whose heap is capped at HEAP_MB, and
 * holding at most BUFFER_MB of Buffers at once (they live outside the heap, which the cap does not see).
 */
const BIG_LOG_MB = 50;
const HEAP_MB = 16;
const BUFFER_MB = 8;

/** How long the "\n" of a "\r\n" cut in two arrives after the "\r": more than readline's default crlfDelay (100 ms). */
const CRLF_GAP_MS = 150;

/** What a stream's error with nobody listening means, for every failure message about it. */
const STREAM_ERRORS =
  "A stream reports a failure with an 'error' event; when nothing listens for it, Node throws the error where nothing can catch it, and the process dies. " +
  "Listen for 'error' (readline and stream/promises' pipeline pass it on for you), and turn it into the callback's error or the promise's rejection.";

/** What a digest in place of an error usually means, for every failure message about it. */
const PARTIAL_DIGEST =
  'A digest of part of the log (or of none of it: a missing file looks like an empty log) hides the failure from the caller. ' +
  'Usually a try/catch around the loop that returns the digest read so far: let the error reject instead.';

/** What options.slowest means, for every failure message about it. */
const OPTIONS_SLOWEST = `options.slowest is how many of the slowest requests to list (default ${SLOWEST_COUNT}): hand it on to where the list of the slowest is kept.`;

/** What the callback shim does with options, for every failure message about it. */
const SHIM_OPTIONS = 'the callback API passes its options on to the promise API (a shim that finds the callback in the last argument must not drop the options before it).';

/** How a line cut between two chunks must be handled, for every failure message about it. */
const CUT_LINES =
  'A chunk ends wherever the disk or the network cut it, not at a line end: keep the unfinished line until the next chunk completes it, ' +
  'and decode UTF-8 only once a character is whole (node:readline does both).';

describe('log-digest', () => {
  const tmp = useTempDir('log-digest-');
  const log = () => tmp.file('access.log');

  // A read stream closes its file after 'end', so a digest can resolve while the close is still in
  // progress, more so on a loaded machine. Wait for closes in progress before the leak check runs:
  // a file never closed has nothing in progress, and is still reported.
  afterEach(() => whenQuiet());

  const many = [70, 12, 999.5, 3, 450, 450.25, 8, 120].map((ms, i) => ({ method: i % 3 ? 'GET' : 'POST', path: `/page/${i}`, status: [200, 404, 500][i % 3]!, ms }));
  const ties = [5, 7, 7, 1, 7, 7, 7, 7, 9].map((ms, i) => ({ method: 'GET', path: `/tie/${i}`, status: 200, ms }));
  const crlf = [{ method: 'GET', path: '/a', status: 200, ms: 1 }, null, { method: 'GET', path: '/b', status: 301, ms: 2 }, null, null, { method: 'DELETE', path: '/c', status: 204, ms: 3 }];
  const manyLog = Buffer.from(`${many.map((r) => logLine(r)).join('\n')}\n`);

  /** What every digest, callback or promise, must get right: [title, the log, its digest, what it takes]. */
  const behaviours: Array<[string, string | Buffer, Digest, string]> = [
    [
      'the sample log: requests by status, malformed lines, and the 5 slowest with their line numbers',
      SAMPLE,
      SAMPLE_DIGEST,
      'Requests are counted by status; a line that is neither blank nor a request is malformed; the slowest are listed slowest first, with the line number (1-based, blank lines included) each was logged on',
    ],
    ['lists the slowest requests, slowest first, and only 5 of them', manyLog, oracle(many), `The ${SLOWEST_COUNT} slowest requests, slowest first, and no more`],
    [
      'on equal times, the earlier line comes first',
      `${ties.map((r) => logLine(r)).join('\n')}\n`,
      oracle(ties),
      'On equal times the earlier line comes first: a request goes ahead only of strictly faster ones (a `<=` where `<` belongs puts a later line ahead of its equals, or pushes an earlier one out of the list)',
    ],
    [
      '"\\r\\n" ends a line like "\\n", and blank lines count in the line numbers',
      `${crlf.map((r) => (r ? logLine(r) : '')).join('\r\n')}\r\n`,
      oracle(crlf),
      '"\\r\\n" ends a line as "\\n" does (the "\\r" is not part of the line), and a blank line is skipped but still counts in the line numbers',
    ],
    [
      'a last line without a newline is counted',
      `${logLine(many[0]!)}\n${logLine(many[1]!)}`,
      oracle(many.slice(0, 2)),
      'The last line has no "\\n": what is left when the log ends is a line too',
    ],
    [
      'lines that are not requests are malformed, not requests',
      'hello\n\n2016-03-14T09:00:00.000Z GET /missing-time 200 5 - ms\n' +
        'web-1 2016-03-14T09:00:00.000Z GET /prefixed 200 5 - 12 ms\n' +
        '2016-03-14T09:00:00.000Z GET /suffixed 200 5 - 12 ms (retried)\n',
      oracle(['hello', null, 'x', 'x', 'x']),
      'A line that is neither blank nor a request counts as malformed, never as a request, even when a request is inside it (a host name before it, a note after it): the whole line must be a request',
    ],
    ['an empty log gives an empty digest', '', EMPTY_DIGEST, 'An empty log: no requests, nothing malformed, no status, no slow requests'],
  ];

  describe('safety net: the callback API old callers use', () => {
    for (const [title, text, expected, takes] of behaviours) {
      it(title, async () => {
        await tmp.write({ 'access.log': text });
        const digest = await callLegacy('digestFile(access.log)', (cb) => digestFile(log(), cb));
        expect(digest, `digestFile(access.log). ${takes}.\n`).to.deep.equal(expected);
      });
    }

    it('digestStream digests a log that arrives as a stream', async () => {
      const digest = await callLegacy('digestStream(sample)', (cb) => digestStream(chunkedStream([SAMPLE]), cb));
      expect(digest).to.deep.equal(SAMPLE_DIGEST);
    });

    it("an exception thrown by the caller's callback is not fed back into that callback", async () => {
      // A stream with no file: the legacy calls back from inside the stream's 'end', and a throw there would keep a file open.
      await expectCallerErrorEscapes('digestStream(sample)', (cb) => digestStream(chunkedStream([SAMPLE]), cb));
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

    it('the callback API gives the same answers as the promise API, with options and without (it is a shim over it)', async () => {
      await tmp.write({ 'access.log': SAMPLE });
      const viaPromise = await callPromise('promises.digestFile(access.log)', () => promises.digestFile(log()));
      const viaCallback = await callLegacy('digestFile(access.log)', (cb) => digestFile(log(), cb));
      expect(viaCallback, 'digestFile(access.log, callback) and promises.digestFile(access.log) should give the same digest').to.deep.equal(viaPromise);
      const cut = splitAt(SAMPLE, 40);
      const streamViaPromise = await callPromise('promises.digestStream(sample)', () => promises.digestStream(chunkedStream(cut)));
      const streamViaCallback = await callLegacy('digestStream(sample)', (cb) => digestStream(chunkedStream(cut), cb));
      expect(streamViaCallback, 'digestStream(stream, callback) and promises.digestStream(stream) should give the same digest').to.deep.equal(streamViaPromise);
      // The old callers pass options too: the shim hands them on (util.callbackify passes every argument but the callback).
      for (const options of [{ slowest: 2 }, { slowest: 0 }, {}]) {
        const shown = JSON.stringify(options).replace(/"/g, '').replace(/:/g, ': ').replace(/^\{(.+)\}$/, '{ $1 }');
        const fileViaPromise = await callPromise(`promises.digestFile(access.log, ${shown})`, () => promises.digestFile(log(), options));
        const fileViaCallback = await callLegacy(`digestFile(access.log, ${shown}, callback)`, (cb) => digestFile(log(), options, cb));
        expect(fileViaCallback, `digestFile(access.log, ${shown}, callback) should give what promises.digestFile(access.log, ${shown}) gives: ${SHIM_OPTIONS}\n`).to.deep.equal(fileViaPromise);
        const streamOptsViaPromise = await callPromise(`promises.digestStream(sample, ${shown})`, () => promises.digestStream(chunkedStream(cut), options));
        const streamOptsViaCallback = await callLegacy(`digestStream(sample, ${shown}, callback)`, (cb) => digestStream(chunkedStream(cut), options, cb));
        expect(streamOptsViaCallback, `digestStream(sample, ${shown}, callback) should give what promises.digestStream(sample, ${shown}) gives: ${SHIM_OPTIONS}\n`).to.deep.equal(
          streamOptsViaPromise,
        );
      }
    });

    it(`memory does not grow with the log: digestFile reads a ${BIG_LOG_MB} MB log with a ${HEAP_MB} MB heap, holding at most ${BUFFER_MB} MB of Buffers`, async function () {
      this.timeout(90_000);
      await expectFlatMemory('digestFile', tmp.file('big.log'));
    });
  });

  describe('promise API: promises.digestFile and promises.digestStream', () => {
    for (const [title, text, expected, takes] of behaviours) {
      it(title, async () => {
        await tmp.write({ 'access.log': text });
        const digest = await callPromise('promises.digestFile(access.log)', () => promises.digestFile(log()));
        if (digest === undefined) throw new KataAssertionError(messages.resolvedEarly('promises.digestFile(access.log)', 'it had a digest to resolve with (it resolved with undefined)'));
        expect(digest, `promises.digestFile(access.log). ${takes}.\n`).to.deep.equal(expected);
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

    it(`a "\\r\\n" cut between two chunks is one line end, even when the "\\n" arrives ${CRLF_GAP_MS} ms after the "\\r"`, async function () {
      this.timeout(10_000);
      const at = SAMPLE.indexOf('\r\n') + 1;
      const digest = await callPromise(`promises.digestStream(sample cut at byte ${at}, ${CRLF_GAP_MS} ms apart)`, () => promises.digestStream(pacedStream(splitAt(SAMPLE, at), CRLF_GAP_MS)));
      expect(
        digest,
        `promises.digestStream(sample in 2 chunks, the second ${CRLF_GAP_MS} ms after the first): ${describeCut(SAMPLE, at)}. ` +
          'Line numbers one too high after that line mean the "\\r" and the "\\n" were counted as two line ends: readline does that when they arrive ' +
          'more than 100 ms apart (its default crlfDelay), so pass `crlfDelay: Infinity`; if you split lines yourself, a "\\r" at the end of a chunk waits for the next chunk, however late it comes.\n',
      ).to.deep.equal(SAMPLE_DIGEST);
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

    it('options.slowest sets how many of the slowest requests are listed, for promises.digestFile and promises.digestStream', async () => {
      await tmp.write({ 'access.log': manyLog });
      for (const slowest of [2, 7, 50]) {
        const options: DigestOptions = { slowest };
        const viaFile = await callPromise(`promises.digestFile(access.log, { slowest: ${slowest} })`, () => promises.digestFile(log(), options));
        expect(viaFile, `promises.digestFile(access.log, { slowest: ${slowest} }) of a log of ${many.length} requests. ${OPTIONS_SLOWEST}\n`).to.deep.equal(oracle(many, slowest));
        const viaStream = await callPromise(`promises.digestStream(log, { slowest: ${slowest} })`, () => promises.digestStream(chunkedStream([manyLog]), options));
        expect(viaStream, `promises.digestStream(log, { slowest: ${slowest} }) of a log of ${many.length} requests. ${OPTIONS_SLOWEST}\n`).to.deep.equal(oracle(many, slowest));
      }
    });

    it('options.slowest: 0 lists no slow request, and still counts every request', async () => {
      await tmp.write({ 'access.log': manyLog });
      const expected = { ...oracle(many), slowest: [] };
      const zero = ' `options.slowest || SLOWEST_COUNT` turns 0 into the default: take the default only when slowest is undefined (`??`).\n';
      const viaFile = await callPromise('promises.digestFile(access.log, { slowest: 0 })', () => promises.digestFile(log(), { slowest: 0 }));
      expect(viaFile, `promises.digestFile(access.log, { slowest: 0 }).${zero}`).to.deep.equal(expected);
      const viaStream = await callPromise('promises.digestStream(log, { slowest: 0 })', () => promises.digestStream(chunkedStream([manyLog]), { slowest: 0 }));
      expect(viaStream, `promises.digestStream(log, { slowest: 0 }).${zero}`).to.deep.equal(expected);
    });

    it('options without slowest ({}) mean the default: the 5 slowest', async () => {
      await tmp.write({ 'access.log': manyLog });
      const empty =
        ` An options object without slowest means the default, ${SLOWEST_COUNT}: a default parameter (\`options = { slowest: SLOWEST_COUNT }\`) applies only when no options object is passed at all.\n`;
      const viaFile = await callPromise('promises.digestFile(access.log, {})', () => promises.digestFile(log(), {}));
      expect(viaFile, `promises.digestFile(access.log, {}).${empty}`).to.deep.equal(oracle(many));
      const viaStream = await callPromise('promises.digestStream(log, {})', () => promises.digestStream(chunkedStream([manyLog]), {}));
      expect(viaStream, `promises.digestStream(log, {}).${empty}`).to.deep.equal(oracle(many));
    });

    it('two digests at once keep their own totals: a second log is digested while the first waits halfway', async () => {
      await tmp.write({ 'access.log': manyLog });
      const cut = SAMPLE.indexOf('\n', 100) + 1;
      const held = heldStream(SAMPLE.subarray(0, cut), SAMPLE.subarray(cut));
      const first = outcome(callPromise('promises.digestStream(sample)', () => promises.digestStream(held.stream)));
      const started = await Promise.race([held.firstChunkRead.then(() => 'reading' as const), first]);
      if (started !== 'reading') {
        if (!started.ok) throw started.error;
        throw new KataAssertionError(`promises.digestStream(sample) resolved with ${describeValue(started.value)} before it read its stream.`);
      }
      // The first digest has read the first lines of the sample and waits for the rest: the second runs from start to end meanwhile.
      await new Promise<void>((resolve) => setImmediate(resolve));
      const second = await callPromise('promises.digestFile(access.log)', () => promises.digestFile(log()));
      held.release();
      const firstResult = await first;
      const shared =
        'Each digest keeps its own totals: a line counter, counts or a list of the slowest kept outside the digest (module-level variables, one shared object, reset when a digest starts) add two digests into each other.\n';
      expect(second, `promises.digestFile(access.log), digested while promises.digestStream(sample) waited halfway through its log. ${shared}`).to.deep.equal(oracle(many));
      if (!firstResult.ok) throw firstResult.error;
      expect(firstResult.value, `promises.digestStream(sample), which waited halfway while promises.digestFile(access.log) ran from start to end. ${shared}`).to.deep.equal(SAMPLE_DIGEST);
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

    it(`memory does not grow with the log: promises.digestStream reads a ${BIG_LOG_MB} MB log with a ${HEAP_MB} MB heap, holding at most ${BUFFER_MB} MB of Buffers`, async function () {
      this.timeout(90_000);
      await expectFlatMemory('promises.digestStream');
    });
  });

  /**
   * Calls a callback API that must fail, and returns the error it called back with. An error
   * that escaped instead (a stream's 'error' event with no listener is thrown where nothing can
   * catch it) fails the test with the harness's message, plus what it means for a stream.
   */
  async function legacyError(label: string, invoke: (cb: (err: Error | null | undefined, digest?: Digest) => void) => void): Promise<unknown> {
    const result = await outcome(callLegacy(label, invoke));
    if (result.ok) throw new KataAssertionError(`${label} called back with ${describeValue(result.value)}, but it should have called back with an error. ${PARTIAL_DIGEST}`);
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
    } catch (err) {
      // Resolved instead of rejecting: say what usually does that.
      if (err instanceof KataAssertionError && err.message.startsWith(`${label} resolved with`)) throw new KataAssertionError(`${err.message} ${PARTIAL_DIGEST}`);
      throw err;
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
      case 'finished': {
        expect(result.requests, `${what}: the number of requests it counted`).to.equal(result.expected);
        const held = result.peak.arrayBuffers / 1e6;
        if (held > BUFFER_MB) {
          throw new KataAssertionError(
            `${what}: it finished, but held ${held.toFixed(1)} MB of Buffers at one time (at most ${BUFFER_MB} MB allowed; the reference holds about 1 MB). ` +
              'The chunks of the log were kept (an array of chunks, Buffer.concat, fs.readFile) instead of digested as they arrive. ' +
              'Buffers live outside the JS heap, so the heap cap does not stop them, but memory still grows with the log: digest each chunk as it arrives and keep none of them.',
          );
        }
        return;
      }
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
