/**
 * The TypeScript loader (bin/ts-cache.js): a stack trace names the TypeScript line, whether the
 * file came from the cache or was compiled in this process. A learner reads those lines to find
 * the failing assertion; once any file is compiled (every save is a cache miss), ts-node's own
 * source-map support would otherwise take over and map only the files it compiled. And its
 * cache is pruned, or every saved version of every file would stay on disk.
 */
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import Module = require('node:module');
import * as os from 'node:os';
import * as path from 'node:path';

import { markUsed, pruneCache } from '../../bin/ts-cache';

import { TS_LOADER } from '../../src/runner/run-kata';
import { useTempDir } from '../../src/harness/temp-dir';

// Type-only lines first, so the compiled JavaScript's line numbers differ from the TypeScript's.
const thrower = (tag: string) => `interface Unused {
  a: number;
  b: string;
}
export type Alias = Unused;

export function fail(): never {
  throw new Error('${tag}');
}
`;

describe('TypeScript loader: stack traces name TypeScript lines', function () {
  this.timeout(30_000);
  const temp = useTempDir();

  /** Runs main.ts under the loader and returns the stack frame printed for thrower.ts. */
  function frameOf(dir: string): string {
    const run = spawnSync(process.execPath, ['--require', TS_LOADER, 'main.ts'], { cwd: dir, encoding: 'utf8' });
    expect(run.status, run.stderr).to.equal(0);
    const frame = run.stdout.split('\n').find((line) => line.includes('thrower.ts'));
    expect(frame, run.stdout).to.be.a('string');
    return frame!.trim();
  }

  it('for a file loaded from the cache, when another file was compiled in the same run', async () => {
    const tag = `cached ${process.hrtime.bigint()}`;
    await temp.write({
      'thrower.ts': thrower(tag),
      'warm.ts': "import './thrower';\n",
      // New content on every run: a cache miss, so ts-node is loaded in this process.
      'main.ts': `// ${tag}\nimport { fail } from './thrower';\ntry { fail(); } catch (err) { console.log((err as Error).stack); }\n`,
    });
    // thrower.ts into the cache first, in a process of its own.
    const warm = spawnSync(process.execPath, ['--require', TS_LOADER, 'warm.ts'], { cwd: temp.path, encoding: 'utf8' });
    expect(warm.status, warm.stderr).to.equal(0);
    expect(frameOf(temp.path)).to.match(/thrower\.ts:8:9\)$/);
  });

  it('for a file compiled in this run', async () => {
    const tag = `compiled ${process.hrtime.bigint()}`;
    await temp.write({
      'thrower.ts': thrower(tag),
      'main.ts': `// ${tag}\nimport { fail } from './thrower';\ntry { fail(); } catch (err) { console.log((err as Error).stack); }\n`,
    });
    expect(frameOf(temp.path)).to.match(/thrower\.ts:8:9\)$/);
  });
});

describe('TypeScript loader: the cache forgets what has not been used for two weeks', () => {
  const temp = useTempDir();
  const DAY = 24 * 60 * 60 * 1000;
  const now = Date.UTC(2026, 11, 1);
  const aged = (file: string, days: number) => {
    const at = (now - days * DAY) / 1000;
    fs.utimesSync(file, at, at);
  };
  const left = () => fs.readdirSync(temp.path).sort();

  it('removes entries unused for more than 14 days and dead temporary files, keeps the rest', async () => {
    await temp.write({ 'old.js': 'a', 'old.json': '{}', 'recent.js': 'b', 'a.js.123.tmp': 'c', 'b.js.456.tmp': 'd', 'notes.txt': 'e' });
    aged(temp.file('old.js'), 15);
    aged(temp.file('old.json'), 15);
    aged(temp.file('recent.js'), 13);
    aged(temp.file('a.js.123.tmp'), 2);
    aged(temp.file('b.js.456.tmp'), 0);
    aged(temp.file('notes.txt'), 100);
    expect(pruneCache(temp.path, { now })).to.equal(3);
    expect(left()).to.deep.equal(['.last-prune', 'b.js.456.tmp', 'notes.txt', 'recent.js']);
  });

  it('prunes a folder at most once a day', async () => {
    await temp.write({ 'old.js': 'a' });
    aged(temp.file('old.js'), 30);
    expect(pruneCache(temp.path, { now })).to.equal(1);
    await temp.write({ 'old2.js': 'a' });
    aged(temp.file('old2.js'), 30);
    expect(pruneCache(temp.path, { now: now + DAY / 2 }), 'half a day later').to.equal(0);
    expect(pruneCache(temp.path, { now: now + DAY + 1 }), 'a day later').to.equal(1);
    expect(left()).to.deep.equal(['.last-prune']);
  });

  it('an entry read again is marked as used, so it is kept', async () => {
    await temp.write({ 'used.js': 'a' });
    aged(temp.file('used.js'), 20);
    markUsed(temp.file('used.js'), now);
    expect(pruneCache(temp.path, { now })).to.equal(0);
    expect(left()).to.deep.equal(['.last-prune', 'used.js']);
  });
});

describe("TypeScript loader: Node's compile cache, where Node has it", () => {
  const cacheDirOf = (env: NodeJS.ProcessEnv) => {
    const run = spawnSync(process.execPath, ['--require', TS_LOADER, '-e', "console.log(require('node:module').getCompileCacheDir() ?? 'off')"], { env, encoding: 'utf8' });
    expect(run.status, run.stderr).to.equal(0);
    return run.stdout.trim();
  };
  const withoutCacheVars = () => {
    const env = { ...process.env };
    for (const name of ['NODE_V8_COVERAGE', 'NODE_COMPILE_CACHE', 'NODE_DISABLE_COMPILE_CACHE']) delete env[name];
    return env;
  };

  beforeEach(function () {
    if (typeof (Module as { enableCompileCache?: unknown }).enableCompileCache !== 'function') this.skip();
  });

  it('is on in a process that does not measure coverage', () => {
    expect(cacheDirOf(withoutCacheVars())).to.not.equal('off');
  });

  it('is off where coverage is measured, whose precision it can lower', () => {
    const coverage = fs.mkdtempSync(path.join(os.tmpdir(), 'kata-v8-coverage-'));
    try {
      expect(cacheDirOf({ ...withoutCacheVars(), NODE_V8_COVERAGE: coverage })).to.equal('off');
    } finally {
      fs.rmSync(coverage, { recursive: true, force: true });
    }
  });
});
