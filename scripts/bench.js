#!/usr/bin/env node
// The library's speed figures, side by side in one run: a learner's `npm test` in a file kata (as
// a rerun, and after a save of the learner's file) and in a worker kata, the same file kata's
// tests as precompiled JavaScript without coverage (the floor no loader can beat), and, with
// --verify, `kata verify` of each kata. Every measure is taken `--runs` times, interleaved, so the
// machine's noise falls on all of them alike; medians and ratios are printed with the load
// average, and written as JSON for comparison between runs.
//
// --compare DIR measures another checkout of the library in the same interleaved loop (a git
// worktree of an older commit, with a node_modules of its own or a link to this one's), which is
// how "before" and "after" are compared on a shared, noisy machine.
//
// Usage: npm run bench [-- --runs 5] [-- --verify] [-- --compare /tmp/old] [-- --json FILE]
'use strict';

const { execFileSync, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { parseArgs } = require('node:util');

const ROOT = path.join(__dirname, '..');
const FILE_KATA = 'config-loader';
const WORKER_KATA = 'worker-pool';

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 ? s[(s.length - 1) / 2] : Math.round((s[s.length / 2 - 1] + s[s.length / 2]) / 2);
};
const load = () => os.loadavg().map((l) => l.toFixed(2)).join(' ');

/** Wall-clock ms of one command; its exit code does not matter (a red kata exits 1). */
function timed(command, args, options) {
  const t0 = performance.now();
  const result = spawnSync(command, args, { stdio: 'ignore', ...options });
  if (result.error) throw result.error;
  return Math.round(performance.now() - t0);
}

