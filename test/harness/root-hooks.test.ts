/**
 * The root hooks, proved the way mocha tests its own tooling: the real mocha binary runs a
 * fixture spec with the hooks loaded and `--reporter json`, and the tests read the verdicts.
 * Then fs-faults, which those hooks reset between tests, in this process.
 */
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';

import { REPO_ROOT } from '../../src/kata/catalog';
import { fsFaults } from '../../src/harness/fs-faults';
import { messages } from '../../src/harness/messages';
import { useTempDir } from '../../src/harness/temp-dir';

// Captured once, when this file loads, as legacy code does: the wrapper must be what it captured.
const readFileCaptured = promisify(fs.readFile);

interface MochaTest {
  title: string;
  fullTitle: string;
  err: { message?: string; stack?: string };
}
interface MochaJson {
  stats: { tests: number; passes: number; failures: number };
  tests: MochaTest[];
  passes: MochaTest[];
  failures: MochaTest[];
}

/** Runs `spec` in a child mocha with the root hooks, and returns its JSON report. */
function runMocha(spec: string, env: NodeJS.ProcessEnv = {}): Promise<{ report: MochaJson; stderr: string; exitCode: number }> {
  const args = [
    path.join(REPO_ROOT, 'node_modules', 'mocha', 'bin', 'mocha.js'),
    '--no-config', '--no-color', '--extension', 'ts',
    '-r', 'bin/register-ts.js', '-r', 'src/harness/root-hooks.ts',
    '--reporter', 'json', spec,
  ];
  return new Promise((resolve, reject) => {
    execFile(process.execPath, args, { cwd: REPO_ROOT, env: { ...process.env, ...env }, timeout: 60_000, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      const exitCode = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      try {
        resolve({ report: JSON.parse(stdout) as MochaJson, stderr, exitCode });
      } catch {
        reject(new Error(`mocha ${spec} did not print a JSON report (exit ${exitCode}, ${err?.message ?? ''}):\n${stdout}\n${stderr}`));
      }
    });
  });
}

const FIXTURE = path.join(REPO_ROOT, 'test', 'fixtures', 'root-hooks', 'hooks.fixture.ts');

