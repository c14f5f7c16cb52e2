/**
 * Quiet detection on every Node line: work in flight is work, whichever API started it. Each read
 * here is held in a named pipe, with nothing else pending, for far longer than quiet detection
 * needs to conclude (20 idle turns): a detector that cannot see the read concludes "nothing left".
 * The matrix (npm run test:node-lines) runs this file under each supported line.
 */
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import { setImmediate as nextTurn } from 'node:timers/promises';
import * as util from 'node:util';

import { callLegacy } from '../../src/harness/callbacks';
import { activeResources, requestsInFlight } from '../../src/harness/resources';
import { useTempDir } from '../../src/harness/temp-dir';
import { whenQuiet } from '../../src/harness/quiet';

/**
 * How long a read is held once a reader has the pipe open: far longer than the 20 idle turns a
 * detector blind to the read needs to conclude wrongly (a few ms, well under 100 ms loaded). A
 * detector that sees the read passes however long it is held; this only makes a blind one fail.
 */
const HOLD_MS = 500;

/** A timer no detector sees: unref'd timers are not listed as pending work. */
const unseenDelay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

/**
 * Makes `file` a named pipe and, once a reader opens it, holds the read for HOLD_MS, then writes
 * `content` and closes it (the reader sees the end of the file). It waits on unref'd timers only,
 * so the read in flight is the only work a detector can see. Resolves when done.
 */
async function servePipe(file: string, content: string): Promise<void> {
  execFileSync('mkfifo', [file]);
  let fd: number | undefined;
  while (fd === undefined) {
    try {
      // Non-blocking: fails with ENXIO until a reader has the pipe open.
      fd = fs.openSync(file, fs.constants.O_WRONLY | fs.constants.O_NONBLOCK);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENXIO') throw err;
      await unseenDelay(1);
    }
  }
  await unseenDelay(HOLD_MS);
  fs.writeSync(fd, content);
  fs.closeSync(fd);
}

describe('harness quiet detection: a read in flight is work on every Node line', () => {
  const tmp = useTempDir();

  // Each one calls back once the read has finished, as a legacy wrapper around that API would.
  const readers: Array<[string, (file: string, cb: (err: Error | null, text?: string) => void) => void]> = [
    ['fs.readFile', (file, cb) => fs.readFile(file, 'utf8', cb)],
    ['fs.promises.readFile', (file, cb) => void util.callbackify(() => fs.promises.readFile(file, 'utf8'))(cb)],
    ['a FileHandle read', (file, cb) => void util.callbackify(async () => {
      const handle = await fs.promises.open(file);
      try {
        return await handle.readFile('utf8');
      } finally {
        await handle.close();
      }
    })(cb)],
    ['fs.createReadStream', (file, cb) => {
      const chunks: string[] = [];
      fs.createReadStream(file, 'utf8').on('data', (c) => chunks.push(String(c))).on('error', cb).on('close', () => cb(null, chunks.join('')));
    }],
  ];
  for (const [api, read] of readers) {
    it(`callLegacy waits for a callback that comes after ${api}, however long the read is held`, async () => {
      const file = tmp.file('slow.txt');
      const [text] = await Promise.all([callLegacy<string>(`read(${api})`, (cb) => read(file, cb)), servePipe(file, 'held content')]);
      expect(text).to.equal('held content');
    });
  }

  it('whenQuiet returns only once a held fs.promises.writeFile-then-read chain has finished', async () => {
    const file = tmp.file('chain.txt');
    let finished = false;
    const chain = fs.promises.writeFile(tmp.file('other.txt'), 'x').then(() => fs.promises.readFile(file, 'utf8')).then(() => (finished = true));
    // What whenQuiet claims is checked the moment it resolves, not after the chain is awaited.
    const [finishedWhenQuiet] = await Promise.all([whenQuiet().then(() => finished), servePipe(file, 'done')]);
    await chain;
    expect(finishedWhenQuiet, 'the chain had finished when whenQuiet resolved').to.equal(true);
  });

  it('counts nothing for synchronous calls that announce a resource they never finish (sync crypto, sync fs)', async () => {
    // A synchronous crypto job is announced to async hooks and destroyed only by the garbage
    // collector: counted, it would look pending for ever and fail every test as a leak.
    crypto.randomBytes(6);
    crypto.pbkdf2Sync('secret', 'salt', 10, 8, 'sha256');
    fs.statSync(__filename);
    await nextTurn();
    expect([...requestsInFlight().keys()]).to.deep.equal([]);
  });

  it('counts a read in flight as a request, and none once it has finished', async () => {
    const file = tmp.file('count.txt');
    const serving = servePipe(file, 'x');
    const reading = fs.promises.readFile(file, 'utf8');
    await nextTurn();
    const during = [...requestsInFlight().values()].reduce((a, b) => a + b, 0);
    await Promise.all([serving, reading]);
    await nextTurn();
    expect(during, 'requests seen while the read was held').to.be.greaterThan(0);
    expect([...requestsInFlight().keys()], 'requests left after it finished').to.deep.equal([]);
    expect([...activeResources().keys()].filter((k) => /REQ/.test(k))).to.deep.equal([]);
  });
});
