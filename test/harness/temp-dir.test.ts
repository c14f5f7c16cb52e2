/**
 * useTempDir and writeTree: a real directory per test, a tree written in one call, removed after
 * the test unless KATA_KEEP_TMP=1 asks to keep it for a look.
 */
import { expect } from 'chai';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as sinon from 'sinon';

import { fsFaults } from '../../src/harness/fs-faults';
import { KEEP_ENV, symlink, useTempDir, writeTree } from '../../src/harness/temp-dir';

describe('harness useTempDir: a directory for each test', () => {
  const tmp = useTempDir();
  let previous: string | undefined;

  it('gives an empty, absolute directory in the OS temp dir', async () => {
    expect(path.isAbsolute(tmp.path)).to.equal(true);
    expect(path.dirname(tmp.path)).to.equal(os.tmpdir());
    expect(path.basename(tmp.path)).to.match(/^kata-/);
    expect(await fs.promises.readdir(tmp.path)).to.deep.equal([]);
    previous = tmp.path;
  });

  it('removed the last test\'s directory, and gives this test a new one', () => {
    expect(previous, 'the previous test ran first').to.be.a('string');
    expect(fs.existsSync(previous!), `${previous} should be gone`).to.equal(false);
    expect(tmp.path).to.not.equal(previous);
  });

  it('writes files (text and binary), nested folders and an empty folder', async () => {
    await tmp.write({
      'a.txt': 'hello',
      'b.bin': Buffer.from([0, 1, 2, 255]),
      sub: { 'c.txt': 'deep', deeper: { 'd.txt': 'deeper' } },
      empty: {},
    });
    expect(fs.readFileSync(tmp.file('a.txt'), 'utf8')).to.equal('hello');
    expect([...fs.readFileSync(tmp.file('b.bin'))]).to.deep.equal([0, 1, 2, 255]);
    expect(fs.readFileSync(tmp.file('sub', 'c.txt'), 'utf8')).to.equal('deep');
    expect(fs.readFileSync(tmp.file('sub', 'deeper', 'd.txt'), 'utf8')).to.equal('deeper');
    expect(fs.statSync(tmp.file('empty')).isDirectory()).to.equal(true);
    expect(fs.readdirSync(tmp.file('empty'))).to.deep.equal([]);
    expect(fs.readdirSync(tmp.path).sort()).to.deep.equal(['a.txt', 'b.bin', 'empty', 'sub']);
  });

  it('writes symlinks, relative to the link\'s folder, including a loop', async () => {
    await tmp.write({
      'target.txt': 'T',
      'link.txt': symlink('target.txt'),
      sub: { up: symlink('..') },
      loop: symlink('.'),
      'ping': symlink('pong'),
      'pong': symlink('ping'),
    });
    expect(fs.readlinkSync(tmp.file('link.txt'))).to.equal('target.txt');
    expect(fs.readFileSync(tmp.file('link.txt'), 'utf8')).to.equal('T');
    expect(fs.readFileSync(tmp.file('sub', 'up', 'target.txt'), 'utf8')).to.equal('T');
    expect(fs.lstatSync(tmp.file('loop')).isSymbolicLink()).to.equal(true);
    expect(fs.realpathSync(tmp.file('loop', 'loop', 'loop'))).to.equal(fs.realpathSync(tmp.path));
    expect(() => fs.readFileSync(tmp.file('ping'))).to.throw().with.property('code', 'ELOOP');
  });

  it('writes a tree under a subfolder it creates', async () => {
    await tmp.write({ 'x.txt': 'X' }, 'a/b');
    expect(fs.readFileSync(tmp.file('a', 'b', 'x.txt'), 'utf8')).to.equal('X');
  });

  it('makes no fs calls a test would see (its own calls are untracked)', async () => {
    await tmp.write({ 'a.txt': 'A', sub: { 'b.txt': 'B' } });
    expect(fsFaults.calls()).to.deep.equal([]);
  });

  it('writes its tree even while a fault is armed for the code under test', async () => {
    fsFaults.inject({ call: 'writeFile', code: 'ENOSPC' });
    await tmp.write({ 'a.txt': 'A' });
    expect(fs.readFileSync(tmp.file('a.txt'), 'utf8')).to.equal('A');
  });
});