describe('harness root hooks: each failure is pinned on the test that caused it (child mocha)', function () {
  // One real mocha run: about a second idle, several times that on a loaded machine.
  this.timeout(60_000);
  let run: Awaited<ReturnType<typeof runMocha>>;
  const failure = (title: string) => run.report.failures.find((t) => t.fullTitle === title);
  const passed = (title: string) => run.report.passes.some((t) => t.fullTitle === title) && !failure(title);

  before(async () => {
    run = await runMocha(FIXTURE);
  });

  it('fails exactly the tests that broke a rule, and the run ends with a failing exit code', () => {
    expect(run.report.failures.map((t) => t.fullTitle)).to.have.members([
      'unhandled rejection leaves a rejected promise nobody handles',
      'escaped exception throws inside a setTimeout callback',
      'escaped worker error lets a worker thread error go unhandled',
      'leaked file read ends while a file read is still in flight',
      'leaked work that fails later starts a chain of reads that rejects after the test has ended',
      'leaked server leaves a server listening',
      'leaked interval leaves a setInterval running',
      'leaked FileHandle leaves a FileHandle open',
      'leaked worker leaves a worker thread running',
      'failing and leaking fails on its own and leaves a timer',
    ]);
    expect(run.exitCode).to.not.equal(0);
  });

  it('fails a test that leaves an unhandled rejection with the unhandledRejection message', () => {
    const t = failure('unhandled rejection leaves a rejected promise nobody handles');
    expect(t?.err.message).to.equal(messages.unhandledRejection(new Error('lost rejection')));
    expect(t?.err.stack, 'the stack shows where the promise was rejected').to.include('caused by: Error: lost rejection');
  });

  it('still runs and passes the test after an unhandled rejection (the run is not aborted)', () => {
    expect(passed('unhandled rejection the next test still runs')).to.equal(true);
  });

  it('reports an error thrown inside a setTimeout callback with the escapedException text, and runs the next test', () => {
    const t = failure('escaped exception throws inside a setTimeout callback');
    expect(t?.err.message).to.equal(messages.escapedException(new SyntaxError('thrown in a timer')));
    expect(t?.err.stack, 'the stack still says where it was thrown').to.match(/^SyntaxError: [^\n]*\n\s+at .*hooks\.fixture\.ts/);
    expect(passed('escaped exception the next test still runs')).to.equal(true);
  });

  it('explains an error a worker thread threw, whose stack is read-only, instead of crashing the hooks', () => {
    const t = failure('escaped worker error lets a worker thread error go unhandled');
    expect(t?.err.message).to.equal(messages.escapedException(new RangeError('thrown in a worker')));
    expect(passed('escaped worker error the next test still runs')).to.equal(true);
  });

  it('names a file read still in flight when the test ended, on every Node line', () => {
    const t = failure('leaked file read ends while a file read is still in flight');
    expect(t?.err.message).to.include('a file-system operation still running after the test ended');
    expect(passed('leaked file read the next test still runs')).to.equal(true);
  });

  it('pins what leftover work does after its test ended on that test, so the next test passes whatever the timing', () => {
    const t = failure('leaked work that fails later starts a chain of reads that rejects after the test has ended');
    expect(t?.err.message).to.include(messages.unhandledRejection(new Error('late failure of the leaked chain')));
    expect(t?.err.message).to.include(messages.leaked(['a file-system promise still running after the test ended: some work was not awaited']));
    expect(passed('leaked work that fails later the next test still runs')).to.equal(true);
  });

  const leaks: Array<[string, string, RegExp]> = [
    ['server', 'a server', /a server still listening \(TCPSERVERWRAP\)/],
    ['interval', 'an interval', /a timer still pending \(Timeout\)/],
    ['FileHandle', 'a FileHandle', /an open file, .*hooks\.fixture\.ts \(fd \d+\): close its FileHandle/],
    ['worker', 'a worker thread', /1 worker thread\(s\) still running \(threadId \d+\): call worker\.terminate\(\)/],
  ];
  for (const [what, thing, named] of leaks) {
    it(`fails a test that leaves ${thing} open with the leaked message naming it, and passes the next test`, () => {
      const t = run.report.failures.find((f) => f.fullTitle.startsWith(`leaked ${what} `));
      expect(t, `a failure for the leaked ${what}`).to.not.equal(undefined);
      expect(t!.err.message).to.match(/^the test left something open after it finished:\n {4}- /);
      expect(t!.err.message).to.match(named);
      expect(t!.err.message).to.include('must be closed before its promise settles');
      expect(passed(`leaked ${what} the next test still runs`), 'the leak is charged to the test that made it only').to.equal(true);
    });
  }

  it('names the exact leak for a server and an interval (the whole message, from messages.leaked)', () => {
    expect(failure('leaked server leaves a server listening')?.err.message).to.equal(
      messages.leaked(['a server still listening (TCPSERVERWRAP): call server.close() and wait for it to finish']),
    );
    expect(failure('leaked interval leaves a setInterval running')?.err.message).to.equal(
      messages.leaked(['a timer still pending (Timeout): clearTimeout/clearInterval it once it is no longer needed, or .unref() it']),
    );
  });

  it('keeps a test\'s own failure rather than replacing it with the leak it also left', () => {
    expect(failure('failing and leaking fails on its own and leaves a timer')?.err.message).to.equal('its own failure');
  });

  it('passes a clean test that opened a server, a timer and a file and closed them all', () => {
    expect(passed('clean opens and closes everything it uses')).to.equal(true);
  });
});

