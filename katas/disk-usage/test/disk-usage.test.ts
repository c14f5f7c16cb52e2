// The kata's tests. Do not change this file: make them pass by changing src/. Your own tests go in test/mine/.
import { expect } from 'chai';
import * as path from 'node:path';

import { callLegacy, callPromise, captureUncaught, expectRejection, fsFaults, KataAssertionError, messages, type Outcome, outcome, symlink, type Tree, useTempDir, whenQuiet } from '../../../src/harness';
// Loaded before the code under test: it counts (and holds) every lstat/stat call, however the code looks the function up.
import { callbackRun, countEntries, expectedUsage, promiseRun, type StatCall, useSharedTree, useStatGate } from './support/stat-gate';
import { DEFAULT_CONCURRENCY, diskUsage, promises, type Usage } from '../src/disk-usage';

const bytes = (n: number) => 'x'.repeat(n);
const files = (prefix: string, count: number, smallest: number): Tree =>
  Object.fromEntries(Array.from({ length: count }, (_, i) => [`${prefix}-${String(i).padStart(3, '0')}.bin`, bytes(smallest + i)]));

/**
 * A build server's work folder: hundreds of entries, nested five deep, an empty folder, a
 * symlink back to the folder itself (a loop), links into node_modules.
 */
function bigTree(): Tree {
  const pkg = (i: number): Tree => ({ 'package.json': bytes(30 + i), lib: files(`m${i}`, 10, 5 + i) });
  return {
    'README.md': bytes(150),
    empty: {},
    loop: symlink('.'),
    assets: files('img', 150, 10),
    logs: files('build', 120, 20),
    src: { ...files('main', 8, 1), a: { ...files('a', 8, 2), b: { ...files('b', 8, 3), c: { ...files('c', 8, 4), d: files('d', 8, 5) } } } },
    node_modules: {
      '.bin': { tool: symlink('../pkg-0/lib/m0-000.bin'), other: symlink('../pkg-1/lib/m1-000.bin') },
      ...Object.fromEntries(Array.from({ length: 6 }, (_, i) => [`pkg-${i}`, pkg(i)])),
    },
  };
}

/** Simple trees every walk, callback or promise, must get right: [title, tree]. The expected usage is worked out from the tree. */
const behaviours: Array<[string, Tree]> = [
  ['sizes each top-level entry, largest first', { 'small.txt': 'hi', 'big.log': bytes(300), 'medium.json': bytes(40) }],
  [
    'a folder counts everything under it, at every depth',
    { docs: { 'a.md': bytes(10), guide: { 'b.md': bytes(20), deep: { 'c.md': bytes(30) } } }, 'top.txt': bytes(5) },
  ],
  ['hidden files count like any other', { '.env': bytes(7), cache: { '.keep': bytes(3), 'x.bin': bytes(100) } }],
];

const withEmptyFolder: Tree = { docs: { 'a.txt': bytes(5), drafts: {} }, 'b.txt': bytes(2), trash: {} };
const withLoops: Tree = { 'data.bin': bytes(100), self: symlink('.'), sub: { 'x.txt': bytes(5), up: symlink('..') } };
const withLinks: Tree = { 'big.bin': bytes(1000), 'link-to-big': symlink('big.bin'), dangling: symlink('gone.txt') };
const withTies: Tree = {
  'gamma.txt': bytes(10),
  alpha: { 'inner.txt': bytes(10) },
  'zeta.txt': bytes(10),
  'big.bin': bytes(50),
  'beta.txt': bytes(10),
  'eta.txt': bytes(10),
  'delta.txt': bytes(10),
  'theta.txt': bytes(10),
  'epsilon.txt': bytes(10),
};
const twoUnreadable: Tree = { a: { 'f.txt': 'x' }, b: { 'g.txt': 'y' }, 'c.txt': 'z' };

/** A path two symlinks deep: the tests fail any look there, so that a walk that follows a loop ends. */
const RUNAWAY = /\/(self|up|loop)\/(.*\/)?(self|up|loop)(\/|$)/;
const RUNAWAY_MESSAGE =
  'stopped by the test: the walk looked at a path two symlinks deep, so it follows symlinks (stat, or readdir through a link), ' +
  'and a link to a parent folder is a loop that never ends. Look at each entry with lstat and count a link as itself.';

