// The kata's tests. Do not change this file: make them pass by changing src/. Your own tests go in test/mine/.
import { expect } from 'chai';
import * as path from 'node:path';

import { callLegacy, callPromise, captureUncaught, expectRejection, fsFaults, KataAssertionError, messages, outcome, useTempDir, whenQuiet } from '../../../src/harness';
import { type Config, DEFAULTS, loadConfig, promises } from '../src/config-loader';

/** Reads of one file past which the loader is taken to be looping. */
const RUNAWAY_READS = 25;

describe('config-loader', () => {
  const tmp = useTempDir('config-loader-');
  const json = (value: unknown) => JSON.stringify(value, null, 2);

  /** The shapes every loader, callback or promise, must get right: [title, files, expected]. */
  const behaviours: Array<[string, Record<string, unknown>, Config]> = [
    ['a file with no extends gets the defaults under it', { 'app.json': json({ port: 3000 }) }, { ...DEFAULTS, port: 3000 }],
    [
      'objects merge key by key, at every depth',
      { 'app.json': json({ log: { file: 'app.log' }, db: { pool: { max: 5 } } }) },
      { ...DEFAULTS, log: { level: 'info', file: 'app.log' }, db: { pool: { max: 5 } } },
    ],
    [
      'a parent is read relative to the file that extends it, and the child wins',
      { 'app.json': json({ extends: 'shared/base.json', port: 3000 }), shared: { 'base.json': json({ port: 1, host: 'base' }) } },
      { ...DEFAULTS, port: 3000, host: 'base' },
    ],
    [
      'parents merge in the order listed, and arrays are replaced, not concatenated',
      {
        'app.json': json({ extends: ['a.json', 'b.json'], tags: ['app'] }),
        'a.json': json({ host: 'a', tags: ['a'], log: { level: 'debug' } }),
        'b.json': json({ host: 'b', tags: ['b', 'bb'] }),
      },
      { ...DEFAULTS, host: 'b', tags: ['app'], log: { level: 'debug', file: null } },
    ],
    [
      'a chain of extends resolves each path from its own file, and drops the extends keys',
      {
        'app.json': json({ extends: 'env/prod.json', port: 443 }),
        env: { 'prod.json': json({ extends: '../base/base.json', host: 'prod' }) },
        base: { 'base.json': json({ host: 'base', log: { level: 'warn' } }) },
      },
      { ...DEFAULTS, port: 443, host: 'prod', log: { level: 'warn', file: null } },
    ],
    [
      'two parents that extend the same file (a diamond) are not a cycle',
      {
        'app.json': json({ extends: ['left.json', 'right.json'] }),
        'left.json': json({ extends: 'root.json', side: 'left' }),
        'right.json': json({ extends: 'root.json', side: 'right' }),
        'root.json': json({ root: true }),
      },
      { ...DEFAULTS, root: true, side: 'right' },
    ],
  ];

  const app = () => tmp.file('app.json');
  const write = (files: Record<string, unknown>) => tmp.write(files as Parameters<typeof tmp.write>[0]);

  describe('safety net: the callback API old callers use', () => {
    for (const [title, files, expected] of behaviours) {
      it(title, async () => {
        await write(files);
        const config = await callLegacy('loadConfig(app.json)', (cb) => loadConfig(app(), cb));
        expect(config).to.deep.equal(expected);
      });
    }

    it('a relative path is taken from the current directory', async () => {
      await write({ 'app.json': json({ port: 1 }) });
      const config = await callLegacy('loadConfig(relative path)', (cb) => loadConfig(path.relative(process.cwd(), app()), cb));
      expect(config).to.include({ port: 1 });
    });

    it('each load returns a fresh object: changing one result does not change the defaults', async () => {
      await write({ 'app.json': json({}) });
      const first = await callLegacy<Config>('loadConfig(app.json)', (cb) => loadConfig(app(), cb));
      (first.log as Config).level = 'changed';
      const second = await callLegacy<Config>('loadConfig(app.json)', (cb) => loadConfig(app(), cb));
      expect(second.log).to.deep.equal({ level: 'info', file: null });
      expect(DEFAULTS.log).to.deep.equal({ level: 'info', file: null });
    });

    it('an exception thrown by the caller\'s callback is not fed back into that callback', async () => {
      await write({ 'app.json': json({}) });
      const calls: unknown[][] = [];
      const escaped: unknown[] = [];
      const restore = captureUncaught((err) => escaped.push(err));
      try {
        loadConfig(app(), (...args) => {
          calls.push(args);
          throw new Error('thrown by the caller');
        });
        await whenQuiet();
      } finally {
        restore();
      }
      if (calls.length > 1) {
        throw new KataAssertionError(messages.callbackCalledTwice('loadConfig', calls[0]![1], calls[1]![0]) + ' The second call passed back the error the callback itself threw: `.then(cb).catch(cb)` does that; util.callbackify does not.');
      }
      expect(calls, 'the callback should have been called once').to.have.length(1);
      expect(escaped.map(String), 'the caller\'s own error belongs to the caller: it should escape as it does from any callback').to.deep.equal(['Error: thrown by the caller']);
    });
  });

  describe('defects: what the legacy version gets wrong', () => {
    it('a missing file calls back once, with ENOENT', async () => {
      const err = await outcome(callLegacy('loadConfig(missing.json)', (cb) => loadConfig(tmp.file('missing.json'), cb)));
      expect(err.ok, 'loadConfig(missing.json) should fail').to.equal(false);
      if (!err.ok) {
        if (err.error instanceof KataAssertionError) throw err.error;
        expect(err.error).to.have.property('code', 'ENOENT');
      }
    });

    it('two failing parents call back once, with the first error', async () => {
      await write({ 'app.json': json({ extends: ['gone-1.json', 'gone-2.json'] }) });
      const result = await outcome(callLegacy('loadConfig(app.json)', (cb) => loadConfig(app(), cb)));
      if (!result.ok && result.error instanceof KataAssertionError) throw result.error;
      expect(result.ok, 'loadConfig should fail when a parent is missing').to.equal(false);
      expect(result.ok ? undefined : result.error).to.have.property('code', 'ENOENT');
    });

    it('a file that is not valid JSON reaches the callback as an error instead of crashing the process', async () => {
      await write({ 'app.json': '{ "port": 80, }' });
      const result = await outcome(callLegacy('loadConfig(app.json)', (cb) => loadConfig(app(), cb)));
      if (!result.ok && result.error instanceof KataAssertionError) throw result.error;
      expect(result.ok, 'loadConfig should fail on invalid JSON').to.equal(false);
    });

    it('the parse error names the file, and keeps the SyntaxError as its cause', async () => {
      await write({ 'app.json': json({ extends: 'broken.json' }), 'broken.json': '{ "port": 80, }' });
      const result = await outcome(callLegacy('loadConfig(app.json)', (cb) => loadConfig(app(), cb)));
      if (!result.ok && result.error instanceof KataAssertionError) throw result.error;
      const err = result.ok ? undefined : (result.error as Error);
      expect(err?.message, 'the error message should name the file that is not valid JSON').to.include('broken.json');
      expect(err?.cause, 'keep the original SyntaxError as the error\'s `cause`').to.be.instanceOf(SyntaxError);
    });

    it('a cycle of extends is an error that names the files in the cycle', async () => {
      await write({ 'app.json': json({ extends: 'a.json' }), 'a.json': json({ extends: 'b.json' }), 'b.json': json({ extends: 'a.json' }) });
      await expectCycleError('loadConfig(app.json)', () => callLegacy('loadConfig(app.json)', (cb) => loadConfig(app(), cb)));
    });
  });

  describe('promise API: promises.loadConfig', () => {
    for (const [title, files, expected] of behaviours) {
      it(title, async () => {
        await write(files);
        const config = await callPromise('promises.loadConfig(app.json)', () => promises.loadConfig(app()));
        if (config === undefined) throw new KataAssertionError(messages.resolvedEarly('promises.loadConfig(app.json)', 'it had a config to resolve with (it resolved with undefined)'));
        expect(config).to.deep.equal(expected);
      });
    }

    it('rejects with ENOENT for a missing file', async () => {
      const err = await expectRejection('promises.loadConfig(missing.json)', () => promises.loadConfig(tmp.file('missing.json')));
      expect(err).to.have.property('code', 'ENOENT');
    });

    it('rejects when a parent is missing, naming the parent', async () => {
      await write({ 'app.json': json({ extends: ['ok.json', 'gone.json'] }), 'ok.json': json({}) });
      const err = await expectRejection('promises.loadConfig(app.json)', () => promises.loadConfig(app()));
      expect(err).to.have.property('code', 'ENOENT');
      expect(err.message).to.include('gone.json');
    });

    it('rejects on invalid JSON, naming the file, with the SyntaxError as cause (not swallowed)', async () => {
      await write({ 'app.json': json({ extends: 'broken.json' }), 'broken.json': '{ "port": 80, }' });
      const err = await expectRejection('promises.loadConfig(app.json)', () => promises.loadConfig(app()));
      expect(err.message, 'the error message should name the file that is not valid JSON').to.include('broken.json');
      expect(err.cause, 'keep the original SyntaxError as the error\'s `cause`').to.be.instanceOf(SyntaxError);
    });

    it('rejects on a cycle of extends, naming the files in it', async () => {
      await write({ 'app.json': json({ extends: 'a.json' }), 'a.json': json({ extends: 'b.json' }), 'b.json': json({ extends: 'a.json' }) });
      await expectCycleError('promises.loadConfig(app.json)', () => callPromise('promises.loadConfig(app.json)', () => promises.loadConfig(app())));
    });

    it('reads without blocking the process: no synchronous fs calls', async () => {
      await write({ 'app.json': json({ extends: 'base.json' }), 'base.json': json({ port: 1 }) });
      await callPromise('promises.loadConfig(app.json)', () => promises.loadConfig(app()));
      const sync = fsFaults.calls().filter((c) => c.api === 'sync' && c.path.startsWith(tmp.path));
      if (sync.length > 0) {
        throw new KataAssertionError(messages.usedSyncCall('promises.loadConfig', [...new Set(sync.map((c) => `fs.${c.call}Sync`))]));
      }
    });

    it('the callback API gives the same answers as the promise API (it is a shim over it)', async () => {
      await write(behaviours[4]![1]);
      const viaPromise = await callPromise('promises.loadConfig(app.json)', () => promises.loadConfig(app()));
      const viaCallback = await callLegacy('loadConfig(app.json)', (cb) => loadConfig(app(), cb));
      expect(viaCallback).to.deep.equal(viaPromise);
    });
  });

  /**
   * Runs a load that must fail on a cycle. A loader with no cycle detection would read the same
   * files forever: the harness fails the reads after RUNAWAY_READS, and the test says so.
   */
  async function expectCycleError(label: string, load: () => Promise<unknown>): Promise<void> {
    const [a, b] = [tmp.file('a.json'), tmp.file('b.json')];
    fsFaults.inject({ call: 'readFile', path: a, fromCall: RUNAWAY_READS, code: 'ELOOP', message: messages.stoppedRunaway('a.json', RUNAWAY_READS) });
    const result = await outcome(load());
    const reads = fsFaults.calls().filter((c) => c.call === 'readFile' && c.path === a).length;
    if (reads >= RUNAWAY_READS) {
      throw new KataAssertionError(
        `${label} read a.json ${reads} times and b.json as often: a.json extends b.json, which extends a.json, and the loader never noticed. ` +
          'Keep the chain of files being loaded and fail when a file is already in it (a diamond, two parents sharing a grandparent, is not a cycle).',
      );
    }
    if (!result.ok && result.error instanceof KataAssertionError) throw result.error;
    expect(result.ok, `${label} should reject on a cycle`).to.equal(false);
    const message = String((result as { error: Error }).error?.message);
    expect(message, 'the error should say it is a cycle').to.match(/cycl/i);
    expect(message, 'the error should name the files in the cycle').to.include('a.json').and.to.include('b.json');
  }
});
