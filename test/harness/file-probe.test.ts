/**
 * The file probe against planted mistakes (serial reads, no limit, batches, a sync read, a file
 * skipped) and against correct code written with each fs API, bounded or not.
 */
import { expect } from 'chai';
import * as fs from 'node:fs';
import { readFile } from 'node:fs/promises';

import { KataAssertionError } from '../../src/harness/callbacks';
import { createPipeFiles, MAX_PIPES, usePipeFiles } from '../../src/harness/file-probe';
import { fsFaults } from '../../src/harness/fs-faults';

const FILES = { 'a.txt': 'A', 'b.txt': 'B', 'c.txt': 'C', 'd.txt': 'D' };

// The learner's code, correct and planted mistakes.
const readAllParallel = (paths: readonly string[]) => Promise.all(paths.map((p) => readFile(p, 'utf8')));
async function readAllSerial(paths: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (const p of paths) out.push(await readFile(p, 'utf8'));
  return out;
}
async function readAllPooled(paths: readonly string[], limit: number): Promise<string[]> {
  const out: string[] = new Array(paths.length);
  let next = 0;
  const lane = async () => {
    while (next < paths.length) {
      const i = next++;
      out[i] = await readFile(paths[i]!, 'utf8');
    }
  };
  await Promise.all(Array.from({ length: limit }, lane));
  return out;
}
async function readAllBatched(paths: readonly string[], limit: number): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < paths.length; i += limit) out.push(...(await readAllParallel(paths.slice(i, i + limit))));
  return out;
}
const readWithCallback = (file: string) =>
  new Promise<string>((resolve, reject) => fs.readFile(file, 'utf8', (err, text) => (err ? reject(err) : resolve(text))));
async function readWithStream(file: string): Promise<string> {
  let text = '';
  for await (const chunk of fs.createReadStream(file, 'utf8')) text += chunk as string;
  return text;
}

async function rejectionOf(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a rejection');
}

