/**
 * The callback-hell check's cache (the learner's loop): a hit needs nothing it depends on to have
 * changed, and it is what the check would say.
 */
import { expect } from 'chai';
import * as fs from 'node:fs';
import * as path from 'node:path';

import { cacheKey, checkKataCached } from '../../src/callback-hell/cached-check';
import { checkKata } from '../../src/callback-hell/check-kata';
import { findKata, REPO_ROOT } from '../../src/kata/catalog';
import { type Kata, loadKata } from '../../src/kata/metadata';
import { useTempDir } from '../../src/harness/temp-dir';

describe('callback-hell check cache', function () {
  // A miss runs the real check: ESLint and TypeScript load in a second or two.
  this.timeout(60_000);
  const temp = useTempDir('cached-check-');
  let kata: Kata;

  beforeEach(() => {
    // A copy of config-loader, to change its files.
    const dir = temp.file('config-loader');
    fs.cpSync(findKata('config-loader').dir, dir, { recursive: true });
    kata = loadKata(dir);
  });

  const learnerFile = () => path.join(kata.dir, kata.meta.files[0]!);

  it('the key changes with what the check depends on, and only with that', () => {
    const base = cacheKey(kata);
    expect(cacheKey(kata), 'computed again').to.equal(base);

    fs.writeFileSync(path.join(kata.dir, 'test', 'mine', 'extra.test.ts'), '// a pinning test\n');
    expect(cacheKey(kata), 'a test file is not checked').to.equal(base);

    expect(cacheKey(kata, { typed: false }), 'without the type-aware rules').to.not.equal(base);
    expect(cacheKey(kata, { dir: '.meta/solution' }), 'another folder').to.not.equal(base);

    fs.appendFileSync(learnerFile(), '\n');
    const edited = cacheKey(kata);
    expect(edited, "a save of the learner's file").to.not.equal(base);

    fs.writeFileSync(path.join(kata.dir, 'src', 'helper.ts'), 'export const x = 1;\n');
    const withHelper = cacheKey(kata);
    expect(withHelper, 'a file the learner may import (its types count)').to.not.equal(edited);

    const meta = JSON.parse(fs.readFileSync(path.join(kata.dir, 'kata.json'), 'utf8')) as { check?: { rules?: Record<string, string> } };
    meta.check = { ...meta.check, rules: { ...meta.check?.rules, 'n/no-sync': 'off' } };
    fs.writeFileSync(path.join(kata.dir, 'kata.json'), JSON.stringify(meta, null, 2));
    expect(cacheKey(loadKata(kata.dir)), "the kata's check settings").to.not.equal(withHelper);
  });

  it('a miss runs the check and stores what it says; a hit returns it without running it', async () => {
    const entry = path.join(REPO_ROOT, 'node_modules', '.cache', 'callback-katas', 'check', `${cacheKey(kata)}.json`);
    fs.rmSync(entry, { force: true });
    try {
      const checked = await checkKataCached(kata);
      expect(checked).to.deep.equal(await checkKata(kata));
      expect(checked.passed, 'the starter fails the check').to.equal(false);
      expect(JSON.parse(fs.readFileSync(entry, 'utf8'))).to.deep.equal(checked);

      // Planted: only a hit can return it.
      fs.writeFileSync(entry, JSON.stringify({ ...checked, rules: ['planted'] }));
      expect((await checkKataCached(kata)).rules).to.deep.equal(['planted']);

      // An entry that cannot be read is a miss, not an error.
      fs.writeFileSync(entry, '{');
      expect(await checkKataCached(kata)).to.deep.equal(checked);
    } finally {
      fs.rmSync(entry, { force: true });
    }
  });
});
