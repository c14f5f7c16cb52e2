// The kata's tests. Do not change this file: make them pass by changing src/. Your own tests go in test/mine/.
import { expect } from 'chai';
import * as path from 'node:path';

import { callLegacy, callPromise, describeValue, expectCallerErrorEscapes, expectRejection, fsFaults, KataAssertionError, messages, outcome, useTempDir, whenQuiet } from '../../../src/harness';
import { type Config, type ConfigCallback, DEFAULTS, loadConfig, promises } from '../src/config-loader';

/** Reads of one file past which the loader is taken to be looping. */
const RUNAWAY_READS = 25;

describe('config-loader', () => {
  const tmp = useTempDir('config-loader-');
  const json = (value: unknown) => JSON.stringify(value, null, 2);

  /** The shapes every loader, callback or promise, must get right: [title, files, expected]. */
  const behaviours: Array<[string, Record<string, unknown>, Config]> = [
    [
      'an empty file gets the defaults: port 8080 on 127.0.0.1, log level info, no log file',
      { 'app.json': '{}' },
      { port: 8080, host: '127.0.0.1', log: { level: 'info', file: null } },
    ],
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
      'null is a value like any other that is not an object: it replaces what is under it',
      { 'app.json': json({ extends: 'base.json', log: { file: null } }), 'base.json': json({ log: { level: 'warn', file: 'base.log' } }) },
      { ...DEFAULTS, log: { level: 'warn', file: null } },
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
        await checkBehaviour('loadConfig(app.json)', () => callLegacy('loadConfig(app.json)', (cb) => loadConfig(app(), cb)), files, expected);
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
      await expectCallerErrorEscapes('loadConfig', (cb) => loadConfig(app(), cb as ConfigCallback));
    });
  });

  describe('defects: what the legacy version gets wrong', () => {
    it('a missing file calls back once, with ENOENT', async () => {
      const label = 'loadConfig(missing.json)';
      const err = await outcome(callLegacy(label, (cb) => loadConfig(tmp.file('missing.json'), cb)));
      expect(err.ok, `${label} should fail`).to.equal(false);
      if (!err.ok) {
        if (err.error instanceof KataAssertionError) throw err.error;
        expectMissing(label, err.error as Error, 'missing.json');
      }
    });

    it('two failing parents call back once, with the first error', async () => {
      await write({ 'app.json': json({ extends: ['gone-1.json', 'gone-2.json'] }) });
      const result = await outcome(callLegacy('loadConfig(app.json)', (cb) => loadConfig(app(), cb)));
      if (!result.ok && result.error instanceof KataAssertionError) throw result.error;
      expect(result.ok, 'loadConfig should fail when a parent is missing').to.equal(false);
      const err = result.ok ? undefined : (result.error as Error);
      throwIfUndefinedInside('loadConfig(app.json)', err);
      expectMissing('loadConfig(app.json)', err!, /gone-[12]\.json/);
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
      expect(result.ok, 'loadConfig should fail: broken.json, which app.json extends, is not valid JSON').to.equal(false);
      const err = result.ok ? undefined : (result.error as Error);
      throwIfUndefinedInside('loadConfig(app.json)', err);
      expect(err?.message, 'the error message should name the file that is not valid JSON').to.include('broken.json');
      expect(err?.cause, 'keep the original SyntaxError as the error\'s `cause`').to.be.instanceOf(SyntaxError);
    });

    it('a cycle of extends is an error that names the files in the cycle', async () => {
      await write({ 'app.json': json({ extends: 'a.json' }), 'a.json': json({ extends: 'b.json' }), 'b.json': json({ extends: 'a.json' }) });
      await expectCycleError('loadConfig(app.json)', () => callLegacy('loadConfig(app.json)', (cb) => loadConfig(app(), cb)));
    });
  });

  describe('promise API: promises.loadConfig', () => {
    const saved = process.env.NODE_ENV;
    beforeEach(() => {
      delete process.env.NODE_ENV;
    });
    afterEach(() => {
      if (saved === undefined) delete process.env.NODE_ENV;
      else process.env.NODE_ENV = saved;
    });

    for (const [title, files, expected] of behaviours) {
      it(title, async () => {
        await write(files);
        const label = 'promises.loadConfig(app.json)';
        await checkBehaviour(label, () => callPromise(label, () => promises.loadConfig(app())), files, expected);
      });
    }

    it('parents merge in the order listed, whichever of their reads finishes first', async () => {
      await write({
        'app.json': json({ extends: ['a.json', 'b.json'] }),
        'a.json': json({ host: 'a', tags: ['a'], log: { level: 'debug' } }),
        'b.json': json({ host: 'b', tags: ['b'] }),
      });
      const label = 'promises.loadConfig(app.json)';
      const gate = fsFaults.hold({ call: 'readFile', path: /[\\/][ab]\.json$/ });
      const loading = outcome(callPromise(label, () => promises.loadConfig(app())));
      // Read together, b.json (listed last) finishes first. Read one after the other, each is let
      // through as it comes: the order cannot be mixed up then.
      // The call may also have settled first (at step 1, promises.loadConfig rejects "not written yet").
      const together = await gate.waitForHeldUnless(2, loading, label).catch(() => false);
      if (together) {
        gate.release(/b\.json$/);
        gate.release(/a\.json$/);
      } else {
        for (let round = 0; round < 2 && gate.releaseAll() > 0; round++) {
          await gate.waitForHeld(1, label).catch(() => undefined);
        }
      }
      const result = await loading;
      if (!result.ok) throw result.error;
      const config = result.value;
      if (together && config?.host === 'a') {
        throw new KataAssertionError(
          `${label} merged its parents in the order their reads finished (b.json first, then a.json), not in the order listed (a.json, then b.json): ` +
            'the later parent must win whatever the disk does. Collect them with Promise.all (its result keeps the order of its input) and merge after, not as each one arrives.',
        );
      }
      expect(config).to.deep.equal({ ...DEFAULTS, host: 'b', tags: ['b'], log: { level: 'debug', file: null } });
    });

    it('two loads at the same time do not see each other: nothing of one load is kept between loads', async () => {
      await write({ 'app.json': json({ extends: 'base.json', port: 1 }), 'base.json': json({ host: 'base' }) });
      const label = 'promises.loadConfig(app.json), twice at the same time';
      const gate = fsFaults.hold({ call: 'readFile', path: /[\\/]app\.json$/ });
      const loads = [0, 1].map(() => outcome(callPromise(label, () => promises.loadConfig(app()))));
      // Both loads are reading app.json before either gets its content.
      await gate.waitForHeldUnless(2, Promise.all(loads), label).catch(() => undefined);
      gate.releaseAll('reverse');
      const results = await Promise.all(loads);
      await whenQuiet();
      // Both failed: the call fails on its own (at step 1, "not written yet"), whatever the other does.
      const [first] = results;
      if (first && !first.ok && !results.some((r) => r.ok)) throw first.error;
      for (const result of results) {
        if (result.ok) continue;
        if (result.error instanceof KataAssertionError) throw result.error;
        throw new KataAssertionError(
          `${label}: one of them rejected with ${describeValue(result.error)} while the other was still loading. ` +
            'State kept outside a load (a module-level list or set of the files being loaded) is shared by every load in the process: pass the chain of files down the recursion instead.',
        );
      }
      for (const result of results) expect(result.ok && result.value).to.deep.equal({ ...DEFAULTS, port: 1, host: 'base' });
    });

    it('each load returns a fresh object: changing one result changes neither the next one nor DEFAULTS', async () => {
      await write({ 'app.json': json({ log: { file: 'app.log' } }) });
      const label = 'promises.loadConfig(app.json)';
      const first = await callPromise(label, () => promises.loadConfig(app()));
      (first.log as Config).level = 'changed';
      const second = await callPromise(label, () => promises.loadConfig(app()));
      expectDefaultsIntact(label);
      expect(second.log, 'the second load should not see what was done to the first one\'s result').to.deep.equal({ level: 'info', file: 'app.log' });
    });

    it('rejects with ENOENT for a missing file', async () => {
      const err = await expectRejection('promises.loadConfig(missing.json)', () => promises.loadConfig(tmp.file('missing.json')));
      expectMissing('promises.loadConfig(missing.json)', err, 'missing.json');
    });

    it('rejects when a parent is missing, naming the parent', async () => {
      await write({ 'app.json': json({ extends: ['ok.json', 'gone.json'] }), 'ok.json': json({}) });
      const err = await expectRejection('promises.loadConfig(app.json)', () => promises.loadConfig(app()));
      // Promise.all rejects at the first failure; the read of ok.json may still be finishing.
      await whenQuiet();
      expectMissing('promises.loadConfig(app.json)', err, 'gone.json');
    });

    it('rejects on invalid JSON in the file itself (not only in a parent), naming it, with the SyntaxError as cause', async () => {
      await write({ 'app.json': '{ "port": 80, }' });
      const err = await expectRejection('promises.loadConfig(app.json)', () => promises.loadConfig(app()));
      expect(err.message, 'the error message should name the file that is not valid JSON').to.include('app.json');
      expect(err.cause, 'keep the original SyntaxError as the error\'s `cause`').to.be.instanceOf(SyntaxError);
    });

    it('a parent with the same file name in another folder is not a cycle', async () => {
      await write({ 'app.json': json({ extends: 'shared/app.json', port: 1 }), shared: { 'app.json': json({ host: 'shared' }) } });
      const label = 'promises.loadConfig(app.json)';
      const result = await outcome(callPromise(label, () => promises.loadConfig(app())));
      if (!result.ok) throw explainFailure(label, result.error, {});
      expect(result.value).to.deep.equal({ ...DEFAULTS, port: 1, host: 'shared' });
    });

    describe('with NODE_ENV', () => {
      const load = () => callPromise('promises.loadConfig(app.json)', () => promises.loadConfig(app()));

      it('app.<NODE_ENV>.json goes on top of app.json, merged key by key, its own extends read relative to it', async () => {
        process.env.NODE_ENV = 'production';
        await write({
          'app.json': json({ port: 1, host: 'dev', log: { level: 'debug' } }),
          'app.production.json': json({ extends: 'env/prod-base.json', host: 'prod', log: { file: 'prod.log' } }),
          env: { 'prod-base.json': json({ port: 443, region: 'eu' }) },
        });
        const config = await load();
        const expected = { ...DEFAULTS, port: 443, host: 'prod', region: 'eu', log: { level: 'debug', file: 'prod.log' } };
        const asIs = { ...DEFAULTS, port: 1, host: 'dev', log: { level: 'debug', file: null } };
        if (JSON.stringify(config) === JSON.stringify(asIs)) {
          throw new KataAssertionError('with NODE_ENV=production, promises.loadConfig(app.json) ignored app.production.json: the file named after NODE_ENV, next to app.json, goes on top of it when it exists.');
        }
        const log = config.log as Config | undefined;
        if (config.host === 'prod' && log?.file === 'prod.log' && log.level !== 'debug') {
          throw new KataAssertionError(
            `with NODE_ENV=production, app.production.json's log object replaced app.json's whole log object (log is ${describeValue(log)}): ` +
              'it was spread or assigned over the config ({ ...config, ...env }). Merge it key by key, as parents are merged.',
          );
        }
        if (config.host === 'dev') {
          throw new KataAssertionError(`with NODE_ENV=production, app.json won over app.production.json (host is 'dev'): the environment file goes on top of app.json, not under it.`);
        }
        expect(config).to.deep.equal(expected);
      });

      it('only the file name\'s .json ending changes: in a folder named conf.json.d, app.production.json is found next to app.json', async () => {
        process.env.NODE_ENV = 'production';
        await write({ 'conf.json.d': { 'app.json': json({ host: 'dev' }), 'app.production.json': json({ host: 'prod' }) } });
        const file = tmp.file('conf.json.d/app.json');
        const config = await callPromise('promises.loadConfig(conf.json.d/app.json)', () => promises.loadConfig(file));
        if (config.host === 'dev') {
          throw new KataAssertionError(
            `with NODE_ENV=production, promises.loadConfig(conf.json.d/app.json) ignored conf.json.d/app.production.json: the environment file's name was made by replacing the first ".json" in the whole path (the folder's), not the one the file name ends with. Replace /\\.json$/, or build it with path.dirname, path.basename and path.join.`,
          );
        }
        expect(config).to.deep.equal({ ...DEFAULTS, host: 'prod' });
      });

      it('with no file for NODE_ENV, app.json is used as it is', async () => {
        process.env.NODE_ENV = 'staging';
        await write({ 'app.json': json({ port: 1 }) });
        const result = await outcome(load());
        if (!result.ok) {
          if (result.error instanceof KataAssertionError) throw result.error;
          throw new KataAssertionError(
            `with NODE_ENV=staging and no app.staging.json, promises.loadConfig(app.json) rejected with ${describeValue(result.error)}: ` +
              'the environment file is optional. Its own ENOENT means "no overrides", not an error.',
          );
        }
        expect(result.value).to.deep.equal({ ...DEFAULTS, port: 1 });
      });

      it('without NODE_ENV no environment file is applied (not even app.development.json)', async () => {
        await write({ 'app.json': json({ host: 'app' }), 'app.development.json': json({ host: 'development' }), 'app.undefined.json': json({ host: 'undefined' }) });
        const config = await load();
        if (config.host !== 'app') {
          throw new KataAssertionError(`with NODE_ENV unset, promises.loadConfig(app.json) applied an environment file (host is ${describeValue(config.host)}): only a NODE_ENV that is set names one; there is no default environment.`);
        }
        expect(config).to.deep.equal({ ...DEFAULTS, host: 'app' });
      });

      it('NODE_ENV is read at each load, not once when the module loads', async () => {
        await write({ 'app.json': json({ host: 'app' }), 'app.staging.json': json({ host: 'staging' }), 'app.production.json': json({ host: 'production' }) });
        const hosts: unknown[] = [];
        for (const env of ['staging', 'production']) {
          process.env.NODE_ENV = env;
          hosts.push((await load()).host);
        }
        if (hosts[0] === hosts[1]) {
          throw new KataAssertionError(`promises.loadConfig(app.json) gave host ${describeValue(hosts[0])} with NODE_ENV=staging and with NODE_ENV=production: read process.env.NODE_ENV when loading, not once in a constant when the module loads.`);
        }
        expect(hosts).to.deep.equal(['staging', 'production']);
      });

      it('an environment file that extends a missing file is an error naming that file, not "no file for this environment"', async () => {
        process.env.NODE_ENV = 'production';
        await write({ 'app.json': json({ port: 1 }), 'app.production.json': json({ extends: 'secrets.json', host: 'prod' }) });
        const result = await outcome(load());
        // A loader that reads app.json and the environment file together may still be reading one.
        await whenQuiet();
        if (result.ok) {
          throw new KataAssertionError(
            `with NODE_ENV=production, promises.loadConfig(app.json) resolved with ${describeValue(result.value)}, but app.production.json extends secrets.json, which is missing: it should reject. ` +
              'Either the ENOENT for secrets.json was taken for "no file for this environment" (only the environment file\'s own ENOENT means that: check the error\'s path), ' +
              'or app.production.json was not read at all (is NODE_ENV read when loading?).',
          );
        }
        if (result.error instanceof KataAssertionError) throw result.error;
        expectMissing('promises.loadConfig(app.json)', result.error as Error, 'secrets.json');
      });
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

    it('gives the same answers as the callback API for a chain of extends', async () => {
      await write(behaviours[4]![1]);
      const viaPromise = await callPromise('promises.loadConfig(app.json)', () => promises.loadConfig(app()));
      const viaCallback = await callLegacy('loadConfig(app.json)', (cb) => loadConfig(app(), cb));
      expect(viaCallback).to.deep.equal(viaPromise);
    });
  });

  /** The config app.json would give if none of its parents were merged: undefined when it has none. */
  function ownOnly(files: Record<string, unknown>): Config | undefined {
    const text = files['app.json'];
    if (typeof text !== 'string') return undefined;
    const { extends: includes, ...own } = JSON.parse(text) as Config;
    if (includes === undefined) return undefined;
    const merged = structuredClone(DEFAULTS);
    for (const [key, value] of Object.entries(own)) {
      const current = merged[key];
      merged[key] = typeof value === 'object' && value !== null && !Array.isArray(value) && typeof current === 'object' && current !== null ? { ...current, ...value } : value;
    }
    return merged;
  }

  const PRISTINE_DEFAULTS = JSON.stringify(DEFAULTS);

  /** DEFAULTS as the module exported them: a load that merged into them changes every later load. */
  function expectDefaultsIntact(label: string): void {
    const now = JSON.stringify(DEFAULTS);
    if (now !== PRISTINE_DEFAULTS) {
      throw new KataAssertionError(
        `DEFAULTS changed since the tests started (now ${now}, was ${PRISTINE_DEFAULTS}), and ${label} and every later load see the change. ` +
          'A load merged into the defaults in place, or copied them one level deep ({ ...DEFAULTS } shares the nested log object): copy them deeply (structuredClone) before merging.',
      );
    }
  }

  /** Runs a load that must give `expected`, and names the mistake when it does not. */
  async function checkBehaviour(label: string, load: () => Promise<unknown>, files: Record<string, unknown>, expected: Config): Promise<void> {
    const result = await outcome(load());
    if (!result.ok) throw explainFailure(label, result.error, files);
    const config = result.value;
    if (config === undefined) throw new KataAssertionError(messages.resolvedEarly(label, 'it had a config to resolve with (it resolved with undefined)'));
    const own = ownOnly(files);
    if (own && JSON.stringify(config) === JSON.stringify(own)) {
      throw new KataAssertionError(messages.resolvedEarly(label, `its parents were merged: it resolved with app.json's own keys over the defaults, and nothing from the files it extends (${describeValue(config)})`));
    }
    expectDefaultsIntact(label);
    expect(config).to.deep.equal(expected);
  }

  /** A TypeError about undefined from inside the loader: a config that came back undefined. */
  function throwIfUndefinedInside(label: string, error: unknown): void {
    if (error instanceof TypeError && /undefined|null/.test(error.message)) {
      throw new KataAssertionError(
        `${label} failed with ${describeValue(error)}: a config came back undefined from somewhere inside. ` +
          'A .then callback that starts more async work must `return` its promise (and a function that builds a chain must return the chain).',
      );
    }
  }

  /** A load that should have worked failed: say why when the error tells. */
  function explainFailure(label: string, error: unknown, files: Record<string, unknown>): unknown {
    if (error instanceof KataAssertionError) return error;
    const message = error instanceof Error ? error.message : String(error);
    if (/cycl|twice|loop/i.test(message)) {
      const diamond = 'root.json' in files;
      return new KataAssertionError(
        `${label} rejected with ${describeValue(error)}, but no file extends itself, directly or through others. ` +
          (diamond
            ? 'root.json is extended by both left.json and right.json, a diamond: a file may be read twice in one load. Keep the chain of files that lead to this one (a new array for each branch, passed down the recursion), not one set of every file seen in the load, nor a list shared by the whole module.'
            : 'shared/app.json is another file than app.json: compare resolved paths, not file names.'),
      );
    }
    try {
      throwIfUndefinedInside(label, error);
    } catch (explained) {
      return explained;
    }
    return error;
  }

  /** A missing file's error is the fs error itself: its code and the path it names. */
  function expectMissing(label: string, err: Error, file: string | RegExp): void {
    const { code } = err as NodeJS.ErrnoException;
    if (code !== 'ENOENT') {
      throw new KataAssertionError(
        `${label} rejected with ${describeValue(err)}${code === undefined ? ', which has no `code`' : ` (code ${code})`}; a missing ${typeof file === 'string' ? file : 'parent'} should reject with the fs error itself, code ENOENT. ` +
          'Its message already names the file: pass it on unchanged, so callers can still tell "missing" (ENOENT) from "broken" (invalid JSON).',
      );
    }
    if (typeof file === 'string') expect(err.message, `the error should name the missing file, ${file}`).to.include(file);
    else expect(err.message, 'the error should name the missing file').to.match(file);
  }

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
    throwIfUndefinedInside(label, (result as { error: unknown }).error);
    const message = String((result as { error: Error }).error?.message);
    expect(message, 'the error should say it is a cycle').to.match(/cycl/i);
    expect(message, 'the error should name the files in the cycle').to.include('a.json').and.to.include('b.json');
  }
});