describe('disk-usage', () => {
  const gate = useStatGate(); // first: its afterEach must run before the temp folder is removed
  const tmp = useTempDir('disk-usage-');
  // Only read by the tests, so written once for all of them.
  const big = useSharedTree('disk-usage-big-', bigTree());
  const bigLabel = `a tree of ${countEntries(big.tree)} entries`;
  const write = (tree: Tree) => tmp.write(tree);

  beforeEach(() => {
    for (const call of ['lstat', 'stat', 'readdir'] as const) {
      fsFaults.inject({ call, path: RUNAWAY, fromCall: 1, code: 'ELOOP', message: RUNAWAY_MESSAGE });
    }
  });

  /** Fails when the walk looked inside a symlink (followed it) rather than counting it. */
  function expectNoLinkFollowed(label: string, links: string[]): void {
    const inside = fsFaults.calls().find((c) => links.some((link) => c.path.startsWith(tmp.file(link) + path.sep)));
    if (inside) {
      const link = links.find((l) => inside.path.startsWith(tmp.file(l) + path.sep))!;
      throw new KataAssertionError(
        `${label} followed the symlink ${link} into the folder it points at (it looked at ${path.relative(tmp.path, inside.path)}): ` +
          'a link to a parent folder makes that a loop that never ends. Look at each entry with lstat, which describes the link ' +
          'itself, and count a link as its own size; never stat or readdir through it.',
      );
    }
  }

  /** The outcome of a walk that must succeed: a harness failure is rethrown; any other error is explained. */
  function expectUsage(label: string, result: Outcome<Usage[]>, why: string): Usage[] {
    if (!result.ok) {
      if (result.error instanceof KataAssertionError) throw result.error;
      throw new KataAssertionError(`${label} failed with ${String(result.error)}, but ${why}`);
    }
    return result.value;
  }

  /** The usage of `tree`, with a hint when folders came back empty-handed (summed before their sizes arrived). */
  function expectUsageOf(label: string, usage: Usage[], tree: Tree): void {
    const expected = expectedUsage(tree);
    const early = expected.filter((e) => e.size > 0 && usage.some((u) => u.name === e.name && u.size === 0));
    if (early.length > 0) {
      throw new KataAssertionError(messages.resolvedEarly(label, `the sizes under ${early.map((e) => e.name).join(', ')} were summed (they came out as 0)`));
    }
    expect(usage).to.deep.equal(expected);
  }

  /** Lets the held lstat calls finish by name, last name first: the order sizes arrive in is then never alphabetical. */
  const lastNameFirst = (inFlight: readonly StatCall[]): StatCall => [...inFlight].sort((a, b) => (a.path < b.path ? 1 : -1))[0]!;

  describe('safety net: the callback API old callers use', () => {
    for (const [title, tree] of behaviours) {
      it(title, async () => {
        await write(tree);
        const usage = await callLegacy<Usage[]>('diskUsage(folder)', (cb) => diskUsage(tmp.path, cb));
        expectUsageOf('diskUsage(folder)', usage, tree);
      });
    }

    it('a folder that does not exist calls back with ENOENT', async () => {
      const err = await callLegacy('diskUsage(missing)', (cb) => diskUsage(tmp.file('missing'), cb)).then(
        () => undefined,
        (e: unknown) => e,
      );
      if (err instanceof KataAssertionError) throw err;
      expect(err, 'diskUsage(missing) should fail').to.have.property('code', 'ENOENT');
    });

    it('an exception thrown by the caller\'s callback is not fed back into that callback', async () => {
      await write({ 'a.txt': 'a' });
      const calls: unknown[][] = [];
      const escaped: unknown[] = [];
      const restore = captureUncaught((err) => escaped.push(err));
      try {
        diskUsage(tmp.path, (...args) => {
          calls.push(args);
          throw new Error('thrown by the caller');
        });
        await whenQuiet();
      } finally {
        restore();
      }
      if (calls.length > 1) {
        throw new KataAssertionError(messages.callbackCalledTwice('diskUsage', calls[0]![1], calls[1]![0]) + ' The second call passed back the error the callback itself threw: `.then(cb).catch(cb)` does that; util.callbackify does not.');
      }
      expect(calls, 'the callback should have been called once').to.have.length(1);
      if (escaped.length === 0) {
        throw new KataAssertionError(
          "diskUsage swallowed the error its caller's callback threw: it must escape as an uncaught exception, as it does from any callback. " +
            'A callback called inside a .then handler turns its throw into a rejection of the promise .then returns: it vanishes in a ' +
            '.catch, or surfaces later as an unhandled rejection, not where the caller expects it. util.callbackify calls back on a tick ' +
            'of its own (process.nextTick), outside the promise.',
        );
      }
      expect(escaped.map(String), 'the caller\'s own error belongs to the caller: it should escape as it does from any callback, and nothing else with it').to.deep.equal(['Error: thrown by the caller']);
    });
  });

  describe('defects: what the legacy version gets wrong', () => {
    it('an empty folder inside the tree counts 0, and the walk still calls back', async () => {
      await write(withEmptyFolder);
      const label = 'diskUsage(folder with empty folders)';
      expectUsageOf(label, await callLegacy<Usage[]>(label, (cb) => diskUsage(tmp.path, cb)), withEmptyFolder);
    });

    it('two folders that cannot be read call back once, with the error', async () => {
      await write(twoUnreadable);
      fsFaults.inject({ call: 'readdir', path: /\/(a|b)$/, fromCall: 1, code: 'EACCES' });
      const result = await outcome(callLegacy('diskUsage(folder)', (cb) => diskUsage(tmp.path, cb)));
      if (!result.ok && result.error instanceof KataAssertionError) throw result.error;
      expect(result.ok, 'diskUsage should fail when a folder cannot be read').to.equal(false);
      expect(result.ok ? undefined : result.error).to.have.property('code', 'EACCES');
    });

    it('a large tree is walked with at most DEFAULT_CONCURRENCY lstat calls in flight, not one per entry', async () => {
      const label = `diskUsage(${bigLabel})`;
      const usage = await gate.expectBoundedWalk(DEFAULT_CONCURRENCY, big.path, big.tree, callbackRun<Usage[]>(label, (cb) => diskUsage(big.path, cb)));
      expect(usage).to.deep.equal(expectedUsage(big.tree));
    });

    it('a symlink loop is not followed: the walk ends, and counts each link as itself', async () => {
      await write(withLoops);
      const label = 'diskUsage(folder with symlink loops)';
      const result = await outcome(callLegacy<Usage[]>(label, (cb) => diskUsage(tmp.path, cb)));
      expectNoLinkFollowed(label, ['self', path.join('sub', 'up')]);
      const usage = expectUsage(label, result, 'a symlink loop is not an error when links are not followed.');
      expect(usage).to.deep.equal(expectedUsage(withLoops));
    });

    it('a symlink counts as the link itself, not the file it points at, even when that file is gone', async () => {
      await write(withLinks);
      const label = 'diskUsage(folder with symlinks)';
      const result = await outcome(callLegacy<Usage[]>(label, (cb) => diskUsage(tmp.path, cb)));
      const usage = expectUsage(label, result, 'a dangling symlink is an entry like any other: count the link (lstat), do not follow it (stat).');
      expect(usage, 'a symlink counts its own size (the length of the path it holds), not the size of its target').to.deep.equal(expectedUsage(withLinks));
    });

    it('entries of the same size are listed by name, whatever order their sizes arrive in', async () => {
      await write(withTies);
      const usage = await gate.finishInOrder(tmp.path, callbackRun<Usage[]>('diskUsage(folder)', (cb) => diskUsage(tmp.path, cb)), lastNameFirst);
      expect(usage, 'largest first, and entries of the same size by name: the order must depend neither on which lstat finished first nor on the order readdir lists names in (the file system\'s, alphabetical on some only; here, last name first)').to.deep.equal(
        expectedUsage(withTies),
      );
    });

    it('the callback API gives the same answers as the promise API (it is a shim over it)', async () => {
      const tree = { ...withEmptyFolder, ...withLinks, ...behaviours[1]![1] };
      await write(tree);
      const viaPromise = await callPromise('promises.diskUsage(folder)', () => promises.diskUsage(tmp.path));
      const viaCallback = await callLegacy('diskUsage(folder)', (cb) => diskUsage(tmp.path, cb));
      expect(viaCallback).to.deep.equal(viaPromise);
    });
  });

  describe('promise API: promises.diskUsage', () => {
    for (const [title, tree] of behaviours) {
      it(title, async () => {
        await write(tree);
        const label = 'promises.diskUsage(folder)';
        const usage = await callPromise(label, () => promises.diskUsage(tmp.path));
        if (usage === undefined) throw new KataAssertionError(messages.resolvedEarly(label, 'it had the usage to resolve with (it resolved with undefined)'));
        expectUsageOf(label, usage, tree);
      });
    }

    it('an empty folder counts 0', async () => {
      await write(withEmptyFolder);
      const label = 'promises.diskUsage(folder with empty folders)';
      expectUsageOf(label, await callPromise(label, () => promises.diskUsage(tmp.path)), withEmptyFolder);
    });

    it('an empty folder given resolves with an empty list', async () => {
      expect(await callPromise('promises.diskUsage(empty folder)', () => promises.diskUsage(tmp.path))).to.deep.equal([]);
    });

    it('a symlink counts as the link itself and is never followed, loops included', async () => {
      await write({ ...withLoops, ...withLinks });
      const label = 'promises.diskUsage(folder with symlinks)';
      const result = await outcome(callPromise(label, () => promises.diskUsage(tmp.path)));
      expectNoLinkFollowed(label, ['self', path.join('sub', 'up')]);
      const usage = expectUsage(label, result, 'symlinks, dangling or looping, are entries like any other: count the link (lstat), do not follow it (stat).');
      expect(usage).to.deep.equal(expectedUsage({ ...withLoops, ...withLinks }));
    });

    it('entries of the same size are listed by name, whatever order their sizes arrive in', async () => {
      await write(withTies);
      const usage = await gate.finishInOrder(tmp.path, promiseRun('promises.diskUsage(folder)', () => promises.diskUsage(tmp.path)), lastNameFirst);
      expect(usage, 'largest first, and entries of the same size by name: the order must depend neither on which lstat finished first nor on the order readdir lists names in (the file system\'s, alphabetical on some only; here, last name first)').to.deep.equal(
        expectedUsage(withTies),
      );
    });

    it('rejects with ENOENT for a folder that does not exist', async () => {
      const err = await expectRejection('promises.diskUsage(missing)', () => promises.diskUsage(tmp.file('missing')));
      expect(err).to.have.property('code', 'ENOENT');
    });

    it('rejects with the error when folders cannot be read', async () => {
      await write(twoUnreadable);
      fsFaults.inject({ call: 'readdir', path: /\/(a|b)$/, fromCall: 1, code: 'EACCES' });
      const err = await expectRejection('promises.diskUsage(folder)', () => promises.diskUsage(tmp.path));
      expect(err).to.have.property('code', 'EACCES');
      // Promise.all rejects at the first error; the rest of the walk may still be running.
      await whenQuiet();
    });

    it('reads without blocking the process: no synchronous fs calls', async () => {
      await write(behaviours[1]![1]);
      await callPromise('promises.diskUsage(folder)', () => promises.diskUsage(tmp.path));
      const sync = fsFaults.calls().filter((c) => c.api === 'sync' && c.path.startsWith(tmp.path));
      if (sync.length > 0) {
        throw new KataAssertionError(messages.usedSyncCall('promises.diskUsage', [...new Set(sync.map((c) => `fs.${c.call}Sync`))]));
      }
    });
  });

  describe('concurrency: at most N lstat calls in flight', () => {
    for (const limit of [1, 3, 5]) {
      it(`keeps at most ${limit} lstat call${limit === 1 ? '' : 's'} in flight on a large tree, and starts the next as soon as one finishes`, async () => {
        const label = `promises.diskUsage(${bigLabel}, { concurrency: ${limit} })`;
        const usage = await gate.expectBoundedWalk(limit, big.path, big.tree, promiseRun(label, () => promises.diskUsage(big.path, { concurrency: limit })));
        expect(usage).to.deep.equal(expectedUsage(big.tree));
      });
    }

    it('with no option, the limit is DEFAULT_CONCURRENCY', async () => {
      const label = `promises.diskUsage(${bigLabel})`;
      const usage = await gate.expectBoundedWalk(DEFAULT_CONCURRENCY, big.path, big.tree, promiseRun(label, () => promises.diskUsage(big.path)));
      expect(usage).to.deep.equal(expectedUsage(big.tree));
    });

    it('options without a concurrency ({} or { concurrency: undefined }) mean DEFAULT_CONCURRENCY, not an error', async () => {
      const tree = behaviours[1]![1];
      await write(tree);
      for (const [shown, options] of [['{}', {}], ['{ concurrency: undefined }', { concurrency: undefined }]] as const) {
        const label = `promises.diskUsage(folder, ${shown})`;
        const result = await outcome(callPromise(label, () => promises.diskUsage(tmp.path, options)));
        const usage = expectUsage(
          label,
          result,
          'a concurrency left out is the default, whether the options object is left out too or not. A default for the whole options ' +
            "object (`options = { concurrency: DEFAULT_CONCURRENCY }`) is not used when the caller passes {}: default the field (`const { concurrency = DEFAULT_CONCURRENCY } = options ?? {}`).",
        );
        expectUsageOf(label, usage, tree);
      }
    });

    it('rejects a concurrency that is not a whole number of at least 1, before looking at anything', async () => {
      await write({ 'a.txt': 'a' });
      for (const concurrency of [0, -1, 1.5, Number.NaN]) {
        const err = await expectRejection(`promises.diskUsage(folder, { concurrency: ${concurrency} })`, () => promises.diskUsage(tmp.path, { concurrency }));
        expect(err, `concurrency ${concurrency}`).to.be.instanceOf(RangeError);
        expect((err as Error).message, `concurrency ${concurrency}: the RangeError should say what was wrong (name the concurrency option)`).to.include('concurrency');
      }
      expect(fsFaults.calls().filter((c) => c.path.startsWith(tmp.path)), 'nothing should be read with an invalid concurrency').to.deep.equal([]);
    });
  });
});