describe('harness fsFaults: failing fs calls whatever API the code uses', () => {
  const tmp = useTempDir();
  beforeEach(() => tmp.write({ 'a.txt': 'A', 'b.txt': 'B' }));

  const readCallback = (file: string) =>
    new Promise<NodeJS.ErrnoException | string>((resolve) => fs.readFile(file, 'utf8', (err, text) => resolve(err ?? text)));
  const codeOrText = (p: Promise<string | Buffer>) => p.then((v) => v.toString(), (e: NodeJS.ErrnoException) => e.code);

  it('fails the nth call of the callback API with the code, and only that call', async () => {
    fsFaults.inject({ call: 'readFile', nth: 2, code: 'EIO' });
    const results = [await readCallback(tmp.file('a.txt')), await readCallback(tmp.file('a.txt')), await readCallback(tmp.file('a.txt'))];
    expect(results[0]).to.equal('A');
    expect(results[2]).to.equal('A');
    const err = results[1] as NodeJS.ErrnoException;
    expect(err).to.be.instanceOf(Error);
    expect(err.code).to.equal('EIO');
    expect(err.syscall).to.equal('readFile');
    expect(err.path).to.equal(tmp.file('a.txt'));
    expect(err.message).to.equal(`EIO: injected by the test, readFile '${tmp.file('a.txt')}'`);
  });

  it('a failed close still releases the descriptor, as close(2) does, so no fd leaks', async () => {
    const fd = fs.openSync(tmp.file('a.txt'), 'r');
    fsFaults.inject({ call: 'close', code: 'EIO' });
    const err = await new Promise<NodeJS.ErrnoException | null>((resolve) => fs.close(fd, resolve));
    expect(err?.code).to.equal('EIO');
    expect(fs.existsSync(`/proc/self/fd/${fd}`), 'the descriptor is closed after all').to.equal(false);
    const fd2 = fs.openSync(tmp.file('b.txt'), 'r');
    fsFaults.inject({ call: 'close', code: 'EIO' });
    expect(() => fs.closeSync(fd2)).to.throw(/EIO/);
    expect(fs.existsSync(`/proc/self/fd/${fd2}`)).to.equal(false);
  });

  it('calls back asynchronously with the injected error, as the real API would', async () => {
    fsFaults.inject({ call: 'readFile', code: 'EIO' });
    let returned = false;
    let calledBeforeReturn: boolean | undefined;
    await new Promise<void>((resolve) => {
      fs.readFile(tmp.file('a.txt'), () => {
        calledBeforeReturn = !returned;
        resolve();
      });
      returned = true;
    });
    expect(calledBeforeReturn).to.equal(false);
  });

  it('fails the nth call of the promise API with the code', async () => {
    fsFaults.inject({ call: 'stat', nth: 1, code: 'EACCES' });
    const first = await fs.promises.stat(tmp.file('a.txt')).then(() => 'ok', (e: NodeJS.ErrnoException) => e.code);
    const second = await fs.promises.stat(tmp.file('a.txt')).then(() => 'ok', (e: NodeJS.ErrnoException) => e.code);
    expect([first, second]).to.deep.equal(['EACCES', 'ok']);
  });

  it('fails a call through util.promisify(fs.readFile) captured when the module loaded', async () => {
    fsFaults.inject({ call: 'readFile', nth: 2, code: 'ENOSPC' });
    const results = [];
    for (let i = 0; i < 3; i++) results.push(await codeOrText(readFileCaptured(tmp.file('a.txt'))));
    expect(results).to.deep.equal(['A', 'ENOSPC', 'A']);
  });

  it('throws the injected error from the sync API', () => {
    fsFaults.inject({ call: 'writeFile', code: 'ENOSPC' });
    expect(() => fs.writeFileSync(tmp.file('c.txt'), 'C')).to.throw(/^ENOSPC: injected by the test, writeFile/).with.property('code', 'ENOSPC');
    expect(fs.existsSync(tmp.file('c.txt')), 'the real call did not run').to.equal(false);
  });

  it('fails every call from the nth on with fromCall', async () => {
    fsFaults.inject({ call: 'readFile', fromCall: 2, code: 'ELOOP' });
    const results = [];
    for (let i = 0; i < 4; i++) results.push(await codeOrText(fs.promises.readFile(tmp.file('a.txt'))));
    expect(results).to.deep.equal(['A', 'ELOOP', 'ELOOP', 'ELOOP']);
  });

  it('fails only calls whose path matches, counting only those (RegExp and substring filters)', async () => {
    fsFaults.inject({ call: 'readFile', path: /b\.txt$/, nth: 2, code: 'EIO' });
    fsFaults.inject({ call: 'stat', path: 'a.t', code: 'ENOENT' });
    const reads = [];
    for (const f of ['a.txt', 'b.txt', 'a.txt', 'b.txt']) reads.push(await codeOrText(fs.promises.readFile(tmp.file(f))));
    expect(reads).to.deep.equal(['A', 'B', 'A', 'EIO']);
    const stats = [];
    for (const f of ['b.txt', 'a.txt']) stats.push(await fs.promises.stat(tmp.file(f)).then(() => 'ok', (e: NodeJS.ErrnoException) => e.code));
    expect(stats).to.deep.equal(['ok', 'ENOENT']);
  });

  it('uses the message given with the fault', async () => {
    fsFaults.inject({ call: 'readFile', code: 'EIO', message: 'the disk went away' });
    const err = await fs.promises.readFile(tmp.file('a.txt')).then(() => undefined, (e: Error) => e);
    expect(err?.message).to.equal('the disk went away');
  });

  it('rejects a fault for an fs call it does not know, listing the ones it does', () => {
    expect(() => fsFaults.inject({ call: 'readFileX' as 'readFile', code: 'EIO' })).to.throw(TypeError, /unknown call "readFileX"; expected one of access, /);
  });

  it('records sync calls with their API, path and whether they failed', () => {
    fs.readFileSync(tmp.file('a.txt'));
    fsFaults.inject({ call: 'stat', code: 'EIO' });
    expect(() => fs.statSync(tmp.file('b.txt'))).to.throw();
    const own = fsFaults.calls().filter((c) => c.call === 'readFile' || c.call === 'stat');
    expect(own).to.deep.equal([
      { call: 'readFile', path: tmp.file('a.txt'), api: 'sync', failed: false },
      { call: 'stat', path: tmp.file('b.txt'), api: 'sync', failed: true },
    ]);
  });

  it('records callback and promise calls with their API', async () => {
    await readCallback(tmp.file('a.txt'));
    await fs.promises.readFile(tmp.file('b.txt'));
    expect(fsFaults.calls().filter((c) => c.call === 'readFile')).to.deep.equal([
      { call: 'readFile', path: tmp.file('a.txt'), api: 'callback', failed: false },
      { call: 'readFile', path: tmp.file('b.txt'), api: 'promise', failed: false },
    ]);
  });

  it('hides the harness\'s own calls made in untracked(), across awaits and timers, and only those', async () => {
    fsFaults.inject({ call: 'readFile', code: 'EIO' });
    const text = await fsFaults.untracked(async () => {
      await new Promise((resolve) => setTimeout(resolve, 1));
      const a = await fs.promises.readFile(tmp.file('a.txt'), 'utf8');
      await fs.promises.stat(tmp.file('a.txt'));
      return a + fs.readFileSync(tmp.file('b.txt'), 'utf8') + String(await readCallback(tmp.file('a.txt')));
    });
    expect(text, 'no fault fired inside untracked()').to.equal('ABA');
    expect(fsFaults.calls()).to.deep.equal([]);
    // Outside, the same fault is still armed and fires on the first tracked call.
    expect(await codeOrText(fs.promises.readFile(tmp.file('a.txt')))).to.equal('EIO');
    expect(fsFaults.calls()).to.have.lengthOf(1);
  });

  describe('between tests (reset by the root hooks; these two run in order)', () => {
    it('arms a fault that never fires and makes calls', async () => {
      fsFaults.inject({ call: 'readFile', nth: 2, code: 'EIO' });
      await fs.promises.readFile(tmp.file('a.txt'));
      expect(fsFaults.calls()).to.have.lengthOf(1);
    });
    it('starts the next test with no fault armed and nothing recorded', async () => {
      expect(fsFaults.calls(), 'recorded calls are forgotten').to.deep.equal([]);
      expect(await fs.promises.readFile(tmp.file('a.txt'), 'utf8')).to.equal('A');
      expect(await fs.promises.readFile(tmp.file('a.txt'), 'utf8'), 'the 2nd call of the last test\'s fault').to.equal('A');
    });
  });
});