describe('harness: file probe (named pipes)', () => {
  const pipes = usePipeFiles(FILES);

  describe('expectParallelReads', () => {
    it('passes files read all at once, and returns what the code returned', async () => {
      const texts = await pipes.expectParallelReads('readAll(files)', () => readAllParallel(pipes.paths));
      expect(texts).to.deep.equal(['A', 'B', 'C', 'D']);
      expect(pipes.report().maxAtOnce).to.equal(4);
    });

    it('passes whatever API reads them: callbacks, streams, fs/promises', async () => {
      const [a, b, c, d] = pipes.paths as [string, string, string, string];
      const texts = await pipes.expectParallelReads('readAll(files)', () =>
        Promise.all([readWithCallback(a), readWithStream(b), readFile(c, 'utf8'), readWithStream(d)]),
      );
      expect(texts).to.deep.equal(['A', 'B', 'C', 'D']);
    });

    it('fails files read one after the other, naming the one being read', async () => {
      const err = await rejectionOf(pipes.expectParallelReads('readAll(files)', () => readAllSerial(pipes.paths)));
      expect(err).to.be.instanceOf(KataAssertionError);
      expect(err.message).to.match(/^readAll\(files\) read only 1 file\(s\) at once \(a\.txt\) and then waited, but 4 should have been read/);
      expect(err.message).to.contain('Promise.all');
    });

    it('fails a synchronous read at once instead of blocking the process', async () => {
      const err = await rejectionOf(
        pipes.expectParallelReads('readAll(files)', async () => pipes.paths.map((p) => fs.readFileSync(p, 'utf8'))),
      );
      expect(err.message).to.match(/^a\.txt was read with a synchronous call/);
    });

    it('fails code that finishes without reading every file', async () => {
      const err = await rejectionOf(pipes.expectParallelReads('readAll(files)', () => readAllParallel(pipes.paths.slice(0, 3))));
      expect(err.message).to.equal('readAll(files) finished, but never read d.txt. Every input file must be read.');
    });

    it('shows the learner\'s own error when their code rejects', async () => {
      const err = await rejectionOf(pipes.expectParallelReads('readAll(files)', () => readAllParallel([...pipes.paths, '/nonexistent/e.txt'])));
      expect(err).to.have.property('code', 'ENOENT');
    });
  });

  describe('expectBoundedReads', () => {
    it('passes a pool that keeps 2 reads going and never more', async () => {
      const texts = await pipes.expectBoundedReads('readAll(files, 2)', 2, () => readAllPooled(pipes.paths, 2));
      expect(texts).to.deep.equal(['A', 'B', 'C', 'D']);
      const { maxAtOnce, started } = pipes.report();
      expect(maxAtOnce).to.equal(2);
      // The pool starts a and b together; which open the probe sees first is the thread pool's choice.
      expect(started.slice(0, 2)).to.have.members(['a.txt', 'b.txt']);
      expect(started).to.have.members(['a.txt', 'b.txt', 'c.txt', 'd.txt']);
    });

    it('passes a limit above the number of files', async () => {
      const texts = await pipes.expectBoundedReads('readAll(files, 8)', 8, () => readAllPooled(pipes.paths, 8));
      expect(texts).to.deep.equal(['A', 'B', 'C', 'D']);
    });

    it('fails code that ignores the limit', async () => {
      const err = await rejectionOf(pipes.expectBoundedReads('readAll(files, 2)', 2, () => readAllParallel(pipes.paths)));
      expect(err).to.be.instanceOf(KataAssertionError);
      expect(err.message).to.match(/^readAll\(files, 2\) read [34] files at once \([a-d]\.txt, [a-d]\.txt, [a-d]\.txt.*\), but the limit is 2\./);
    });

    it('fails code that starts one file more than the limit', async () => {
      const err = await rejectionOf(pipes.expectBoundedReads('readAll(files, 2)', 2, () => readAllPooled(pipes.paths, 3)));
      expect(err.message).to.match(/read 3 files at once .*, but the limit is 2\./);
    });

    it('fails code that reads in batches and lets the pool run dry', async () => {
      // Which of a.txt and b.txt reaches the kernel first is up to the thread pool.
      const err = await rejectionOf(pipes.expectBoundedReads('readAll(files, 2)', 2, () => readAllBatched(pipes.paths, 2)));
      expect(err).to.be.instanceOf(KataAssertionError);
      expect(err.message).to.match(/^after [ab]\.txt was read, readAll\(files, 2\) kept only 1 read\(s\) going \([ab]\.txt\) where 2 were possible/);
    });

    it('fails serial code under a limit of 2', async () => {
      const err = await rejectionOf(pipes.expectBoundedReads('readAll(files, 2)', 2, () => readAllSerial(pipes.paths)));
      expect(err.message).to.match(/read only 1 file\(s\) at once \(a\.txt\) and then waited, but 2 should/);
    });
  });

  describe('the building blocks', () => {
    it('sees each reader, lets the test finish reads in any order, and does not show in fsFaults.calls()', async () => {
      const run = readAllParallel(pipes.paths.slice(0, 2));
      expect(await pipes.waitForReaders(2)).to.have.members(['a.txt', 'b.txt']);
      expect(await pipes.release('b.txt')).to.equal('b.txt');
      expect(pipes.readingNow()).to.deep.equal(['a.txt']);
      await pipes.release();
      expect(await run).to.deep.equal(['A', 'B']);
      expect(fsFaults.calls().every((c) => c.api !== 'sync')).to.equal(true);
    });

    it('delivers content larger than a pipe buffer', async () => {
      const big = Buffer.alloc(200_000, 'x');
      const probe = await createPipeFiles({ 'big.bin': big });
      try {
        const text = await probe.expectParallelReads('read(big)', () => readFile(probe.paths[0]!));
        expect(text.equals(big)).to.equal(true);
      } finally {
        await probe.close();
      }
    });

    it('unblocks a reader left waiting, closes every fd and removes the pipes on close', async () => {
      const probe = await createPipeFiles({ 'x.txt': 'X' });
      const run = readFile(probe.paths[0]!, 'utf8');
      await probe.waitForReaders(1);
      await probe.close();
      expect(await run).to.equal(''); // an end of file, not a thread held forever
      expect(fs.existsSync(probe.dir)).to.equal(false);
      await probe.close(); // twice is fine
    });

    it(`refuses more than ${MAX_PIPES} files: each read in progress holds a libuv thread`, async () => {
      const many = Object.fromEntries(Array.from({ length: MAX_PIPES + 1 }, (_, i) => [`f${i}`, '']));
      const err = await rejectionOf(createPipeFiles(many));
      expect(err).to.be.instanceOf(RangeError);
      expect(err.message).to.contain(`from 1 to ${MAX_PIPES} files, got ${MAX_PIPES + 1}`);
    });
  });
});