describe('harness useTempDir: a tree with a loop is removed after the test', () => {
  const tmp = useTempDir();
  let written: string | undefined;
  it('writes a symlink loop and a nested tree', async () => {
    await tmp.write({ sub: { 'a.txt': 'A', loop: symlink('..') }, 'ping': symlink('pong'), 'pong': symlink('ping') });
    written = tmp.path;
  });
  it('removed it all', () => {
    expect(written).to.be.a('string');
    expect(fs.existsSync(written!)).to.equal(false);
  });
});

describe(`harness useTempDir: ${KEEP_ENV}=1 keeps the directory and prints where it is`, () => {
  const tmp = useTempDir();
  const saved = process.env[KEEP_ENV];
  let kept: string | undefined;
  let stderr: sinon.SinonStub | undefined;
  const restore = () => {
    stderr?.restore();
    stderr = undefined;
    if (saved === undefined) delete process.env[KEEP_ENV];
    else process.env[KEEP_ENV] = saved;
  };
  after(() => {
    restore();
    if (kept) fs.rmSync(kept, { recursive: true, force: true });
  });

  it('leaves a file in the directory', async () => {
    await tmp.write({ 'left.txt': 'behind' });
    kept = tmp.path;
    // Read by useTempDir's afterEach, which also prints the path: both are undone by the next test.
    process.env[KEEP_ENV] = '1';
    stderr = sinon.stub(process.stderr, 'write').returns(true);
  });

  it('kept the directory with its contents, and printed its path and the test\'s title', () => {
    const printed = stderr?.getCalls().map((c) => String(c.args[0])).join('');
    restore();
    expect(kept, 'the previous test ran first').to.be.a('string');
    expect(fs.readFileSync(path.join(kept!, 'left.txt'), 'utf8')).to.equal('behind');
    expect(printed).to.equal(`  kept ${kept} (harness useTempDir: ${KEEP_ENV}=1 keeps the directory and prints where it is leaves a file in the directory)\n`);
  });
});

describe('harness useTempDir: tmp.path outside a test', () => {
  const tmp = useTempDir();
  const thrown = (fn: () => unknown): unknown => {
    try {
      fn();
    } catch (err) {
      return err;
    }
    return undefined;
  };
  const whileDefining = thrown(() => tmp.path);
  const fileWhileDefining = thrown(() => tmp.file('a.txt'));
  let inAfter: unknown;
  after(() => {
    inAfter = thrown(() => tmp.path);
  });

  it('throws a clear error while the describe is being defined', () => {
    expect(whileDefining).to.be.instanceOf(Error);
    expect((whileDefining as Error).message).to.equal(
      'tmp.path is only available inside a test or hook of the describe that called useTempDir()',
    );
  });

  it('throws the same error from tmp.file(), which works inside a test', () => {
    expect((fileWhileDefining as Error | undefined)?.message).to.equal((whileDefining as Error).message);
    expect(tmp.file('a.txt')).to.equal(path.join(tmp.path, 'a.txt'));
  });

  // The after hook runs once the last afterEach has removed the directory.
  after(() => {
    expect((inAfter as Error | undefined)?.message).to.match(/^tmp\.path is only available inside a test or hook/);
  });
});

describe('harness writeTree: building a tree anywhere', () => {
  const tmp = useTempDir();
  it('creates the root folder too', async () => {
    const root = path.join(tmp.path, 'new', 'root');
    await writeTree(root, { 'a.txt': 'A' });
    expect(fs.readFileSync(path.join(root, 'a.txt'), 'utf8')).to.equal('A');
  });
});