/** The file kata's tests compiled to JavaScript once, for the floor. Returns the build folder. */
function precompile(repo) {
  const build = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-build-'));
  // Type errors do not stop the emit, and are npm run typecheck's business, not this bench's.
  spawnSync(process.execPath, [path.join(repo, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', path.join(repo, 'tsconfig.json'), '--noEmit', 'false', '--outDir', build, '--sourceMap', 'false'], { cwd: repo, stdio: 'ignore' });
  if (!fs.existsSync(path.join(build, 'katas', FILE_KATA, 'test'))) throw new Error(`tsc emitted no JavaScript for ${repo}/katas/${FILE_KATA}`);
  fs.symlinkSync(path.join(repo, 'node_modules'), path.join(build, 'node_modules'));
  return build;
}

let saves = 0;
let restoring;
// Ctrl-C stops the run in progress (it gets the signal too), then the bench, with the file put back.
process.on('SIGINT', () => {
  restoring?.();
  process.exit(130);
});
/** Runs `fn` with a new line at the end of `file` (new content: no cache has it), then restores the file. */
function afterASave(file, fn) {
  const original = fs.readFileSync(file);
  restoring = () => fs.writeFileSync(file, original);
  try {
    fs.writeFileSync(file, Buffer.concat([original, Buffer.from(`\n// saved by the bench: ${process.pid} ${(saves += 1)}\n`)]));
    return fn();
  } finally {
    restoring();
    restoring = undefined;
  }
}

function kataNames(repo) {
  return fs.readdirSync(path.join(repo, 'katas')).filter((k) => fs.existsSync(path.join(repo, 'katas', k, 'kata.json'))).sort();
}

/** The measures for one checkout: name -> function returning ms. */
function measures(repo, build, withVerify) {
  const kataDir = (k) => path.join(repo, 'katas', k);
  const env = { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1' };
  const quiet = { ...env, KATA_RESULTS_FILE: '/dev/null', KATA_QUIET: '1' };
  const list = {
    [`npm test in ${FILE_KATA}`]: () => timed('npm', ['test'], { cwd: kataDir(FILE_KATA), env }),
    // What a learner runs after each edit: the saved file is compiled again, and checked again.
    [`npm test in ${FILE_KATA} after a save`]: () => afterASave(path.join(kataDir(FILE_KATA), 'src', `${FILE_KATA}.ts`), () => timed('npm', ['test'], { cwd: kataDir(FILE_KATA), env })),
    [`npm test in ${WORKER_KATA}`]: () => timed('npm', ['test'], { cwd: kataDir(WORKER_KATA), env }),
    [`${FILE_KATA} tests as precompiled JS, no coverage (floor)`]: () =>
      timed(process.execPath, [path.join(repo, 'node_modules', 'mocha', 'bin', 'mocha.js'), '--no-config', '-r', '../../src/harness/root-hooks.js', '--reporter', '../../src/runner/reporter.js', 'test/*.test.js'], { cwd: path.join(build, 'katas', FILE_KATA), env: quiet }),
  };
  if (withVerify) {
    for (const k of kataNames(repo)) list[`kata verify ${k}`] = () => timed(process.execPath, [path.join(repo, 'bin', 'kata.js'), 'verify', k], { cwd: repo, env });
  }
  return list;
}

function main() {
  const { values } = parseArgs({ options: { runs: { type: 'string', default: '5' }, verify: { type: 'boolean' }, compare: { type: 'string' }, json: { type: 'string' } } });
  const runs = Number(values.runs);
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs takes a whole number from 1 up, got "${values.runs}"`);
  const repos = [{ label: 'this checkout', dir: ROOT }];
  if (values.compare) {
    const dir = path.resolve(values.compare);
    if (!fs.existsSync(path.join(dir, 'bin', 'kata.js')) || !fs.existsSync(path.join(dir, 'node_modules'))) {
      throw new Error(`--compare ${dir}: expected a checkout of this library with node_modules (for example: git worktree add ${dir} <commit> && ln -s ${path.join(ROOT, 'node_modules')} ${dir}/node_modules)`);
    }
    repos.push({ label: `compare ${path.basename(dir)} (${commitOf(dir)})`, dir });
  }
  const loadStart = load();
  console.log(`bench: ${runs} runs of each measure, interleaved; ${os.cpus().length} cores; load average at start ${loadStart}`);
  const builds = repos.map((r) => precompile(r.dir));
  try {
    const table = repos.map((r, i) => ({ ...r, commit: commitOf(r.dir), measures: measures(r.dir, builds[i], values.verify), samples: {} }));
    // Warm each loader's cache and npm's, so that no first run pays a compile the others do not.
    for (const r of table) for (const fn of Object.values(r.measures)) fn();
    for (let i = 0; i < runs; i++) {
      for (const r of table) {
        for (const [name, fn] of Object.entries(r.measures)) (r.samples[name] ??= []).push(fn());
      }
      process.stderr.write(`bench: run ${i + 1} of ${runs} done (load ${load()})\n`);
    }
    const loadEnd = load();
    const report = { date: new Date().toISOString(), node: process.version, cores: os.cpus().length, runs, load: { start: loadStart, end: loadEnd }, checkouts: [] };
    for (const r of table) {
      const medians = Object.fromEntries(Object.entries(r.samples).map(([k, v]) => [k, median(v)]));
      const ratio = (a, b) => Math.round((medians[a] / medians[b]) * 100) / 100;
      const ratios = {
        [`${WORKER_KATA} npm test / ${FILE_KATA} npm test (goal <= 1.5)`]: ratio(`npm test in ${WORKER_KATA}`, `npm test in ${FILE_KATA}`),
        [`${FILE_KATA} npm test / precompiled floor (goal <= 2)`]: ratio(`npm test in ${FILE_KATA}`, `${FILE_KATA} tests as precompiled JS, no coverage (floor)`),
      };
      const verify = Object.entries(medians).filter(([k]) => k.startsWith('kata verify '));
      if (verify.length > 0) medians['kata verify, all katas (sum of medians)'] = verify.reduce((s, [, v]) => s + v, 0);
      console.log(`\n${r.label}${r.commit ? ` at ${r.commit}` : ''}:`);
      for (const [k, v] of Object.entries(medians)) console.log(`  ${k.padEnd(58)} ${String(v).padStart(7)} ms   ${r.samples[k] ? `samples ${r.samples[k].join(' ')}` : ''}`);
      for (const [k, v] of Object.entries(ratios)) console.log(`  ${k.padEnd(58)} ${String(v).padStart(7)}x`);
      report.checkouts.push({ label: r.label, dir: r.dir, commit: r.commit, medians, ratios, samples: r.samples });
    }
    console.log(`\nload average at end ${loadEnd}`);
    const out = values.json ?? path.join(ROOT, 'bench-results', `bench-${report.date.replace(/[:.]/g, '-')}.json`);
    fs.mkdirSync(path.dirname(out), { recursive: true });
    fs.writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
    console.log(`written: ${path.relative(process.cwd(), out)}`);
  } finally {
    for (const b of builds) fs.rmSync(b, { recursive: true, force: true });
  }
}

function commitOf(dir) {
  try {
    return execFileSync('git', ['-C', dir, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
  } catch {
    return '';
  }
}

try {
  main();
} catch (err) {
  console.error(`bench: ${err.message}`);
  process.exitCode = 2;
}
