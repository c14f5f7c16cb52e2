/**
 * A throwaway copy of the library for tests of the `kata` binary: the CLI reads and writes the
 * learner's progress, backups and kata files next to its own sources, so each test file works on
 * its own copy (the toolchain comes from this repo's node_modules through a symlink), committed
 * to a fresh git repository like a learner's clone. Kept for debugging when KATA_KEEP_TMP=1.
 *
 * @example
 * const box = makeSandbox();
 * const run = await box.kata(['list', '--json']);
 * JSON.parse(run.stdout)[0].status.state; // 'not started'
 */
import { execFile, execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export const REPO = path.resolve(__dirname, '..', '..');
export const KATA = 'config-loader';
/** A second kata (a copy of the first, later in the learning order), so the order and the menu have something to do. */
export const SECOND_KATA = 'config-loader-again';

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface Sandbox {
  root: string;
  /** Absolute path of a file of a kata: `file(KATA, 'src', 'config-loader.ts')`. */
  file(kata: string, ...rel: string[]): string;
  /** Runs `node bin/kata.js ...args` in the sandbox (or in `cwd` inside it), colours off. */
  kata(args: string[], options?: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number }): Promise<CliRun>;
  git(args: string[]): string;
  /** Puts a kata's files back as committed, and forgets the learner's progress. */
  restore(): void;
  remove(): void;
}

/** The environment a CLI run sees: no colours, no coverage of an outer run leaking in. */
export function cliEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
  delete env.FORCE_COLOR;
  delete env.NODE_V8_COVERAGE;
  delete env.TS_NODE_PROJECT;
  return { ...env, ...extra };
}

/**
 * Keeps only the first of a sandboxed kata's wrong refactorings (in kata.json and its folders), and
 * drops the requirements, which name the others: a test of how the verifier treats wrong
 * refactorings needs one to run, not all twenty, each a run of the kata's tests.
 */
export function keepOneWrong(box: Sandbox, kata: string): void {
  const file = box.file(kata, 'kata.json');
  const meta = JSON.parse(fs.readFileSync(file, 'utf8')) as { wrong: { dir: string }[] };
  const [kept, ...dropped] = meta.wrong;
  for (const w of dropped) fs.rmSync(box.file(kata, w.dir), { recursive: true, force: true });
  // The requirements name the wrong refactorings that break them, and are left out with them.
  fs.writeFileSync(file, `${JSON.stringify({ ...meta, wrong: [kept], requirements: undefined }, null, 2)}\n`);
}

export function makeSandbox(options: { git?: boolean } = {}): Sandbox {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'kata-cli-'));
  for (const entry of ['bin', 'src', 'scripts', 'tsconfig.json', 'package.json', '.gitignore']) {
    fs.cpSync(path.join(REPO, entry), path.join(root, entry), { recursive: true });
  }
  const copyKata = (to: string) =>
    fs.cpSync(path.join(REPO, 'katas', KATA), path.join(root, 'katas', to), {
      recursive: true,
      filter: (src) => !/[\\/](coverage|node_modules)$/.test(src),
    });
  copyKata(KATA);
  copyKata(SECOND_KATA);
  const second = path.join(root, 'katas', SECOND_KATA);
  const meta = JSON.parse(fs.readFileSync(path.join(second, 'kata.json'), 'utf8')) as { order: number; title: string };
  fs.writeFileSync(path.join(second, 'kata.json'), JSON.stringify({ ...meta, order: meta.order + 1, title: `${meta.title}, again` }, null, 2));
  fs.writeFileSync(path.join(second, 'package.json'), JSON.stringify({ name: `@callback-katas/${SECOND_KATA}`, private: true }, null, 2));
  fs.symlinkSync(path.join(REPO, 'node_modules'), path.join(root, 'node_modules'), 'dir');

  const git = (args: string[]) => execFileSync('git', ['-c', 'user.name=kata test', '-c', 'user.email=kata@example.invalid', ...args], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (options.git !== false) {
    git(['init', '-q']);
    git(['add', '-A']);
    git(['commit', '-q', '-m', 'the library, as cloned']);
  }

  const box: Sandbox = {
    root,
    file: (kata, ...rel) => path.join(root, 'katas', kata, ...rel),
    kata: (args, opts = {}) =>
      new Promise<CliRun>((resolve, reject) => {
        execFile(
          process.execPath,
          [path.join(root, 'bin', 'kata.js'), ...args],
          { cwd: opts.cwd ?? root, env: cliEnv(opts.env), timeout: opts.timeoutMs ?? 120_000, maxBuffer: 16 * 1024 * 1024 },
          (err, stdout, stderr) => {
            if (err && typeof err.code !== 'number') return reject(new Error(`kata ${args.join(' ')}: ${err.message}\n${stderr}`));
            resolve({ code: err ? (err.code as number) : 0, stdout, stderr });
          },
        );
      }),
    git,
    restore() {
      if (options.git !== false) {
        git(['checkout', '-q', 'HEAD', '--', 'katas']);
        git(['clean', '-qfd', '--', 'katas']);
      }
      fs.rmSync(path.join(root, '.kata-progress.json'), { force: true });
      fs.rmSync(path.join(root, '.kata-backups'), { recursive: true, force: true });
    },
    remove() {
      if (process.env.KATA_KEEP_TMP === '1') {
        process.stderr.write(`  kept ${root}\n`);
        return;
      }
      fs.rmSync(root, { recursive: true, force: true });
    },
  };
  return box;
}

/** The reference solution of a kata, with step 1's answer tests, as a learner who finished would have it. */
export function solve(box: Sandbox, kata = KATA): void {
  fs.copyFileSync(box.file(kata, '.meta', 'solution', 'config-loader.ts'), box.file(kata, 'src', 'config-loader.ts'));
  for (const test of fs.readdirSync(box.file(kata, '.meta', 'pinning'))) {
    fs.copyFileSync(box.file(kata, '.meta', 'pinning', test), box.file(kata, 'test', 'mine', test));
  }
}

/** A learner's test (for test/mine/) whose two sides chai prints alike: they differ past its 40 characters. */
export const DEEP_EQUAL_TEST = `import { expect } from 'chai';

describe('my config', () => {
  it('deep-equals', () => {
    expect({ port: 8080, host: 'b', db: { port: 5433, name: 'app' }, log: ['x'] }).to.deep.equal({ port: 8080, host: 'b', db: { port: 5432, name: 'app' }, log: ['x', 'y'] });
  });
});
`;
